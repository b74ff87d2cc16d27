"""A rank that fails must end the whole job quickly (no hang). Usage: fault.py raise|exit|ok
(ok: both ranks finish normally, the baseline). Each rank prints when it has started (past
imports and the first collective) on the system-wide monotonic clock."""
import datetime
import sys
import time

import minigrad as mg
import minigrad.distributed as dist

dist.init_process_group("mpi", timeout=datetime.timedelta(seconds=2))
R = dist.get_rank()
t = mg.ones(4)
dist.all_reduce(t)
print(f"OK started {R} at {time.monotonic():.6f}", flush=True)
if R == 1 and sys.argv[1] != "ok":
    if sys.argv[1] == "raise":
        raise ValueError("boom on rank 1")
    sys.exit(0)  # leaves without the collective the others are waiting in
dist.all_reduce(t)
if sys.argv[1] == "ok":
    print(f"OK done {R}", flush=True)
    dist.destroy_process_group()
    sys.exit(0)
print(f"UNREACHABLE {R}", flush=True)
