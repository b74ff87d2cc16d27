"""Memory: 2,000-step training soaks stay flat, graphs are freed by reference counting alone
(no cycles between tensors and nodes), and a 100,000-deep graph runs forward and backward
without RecursionError in memory proportional to the graph.

The soaks measure with tracemalloc (every Python and NumPy allocation) and count live Tensors
with ``gc.get_objects()``. Two interpreter artifacts would otherwise look like slow growth and
are neutralised before measuring (see ``_quiet_interpreter``): CPython's tuple free lists fill
up one tuple per step for ~2,000 steps (their blocks stay "allocated" for tracemalloc), and
``numpy.lib.stride_tricks.as_strided`` (conv's im2col) interns and frees the keys of
``__array_interface__`` on every call, which once in a while grows CPython's interned-string
table by ~1 MB. Neither is minigrad memory; docs/reliability.md has the measurements.
"""
from __future__ import annotations

import gc
import sys
import time
import tracemalloc

import minigrad as mg
from minigrad import nn, optim
from minigrad.autograd.function import Function
from minigrad.tensor import Tensor
from minigrad.utils.data import DataLoader, TensorDataset

from . import _report

STEPS = 2000
WARMUP = 100
SAMPLE_EVERY = 250
# A leak of even one small object per step (a float is 24 bytes, a Tensor 96, a 4-tuple 72,
# an ndarray header 112) over the 1,750 steps after the first sample is >= 42 KB; 16 KiB sits
# well below that and far above the measured noise (a few hundred bytes).
LEAK_BOUND = 16 * 1024
_KEEP = [sys.intern(s) for s in ("data", "strides", "descr", "typestr", "shape", "version")]


def _quiet_interpreter():
    """Fill CPython's free lists of small tuples (so that the tuples freed by a training step
    are really freed, not parked on a list tracemalloc still counts)."""
    parked = [tuple(range(n)) for n in range(1, 21) for _ in range(2100)]
    del parked


def _live_tensors():
    # type(), not isinstance(): isinstance reads __class__, which some objects of other
    # libraries (deprecated torch aliases) answer with a warning
    return sum(1 for o in gc.get_objects() if issubclass(type(o), Tensor))


def two_layer_net():
    """examples/two_layer_net_nn.py, shrunk: Sequential(Linear, ReLU, Linear), MSELoss(sum), Adam."""
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 4))
    x, y = mg.randn(16, 20), mg.randn(16, 4)
    loss_fn = nn.MSELoss(reduction="sum")
    opt = optim.Adam(model.parameters(), lr=1e-3)

    def step():
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    return step


def small_cnn():
    """Conv2d + ReLU + MaxPool2d + Linear on 8 images of 8x8, CrossEntropyLoss, SGD momentum."""
    mg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(4 * 3 * 3, 3))
    x, y = mg.randn(8, 1, 8, 8), mg.randint(0, 3, (8,))
    loss_fn = nn.CrossEntropyLoss()
    opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

    def step():
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss.item()

    return step


def _soak(name, step):
    first = step()
    for _ in range(WARMUP):
        step()
    _quiet_interpreter()
    n = STEPS // SAMPLE_EVERY
    mem, peaks, counts = [0] * n, [0] * n, []  # preallocated: samples must not grow while traced
    t0 = time.perf_counter()
    tracemalloc.start()
    try:
        for i in range(1, STEPS + 1):
            last = step()
            if i % SAMPLE_EVERY == 0:
                k = i // SAMPLE_EVERY - 1
                mem[k], peaks[k] = tracemalloc.get_traced_memory()
                if k + 1 in (1, n // 2, n):
                    counts.append(_live_tensors())
                    tracemalloc.reset_peak()  # the peak of training, not of gc.get_objects()
        peak = max(peaks)
    finally:
        tracemalloc.stop()
    secs = time.perf_counter() - t0
    growth = [m - mem[0] for m in mem]
    _report.line(
        f"soak {name}: {STEPS} steps traced in {secs:.1f} s, loss {first:.3f} -> {last:.3f}; "
        f"traced memory at step {SAMPLE_EVERY} {mem[0] / 1024:.1f} KiB, growth to step {STEPS} "
        f"{growth[-1]} B (max {max(growth)} B), peak {peak / 1024:.1f} KiB; live Tensors {counts}"
    )
    assert last < first  # it really trained
    assert max(growth) < LEAK_BOUND, growth
    assert len(set(counts)) == 1, counts


def test_soak_two_layer_net():
    _soak("two-layer net", two_layer_net())


def test_soak_small_cnn():
    _soak("small CNN", small_cnn())


# ---- reference counting alone frees every graph ---------------------------------------------

def _features_step():
    """One step through many features at once: DataLoader, scheduler, a gradient penalty
    (create_graph), retain_grad, hooks, a recorded in-place op, eval under no_grad, state_dict
    round trip, anomaly mode."""
    mg.manual_seed(1)
    model = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 2))
    data = DataLoader(TensorDataset(mg.randn(12, 6), mg.randint(0, 2, (12,))), batch_size=4,
                      shuffle=True)
    opt = optim.AdamW(model.parameters(), lr=1e-2)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2)
    model[0].weight.register_hook(lambda g: g * 1.0)

    def step():
        for xb, yb in data:
            xb.requires_grad_()
            h = model[0](xb)
            h.retain_grad()
            h = h.clone()
            h.mul_(0.5)
            logits = model[2](model[1](h))
            loss = nn.functional.cross_entropy(logits, yb)
            (gx,) = mg.autograd.grad(loss, xb, create_graph=True)
            opt.zero_grad()
            (loss + 0.1 * (gx ** 2).sum()).backward()
            opt.step()
        sched.step()
        with mg.no_grad():
            model.eval()
            model(mg.randn(3, 6))
            model.train()
        model.load_state_dict(model.state_dict())
        with mg.autograd.detect_anomaly():
            model(mg.randn(2, 6)).sum().backward()

    return step


