"""CUDA readiness checks that need no GPU (they run in CI on every machine).

1. Static (AST) checks of ``minigrad/``: only ``backend.py`` imports CuPy; op forward/backward
   code and array helpers call no ``np.<function>`` on arrays (they go through ``xp``); every
   ``xp.<name>`` exists in CuPy 14; no NumPy-only array features (``flags.writeable``,
   ufunc ``where=``).
2. Dynamic checks on ``tests/fake_cupy.py``, a CPU stand-in for CuPy whose arrays behave like
   CuPy's where NumPy code usually breaks, and which counts host<->device transfers and
   synchronisations: training steps of several model types run with none of them, and the
   device plumbing behaves as on a GPU.

These show that the CUDA code paths are written for CuPy; they are not a GPU run. The real
GPU checks are the ``device == "cuda"`` parameters of the suites and the CUDA-only tests in
``tests/test_device.py`` (skipped without CuPy and a GPU).
"""
import ast
import pathlib

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.nn import functional as F

from . import fake_cupy

PKG = pathlib.Path(mg.__file__).parent
SOURCES = {p.relative_to(PKG.parent).as_posix(): ast.parse(p.read_text(encoding="utf-8"))
           for p in sorted(PKG.rglob("*.py"))}

# ---- 1. static checks -----------------------------------------------------------------------

# NumPy names that never touch array data (dtypes, shapes, error state), fine anywhere
NP_NON_ARRAY = {"dtype", "errstate", "result_type", "promote_types", "can_cast", "iinfo",
                "finfo", "broadcast_shapes", "float16", "float32", "float64", "int8", "int16",
                "int32", "int64", "uint8", "bool_", "integer", "floating", "generic"}
# reviewed exceptions: (file, function, np name) -> why it is fine
NP_REVIEWED = {
    ("minigrad/ops/indexing.py", "_index_add", "broadcast_to"): "NumPy-only bincount branch",
    ("minigrad/ops/indexing.py", "_index_add", "bincount"): "NumPy-only bincount branch",
    ("minigrad/ops/linalg_decomp.py", "forward", "linalg"): "Eig: CuPy has no general "
                                                             "eigensolver; eig runs on the host",
}


