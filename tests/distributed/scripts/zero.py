"""ZeroRedundancyOptimizer (with DDP) on W ranks against one process training on the whole
batch with the plain optimizer. Usage: zero.py. Prints OK <check> per rank."""
import numpy as np

import minigrad as mg
import minigrad.distributed as dist
from minigrad import nn
from minigrad.distributed.optim import ZeroRedundancyOptimizer
from minigrad.nn.parallel import DistributedDataParallel as DDP

dist.init_process_group("mpi")
R, W = dist.get_rank(), dist.get_world_size()
B = 4  # samples per rank
rng = np.random.default_rng(0)  # the same on every rank: the global batches
X = rng.standard_normal((8, W * B, 8)).astype(np.float32)
Y = rng.standard_normal((8, W * B, 3)).astype(np.float32)


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


def assert_state(a, b, what):
    """Two optimizer state_dicts: same indices, hyper-parameters and state values."""
    assert sorted(a["state"]) == sorted(b["state"]), (what, sorted(a["state"]), sorted(b["state"]))
    for i in a["state"]:
        assert sorted(a["state"][i]) == sorted(b["state"][i]), what
        for k, v in a["state"][i].items():
            w = b["state"][i][k]
            v, w = (np.asarray(t.numpy() if isinstance(t, mg.Tensor) else t) for t in (v, w))
            np.testing.assert_allclose(v, w, rtol=1e-5, atol=1e-6, err_msg=f"{what}: {i} {k}")
    strip = [{k: v for k, v in g.items() if k != "params"} for g in a["param_groups"]]
    assert strip == [{k: v for k, v in g.items() if k != "params"} for g in b["param_groups"]]
    assert [g["params"] for g in a["param_groups"]] == [g["params"] for g in b["param_groups"]]


def mine(a):
    return a[R * B:(R + 1) * B]


def groups(m):
    """Two groups with their own learning rates; the last bias is added later."""
    return [{"params": [m[0].weight, m[0].bias, m[2].weight]},
            {"params": [m[2].bias, m[4].weight], "lr": 3e-3}]


# 1. DDP + ZeRO(Adam) equals one process on the whole batch with Adam; an LR scheduler on
#    the wrapper and add_param_group midway act as on the plain optimizer
for view in (False, True):
    model = make(seed=R)
    ddp = DDP(model)
    ref = make(seed=0)
    zero = ZeroRedundancyOptimizer(groups(model), mg.optim.Adam,
                                   parameters_as_bucket_view=view, lr=1e-2, betas=(0.8, 0.99))
    opt_ref = mg.optim.Adam(groups(ref), lr=1e-2, betas=(0.8, 0.99))
    sched = mg.optim.lr_scheduler.StepLR(zero, step_size=2, gamma=0.5)
    sched_ref = mg.optim.lr_scheduler.StepLR(opt_ref, step_size=2, gamma=0.5)
    # each rank's local optimizer holds its shard only: together, each parameter once
    local = [id(p) for g in zero.optim.param_groups for p in g["params"]]
    everyone = [None] * W
    dist.all_gather_object(everyone, len(local))
    assert sum(everyone) == 5 and len(set(local)) == len(local), everyone
    for step in range(6):
        if step == 3:
            zero.add_param_group({"params": [model[4].bias], "lr": 5e-3})
            opt_ref.add_param_group({"params": [ref[4].bias], "lr": 5e-3})
        zero.zero_grad()
        loss_of(ddp, mine(X[step]), mine(Y[step])).backward()
        zero.step()
        sched.step()
        opt_ref.zero_grad()
        loss_of(ref, X[step], Y[step]).backward()
        opt_ref.step()
        sched_ref.step()
        assert [g["lr"] for g in zero.param_groups] == [g["lr"] for g in opt_ref.param_groups]
    assert_params(model, ref, f"after 6 Adam steps (bucket view {view})")
    if view:  # parameters are views into the one communication buffer
        assert all(np.shares_memory(p.array, zero._flat) for p in model.parameters())
    # every rank holds the same values (not only close to the reference)
    for p in model.parameters():
        got = [None] * W
        dist.all_gather_object(got, p.detach().numpy())
        assert all(np.array_equal(g, got[0]) for g in got)
    ok(f"equivalence{'_view' if view else ''}")

