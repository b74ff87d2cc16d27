"""minigrad: a small define-by-run deep-learning library with PyTorch's API on NumPy/CuPy."""
from . import autograd, cuda
from .autograd.grad_mode import (
    enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled,
)
from .backend import Device
from .backend import device as device
from .creation import (
    arange, as_tensor, bernoulli, empty, empty_like, eye, from_numpy, full, full_like, linspace,
    logspace, normal, ones, ones_like, rand, rand_like, randint, randint_like, randn, randn_like,
    randperm, tensor, zeros, zeros_like,
)
from .dtypes import (
    bool_ as bool, double, float, float16, float32, float64, get_default_dtype, half, int, int8,
    int16, int32, int64, long, set_default_dtype, short, uint8,
)
from .dtypes import DType as dtype
from ._typeinfo import finfo, iinfo
from .functional import *  # noqa: F401,F403
from .random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .tensor import Size, Tensor
from . import nn  # noqa: E402
from .nn_toplevel import *  # noqa: E402,F401,F403  (torch.conv2d, torch.layer_norm, ...)
from . import fft  # noqa: E402,F401  (torch.fft: frequencies and shifts; no complex transforms)
from . import return_types  # noqa: E402,F401
from . import signal  # noqa: E402,F401  (torch.signal.windows)
from . import func  # noqa: E402,F401  (torch.func: functional_call)
from .signal import windows  # noqa: E402,F401  (torch.windows is the same module)
from .signal.windows import (  # noqa: E402,F401
    bartlett_window, blackman_window, hamming_window, hann_window, kaiser_window,
)
from . import optim, utils  # noqa: E402
from . import distributed  # noqa: E402  (mpi4py is imported by init_process_group only)
from .serialization import load, save  # noqa: E402
from .utils.dlpack import from_dlpack  # noqa: E402
from . import accelerator, backends, testing, version  # noqa: E402,F401
from . import linalg  # noqa: E402,F401  (torch.linalg)
from . import sparse  # noqa: E402  (torch.sparse: COO tensors; adds Tensor.to_sparse)
from .sparse import sparse_coo, sparse_coo_tensor, spmm  # noqa: E402,F401
from ._settings import *  # noqa: E402,F401,F403

from .torch_version import __version__  # noqa: E402  (a TorchVersion, as torch's)

# torch.pi, torch.e, torch.inf, torch.nan, torch.newaxis
import math as _math  # noqa: E402

pi, e, inf, nan, newaxis = _math.pi, _math.e, _math.inf, _math.nan, None


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def numel(t) -> int:
    return t.numel()
from . import onnx  # noqa: E402,F401  (torch.onnx: programs import it at the top)
from . import amp, distributions, jit  # noqa: E402,F401
from .compile import compile  # noqa: E402,F401  (minigrad.compile, as torch.compile)
from ._parser import (  # noqa: E402,F401
    channels_last, channels_last_3d, contiguous_format, layout, memory_format, preserve_format,
    strided, torch_form as _torch_form,
)

# factories and the rest defined outside functional.py take PyTorch's spellings too
for _n in ("arange", "as_tensor", "bernoulli", "empty", "empty_like", "eye", "full", "full_like",
           "linspace", "logspace", "normal", "ones", "ones_like", "rand", "rand_like", "randint",
           "randint_like", "randn", "randn_like", "randperm", "tensor", "zeros", "zeros_like",
           "numel", "from_numpy"):
    globals()[_n] = _torch_form(_n, globals()[_n])
del _n


def __getattr__(name):
    # torch.bfloat16 comes from the optional ml_dtypes package: resolved on first use, so
    # that importing minigrad neither needs nor loads it
    if name == "bfloat16":
        from .dtypes import bfloat16_dtype
        return bfloat16_dtype()
    # torch.multiprocessing and torch.hub (the standard library's multiprocessing and
    # urllib cost ~20 ms to import) are loaded on first use
    if name in ("multiprocessing", "hub"):
        import importlib
        return importlib.import_module("." + name, __name__)
    raise AttributeError(f"module 'minigrad' has no attribute {name!r}")


from . import special  # noqa: E402,F401  (torch.special)
from .creation_alias import asarray, empty_strided, frombuffer, range  # noqa: E402,F401
from .random import default_generator  # noqa: E402,F401
from ._tensor_attrs import TOP_LEVEL as _attrs_top  # noqa: E402
from ._format import set_printoptions  # noqa: E402,F401

globals().update(_attrs_top)  # is_nonzero, promote_types, result_type, typename, ...
del _attrs_top
from .amp import cpu  # noqa: E402,F401  (torch.cpu.amp.autocast)
from .amp.autocast_mode import (  # noqa: E402,F401
    autocast, autocast_decrement_nesting, autocast_increment_nesting, clear_autocast_cache,
    get_autocast_cpu_dtype, get_autocast_dtype, get_autocast_gpu_dtype, is_autocast_available,
    is_autocast_cache_enabled, is_autocast_cpu_enabled, is_autocast_enabled,
    set_autocast_cache_enabled, set_autocast_cpu_dtype, set_autocast_cpu_enabled,
    set_autocast_dtype, set_autocast_enabled, set_autocast_gpu_dtype,
)
from .legacy_tensors import (  # noqa: E402,F401  (torch.FloatTensor, ...)
    BFloat16Tensor, BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor,
    IntTensor, LongTensor, ShortTensor, set_default_tensor_type,
)
from ._startup import (  # noqa: E402,F401  (start-up flags and queries)
    AcceleratorError, Event, OutOfMemoryError, Stream, get_deterministic_debug_mode,
    get_device_module, init_num_threads, is_anomaly_check_nan_enabled, is_anomaly_enabled,
    is_inference_mode_enabled, is_storage, is_warn_always_enabled, set_anomaly_enabled,
    set_deterministic_debug_mode, set_warn_always,
)
from .utils.dlpack import to_dlpack  # noqa: E402,F401
from . import torch_version, types  # noqa: E402,F401
from .amp import GradScaler  # noqa: E402,F401  (torch.GradScaler is torch.amp.GradScaler)

legacy_contiguous_format = contiguous_format  # the same object, as in PyTorch
