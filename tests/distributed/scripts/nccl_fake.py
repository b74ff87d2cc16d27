"""The nccl backend's code path on the CuPy stand-in (tests/fake_cupy.py) with a fake
cupy.cuda.nccl doing the collectives over MPI. Prints OK <check>."""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from tests import fake_cupy  # noqa: E402
from tests.distributed import fake_nccl  # noqa: E402

fake_nccl.install(fake_cupy.install())

import minigrad as mg  # noqa: E402
import minigrad.distributed as dist  # noqa: E402
from minigrad import nn  # noqa: E402
from minigrad.nn.parallel import DistributedDataParallel as DDP  # noqa: E402

dist.init_process_group("nccl")
R, W = dist.get_rank(), dist.get_world_size()
assert dist.get_backend() == "nccl"


def data(r, shape=(3, 4), dtype=np.float32):
    return (np.arange(np.prod(shape)).reshape(shape) % 5 + r + 1).astype(dtype)


def ok(name):
    print(f"OK {name}", flush=True)


ins = [data(r) for r in range(W)]
for op, ref in (("SUM", np.sum), ("MAX", np.max), ("MIN", np.min), ("PRODUCT", np.prod)):
    t = mg.tensor(ins[R], device="cuda")
    dist.all_reduce(t, op=getattr(dist.ReduceOp, op), async_op=True).wait()
    np.testing.assert_allclose(t.cpu().numpy(), ref(np.stack(ins), 0), rtol=1e-6)
t = mg.tensor(ins[R], device="cuda").t()  # non-contiguous
dist.all_reduce(t, op=dist.ReduceOp.AVG)
np.testing.assert_allclose(t.cpu().numpy(), np.mean(ins, 0).T, rtol=1e-6)
for dtype in (np.int64, np.float64, np.bool_):
    t = mg.tensor(data(R, dtype=dtype), device="cuda")
    dist.all_reduce(t)
    want = np.stack([data(r, dtype=dtype) for r in range(W)])
    np.testing.assert_array_equal(t.cpu().numpy(), want.any(0) if dtype is np.bool_ else want.sum(0))
try:
    dist.all_reduce(mg.zeros(2))
except RuntimeError as e:
    assert "CPU tensor" in str(e)
else:
    raise AssertionError("a CPU tensor on nccl did not raise")
ok("all_reduce")

t = mg.tensor(ins[R], device="cuda")
dist.broadcast(t, src=W - 1)
np.testing.assert_array_equal(t.cpu().numpy(), ins[W - 1])
t = mg.tensor(ins[R], device="cuda")
dist.reduce(t, dst=0)
np.testing.assert_array_equal(t.cpu().numpy(), np.sum(ins, 0) if R == 0 else ins[R])
out = mg.zeros(W * 3, 4, device="cuda")
dist.all_gather_into_tensor(out, mg.tensor(ins[R], device="cuda"))
np.testing.assert_array_equal(out.cpu().numpy(), np.concatenate(ins))
outs = [mg.zeros(3, 4, device="cuda") for _ in range(W)]
dist.all_gather(outs, mg.tensor(ins[R], device="cuda"))
for r in range(W):
    np.testing.assert_array_equal(outs[r].cpu().numpy(), ins[r])
big = [data(r, (W * 2, 3)) for r in range(W)]
out = mg.zeros(2, 3, device="cuda")
dist.reduce_scatter_tensor(out, mg.tensor(big[R], device="cuda"))
np.testing.assert_array_equal(out.cpu().numpy(), np.sum(big, 0)[2 * R:2 * R + 2])
gl = [mg.zeros(3, 4, device="cuda") for _ in range(W)] if R == 0 else None
dist.gather(mg.tensor(ins[R], device="cuda"), gl, dst=0)
if R == 0:
    for r in range(W):
        np.testing.assert_array_equal(gl[r].cpu().numpy(), ins[r])
t = mg.zeros(3, 4, device="cuda")
dist.scatter(t, [mg.tensor(a, device="cuda") for a in ins] if R == 0 else None, src=0)
np.testing.assert_array_equal(t.cpu().numpy(), ins[R])
nxt, prv = (R + 1) % W, (R - 1) % W
got = mg.zeros(3, 4, device="cuda")
s, r = dist.isend(mg.tensor(ins[R], device="cuda"), nxt), dist.irecv(got, prv)
s.wait()
r.wait()
np.testing.assert_array_equal(got.cpu().numpy(), ins[prv])
dist.barrier()
objs = [None] * W
dist.all_gather_object(objs, R)
assert objs == list(range(W))
ok("collectives")

# DDP on "GPU" replicas equals one process on the whole batch
rng = np.random.default_rng(0)
X = rng.standard_normal((3, W * 4, 5)).astype(np.float32)
Y = rng.standard_normal((3, W * 4, 2)).astype(np.float32)
mg.manual_seed(R)
model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 2)).to("cuda")
ddp = DDP(model)
ref = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 2)).to("cuda")
ref.load_state_dict(model.state_dict())
opt, opt_ref = mg.optim.Adam(ddp.parameters(), lr=1e-2), mg.optim.Adam(ref.parameters(), lr=1e-2)
for k in range(3):
    for m, o, x, y in ((ddp, opt, X[k][R * 4:R * 4 + 4], Y[k][R * 4:R * 4 + 4]),
                       (ref, opt_ref, X[k], Y[k])):
        o.zero_grad()
        ((m(mg.tensor(x, device="cuda")) - mg.tensor(y, device="cuda")) ** 2).mean().backward()
        o.step()
for p, q in zip(model.parameters(), ref.parameters()):
    np.testing.assert_allclose(p.detach().cpu().numpy(), q.detach().cpu().numpy(), rtol=1e-5,
                               atol=1e-6)
ok("ddp")

# ZeroRedundancyOptimizer: its in-place all-gather through NCCL's in-place form
from minigrad.distributed.optim import ZeroRedundancyOptimizer  # noqa: E402

zero = ZeroRedundancyOptimizer(ddp.parameters(), mg.optim.Adam, parameters_as_bucket_view=True,
                               lr=1e-2)
opt_ref = mg.optim.Adam(ref.parameters(), lr=1e-2)
for k in (0, 1):  # the same batches again, from where DDP left the model
    for m, o, x, y in ((ddp, zero, X[k][R * 4:R * 4 + 4], Y[k][R * 4:R * 4 + 4]),
                       (ref, opt_ref, X[k], Y[k])):
        o.zero_grad()
        ((m(mg.tensor(x, device="cuda")) - mg.tensor(y, device="cuda")) ** 2).mean().backward()
        o.step()
for p, q in zip(model.parameters(), ref.parameters()):
    np.testing.assert_allclose(p.detach().cpu().numpy(), q.detach().cpu().numpy(), rtol=1e-5,
                               atol=1e-6)
ok("zero")
dist.destroy_process_group()
