"""``minigrad.nn.functional``: the functional face of the layers (as ``torch.nn.functional``).

Each part lives in its own private module; this file only re-exports them.
"""
from ._functional_layers import *  # noqa: F401,F403
from ._functional_activation import *  # noqa: F401,F403
from ._functional_norm import *  # noqa: F401,F403
from ._functional_dropout import *  # noqa: F401,F403
from ._functional_fold import *  # noqa: F401,F403
from ._functional_volumetric import *  # noqa: F401,F403
from ._functional_adaptive_max import *  # noqa: F401,F403
from ._functional_loss_more import *  # noqa: F401,F403
from ._functional_vision import *  # noqa: F401,F403
from ._functional_loss import *  # noqa: F401,F403
from ._functional_conv import *  # noqa: F401,F403
from ._functional_unpool import *  # noqa: F401,F403,E402
from ._functional_pool3d import *  # noqa: F401,F403,E402
from ._functional_loss_tail import *  # noqa: F401,F403,E402
from . import grad  # noqa: F401,E402  (torch.nn.functional.grad is torch.nn.grad)
from ._functional_embedding_bag import *  # noqa: F401,F403,E402
from ._functional_grid import *  # noqa: F401,F403,E402
from ._functional_ctc import *  # noqa: F401,F403,E402
from ._functional_linear_ce import *  # noqa: F401,F403,E402
from ._functional_fractional import *  # noqa: F401,F403,E402
