"""A CPU stand-in for CuPy, for checking minigrad's CUDA code paths on machines without a GPU.

This is NOT a GPU emulator and proves nothing about speed or CUDA numerics. It runs NumPy
underneath, but its array type behaves like ``cupy.ndarray`` where CuPy differs from NumPy
and where code written for NumPy typically breaks on CuPy:

* ``np.asarray(device_array)`` / ``__array__`` raise TypeError (as CuPy does);
* mixing a NumPy array with a device array in an op raises TypeError (CuPy's
  "Unsupported type <class 'numpy.ndarray'>");
* reductions and ``a[i]`` return 0-d device arrays, never NumPy scalars;
* ``a.flags`` has only ``c_contiguous``/``f_contiguous``/``owndata`` (no ``writeable``);
* ``a.device`` is an unhashable ``Device`` with ``.id``; ``a.data.ptr`` is an int;
* only names that exist in CuPy 14 resolve on the module (no ``errstate``, no
  ``random.Generator.normal``, ...) and ufuncs reject ``where=``;
* every host<->device transfer or synchronisation (``.get()``, ``.item()``, ``float()``,
  ``bool()``, ``asarray(numpy)``, boolean-mask indexing, ...) is counted, and raises inside
  :func:`no_transfers` (what a training step must never do).

Use: ``install()`` / ``uninstall()`` (what the ``fake_cuda`` fixture of
``tests/test_cuda_audit.py`` does), or run a whole suite against it with
``python -m pytest -p tests.fake_cuda_plugin tests/ops`` (the "cuda" device then means
this fake). Name lists below were taken from CuPy 14.2.0 (``dir(cupy)``, ``dir(cupy.ndarray)``).
"""
from __future__ import annotations

import collections
import contextlib
import types

import numpy as np


def _names(text):
    return frozenset(text.split())


# numpy callables that CuPy 14 does not provide (dir(numpy) - dir(cupy)), as minigrad may
# reach for them through ``xp``
NOT_IN_CUPY = _names("""
asmatrix block bmat busday_count busday_offset busdaycalendar bytes_ character clongdouble
complex256 datetime64 datetime_as_string datetime_data einsum_path errstate flexible float128
frompyfunc fromregex geomspace get_include getbufsize geterr geterrcall histogram_bin_edges info
insert is_busday isnat longdouble matrix matvec memmap nanpercentile nanquantile ndenumerate nditer
nested_iters object_ polyder polydiv polyint recarray record setbufsize seterr seterrcall
show_runtime spacing str_ test timedelta64 unstack vecdot vecmat void
ScalarType True_ False_ char core ctypeslib dtypes emath f2py little_endian ma rec sctypeDict
strings typecodes lib random linalg fft testing polynomial exceptions typing version
""")

# public attributes of cupy.ndarray (CuPy 14.2.0)
NDARRAY_ATTRS = _names("""
T all any argmax argmin argpartition argsort astype base byteswap choose clip compress conj
conjugate copy cstruct cumprod cumsum data device diagonal dot dtype dump dumps fill flags flat
flatten get imag item itemsize mT max mdspan mean min nbytes ndim nonzero partition prod ptp put
ravel real reduced_view repeat reshape round scatter_add scatter_max scatter_min searchsorted set
shape size sort squeeze std strides sum swapaxes take toDlpack tobytes tofile tolist trace
transpose var view
""")

RANDOM_NAMES = _names("""
beta binomial chisquare choice default_rng dirichlet exponential f gamma geometric gumbel
laplace logistic lognormal multinomial multivariate_normal normal permutation poisson rand randint
randn random random_integers random_sample ranf rayleigh sample seed shuffle standard_cauchy
standard_exponential standard_gamma standard_normal standard_t triangular uniform weibull zipf
""")

LINALG_NAMES = _names("""
cholesky cond cross det eig eigh eigvals eigvalsh inv lstsq matmul matrix_power matrix_rank
matrix_transpose norm pinv qr slogdet solve svd tensorinv tensorsolve
""")

