"""DistributedDataParallel on W ranks against one process training on the whole batch.
Usage: ddp.py <scratch dir>. Prints OK <check>."""
import os
import sys

import numpy as np

import minigrad as mg
import minigrad.distributed as dist
from minigrad import nn
from minigrad.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group("mpi")
R, W = dist.get_rank(), dist.get_world_size()
TMP = sys.argv[1]
B = 4  # samples per rank
rng = np.random.default_rng(0)  # the same on every rank: the global batches
X = rng.standard_normal((6, W * B, 8)).astype(np.float32)
Y = rng.standard_normal((6, W * B, 3)).astype(np.float32)


def ok(name):
    print(f"OK {name}", flush=True)


def make(seed):
    mg.manual_seed(seed)
    return nn.Sequential(nn.Linear(8, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(),
                         nn.Linear(16, 3))


def loss_of(model, x, y):
    return ((model(mg.tensor(x)) - mg.tensor(y)) ** 2).mean()


def assert_params(a, b, what):
    for (n, p), q in zip(a.named_parameters(), b.parameters()):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=f"{what}: {n}")


def mine(a):
    return a[R * B:(R + 1) * B]


# 1. equivalence with single-process training on the whole batch (Adam), several buckets
model = make(seed=R)  # different initial weights per rank: DDP copies rank 0's
ddp = DDP(model, bucket_cap_mb=1200 / 2**20)  # ~1.2 KB buckets: several per backward
ref = make(seed=0)
assert_params(model, ref, "broadcast at construction")
assert len(ddp.reducer.buckets) > 1
opt = mg.optim.Adam(ddp.parameters(), lr=1e-2)
opt_ref = mg.optim.Adam(ref.parameters(), lr=1e-2)
launched_before_end = []
for step in range(5):
    opt.zero_grad()
    h = model[0](mg.tensor(mine(X[step])))
    # when backward reaches the first layer's output, later buckets are already under way
    h.register_hook(lambda g: launched_before_end.append(ddp.reducer.next_launch))
    out = model[4](model[3](model[2](model[1](h))))
    ddp.reducer.prepare([out])  # what ddp.forward does (forward bypassed to hook h)
    ((out - mg.tensor(mine(Y[step]))) ** 2).mean().backward()
    opt.step()
    opt_ref.zero_grad()
    loss_of(ref, X[step], Y[step]).backward()
    opt_ref.step()
assert_params(model, ref, "after 5 Adam steps")
assert ddp.reducer.rebuilt and all(n >= 1 for n in launched_before_end), launched_before_end
ok("equivalence")

# 2. through ddp.forward, SGD with momentum; then checkpoint on rank 0 and resume
opt = mg.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
opt_ref = mg.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
for step in range(3):
    for m, o, x, y in ((ddp, opt, mine(X[step]), mine(Y[step])), (ref, opt_ref, X[step], Y[step])):
        o.zero_grad()
        loss_of(m, x, y).backward()
        o.step()
assert_params(model, ref, "SGD momentum")
path = os.path.join(TMP, "ckpt.pt")
if R == 0:
    mg.save({"model": ddp.module.state_dict(), "optim": opt.state_dict()}, path)
dist.barrier()
ck = mg.load(path)
model2 = make(seed=123)
model2.load_state_dict(ck["model"])
ddp2 = DDP(model2)
opt2 = mg.optim.SGD(ddp2.parameters(), lr=0.1, momentum=0.9)
opt2.load_state_dict(ck["optim"])
for m, o, x, y in ((ddp2, opt2, mine(X[3]), mine(Y[3])), (ref, opt_ref, X[3], Y[3])):
    o.zero_grad()
    loss_of(m, x, y).backward()
    o.step()
assert_params(model2, ref, "resumed from checkpoint")
assert set(ddp.state_dict()) == {"module." + k for k in model.state_dict()}
ok("checkpoint")

# 3. no_sync: two local backwards, then a synchronised one, equal the whole-batch sum
ref.zero_grad()
ddp2.zero_grad()
for k in range(3):
    ctx = ddp2.no_sync() if k < 2 else None
    if ctx:
        with ctx:
            loss_of(ddp2, mine(X[k]), mine(Y[k])).backward()
        if k == 1:  # nothing communicated yet: the local grads differ between ranks
            g = [None] * W
            dist.all_gather_object(g, model2[0].weight.grad.numpy())
            assert not np.allclose(g[0], g[1])
    else:
        loss_of(ddp2, mine(X[k]), mine(Y[k])).backward()
    loss_of(ref, X[k], Y[k]).backward()
for p, q in zip(model2.parameters(), ref.parameters()):
    np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-7)
ok("no_sync")

# gradient_as_bucket_view: the same gradients, held in the communication buckets
view_model = make(seed=5)
dview = DDP(view_model, gradient_as_bucket_view=True, bucket_cap_mb=1200 / 2**20)
ref_v = make(seed=5)
for k in range(2):
    for m in (dview, ref_v):
        m.zero_grad(set_to_none=k == 0)
        loss_of(m, *((mine(X[k]), mine(Y[k])) if m is dview else (X[k], Y[k]))).backward()
    for p, q in zip(view_model.parameters(), ref_v.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-7)
        assert any(p.grad.array.base is b.buffer for b in dview.reducer.buckets)
