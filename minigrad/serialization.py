"""``save`` / ``load``: checkpoints that never execute code unless asked to.

A checkpoint is a NumPy ``.npz`` file (a zip archive, members stored uncompressed)::

    __minigrad__.json   header: {"format": "minigrad.checkpoint", "version": 1,
                                 "tensors": [{"member", "kind", "dtype", "shape",
                                              "device", "requires_grad"}, ...],
                                 "root": <the saved object, tensors as references>}
    t0.npy, t1.npy ...  one .npy array per tensor (``np.load`` can read them too)

Loading parses the header with ``json`` and the arrays with NumPy's header parser
(``allow_pickle`` stays off): no code from the file is ever executed. Every size in
the header is checked against the archive's member sizes *before* any array is
allocated, so a hostile file can't make ``load`` allocate more than the file's own
size. CRCs catch flipped bits. Any problem raises ``CheckpointError`` naming the file.

Objects that tree can't hold (a whole Module, a class of the program's) are pickled, as
PyTorch does: the archive then also holds ``data.pkl`` (header version 2, root
``{"type": "pickle"}``) whose tensors are references to the ``.npy`` members. Loading
it with the default ``weights_only=True`` uses a restricted unpickler
(``minigrad._safe_unpickle``) that resolves only allow-listed globals, so a hostile
file still executes nothing; other classes must be allow-listed (``add_safe_globals``,
``safe_globals``) or loaded with ``weights_only=False`` from a trusted file.

Saving to a path is atomic: the archive is written to a temporary file in the same
directory, flushed and fsynced, then renamed over the target (``os.replace``), so a
crash mid-save leaves the previous checkpoint intact. See docs/checkpoints.md.
"""
from __future__ import annotations

import io
import json
import math
import os
import pickle
import secrets
import zipfile
from collections import OrderedDict

import numpy as np

from . import backend
from . import dtypes as _dt
from ._safe_unpickle import (  # noqa: F401  (torch.serialization's names)
    RestrictedUnpickler, WeightsOnlyUnpicklingError, add_safe_globals, clear_safe_globals,
    get_safe_globals, safe_globals,
)
from .nn.parameter import Parameter
from .tensor import Tensor

__all__ = ["save", "load", "CheckpointError", "FORMAT", "FORMAT_VERSION", "add_safe_globals",
           "clear_safe_globals", "get_safe_globals", "safe_globals"]

FORMAT = "minigrad.checkpoint"
FORMAT_VERSION = 2  # the newest version this code reads; files without a pickle are written as 1
HEADER = "__minigrad__.json"
PICKLE_MEMBER = "data.pkl"
_MAX_DEPTH = 100  # nesting of containers; JSON nests ~3 levels per container level
_MAX_NDIM = 64
_MAX_NPY_HEADER = 10000  # NumPy's own limit for .npy headers it reads safely
_CHUNK = 1 << 24
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed, so saving the same object gives the same bytes