# data-dependent output sizes: CuPy must synchronise to learn them
_SYNCING = frozenset({"nonzero", "argwhere", "flatnonzero", "unique", "compress", "extract",
                      "count_nonzero_host", "array_equal", "allclose"})

counts: collections.Counter = collections.Counter()
_guard = [0]


class TransferError(RuntimeError):
    """A host<->device transfer or a device synchronisation inside ``no_transfers()``."""


@contextlib.contextmanager
def no_transfers():
    """Raise TransferError on any implicit host<->device copy or sync inside the block."""
    _guard[0] += 1
    try:
        yield
    finally:
        _guard[0] -= 1


def _event(kind, what):
    counts[kind] += 1
    if _guard[0]:
        raise TransferError(f"{kind} ({what}) inside no_transfers()")


def _reject_host(x):
    raise TypeError(f"Unsupported type {type(x)} (a NumPy array mixed with a CuPy array; move it "
                    "with cupy.asarray first)")


# ---- wrapping -----------------------------------------------------------------------------
def _unwrap(x, keep, allow_host=False):
    """Device arrays -> their NumPy array (remembered in ``keep`` for identity); NumPy arrays
    raise unless ``allow_host`` (then they count as a host->device copy)."""
    t = type(x)
    if t is ndarray:
        keep[id(x._a)] = x
        return x._a
    if t is np.ndarray:
        if not allow_host:
            _reject_host(x)
        _event("h2d", f"NumPy array of shape {x.shape}")
        return x
    if t is tuple or t is list:
        return t(_unwrap(v, keep, allow_host) for v in x)
    if t is dict:
        return {k: _unwrap(v, keep, allow_host) for k, v in x.items()}
    return x


def _wrap(r, keep=None):
    t = type(r)
    if t is np.ndarray:
        if keep:
            w = keep.get(id(r))
            if w is not None:
                return w
        return ndarray._new(r)
    if isinstance(r, np.generic):
        return ndarray._new(np.asarray(r))
    if t is tuple or t is list:
        return t(_wrap(v, keep) for v in r)
    return r


def _call(fn, args, kwargs, allow_host=False):
    keep = {}
    a = _unwrap(args, keep, allow_host)
    k = _unwrap(kwargs, keep, allow_host)
    return _wrap(fn(*a, **k), keep)


# ---- the array type ------------------------------------------------------------------------
class Device:
    """``cupy.cuda.Device``: a context manager; unhashable, like CuPy's."""

    __hash__ = None

    def __init__(self, device=None):
        self.id = 0 if device is None else int(getattr(device, "id", device))
        if self.id != 0:
            raise RuntimeError(f"fake CUDA has one device (0), asked for {self.id}")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __eq__(self, other):
        return isinstance(other, Device) and other.id == self.id

    def use(self):
        pass

    def synchronize(self):
        counts["explicit_sync"] += 1

    def __repr__(self):
        return f"<CUDA Device {self.id}>"


class _Flags:
    __slots__ = ("c_contiguous", "f_contiguous", "owndata")

    def __init__(self, a):
        self.c_contiguous = a.flags.c_contiguous
        self.f_contiguous = a.flags.f_contiguous
        self.owndata = a.flags.owndata


class _Pointer:
    __slots__ = ("ptr",)

    def __init__(self, a):
        self.ptr = a.__array_interface__["data"][0] if a.size else 0


def _binop(name):
    op = getattr(np.ndarray, name)

    def f(self, other):
        if type(other) is not ndarray and type(other) is not np.ndarray and \
                getattr(other, "__array_priority__", 0) > ndarray.__array_priority__:
            return NotImplemented  # e.g. a minigrad Tensor: let its reflected op run
        keep = {id(self._a): self}
        return _wrap(op(self._a, _unwrap(other, keep)), keep)

    f.__name__ = name
    return f


