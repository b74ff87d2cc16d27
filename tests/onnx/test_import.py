import minigrad as torch


def test_onnx_is_importable_as_torch_onnx():
    import minigrad.onnx
    assert torch.onnx is minigrad.onnx
    assert callable(torch.onnx.export)