def _chain(node):
    """``a.b.c`` -> (root node, ['b', 'c'])."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return node, parts[::-1]


def _array_functions():
    """(file, name, function node): ``forward``/``backward`` of classes in minigrad and every
    function taking an ``xp`` argument (they run on device arrays)."""
    for path, tree in SOURCES.items():
        for cls in ast.walk(tree):
            if isinstance(cls, ast.ClassDef):
                for fn in cls.body:
                    if isinstance(fn, ast.FunctionDef) and fn.name in ("forward", "backward"):
                        yield path, f"{cls.name}.{fn.name}", fn
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef) and "xp" in [a.arg for a in fn.args.args]:
                yield path, fn.name, fn


def _is_xp(node):
    return (isinstance(node, ast.Name) and node.id == "xp") or \
        (isinstance(node, ast.Attribute) and node.attr == "xp")


def test_only_backend_imports_cupy():
    offenders = []
    for path, tree in SOURCES.items():
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n.split(".")[0] in ("cupy", "cupyx") for n in names) and \
                    path != "minigrad/backend.py":
                offenders.append(f"{path}:{node.lineno}")
    assert not offenders, f"CuPy imported outside minigrad/backend.py: {offenders}"


def test_no_numpy_calls_on_arrays_in_ops():
    """Array math in op forward/backward and xp helpers goes through ``xp`` (NumPy or CuPy);
    ``np.f(device_array)`` raises on CuPy or silently copies to the host."""
    flagged = []
    for path, name, fn in _array_functions():
        for node in ast.walk(fn):
            if isinstance(node, ast.Call):
                root, parts = _chain(node.func)
                if isinstance(root, ast.Name) and root.id in ("np", "numpy") and parts:
                    key = (path, name.split(".")[-1], parts[0])
                    if parts[0] not in NP_NON_ARRAY and key not in NP_REVIEWED:
                        flagged.append(f"{path}:{node.lineno} {name}: np.{'.'.join(parts)}")
    assert not flagged, "NumPy called on arrays in device code (use xp):\n" + "\n".join(flagged)


def test_xp_names_exist_in_cupy():
    """Every ``xp.<name>`` used by minigrad exists in CuPy 14 (names recorded in fake_cupy)."""
    second = {"random": fake_cupy.RANDOM_NAMES, "linalg": fake_cupy.LINALG_NAMES,
              "lib": {"stride_tricks"}}
    missing = []
    for path, tree in SOURCES.items():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Attribute) and _is_xp(node.value)):
                continue
            name = node.attr
            if name in second:
                continue
            if not hasattr(np, name) or name in fake_cupy.NOT_IN_CUPY:
                missing.append(f"{path}:{node.lineno} xp.{name}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) and \
                    _is_xp(node.value.value) and node.value.attr in second and \
                    node.attr not in second[node.value.attr]:
                missing.append(f"{path}:{node.lineno} xp.{node.value.attr}.{node.attr}")
    assert not missing, "not in CuPy:\n" + "\n".join(missing)


def test_no_numpy_only_array_features():
    """``a.flags.writeable`` (CuPy's flags have only c/f_contiguous and owndata; read it with
    getattr) and ufunc ``where=`` (CuPy ufuncs reject it; use xp.where / xp.copyto)."""
    flagged = []
    for path, tree in SOURCES.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "writeable" and \
                    isinstance(node.value, ast.Attribute) and node.value.attr == "flags":
                flagged.append(f"{path}:{node.lineno} .flags.writeable")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                    _is_xp(node.func.value) and \
                    isinstance(getattr(np, node.func.attr, None), np.ufunc) and \
                    any(k.arg == "where" for k in node.keywords):
                flagged.append(f"{path}:{node.lineno} xp.{node.func.attr}(..., where=...)")
    assert not flagged, "\n".join(flagged)


# ---- 2. the fake CuPy ------------------------------------------------------------------------

@pytest.fixture
def fake_cuda():
    """'cuda' backed by tests/fake_cupy.py for the duration of one test."""
    cp = fake_cupy.install()
    mg.manual_seed(0)
    try:
        yield cp
    finally:
        fake_cupy.uninstall()


def test_fake_cupy_is_as_strict_as_cupy(fake_cuda):
    """Guard the guard: the fake rejects what CuPy rejects and counts transfers."""
    cp = fake_cuda
    a = cp.ones((2, 3), dtype=np.float32)
    with pytest.raises(TypeError, match="Implicit conversion"):
        np.asarray(a)
    with pytest.raises(TypeError, match="Unsupported type"):
        a + np.ones(3, np.float32)
    with pytest.raises(AttributeError):
        a.flags.writeable  # noqa: B018
    with pytest.raises(TypeError):
        hash(a.device)
    with pytest.raises(TypeError, match="Wrong arguments"):
        cp.add(a, a, where=a > 0)
    assert not hasattr(cp, "errstate")
    assert isinstance(a.sum(), cp.ndarray) and isinstance(a[0, 0], cp.ndarray)  # no scalars
    with fake_cupy.no_transfers():
        b = cp.exp(a) * 2.0 + cp.full((), 1.5, dtype=np.float32)
        with pytest.raises(fake_cupy.TransferError):
            float(b.sum())
        with pytest.raises(fake_cupy.TransferError):
            cp.asarray(np.ones(2))
        with pytest.raises(fake_cupy.TransferError):
            b[b > 2]  # boolean masks need the count of True on the host


def test_fake_device_plumbing(fake_cuda):
    x = mg.randn(3, 4, device="cuda", requires_grad=True)
    assert x.is_cuda and x.device == mg.device("cuda:0") and isinstance(x.array, fake_cuda.ndarray)
    with pytest.raises(TypeError, match="cpu"):
        x.detach().numpy()
    with pytest.raises(TypeError, match="cpu"):
        np.asarray(x.detach())
    with pytest.raises(RuntimeError, match="cuda:0 and cpu|cpu and cuda:0"):
        x + mg.ones(3, 4)
    y = (x * 2).sum()
    assert isinstance(y.item(), float) and len(x.detach().tolist()) == 3
    y.backward()
    assert x.grad.is_cuda
    np.testing.assert_allclose(x.grad.cpu().numpy(), 2.0)
    z = x.detach().cpu()
    assert z.device == mg.device("cpu") and isinstance(z.array, np.ndarray)


class _Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(12, 8, padding_idx=0)
        self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(
            8, 2, 16, dropout=0.1, batch_first=True), 1)
        self.head = nn.Linear(8, 12)

    def forward(self, x):
        return self.head(self.enc(self.emb(x)))


def _cnn():
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(4, 4, 3, padding=1),
                         nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False),
                         nn.Dropout(0.2), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 5))


def _seq_loss(out, y):
    return F.cross_entropy(out.reshape(-1, 12), y.reshape(-1), ignore_index=0,
                           label_smoothing=0.1)


STEPS = {
    "mlp-ce-sgd": (lambda: nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4)),
                   lambda: (mg.randn(16, 8), mg.randint(0, 4, (16,))), nn.CrossEntropyLoss(),
                   lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True,
                                       weight_decay=1e-4)),
    "mlp-ce-adam": (lambda: nn.Sequential(nn.Linear(8, 16), nn.GELU(), nn.Linear(16, 4)),
                    lambda: (mg.randn(16, 8), mg.randint(0, 4, (16,))), nn.CrossEntropyLoss(),
                    lambda p: optim.Adam(p, lr=1e-2, amsgrad=True)),
    "cnn-bn-pool-adamw": (_cnn, lambda: (mg.randn(4, 3, 8, 8), mg.randint(0, 5, (4,))),
                          nn.CrossEntropyLoss(), lambda p: optim.AdamW(p, lr=1e-2)),
    "lstm-mse-rmsprop": (lambda: nn.LSTM(4, 6, num_layers=2), lambda: (mg.randn(5, 3, 4),
                                                                         mg.randn(5, 3, 6)),
                         lambda out, y: F.mse_loss(out[0], y),
                         lambda p: optim.RMSprop(p, lr=1e-2, momentum=0.9, centered=True)),
    "transformer-ce-clip-adagrad": (_Tiny, lambda: (mg.randint(0, 12, (2, 6)),
                                                    mg.randint(0, 12, (2, 6))),
                                    _seq_loss, lambda p: optim.Adagrad(p, lr=0.1)),
}


@pytest.mark.parametrize("name", list(STEPS))
def test_training_step_has_no_transfers_or_syncs(name, fake_cuda):
    """After a warm-up step (first-use copies of cached constants), a whole training step
    (forward, loss, backward, gradient clipping, optimizer step) on 'cuda' copies nothing
    between host and device and never waits for the device."""
    make, batch, loss_fn, make_opt = STEPS[name]
    model = make().to("cuda")
    opt = make_opt(model.parameters())
    x, y = (t.to("cuda") for t in batch())

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss

    first = step()
    before = [p.detach().cpu().numpy().copy() for p in model.parameters()]
    fake_cupy.counts.clear()
    with fake_cupy.no_transfers():
        for _ in range(2):
            loss = step()
    assert fake_cupy.counts["d2h"] == fake_cupy.counts["h2d"] == fake_cupy.counts["sync"] == 0
    assert np.isfinite(loss.item()) and np.isfinite(first.item())
    after = [p.detach().cpu().numpy() for p in model.parameters()]
    assert any(not np.array_equal(a, b) for a, b in zip(after, before)), "nothing was trained"


def test_fake_cuda_step_matches_cpu(fake_cuda):
    """The same step on the fake device and on the CPU gives the same parameters."""
    make, batch, loss_fn, make_opt = STEPS["cnn-bn-pool-adamw"]
    results = []
    for device in ("cpu", "cuda"):
        mg.manual_seed(0)
        model = make()
        model[6].p = 0.0  # dropout draws differ between devices
        model.to(device)
        opt = make_opt(model.parameters())
        mg.manual_seed(1)
        x, y = (t.to(device) for t in batch())
        for _ in range(2):
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
        results.append([p.detach().cpu().numpy() for p in model.parameters()])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
