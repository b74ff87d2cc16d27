"""backend.tune_malloc: opt-out through MINIGRAD_MALLOC_TUNE=0, and glibc's own settings win."""
import os

import pytest

from minigrad import backend


@pytest.mark.parametrize("value", ["0", "off", "false"])
def test_opt_out(monkeypatch, value):
    monkeypatch.setenv("MINIGRAD_MALLOC_TUNE", value)
    assert backend.tune_malloc() is False


def test_glibc_tunables_win(monkeypatch):
    monkeypatch.delenv("MINIGRAD_MALLOC_TUNE", raising=False)
    monkeypatch.setenv("GLIBC_TUNABLES", "glibc.malloc.mmap_threshold=65536")
    assert backend.tune_malloc() is False


def test_applied_on_glibc(monkeypatch):
    for k in ("MINIGRAD_MALLOC_TUNE", "GLIBC_TUNABLES", "MALLOC_MMAP_THRESHOLD_",
              "MALLOC_TRIM_THRESHOLD_"):
        monkeypatch.delenv(k, raising=False)
    try:
        glibc = os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc")
    except (AttributeError, ValueError, OSError):
        glibc = False
    assert backend.tune_malloc() is glibc
