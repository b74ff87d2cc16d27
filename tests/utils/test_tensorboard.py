"""SummaryWriter: every value written is read back with TensorBoard's own reader."""
import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import numpy as np
import pytest

pytest.importorskip("tensorboard")

import minigrad as torch  # noqa: E402
from minigrad import nn  # noqa: E402
from minigrad.utils.tensorboard import SummaryWriter  # noqa: E402

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

ALL = {"scalars": 0, "images": 0, "histograms": 0, "tensors": 0, "compressedHistograms": 0}


def _read(path):
    ea = EventAccumulator(str(path), size_guidance=ALL)
    ea.Reload()
    return ea


def _png(encoded):
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(encoded)))


def test_scalars_every_value_step_and_walltime(tmp_path, rng):
    values = rng.standard_normal(50)
    steps = np.cumsum(rng.integers(1, 5, size=50))
    kinds = [float, np.float64, np.float32, lambda v: torch.tensor(v), lambda v: np.array([v]),
             lambda v: torch.tensor([[v]], dtype=torch.float64)]
    with SummaryWriter(tmp_path) as w:
        for i, (v, s) in enumerate(zip(values, steps)):
            w.add_scalar("train/loss", kinds[i % len(kinds)](v), int(s), walltime=1000.0 + i)
            w.add_scalar("int", i, global_step=torch.tensor(i))
    ea = _read(tmp_path)
    assert sorted(ea.Tags()["scalars"]) == ["int", "train/loss"]
    got = ea.Scalars("train/loss")
    assert [e.step for e in got] == steps.tolist()
    # simple_value is a float32 field
    assert [e.value for e in got] == values.astype(np.float32).tolist()
    assert [e.wall_time for e in got] == [1000.0 + i for i in range(50)]
    assert [(e.step, e.value) for e in ea.Scalars("int")] == [(i, float(i)) for i in range(50)]


