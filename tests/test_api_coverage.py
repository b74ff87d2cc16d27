"""The API coverage report: every public torch name lands in exactly one row."""
import pytest

from minigrad.utils import api_coverage as cov


def test_each_name_in_one_row():
    pytest.importorskip("torch")
    for label, t, m in cov.NAMESPACES:
        r = cov.coverage(label, t, m)
        present, excluded, missing = (set(r["present"]), {n for n, _ in r["excluded"]},
                                      set(r["missing"]))
        assert not (present & excluded) and not (present & missing) and not (excluded & missing)
        assert present | excluded | missing == set(cov.public_names(t))
        assert "Module" in present or label != "nn"


def test_public_names_skip_imports():
    pytest.importorskip("torch")
    init = cov.public_names("torch.nn.init")
    assert "xavier_uniform_" in init and "math" not in init and "Callable" not in init
    assert "Tensor" not in cov.public_names("torch.nn.functional")


def test_markdown_renders(tmp_path):
    pytest.importorskip("torch")
    out = tmp_path / "cov.md"
    assert cov.main(["--write", "--out", str(out)]) == 0
    text = out.read_text()
    assert text.startswith("# PyTorch API coverage") and "| `nn` |" in text
    assert "## Left out on purpose" in text and "## Still missing" in text


def test_no_missing_names_in_completed_namespaces():
    """Namespaces brought to full coverage stay there (a new PyTorch name shows up here)."""
    pytest.importorskip("torch")
    for label, t, m in cov.NAMESPACES:
        if label in ("Tensor", "nn", "nn.functional", "nn.init", "optim",
                     "optim.lr_scheduler", "utils.data", "nn.utils", "nn.utils.parametrize",
                     "nn.utils.parametrizations", "nn.utils.stateless", "nn.utils.prune"):
            assert cov.coverage(label, t, m)["missing"] == [], label
