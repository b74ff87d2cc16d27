"""``minigrad.hub`` (``torch.hub``): pretrained weights by URL and models from a repository's
``hubconf.py``, with PyTorch's cache layout.

- ``load_state_dict_from_url(url, ...)`` downloads a checkpoint once into
  ``<get_dir()>/checkpoints`` and loads it with ``minigrad.load`` (which reads files written
  by ``torch.save``). A ``file://`` URL works as well as ``https://``.
- ``load(repo_or_dir, model, *args, source="github"|"local", ...)`` imports the
  repository's ``hubconf.py`` (a GitHub repository is downloaded as a zip archive into the
  hub directory first) and calls its entry point ``model(*args, **kwargs)``; ``list`` and
  ``help`` name and describe the entry points. Under ``minigrad.as_torch`` the hubconf's
  own ``import torch`` gets minigrad.

The hub directory is PyTorch's: ``$TORCH_HOME/hub``, ``$TORCH_HOME`` defaulting to
``$XDG_CACHE_HOME/torch`` (``~/.cache/torch``), so files PyTorch downloaded are reused.
Downloads show a tqdm progress bar when tqdm is installed (the ``examples`` extra) and
``progress=True``; without tqdm they run silently. Unlike PyTorch, ``load`` does not ask
GitHub's API whether a ref belongs to a fork (``skip_validation`` has no effect).
"""
from __future__ import annotations

import builtins
import hashlib
import importlib.util
import os
import re
import shutil
import sys
import tempfile
import urllib.request
import zipfile
from urllib.parse import urlparse

__all__ = ["download_url_to_file", "get_dir", "help", "list", "load",
           "load_state_dict_from_url", "set_dir"]

_hub_dir: str | None = None
HASH_REGEX = re.compile(r"-([a-f0-9]*)\.")  # "name-<sha256 prefix>.ext"
_CHUNK = 1 << 16
_TRUSTED_OWNERS = ("facebookresearch", "facebookincubator", "pytorch", "fairinternal")


def get_dir() -> str:
    """The hub cache directory: the one given to ``set_dir``, else ``$TORCH_HOME/hub``."""
    if _hub_dir is not None:
        return _hub_dir
    home = os.environ.get("TORCH_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.join("~", ".cache")), "torch")
    return os.path.join(os.path.expanduser(home), "hub")


def set_dir(d) -> None:
    """Use directory ``d`` for the hub cache from now on."""
    global _hub_dir
    _hub_dir = os.path.expanduser(os.fspath(d))


def _progress_bar(total, enabled):
    if not enabled:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, disable=False, unit="B", unit_scale=True, unit_divisor=1024)


