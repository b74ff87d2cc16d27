"""minigrad.compile(dynamic=True): one program serves every batch size."""
import numpy as np

import minigrad as torch


def _mlp_step():
    torch.manual_seed(0)
    m = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Dropout(0.2),
                            torch.nn.Linear(8, 3))
    opt = torch.optim.Adam(m.parameters(), lr=0.01)

    def step(x, y):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(m(x), y) + m(x).mean()  # counts follow B
        loss.backward()
        opt.step()
        return loss
    return m, step


def _data(sizes, make):
    r = np.random.default_rng(0)
    return [make(r, b) for b in sizes]


def _compare(make_step, data, **kw):
    m1, s1 = make_step()
    torch.manual_seed(5)
    want = [s1(*d).array.copy() for d in data]
    m2, s2 = make_step()
    f = torch.compile(s2, dynamic=True, **kw)
    torch.manual_seed(5)
    got = [f(*d).array.copy() for d in data]
    for a, b in zip(want, got):
        np.testing.assert_array_equal(a, b)
    for p, q in zip(m1.parameters(), m2.parameters()):
        np.testing.assert_array_equal(p.array, q.array)
    return f


def test_one_program_serves_every_batch_size():
    sizes = [5, 5, 5, 7, 9, 12, 5, 2, 30, 7, 1, 1, 1]
    data = _data(sizes, lambda r, b: (
        torch.tensor(r.standard_normal((b, 4)).astype(np.float32)),
        torch.tensor(r.integers(0, 3, b))))
    f = _compare(_mlp_step, data)
    # traced: batch 5 (twice, then compiled), batch 7 (once: made generic), batch 1 (its
    # own program: 0 and 1 are never generic); 9, 12, 2, 30 replayed without a trace
    assert sorted(k[2][0][0] for k in f._cache) == [1, 5]
    (generic,) = f._generic.values()
    assert "_B = args[0].array.shape[0]" in generic.code and "(_B, 8, )" in generic.code


def test_sequence_models_are_batch_generic():
    def make():
        torch.manual_seed(0)
        m = torch.nn.ModuleList([torch.nn.LSTM(6, 5, batch_first=True),
                                 torch.nn.TransformerEncoderLayer(5, 1, 8, dropout=0.0,
                                                                  batch_first=True)])
        opt = torch.optim.SGD(m.parameters(), lr=0.1)

        def step(x):
            opt.zero_grad()
            loss = m[1](m[0](x)[0]).square().mean()
            loss.backward()
            opt.step()
            return loss
        return m, step
    data = _data([3, 3, 3, 4, 6, 2], lambda r, b: (
        torch.tensor(r.standard_normal((b, 4, 6)).astype(np.float32)),))
    f = _compare(make, data)
    assert len(f._cache) == 1 and list(f._generic.values())[0] is not None


def test_numbers_that_do_not_follow_the_batch_retrace():
    def make():
        torch.manual_seed(0)
        w = torch.ones(3)

        def fn(x):  # a size that is not a multiple of the batch: no generic program
            return x.sum() + torch.arange(x.shape[0] * x.shape[0] + 1).float().sum() + w.sum()
        return torch.nn.Linear(1, 1), fn
    data = _data([2, 2, 2, 3, 4, 4, 4, 2], lambda r, b: (
        torch.tensor(r.standard_normal((b, 3)).astype(np.float32)),))
    with torch.no_grad():
        f = _compare(make, data)
    assert list(f._generic.values()) == [None]
    assert len(f._cache) == 3


def test_static_by_default():
    _, step = _mlp_step()
    f = torch.compile(step)
    r = np.random.default_rng(1)
    for b in (4, 4, 4, 6, 6, 6):
        f(torch.tensor(r.standard_normal((b, 4)).astype(np.float32)), torch.zeros(b).long())
    assert len(f._cache) == 2 and not f._generic


def _module_training(make, batches, **kw):
    """Train a module eagerly and compiled (dynamic) on the same batches: bitwise equal."""
    results = []
    for compiled in (False, True):
        m, opt, loss_fn = make()
        cm = torch.compile(m, dynamic=True, **kw) if compiled else m
        torch.manual_seed(5)
        losses = []
        for x, y in batches:
            opt.zero_grad()
            loss = loss_fn(cm(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.array.copy())
        results.append((cm, losses, [(p.array.copy(), p.grad.array.copy())
                                     for p in m.parameters()]))
    (_, le, pe), (cm, lc, pc) = results
    for a, b in zip(le, lc):
        np.testing.assert_array_equal(a, b)
    for (p, g), (q, h) in zip(pe, pc):
        np.testing.assert_array_equal(p, q)
        np.testing.assert_array_equal(g, h)
    return cm


def test_compiled_module_training_is_batch_generic(monkeypatch):
    from minigrad.compile import fuse

    monkeypatch.setattr(fuse, "MIN_ELEMENTS", {2: 0, 3: 0})
    monkeypatch.setattr(fuse, "FLAT_MIN", 0)  # fused chains as loops, whatever the batch
    def make():
        torch.manual_seed(0)
        m = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Dropout(0.2),
                                torch.nn.Linear(8, 3))
        opt = torch.optim.Adam(m.parameters(), lr=0.01)

        def loss_fn(out, y):  # a mean over the batch: its count follows B
            return torch.nn.functional.cross_entropy(out, y) + out.mean()
        return m, opt, loss_fn
    batches = _data([5, 5, 5, 7, 9, 12, 5, 2, 30, 7, 1], lambda r, b: (
        torch.tensor(r.standard_normal((b, 4)).astype(np.float32)),
        torch.tensor(r.integers(0, 3, b))))
    for mode in ("nofuse", None):
        cm = _module_training(make, batches, mode=mode)
        # traced: batch 5 (twice, then compiled), 7 (once: made generic), 1 (its own);
        # 9, 12, 2, 30 replayed by the generic forward and backward without a trace
        assert sorted(k[2][0][0] for k in cm._cache) == [5]
        assert sorted(k[2][0][0] for k in cm._pending) == [1]  # traced once, not compiled
        (generic,) = cm._generic.values()
        assert "_B = args[0].array.shape[0]" in generic.code
        assert generic.code.count("_B = ") == 2  # the forward and the backward program
        assert ("c_contiguous" in generic.code) == (mode is None and fuse.available())


def test_compiled_transformer_layer_training_is_batch_generic():
    def make():
        torch.manual_seed(0)
        m = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1, batch_first=True)
        opt = torch.optim.SGD(m.parameters(), lr=0.1)
        return m, opt, lambda out, y: (out - y).square().mean()
    batches = _data([3, 3, 3, 4, 6, 2], lambda r, b: (
        torch.tensor(r.standard_normal((b, 5, 8)).astype(np.float32)),
        torch.tensor(r.standard_normal((b, 5, 8)).astype(np.float32))))
    cm = _module_training(make, batches)
    assert len(cm._cache) == 1 and list(cm._generic.values())[0] is not None