class ndarray:
    """Device array: NumPy underneath, CuPy's behaviour on top."""

    __slots__ = ("__weakref__", "_a")
    __array_priority__ = 100  # CuPy's value
    __hash__ = None

    def __init__(self, shape, dtype=float):
        self._a = np.empty(shape, dtype)

    @classmethod
    def _new(cls, a):
        obj = object.__new__(cls)
        obj._a = a
        return obj

    # metadata (no transfer)
    shape = property(lambda self: self._a.shape)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    dtype = property(lambda self: self._a.dtype)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    strides = property(lambda self: self._a.strides)
    flags = property(lambda self: _Flags(self._a))
    device = property(lambda self: Device(0))
    data = property(lambda self: _Pointer(self._a))
    T = property(lambda self: _wrap(self._a.T))
    mT = property(lambda self: _wrap(self._a.mT))
    real = property(lambda self: _wrap(self._a.real))
    imag = property(lambda self: _wrap(self._a.imag))

    @property
    def base(self):
        b = self._a.base
        return None if b is None else ndarray._new(b if type(b) is np.ndarray else self._a)

    @property
    def __cuda_array_interface__(self):
        return {"shape": self.shape, "typestr": self.dtype.str, "data": (self.data.ptr, False),
                "version": 3}

    def __getattr__(self, name):
        if name not in NDARRAY_ATTRS:
            raise AttributeError(f"'cupy.ndarray' object has no attribute '{name}'")
        attr = getattr(self._a, name)
        if not callable(attr):
            return _wrap(attr)
        if name in _SYNCING:
            _event("sync", f"ndarray.{name}()")

        def method(*args, **kwargs):
            keep = {id(self._a): self}
            return _wrap(attr(*_unwrap(args, keep), **_unwrap(kwargs, keep)), keep)

        return method

    # DLPack: device memory (kDLCUDA = 2). The capsule is NumPy's (it says CPU), so only
    # this fake's from_dlpack, which trusts __dlpack_device__, should consume it.
    def __dlpack__(self, stream=None, *, max_version=None, dl_device=None, copy=None):
        if stream is not None and (not isinstance(stream, int) or stream == 0 or stream < -1):
            raise ValueError(f"invalid CUDA stream {stream!r} for __dlpack__")  # the array API's rule
        kw = {k: v for k, v in (("max_version", max_version), ("copy", copy)) if v is not None}
        return self._a.__dlpack__(**kw)

    def __dlpack_device__(self):
        return (2, 0)

    # transfers and syncs
    def get(self, stream=None, order="C", out=None, blocking=True):
        _event("d2h", "ndarray.get()")
        return np.array(self._a, order=order)

    def set(self, arr, stream=None):
        _event("h2d", "ndarray.set()")
        self._a[...] = arr

    def item(self):
        _event("d2h", "ndarray.item()")
        return self._a.item()

    def tolist(self):
        _event("d2h", "ndarray.tolist()")
        return self._a.tolist()

    def __bool__(self):
        _event("d2h", "bool(ndarray)")
        return bool(self._a)

    def __float__(self):
        _event("d2h", "float(ndarray)")
        return float(self._a)

    def __int__(self):
        _event("d2h", "int(ndarray)")
        return int(self._a)

    def __complex__(self):
        _event("d2h", "complex(ndarray)")
        return complex(self._a)

    def __repr__(self):
        _event("d2h", "repr(ndarray)")
        return "fake_cupy." + repr(self._a)

    def __str__(self):
        _event("d2h", "str(ndarray)")
        return str(self._a)

    def __format__(self, spec):
        _event("d2h", "format(ndarray)")
        return format(self._a.item() if self._a.ndim == 0 else self._a, spec)

    def __array__(self, dtype=None, copy=None):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. Please use `.get()` "
                        "to construct a NumPy array explicitly.")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _call(getattr(ufunc, method), inputs, kwargs)

    def __array_function__(self, func, types_, args, kwargs):
        name = func.__name__
        if name in NOT_IN_CUPY:
            return NotImplemented
        if name in _SYNCING:
            _event("sync", f"numpy.{name}()")
        return _call(func, args, kwargs)

    # indexing
    def _key(self, key, keep):
        k = key if type(key) is tuple else (key,)
        for e in k:
            if (type(e) is ndarray and e.dtype == bool and e.ndim > 0):
                _event("sync", "boolean-mask indexing")
        return _unwrap(key, keep, allow_host=True)

    def __getitem__(self, key):
        keep = {id(self._a): self}
        return _wrap(self._a[self._key(key, keep)], keep)

    def __setitem__(self, key, value):
        keep = {}
        self._a[self._key(key, keep)] = _unwrap(value, keep, allow_host=True)

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (_wrap(self._a[i]) for i in range(len(self._a)))

    def __copy__(self):
        return ndarray._new(self._a.copy())

    def __deepcopy__(self, memo):
        return ndarray._new(self._a.copy())

    def __neg__(self):
        return _wrap(-self._a)

    def __pos__(self):
        return _wrap(+self._a)

    def __abs__(self):
        return _wrap(abs(self._a))

    def __invert__(self):
        return _wrap(~self._a)

    def __reduce__(self):
        raise TypeError("fake_cupy arrays are not picklable")


