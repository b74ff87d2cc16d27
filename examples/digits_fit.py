"""examples/digits_cnn.py in a few lines with ``minigrad.train.fit``.

    pip install -e ".[examples,tensorboard]"   # scikit-learn, matplotlib, tqdm, tensorboard
    python examples/digits_fit.py              # ~98.9% test accuracy, as digits_cnn.py
    tensorboard --logdir examples/runs         # the curves and the model graph

Same data, LeNet, optimizer, schedule and seeds as digits_cnn.py, so the two reach the same
accuracy (the same weights, in fact: fit runs the same loop). Saves the best checkpoint
(digits_fit_best.mgz), a loss/accuracy plot (digits_fit.png) and a TensorBoard run
(runs/digits_fit) next to this file, or in $DIGITS_OUT; $DIGITS_EPOCHS sets the epochs.
"""
import os
import sys

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import minigrad as torch  # noqa: E402
from minigrad import nn  # noqa: E402
from minigrad.train import (  # noqa: E402
    LRSchedulerCallback, ModelCheckpoint, TensorBoard, evaluate, fit,
)
from minigrad.utils.data import DataLoader, TensorDataset  # noqa: E402

from digits_cnn import LeNet  # noqa: E402

EPOCHS = int(os.environ.get("DIGITS_EPOCHS", "15"))
OUT_DIR = os.environ.get("DIGITS_OUT", HERE)


def main():
    torch.manual_seed(0)
    digits = load_digits()
    x = (digits.images / 16.0).astype(np.float32)[:, None]  # (1797, 1, 8, 8) in [0, 1]
    y = digits.target.astype(np.int64)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.25, random_state=0, stratify=y)
    mean, std = x_tr.mean(), x_tr.std()
    x_tr, x_te = (x_tr - mean) / std, (x_te - mean) / std
    g = torch.Generator().manual_seed(0)
    train = DataLoader(TensorDataset(torch.tensor(x_tr), torch.tensor(y_tr)), batch_size=32,
                       shuffle=True, generator=g)
    test = DataLoader(TensorDataset(torch.tensor(x_te), torch.tensor(y_te)), batch_size=256)

    model = LeNet()
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    callbacks = [
        LRSchedulerCallback(torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS)),
        ModelCheckpoint(os.path.join(OUT_DIR, "digits_fit_best.mgz"), monitor="val_accuracy"),
    ]
    if _has("tensorboard"):
        callbacks.append(TensorBoard(os.path.join(OUT_DIR, "runs", "digits_fit"),
                                     histogram_freq=5))
    else:
        print("tensorboard not installed: no TensorBoard log")
    history = fit(model, nn.CrossEntropyLoss(), opt, train, epochs=EPOCHS, val_loader=test,
                  callbacks=callbacks)

    acc = history["val_accuracy"][-1]
    print(f"final test accuracy: {acc:.4f} (best {max(history['val_accuracy']):.4f})")
    best = LeNet()
    best.load_state_dict(torch.load(callbacks[1].best_path)["model"])
    print(f"best checkpoint {callbacks[1].best_path}: test accuracy "
          f"{evaluate(best, nn.CrossEntropyLoss(), test)['accuracy']:.4f}")
    _plot(history)
    return history


def _has(module):
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _plot(history):
    if not _has("matplotlib"):
        print("matplotlib not installed: skipping the plot")
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [e + 1 for e in history.epoch]
    fig, ax1 = plt.subplots(figsize=(6, 4))
    ax1.plot(epochs, history["loss"], "o-", color="tab:blue", label="train loss")
    ax1.plot(epochs, history["val_loss"], "o--", color="tab:cyan", label="test loss")
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("loss", color="tab:blue")
    ax1.legend(loc="center left")
    ax2 = ax1.twinx()
    ax2.plot(epochs, history["val_accuracy"], "s-", color="tab:green", label="test accuracy")
    ax2.set_ylabel("test accuracy", color="tab:green")
    fig.suptitle("LeNet on sklearn digits with minigrad.train.fit")
    fig.tight_layout()
    path = os.path.join(OUT_DIR, "digits_fit.png")
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"saved {path}")


if __name__ == "__main__":
    main()