def test_scalar_new_style_and_errors(tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_scalar("a", 0.1, 1, new_style=True, double_precision=True)
        with pytest.raises(ValueError, match="scalar"):
            w.add_scalar("bad", torch.ones(3), 0)
        with pytest.raises(NotImplementedError, match="minigrad Tensor"):
            w.add_scalar("bad", object(), 0)
    t = _read(tmp_path).Tensors("a")[0]
    assert t.step == 1 and list(t.tensor_proto.double_val) == [0.1]


def test_add_scalars_writes_one_run_per_key(tmp_path):
    with SummaryWriter(tmp_path) as w:
        for step in range(4):
            w.add_scalars("loss/all", {"train": 1.0 / (step + 1), "val": step * 0.5}, step)
    for key, f in (("train", lambda s: 1.0 / (s + 1)), ("val", lambda s: s * 0.5)):
        ea = _read(tmp_path / f"loss_all_{key}")
        assert [(e.step, e.value) for e in ea.Scalars("loss/all")] == \
            [(s, float(np.float32(f(s)))) for s in range(4)]


def test_histogram_statistics_and_buckets(tmp_path, rng):
    x = rng.standard_normal((40, 25)) * 3
    with SummaryWriter(tmp_path) as w:
        w.add_histogram("w", torch.tensor(x), 7)
        w.add_histogram("w10", x, 8, bins=10)
        w.add_histogram("merged", x, 9, bins=64, max_bins=10)
        with pytest.raises(ValueError, match="no element"):
            w.add_histogram("empty", np.zeros(0), 0)
    ea = _read(tmp_path)
    flat = x.ravel()
    for tag in ("w", "w10", "merged"):
        h = ea.Histograms(tag)[0].histogram_value
        assert (h.num, h.min, h.max) == (flat.size, flat.min(), flat.max())
        assert h.sum == pytest.approx(flat.sum(), rel=1e-12)
        assert h.sum_squares == pytest.approx(flat @ flat, rel=1e-12)
        # each bucket i holds the values in [limit[i-1], limit[i]) (the last one closed)
        lim = np.asarray(h.bucket_limit)
        assert sum(h.bucket) == flat.size and h.bucket[0] == 0
        expect, _ = np.histogram(flat, bins=lim)
        assert list(h.bucket[1:]) == expect.tolist()
    assert len(ea.Histograms("w10")[0].histogram_value.bucket) == 11
    assert len(ea.Histograms("merged")[0].histogram_value.bucket) <= 11


def test_images_in_every_layout(tmp_path, rng):
    chw = rng.random((3, 5, 7))
    hwc_u8 = rng.integers(0, 256, (5, 7, 3)).astype(np.uint8)
    gray = rng.random((5, 7)).astype(np.float32)
    batch = rng.random((10, 1, 4, 6)).astype(np.float32)
    with SummaryWriter(tmp_path) as w:
        w.add_image("chw", torch.tensor(chw), 0)
        w.add_image("hwc", hwc_u8, 1, dataformats="HWC")
        w.add_image("hw", gray, 2, dataformats="HW")
        w.add_images("batch", torch.tensor(batch), 3)
        w.add_images("nhwc", batch.transpose(0, 2, 3, 1), 4, dataformats="NHWC")
        with pytest.raises(ValueError, match="dataformats"):
            w.add_image("bad", chw, 0, dataformats="CHWX")
        with pytest.raises(ValueError, match="different"):
            w.add_image("bad", chw, 0, dataformats="HW")
    ea = _read(tmp_path)
    to8 = lambda a: np.clip(a.astype(np.float32) * 255, 0, 255).astype(np.uint8)  # noqa: E731
    np.testing.assert_array_equal(_png(ea.Images("chw")[0].encoded_image_string),
                                  to8(chw.transpose(1, 2, 0)))
    np.testing.assert_array_equal(_png(ea.Images("hwc")[0].encoded_image_string), hwc_u8)
    np.testing.assert_array_equal(_png(ea.Images("hw")[0].encoded_image_string),
                                  np.repeat(to8(gray)[..., None], 3, axis=2))
    # 10 images, 8 a row: a 2 x 8 grid of 4 x 6 tiles, the last 6 tiles black
    for tag in ("batch", "nhwc"):
        e = ea.Images(tag)[0]
        grid = _png(e.encoded_image_string)
        assert (e.height, e.width) == (8, 48) and grid.shape == (8, 48, 3)
        for i in range(10):
            r, c = divmod(i, 8)
            tile = grid[r * 4:(r + 1) * 4, c * 6:(c + 1) * 6]
            np.testing.assert_array_equal(tile, np.repeat(to8(batch[i, 0])[..., None], 3, 2))
        assert not grid[4:, 12:].any()


def test_figure_text_and_hparams(tmp_path):
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(2, 1.5), dpi=50)
    plt.plot([0, 1], [1, 0])
    with SummaryWriter(tmp_path) as w:
        w.add_figure("fig", fig, 3)
        w.add_figure("figs", [plt.figure(figsize=(2, 1), dpi=50) for _ in range(2)], 4)
        w.add_text("notes", "lr **0.1**", 5)
        w.add_hparams({"lr": 0.1, "opt": "adam", "bn": True, "layers": torch.tensor(3)},
                      {"hp/acc": 0.75}, run_name="trial0", global_step=2)
        with pytest.raises(ValueError, match="int, float, str, bool"):
            w.add_hparams({"bad": [1]}, {})
    assert not plt.fignum_exists(fig.number)  # close=True closes it
    ea = _read(tmp_path)
    img = ea.Images("fig")[0]
    assert (img.step, img.width, img.height) == (3, 100, 75)
    assert (ea.Images("figs")[0].width, ea.Images("figs")[0].height) == (200, 50)
    t = ea.Tensors("notes/text_summary")[0]
    assert t.step == 5 and t.tensor_proto.string_val == [b"lr **0.1**"]

    from tensorboard.plugins.hparams import metadata

    hp = _read(tmp_path / "trial0")
    data = hp.PluginTagToContent(metadata.PLUGIN_NAME)
    exp = metadata.parse_experiment_plugin_data(data[metadata.EXPERIMENT_TAG])
    assert [i.name for i in exp.hparam_infos] == ["lr", "opt", "bn", "layers"]
    assert [m.name.tag for m in exp.metric_infos] == ["hp/acc"]
    start = metadata.parse_session_start_info_plugin_data(data[metadata.SESSION_START_INFO_TAG])
    assert start.hparams["lr"].number_value == 0.1
    assert start.hparams["opt"].string_value == "adam"
    assert start.hparams["bn"].bool_value is True
    assert start.hparams["layers"].number_value == 3.0
    assert [(e.step, e.value) for e in hp.Scalars("hp/acc")] == [(2, 0.75)]


