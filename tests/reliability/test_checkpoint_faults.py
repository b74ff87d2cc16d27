"""Checkpoint loading under corrupt and hostile input: what tests/test_serialization.py (round
trips, truncation, bit flips, pickle payloads, huge-shape headers, atomic saves under injected
exceptions and SIGKILL) leaves out: the allocation bound for EVERY corrupt variant, zip bombs,
overlapping, duplicate and encrypted members, and a .npy member whose own header lies.

Bound: loading allocates the arrays the file really holds (never what a header claims) plus
the I/O buffers of reading stored zip members, at most ``4 * size + 256 KiB`` in all. A load
that fails because of a header claim allocates almost nothing (< 256 KiB).
"""
from __future__ import annotations

import io
import json
import random
import re
import struct
import tracemalloc
import warnings
import zipfile

import numpy as np
import pytest

import minigrad as mg
from minigrad.serialization import CheckpointError

from . import _report

SLACK = 256 * 1024


def _load_traced(path):
    """(loaded object or None, CheckpointError or None, peak bytes allocated)."""
    tracemalloc.start()
    try:
        try:
            obj, err = mg.load(path), None
        except CheckpointError as e:
            obj, err = None, e
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return obj, err, peak


def _zip(path, members, compress=zipfile.ZIP_STORED):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        with zipfile.ZipFile(path, "w", compress) as zf:
            for name, data in members:
                zf.writestr(name, data)
    return path


def _members(path):
    with zipfile.ZipFile(path) as zf:
        return [(n, zf.read(n)) for n in zf.namelist()]


def _same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        if isinstance(a[k], mg.Tensor):
            np.testing.assert_array_equal(a[k].numpy(), b[k].numpy())
        else:
            assert a[k] == b[k]


@pytest.fixture
def ckpt(tmp_path):
    obj = {"w": mg.randn(16, 1024), "b": mg.arange(10), "step": 3, "name": "run"}
    path = tmp_path / "ck.npz"
    mg.save(obj, path)
    return obj, path


def _variants(path, rng):
    """Truncations and bit flips of a real checkpoint."""
    data = path.read_bytes()
    for cut in sorted(rng.sample(range(1, len(data)), 8)) + [len(data) - 1]:
        yield f"truncated at {cut}", data[:cut]
    for pos in sorted(rng.sample(range(len(data)), 30)):
        flipped = bytearray(data)
        flipped[pos] ^= 1 << rng.randrange(8)
        yield f"bit flip at {pos}", bytes(flipped)


def test_every_corrupt_variant_is_bounded_and_never_wrong(ckpt, tmp_path):
    obj, path = ckpt
    size = path.stat().st_size
    rng = random.Random(4)
    errors = loaded = 0
    worst = 0.0
    for what, data in _variants(path, rng):
        bad = tmp_path / "bad.npz"
        bad.write_bytes(data)
        back, err, peak = _load_traced(bad)
        assert peak <= 4 * len(data) + SLACK, (what, peak, len(data))
        worst = max(worst, peak / size)
        if err is None:  # the flip hit bytes no reader uses (zip timestamps...)
            _same(obj, back)
            loaded += 1
        else:
            assert str(bad) in str(err)
            errors += 1
    _report.line(f"checkpoint faults: {errors + loaded} truncated/bit-flipped variants of a "
                 f"{size // 1024} KiB checkpoint: {errors} CheckpointError, {loaded} loaded "
                 f"identical, 0 wrong; worst peak allocation {worst:.2f}x the file size")
    assert errors > loaded


def _header_and_members(path):
    members = _members(path)
    header = json.loads(dict(members)["__minigrad__.json"])
    return header, members


def _with(members, **replace):
    return [(n, replace.get(n, d)) for n, d in members]


