"""Specs for shape and movement ops (minigrad/ops/movement.py): flatten, unflatten, movedim,
repeat, tile, cat, stack, split, chunk, unbind, flip, roll, pad, tril, triu, and more
reshape/view/squeeze cases. Error messages are tested in tests/ops/test_movement_extra.py."""
import numpy as np

import minigrad as mg
from minigrad import ops

from .specs import OpSpec

A3 = [((2, 3, 4),)]
A2 = [((3, 4),)]
S0 = [((),)]


def _np_pad(a, pad, mode="constant", value=0.0):
    widths = [(0, 0)] * a.ndim
    for i in range(len(pad) // 2):
        widths[a.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    if mode == "constant":
        return np.pad(a, widths, mode="constant", constant_values=value)
    return np.pad(a, widths, mode={"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode])


def _torch_pad(pad, mode="constant", value=None):
    def f(a):
        import torch.nn.functional as F

        return F.pad(a, pad, mode=mode, value=value)

    return f


SPECS = [
    # reshape / view / squeeze (core covers the basic cases)
    OpSpec("reshape", lambda a: a.reshape(-1, 2, 3), lambda a: a.reshape(-1, 2, 3), A3,
           id="reshape_infer_first"),
    OpSpec("reshape", lambda a: a.reshape(()), lambda a: a.reshape(()), [((1, 1),)],
           id="reshape_to_0d"),
    OpSpec("view", lambda a: a.view(3, -1), lambda a: a.reshape(3, -1), A2, id="view_infer"),
    OpSpec("squeeze", lambda a: a.squeeze([0, 2]), lambda a: a.squeeze((0, 2)), [((1, 3, 1, 1),)],
           id="squeeze_list"),
    OpSpec("squeeze", lambda a: a.squeeze(), lambda a: a.squeeze(), [((1, 3, 1, 4),)] + S0,
           id="squeeze_all"),
    # flatten / unflatten / movedim
    OpSpec("flatten", lambda a: a.flatten(), lambda a: a.reshape(-1), A3 + S0, id="flatten_all",
           torch_fn=lambda a: a.flatten()),
    OpSpec("flatten", lambda a: a.flatten(1), lambda a: a.reshape(a.shape[0], -1), A3,
           id="flatten_start"),
    OpSpec("flatten", lambda a: ops.flatten(a, 0, -2), lambda a: a.reshape(-1, a.shape[-1]), A3,
           id="flatten_neg_end", torch_fn=lambda a: a.flatten(0, -2)),
    OpSpec("unflatten", lambda a: a.unflatten(-1, (2, -1)), lambda a: a.reshape(2, 3, 2, 2), A3,
           torch_fn=lambda a: a.unflatten(-1, (2, -1))),
    OpSpec("movedim", lambda a: a.movedim(0, -1), lambda a: np.moveaxis(a, 0, -1), A3,
           torch_fn=lambda a: a.movedim(0, -1)),
    OpSpec("movedim", lambda a: ops.movedim(a, (0, 1), (2, 0)),
           lambda a: np.moveaxis(a, (0, 1), (2, 0)), A3, id="movedim_tuple",
           torch_fn=lambda a: a.movedim((0, 1), (2, 0))),
    # repeat / tile
    OpSpec("repeat", lambda a: a.repeat(2, 1, 3), lambda a: np.tile(a, (2, 1, 3)), A2 + [((4,),)],
           torch_fn=lambda a: a.repeat(2, 1, 3)),
    OpSpec("repeat", lambda a: a.repeat(2, 3), lambda a: np.tile(a, (2, 3)), S0, id="repeat_0d"),
    OpSpec("tile", lambda a: a.tile(2), lambda a: np.tile(a, 2), A2 + S0,
           torch_fn=lambda a: a.tile(2)),
    OpSpec("tile", lambda a: ops.tile(a, (2, 1, 1, 2)), lambda a: np.tile(a, (2, 1, 1, 2)), A3,
           id="tile_more"),
    # cat / stack
    OpSpec("cat", lambda a, b: mg.cat([a, b]), lambda a, b: np.concatenate([a, b]),
           [((2, 3), (4, 3))], torch_fn=lambda a, b: __import__("torch").cat([a, b])),
    OpSpec("cat", lambda a, b, c: mg.cat((a, b, c), dim=-1),
           lambda a, b, c: np.concatenate([a, b, c], -1), [((2, 3), (2, 1), (2, 2))],
           id="cat_three_neg"),
    OpSpec("cat", lambda a: mg.cat([a, a * 2], 1), lambda a: np.concatenate([a, a * 2], 1), A3,
           id="cat_same_input"),
    OpSpec("stack", lambda a, b: mg.stack([a, b], 1), lambda a, b: np.stack([a, b], 1),
           [((2, 3), (2, 3))], torch_fn=lambda a, b: __import__("torch").stack([a, b], 1)),
    OpSpec("stack", lambda a, b: mg.stack([a, b], -1), lambda a, b: np.stack([a, b], -1),
           [((), ())], id="stack_0d"),
    # split / chunk / unbind (tuple outputs)
    OpSpec("split", lambda a: a.split(3, -1), lambda a: tuple(np.split(a, [3], -1)), A3,
           id="split_size"),
    OpSpec("split", lambda a: ops.split(a, [1, 2], 1), lambda a: tuple(np.split(a, [1], 1)), A3,
           id="split_sections"),
    OpSpec("chunk", lambda a: a.chunk(3, 1), lambda a: tuple(np.split(a, [2], 1)), A2),
    OpSpec("unbind", lambda a: a.unbind(-1), lambda a: tuple(np.moveaxis(a, -1, 0)), A3),
    # flip / roll
    OpSpec("flip", lambda a: a.flip(0, -1), lambda a: np.flip(a, (0, -1)), A3 + A2,
           torch_fn=lambda a: a.flip(0, -1)),
    OpSpec("flip", lambda a: ops.flip(a, [0]), lambda a: a, S0, id="flip_0d"),
    OpSpec("roll", lambda a: a.roll(1, 1), lambda a: np.roll(a, 1, 1), A3,
           torch_fn=lambda a: a.roll(1, 1)),
    OpSpec("roll", lambda a: a.roll((-1, 5), (0, -1)), lambda a: np.roll(a, (-1, 5), (0, -1)), A3,
           id="roll_multi", torch_fn=lambda a: a.roll((-1, 5), (0, -1))),
    OpSpec("roll", lambda a: a.roll(5), lambda a: np.roll(a, 5), A3 + S0, id="roll_flat"),
    # pad (PyTorch order: last dim first)
    OpSpec("pad", lambda a: ops.pad(a, (1, 2)), lambda a: _np_pad(a, (1, 2)), A3 + A2,
           torch_fn=_torch_pad((1, 2))),
    OpSpec("pad", lambda a: ops.pad(a, (1, 0, 0, 2), value=-1.5),
           lambda a: _np_pad(a, (1, 0, 0, 2), value=-1.5), A3, id="pad_value",
           torch_fn=_torch_pad((1, 0, 0, 2), value=-1.5)),
    OpSpec("pad", lambda a: ops.pad(a, (-1, 2, 1, -1)), lambda a: _np_pad(a[:, :-1, 1:], (0, 2, 1, 0)),
           A3, id="pad_negative", torch_fn=_torch_pad((-1, 2, 1, -1))),
    OpSpec("pad", lambda a: ops.pad(a, (2, 3, 1, 1), mode="reflect"),
           lambda a: _np_pad(a, (2, 3, 1, 1), "reflect"), A3, id="pad_reflect",
           torch_fn=_torch_pad((2, 3, 1, 1), "reflect")),
    OpSpec("pad", lambda a: ops.pad(a, (3, 1), mode="replicate"),
           lambda a: _np_pad(a, (3, 1), "replicate"), A3, id="pad_replicate",
           torch_fn=_torch_pad((3, 1), "replicate")),
    OpSpec("pad", lambda a: ops.pad(a, (1, 2, 2, 0), mode="circular"),
           lambda a: _np_pad(a, (1, 2, 2, 0), "circular"), A3, id="pad_circular",
           torch_fn=_torch_pad((1, 2, 2, 0), "circular")),
    # tril / triu
    OpSpec("tril", lambda a: a.tril(), np.tril, A3 + A2, torch_fn=lambda a: a.tril()),
    OpSpec("tril", lambda a: a.tril(-1), lambda a: np.tril(a, -1), A2, id="tril_neg",
           torch_fn=lambda a: a.tril(-1)),
    OpSpec("triu", lambda a: a.triu(1), lambda a: np.triu(a, 1), A3 + A2,
           torch_fn=lambda a: a.triu(1)),
]

NOT_DIFFERENTIABLE: dict = {}
