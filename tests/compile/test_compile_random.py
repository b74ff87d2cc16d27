"""Hypothesis-generated random programs, compiled against eager (bitwise: no fusion)."""
import numpy as np
from hypothesis import given, strategies as st

import minigrad as torch

_UNARY = [torch.tanh, torch.sigmoid, torch.exp, lambda t: t.relu(), lambda t: t * t,
          lambda t: -t, lambda t: t.abs(), lambda t: t.clamp(min=-0.5, max=0.5)]
_BINARY = [torch.add, torch.sub, torch.mul, torch.maximum, lambda a, b: a @ b.T @ a]
_REDUCE = [lambda t: t.sum(), lambda t: t.mean(), lambda t: (t * t).sum(dim=1).mean(),
           lambda t: t.amax(dim=0).sum()]

_program = st.tuples(
    st.lists(st.tuples(st.integers(0, 2), st.integers(0, 7), st.integers(0, 2), st.integers(0, 2)),
             min_size=1, max_size=8),
    st.integers(0, len(_REDUCE) - 1), st.integers(0, 2 ** 16))


def _run(ops, red, seed, compiled):
    r = np.random.default_rng(seed)
    ws = [torch.tensor(r.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
          for _ in range(3)]

    def step():
        vals = list(ws)
        for kind, which, i, j in ops:
            a, b = vals[i % len(vals)], vals[j % len(vals)]
            if kind == 0:
                vals.append(_UNARY[which % len(_UNARY)](a))
            elif kind == 1:
                vals.append(_BINARY[which % len(_BINARY)](a, b))
            else:
                vals[i % len(vals)] = a * 0.5 + b  # rebinding: some values go unused
        loss = _REDUCE[red](vals[-1])
        loss.backward()
        with torch.no_grad():
            for w in ws:
                if w.grad is not None:
                    w.sub_(0.01 * w.grad)
                    w.grad = None
        return loss

    f = torch.compile(step) if compiled else step
    losses = [f().array.copy() for _ in range(4)]
    return losses, [w.array.copy() for w in ws], f


@given(_program)
def test_random_programs_replay_bitwise_like_eager(prog):
    ops, red, seed = prog
    le, we, _ = _run(ops, red, seed, False)
    lc, wc, f = _run(ops, red, seed, True)
    assert f.code is not None
    for a, b in zip(le + we, lc + wc):
        np.testing.assert_array_equal(a, b)
