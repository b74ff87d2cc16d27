"""The classic two-layer ReLU network, trained with manual SGD on random data.

    N, D, H = 64, 1000, 100 (batch, input, hidden); the output has 10 features.
    h = relu(x @ w1); y_pred = h @ w2; loss = sum((y_pred - y) ** 2)

Swap ``import minigrad as torch`` for ``import torch`` and it runs the same.
"""
import os

import minigrad as torch

N, D_in, H, D_out = 64, 1000, 100, 10
STEPS = int(os.environ.get("TWO_LAYER_STEPS", "500"))
torch.manual_seed(0)

x = torch.randn(N, D_in)
y = torch.randn(N, D_out)
w1 = torch.randn(D_in, H, requires_grad=True)
w2 = torch.randn(H, D_out, requires_grad=True)

learning_rate = 1e-6
for t in range(STEPS):
    y_pred = x.mm(w1).clamp(min=0).mm(w2)
    loss = (y_pred - y).pow(2).sum()
    if t % 50 == 49 or t == 0:
        print(f"step {t + 1:3d}  loss {loss.item():12.4f}")
    loss.backward()
    with torch.no_grad():
        w1 -= learning_rate * w1.grad
        w2 -= learning_rate * w2.grad
        w1.grad.zero_()
        w2.grad.zero_()
