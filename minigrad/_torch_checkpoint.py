"""Reading checkpoints written by PyTorch's ``torch.save`` (its zip format, PyTorch >= 1.6).

Such a file is a zip archive under one folder name::

    <name>/data.pkl      the saved object, pickled; each tensor is a call of
                         ``torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
                         requires_grad, hooks)`` whose storage is a persistent id
                         ``("storage", torch.FloatStorage, key, location, numel)``
    <name>/data/<key>    one storage's raw bytes (numel elements of the storage's type)
    <name>/byteorder     "little" or "big"

The pickle is read by minigrad's restricted unpickler (``weights_only=True``, the default)
with PyTorch's rebuild functions, storage types, dtypes, ``torch.Size`` and
``torch.device`` mapped to minigrad's own: nothing named by the file is imported or run.
With ``weights_only=False`` any other ``torch.X.Y`` global resolves to ``minigrad.X.Y``
(a whole pickled ``nn.Module`` of a class minigrad has), everything else as ``pickle``
does. Storage sizes are checked against the archive before anything is read, and every
tensor's offset, sizes and strides against its storage; each tensor gets its own copy of
its elements (tensors that shared a storage in PyTorch do not share memory here).
"""
from __future__ import annotations

import collections
import importlib
import io
import math
import pickle

import numpy as np

from . import backend
from . import dtypes as _dt

_STORAGES = {"FloatStorage": "float32", "DoubleStorage": "float64", "HalfStorage": "float16",
             "BFloat16Storage": "bfloat16", "LongStorage": "int64", "IntStorage": "int32",
             "ShortStorage": "int16", "CharStorage": "int8", "ByteStorage": "uint8",
             "BoolStorage": "bool"}
LEGACY_MAGIC = 0x1950A86A20F9469CFC6C  # the first pickle of PyTorch's pre-1.6 format


class _StorageType:
    """Stands for ``torch.<X>Storage`` in the pickle: only its dtype matters."""

    def __init__(self, name):
        self.name = name

    def dtype(self):
        d = _STORAGES[self.name]
        return _dt.bfloat16_dtype() if d == "bfloat16" else _dt._NAMES[d]


class _Storage:
    """One storage of the archive: a flat array and the device it was saved from."""

    __slots__ = ("array", "location")

    def __init__(self, array, location):
        self.array, self.location = array, location


def _elements(storage, storage_offset, size, stride) -> np.ndarray:
    """A tensor's elements, copied out of its storage after checking they lie inside it."""
    if not isinstance(storage, _Storage):
        raise pickle.UnpicklingError("_rebuild_tensor: the storage is not one of the file's")
    ints = (storage_offset, *size, *stride)
    if not all(type(v) is int for v in ints) or len(size) != len(stride) or \
            storage_offset < 0 or any(v < 0 for v in size) or any(v < 0 for v in stride):
        raise pickle.UnpicklingError(f"_rebuild_tensor: invalid offset/size/stride "
                                     f"{storage_offset}, {tuple(size)}, {tuple(stride)}")
    flat = storage.array
    if math.prod(size) == 0:
        arr = np.empty(tuple(size), flat.dtype)
    else:
        last = storage_offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= flat.size:
            raise pickle.UnpicklingError(
                f"_rebuild_tensor: a tensor of size {tuple(size)} and stride {tuple(stride)} "
                f"at offset {storage_offset} reaches past its storage of {flat.size} elements")
        view = np.lib.stride_tricks.as_strided(
            flat[storage_offset:], shape=tuple(size),
            strides=tuple(s * flat.itemsize for s in stride), writeable=False)
        arr = np.array(view)  # its own memory, C order
    return arr


