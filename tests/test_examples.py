"""Smoke tests: every script in examples/ runs at reduced size and its loss falls.

The full runs (and their accuracies) are documented in README.md; here each example's own
size knob (an environment variable) shrinks it to a few seconds.
"""
import importlib.util
import math
import re
import runpy
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"_example_{name}", EXAMPLES / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _printed_losses(out):
    return [float(v) for v in re.findall(r"loss\s+([0-9.]+)", out)]


@pytest.mark.parametrize("name", ["two_layer_net", "two_layer_net_nn"])
def test_two_layer_net(name, monkeypatch, capsys):
    monkeypatch.setenv("TWO_LAYER_STEPS", "20")
    final = runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name="__main__")["loss"].item()
    first, = _printed_losses(capsys.readouterr().out)  # step 1 (the next print is at 50)
    assert math.isfinite(final) and final < 0.9 * first


def test_sequence_model(monkeypatch, capsys):
    monkeypatch.setenv("SEQ_STEPS", "100")
    losses, acc = _load("sequence_model").main()
    assert len(losses) == 100
    assert all(math.isfinite(v) for v in losses)
    assert sum(losses[-10:]) < 0.8 * sum(losses[:10])
    assert 0.0 <= acc <= 1.0
    assert "final exact-sum accuracy" in capsys.readouterr().out


def test_digits_cnn(monkeypatch, tmp_path, capsys):
    pytest.importorskip("sklearn")
    pytest.importorskip("tqdm")
    monkeypatch.setenv("DIGITS_EPOCHS", "1")
    monkeypatch.setenv("DIGITS_OUT", str(tmp_path))
    history = _load("digits_cnn").main()
    (train_loss, acc), = history
    assert train_loss < math.log(10)  # below the loss of a uniform guess over 10 classes
    assert acc > 0.5  # chance is 0.1
    out = capsys.readouterr().out
    assert f"reloaded: test accuracy {acc:.4f}" in out  # the checkpoint round-trips
    assert (tmp_path / "digits_cnn.mgz").is_file()
    if importlib.util.find_spec("matplotlib") is not None:
        assert (tmp_path / "digits_cnn.png").is_file()


def test_digits_fit_matches_the_hand_written_loop(monkeypatch, tmp_path, capsys):
    """examples/digits_fit.py runs the same loop as digits_cnn.py through minigrad.train.fit:
    same seeds, same batches, so the same test accuracy (measured at full size: both 98.9%)."""
    pytest.importorskip("sklearn")
    monkeypatch.setenv("DIGITS_EPOCHS", "1")
    monkeypatch.setenv("DIGITS_OUT", str(tmp_path))
    history = _load("digits_fit").main()
    (acc,) = history["val_accuracy"]
    assert history["loss"][0] < math.log(10) and acc > 0.5
    if importlib.util.find_spec("tqdm") is not None:
        (_, hand_acc), = _load("digits_cnn").main()
        assert acc == pytest.approx(hand_acc, abs=1e-12)  # the same count of correct digits
    out = capsys.readouterr().out
    assert f"best checkpoint {tmp_path / 'digits_fit_best.mgz'}: test accuracy {acc:.4f}" in out
    if importlib.util.find_spec("matplotlib") is not None:
        assert (tmp_path / "digits_fit.png").is_file()
    if importlib.util.find_spec("tensorboard") is not None:
        assert any((tmp_path / "runs" / "digits_fit").iterdir())
