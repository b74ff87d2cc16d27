"""``minigrad.distributions``: probability distributions with PyTorch's API
(``torch.distributions``): ``Normal``, ``Uniform``, ``Bernoulli``, ``Categorical``, the
``Distribution`` base and ``kl_divergence``.

``sample`` draws without gradient; ``rsample`` (Normal, Uniform) draws by
reparameterisation, differentiable in the parameters; ``log_prob``, ``entropy``, ``mean``,
``variance``, ``batch_shape``/``event_shape`` as in PyTorch. Arguments (and the values given
to ``log_prob``) are validated unless ``validate_args=False``.
Not provided: Beta, Dirichlet, Gamma and the other families, transforms and constraints
objects.
"""
from .continuous import Normal, Uniform
from .discrete import Bernoulli, Categorical
from .distribution import Distribution
from .kl import kl_divergence, register_kl

__all__ = ["Bernoulli", "Categorical", "Distribution", "Normal", "Uniform", "kl_divergence",
           "register_kl"]
