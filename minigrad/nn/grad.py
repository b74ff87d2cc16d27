"""``nn.grad`` (also ``nn.functional.grad``): the gradients of a convolution with respect to
its input and its weight, given the gradient of its output.

Each is the backward of the convolution itself: a convolution is linear in each argument,
so the gradient with respect to a zero placeholder of the requested shape is the answer.
When a given tensor requires grad (and grad mode is on), the result is differentiable.
"""
from __future__ import annotations

from .. import autograd, creation
from ..autograd import enable_grad, is_grad_enabled
from ..ops.conv import conv1d, conv2d
from ._functional_volumetric import conv3d


def _backward(conv, input, weight, grad_output, wrt, kwargs):
    """d<conv(input, weight), grad_output>/d(input or weight); the other is a placeholder
    of the given shape (``wrt`` names which)."""
    given = weight if wrt == "input" else input
    shape = input if wrt == "input" else weight
    keep = is_grad_enabled() and (given.requires_grad or grad_output.requires_grad)
    with enable_grad():
        leaf = creation.zeros(tuple(shape), dtype=grad_output.dtype,
                              device=grad_output.device, requires_grad=True)
        out = conv(leaf, given, **kwargs) if wrt == "input" else conv(given, leaf, **kwargs)
        if tuple(out.shape) != tuple(grad_output.shape):
            raise RuntimeError(f"{conv.__name__}: grad_output has shape "
                               f"{tuple(grad_output.shape)}, but the convolution gives "
                               f"{tuple(out.shape)}")
        (g,) = autograd.grad(out, leaf, grad_output, create_graph=keep)
    return g


def _kw(stride, padding, dilation, groups):
    return {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}


def conv1d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """Gradient of ``conv1d`` with respect to its input (shape ``input_size``)."""
    return _backward(conv1d, input_size, weight, grad_output, "input",
                     _kw(stride, padding, dilation, groups))


def conv1d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """Gradient of ``conv1d`` with respect to its weight (shape ``weight_size``)."""
    return _backward(conv1d, input, weight_size, grad_output, "weight",
                     _kw(stride, padding, dilation, groups))


def conv2d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """Gradient of ``conv2d`` with respect to its input (shape ``input_size``)."""
    return _backward(conv2d, input_size, weight, grad_output, "input",
                     _kw(stride, padding, dilation, groups))


def conv2d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """Gradient of ``conv2d`` with respect to its weight (shape ``weight_size``)."""
    return _backward(conv2d, input, weight_size, grad_output, "weight",
                     _kw(stride, padding, dilation, groups))


def conv3d_input(input_size, weight, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """Gradient of ``conv3d`` with respect to its input (shape ``input_size``)."""
    return _backward(conv3d, input_size, weight, grad_output, "input",
                     _kw(stride, padding, dilation, groups))


def conv3d_weight(input, weight_size, grad_output, stride=1, padding=0, dilation=1, groups=1):
    """Gradient of ``conv3d`` with respect to its weight (shape ``weight_size``)."""
    return _backward(conv3d, input, weight_size, grad_output, "weight",
                     _kw(stride, padding, dilation, groups))


__all__ = ["conv1d_input", "conv1d_weight", "conv2d_input", "conv2d_weight", "conv3d_input",
           "conv3d_weight"]
