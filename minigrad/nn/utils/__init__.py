"""``nn.utils``: gradient clipping, parameter/vector conversion, weight and spectral
normalisation, parametrizations, pruning, fusion and stateless calls (``torch.nn.utils``)."""
from . import parametrizations, parametrize, rnn  # noqa: F401  (torch.nn.utils.<module>)
from .clip_grad import clip_grad_norm_, clip_grad_value_
from .convert_parameters import parameters_to_vector, vector_to_parameters
from .spectral_norm import remove_spectral_norm, spectral_norm
from .weight_norm import remove_weight_norm, weight_norm

__all__ = [
           "clip_grad_norm_",
           "clip_grad_value_",
           "parameters_to_vector",
           "remove_spectral_norm",
           "remove_weight_norm",
           "spectral_norm",
           "vector_to_parameters",
           "weight_norm",
]
