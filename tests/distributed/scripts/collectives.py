"""Every collective, dtype, op and form against a NumPy reference built from every rank's
inputs (each rank can regenerate the others' data from their rank). Prints OK <check>."""
import sys

import numpy as np

import minigrad as mg
import minigrad.distributed as dist

dist.init_process_group("mpi")
R, W = dist.get_rank(), dist.get_world_size()
DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]
if "--quick" in sys.argv:  # fewer dtypes (uneven world sizes oversubscribe the CPUs)
    DTYPES = ["float32", "int64", "bool"]
OPS = {"SUM": None, "AVG": None, "MAX": np.maximum, "MIN": np.minimum, "PRODUCT": None,
       "BAND": np.bitwise_and, "BOR": np.bitwise_or, "BXOR": np.bitwise_xor}


def data(rank, shape, dtype, salt=0):
    rng = np.random.default_rng([salt, rank, ord(dtype[0]) + len(dtype)])
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype.startswith("float"):
        return rng.uniform(0.5, 1.5, shape).astype(dtype)
    return rng.integers(1, 4, shape).astype(dtype)  # products of W <= 3 stay in range


def reference(op, arrays, dtype):
    stack = np.stack(arrays)
    if dtype == "bool":
        fn = {"SUM": np.any, "MAX": np.any, "MIN": np.all, "PRODUCT": np.all, "BAND": np.all,
              "BOR": np.any, "BXOR": lambda s, axis: np.logical_xor.reduce(s, axis=axis)}[op]
        return fn(stack, axis=0)
    if op == "SUM":
        return stack.sum(0, dtype=stack.dtype)
    if op == "PRODUCT":
        return stack.prod(0, dtype=stack.dtype)
    if op == "AVG":
        s = stack.sum(0, dtype=stack.dtype)
        return (s / W).astype(dtype) if dtype.startswith("float") else np.trunc(s / W).astype(dtype)
    return OPS[op].reduce(stack, axis=0)


def close(got, want, dtype, what):
    tol = {"float16": 2e-3, "float32": 1e-6, "float64": 1e-12}.get(dtype, 0)
    assert got.dtype == want.dtype, (what, got.dtype, want.dtype)
    if tol:
        np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64), rtol=tol,
                                   err_msg=what)
    else:
        np.testing.assert_array_equal(got, want, err_msg=what)


def tensor(a, strided):
    """A tensor holding ``a``: contiguous, or a non-contiguous transposed view of it."""
    if not strided:
        return mg.tensor(a)
    t = mg.tensor(np.ascontiguousarray(a.T)).t()
    assert not t.is_contiguous()
    return t


def ok(name):
    print(f"OK {name}", flush=True)


SHAPE = (3, 5)
# all_reduce / reduce: every op x dtype, contiguous and strided, blocking and async
for dtype in DTYPES:
    for op in OPS:
        if op.startswith("B") and dtype.startswith("float"):
            continue
        if op == "AVG" and dtype == "bool":
            try:
                dist.all_reduce(mg.zeros(2, dtype=mg.bool), op=dist.ReduceOp.AVG)
            except RuntimeError as e:
                assert "AVG" in str(e)
            else:
                raise AssertionError("AVG of bools did not raise")
            continue
        ins = [data(r, SHAPE, dtype) for r in range(W)]
        want = reference(op, ins, dtype)
        for strided in (False, True):
            for async_op in (False, True):
                t = tensor(ins[R], strided)
                v = t._version
                work = dist.all_reduce(t, op=getattr(dist.ReduceOp, op), async_op=async_op)
                if async_op:
                    assert work.wait() is True and work.is_completed()
                close(t.numpy(), want, dtype, f"all_reduce {op} {dtype} {strided} {async_op}")
                assert t._version > v
            dst = W - 1
            t = mg.tensor(ins[R])
            dist.reduce(t, dst=dst, op=getattr(dist.ReduceOp, op))
            close(t.numpy(), want if R == dst else ins[R], dtype, f"reduce {op} {dtype}")
ok("all_reduce")
ok("reduce")

# broadcast, all_gather, gather, scatter: every dtype, every root
for dtype in DTYPES:
    ins = [data(r, SHAPE, dtype, 1) for r in range(W)]
    for src in range(W):
        for strided in (False, True):
            t = tensor(ins[R], strided)
            dist.broadcast(t, src=src, async_op=strided).wait() if strided else \
                dist.broadcast(t, src=src)
            close(t.numpy(), ins[src], dtype, "broadcast")
        outs = [mg.zeros(*SHAPE, dtype=getattr(mg, dtype if dtype != "bool" else "bool"))
                for _ in range(W)] if R == src else None
        dist.gather(mg.tensor(ins[R]), outs, dst=src)
        if R == src:
            for r in range(W):
                close(outs[r].numpy(), ins[r], dtype, "gather")
        out = mg.tensor(np.zeros(SHAPE, dtype))
        dist.scatter(out, [mg.tensor(ins[r]) for r in range(W)] if R == src else None, src=src)
        close(out.numpy(), ins[R], dtype, "scatter")
    outs = [mg.tensor(np.zeros(SHAPE, dtype)) for _ in range(W)]
    dist.all_gather(outs, tensor(ins[R], True))
    for r in range(W):
        close(outs[r].numpy(), ins[r], dtype, "all_gather")