ok("bucket_view")


# 4. find_unused_parameters: a layer unused everywhere keeps grad None; one used on rank 0
# only gets rank 0's gradient averaged over W; without the flag the next forward raises
class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b, self.never = nn.Linear(4, 2), nn.Linear(4, 2), nn.Linear(4, 2)

    def forward(self, x, use_b):
        return self.a(x) + (self.b(x) if use_b else 0)


mg.manual_seed(0)
net = Branchy()
dnet = DDP(net, find_unused_parameters=True)
x = mg.tensor(np.ones((2, 4), np.float32))
for _ in range(2):
    dnet.zero_grad()
    dnet(x, use_b=R == 0).sum().backward()
    assert net.never.weight.grad is None
    np.testing.assert_allclose(net.b.weight.grad.numpy(), np.full((2, 4), 2.0 / W), rtol=1e-6)
    np.testing.assert_allclose(net.a.weight.grad.numpy(), np.full((2, 4), 2.0), rtol=1e-6)
strict = DDP(Branchy())
strict(x, use_b=False).sum().backward()
try:
    strict(x, use_b=False)
except RuntimeError as e:
    assert "find_unused_parameters=True" in str(e)
else:
    raise AssertionError("an unfinished reduction did not raise")
ok("find_unused")

# 5. buffers follow rank 0 at each forward; differing models are refused
bn = nn.Sequential(nn.Linear(3, 3), nn.BatchNorm1d(3))
dbn = DDP(bn)
dbn(mg.tensor(rng.standard_normal((4, 3)).astype(np.float32) + R)).sum().backward()
bn.eval()
with mg.no_grad():
    dbn(mg.zeros(2, 3))
stats = [None] * W
dist.all_gather_object(stats, bn[1].running_mean.numpy())
assert all(np.array_equal(s, stats[0]) for s in stats)
try:
    DDP(nn.Linear(3, 3 + R))
except RuntimeError as e:
    assert "differ between rank 0 and rank 1" in str(e), e
else:
    raise AssertionError("different models did not raise")
ok("buffers_shapes")

# 6. SyncBatchNorm on the split batch equals BatchNorm on the whole batch; differentiable
# all_reduce
from minigrad.distributed.nn.functional import all_reduce as all_reduce_diff  # noqa: E402

xg = rng.standard_normal((W * 3, 4, 5)).astype(np.float64) * 2 + 1
vg = rng.standard_normal((W * 3, 4, 5))
mg.manual_seed(0)
bn_ref = nn.BatchNorm1d(4, dtype=mg.float64)
with mg.no_grad():
    bn_ref.weight.copy_(mg.tensor(rng.standard_normal(4)))
    bn_ref.bias.copy_(mg.tensor(rng.standard_normal(4)))
sync = nn.SyncBatchNorm.convert_sync_batchnorm(nn.Sequential(nn.BatchNorm1d(4, dtype=mg.float64)))
assert isinstance(sync[0], nn.SyncBatchNorm)
sync[0].load_state_dict(bn_ref.state_dict())
xr = mg.tensor(xg, requires_grad=True)
xl = mg.tensor(xg[R * 3:(R + 1) * 3], requires_grad=True)
for _ in range(2):  # twice: running statistics accumulate alike
    want = bn_ref(xr)
    (want * mg.tensor(vg)).sum().backward()
    out = sync(xl)
    (out * mg.tensor(vg[R * 3:(R + 1) * 3])).sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), want.detach().numpy()[R * 3:R * 3 + 3],
                               rtol=1e-10, atol=1e-12)
np.testing.assert_allclose(xl.grad.numpy(), xr.grad.numpy()[R * 3:R * 3 + 3], rtol=1e-9,
                           atol=1e-12)
gw = sync[0].weight.grad.clone()
dist.all_reduce(gw)  # each rank holds its own samples' share of the parameter gradients
np.testing.assert_allclose(gw.numpy(), bn_ref.weight.grad.numpy(), rtol=1e-9)
for name in ("running_mean", "running_var", "num_batches_tracked"):
    np.testing.assert_allclose(getattr(sync[0], name).numpy(), getattr(bn_ref, name).numpy(),
                               rtol=1e-12)
sync.eval()
np.testing.assert_allclose(sync(xl).detach().numpy(),
                           bn_ref.eval()(xr).detach().numpy()[R * 3:R * 3 + 3], rtol=1e-12)
a = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
y = all_reduce_diff(a * (R + 1))
assert np.allclose(y.detach().numpy(), np.array([1.0, 2.0]) * sum(range(1, W + 1)))
(y * (R + 1)).sum().backward()  # dL/da_r = (r + 1) * sum_j (j + 1)
np.testing.assert_allclose(a.grad.numpy(), np.full(2, (R + 1) * sum(range(1, W + 1))))
ok("sync_batchnorm")
