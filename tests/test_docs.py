"""The documentation stays true: every Python block in docs/*.md and README.md runs, and the
MkDocs site (pages + API reference from the docstrings) builds with --strict.

A page's blocks run in order in one namespace (later blocks use earlier names), in a
temporary directory. A comment on the line before a block's fence marks it (invisible on the
rendered page): ``<!-- docs-test: no-run -->`` for the few that cannot run here (a feature
not built yet, a network), ``<!-- docs-test: cuda -->`` for blocks that run only where CuPy
sees a GPU, ``<!-- docs-test: raises -->`` for blocks that show an error: they must raise one.
"""
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from minigrad import backend

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
                   re.M | re.S)
MARK = re.compile(r"<!--\s*docs-test:\s*([\w\s-]+?)\s*-->\s*$")


def python_blocks(text):
    """(line number, code, flags) of each ```python block."""
    for m in FENCE.finditer(text):
        lang = (m["info"].split() or [""])[0]
        if lang in ("python", "py"):
            line = text.count("\n", 0, m.start()) + 1
            before = text[:m.start()].rstrip("\n").rpartition("\n")[2]
            mark = MARK.search(before)
            yield line, textwrap.dedent(m["body"]), set(mark[1].split()) if mark else set()


def test_collector_finds_blocks_and_flags():
    text = ("a\n```python\nx = 1\n```\n\n  <!-- docs-test: no-run -->\n  ```python\n  y = 2\n"
            "  ```\n```bash\nls\n```\n")
    assert list(python_blocks(text)) == [(2, "x = 1\n", set()), (7, "y = 2\n", {"no-run"})]


# Each page runs in its own process (no state leaks into the test session or between pages),
# with one BLAS thread (the snippets are small; a shared machine's cores are busy).
_RUNNER = r"""
import json, sys, traceback
page, blocks = json.load(sys.stdin)
ns = {"__name__": "__main__"}
for line, code, raises in blocks:
    try:
        exec(compile(code, f"{page}:{line}", "exec"), ns)
    except Exception as e:
        # a documented error, not a broken snippet
        if raises and not isinstance(e, (NameError, ImportError, SyntaxError)):
            continue
        print(f"{page}: the block at line {line} failed:")
        traceback.print_exc(file=sys.stdout)
        sys.exit(1)
    if raises:
        print(f"{page}: the block at line {line} should raise an error")
        sys.exit(1)
"""


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_code_runs(page, tmp_path):
    blocks = list(python_blocks(page.read_text(encoding="utf-8")))
    runnable = [(n, code, "raises" in flags) for n, code, flags in blocks
                if "no-run" not in flags and ("cuda" not in flags or backend.cupy_available())]
    if not runnable:
        pytest.skip("no runnable Python blocks")
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg", OPENBLAS_NUM_THREADS="1",
               OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    r = subprocess.run([sys.executable, "-c", _RUNNER], input=json.dumps([page.name, runnable]),
                       cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, (r.stdout + r.stderr)[-4000:]


def test_mkdocs_build_strict(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("mkdocstrings")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q",
                        "-f", str(ROOT / "mkdocs.yml"), "-d", str(tmp_path / "site")],
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (tmp_path / "site" / "api" / "train" / "index.html").is_file()
    assert "minigrad.train.fit" in (tmp_path / "site" / "api" / "train" / "index.html").read_text()
