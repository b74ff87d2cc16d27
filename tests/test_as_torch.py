"""``python -m minigrad.as_torch``: unmodified PyTorch programs run on minigrad.

Each test writes a small program of its own, runs it in a fresh interpreter through the
runner and reads what the program printed (one JSON line), so the checks are about the
program's view of the world: which module ``import torch`` gave, ``sys.argv``, ``__name__``,
``sys.path[0]``, and that no real PyTorch module was ever loaded.
"""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The program's report: which torch it got, and every loaded module named torch* that is
# not one of minigrad's (there must be none, even where a real torch is installed).
REPORT = """
import json as _json, sys as _sys
def report(**extra):
    import minigrad as _mg
    foreign = sorted(n for n, m in _sys.modules.items()
                     if (n == "torch" or n.startswith("torch.")) and m is not None
                     and not getattr(m, "__name__", "").startswith("minigrad"))
    print("REPORT " + _json.dumps(dict(torch_is_minigrad=_sys.modules["torch"] is _mg,
                                        foreign=foreign, argv=_sys.argv, **extra)))
"""


def _run(args, cwd, expect_rc=0):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    p = subprocess.run([sys.executable, "-m", "minigrad.as_torch", *args], cwd=cwd, env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == expect_rc, p.stderr
    lines = [ln[7:] for ln in p.stdout.splitlines() if ln.startswith("REPORT ")]
    return (json.loads(lines[-1]) if lines else None), p


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_script_sees_minigrad_argv_main_and_its_sibling_module(tmp_path):
    prog = tmp_path / "prog"
    _write(prog / "helpers.py", REPORT + "SCALE = 3\n")
    _write(prog / "train.py", """
        import os, sys
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        from torch.utils.data import DataLoader
        import helpers                       # the program's own module, next to the script
        import minigrad

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(2, 1)

            def forward(self, x):
                return F.relu(self.fc(x)) * helpers.SCALE

        def main():
            torch.manual_seed(0)
            net = Net()
            out = net(torch.ones(4, 2))
            helpers.report(
                name=__name__, path0=sys.path[0],
                same_modules=[nn is minigrad.nn, F is minigrad.nn.functional,
                              DataLoader is minigrad.utils.data.DataLoader],
                isinstance_ok=isinstance(net, minigrad.nn.Module)
                              and isinstance(out, minigrad.Tensor),
                shape=list(out.shape))

        if __name__ == "__main__":
            main()
        """)
    rep, _ = _run([str(prog / "train.py"), "--epochs", "2"], cwd=tmp_path)
    assert rep["torch_is_minigrad"] and rep["foreign"] == []
    assert rep["argv"] == [str(prog / "train.py"), "--epochs", "2"]
    assert rep["name"] == "__main__"
    assert rep["path0"] == str(prog)
    assert rep["same_modules"] == [True, True, True] and rep["isinstance_ok"]
    assert rep["shape"] == [4, 1]


def test_module_mode_and_relative_import(tmp_path):
    _write(tmp_path / "pkg" / "__init__.py", "")
    _write(tmp_path / "pkg" / "util.py", REPORT)
    _write(tmp_path / "pkg" / "run.py", """
        import torch.optim
        from . import util
        if __name__ == "__main__":
            import torch
            util.report(name=__name__, optim_ok=torch.optim.SGD.__module__.startswith("minigrad"))
        """)
    rep, _ = _run(["-m", "pkg.run", "x", "-y"], cwd=tmp_path)
    assert rep["torch_is_minigrad"] and rep["foreign"] == []
    assert rep["name"] == "__main__" and rep["optim_ok"]
    assert rep["argv"] == [str(tmp_path / "pkg" / "run.py"), "x", "-y"]


def test_missing_submodule_names_it_and_never_falls_back(tmp_path):
    # torch._C exists in every real PyTorch and not in minigrad: it must not be found
    _write(tmp_path / "p.py", REPORT + textwrap.dedent("""
        import torch
        try:
            import torch._C
        except ModuleNotFoundError as e:
            report(err=str(e), err_name=e.name)
        """))
    rep, _ = _run(["p.py"], cwd=tmp_path)
    assert rep["err_name"] == "torch._C" and "torch._C" in rep["err"]
    assert rep["foreign"] == []


def test_program_errors_and_exit_codes_pass_through(tmp_path):
    _write(tmp_path / "boom.py", "import torch\nraise ValueError('boom from the program')\n")
    _, p = _run(["boom.py"], cwd=tmp_path, expect_rc=1)
    assert "ValueError: boom from the program" in p.stderr
    _write(tmp_path / "quit.py", "import sys\nsys.exit(3)\n")
    _run(["quit.py"], cwd=tmp_path, expect_rc=3)
    _, p = _run(["nope.py"], cwd=tmp_path, expect_rc=1)
    assert "can't open file" in p.stderr


def test_install_refuses_when_a_real_torch_is_loaded():
    pytest.importorskip("torch")
    code = ("import torch, minigrad.as_torch as a\n"
            "try:\n    a.install()\nexcept RuntimeError as e:\n    print('refused:', e)\n")
    p = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=str(ROOT)),
                       capture_output=True, text=True, timeout=120)
    assert "refused: minigrad.as_torch: a real torch is already imported" in p.stdout, p.stderr
