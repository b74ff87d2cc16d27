"""``torch.backends.cpu``: the CPU's vector extensions as PyTorch names them."""


def get_cpu_capability() -> str:
    """NumPy's best SIMD level for this CPU, in PyTorch's vocabulary (``AVX2``/``AVX512``)."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as feats
    except ImportError:  # NumPy < 2
        from numpy.core._multiarray_umath import __cpu_features__ as feats
    if feats.get("AVX512F") and feats.get("AVX512BW"):
        return "AVX512"
    if feats.get("AVX2"):
        return "AVX2"
    return "DEFAULT"
