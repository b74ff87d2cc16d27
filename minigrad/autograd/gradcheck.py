"""Check analytical gradients against central finite differences (float64).

``gradcheck(fn, inputs)`` compares, for a random upstream gradient ``v``, the
vector-Jacobian product ``v^T J`` from ``autograd.grad`` with the numerical
``v^T (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)`` for every element ``i`` of every
input that requires grad. For large inputs (``fast_mode`` / ``max_elems``) it checks a
random direction ``u`` instead: ``v^T J u`` against ``v^T (f(x + eps u) - f(x - eps u)) /
(2 eps)`` (Chainer's ``check_backward``). ``gradgradcheck`` applies the same check to the
function ``(x, v) -> autograd.grad(f(x), x, v, create_graph=True)``.
"""
from __future__ import annotations

import numpy as np

from ..dtypes import is_floating_np as _isfloat
from .. import backend
from .engine import grad as _grad
from .grad_mode import enable_grad, no_grad


class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytical and numerical gradients disagree."""


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(fn, inputs):
    out = fn(*inputs)
    return tuple(o for o in _as_tuple(out) if isinstance(o, Tensor))


def _float_outputs(outs):
    return [o for o in outs if _isfloat(o.array.dtype)]


def gradcheck(fn, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              fast_mode=False, max_elems=4096, seed=0, nondet_tol=0.0):
    """True if ``fn``'s gradients w.r.t. every input with ``requires_grad`` match finite
    differences; otherwise raise GradcheckError (or return False).

    Args:
        fn: function of Tensors returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or tuple of inputs; check those with ``requires_grad=True``
            (use float64 for meaningful results).
        eps: finite-difference step.
        atol, rtol: tolerance, |analytical - numerical| <= atol + rtol * |numerical|.
        fast_mode: check one random direction per input instead of every element.
        max_elems: inputs with more elements than this use the directional check.
        seed: seed of the random upstream gradient and directions.
    """
    inputs = _as_tuple(inputs)
    rng = np.random.default_rng(seed)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff_idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient")
    for i in diff_idx:
        if inputs[i].array.dtype != np.float64:
            import warnings

            warnings.warn(
                f"gradcheck: input {i} is {inputs[i].dtype}, not float64: finite differences "
                "will be inaccurate", RuntimeWarning, stacklevel=2,
            )
    with enable_grad():
        outs = _float_outputs(_outputs(fn, inputs))
    if not outs:
        raise ValueError("gradcheck: fn returned no floating-point Tensor")
    vs = [backend.as_numpy(rng.standard_normal(o.shape)).astype(o.array.dtype) for o in outs]
    vs_t = [Tensor._wrap(backend.to_device(v, o.device)) for v, o in zip(vs, outs)]

    diff_outs = [(o, v) for o, v in zip(outs, vs_t) if o.requires_grad]
    if diff_outs:
        with enable_grad():
            analytical = _grad([o for o, _ in diff_outs], [inputs[i] for i in diff_idx],
                               [v for _, v in diff_outs], allow_unused=True, retain_graph=False)
    else:
        analytical = (None,) * len(diff_idx)

    def objective():
        with no_grad():
            os_ = _float_outputs(_outputs(fn, inputs))
        return sum(float(np.sum(backend.as_numpy(o.array).astype(np.float64) * v)) for o, v in zip(os_, vs))

    for k, i in enumerate(diff_idx):
        x = inputs[i]
        a = analytical[k]
        a = np.zeros(x.shape) if a is None else backend.as_numpy(a.array).astype(np.float64)
        n = x.array.size
        directional = fast_mode or n > max_elems
        xd = x.array
        orig = xd.copy()
        try:
            if directional:
                u = rng.standard_normal(x.shape)
                u_dev = backend.to_device(u.astype(xd.dtype), x.device)
                xd[...] = orig + eps * u_dev
                fp = objective()
                xd[...] = orig - eps * u_dev
                fm = objective()
                num = (fp - fm) / (2 * eps)
                ana = float(np.sum(a * u))
                if not abs(ana - num) <= atol + rtol * abs(num):
                    return _fail(raise_exception,
                                 f"Jacobian mismatch for input {i} along a random direction:\n"
                                 f"numerical: {num!r}\nanalytical: {ana!r}")
                continue
            numerical = np.zeros(x.shape)
            flat = xd.reshape(-1) if xd.flags.c_contiguous else None
            for j in range(n):
                idx = np.unravel_index(j, x.shape)
                base = orig[idx]
                if flat is not None:
                    flat[j] = base + eps
                    fp = objective()
                    flat[j] = base - eps
                    fm = objective()
                    flat[j] = base
                else:
                    xd[idx] = base + eps
                    fp = objective()
                    xd[idx] = base - eps
                    fm = objective()
                    xd[idx] = base
                numerical[idx] = (fp - fm) / (2 * eps)
        finally:
            xd[...] = orig
        bad = ~(np.abs(a - numerical) <= atol + rtol * np.abs(numerical))
        if bad.any():
            j = tuple(int(v) for v in np.argwhere(bad)[0])
            return _fail(raise_exception,
                         f"Jacobian mismatch for output 0 with respect to input {i} "
                         f"(shape {tuple(x.shape)}) at index {j}:\n"
                         f"numerical: {numerical[j]!r}\nanalytical: {a[j]!r}\n"
                         f"max abs difference {np.max(np.abs(a - numerical)):.3e}")
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, fast_mode=False, max_elems=4096, seed=0):
    """Check second derivatives: gradcheck of ``(inputs, v) -> grad(fn(inputs), inputs, v,
    create_graph=True)`` with a random upstream gradient ``v`` (also differentiated)."""
    inputs = _as_tuple(inputs)
    rng = np.random.default_rng(seed + 1)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    with enable_grad():
        outs = [o for o in _float_outputs(_outputs(fn, inputs)) if o.requires_grad]
    if grad_outputs is None:
        grad_outputs = tuple(
            Tensor(rng.standard_normal(o.shape), dtype=o.dtype, device=o.device, requires_grad=True)
            for o in outs
        )
    grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)

    def first_derivative(*args):
        xs, gos = args[:n_in], args[n_in:]
        with enable_grad():
            os_ = [o for o in _float_outputs(_outputs(fn, xs)) if o.requires_grad]
            gs = _grad(os_, [xs[i] for i in diff_idx], list(gos), create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(first_derivative, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, fast_mode=fast_mode, max_elems=max_elems,
                     seed=seed + 2)


def _fail(raise_exception, msg):
    if raise_exception:
        raise GradcheckError(msg)
    return False


from ..tensor import Tensor  # noqa: E402