ok("broadcast")
ok("gather")
ok("scatter")
ok("all_gather")

# the out-of-place forms: all_gather_into_tensor (concatenated and stacked outputs) and
# reduce_scatter_tensor
for dtype in DTYPES:
    ins = [data(r, SHAPE, dtype, 2) for r in range(W)]
    for out_shape in ((W * SHAPE[0], SHAPE[1]), (W,) + SHAPE):
        out = mg.tensor(np.zeros(out_shape, dtype))
        w = dist.all_gather_into_tensor(out, mg.tensor(ins[R]), async_op=True)
        w.wait()
        close(out.numpy(), np.stack(ins).reshape(out_shape), dtype, "all_gather_into_tensor")
    big = [data(r, (W * 2, 3), dtype, 3) for r in range(W)]
    for op in ("SUM", "MAX", "MIN", "AVG", "PRODUCT"):
        if op == "AVG" and dtype == "bool":
            continue
        out = mg.tensor(np.zeros((2, 3), dtype))
        dist.reduce_scatter_tensor(out, mg.tensor(big[R]), op=getattr(dist.ReduceOp, op))
        close(out.numpy(), reference(op, big, dtype)[2 * R:2 * R + 2], dtype,
              f"reduce_scatter_tensor {op} {dtype}")
ok("all_gather_into_tensor")
ok("reduce_scatter_tensor")

# point to point: a ring of send/recv and isend/irecv, and recv from any source
nxt, prv = (R + 1) % W, (R - 1) % W
a = mg.tensor(data(R, (4,), "float64", 4))
got = mg.zeros(4, dtype=mg.float64)
sw = dist.isend(a, nxt)
rw = dist.irecv(got, prv)
sw.wait()
rw.wait()
close(got.numpy(), data(prv, (4,), "float64", 4), "float64", "isend/irecv")
if R == 0:
    senders = sorted(dist.recv(got) for _ in range(W - 1))
    assert senders == list(range(1, W)), senders
else:
    dist.send(mg.full((4,), float(R), dtype=mg.float64), 0)
ok("send_recv")

# objects, barrier, sub-groups (global ranks as src/dst), rank queries
objs = [None] * W
dist.all_gather_object(objs, {"rank": R, "sq": [R] * R})
assert objs == [{"rank": r, "sq": [r] * r} for r in range(W)]
lst = [R, "x"] if R == 1 else [None, None]
dist.broadcast_object_list(lst, src=1)
assert lst == [1, "x"]
dist.barrier()
dist.barrier(async_op=True).wait()
members = list(range(1, W))
g = dist.new_group(members)
if R in members:
    assert dist.get_rank(g) == R - 1 and dist.get_world_size(g) == W - 1
    assert dist.get_process_group_ranks(g) == members
    t = mg.tensor([float(R)])
    dist.all_reduce(t, group=g)
    assert t.item() == sum(members)
    t = mg.tensor([float(R)])
    dist.broadcast(t, src=W - 1, group=g)  # src is a global rank
    assert t.item() == W - 1
else:
    assert g is dist.GroupMember.NON_GROUP_MEMBER and dist.get_rank(g) == -1
    assert dist.all_reduce(mg.ones(1), group=g) is None
assert dist.get_backend() == "mpi" and dist.is_initialized()
ok("objects_groups")

# mismatched arguments raise a clear error on every rank (no hang, no garbage)
for bad in ("shape", "dtype", "op", "root", "call"):
    try:
        if bad == "shape":
            dist.all_reduce(mg.zeros(3 + R))
        elif bad == "dtype":
            dist.all_reduce(mg.zeros(3, dtype=mg.float32 if R else mg.float64))
        elif bad == "op":
            dist.all_reduce(mg.zeros(3), op=dist.ReduceOp.MAX if R else dist.ReduceOp.SUM)
        elif bad == "root":
            dist.broadcast(mg.zeros(3), src=R)
        else:
            (dist.all_reduce if R else dist.broadcast)(mg.zeros(3))
    except RuntimeError as e:
        msg = str(e)
        assert "different arguments" in msg and "rank 0:" in msg and f"rank {W - 1}:" in msg, msg
    else:
        raise AssertionError(f"mismatched {bad} did not raise")
if R == 0:
    dist.send(mg.zeros(5), 1)
elif R == 1:
    try:
        dist.recv(mg.zeros(4), 0)
    except RuntimeError as e:
        assert "20 bytes" in str(e) and "16" in str(e), e
    else:
        raise AssertionError("recv of a mismatched size did not raise")
ok("mismatch")

# local argument errors
for fn in (lambda: dist.all_gather([mg.zeros(3)], mg.zeros(3)),
           lambda: dist.all_gather_into_tensor(mg.zeros(W * 3 + 1), mg.zeros(3)),
           lambda: dist.broadcast(mg.zeros(1), src=W)):
    try:
        fn()
    except ValueError:
        pass
    else:
        raise AssertionError("bad arguments did not raise")
try:
    dist.all_reduce(np.zeros(3))
except TypeError:
    pass
ok("arguments")
dist.destroy_process_group()
assert not dist.is_initialized()
ok("destroy")
