"""RANK/WORLD_SIZE from a launcher renumber the MPI processes; run as two MPMD parts with
RANK=1 and RANK=0 (reversed), or alone (world of one) with ``single``."""
import os
import sys

import minigrad as mg
import minigrad.distributed as dist

if sys.argv[1:] == ["single"]:
    os.environ["WORLD_SIZE"] = "2"
    try:
        dist.init_process_group("mpi")
    except RuntimeError as e:
        assert "mpiexec -n 2" in str(e), e
    else:
        raise AssertionError("WORLD_SIZE=2 in a lone process did not raise")
    del os.environ["WORLD_SIZE"]
    dist.init_process_group()
    t = mg.tensor([3.0])
    dist.all_reduce(t, op=dist.ReduceOp.AVG)
    assert dist.get_world_size() == 1 and dist.get_rank() == 0 and t.item() == 3.0
    print("OK single", flush=True)
    sys.exit(0)

from mpi4py import MPI  # noqa: E402

dist.init_process_group("mpi")
assert dist.get_rank() == int(os.environ["RANK"]) == 1 - MPI.COMM_WORLD.rank
t = mg.tensor([float(dist.get_rank())])
dist.broadcast(t, src=1)
assert t.item() == 1.0
print("OK env_ranks", flush=True)