def _torch_globals(place) -> dict:
    """PyTorch's names in a checkpoint's pickle -> minigrad's objects; rebuilt tensors go
    through ``place(array, saved_location, requires_grad)`` (``map_location``)."""
    from .nn.parameter import Parameter
    from .tensor import Size

    def rebuild_tensor(storage, storage_offset, size, stride):
        return place(_elements(storage, storage_offset, size, stride), storage.location, False)

    def rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad,
                          backward_hooks, metadata=None):
        return place(_elements(storage, storage_offset, size, stride), storage.location,
                     bool(requires_grad))

    def rebuild_parameter(data, requires_grad, backward_hooks):
        return Parameter(data, requires_grad=bool(requires_grad))

    def rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
        p = rebuild_parameter(data, requires_grad, backward_hooks)
        if isinstance(state, dict):  # Python attributes set on the Parameter
            for k, v in state.items():
                setattr(p, k, v)
        return p

    out = {f"torch.{n}": _StorageType(n) for n in _STORAGES}
    out.update({
        "torch._utils._rebuild_tensor": rebuild_tensor,
        "torch._utils._rebuild_tensor_v2": rebuild_tensor_v2,
        "torch._utils._rebuild_parameter": rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": rebuild_parameter_with_state,
        "torch.Size": Size, "torch.device": backend.Device,
        "collections.OrderedDict": collections.OrderedDict,
    })
    out.update({f"torch.{n}": d for n, d in _dt._NAMES.items() if n.isidentifier()})
    return out


def read(zf, fail, weights_only: bool, pickle_module, load_args, place):
    """The object saved in PyTorch archive ``zf``. ``place(array, saved_location,
    requires_grad)`` makes each tensor (``map_location``); ``fail(problem)`` makes the
    error to raise."""
    names = zf.namelist()
    pkl = [n for n in names if n.endswith("/data.pkl")]
    if len(pkl) != 1:
        raise fail("corrupted PyTorch checkpoint: expected one data.pkl in the archive")
    prefix = pkl[0][:-len("data.pkl")]
    order = zf.read(prefix + "byteorder").decode() if prefix + "byteorder" in names else "little"
    if order not in ("little", "big"):
        raise fail(f"corrupted PyTorch checkpoint: unknown byte order {order!r}")
    sizes = {i.filename: i.file_size for i in zf.infolist()}
    storages: dict = {}

    def persistent_load(pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType) and isinstance(pid[2], str)
                and isinstance(pid[3], str) and type(pid[4]) is int and pid[4] >= 0):
            raise fail(f"corrupted PyTorch checkpoint: bad storage reference {pid!r}")
        _, stype, key, location, numel = pid
        if key not in storages:
            member = f"{prefix}data/{key}"
            dtype = stype.dtype().np
            if member not in sizes:
                raise fail(f"corrupted PyTorch checkpoint: storage {key!r} is missing")
            if sizes[member] != numel * dtype.itemsize:
                raise fail(f"corrupted PyTorch checkpoint: storage {key!r} should hold "
                           f"{numel} x {dtype} ({numel * dtype.itemsize} bytes) but has "
                           f"{sizes[member]} bytes")
            flat = np.frombuffer(zf.read(member), dtype.newbyteorder(
                "<" if order == "little" else ">") if dtype.itemsize > 1 else dtype)
            storages[key] = _Storage(flat.astype(dtype, copy=False), location)
        return storages[key]

    data = zf.read(pkl[0])
    if weights_only:
        from ._safe_unpickle import RestrictedUnpickler

        up = RestrictedUnpickler(io.BytesIO(data), persistent_load)
        up._allowed.update(_torch_globals(place))
    else:
        up = _torch_names_unpickler(pickle_module, io.BytesIO(data), _torch_globals(place),
                                    **load_args)
        up.persistent_load = persistent_load
    return up.load()


def _torch_names_unpickler(pickle_module, file, table, **kw):
    """An unpickler of ``pickle_module`` that resolves ``torch.X.Y`` as ``minigrad.X.Y``."""

    class Unpickler(pickle_module.Unpickler):
        def find_class(self, module, name):
            key = f"{module}.{name}"
            if key in table:
                return table[key]
            if module == "torch" or module.startswith("torch."):
                target = "minigrad" + module[len("torch"):]
                try:
                    obj = importlib.import_module(target)
                    for part in name.split("."):
                        obj = getattr(obj, part)
                    return obj
                except (ImportError, AttributeError):
                    raise pickle.UnpicklingError(
                        f"the checkpoint needs PyTorch's {key}, which minigrad does not "
                        f"provide (looked for {target}.{name})") from None
            return super().find_class(module, name)

    return Unpickler(file, **kw)