for _n in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor",
           "lshift", "rshift", "divmod"):
    for _p in ("__{}__", "__r{}__", "__i{}__"):
        _name = _p.format(_n)
        if hasattr(np.ndarray, _name) and _name != "__imatmul__":
            setattr(ndarray, _name, _binop(_name))
for _n in ("lt", "le", "gt", "ge", "eq", "ne"):
    setattr(ndarray, f"__{_n}__", _binop(f"__{_n}__"))


# ---- the module --------------------------------------------------------------------------------
_AT_UFUNCS = {"add", "subtract", "maximum", "minimum", "bitwise_and", "bitwise_or", "bitwise_xor"}


class _Ufunc:
    """A CuPy ufunc: call, reduce, accumulate, outer and ``at``; ``where=`` is not accepted."""

    def __init__(self, uf):
        self._uf = uf
        self.__name__ = uf.__name__
        self.nin, self.nout, self.nargs = uf.nin, uf.nout, uf.nargs

    def _check(self, kwargs):
        bad = set(kwargs) - {"out", "dtype", "casting", "axis", "keepdims", "initial"}
        if bad:
            raise TypeError(f"Wrong arguments { {k: kwargs[k] for k in bad} }")

    def __call__(self, *args, **kwargs):
        self._check(kwargs)
        return _call(self._uf, args, kwargs)

    def reduce(self, *args, **kwargs):
        self._check(kwargs)
        return _call(self._uf.reduce, args, kwargs)

    def accumulate(self, *args, **kwargs):
        if self.__name__ not in ("add", "multiply"):  # as CuPy 14 (seen on an H200)
            raise NotImplementedError(f"`cupy_{self.__name__}.accumulate` is not supported yet")
        return _call(self._uf.accumulate, args, kwargs)

    def outer(self, *args, **kwargs):
        return _call(self._uf.outer, args, kwargs)

    def at(self, a, indices, b=None):
        if self.__name__ not in _AT_UFUNCS:  # as CuPy 14.2 (its ufuncs with a scatter op)
            raise NotImplementedError(f"`cupy_{self.__name__}.at` is not supported yet")
        keep = {}
        idx = _unwrap(indices, keep, allow_host=True)
        args = (a._a, idx) if b is None else (a._a, idx, _unwrap(b, keep))
        self._uf.at(*args)


def _function(fn, name):
    def f(*args, **kwargs):
        if name in _SYNCING:
            _event("sync", f"cupy.{name}()")
        return _call(fn, args, kwargs)

    f.__name__ = name
    return f


