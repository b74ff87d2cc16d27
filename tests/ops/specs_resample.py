"""Specs for the interpolate modes added to minigrad/ops/pool.py: trilinear, nearest-exact,
area and 5-D inputs (gradcheck, gradgradcheck, PyTorch comparison). Integer inputs and
F.pad cropping are in tests/ops/test_resample.py."""
from minigrad.nn import functional as F

from .specs import OpSpec


def _both(**kw):
    def ours(a):
        return F.interpolate(a, **kw)

    def theirs(a):
        import torch.nn.functional as TF

        return TF.interpolate(a, **kw)

    return ours, theirs


def _spec(id, shapes, **kw):
    ours, theirs = _both(**kw)
    return OpSpec("interpolate", ours, None, shapes, torch_fn=theirs, id=id)


SPECS = [
    _spec("interpolate_trilinear", [((1, 2, 2, 3, 4),)], scale_factor=1.5, mode="trilinear"),
    _spec("interpolate_trilinear_ac", [((2, 1, 3, 2, 2),)], size=(4, 3, 5), mode="trilinear",
          align_corners=True),
    _spec("interpolate_nearest_5d", [((1, 2, 2, 3, 4),)], size=(3, 5, 2)),
    _spec("interpolate_nearest_exact", [((1, 2, 5, 4),)], size=(3, 7), mode="nearest-exact"),
    _spec("interpolate_nearest_exact_1d", [((2, 2, 5),)], scale_factor=1.7,
          mode="nearest-exact"),
    _spec("interpolate_area", [((1, 2, 5, 4),)], size=(3, 2), mode="area"),
    _spec("interpolate_area_5d", [((1, 1, 4, 3, 5),)], size=(2, 2, 3), mode="area"),
]
