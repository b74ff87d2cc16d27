import minigrad as torch


def test_onnx_is_importable_as_torch_onnx():
    import minigrad.onnx
    assert torch.onnx is minigrad.onnx
    assert callable(torch.onnx.export)


def test_a_pytorch_script_exports_under_as_torch(tmp_path):
    """``import torch.onnx; torch.onnx.export(...)`` in an unmodified script, run through
    ``python -m minigrad.as_torch``, writes a model onnx can load."""
    import os
    import subprocess
    import sys

    import pytest

    onnx = pytest.importorskip("onnx")
    script = tmp_path / "export_script.py"
    out = tmp_path / "lin.onnx"
    script.write_text(
        "import torch\nimport torch.onnx\nimport torch.nn as nn\n"
        "m = nn.Linear(3, 2)\n"
        f"torch.onnx.export(m, torch.randn(1, 3), {str(out)!r}, input_names=['x'], "
        "dynamo=False)\n")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))
    r = subprocess.run([sys.executable, "-m", "minigrad.as_torch", str(script)], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    model = onnx.load(str(out))
    assert [i.name for i in model.graph.input] == ["x"]
    assert {i.name for i in model.graph.initializer} == {"weight", "bias"}
