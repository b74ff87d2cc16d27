"""All op functions, gathered from the family modules (the Tensor methods call these).

Each family module lists its public ops in ``__all__``; only those are re-exported.
"""
from . import attention, compare, elementwise, indexing, joining, linalg, movement, reduce, unary
from .compare import *  # noqa: F401,F403
from .elementwise import *  # noqa: F401,F403
from .indexing import *  # noqa: F401,F403
from .joining import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .movement import *  # noqa: F401,F403
from .reduce import *  # noqa: F401,F403
from .unary import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403,E402
from .normalization import *  # noqa: F401,F403,E402
from .rnn import *  # noqa: F401,F403,E402
from .conv import *  # noqa: F401,F403,E402
from .pool import *  # noqa: F401,F403,E402
from .attention import *  # noqa: F401,F403,E402
from . import sorting  # noqa: E402
from .sorting import *  # noqa: F401,F403,E402

# families whose ``METHODS`` (pure forwards) and ``INPLACE_METHODS`` (``name_`` forms) become
# Tensor methods, generated in tensor.py
METHOD_FAMILIES = (sorting,)