def download_url_to_file(url: str, dst: str, hash_prefix: str | None = None,
                         progress: bool = True) -> None:
    """Download ``url`` to ``dst`` (written to a temporary file in the same directory and
    renamed, so ``dst`` is never half-written); with ``hash_prefix``, RuntimeError unless
    the SHA-256 of the data starts with it."""
    dst = os.path.expanduser(os.fspath(dst))
    req = urllib.request.Request(url, headers={"User-Agent": "minigrad.hub"})
    folder = os.path.dirname(os.path.abspath(dst))
    fd, tmp = tempfile.mkstemp(prefix=".download-", dir=folder)
    sha = hashlib.sha256() if hash_prefix is not None else None
    try:
        with urllib.request.urlopen(req) as resp, os.fdopen(fd, "wb") as out:
            length = resp.headers.get("Content-Length") if hasattr(resp, "headers") else None
            bar = _progress_bar(int(length) if length else None, progress)
            try:
                while chunk := resp.read(_CHUNK):
                    out.write(chunk)
                    if sha is not None:
                        sha.update(chunk)
                    if bar is not None:
                        bar.update(len(chunk))
            finally:
                if bar is not None:
                    bar.close()
        if sha is not None and not sha.hexdigest().startswith(hash_prefix):
            raise RuntimeError(f'invalid hash value (expected "{hash_prefix}", got '
                               f'"{sha.hexdigest()}")')
        os.replace(tmp, dst)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def load_state_dict_from_url(url: str, model_dir: str | None = None, map_location=None,
                             progress: bool = True, check_hash: bool = False,
                             file_name: str | None = None, weights_only: bool = False):
    """Load the checkpoint at ``url``, downloading it into ``model_dir`` (default
    ``<get_dir()>/checkpoints``) unless a file of that name is already there.

    ``check_hash``: the file name must look like ``name-<sha256 prefix>.ext`` and the data
    must match that prefix. A zip holding one file (an old torchvision format) is
    extracted first. ``weights_only`` defaults to False as in PyTorch's function: pass True
    for files from sources you do not trust.
    """
    model_dir = os.path.join(get_dir(), "checkpoints") if model_dir is None else model_dir
    os.makedirs(model_dir, exist_ok=True)
    filename = file_name or os.path.basename(urlparse(url).path)
    cached = os.path.join(model_dir, filename)
    if not os.path.exists(cached):
        sys.stdout.write(f'Downloading: "{url}" to {cached}\n')
        prefix = None
        if check_hash:
            m = HASH_REGEX.search(filename)
            prefix = m.group(1) if m else None
        download_url_to_file(url, cached, prefix, progress=progress)
    from .serialization import load as _load

    if zipfile.is_zipfile(cached):
        with zipfile.ZipFile(cached) as zf:
            names = zf.namelist()
            if len(names) == 1 and not names[0].endswith("/"):  # the legacy single-file zip
                zf.extract(names[0], model_dir)
                cached = os.path.join(model_dir, names[0])
    return _load(cached, map_location=map_location, weights_only=weights_only)


# ---- repositories with a hubconf.py ----------------------------------------------------

def _parse_github(github: str):
    ref = None
    if ":" in github:
        github, ref = github.split(":", 1)
    if github.count("/") != 1 or not all(github.split("/")):
        raise ValueError(f"Invalid input: repo_or_dir should be of the form "
                         f"'repo_owner/repo_name[:ref]', got {github!r}")
    owner, name = github.split("/")
    return owner, name, ref or "main"


def _trusted(owner: str, name: str, folder: str, trust_repo) -> None:
    hub = get_dir()
    os.makedirs(hub, exist_ok=True)
    path = os.path.join(hub, "trusted_list")
    listed = ()
    if os.path.exists(path):
        with open(path) as f:
            listed = tuple(line.strip() for line in f)
    key = f"{owner}_{name}"
    trusted = key in listed or os.path.isdir(os.path.join(hub, folder)) or \
        owner in _TRUSTED_OWNERS
    if trust_repo is None and not trusted:
        import warnings

        warnings.warn("You are about to download and run code from an untrusted repository. "
                      "In a future release, this won't be allowed. To add the repository to "
                      "your trusted list, change the command to {calling_fn}(..., "
                      "trust_repo=False) and a command prompt will appear asking for an "
                      "explicit confirmation of trust, or load(..., trust_repo=True), which "
                      "will assume that the prompt is to be answered with 'yes'.",
                      stacklevel=3)
    elif trust_repo is False or (trust_repo == "check" and not trusted):
        answer = builtins.input(
            f"The repository {key} does not belong to the list of trusted repositories and "
            "as such cannot be downloaded. Do you trust this repository and wish to add it "
            "to the trusted list of repositories (y/N)?")
        if answer.lower() in ("n", "no", ""):
            raise RuntimeError("Untrusted repository.")
        if answer.lower() not in ("y", "yes"):
            raise ValueError(f"Unrecognized response {answer}.")
    if not trusted and trust_repo is not None:
        with open(path, "a") as f:
            f.write(key + "\n")


