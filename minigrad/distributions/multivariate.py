"""MultivariateNormal: a Gaussian over vectors, kept as the Cholesky factor of its
covariance (``scale_tril``)."""
from __future__ import annotations

import math

from .. import backend, creation
from ..tensor import Size, Tensor
from .continuous import _as_tensor
from .distribution import Distribution, as_tensors

__all__ = ["MultivariateNormal"]


def _linalg():
    from .. import linalg

    return linalg


def _mahalanobis(L: Tensor, x: Tensor) -> Tensor:
    """``x^T (L L^T)^-1 x`` over the last dim, batched (``L`` lower triangular)."""
    shape = backend.np.broadcast_shapes(tuple(L.shape[:-2]), tuple(x.shape[:-1]))
    n = x.shape[-1]
    L = L.expand(shape + (n, n))
    y = _linalg().solve_triangular(L, x.expand(shape + (n,)).unsqueeze(-1), upper=False)
    return y.squeeze(-1).pow(2).sum(-1)


def _half_log_det(L: Tensor) -> Tensor:
    return L.diagonal(dim1=-2, dim2=-1).log().sum(-1)


def _symmetric_pd(a):
    xp = backend.get_array_module(a)
    if a.shape[-1] != a.shape[-2] or not bool(xp.allclose(a, a.swapaxes(-1, -2), atol=1e-6)):
        return False
    return bool((xp.linalg.eigvalsh(a) > 0).all())


def _lower_cholesky(a):
    xp = backend.get_array_module(a)
    diag = xp.diagonal(a, axis1=-2, axis2=-1)
    return bool((xp.tril(a) == a).all() and (diag > 0).all())


class MultivariateNormal(Distribution):
    """N(loc, covariance_matrix), given by exactly one of ``covariance_matrix``,
    ``precision_matrix`` or ``scale_tril`` (lower-triangular ``L``, covariance ``L L^T``).

    ``rsample`` returns ``loc + L @ eps`` with ``eps ~ N(0, I)``, differentiable in ``loc``
    and the matrix.

    Shape:
        loc (*batch, n); matrices (*batch, n, n); samples (*sample_shape, *batch, n).
    """

    arg_constraints = {
        "loc": (lambda a: (a == a).all(-1), "IndependentConstraint(Real(), 1)"),
        "covariance_matrix": (_symmetric_pd, "PositiveDefinite()"),
        "precision_matrix": (_symmetric_pd, "PositiveDefinite()"),
        "scale_tril": (_lower_cholesky, "LowerCholesky()"),
    }
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None,
                 validate_args: bool | None = None):
        (loc,) = as_tensors(loc)
        if loc.ndim < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = [m is not None for m in (covariance_matrix, precision_matrix, scale_tril)]
        if sum(given) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or "
                             "scale_tril may be specified.")
        name = ("covariance_matrix", "precision_matrix", "scale_tril")[given.index(True)]
        (matrix,) = as_tensors((covariance_matrix, precision_matrix, scale_tril)[given.index(True)])
        if matrix.ndim < 2:
            raise ValueError(f"{name} must be at least two-dimensional, with optional leading "
                             "batch dimensions")
        batch = backend.np.broadcast_shapes(tuple(matrix.shape[:-2]), tuple(loc.shape[:-1]))
        n = loc.shape[-1]
        setattr(self, name, matrix.expand(batch + (n, n)))
        self.loc = loc.expand(batch + (n,))
        super().__init__(batch, (n,), validate_args)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = matrix
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = _linalg().cholesky(matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(matrix)

    def __getattr__(self, name):
        # the two matrices not given, computed on first use (PyTorch's lazy_property)
        L = self.__dict__.get("_unbroadcasted_scale_tril")
        if L is None or name not in ("scale_tril", "covariance_matrix", "precision_matrix"):
            raise AttributeError(name)
        shape = tuple(self.batch_shape) + tuple(self.event_shape) * 2
        if name == "scale_tril":
            value = L.expand(shape)
        elif name == "covariance_matrix":
            value = (L @ L.mT).expand(shape)
        else:  # (L L^T)^-1, differentiable in all of L as PyTorch's cholesky_inverse
            L_inv = _linalg().inv(L)
            value = (L_inv.mT @ L_inv).expand(shape)
        self.__dict__[name] = value
        return value

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        L = self._unbroadcasted_scale_tril
        return L.pow(2).sum(-1).expand(tuple(self.batch_shape) + tuple(self.event_shape))

    def rsample(self, sample_shape=Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        eps = creation.randn(shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + (self._unbroadcasted_scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def log_prob(self, value) -> Tensor:
        value = _as_tensor(value, self.loc)
        self._check_sample(value, lambda v: (v == v).all(-1), "IndependentConstraint(Real(), 1)")
        L = self._unbroadcasted_scale_tril
        m = _mahalanobis(L, value - self.loc)
        n = self.event_shape[0]
        return -0.5 * (n * math.log(2 * math.pi) + m) - _half_log_det(L)

    def entropy(self) -> Tensor:
        n = self.event_shape[0]
        h = 0.5 * n * (1.0 + math.log(2 * math.pi)) + _half_log_det(self._unbroadcasted_scale_tril)
        return h.expand(tuple(self.batch_shape)) if self.batch_shape else h


def _precision_to_scale_tril(P: Tensor) -> Tensor:
    """The lower Cholesky factor of ``P^-1``, from the factor of ``P`` with rows and columns
    reversed (so no inverse of ``P`` is formed)."""
    Lf = _linalg().cholesky(P.flip(-2, -1))
    L_inv = Lf.flip(-2, -1).mT
    n = P.shape[-1]
    eye = creation.eye(n, dtype=P.dtype, device=P.device).expand(L_inv.shape)
    return _linalg().solve_triangular(L_inv, eye, upper=False)