def _is_minigrad(o):
    t = type(o)
    return issubclass(t, (Tensor, Function)) or t.__module__.startswith("minigrad")


def test_graphs_freed_by_reference_counting_alone():
    """With the cycle collector off, training leaves nothing for it: no minigrad object (and
    nothing else) is unreachable garbage afterwards."""
    steps = [two_layer_net(), small_cnn(), _features_step()]
    for s in steps:
        s()  # warm-up: imports, caches
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)  # keep what the collector finds, to say what it was
    try:
        for _ in range(20):
            for s in steps:
                s()
        found = gc.collect()
        garbage = list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    ours = [type(o).__name__ for o in garbage if _is_minigrad(o)]
    _report.line(f"refcount-only: 60 training steps (MLP, CNN, features) with gc disabled: "
                 f"{found} unreachable objects, {len(ours)} from minigrad")
    assert ours == []
    assert found == 0, sorted({type(o).__name__ for o in garbage})


# ---- 100,000-deep graph ----------------------------------------------------------------------

DEPTH = 100_000
PER_NODE = 1024  # bytes: a node, its output Tensor and a 1-element array are ~0.65 KiB


def _chain(x, n):
    """x -> x*c -> +a -> neg -> +a -> x*c ...: a chain whose gradient is known exactly."""
    c, a = mg.tensor(1.00001, dtype=x.dtype), mg.tensor(0.001, dtype=x.dtype)
    y = x
    for i in range(n):
        r = i % 4
        y = y * c if r == 0 else (-y if r == 2 else y + a)
    return y


def test_100k_deep_graph_forward_backward_bounded_memory():
    """Forward and backward through a 100,000-op chain: no RecursionError, the graph costs
    < 1 KiB per node, backward needs < 25% on top of the graph (its walk keeps a list and a
    set of nodes and frees each node as it goes), and afterwards everything is freed.
    (Dropping a 100,000-deep graph without backward: tests/autograd/test_engine.py.)"""
    x = mg.tensor([0.5], dtype=mg.float64, requires_grad=True)
    _chain(x, 300).sum().backward()  # warm-up
    x.grad = None
    _quiet_interpreter()
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        y = _chain(x, DEPTH).sum()
        graph = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.reset_peak()
        y.backward()
        after, peak = tracemalloc.get_traced_memory()
        del y
        freed = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    want = 1.0
    for i in range(DEPTH):
        want = want * 1.00001 if i % 4 == 0 else (-want if i % 4 == 2 else want)
    assert abs(x.grad.item() / want - 1) < 1e-12
    backward_extra = peak - base - graph
    _report.line(
        f"deep graph: {DEPTH} ops, graph {graph / 2**20:.1f} MiB ({graph / DEPTH:.0f} B/node), "
        f"backward peak +{backward_extra / 2**20:.2f} MiB over the graph, left after backward "
        f"{(after - base) / 1024:.0f} KiB, after del {(freed - base) / 1024:.0f} KiB"
    )
    assert graph < DEPTH * PER_NODE
    assert backward_extra < 0.25 * graph
    # what stays is independent of depth (caches, free lists): well under one node per op
    assert after - base < 1 << 20 and freed - base < 1 << 20
