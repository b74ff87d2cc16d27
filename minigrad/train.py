"""``fit``, ``evaluate``, ``predict``: Keras's few-line training on PyTorch's objects.

    from minigrad.train import fit, EarlyStopping, ModelCheckpoint

    history = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters()), train_loader,
                  epochs=10, val_loader=val_loader,
                  callbacks=[EarlyStopping(patience=3), ModelCheckpoint("best.mgz")])
    history.history["val_accuracy"]          # one number per epoch

``fit`` is the ordinary loop (forward, loss, ``zero_grad``, ``backward``, ``step``), with a
tqdm progress bar per epoch showing the running loss and metrics (``verbose=1``; ``pip install
tqdm``, else one printed line per epoch), per-epoch validation, and callbacks called at
fixed points. Read it top to bottom: nothing happens that the loop does not show.
"""
from __future__ import annotations

import math
import sys

from .autograd.grad_mode import no_grad
from .creation import tensor as _tensor
from .functional import cat
from .serialization import save
from .tensor import Tensor


class History:
    """What ``fit`` returns: ``history[name]`` (or ``.history[name]``) is one value per epoch.

    Names: ``loss`` and each metric (``accuracy``), their ``val_`` versions when there is a
    ``val_loader``, and ``lr`` (the first parameter group's learning rate in that epoch).
    """

    def __init__(self):
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def append(self, epoch: int, logs: dict) -> None:
        self.epoch.append(epoch)
        for k, v in logs.items():
            self.history.setdefault(k, []).append(v)

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    def __repr__(self):
        last = {k: round(v[-1], 4) for k, v in self.history.items()}
        return f"History(epochs={len(self.epoch)}, last={last})"


class Run:
    """The state callbacks see: the model, optimizer, history, position, and a stop flag."""

    def __init__(self, model, optimizer, epochs):
        self.model, self.optimizer, self.epochs = model, optimizer, epochs
        self.history = History()
        self.epoch = 0  # 0-based index of the current epoch
        self.global_step = 0  # optimizer steps taken so far
        self.stop_training = False  # set by a callback to end fit after this epoch
        self.example_input = None  # the first training batch's input (for add_graph)


class Callback:
    """Base class: override any of these; ``logs`` maps names to floats."""

    def on_train_begin(self, run: Run) -> None: ...
    def on_epoch_begin(self, run: Run, epoch: int) -> None: ...
    def on_batch_end(self, run: Run, step: int, logs: dict) -> None: ...
    def on_epoch_end(self, run: Run, epoch: int, logs: dict) -> None: ...
    def on_train_end(self, run: Run) -> None: ...


# ---- metrics ---------------------------------------------------------------------------
def accuracy(output: Tensor, target: Tensor) -> float:
    """Fraction of correct predictions: argmax over the last dim for class scores (N, C);
    ``output > 0`` for one logit per sample ((N,) or (N, 1)) against 0/1 targets."""
    if output.ndim >= 2 and output.shape[-1] > 1:
        pred = output.argmax(dim=-1)
    else:
        pred = (output.reshape(target.shape) > 0).to(target.dtype)
    return (pred == target).sum().item() / max(target.numel(), 1)


_METRICS = {"accuracy": accuracy, "acc": accuracy}


def _metric_fns(metrics) -> dict:
    fns = {}
    for m in metrics or ():
        if isinstance(m, str):
            if m not in _METRICS:
                raise ValueError(f"unknown metric {m!r}: use one of {sorted(_METRICS)} or a "
                                 "function f(output, target) -> float")
            fns["accuracy" if m == "acc" else m] = _METRICS[m]
        elif callable(m):
            fns[getattr(m, "__name__", type(m).__name__)] = m
        else:
            raise TypeError(f"a metric is a name or a function, got {type(m).__name__}")
    return fns


# ---- batches ----------------------------------------------------------------------------
def _to(x, device):
    if device is None:
        return x
    if isinstance(x, Tensor):
        return x.to(device)
    if isinstance(x, (tuple, list)):
        return type(x)(_to(v, device) for v in x)
    return x


def _split(batch):
    """(inputs, target) from a batch ``(x, y)``; ``x`` may itself be a tuple of inputs."""
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        return batch[0], batch[1]
    raise TypeError("fit/evaluate expect batches (input, target) from the loader, got "
                    f"{type(batch).__name__}" + (f" of length {len(batch)}"
                                                  if isinstance(batch, (tuple, list)) else ""))