class CheckpointError(RuntimeError):
    """A file is not a readable minigrad checkpoint (corrupt, truncated, hostile, too new)."""

    def __init__(self, path: str, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = path


class WeightsOnlyError(CheckpointError, pickle.UnpicklingError):
    """``weights_only=True`` refused a pickled object (a ``pickle.UnpicklingError``, as
    PyTorch raises, and a ``CheckpointError`` naming the file)."""


# ---- saving ----------------------------------------------------------------------------

class _Encoder:
    """Turns the object tree into JSON-ready values plus a table of arrays."""

    def __init__(self):
        self.metas: list[dict] = []
        self.arrays: list[np.ndarray] = []
        self._seen: dict[int, int] = {}
        self._keep: list = []  # keeps encoded objects alive so their ids stay unique
        self._path_ids: set[int] = set()

    def encode(self, obj, path="obj", depth=0):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            v = float(obj)
            return v if math.isfinite(v) else {"type": "float", "value": repr(v)}
        if isinstance(obj, np.generic) and obj.dtype.kind in "biuf":
            return self.encode(obj.item(), path, depth)
        if isinstance(obj, (Tensor, np.ndarray)):
            return {"type": "tensor", "index": self._array(obj, path)}
        if isinstance(obj, _dt.DType):
            return {"type": "dtype", "name": obj.name}
        if isinstance(obj, backend.Device):
            return {"type": "device", "name": str(obj)}
        if depth >= _MAX_DEPTH:
            raise ValueError(f"minigrad.save: {path} is nested more than {_MAX_DEPTH} levels deep")
        if isinstance(obj, (dict, list, tuple)):
            if id(obj) in self._path_ids:
                raise ValueError(f"minigrad.save: {path} contains itself (a reference cycle)")
            self._path_ids.add(id(obj))
            try:
                if isinstance(obj, dict):
                    items = []
                    for k, v in obj.items():
                        kp = f"{path}[{k!r}]"
                        items.append([self._key(k, kp), self.encode(v, kp, depth + 1)])
                    kind = "odict" if isinstance(obj, OrderedDict) else "dict"
                    return {"type": kind, "items": items}
                items = [self.encode(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(obj)]
                return {"type": "tuple" if isinstance(obj, tuple) else "list", "items": items}
            finally:
                self._path_ids.discard(id(obj))
        raise TypeError(
            f"minigrad.save: can't save {path} of type {type(obj).__name__}; checkpoints hold "
            "Tensors, NumPy arrays, dicts, lists, tuples, str, int, float, bool and None"
        )

    def _key(self, k, path):
        if k is None or isinstance(k, (bool, str, int, float)):
            return self.encode(k, path)
        if isinstance(k, tuple):
            return {"type": "tuple", "items": [self._key(x, path) for x in k]}
        raise TypeError(f"minigrad.save: can't save the dict key at {path} of type "
                        f"{type(k).__name__}; keys must be str, int, float, bool, None or tuples")

    def _array(self, obj, path):
        if id(obj) in self._seen:  # the same tensor twice is stored once, and loads as one
            return self._seen[id(obj)]
        is_tensor = isinstance(obj, Tensor)
        arr = backend.as_numpy(obj.array if is_tensor else obj)
        if arr.dtype not in _dt._FROM_NP:
            raise TypeError(f"minigrad.save: {path} has unsupported dtype {arr.dtype}")
        i = len(self.metas)
        self.metas.append({
            "member": f"t{i}.npy",
            "kind": "tensor" if is_tensor else "ndarray",
            "dtype": _dt.from_numpy_dtype(arr.dtype).name,
            "shape": list(arr.shape),
            "device": str(obj.device) if is_tensor else "cpu",
            "requires_grad": bool(is_tensor and obj.requires_grad),
        })
        self.arrays.append(arr if arr.flags.c_contiguous else arr.copy(order="C"))
        self._seen[id(obj)] = i
        self._keep.append(obj)
        return i


def _zinfo(name: str) -> zipfile.ZipInfo:
    zi = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
    zi.compress_type = zipfile.ZIP_STORED
    zi.external_attr = 0o644 << 16
    return zi


def _write_array(fp, arr: np.ndarray) -> None:
    """Write one .npy member: NumPy's header, then the C-ordered bytes without a copy.

    (Also the seam that tests replace to inject failures mid-write.)
    """
    np.lib.format.write_array_header_1_0(fp, np.lib.format.header_data_from_array_1_0(arr))
    if arr.size:
        fp.write(memoryview(arr.reshape(-1).view(np.uint8)))


def _write_archive(fp, header: bytes, arrays: list[np.ndarray], pickled: bytes | None) -> None:
    with zipfile.ZipFile(fp, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        zf.writestr(_zinfo(HEADER), header)
        for i, arr in enumerate(arrays):
            with zf.open(_zinfo(f"t{i}.npy"), "w", force_zip64=arr.nbytes > (1 << 30)) as out:
                _write_array(out, arr)
        if pickled is not None:
            with zf.open(_zinfo(PICKLE_MEMBER), "w", force_zip64=len(pickled) > (1 << 30)) as out:
                out.write(pickled)


def _pickle(obj, pickle_module, protocol: int):
    """Pickle ``obj`` with its Tensors, Parameters and arrays as references to .npy members."""
    enc = _Encoder()
    base = getattr(pickle_module, "Pickler", pickle.Pickler)

    class _Pickler(base):
        def persistent_id(self, o):
            if type(o) is Tensor or type(o) is Parameter or type(o) is np.ndarray:
                kind = "ndarray" if type(o) is np.ndarray else (
                    "parameter" if type(o) is Parameter else "tensor")
                return (kind, enc._array(o, "obj"))
            return None

    buf = io.BytesIO()
    _Pickler(buf, protocol=protocol).dump(obj)
    return enc, buf.getvalue()


def _fsync_dir(d: str) -> None:
    """Make the rename durable (POSIX); a no-op where directories can't be opened."""
    try:
        fd = os.open(d, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save(obj, f, pickle_module=pickle, pickle_protocol: int = 2,
         _use_new_zipfile_serialization: bool = True,
         _disable_byteorder_record: bool = False) -> None:
    """Save ``obj`` to ``f``, as ``torch.save``.

    Args:
        obj: e.g. ``{'model': model.state_dict(), 'optim': opt.state_dict(), 'epoch': 3}``,
            or any picklable object (a whole Module).
        f: a path (str or PathLike): written atomically (temp file + fsync + rename);
            or a binary file object opened for writing (no atomicity).
        pickle_module, pickle_protocol: what pickles objects the data tree can't hold.
        _use_new_zipfile_serialization, _disable_byteorder_record: accepted, as PyTorch's.

    Tensors, NumPy arrays, dicts, lists, tuples, numbers, strings, None, dtypes and
    devices are written as data (JSON + .npy) that loading never executes. Anything else
    makes the file hold a pickle of ``obj`` (its tensors still as .npy members), which
    ``load`` reads only with ``weights_only=False`` or for allow-listed classes. Tensors
    are stored with their dtype, shape, device and ``requires_grad`` (not their ``.grad``
    or graph); a tensor referenced twice is stored once and loads as one tensor.
    """
    enc, pickled, version = _Encoder(), None, 1
    try:
        root = enc.encode(obj)
    except (TypeError, ValueError):  # not plain data: pickle it, as PyTorch does
        version = 2
    if version == 2:  # (outside the except block: pickle's own errors stand alone)
        enc, pickled = _pickle(obj, pickle_module, pickle_protocol)
        root = {"type": "pickle", "member": PICKLE_MEMBER}
    header = json.dumps({"format": FORMAT, "version": version, "tensors": enc.metas,
                         "root": root}, allow_nan=False, separators=(",", ":")).encode()
    if not isinstance(f, (str, bytes, os.PathLike)):
        _write_archive(f, header, enc.arrays, pickled)
        return
    path = os.path.realpath(os.fsdecode(f))  # through a symlink, replace the file it names
    d, base = os.path.split(path)
    tmp = os.path.join(d, f".{base}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            _write_archive(fh, header, enc.arrays, pickled)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(d)


# ---- loading ----------------------------------------------------------------------------

def load(f, map_location=None, pickle_module=None, *, weights_only: bool | None = None,
         mmap: bool | None = None, **pickle_load_args):
    """Load an object written by ``save``, as ``torch.load``.

    Args:
        f: a path or a binary file object.
        map_location: where tensors go: None (the device they were saved from), a device
            (``'cpu'``, ``'cuda:0'``, a ``Device``), a dict mapping saved device strings to
            devices, or a callable ``fn(tensor, saved_device) -> tensor``.
        pickle_module: the module that unpickles (only with ``weights_only=False``).
        weights_only: (default True) unpickle only allow-listed globals: tensors,
            containers, numbers, and classes given to ``add_safe_globals`` /
            ``safe_globals``; nothing from the file is executed. False unpickles anything,
            which can run arbitrary code: only for files from a trusted source.
        mmap: accepted as in PyTorch (needs a path); minigrad reads the arrays into memory.
        **pickle_load_args: passed to the unpickler with ``weights_only=False``.

    Raises:
        CheckpointError: the file is empty, truncated, corrupted, not a minigrad checkpoint,
            hostile (inconsistent sizes) or from a newer format version.
        WeightsOnlyError: (a ``pickle.UnpicklingError``) ``weights_only=True`` met a global
            that is not allow-listed; the message names it and both remedies.
    """
    if weights_only is None:
        weights_only = True
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is "
                           "specified")
    if mmap and not isinstance(f, (str, bytes, os.PathLike)):
        raise ValueError("f must be a file path in order to use the mmap argument")
    opts = (weights_only, pickle_module or pickle, pickle_load_args)
    if isinstance(f, (str, bytes, os.PathLike)):
        name = os.fsdecode(f)
        with open(name, "rb") as fh:
            return _load(fh, os.fstat(fh.fileno()).st_size, name, map_location, opts)
    name = str(getattr(f, "name", None) or repr(f))
    if not (hasattr(f, "seekable") and f.seekable()):
        f = io.BytesIO(f.read())
    start = f.tell()
    size = f.seek(0, io.SEEK_END) - start
    f.seek(start)
    return _load(f, size, name, map_location, opts)


def _unpickle(fh, name: str, opts, persistent_load=None):
    """Unpickle from ``fh``: restricted under weights_only, else with the pickle module."""
    weights_only, pickle_module, load_args = opts
    if not weights_only:
        up = pickle_module.Unpickler(fh, **load_args)
        if persistent_load is not None:
            up.persistent_load = persistent_load
        return up.load()
    try:
        return RestrictedUnpickler(fh, persistent_load).load()
    except WeightsOnlyUnpicklingError as e:
        raise WeightsOnlyError(name, str(e)) from None
    except (CheckpointError, MemoryError):
        raise
    except Exception as e:  # noqa: BLE001 - a malformed pickle: any parser error
        raise WeightsOnlyError(name, f"Weights only load failed: corrupted pickle "
                                     f"({type(e).__name__}: {e})") from None


def _load(fh, size: int, name: str, map_location, opts):
    def fail(problem):
        return CheckpointError(name, problem)

    if size == 0:
        raise fail("the file is empty, not a minigrad checkpoint")
    start = fh.tell()
    magic = fh.read(4)
    fh.seek(start)
    if magic[:1] == b"\x80":  # a plain pickle stream (pickle.dump)
        obj = _unpickle(fh, name, opts)
        from ._torch_checkpoint import LEGACY_MAGIC

        if type(obj) is int and obj == LEGACY_MAGIC:
            raise fail("this is a PyTorch checkpoint in the legacy format (torch.save before "
                       "PyTorch 1.6, or _use_new_zipfile_serialization=False), which minigrad "
                       "does not read: re-save it with a current PyTorch")
        return obj
    if magic not in (b"PK\x03\x04", b"PK\x05\x06"):
        raise fail("not a minigrad checkpoint (expected a .npz zip archive)")
    # Parsing untrusted bytes: any failure of zipfile/NumPy's parsers (BadZipFile,
    # struct.error, NotImplementedError for odd zip versions, ...) means a damaged file.
    try:
        zf = zipfile.ZipFile(fh)
    except Exception as e:  # noqa: BLE001
        raise fail(f"corrupted or truncated checkpoint ({type(e).__name__}: {e})") from None
    with zf:
        try:
            got = _read(zf, size, fail)
        except (CheckpointError, MemoryError):
            raise
        except Exception as e:  # noqa: BLE001
            raise fail(f"corrupted checkpoint ({type(e).__name__}: {e})") from None
        if got is None:  # written by PyTorch's torch.save
            return _load_torch(zf, name, map_location, opts, fail)
        metas, arrays, root, pickled = got
    tensors = [_place(arr, m, map_location, name) for arr, m in zip(arrays, metas)]
    if pickled is None:
        return _decode(root, tensors, fail, 0)
    return _unpickle(io.BytesIO(pickled), name, opts, _persistent_loader(tensors, metas, fail))


def _load_torch(zf, name, map_location, opts, fail):
    """A checkpoint written by PyTorch (see ``_torch_checkpoint``), with ``load``'s
    options: the same ``map_location`` handling and ``weights_only`` errors."""
    from . import _torch_checkpoint

    weights_only, pickle_module, load_args = opts

    def place(arr, saved, requires_grad):
        return _place(arr, {"kind": "tensor", "device": saved, "requires_grad": requires_grad},
                      map_location, name)

    try:
        return _torch_checkpoint.read(zf, fail, weights_only, pickle_module, load_args, place)
    except WeightsOnlyUnpicklingError as e:
        raise WeightsOnlyError(name, str(e)) from None
    except (CheckpointError, MemoryError, RuntimeError):
        raise
    except Exception as e:  # noqa: BLE001 - a malformed pickle or archive member
        if not weights_only:
            raise
        raise WeightsOnlyError(name, f"Weights only load failed: corrupted pickle "
                                     f"({type(e).__name__}: {e})") from None


def _persistent_loader(tensors, metas, fail):
    """Resolve the pickle's references to the archive's arrays (each built once)."""
    params: dict[int, Parameter] = {}

    def persistent_load(pid):
        if not (isinstance(pid, tuple) and len(pid) == 2 and isinstance(pid[1], int)
                and not isinstance(pid[1], bool) and 0 <= pid[1] < len(tensors)):
            raise fail(f"corrupted checkpoint: bad tensor reference {pid!r}")
        kind, i = pid
        want = "ndarray" if kind == "ndarray" else "tensor"
        if kind not in ("tensor", "parameter", "ndarray") or metas[i]["kind"] != want:
            raise fail(f"corrupted checkpoint: bad tensor reference {pid!r}")
        if kind != "parameter":
            return tensors[i]
        if i not in params:
            t = tensors[i]
            params[i] = Parameter(t, requires_grad=t.requires_grad)
        return params[i]

    return persistent_load


def _read(zf: zipfile.ZipFile, size: int, fail):
    """Validate the archive and header, then read the arrays: (metas, arrays, root)."""
    infos = zf.infolist()
    members = {i.filename: i for i in infos}
    if len(members) != len(infos):
        raise fail("corrupted checkpoint: duplicate archive members")
    for info in infos:
        if info.flag_bits & 0x1:
            raise fail(f"member {info.filename!r} is encrypted")
        if info.compress_type != zipfile.ZIP_STORED or info.compress_size != info.file_size:
            raise fail(f"member {info.filename!r} is compressed; minigrad checkpoints store "
                       "members uncompressed so sizes can be checked before reading")
        if info.header_offset + info.file_size > size:
            raise fail(f"member {info.filename!r} claims {info.file_size} bytes, more than the "
                       f"file holds ({size} bytes): truncated or corrupted")
    # members must not overlap (overlapping entries let a small zip claim huge contents)
    end = 0
    for info in sorted(infos, key=lambda i: i.header_offset):
        if info.header_offset < end:
            raise fail(f"member {info.filename!r} overlaps another member: corrupted or "
                       "hostile file")
        end = info.header_offset + info.file_size
    if HEADER not in members:
        if any(n.endswith("/data.pkl") for n in members):
            return None  # PyTorch's format: _load reads it with _torch_checkpoint
        raise fail(f"not a minigrad checkpoint (the archive has no {HEADER})")
    try:
        header = json.loads(zf.read(HEADER).decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, RecursionError) as e:
        raise fail(f"corrupted checkpoint header ({type(e).__name__}: {e})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise fail(f"not a minigrad checkpoint (header format is not {FORMAT!r})")
    version = header.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise fail(f"corrupted checkpoint header (bad format version {version!r})")
    if version > FORMAT_VERSION:
        raise fail(f"written by a newer minigrad (checkpoint format version {version}; this "
                   f"minigrad reads versions up to {FORMAT_VERSION}): upgrade minigrad")
    metas = header.get("tensors")
    if not isinstance(metas, list) or "root" not in header:
        raise fail("corrupted checkpoint header (missing 'tensors' or 'root')")
    # validate every tensor's claimed size against its member BEFORE allocating anything
    plan = [_check_meta(i, m, members, fail) for i, m in enumerate(metas)]
    root, pickled = header["root"], None
    if isinstance(root, dict) and root.get("type") == "pickle":
        if version < 2 or root.get("member") != PICKLE_MEMBER or PICKLE_MEMBER not in members:
            raise fail(f"corrupted checkpoint: the header names a pickle but the archive has "
                       f"no {PICKLE_MEMBER}")
        pickled = zf.read(PICKLE_MEMBER)  # sizes were checked against the file above
    arrays = [_read_array(zf, info, dtype, shape, nbytes, fail)
              for info, dtype, shape, nbytes in plan]
    return metas, arrays, root, pickled


def _reject_constant(c):
    raise ValueError(f"non-standard JSON constant {c}")


def _check_meta(i, m, members, fail):
    if not isinstance(m, dict):
        raise fail(f"corrupted header: tensor entry {i} is not an object")
    member = f"t{i}.npy"
    if m.get("member") != member or member not in members:
        raise fail(f"corrupted checkpoint: tensor {i} ({member}) is missing from the archive")
    dname = m.get("dtype")
    if not isinstance(dname, str) or dname not in _dt._NAMES:
        raise fail(f"corrupted header: tensor {i} has unknown dtype {dname!r}")
    dtype = _dt._NAMES[dname].np
    shape = m.get("shape")
    if not isinstance(shape, list) or len(shape) > _MAX_NDIM or not all(
            isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape):
        raise fail(f"corrupted header: tensor {i} has an invalid shape {shape!r}")
    if m.get("kind") not in ("tensor", "ndarray") or not isinstance(m.get("device"), str) \
            or not isinstance(m.get("requires_grad"), bool):
        raise fail(f"corrupted header: tensor {i} has invalid metadata")
    nbytes = math.prod(shape) * dtype.itemsize
    info = members[member]
    npy_header = info.file_size - nbytes
    if not 0 < npy_header <= _MAX_NPY_HEADER + 16:
        raise fail(f"header claims tensor {i} has shape {tuple(shape)} and dtype {dname} "
                   f"({nbytes} bytes) but its archive member holds {info.file_size} bytes: "
                   "corrupted or hostile file")
    return info, dtype, tuple(shape), nbytes


def _read_array(zf, info, dtype, shape, nbytes, fail):
    fmt = np.lib.format
    with zf.open(info) as fp:
        version = fmt.read_magic(fp)
        if version == (1, 0):
            fshape, fortran, fdtype = fmt.read_array_header_1_0(fp, max_header_size=_MAX_NPY_HEADER)
        elif version == (2, 0):
            fshape, fortran, fdtype = fmt.read_array_header_2_0(fp, max_header_size=_MAX_NPY_HEADER)
        else:
            raise fail(f"{info.filename}: unsupported .npy version {version}")
        if fdtype.hasobject or fdtype.str[1:] != dtype.str[1:]:
            raise fail(f"{info.filename}: array dtype {fdtype} doesn't match the header's "
                       f"{dtype}")
        if tuple(fshape) != shape:
            raise fail(f"{info.filename}: array shape {tuple(fshape)} doesn't match the "
                       f"header's {shape}")
        if info.file_size - fp.tell() != nbytes:
            raise fail(f"{info.filename}: holds {info.file_size - fp.tell()} data bytes, "
                       f"expected {nbytes}")
        arr = np.empty(shape[::-1] if fortran else shape, dtype=fdtype)
        flat = arr.reshape(-1).view(np.uint8)
        pos = 0
        while pos < nbytes:
            data = fp.read(min(_CHUNK, nbytes - pos))
            if not data:
                raise fail(f"{info.filename}: truncated array data")
            flat[pos:pos + len(data)] = np.frombuffer(data, np.uint8)
            pos += len(data)
        if fp.read(1):  # also makes zipfile verify the member's CRC
            raise fail(f"{info.filename}: trailing data after the array")
    if fortran:
        arr = np.ascontiguousarray(arr.T)
    if not fdtype.isnative:
        arr = arr.astype(dtype)
    return arr


def _target_device(saved: str, map_location):
    if map_location is None:
        return saved
    if isinstance(map_location, dict):
        return map_location.get(saved, saved)
    return map_location


def _place(arr: np.ndarray, m: dict, map_location, name: str):
    if m["kind"] == "ndarray":
        return arr
    saved = m["device"]
    try:
        backend.Device(saved)
    except (RuntimeError, TypeError):
        raise CheckpointError(name, f"corrupted header: unknown device {saved!r}") from None
    if callable(map_location) and not isinstance(map_location, (str, backend.Device)):
        t = map_location(Tensor._wrap(arr), saved)
    else:
        dev = backend.device(_target_device(saved, map_location))
        if dev.type == "cuda" and not backend.cupy_available():
            raise RuntimeError(
                f"{name}: holds tensors saved on {saved}, but CUDA is not available; pass "
                "map_location='cpu' to minigrad.load to load them on the CPU"
            )
        t = Tensor._wrap(backend.to_device(arr, dev))
    if m["requires_grad"] and t.is_floating_point():
        t.requires_grad_(True)
    return t


def _decode(node, tensors, fail, depth):
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if depth > 3 * _MAX_DEPTH:
        raise fail("corrupted header: the object tree is nested too deeply")
    if not isinstance(node, dict):
        raise fail(f"corrupted header: unexpected node {type(node).__name__}")
    kind = node.get("type")
    if kind == "tensor":
        i = node.get("index")
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(tensors):
            raise fail(f"corrupted header: reference to missing tensor {i!r}")
        return tensors[i]
    if kind in ("list", "tuple"):
        items = node.get("items")
        if not isinstance(items, list):
            raise fail(f"corrupted header: {kind} without items")
        out = [_decode(x, tensors, fail, depth + 1) for x in items]
        return tuple(out) if kind == "tuple" else out
    if kind in ("dict", "odict"):
        items = node.get("items")
        if not isinstance(items, list):
            raise fail("corrupted header: dict without items")
        out = OrderedDict() if kind == "odict" else {}
        for pair in items:
            if not isinstance(pair, list) or len(pair) != 2:
                raise fail("corrupted header: bad dict item")
            k = _decode(pair[0], tensors, fail, depth + 1)
            try:
                hash(k)
            except TypeError:
                raise fail(f"corrupted header: unhashable dict key {k!r}") from None
            out[k] = _decode(pair[1], tensors, fail, depth + 1)
        return out
    if kind == "float" and node.get("value") in ("nan", "inf", "-inf"):
        return float(node["value"])
    if kind == "dtype" and node.get("name") in _dt._NAMES:
        return _dt._NAMES[node["name"]]
    if kind == "device" and isinstance(node.get("name"), str):
        try:
            return backend.Device(node["name"])
        except (RuntimeError, TypeError):
            pass
    raise fail(f"corrupted header: unknown node {kind!r}")