def _repo_dir(github: str, force_reload: bool, trust_repo, verbose: bool) -> str:
    """The folder of a GitHub repository in the hub cache, downloading it if needed."""
    owner, name, ref = _parse_github(github)
    folder = "_".join([owner, name, ref.replace("/", "_")])
    _trusted(owner, name, folder, trust_repo)
    hub = get_dir()
    repo = os.path.join(hub, folder)
    if os.path.isdir(repo) and not force_reload:
        if verbose:
            sys.stderr.write(f"Using cache found in {repo}\n")
        return repo
    url = f"https://github.com/{owner}/{name}/zipball/{ref}"
    archive = os.path.join(hub, ref.replace("/", "_") + ".zip")
    sys.stdout.write(f'Downloading: "{url}" to {archive}\n')
    download_url_to_file(url, archive, progress=False)
    with zipfile.ZipFile(archive) as zf:
        top = zf.infolist()[0].filename.split("/")[0]
        root = os.path.realpath(hub)
        for member in zf.namelist():  # no member may land outside the hub directory
            target = os.path.realpath(os.path.join(hub, member))
            if os.path.commonpath([root, target]) != root:
                raise RuntimeError(f"the archive of {github} has a member outside its "
                                   f"folder: {member!r}")
        shutil.rmtree(os.path.join(hub, top), ignore_errors=True)
        zf.extractall(hub)
    os.remove(archive)
    shutil.rmtree(repo, ignore_errors=True)
    shutil.move(os.path.join(hub, top), repo)
    return repo


def _hubconf(repo_dir: str):
    """Import ``repo_dir/hubconf.py`` (with ``repo_dir`` first on sys.path meanwhile) and
    check its ``dependencies`` are importable."""
    path = os.path.join(repo_dir, "hubconf.py")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path} not found: a hub repository needs a hubconf.py")
    sys.path.insert(0, repo_dir)
    try:
        spec = importlib.util.spec_from_file_location("hubconf", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(repo_dir)
    missing = [d for d in getattr(module, "dependencies", [])
               if importlib.util.find_spec(d) is None]
    if missing:
        raise RuntimeError(f"Missing dependencies: {', '.join(missing)}")
    return module


def _entry(module, model: str):
    if not isinstance(model, str):
        raise ValueError("Invalid input: model should be a string of function name")
    fn = getattr(module, model, None)
    if fn is None or not callable(fn):
        raise RuntimeError(f"Cannot find callable {model} in hubconf")
    return fn


def _module_of(repo_or_dir, source, force_reload, trust_repo, verbose):
    source = source.lower()
    if source not in ("github", "local"):
        raise ValueError(f'Unknown source: "{source}". Allowed values: "github" | "local".')
    if source == "github":
        repo_or_dir = _repo_dir(repo_or_dir, force_reload, trust_repo, verbose)
    return _hubconf(os.fspath(repo_or_dir))


def list(github, force_reload=False, skip_validation=False, trust_repo="check",
         verbose=True):
    """The names of the entry points in ``github``'s hubconf.py (``owner/repo[:ref]``)."""
    module = _module_of(github, "github", force_reload, trust_repo, verbose)
    return [n for n in dir(module) if callable(getattr(module, n)) and not n.startswith("_")]


def help(github, model, force_reload=False, skip_validation=False, trust_repo="check"):
    """The docstring of entry point ``model`` of ``github``'s hubconf.py."""
    module = _module_of(github, "github", force_reload, trust_repo, True)
    return _entry(module, model).__doc__


def load(repo_or_dir, model, *args, source="github", trust_repo="check", force_reload=False,
         verbose=True, skip_validation=False, **kwargs):
    """``model(*args, **kwargs)`` from the hubconf.py of a GitHub repository
    (``owner/repo[:ref]``, ``source="github"``) or of a local folder (``source="local"``)."""
    module = _module_of(repo_or_dir, source, force_reload, trust_repo, verbose)
    return _entry(module, model)(*args, **kwargs)
