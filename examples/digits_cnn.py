"""A LeNet-style CNN on scikit-learn's bundled 8x8 handwritten digits (real data, no download).

    pip install -e ".[examples]"    # scikit-learn, matplotlib, tqdm
    python examples/digits_cnn.py   # 20-60 s on 2 CPU cores; ~98.9% test accuracy

Saves a loss/accuracy plot (digits_cnn.png) and a checkpoint (digits_cnn.mgz, read back
with ``minigrad.load``) next to this file, or in $DIGITS_OUT. $DIGITS_EPOCHS sets the
number of epochs (default 15). It runs on the GPU when minigrad sees one (CuPy), or on
$DIGITS_DEVICE ("cpu", "cuda").
"""
import os
import sys

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from tqdm import tqdm

import minigrad as torch
import minigrad.nn.functional as F
from minigrad import nn
from minigrad.utils.data import DataLoader, TensorDataset

HERE = os.path.dirname(os.path.abspath(__file__))
EPOCHS = int(os.environ.get("DIGITS_EPOCHS", "15"))
OUT_DIR = os.environ.get("DIGITS_OUT", HERE)
DEVICE = os.environ.get("DIGITS_DEVICE") or ("cuda" if torch.cuda.is_available() else "cpu")


class LeNet(nn.Module):
    """conv(1->16, 3, pad 1) -> relu -> maxpool 2 -> conv(16->32, 3, pad 1) -> relu -> maxpool 2
    -> 32*2*2 -> 64 -> 10."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 2 * 2, 64)
        self.fc2 = nn.Linear(64, 10)
        self.drop = nn.Dropout(0.2)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = self.drop(F.relu(self.fc1(x.flatten(1))))
        return self.fc2(x)


def evaluate(model, loader):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for xb, yb in loader:
            correct += (model(xb).argmax(dim=1) == yb).sum().item()
            total += len(yb)
    model.train()
    return correct / total


def main():
    torch.manual_seed(0)
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None]  # (1797, 1, 8, 8) in [0, 1]
    y = digits.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)
    mean, std = x_tr.mean(), x_tr.std()
    x_tr, x_te = (x_tr - mean) / std, (x_te - mean) / std

    g = torch.Generator().manual_seed(0)
    # the data set lives on DEVICE: batches are gathered there, with no copy per step
    train = DataLoader(TensorDataset(torch.tensor(x_tr, device=DEVICE),
                                     torch.tensor(y_tr, device=DEVICE)),
                       batch_size=32, shuffle=True, generator=g)
    test = DataLoader(TensorDataset(torch.tensor(x_te, device=DEVICE),
                                    torch.tensor(y_te, device=DEVICE)), batch_size=256)

    model = LeNet().to(DEVICE)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS)
    loss_fn = nn.CrossEntropyLoss()
    history = []
    for epoch in range(EPOCHS):
        losses = []
        bar = tqdm(train, desc=f"epoch {epoch + 1:2d}/{EPOCHS}", file=sys.stdout, leave=False)
        for xb, yb in bar:
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
            bar.set_postfix(loss=f"{losses[-1]:.3f}")
        sched.step()
        acc = evaluate(model, test)
        history.append((float(np.mean(losses)), acc))
        print(f"epoch {epoch + 1:2d}  train loss {history[-1][0]:.4f}  test accuracy {acc:.4f}")

    print(f"final test accuracy: {history[-1][1]:.4f} (device {DEVICE})")
    path = os.path.join(OUT_DIR, "digits_cnn.mgz")
    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": EPOCHS}, path)
    restored = LeNet().to(DEVICE)
    restored.load_state_dict(torch.load(path)["model"])
    print(f"saved {path} (reloaded: test accuracy {evaluate(restored, test):.4f})")
    _plot(history)
    return history


def _plot(history):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: skipping the plot")
        return
    loss, acc = zip(*history)
    fig, ax1 = plt.subplots(figsize=(6, 4))
    ax1.plot(range(1, len(loss) + 1), loss, "o-", color="tab:blue", label="train loss")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("train loss", color="tab:blue")
    ax2 = ax1.twinx()
    ax2.plot(range(1, len(acc) + 1), acc, "s-", color="tab:green", label="test accuracy")
    ax2.set_ylabel("test accuracy", color="tab:green")
    fig.suptitle("LeNet on sklearn digits (minigrad)")
    fig.tight_layout()
    path = os.path.join(OUT_DIR, "digits_cnn.png")
    fig.savefig(path, dpi=100)
    print(f"saved {path}")


if __name__ == "__main__":
    main()
