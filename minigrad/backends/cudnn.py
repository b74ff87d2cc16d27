"""``torch.backends.cudnn``: minigrad calls no cuDNN kernels, so it is never available.

``enabled``, ``benchmark``, ``deterministic`` and ``allow_tf32`` are plain attributes with
PyTorch's defaults, kept so programs can set them.
"""
enabled = True
benchmark = False
benchmark_limit = 10
deterministic = False
allow_tf32 = True


def is_available() -> bool:
    """False: minigrad has no cuDNN code path."""
    return False


def version():
    """None, as PyTorch returns when cuDNN is unavailable."""
    return None


def is_acceptable(tensor) -> bool:
    return False