def _call(model, x):
    return model(*x) if isinstance(x, (tuple, list)) else model(x)


def _size(y) -> int:
    return len(y) if hasattr(y, "__len__") else 1


def _lr(optimizer):
    groups = getattr(optimizer, "param_groups", None)
    return float(groups[0]["lr"]) if groups else math.nan


def _bar(loader, desc, verbose):
    if verbose != 1:
        return loader, None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return loader, None
    bar = tqdm(loader, desc=desc, file=sys.stdout, unit="batch", dynamic_ncols=True)
    return bar, bar


def _fmt(logs: dict) -> str:
    return "  ".join(f"{k} {v:.4f}" for k, v in logs.items())


# ---- the loops ----------------------------------------------------------------------------
def fit(model, loss_fn, optimizer, train_loader, epochs: int = 1, val_loader=None,
        metrics=("accuracy",), callbacks=(), device=None, verbose: int = 1) -> History:
    """Train ``model`` for ``epochs`` passes over ``train_loader``; return the History.

    Args:
        model: a Module (or any callable returning the output; a compiled model too).
        loss_fn: ``loss_fn(output, target)`` -> scalar Tensor (e.g. ``nn.CrossEntropyLoss()``).
        optimizer: an optimizer over the model's parameters (``zero_grad``/``step``).
        train_loader: iterable of ``(input, target)`` batches (``input`` may be a tuple).
        epochs: passes over the training data.
        val_loader: evaluated after every epoch (``val_loss``, ``val_<metric>``).
        metrics: names (``"accuracy"``) or functions ``f(output, target) -> float``,
            averaged over samples.
        callbacks: ``Callback`` objects (``EarlyStopping``, ``ModelCheckpoint``,
            ``LRSchedulerCallback``, ``TensorBoard``...).
        device: move the model and each batch there (``"cuda"``); None leaves them.
        verbose: 1 a progress bar per epoch (tqdm), 2 one line per epoch, 0 silent.
    """
    fns = _metric_fns(metrics)
    if device is not None and hasattr(model, "to"):
        model.to(device)
    run = Run(model, optimizer, epochs)
    for cb in callbacks:
        cb.on_train_begin(run)
    for epoch in range(epochs):
        run.epoch = epoch
        for cb in callbacks:
            cb.on_epoch_begin(run, epoch)
        if hasattr(model, "train"):
            model.train()
        sums, seen = dict.fromkeys(["loss", *fns], 0.0), 0
        lr = _lr(optimizer)
        it, bar = _bar(train_loader, f"Epoch {epoch + 1}/{epochs}", verbose)
        for batch in it:
            x, y = _split(_to(batch, device))
            if run.example_input is None:
                run.example_input = x
            out = _call(model, x)
            loss = loss_fn(out, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            run.global_step += 1
            n = _size(y)
            seen += n
            step_logs = {"loss": loss.item()}
            with no_grad():
                for k, f in fns.items():
                    step_logs[k] = float(f(out.detach(), y))
            for k, v in step_logs.items():
                sums[k] += v * n
            if bar is not None:
                bar.set_postfix({k: f"{s / seen:.4f}" for k, s in sums.items()}, refresh=False)
            for cb in callbacks:
                cb.on_batch_end(run, run.global_step, step_logs)
        if seen == 0:
            raise ValueError("train_loader yielded no batches")
        logs = {k: s / seen for k, s in sums.items()}
        if val_loader is not None:
            val = evaluate(model, loss_fn, val_loader, metrics=tuple(fns.values()), device=device)
            logs.update({f"val_{k}": v for k, v in val.items()})
        logs["lr"] = lr
        if bar is not None:
            bar.set_postfix({k: f"{v:.4f}" for k, v in logs.items() if k != "lr"})
            bar.close()
        elif verbose:
            print(f"Epoch {epoch + 1}/{epochs}  {_fmt(logs)}", flush=True)
        run.history.append(epoch, logs)
        for cb in callbacks:
            cb.on_epoch_end(run, epoch, logs)
        if run.stop_training:
            break
    for cb in callbacks:
        cb.on_train_end(run)
    return run.history


def evaluate(model, loss_fn, loader, metrics=("accuracy",), device=None) -> dict:
    """Mean loss and metrics over ``loader`` in eval mode without recording a graph.

    Returns ``{"loss": ..., "<metric>": ...}`` (sample-weighted means); the model's
    train/eval mode is restored afterwards.
    """
    fns = _metric_fns(metrics)
    was_training = getattr(model, "training", False)
    if hasattr(model, "eval"):
        model.eval()
    sums, seen = dict.fromkeys(["loss", *fns], 0.0), 0
    try:
        with no_grad():
            for batch in loader:
                x, y = _split(_to(batch, device))
                out = _call(model, x)
                n = _size(y)
                seen += n
                sums["loss"] += loss_fn(out, y).item() * n
                for k, f in fns.items():
                    sums[k] += float(f(out, y)) * n
    finally:
        if was_training:
            model.train()
    if seen == 0:
        raise ValueError("loader yielded no batches")
    return {k: s / seen for k, s in sums.items()}


def predict(model, data, device=None) -> Tensor:
    """The model's outputs, concatenated along dim 0, in eval mode without a graph.

    Args:
        data: an input Tensor, or a loader of inputs or of ``(input, target)`` batches.
    """
    was_training = getattr(model, "training", False)
    if hasattr(model, "eval"):
        model.eval()
    try:
        with no_grad():
            if isinstance(data, Tensor):
                return _call(model, _to(data, device))
            outs = []
            for batch in data:
                x = batch[0] if isinstance(batch, (tuple, list)) and len(batch) == 2 else batch
                outs.append(_call(model, _to(x, device)))
            return cat(outs) if outs else _tensor([])
    finally:
        if was_training:
            model.train()


# ---- callbacks -----------------------------------------------------------------------------
class _Monitor(Callback):
    """Shared by the callbacks that watch one logged value for improvement."""

    def __init__(self, monitor, mode, min_delta=0.0):
        if mode == "auto":
            mode = "max" if ("acc" in monitor or monitor.endswith("auc")) else "min"
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        self.monitor, self.mode, self.min_delta = monitor, mode, abs(min_delta)
        self.best = math.inf if mode == "min" else -math.inf

    def _value(self, logs):
        if self.monitor not in logs:
            raise KeyError(f"{type(self).__name__} monitors {self.monitor!r}, which is not "
                           f"logged; logged: {sorted(logs)} (val_* needs a val_loader)")
        return logs[self.monitor]

    def _improved(self, v) -> bool:
        if self.mode == "min":
            return v < self.best - self.min_delta
        return v > self.best + self.min_delta


class EarlyStopping(_Monitor):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    Args:
        monitor: a logged name (``"val_loss"``, ``"val_accuracy"``, ``"loss"``...).
        mode: ``"min"``, ``"max"``, or ``"auto"`` (max for accuracies, else min).
        restore_best_weights: load the best epoch's weights back into the model at the end.
    """

    def __init__(self, monitor="val_loss", min_delta=0.0, patience=0, mode="auto",
                 restore_best_weights=False):
        super().__init__(monitor, mode, min_delta)
        self.patience, self.restore_best_weights = patience, restore_best_weights
        self.wait, self.stopped_epoch, self.best_epoch, self._best_state = 0, None, None, None

    def on_epoch_end(self, run, epoch, logs):
        v = self._value(logs)
        if self._improved(v):
            self.best, self.best_epoch, self.wait = v, epoch, 0
            if self.restore_best_weights:
                self._best_state = {k: t.clone() for k, t in run.model.state_dict().items()}
            return
        self.wait += 1
        if self.wait > self.patience:
            self.stopped_epoch = epoch
            run.stop_training = True

    def on_train_end(self, run):
        if self.restore_best_weights and self._best_state is not None:
            run.model.load_state_dict(self._best_state)


class ModelCheckpoint(_Monitor):
    """Save a checkpoint (``minigrad.save``) when ``monitor`` improves (or every epoch).

    The file holds ``{"model": state_dict, "optimizer": state_dict, "epoch": n, <logs>}``;
    restore with ``model.load_state_dict(minigrad.load(path)["model"])``.

    Args:
        filepath: may hold ``{epoch}`` and logged names, e.g. ``"ckpt-{epoch:02d}.mgz"``.
        save_best_only: save only on improvement (else after every epoch).
    """

    def __init__(self, filepath, monitor="val_loss", save_best_only=True, mode="auto"):
        super().__init__(monitor, mode)
        self.filepath, self.save_best_only = str(filepath), save_best_only
        self.best_path = None

    def on_epoch_end(self, run, epoch, logs):
        improved = self._improved(self._value(logs))
        if improved:
            self.best = logs[self.monitor]
        if improved or not self.save_best_only:
            path = self.filepath.format(epoch=epoch + 1, **logs)
            state = {"model": run.model.state_dict(), "epoch": epoch + 1, **logs}
            if hasattr(run.optimizer, "state_dict"):
                state["optimizer"] = run.optimizer.state_dict()
            save(state, path)
            if improved:
                self.best_path = path


class LRSchedulerCallback(Callback):
    """Step an ``optim.lr_scheduler`` scheduler after every epoch (or batch).

    ``ReduceLROnPlateau`` is stepped with the value of ``monitor`` (default ``val_loss``).
    """

    def __init__(self, scheduler, interval="epoch", monitor="val_loss"):
        if interval not in ("epoch", "batch"):
            raise ValueError(f"interval must be 'epoch' or 'batch', got {interval!r}")
        self.scheduler, self.interval, self.monitor = scheduler, interval, monitor
        self._plateau = type(scheduler).__name__ == "ReduceLROnPlateau"

    def on_batch_end(self, run, step, logs):
        if self.interval == "batch":
            self.scheduler.step()

    def on_epoch_end(self, run, epoch, logs):
        if self.interval != "epoch":
            return
        if self._plateau:
            if self.monitor not in logs:
                raise KeyError(f"ReduceLROnPlateau needs {self.monitor!r}; logged: {sorted(logs)}")
            self.scheduler.step(logs[self.monitor])
        else:
            self.scheduler.step()


class TensorBoard(Callback):
    """Log to TensorBoard through ``minigrad.utils.tensorboard.SummaryWriter``.

    Epoch values go to ``train/<name>`` and ``val/<name>`` (so a run's train and validation
    curves share a chart), ``update_freq="batch"`` adds ``batch/<name>`` every step,
    ``histogram_freq=k`` logs each parameter's histogram every k epochs, and
    ``write_graph`` logs the model graph (traced in eval mode on the first batch's input).

    Args:
        log_dir: a directory, or an open ``SummaryWriter`` (then not closed at the end).
    """

    def __init__(self, log_dir=None, update_freq="epoch", histogram_freq=0, write_graph=True):
        self.log_dir, self.update_freq = log_dir, update_freq
        self.histogram_freq, self.write_graph = histogram_freq, write_graph
        self.writer, self._own = None, False

    def on_train_begin(self, run):
        from .utils.tensorboard import SummaryWriter

        if isinstance(self.log_dir, SummaryWriter):
            self.writer = self.log_dir
        else:
            self.writer, self._own = SummaryWriter(self.log_dir), True

    def on_batch_end(self, run, step, logs):
        if self.update_freq == "batch":
            for k, v in logs.items():
                self.writer.add_scalar(f"batch/{k}", v, step)
        if self.write_graph and step == 1 and hasattr(run.model, "named_parameters"):
            was_training = run.model.training
            run.model.eval()  # no dropout draws, no running-stat updates
            try:
                x = run.example_input
                self.writer.add_graph(run.model, tuple(x) if isinstance(x, list) else x)
            finally:
                run.model.train(was_training)

    def on_epoch_end(self, run, epoch, logs):
        for k, v in logs.items():
            tag = f"val/{k[4:]}" if k.startswith("val_") else f"train/{k}"
            self.writer.add_scalar(tag, v, epoch + 1)
        if self.histogram_freq and (epoch + 1) % self.histogram_freq == 0:
            for name, p in run.model.named_parameters():
                self.writer.add_histogram(name, p, epoch + 1)
        self.writer.flush()

    def on_train_end(self, run):
        if self._own:
            self.writer.close()
        else:
            self.writer.flush()


__all__ = ["fit", "evaluate", "predict", "History", "Run", "Callback", "EarlyStopping",
           "ModelCheckpoint", "LRSchedulerCallback", "TensorBoard", "accuracy"]
