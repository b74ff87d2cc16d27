"""minigrad.hub: checkpoints by URL (cached, hash-checked), entry points of a hubconf.py
from a local folder or a (simulated) GitHub archive, and the trust prompt."""
import hashlib
import os
import shutil
import textwrap
import zipfile

import pytest

import minigrad as mg
from minigrad import hub


@pytest.fixture
def hub_dir(tmp_path):
    old = hub._hub_dir
    hub.set_dir(tmp_path / "hub")
    yield tmp_path / "hub"
    hub._hub_dir = old


def test_get_dir_follows_torch_home(monkeypatch):
    monkeypatch.setattr(hub, "_hub_dir", None)
    monkeypatch.setenv("TORCH_HOME", "/some/where")
    assert hub.get_dir() == os.path.join("/some/where", "hub")
    monkeypatch.delenv("TORCH_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", "/cache")
    assert hub.get_dir() == os.path.join("/cache", "torch", "hub")


def test_load_state_dict_from_url_downloads_once_and_checks_the_hash(hub_dir, tmp_path,
                                                                     capsys):
    src = tmp_path / "weights.pt"
    mg.save({"w": mg.arange(3.0)}, src)
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    named = tmp_path / f"net-{digest[:8]}.pt"
    shutil.copy(src, named)
    sd = hub.load_state_dict_from_url(named.as_uri(), check_hash=True, progress=False)
    assert sd["w"].tolist() == [0.0, 1.0, 2.0]
    assert "Downloading" in capsys.readouterr().out
    named.unlink()  # from the cache now: no second download
    assert hub.load_state_dict_from_url(named.as_uri())["w"].tolist() == [0.0, 1.0, 2.0]
    assert (hub_dir / "checkpoints" / named.name).exists()
    bad = tmp_path / "net-0000abcd.pt"
    shutil.copy(src, bad)
    with pytest.raises(RuntimeError, match="invalid hash value"):
        hub.load_state_dict_from_url(bad.as_uri(), check_hash=True, progress=False)
    assert not (hub_dir / "checkpoints" / bad.name).exists()
    assert not [p for p in (hub_dir / "checkpoints").iterdir() if p.name.startswith(".")]


def test_a_pytorch_checkpoint_by_url_in_a_single_file_zip(hub_dir, tmp_path):
    torch = pytest.importorskip("torch")
    torch.save({"w": torch.ones(2)}, tmp_path / "inner.pth")
    with zipfile.ZipFile(tmp_path / "legacy.zip", "w") as zf:
        zf.write(tmp_path / "inner.pth", "inner.pth")
    sd = hub.load_state_dict_from_url((tmp_path / "legacy.zip").as_uri(), progress=False,
                                      map_location="cpu")
    assert sd["w"].tolist() == [1.0, 1.0]


HUBCONF = '''
"""A tiny hub repository."""
import minigrad

dependencies = ["numpy"]


def tiny(n=2, bias=True):
    """A Linear layer with n inputs."""
    return minigrad.nn.Linear(n, 1, bias=bias)


def _private():
    pass
'''


def _repo(folder, hubconf=HUBCONF):
    folder.mkdir(parents=True)
    (folder / "hubconf.py").write_text(textwrap.dedent(hubconf))
    return folder


def test_load_from_a_local_folder(tmp_path):
    repo = _repo(tmp_path / "repo")
    m = hub.load(str(repo), "tiny", 3, source="local", bias=False)
    assert isinstance(m, mg.nn.Linear) and m.weight.shape == (1, 3) and m.bias is None
    with pytest.raises(RuntimeError, match="Cannot find callable nope"):
        hub.load(str(repo), "nope", source="local")
    with pytest.raises(ValueError, match="Unknown source"):
        hub.load(str(repo), "tiny", source="gitlab")
    needy = _repo(tmp_path / "needy", "dependencies = ['no_such_package_xyz']\n")
    with pytest.raises(RuntimeError, match="Missing dependencies: no_such_package_xyz"):
        hub.load(str(needy), "anything", source="local")


def _fake_github(monkeypatch, tmp_path, members):
    """Serve ``owner/repo``'s zipball from a local archive instead of the network."""
    archive = tmp_path / "zipball.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    calls = []

    def fake_download(url, dst, hash_prefix=None, progress=True):
        calls.append(url)
        shutil.copy(archive, dst)

    monkeypatch.setattr(hub, "download_url_to_file", fake_download)
    return calls


def test_github_repositories_are_downloaded_cached_and_trusted(hub_dir, tmp_path,
                                                                monkeypatch):
    calls = _fake_github(monkeypatch, tmp_path, {"someone-tinyrepo-abc123/hubconf.py": HUBCONF})
    answers = iter(["n", "y"])
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    with pytest.raises(RuntimeError, match="Untrusted repository"):
        hub.list("someone/tinyrepo")
    assert hub.list("someone/tinyrepo") == ["tiny"]  # answered yes: now in the list
    assert calls == ["https://github.com/someone/tinyrepo/zipball/main"]
    assert "someone_tinyrepo" in (hub_dir / "trusted_list").read_text().split()
    assert hub.help("someone/tinyrepo", "tiny") == "A Linear layer with n inputs."
    m = hub.load("someone/tinyrepo", "tiny", n=4)  # trusted and cached: no prompt, no download
    assert m.weight.shape == (1, 4) and len(calls) == 1
    hub.load("someone/tinyrepo", "tiny", force_reload=True, trust_repo=True)
    assert len(calls) == 2
    with pytest.raises(ValueError, match="repo_owner/repo_name"):
        hub.load("not-a-repo", "tiny")


def test_an_archive_member_outside_its_folder_is_refused(hub_dir, tmp_path, monkeypatch):
    _fake_github(monkeypatch, tmp_path, {"x-y-1/hubconf.py": HUBCONF,
                                         "x-y-1/../../escaped.py": "boom = 1\n"})
    with pytest.raises(RuntimeError, match="outside its folder"):
        hub.load("x/y", "tiny", trust_repo=True)
    assert not (hub_dir.parent / "escaped.py").exists()