def _asarray(a, dtype=None, order=None, *, blocking=False, copy=None):
    if type(a) is ndarray:
        r = a._a if dtype is None or np.dtype(dtype) == a.dtype else a._a.astype(dtype)
        return a if r is a._a else ndarray._new(r)
    if not isinstance(a, (list, tuple)) or a:  # host data, even a scalar, is copied over
        _event("h2d", f"cupy.asarray({type(a).__name__})")
    if isinstance(a, (list, tuple)):
        a = _unwrap(a, {}, allow_host=True)
    return ndarray._new(np.array(a, dtype=dtype, order=order or "K"))


def _array(a, dtype=None, copy=True, order="K", subok=False, ndmin=0, *, blocking=False):
    r = _asarray(a, dtype)
    if copy and r is a:
        r = ndarray._new(a._a.copy())
    if ndmin > r.ndim:
        r = ndarray._new(r._a.reshape((1,) * (ndmin - r.ndim) + r.shape))
    return r


class _HostView:
    """Presents a fake device array's capsule as host memory to NumPy's importer."""

    def __init__(self, obj):
        self.obj = obj

    def __dlpack__(self, stream=None, **kwargs):
        return self.obj.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return (1, 0)


def _from_dlpack(obj, *, device=None, copy=None):
    """``cupy.from_dlpack``: device memory (kDLCUDA/kDLCUDAManaged) is shared; host memory
    raises BufferError as CuPy does for a CPU array."""
    if not hasattr(obj, "__dlpack__"):
        raise TypeError(f"from_dlpack: {type(obj).__name__} has no __dlpack__")
    kind = int(obj.__dlpack_device__()[0])
    if kind not in (2, 13):
        raise BufferError(f"CuPy cannot import DLPack memory of device type {kind} (CPU memory "
                          "must be copied with cupy.asarray)")
    a = np.from_dlpack(_HostView(obj), **({} if copy is None else {"copy": copy}))
    return ndarray._new(a)


def _asnumpy(a, stream=None, order="C", out=None, *, blocking=True):
    if type(a) is ndarray:
        return a.get()
    return np.asarray(a, order=order)


class _RandomState:
    """``cupy.random``'s global RandomState on a NumPy generator (draws differ from CuPy's)."""

    def __init__(self):
        self._rng = np.random.default_rng(0)

    def seed(self, seed=None):
        self._rng = np.random.default_rng(seed)

    def _dt(self, dtype):
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise TypeError(f"cupy.random: dtype must be float32 or float64, got {dtype}")
        return dtype

    def uniform(self, low=0.0, high=1.0, size=None, dtype=float):
        return _wrap(self._rng.uniform(low, high, size).astype(self._dt(dtype)))

    def normal(self, loc=0.0, scale=1.0, size=None, dtype=float):
        return _wrap(self._rng.normal(_unwrap(loc, {}), _unwrap(scale, {}), size)
                     .astype(self._dt(dtype)))

    def random_sample(self, size=None, dtype=float):
        return _wrap(self._rng.random(size).astype(self._dt(dtype)))

    random = random_sample

    def standard_normal(self, size=None, dtype=float):
        return _wrap(self._rng.standard_normal(size).astype(self._dt(dtype)))

    def rand(self, *size, dtype=float):
        return self.random_sample(size, dtype)

    def randn(self, *size, dtype=float):
        return self.standard_normal(size, dtype)

    def randint(self, low, high=None, size=None, dtype=int):
        return _wrap(self._rng.integers(low, high, size).astype(dtype))

    def permutation(self, a):
        return _wrap(self._rng.permutation(_unwrap(a, {})))

    def shuffle(self, a):
        self._rng.shuffle(a._a)

    def choice(self, a, size=None, replace=True, p=None):
        return _wrap(self._rng.choice(_unwrap(a, {}), size, replace, _unwrap(p, {})))


