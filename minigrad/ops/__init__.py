"""All op functions, gathered from the family modules (the Tensor methods call these).

Each family module lists its public ops in ``__all__``; only those are re-exported.
"""
from . import attention, compare, elementwise, indexing, joining, linalg, movement, reduce, unary
from . import scans
from .compare import *  # noqa: F401,F403
from .elementwise import *  # noqa: F401,F403
from .indexing import *  # noqa: F401,F403
from .joining import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .movement import *  # noqa: F401,F403
from .reduce import *  # noqa: F401,F403
from .scans import *  # noqa: F401,F403
from .unary import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403,E402
from .normalization import *  # noqa: F401,F403,E402
from .rnn import *  # noqa: F401,F403,E402
from .conv import *  # noqa: F401,F403,E402
from .pool import *  # noqa: F401,F403,E402
from .attention import *  # noqa: F401,F403,E402
from . import sorting  # noqa: E402
from .sorting import *  # noqa: F401,F403,E402
from . import scattering  # noqa: E402
from .scattering import *  # noqa: F401,F403,E402
from . import diagonal as diagonals, sampling, views  # noqa: E402
from .diagonal import *  # noqa: F401,F403,E402
from .sampling import *  # noqa: F401,F403,E402
from .views import *  # noqa: F401,F403,E402
from . import integrate, special_math  # noqa: E402
from .integrate import *  # noqa: F401,F403,E402
from .special_math import *  # noqa: F401,F403,E402
from . import aliases  # noqa: E402
from .aliases import *  # noqa: F401,F403,E402
from . import differences, histograms, statistics  # noqa: E402
from .differences import *  # noqa: F401,F403,E402
from .histograms import *  # noqa: F401,F403,E402
from .statistics import *  # noqa: F401,F403,E402
from . import products  # noqa: E402
from .products import *  # noqa: F401,F403,E402
from . import math_extra, special_fns  # noqa: E402
from .math_extra import *  # noqa: F401,F403,E402
from .special_fns import *  # noqa: F401,F403,E402
from . import inplace_forms, random_fill  # noqa: E402
from .inplace_forms import *  # noqa: F401,F403,E402
from . import linalg_torch  # noqa: E402
from .linalg_torch import *  # noqa: F401,F403,E402
from . import linalg_removed  # noqa: E402  (Tensor methods only)
from . import householder  # noqa: E402
from .householder import *  # noqa: F401,F403,E402
from . import lowrank  # noqa: E402
from .lowrank import *  # noqa: F401,F403,E402
from .random_fill import *  # noqa: F401,F403,E402
from . import eigensolvers  # noqa: E402
from .eigensolvers import *  # noqa: F401,F403,E402
from . import selecting, splitting  # noqa: E402
from .selecting import *  # noqa: F401,F403,E402
from .splitting import *  # noqa: F401,F403,E402
from . import spectral  # noqa: E402
from .spectral import *  # noqa: F401,F403,E402
from . import strided  # noqa: E402
from . import shrink  # noqa: E402  (Tensor methods; F.hardshrink/prelu)
from .strided import *  # noqa: F401,F403,E402

# families whose ``METHODS`` (pure forwards) and ``INPLACE_METHODS`` (``name_`` forms) become
# Tensor methods, generated in tensor.py
METHOD_FAMILIES = (sorting, scattering, diagonals, sampling, views, special_math, aliases,
                  statistics, histograms, differences,
                  products, inplace_forms, math_extra, special_fns,
                  special_fns.TENSOR_FORMS, random_fill,
                  linalg_torch, linalg_removed, householder, selecting, splitting, spectral,
                  strided, shrink)
