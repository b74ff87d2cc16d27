"""minigrad.train: fit/evaluate/predict and the callbacks, on small exactly-checkable setups."""
import math

import numpy as np
import pytest

import minigrad as torch
from minigrad import nn
from minigrad.train import (
    Callback, EarlyStopping, LRSchedulerCallback, ModelCheckpoint, TensorBoard, evaluate, fit,
    predict,
)
from minigrad.utils.data import DataLoader, TensorDataset


def _blobs(n=120, seed=0):
    """Three well-separated Gaussian blobs in 2-D."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centers = np.array([[3.0, 0.0], [-3.0, 3.0], [0.0, -3.0]])
    x = centers[y] + 0.5 * rng.standard_normal((n, 2))
    return torch.tensor(x, dtype=torch.float32), torch.tensor(y)


def _loaders(batch_size=16):
    x, y = _blobs()
    xv, yv = _blobs(60, seed=1)
    g = torch.Generator().manual_seed(0)
    return (DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True, generator=g),
            DataLoader(TensorDataset(xv, yv), batch_size=32))


def _model():
    return nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 3))


def test_fit_equals_the_hand_written_loop():
    torch.manual_seed(0)
    train, val = _loaders()
    m1 = _model()
    opt1 = torch.optim.SGD(m1.parameters(), lr=0.1)
    hist = fit(m1, nn.CrossEntropyLoss(), opt1, train, epochs=3, val_loader=val, verbose=0)

    torch.manual_seed(0)
    train, val = _loaders()
    m2 = _model()
    opt2 = torch.optim.SGD(m2.parameters(), lr=0.1)
    loss_fn = nn.CrossEntropyLoss()
    losses, accs = [], []
    for _ in range(3):
        tot = correct = n = 0
        for xb, yb in train:
            out = m2(xb)
            loss = loss_fn(out, yb)
            opt2.zero_grad()
            loss.backward()
            opt2.step()
            tot += loss.item() * len(yb)
            correct += (out.argmax(1) == yb).sum().item()
            n += len(yb)
        losses.append(tot / n)
        accs.append(correct / n)
    for p1, p2 in zip(m1.parameters(), m2.parameters()):
        np.testing.assert_array_equal(p1.detach().numpy(), p2.detach().numpy())
    np.testing.assert_allclose(hist["loss"], losses, rtol=1e-6)
    np.testing.assert_allclose(hist["accuracy"], accs, rtol=1e-6)
    assert hist.epoch == [0, 1, 2] and hist["lr"] == [0.1] * 3
    val_logs = evaluate(m2, loss_fn, val)
    assert hist["val_loss"][-1] == pytest.approx(val_logs["loss"], rel=1e-6)
    assert hist["val_accuracy"][-1] == pytest.approx(val_logs["accuracy"], rel=1e-6)
    assert hist["val_accuracy"][-1] > 0.9  # separable blobs


def test_evaluate_and_predict_restore_mode_and_match_direct_calls():
    train, val = _loaders()
    m = nn.Sequential(nn.Linear(2, 8), nn.Dropout(0.5), nn.Linear(8, 3))
    m.train()
    x, y = _blobs(60, seed=1)
    out = predict(m, val)
    assert m.training
    m.eval()
    expect = m(x)
    np.testing.assert_allclose(out.numpy(), expect.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(predict(m, x).numpy(), expect.detach().numpy(), rtol=1e-6)
    assert not out.requires_grad
    logs = evaluate(m, nn.CrossEntropyLoss(), val, metrics=["accuracy", "acc"])
    assert logs["loss"] == pytest.approx(nn.CrossEntropyLoss()(expect, y).item(), rel=1e-5)
    assert logs["accuracy"] == pytest.approx((expect.argmax(1) == y).float().mean().item())


def test_custom_metric_and_verbose_outputs(capsys):
    train, _ = _loaders()

    def mean_confidence(out, y):
        return out.softmax(-1).max(-1)[0].mean().item()

    h = fit(_model(), nn.CrossEntropyLoss(), torch.optim.SGD(_model().parameters(), lr=0.0),
            train, epochs=1, metrics=[mean_confidence], verbose=2)
    assert list(h.history) == ["loss", "mean_confidence", "lr"]
    assert "Epoch 1/1  loss" in capsys.readouterr().out
    pytest.importorskip("tqdm")
    fit(_model(), nn.CrossEntropyLoss(), torch.optim.SGD(_model().parameters(), lr=0.0), train,
        epochs=1, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 1/1" in out and "accuracy=" in out and "8/8" in out  # 120 samples / 16
    with pytest.raises(ValueError, match="unknown metric"):
        fit(_model(), nn.CrossEntropyLoss(), torch.optim.SGD(_model().parameters()), train,
            metrics=["f1"])


def test_early_stopping_restores_best_weights():
    train, val = _loaders()
    m = _model()
    seen = []

    class Record(Callback):
        def on_epoch_end(self, run, epoch, logs):
            seen.append({k: v.clone() for k, v in run.model.state_dict().items()})

    # lr 0 after an epoch of learning: val_loss stops improving, so patience=1 stops at epoch 3
    opt = torch.optim.SGD(m.parameters(), lr=0.2)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda e: 1.0 if e < 1 else 0.0)
    es = EarlyStopping(patience=1, restore_best_weights=True)
    h = fit(m, nn.CrossEntropyLoss(), opt, train, epochs=10, val_loader=val, verbose=0,
            callbacks=[LRSchedulerCallback(sched), Record(), es])
    assert len(h.epoch) == 3 and es.stopped_epoch == 2 and es.best_epoch == 0
    assert h["lr"] == [0.2, 0.0, 0.0]
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), seen[0][k].numpy())
    with pytest.raises(KeyError, match="val_loader"):
        fit(m, nn.CrossEntropyLoss(), opt, train, epochs=1, verbose=0,
            callbacks=[EarlyStopping()])


def test_model_checkpoint_keeps_the_best(tmp_path):
    train, val = _loaders()
    m = _model()
    opt = torch.optim.Adam(m.parameters(), lr=0.05)
    ck = ModelCheckpoint(tmp_path / "best-{epoch}.mgz", monitor="val_accuracy")
    every = ModelCheckpoint(tmp_path / "last.mgz", save_best_only=False)
    h = fit(m, nn.CrossEntropyLoss(), opt, train, epochs=4, val_loader=val, verbose=0,
            callbacks=[ck, every])
    best_epoch = int(np.argmax(h["val_accuracy"]))  # first maximum, as ">" keeps the first
    assert ck.best == max(h["val_accuracy"])
    assert ck.best_path == str(tmp_path / f"best-{best_epoch + 1}.mgz")
    state = torch.load(ck.best_path)
    assert state["epoch"] == best_epoch + 1 and state["val_accuracy"] == ck.best
    last = torch.load(tmp_path / "last.mgz")
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(last["model"][k].numpy(), v.numpy())
    assert "state" in last["optimizer"]


def test_plateau_scheduler_gets_the_monitored_value():
    train, val = _loaders()
    m = _model().requires_grad_(False)  # frozen: val_loss stays put
    opt = torch.optim.SGD(m.parameters(), lr=1.0)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, factor=0.5)

    def constant_loss(out, y):
        return (out.sum() * 0.0 + 1.0).requires_grad_(True)

    h = fit(m, constant_loss, opt, train, epochs=3, val_loader=val, metrics=(), verbose=0,
            callbacks=[LRSchedulerCallback(sched)])
    assert h["val_loss"] == [1.0, 1.0, 1.0]
    assert h["lr"] == [1.0, 1.0, 0.5]  # the second equal val_loss is the first bad epoch


def test_tensorboard_callback_logs_epochs_batches_graph(tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    train, val = _loaders()
    m = _model()
    tb = TensorBoard(tmp_path, update_freq="batch", histogram_freq=1)
    h = fit(m, nn.CrossEntropyLoss(), torch.optim.SGD(m.parameters(), lr=0.1), train,
            epochs=2, val_loader=val, verbose=0, callbacks=[tb])
    ea = EventAccumulator(str(tmp_path), size_guidance={"scalars": 0, "histograms": 0})
    ea.Reload()
    for key, tag in (("loss", "train/loss"), ("val_accuracy", "val/accuracy"), ("lr", "train/lr")):
        assert [(e.step, e.value) for e in ea.Scalars(tag)] == \
            [(i + 1, float(np.float32(v))) for i, v in enumerate(h[key])]
    assert [e.step for e in ea.Scalars("batch/loss")] == list(range(1, 17))
    assert {"0.weight", "2.bias"} <= set(ea.Tags()["histograms"])
    assert any(n.name.endswith("AddmmBackward0") for n in ea.Graph().node)
    assert math.isfinite(h["loss"][-1])