# 2. the partition is PyTorch's sorted greedy: sizes 10, 7, 5, 3, 2 on 2 ranks go
#    10 -> r0; 7 -> r1; 5 -> r1 (7 < 10); 3 -> r0 (10 < 12); 2 -> r1 (12 < 13)
if W == 2:
    ps = [nn.Parameter(mg.zeros(n)) for n in (3, 10, 2, 7, 5)]
    z = ZeroRedundancyOptimizer(ps, mg.optim.SGD, lr=0.1)
    got = [[p.numel() for p in g["params"]] for g in z._partition_parameters()[R][:1]][0]
    assert got == ([10, 3] if R == 0 else [7, 5, 2]), got
ok("partition")

# 3. state_dict: consolidated on one rank it is the plain optimizer's state; loading it
#    (or a plain optimizer's) into a new ZeRO on other ranks resumes identically
model = make(seed=0)
ddp = DDP(model)
ref = make(seed=0)
zero = ZeroRedundancyOptimizer(groups(model), mg.optim.Adam, lr=1e-2)
opt_ref = mg.optim.Adam(groups(ref), lr=1e-2)
for step in range(3):
    for m, o, x, y in ((ddp, zero, mine(X[step]), mine(Y[step])), (ref, opt_ref, X[step], Y[step])):
        o.zero_grad()
        loss_of(m, x, y).backward()
        o.step()
try:
    zero.state_dict()
    raise AssertionError("state_dict without consolidate_state_dict")
except RuntimeError as e:
    assert "consolidate_state_dict(to=" in str(e), e
last = W - 1
zero.consolidate_state_dict(to=last)
if R == last:
    sd = zero.state_dict()
    assert_state(sd, opt_ref.state_dict(), "consolidated")
else:
    sd = None
    try:
        zero.state_dict()
        raise AssertionError("state_dict on a rank that did not receive it")
    except RuntimeError:
        pass
box = [sd]
dist.broadcast_object_list(box, src=last)
for source, what in ((box[0], "consolidated"), (opt_ref.state_dict(), "plain Adam's")):
    model2 = make(seed=5)
    for p, q in zip(model2.parameters(), model.parameters()):
        p.array[...] = q.array
    ddp2 = DDP(model2)
    zero2 = ZeroRedundancyOptimizer(groups(model2), mg.optim.Adam, lr=0.5)
    zero2.load_state_dict(source)
    assert zero2.param_groups[0]["lr"] == 1e-2 and zero2.optim.param_groups[0]["lr"] == 1e-2
    mine_ids = {id(p) for g in zero2.optim.param_groups for p in g["params"]}
    assert {id(p) for p in zero2.optim.state} <= mine_ids  # only this rank's shard
    zero2.zero_grad()
    loss_of(ddp2, mine(X[5]), mine(Y[5])).backward()
    zero2.step()
    ref2 = make(seed=0)
    for p, q in zip(ref2.parameters(), ref.parameters()):
        p.array[...] = q.array
    o2 = mg.optim.Adam(groups(ref2), lr=0.5)
    o2.load_state_dict(opt_ref.state_dict())
    o2.zero_grad()
    loss_of(ref2, X[5], Y[5]).backward()
    o2.step()
    assert_params(model2, ref2, f"resumed from the {what} state")
ok("state_dict")


# 4. clear errors
def raises(exc, fn, text):
    try:
        fn()
    except exc as e:
        assert text in str(e), (text, str(e))
        return
    raise AssertionError(f"no {exc.__name__} ({text})")


ps = list(make(0).parameters())
raises(NotImplementedError, lambda: ZeroRedundancyOptimizer(ps, mg.optim.Adam,
                                                            overlap_with_ddp=True), "overlap")
raises(TypeError, lambda: ZeroRedundancyOptimizer(ps, mg.optim.Adam(ps)), "optimizer class")
raises(TypeError, lambda: ZeroRedundancyOptimizer(ps[0], mg.optim.Adam), "iterable of Tensors")
raises(ValueError, lambda: ZeroRedundancyOptimizer([], mg.optim.Adam), "empty parameter list")
raises(ValueError, lambda: ZeroRedundancyOptimizer([ps[0], nn.Parameter(mg.zeros(2, dtype=mg.float64))],
                                                   mg.optim.Adam), "same dense type")
raises(ValueError, lambda: ZeroRedundancyOptimizer(ps, mg.optim.Adam).consolidate_state_dict(to=W),
       "not a rank")
# a rank with different parameter shapes: every rank gets the error, nobody hangs
odd = [nn.Parameter(mg.zeros(3 + (R == W - 1)))]
raises(RuntimeError, lambda: ZeroRedundancyOptimizer(odd, mg.optim.SGD, lr=0.1),
       "parameters differ between ranks")
ok("errors")
dist.destroy_process_group()
