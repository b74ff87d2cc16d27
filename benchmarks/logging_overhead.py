"""What logging to TensorBoard costs a training step.

    python benchmarks/logging_overhead.py            # ~1 min
    OPENBLAS_NUM_THREADS=1 python benchmarks/logging_overhead.py --reps 21

Times a small step (the digits LeNet of examples/digits_cnn.py, batch 32 of 1x8x8: about a
millisecond, so the logging cost shows as large as it can) and an MLP step (batch 256,
784-1024-1024-10, Adam), each in three variants run in alternating blocks:

- ``plain``: forward, backward, optimizer step, ``loss.item()``;
- ``scalars``: the same plus ``add_scalar`` of the loss and the learning rate every step;
- ``scalars+hist``: plus ``add_histogram`` of every parameter every 100 steps.

Reported: the median time per step over the blocks, and each variant's overhead over plain;
then the cost of one call in isolation (process CPU time per call, the writer thread's record
checksums and file writes included, after a flush), which is steadier than the difference of
two noisy step times: the overhead of a step is (calls per step) x (cost per call).
``--cpu-time`` measures process CPU time (the writer thread's work included) instead of
wall-clock time, which other jobs on a shared machine disturb less.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import minigrad as torch  # noqa: E402
import minigrad.nn.functional as F  # noqa: E402
from minigrad import nn  # noqa: E402
from minigrad.utils.tensorboard import SummaryWriter  # noqa: E402


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(128, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def _cases():
    lenet = LeNet()
    mlp = nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
                        nn.Linear(1024, 10))
    return {
        "lenet (batch 32, 8x8)": (lenet, torch.randn(32, 1, 8, 8), torch.randint(0, 10, (32,)),
                                  torch.optim.Adam(lenet.parameters(), lr=1e-3)),
        "mlp (batch 256, 784-1024-1024-10)": (mlp, torch.randn(256, 784),
                                              torch.randint(0, 10, (256,)),
                                              torch.optim.Adam(mlp.parameters(), lr=1e-3)),
    }


_clock = time.perf_counter


def _block(model, x, y, opt, writer, hist, start, n):
    t0 = _clock()
    for step in range(start, start + n):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        v = loss.item()
        if writer is not None:
            writer.add_scalar("train/loss", v, step)
            writer.add_scalar("train/lr", opt.param_groups[0]["lr"], step)
            if hist and step % 100 == 0:
                for name, p in model.named_parameters():
                    writer.add_histogram(name, p, step)
    return (_clock() - t0) / n


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=11, help="timed blocks per variant")
    ap.add_argument("--steps", type=int, default=100, help="steps per block")
    ap.add_argument("--cpu-time", action="store_true",
                    help="process CPU time (all threads, the writer's included): steadier on a "
                         "busy machine than wall-clock time")
    args = ap.parse_args()
    if args.cpu_time:
        global _clock
        _clock = time.process_time
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp, SummaryWriter(tmp) as w:
        for name, (model, x, y, opt) in _cases().items():
            variants = {"plain": (None, False), "scalars": (w, False), "scalars+hist": (w, True)}
            times = {k: [] for k in variants}
            step = 0
            for k, (wr, hist) in variants.items():  # warm-up
                _block(model, x, y, opt, wr, hist, step, 5)
                step += 5
            for rep in range(args.reps):
                order = list(variants) if rep % 2 == 0 else list(reversed(variants))
                for k in order:
                    wr, hist = variants[k]
                    times[k].append(_block(model, x, y, opt, wr, hist, step, args.steps))
                    step += args.steps
            base = statistics.median(times["plain"])
            print(f"{name}:")
            for k, ts in times.items():
                m = statistics.median(ts)
                print(f"  {k:13s} {m * 1e3:8.3f} ms/step  ({(m / base - 1) * 100:+.1f}%)")
        w.flush()
        _per_call(w)


def _per_call(w, n=2000):
    """Process CPU time of one add_scalar / add_histogram, flushed to disk."""
    lenet = LeNet()
    cases = {
        "add_scalar(float)": lambda i: w.add_scalar("cost/scalar", 0.25, i),
        "add_scalar(0-d Tensor)": lambda i: w.add_scalar("cost/t", torch.tensor(0.25), i),
        "add_histogram(4,608 values)": lambda i: w.add_histogram("cost/h", lenet.conv2.weight, i),
    }
    print("cost of one call (process CPU time, writer thread included):")
    for name, call in cases.items():
        k = n if "histogram" not in name else n // 20
        w.flush()
        t0 = time.process_time()
        for i in range(k):
            call(i)
        w.flush()
        print(f"  {name:28s} {(time.process_time() - t0) / k * 1e6:8.1f} us")


if __name__ == "__main__":
    main()
