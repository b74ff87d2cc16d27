"""``nn.factory_kwargs``: the factory keywords (device, dtype, memory_format) of a layer's
``**kwargs``, checked, as ``torch.nn.factory_kwargs``."""
from __future__ import annotations


def factory_kwargs(kwargs):
    """Return a dict of factory keywords to pass on to ``empty``/``zeros``...; ``kwargs`` may
    hold ``device``, ``dtype``, ``memory_format`` and a ``factory_kwargs`` dict (for keywords
    whose names clash with the caller's own arguments). Others raise TypeError, as does a
    keyword given both ways."""
    if kwargs is None:
        return {}
    simple = {"device", "dtype", "memory_format"}
    unexpected = kwargs.keys() - simple - {"factory_kwargs"}
    if unexpected:
        raise TypeError(f"unexpected kwargs {unexpected}")
    out = dict(kwargs.get("factory_kwargs", {}))
    for k in simple:
        if k in kwargs:
            if k in out:
                raise TypeError(f"{k} specified twice, in **kwargs and in factory_kwargs")
            out[k] = kwargs[k]
    return out
