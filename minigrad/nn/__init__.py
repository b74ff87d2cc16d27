"""``minigrad.nn``: modules, layers, functional API, initialisers (as ``torch.nn``)."""
from . import functional, init, utils
from .containers import ModuleDict, ModuleList, Sequential
from .module import Module
from .parameter import Buffer, Parameter
from .layers import *  # noqa: F401,F403
from .activation import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .rnn import *  # noqa: F401,F403
from .transformer import *  # noqa: F401,F403
from .transformer_decoder import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .padding import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .fold import *  # noqa: F401,F403
from .volumetric import *  # noqa: F401,F403
from .max_unpool import *  # noqa: F401,F403
from .lazy import *  # noqa: F401,F403
from .loss_more import *  # noqa: F401,F403
from .vision import *  # noqa: F401,F403
from .pooling3d import *  # noqa: F401,F403
from .legacy import *  # noqa: F401,F403
from .loss_tail import *  # noqa: F401,F403
from .embedding_bag import *  # noqa: F401,F403
from .adaptive import *  # noqa: F401,F403
from .linear_cross_entropy import *  # noqa: F401,F403
from ._factory import factory_kwargs
from . import common_types, grad  # noqa: F401
from .parameter_containers import ParameterDict, ParameterList
from . import parallel  # noqa: E402  (DistributedDataParallel)
from .parallel.data_parallel import DataParallel  # noqa: E402
from . import attention, modules  # noqa: E402,F401  (torch.nn.attention, torch.nn.modules.<file>)
from .sync_batchnorm import SyncBatchNorm  # noqa: E402