def _build():
    m = types.ModuleType("cupy", "fake CuPy on NumPy (tests/fake_cupy.py)")
    m.__version__ = "0 (fake CuPy stand-in)"
    for name in dir(np):
        if name.startswith("_") or name in NOT_IN_CUPY:
            continue
        v = getattr(np, name)
        if isinstance(v, np.ufunc):
            v = _Ufunc(v)
        elif callable(v) and not isinstance(v, type):
            v = _function(v, name)
        setattr(m, name, v)
    m.ndarray = ndarray
    m.asarray = m.asanyarray = _asarray
    m.ascontiguousarray = lambda a, dtype=None: _asarray(a, dtype, order="C")
    m.array = _array
    m.asnumpy = _asnumpy
    m.from_dlpack = _from_dlpack
    m.get_array_module = lambda *args: m if any(type(a) is ndarray for a in args) else np
    m.fuse = lambda *a, **k: (a[0] if a and callable(a[0]) else (lambda f: f))

    def _no_kernels(*a, **k):
        raise NotImplementedError("fake CuPy cannot compile or run CUDA kernels")

    m.ElementwiseKernel = m.ReductionKernel = m.RawKernel = m.RawModule = _no_kernels
    m.is_available = lambda: True

    rs = _RandomState()
    m.random = types.SimpleNamespace(**{n: getattr(rs, n) for n in dir(rs)
                                         if n in RANDOM_NAMES and hasattr(rs, n)})
    m.random.get_random_state = lambda: rs
    st = np.lib.stride_tricks
    m.lib = types.SimpleNamespace(stride_tricks=types.SimpleNamespace(
        as_strided=lambda x, shape=None, strides=None: _wrap(st.as_strided(x._a, shape, strides)),
        sliding_window_view=_function(st.sliding_window_view, "sliding_window_view")))
    m.linalg = types.SimpleNamespace(**{n: _function(getattr(np.linalg, n), n)
                                         for n in LINALG_NAMES if hasattr(np.linalg, n)})

    class _Stream:
        null = None

        def __init__(self, non_blocking=False):
            pass

        def synchronize(self):
            counts["explicit_sync"] += 1

        # CUDA graph capture forbids syncs and device->host copies: modelled by no_transfers
        def begin_capture(self, mode=None):
            _guard[0] += 1
            self._capturing = True

        def end_capture(self):
            _guard[0] -= 1
            self._capturing = False
            return types.SimpleNamespace(launch=lambda stream=None: None)

        def is_capturing(self):
            return getattr(self, "_capturing", False)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    _Stream.null = _Stream()
    runtime = types.SimpleNamespace(
        getDeviceCount=lambda: 1, getDevice=lambda: 0, setDevice=lambda i: Device(i),
        runtimeGetVersion=lambda: 13000, driverGetVersion=lambda: 13000,
        getDeviceProperties=lambda i: {"name": b"fake CUDA device (NumPy on CPU)"},
        deviceSynchronize=lambda: counts.update(["explicit_sync"]),
    )
    m.cuda = types.SimpleNamespace(Device=Device, runtime=runtime, Stream=_Stream,
                                   get_current_stream=lambda: _Stream.null,
                                   is_available=lambda: True)
    return m


cupy = _build()
_installs = []  # stack of what install() replaced (installs nest, e.g. plugin + fixture)


def install():
    """Make minigrad's backend use the fake as CuPy ('cuda' devices become available)."""
    from minigrad import backend

    _installs.append((backend._cupy, backend._cupy_error))
    backend._cupy, backend._cupy_error = cupy, None
    _clear_device_caches()
    counts.clear()
    return cupy


def uninstall():
    """Undo the matching install()."""
    from minigrad import backend

    if _installs:
        backend._cupy, backend._cupy_error = _installs.pop()
        _clear_device_caches()


def _clear_device_caches():
    """Device arrays minigrad caches (ops._util.host_const) belong to the old CuPy."""
    from minigrad.ops import _util

    _util._host_consts.clear()
