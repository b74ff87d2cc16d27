"""examples/digits_cnn.py trained data-parallel with DistributedDataParallel over MPI.

    pip install -e ".[examples,distributed]"
    mpiexec -n 2 python examples/ddp_digits.py    # ~98.9% test accuracy, as digits_cnn.py

Every rank builds the same LeNet (DDP copies rank 0's weights anyway), reads its share of
each shuffled epoch through DistributedSampler, and takes 32 / world samples per step, so
a step sees the same 32-sample global batch as the single-process example and the
averaged gradient is that batch's. Test accuracy is counted on a shard per rank and
summed with all_reduce. Rank 0 alone writes the checkpoint (ddp_digits.mgz, in
$DIGITS_OUT or next to this file). $DIGITS_EPOCHS sets the epochs (default 15),
$DIGITS_SEED the seed of the initial weights, the shuffle and dropout (default 0).
"""
import os
import sys

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import minigrad as torch
import minigrad.distributed as dist
from minigrad import nn
from minigrad.nn.parallel import DistributedDataParallel as DDP
from minigrad.utils.data import DataLoader, DistributedSampler, TensorDataset

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from digits_cnn import LeNet  # noqa: E402  (the single-process example's model)

EPOCHS = int(os.environ.get("DIGITS_EPOCHS", "15"))
OUT_DIR = os.environ.get("DIGITS_OUT", HERE)
GLOBAL_BATCH = 32
SEED = int(os.environ.get("DIGITS_SEED", "0"))


def data():
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None]
    y = digits.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)
    mean, std = x_tr.mean(), x_tr.std()
    return (TensorDataset(torch.tensor((x_tr - mean) / std), torch.tensor(y_tr)),
            TensorDataset(torch.tensor((x_te - mean) / std), torch.tensor(y_te)))


def evaluate(model, test_set, rank, world):
    """Accuracy over the whole test set: each rank counts its shard, all_reduce sums."""
    idx = torch.arange(rank, len(test_set), world)  # every test sample on exactly one rank
    xb, yb = test_set.tensors[0][idx], test_set.tensors[1][idx]
    model.eval()
    with torch.no_grad():
        correct = (model(xb).argmax(dim=1) == yb).sum().item()
    counts = torch.tensor([float(correct), float(len(idx))], dtype=torch.float64)
    model.train()
    dist.all_reduce(counts)
    return (counts[0] / counts[1]).item()


def main():
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    if GLOBAL_BATCH % world:
        raise SystemExit(f"run with a world size dividing {GLOBAL_BATCH}")
    train_set, test_set = data()
    sampler = DistributedSampler(train_set, world, rank, shuffle=True, seed=SEED)
    loader = DataLoader(train_set, batch_size=GLOBAL_BATCH // world, sampler=sampler)

    torch.manual_seed(SEED)
    model = DDP(LeNet())
    torch.manual_seed(SEED + 1 + rank)  # dropout masks differ between ranks
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS)
    loss_fn = nn.CrossEntropyLoss()
    history = []
    for epoch in range(EPOCHS):
        sampler.set_epoch(epoch)  # a new shuffle each epoch, the same on every rank
        losses = []
        for xb, yb in loader:
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()  # gradients averaged over the ranks during backward
            opt.step()
            losses.append(loss.item())
        sched.step()
        mean_loss = torch.tensor([float(np.mean(losses))])
        dist.all_reduce(mean_loss, op=dist.ReduceOp.AVG)
        acc = evaluate(model.module, test_set, rank, world)
        history.append((mean_loss.item(), acc))
        if rank == 0:
            print(f"epoch {epoch + 1:2d}  train loss {history[-1][0]:.4f}  "
                  f"test accuracy {acc:.4f}", flush=True)

    if rank == 0:
        print(f"final test accuracy: {history[-1][1]:.4f} ({world} processes)")
        path = os.path.join(OUT_DIR, "ddp_digits.mgz")
        torch.save({"model": model.module.state_dict(), "optimizer": opt.state_dict(),
                    "epoch": EPOCHS}, path)
        print(f"saved {path} on rank 0")
    dist.barrier()  # nobody reads or exits before the checkpoint is written
    dist.destroy_process_group()
    return history


if __name__ == "__main__":
    main()