class _Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
        self.head = nn.Linear(8, 3)

    def forward(self, x):
        return self.head(self.body(x)) * 2


def test_add_graph_has_scoped_ops_and_parameters(tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_graph(_Net(), torch.randn(5, 4))
        with pytest.raises(ValueError, match="input_to_model"):
            w.add_graph(_Net())
    g = _read(tmp_path).Graph()
    nodes = {n.name: n for n in g.node}
    lin0 = "_Net/Sequential[body]/Linear[0]"
    assert list(nodes[f"{lin0}/AddmmBackward0"].input) == \
        ["input/input.0", f"{lin0}/weight", f"{lin0}/bias"]
    assert list(nodes["_Net/Sequential[body]/ReLU[1]/ReluBackward0"].input) == \
        [f"{lin0}/AddmmBackward0"]
    assert list(nodes["_Net/Linear[head]/AddmmBackward0"].input)[0] == \
        "_Net/Sequential[body]/ReLU[1]/ReluBackward0"
    assert list(nodes["output/output.0"].input) == ["_Net/MulBackward0"]
    shape = nodes[f"{lin0}/weight"].attr["_output_shapes"].list.shape[0]
    assert [d.size for d in shape.dim] == [8, 4]
    assert nodes[f"{lin0}/weight"].op == "Parameter"
    assert len(nodes) == 10  # input, 4 params, addmm, relu, addmm, mul, output


def test_embedding_files(tmp_path, rng):
    mat = rng.standard_normal((6, 3))
    with SummaryWriter(tmp_path) as w:
        w.add_embedding(torch.tensor(mat), metadata=["a", "b", "c", "d", "e", "f"],
                        label_img=torch.rand(6, 1, 4, 4), global_step=2, tag="emb")
    np.testing.assert_allclose(np.loadtxt(tmp_path / "00002/emb/tensors.tsv"), mat, rtol=1e-7)
    assert (tmp_path / "00002/emb/metadata.tsv").read_text().split() == list("abcdef")
    assert _png((tmp_path / "00002/emb/sprite.png").read_bytes()).shape == (12, 12, 3)
    from google.protobuf import text_format
    from tensorboard.plugins.projector.projector_config_pb2 import ProjectorConfig

    cfg = text_format.Parse((tmp_path / "projector_config.pbtxt").read_text(), ProjectorConfig())
    assert cfg.embeddings[0].tensor_path == "00002/emb/tensors.tsv"
    assert list(cfg.embeddings[0].sprite.single_image_dim) == [4, 4]


def test_default_log_dir_comment_suffix_and_reopen(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    w = SummaryWriter(comment="_lr0.1", filename_suffix=".mg")
    run = w.get_logdir()
    assert run.startswith("runs" + os.sep) and run.endswith(socket.gethostname() + "_lr0.1")
    w.add_scalar("x", 1.0, 0)
    w.close()
    w.add_scalar("x", 2.0, 1)  # a closed writer reopens a new file, as in PyTorch
    w.close()
    files = sorted(os.listdir(run))
    assert len(files) == 2 and all(f.endswith(".mg") for f in files)
    assert [(e.step, e.value) for e in _read(run).Scalars("x")] == [(0, 1.0), (1, 2.0)]


def test_purge_step_hides_later_steps_of_the_crashed_run(tmp_path):
    with SummaryWriter(tmp_path) as w:
        for s in range(10):
            w.add_scalar("loss", float(s), s)
    time.sleep(1.1)  # event files are ordered by the second in their name
    with SummaryWriter(tmp_path, purge_step=5) as w:
        for s in range(5, 8):
            w.add_scalar("loss", 100.0 + s, s)
    got = [(e.step, e.value) for e in _read(tmp_path).Scalars("loss")]
    assert got == [(s, float(s)) for s in range(5)] + [(s, 100.0 + s) for s in range(5, 8)]


_UNCLOSED = """
import sys
from minigrad.utils.tensorboard import SummaryWriter
w = SummaryWriter(sys.argv[1], flush_secs=10_000, max_queue=1000)
for i in range(500):
    w.add_scalar("x", float(i), i)
def scope():  # a writer dropped without close() is closed when collected
    SummaryWriter(sys.argv[1] + "/dropped", flush_secs=10_000).add_scalar("y", 1.0, 0)
scope()
"""


def test_nothing_lost_without_close(tmp_path):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=root)
    subprocess.run([sys.executable, "-c", _UNCLOSED, str(tmp_path)], env=env, check=True,
                   timeout=120)
    assert [e.value for e in _read(tmp_path).Scalars("x")] == [float(i) for i in range(500)]
    assert [e.value for e in _read(tmp_path / "dropped").Scalars("y")] == [1.0]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_tensorboard_server_serves_the_scalars(tmp_path):
    with SummaryWriter(tmp_path / "run1") as w:
        for s in range(5):
            w.add_scalar("loss", 1.0 / (s + 1), s)
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tensorboard.main", "--logdir", str(tmp_path), "--host",
         "127.0.0.1", "--port", str(port), "--load_fast", "false", "--reload_interval", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/data/plugin/scalars/scalars?run=run1&tag=loss"
    try:
        deadline, got = time.monotonic() + 60, None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    got = json.loads(r.read())
                if len(got) == 5:
                    break
            except OSError:  # not listening yet, or run not loaded yet (HTTP 400)
                pass
            time.sleep(0.5)
        assert got is not None, "tensorboard did not answer within 60 s"
        assert [(step, value) for _, step, value in got] == \
            [(s, float(np.float32(1.0 / (s + 1)))) for s in range(5)]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


_PYTORCH_SCRIPT = """
import sys
import torch
import torch.nn as nn
from torch.utils.tensorboard import SummaryWriter

torch.manual_seed(0)
model = nn.Linear(3, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x = torch.randn(64, 3)
y = x @ torch.tensor([[1.0], [-2.0], [0.5]])
writer = SummaryWriter(sys.argv[1])
for step in range(20):
    loss = nn.functional.mse_loss(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    writer.add_scalar("loss", loss.item(), step)
writer.close()
assert torch.__name__ == "minigrad"
"""


def test_a_pytorch_script_logs_unchanged(tmp_path):
    """A script written for PyTorch, run with python -m minigrad.as_torch, fills TensorBoard."""
    script = tmp_path / "train.py"
    script.write_text(_PYTORCH_SCRIPT)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    subprocess.run([sys.executable, "-m", "minigrad.as_torch", str(script), str(tmp_path / "run")],
                   env=dict(os.environ, PYTHONPATH=root), check=True, timeout=120)
    got = _read(tmp_path / "run").Scalars("loss")
    assert [e.step for e in got] == list(range(20))
    assert got[-1].value < 0.5 * got[0].value
