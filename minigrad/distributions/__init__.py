"""``minigrad.distributions``: probability distributions with PyTorch's API
(``torch.distributions``): ``Normal``, ``Uniform``, ``Exponential``, ``Laplace``,
``LogNormal``, ``Gamma``, ``Beta``, ``Dirichlet``, ``MultivariateNormal`` (continuous,
reparameterised),
``Bernoulli``, ``Categorical``, ``OneHotCategorical``, ``Geometric``, ``Poisson``,
``Binomial`` (discrete), ``Independent``, the ``Distribution`` base and ``kl_divergence``
(same-family pairs).

``sample`` draws without gradient; ``rsample`` (where ``has_rsample``) draws by
reparameterisation, differentiable in the parameters (Gamma, Beta and Dirichlet through
implicit gradients of Gamma draws, ``_gamma_grad``); ``log_prob``, ``entropy``, ``mean``,
``mode``, ``variance``, ``batch_shape``/``event_shape`` as in PyTorch. Arguments (and the
values given to ``log_prob``) are validated unless ``validate_args=False``.
Not provided: transforms and constraint objects.
"""
from .continuous import Normal, Uniform
from .counts import Binomial, Poisson
from .discrete import Bernoulli, Categorical, Geometric
from .distribution import Distribution
from .gamma import Beta, Dirichlet, Gamma
from .kl import kl_divergence, register_kl
from .multivariate import MultivariateNormal
from .scale import Exponential, Laplace, LogNormal
from .structured import Independent, OneHotCategorical

__all__ = ["Bernoulli", "Beta", "Binomial", "Categorical", "Dirichlet", "Distribution",
           "Exponential", "Gamma", "Geometric", "Independent", "Laplace", "LogNormal",
           "MultivariateNormal", "Normal", "OneHotCategorical", "Poisson", "Uniform", "kl_divergence", "register_kl"]
