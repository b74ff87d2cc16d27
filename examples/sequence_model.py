"""An LSTM learns to add binary numbers, bit by bit (a generated sequence task).

Each example is two random 8-bit numbers a and b, fed least-significant bit first as a
sequence of (a_i, b_i) pairs; the model outputs the bits of a + b (9 bits, the input
sequence padded with a final (0, 0)). Accuracy counts whole sums exactly right.

    python examples/sequence_model.py    # ~8 s on 2 CPU cores ($SEQ_STEPS caps the steps)
"""
import os

import numpy as np

import minigrad as torch
from minigrad import nn

BITS = 8
STEPS = int(os.environ.get("SEQ_STEPS", "1500"))


def make_batch(rng, n):
    a = rng.integers(0, 2**BITS, n)
    b = rng.integers(0, 2**BITS, n)
    s = a + b
    pos = np.arange(BITS + 1)
    xa, xb = (a[:, None] >> pos) & 1, (b[:, None] >> pos) & 1
    y = (s[:, None] >> pos) & 1
    x = np.stack([xa, xb], axis=-1).astype(np.float32)  # (n, 9, 2), LSB first
    return torch.tensor(x), torch.tensor(y.astype(np.float32))


class Adder(nn.Module):
    def __init__(self, hidden=24):
        super().__init__()
        self.lstm = nn.LSTM(2, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        h, _ = self.lstm(x)
        return self.head(h).squeeze(-1)  # logits per bit


def accuracy(model, rng, n=1000):
    x, y = make_batch(rng, n)
    with torch.no_grad():
        pred = (model(x) > 0).float()
    return (pred == y).all(dim=1).float().mean().item()


def main():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    model = Adder()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = nn.BCEWithLogitsLoss()
    losses = []
    for step in range(1, STEPS + 1):
        x, y = make_batch(rng, 64)
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
        if step % 100 == 0:
            acc = accuracy(model, np.random.default_rng(1))
            print(f"step {step:4d}  loss {losses[-1]:.4f}  exact-sum accuracy {acc:.3f}")
            if acc >= 0.999:
                break
    acc = accuracy(model, np.random.default_rng(2), n=2000)
    print(f"final exact-sum accuracy on 2000 new pairs: {acc:.4f}")
    return losses, acc


if __name__ == "__main__":
    main()
