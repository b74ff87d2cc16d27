"""``torch.backends.openmp``: minigrad uses Python threads, not OpenMP."""


def is_available() -> bool:
    return False