def _npy(arr_bytes_header_shape, data=b""):
    """A .npy v1.0 member whose header claims ``shape`` (float32), followed by ``data``."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": "<f4", "fortran_order": False, "shape": arr_bytes_header_shape})
    return buf.getvalue() + data


def test_hostile_archives_allocate_nothing_big(ckpt, tmp_path):
    """Each hostile file raises CheckpointError naming the problem; none allocates anything
    near what it claims (terabytes, a 32 MB zip bomb, a 4 GB .npy header): rejected before
    reading (< 256 KiB), or for the header length, within the file's size."""
    _, path = ckpt
    header, members = _header_and_members(path)
    big = dict(members)["t0.npy"]  # randn(16, 1024), read first
    cases = {}

    # a deflated member expanding to 32 MB (a zip bomb): rejected before anything is inflated
    bomb = io.BytesIO()
    np.lib.format.write_array(bomb, np.zeros(8_000_000, np.float32))
    h = dict(header, tensors=[dict(header["tensors"][0], shape=[8_000_000])],
             root={"type": "tensor", "index": 0})
    cases["zip bomb"] = (_zip(tmp_path / "bomb.npz", [("__minigrad__.json", json.dumps(h)),
                                                      ("t0.npy", bomb.getvalue())],
                              zipfile.ZIP_DEFLATED), "compressed")
    # the member's own .npy header claims 10^12 floats; the JSON header agrees, sizes don't
    h = json.loads(json.dumps(header))
    h["tensors"][1].update(dtype="float32", shape=[10**6, 10**6])
    cases["npy and json claim 4 TB"] = (_zip(tmp_path / "tb.npz", _with(
        members, **{"__minigrad__.json": json.dumps(h).encode(),
                    "t1.npy": _npy((10**6, 10**6), b"\0" * 40)})), "hostile|corrupted")
    # only the .npy header lies about the shape (same byte count as the truth)
    cases["npy header lies about shape"] = (_zip(tmp_path / "npy.npz", _with(
        members, **{"t0.npy": _npy((128, 128), big[-4 * 16384:])})), "shape")
    # a .npy header length field claiming 4 GB of header
    lie = bytearray(big)
    lie[6:8] = b"\x02\x00"  # .npy version 2.0: a 4-byte header length follows the magic
    lie[8:12] = struct.pack("<I", 0xFFFFFFF0)
    cases["npy header length 4 GB"] = (_zip(tmp_path / "hlen.npz", _with(
        members, **{"t0.npy": bytes(lie)})), "corrupted|header|t0.npy")
    # (NumPy reads the claimed header length before checking it: up to the member's size)
    within_file = {"npy header length 4 GB"}
    # duplicate member names (two different t1.npy)
    cases["duplicate members"] = (_zip(tmp_path / "dup.npz", members + [("t1.npy", big)]),
                                  "duplicate")
    # a member flagged as encrypted in the central directory
    data = bytearray(path.read_bytes())
    cd = data.rindex(b"PK\x01\x02")
    data[cd + 8] |= 1
    (tmp_path / "enc.npz").write_bytes(bytes(data))
    cases["encrypted member"] = (tmp_path / "enc.npz", "encrypted")
    # two central-directory entries pointing at the same bytes (overlapping members)
    data = bytearray(path.read_bytes())
    entries = [i for i in range(len(data)) if data[i:i + 4] == b"PK\x01\x02"]
    offsets = [struct.unpack_from("<I", data, e + 42)[0] for e in entries]
    struct.pack_into("<I", data, entries[-1] + 42, offsets[-2])
    (tmp_path / "overlap.npz").write_bytes(bytes(data))
    cases["overlapping members"] = (tmp_path / "overlap.npz", "overlaps")

    lines = []
    for what, (bad, match) in cases.items():
        back, err, peak = _load_traced(bad)
        assert err is not None, f"{what}: loaded {back!r}"
        assert re.search(match, str(err)), (what, str(err))
        bound = 4 * bad.stat().st_size + SLACK if what in within_file else SLACK
        assert peak < bound, (what, peak)
        lines.append(f"{what} {peak // 1024} KiB")
    _report.line("checkpoint hostile files (peak allocation while rejecting): " + ", ".join(lines))


def test_valid_load_allocates_what_the_file_holds(ckpt):
    obj, path = ckpt
    back, err, peak = _load_traced(path)
    assert err is None
    _same(obj, back)
    size = path.stat().st_size
    assert size <= peak <= 4 * size + SLACK
    _report.line(f"checkpoint valid load: {size // 1024} KiB file, peak allocation "
                 f"{peak // 1024} KiB ({peak / size:.1f}x: the arrays plus stored-member read "
                 "buffers)")
