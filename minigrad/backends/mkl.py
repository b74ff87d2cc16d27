"""``torch.backends.mkl``: minigrad links no MKL of its own (NumPy's BLAS does the work)."""


def is_available() -> bool:
    return False
