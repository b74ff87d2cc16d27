"""A rank that fails must end the whole job quickly (no hang). Usage: fault.py raise|exit."""
import datetime
import sys

import minigrad as mg
import minigrad.distributed as dist

dist.init_process_group("mpi", timeout=datetime.timedelta(seconds=2))
R = dist.get_rank()
t = mg.ones(4)
dist.all_reduce(t)
print(f"OK started {R}", flush=True)
if R == 1:
    if sys.argv[1] == "raise":
        raise ValueError("boom on rank 1")
    sys.exit(0)  # leaves without the collective the others are waiting in
dist.all_reduce(t)
print(f"UNREACHABLE {R}", flush=True)
