"""``torch.backends.mha``: the fast path of ``MultiheadAttention`` (minigrad has one path)."""
_fastpath = True


def get_fastpath_enabled() -> bool:
    return _fastpath


def set_fastpath_enabled(value: bool) -> None:
    global _fastpath
    _fastpath = bool(value)
