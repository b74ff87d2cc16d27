"""The two-layer network again, the nn/optim way: nn.Sequential, MSELoss(reduction='sum'), Adam.

    N, D_in, H, D_out = 64, 1000, 100, 10
"""
import os

import minigrad as torch

N, D_in, H, D_out = 64, 1000, 100, 10
STEPS = int(os.environ.get("TWO_LAYER_STEPS", "500"))
torch.manual_seed(0)

x = torch.randn(N, D_in)
y = torch.randn(N, D_out)

model = torch.nn.Sequential(
    torch.nn.Linear(D_in, H),
    torch.nn.ReLU(),
    torch.nn.Linear(H, D_out),
)
loss_fn = torch.nn.MSELoss(reduction="sum")
optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)

for t in range(STEPS):
    y_pred = model(x)
    loss = loss_fn(y_pred, y)
    if t % 50 == 49 or t == 0:
        print(f"step {t + 1:3d}  loss {loss.item():10.4f}")
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
