"""Anomaly mode: NaN/inf gradients raise naming the op and the user's forward line."""
import re

import numpy as np
import pytest

import minigrad as mg
from minigrad import autograd
from minigrad.autograd import Function

# NumPy warns where PyTorch is silent (0 ** -0.5, log(-1)); these tests make such values on purpose
pytestmark = pytest.mark.filterwarnings(
    "ignore:divide by zero:RuntimeWarning", "ignore:invalid value:RuntimeWarning"
)


def _sqrt_at_zero():
    x = mg.tensor([0.0, 1.0], requires_grad=True)
    y = x**0.5  # FORWARD-LINE-SQRT
    return x, y.sum()


def test_off_by_default():
    assert not autograd.is_anomaly_enabled()
    x, loss = _sqrt_at_zero()
    loss.backward()  # no check: the inf gradient goes through silently
    assert np.isinf(x.grad.numpy()[0])


def test_inf_gradient_raises_naming_op_and_forward_line():
    with autograd.detect_anomaly():
        assert autograd.is_anomaly_enabled()
        _, loss = _sqrt_at_zero()
        with pytest.raises(RuntimeError) as err:
            loss.backward()
    assert not autograd.is_anomaly_enabled()
    msg = str(err.value)
    assert re.search(r"Pow\w*Backward0", msg) and "inf" in msg
    assert "test_anomaly.py" in msg and "FORWARD-LINE-SQRT" in msg
    assert "minigrad/ops" not in msg  # frames inside the library are left out


def test_sqrt_at_zero_names_sqrt_backward():
    x = mg.tensor([0.0, 4.0], requires_grad=True)
    with autograd.detect_anomaly():
        y = x.sqrt().sum()  # FORWARD-LINE-SQRT-OP
        with pytest.raises(RuntimeError, match="SqrtBackward0") as err:
            y.backward()
    assert "FORWARD-LINE-SQRT-OP" in str(err.value)


def test_nan_gradient_raises():
    x = mg.tensor([-1.0, 4.0], requires_grad=True)
    with autograd.detect_anomaly():
        y = (x.log() * 0).sum()  # log(-1) = nan; its backward gy / x is finite...
        z = x.log().exp().sum()  # ...but exp(nan) = nan makes ExpBackward0 return nan
        y.backward()  # finite gradients pass
        with pytest.raises(RuntimeError, match=r"ExpBackward0.*nan") as err:
            z.backward()
    assert "z = x.log().exp().sum()" in str(err.value)


def test_first_bad_node_in_the_walk_is_named():
    x = mg.tensor([0.0], requires_grad=True)
    with autograd.detect_anomaly():
        y = (x.log() * 2).exp().sum()  # log(0) = -inf forward; LogBackward0 gives inf
        with pytest.raises(RuntimeError, match="LogBackward0"):
            y.backward()


def test_as_decorator_and_set_detect_anomaly():
    @autograd.detect_anomaly()
    def run():
        assert autograd.is_anomaly_enabled()
        _, loss = _sqrt_at_zero()
        loss.backward()

    with pytest.raises(RuntimeError, match=r"Pow\w*Backward0"):
        run()
    assert not autograd.is_anomaly_enabled()

    autograd.set_detect_anomaly(True)
    try:
        assert autograd.is_anomaly_enabled()
        _, loss = _sqrt_at_zero()
        with pytest.raises(RuntimeError, match=r"Pow\w*Backward0"):
            loss.backward()
    finally:
        autograd.set_detect_anomaly(False)
    assert not autograd.is_anomaly_enabled()
    with autograd.set_detect_anomaly(True):
        assert autograd.is_anomaly_enabled()
    assert not autograd.is_anomaly_enabled()


def test_check_nan_false_only_records():
    with autograd.detect_anomaly(check_nan=False):
        x, loss = _sqrt_at_zero()
        assert loss.grad_fn._trace is not None
        loss.backward()
    assert np.isinf(x.grad.numpy()[0])


def test_node_created_before_anomaly_mode_is_still_checked():
    _, loss = _sqrt_at_zero()
    pattern = r"(?s)Pow\w*Backward0.*enable anomaly detection before"
    with autograd.detect_anomaly(), pytest.raises(RuntimeError, match=pattern):
        loss.backward()


def test_error_in_backward_gets_forward_stack_note():
    class Broken(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, gy):
            raise ValueError("broken backward")

    x = mg.tensor([1.0], requires_grad=True)
    with autograd.detect_anomaly():
        y = Broken.apply(x).sum()  # FORWARD-LINE-BROKEN
        with pytest.raises(ValueError, match="broken backward") as err:
            y.backward()
    notes = "".join(getattr(err.value, "__notes__", []))
    assert "BrokenBackward0" in notes and "FORWARD-LINE-BROKEN" in notes


def test_finite_graph_unaffected():
    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    with autograd.detect_anomaly():
        (x.exp() * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([1.0, 2.0]) * (1 + np.array([1.0, 2.0])))
