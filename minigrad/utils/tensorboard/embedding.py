"""``add_embedding``: files for TensorBoard's projector tab.

The projector reads ``projector_config.pbtxt`` in a run's directory; each embedding adds an
entry pointing at ``<step>/<tag>/tensors.tsv`` (and ``metadata.tsv``, ``sprite.png``), the
layout PyTorch writes.
"""
from __future__ import annotations

import math
import os
from urllib.parse import quote

import numpy as np

from ._convert import make_np, to_uint8


def write_embedding(logdir, mat, metadata, label_img, global_step, tag, metadata_header):
    """Write the tsv files (and sprite) and append the projector config entry.

    Shape:
        mat: (N, D); metadata: N labels (or N rows of columns named by metadata_header);
        label_img: (N, C, H, W).
    """
    from google.protobuf import text_format
    from tensorboard.plugins.projector.projector_config_pb2 import EmbeddingInfo, ProjectorConfig

    if mat.ndim != 2:
        raise ValueError(f"mat should be 2D (N, D), got shape {mat.shape}")
    step = 0 if global_step is None else global_step
    sub = f"{step:05d}/{quote(tag, safe='')}"
    path = os.path.join(logdir, sub)
    os.makedirs(path, exist_ok=True)
    info = EmbeddingInfo(tensor_name=f"{tag}:{step:05d}", tensor_path=f"{sub}/tensors.tsv")
    np.savetxt(os.path.join(path, "tensors.tsv"), mat, delimiter="\t", fmt="%.8g")
    if metadata is not None:
        if len(metadata) != mat.shape[0]:
            raise ValueError("#labels should equal with #data points")
        with open(os.path.join(path, "metadata.tsv"), "w", encoding="utf-8") as f:
            if metadata_header is not None:
                f.write("\t".join(str(h) for h in metadata_header) + "\n")
            for row in metadata:
                cols = row if isinstance(row, (list, tuple)) else [row]
                f.write("\t".join(str(make_np(c).item()) if hasattr(c, "shape") else str(c)
                                  for c in cols) + "\n")
        info.metadata_path = f"{sub}/metadata.tsv"
    if label_img is not None:
        imgs = make_np(label_img)
        if imgs.ndim != 4 or imgs.shape[0] != mat.shape[0]:
            raise ValueError("label_img should be (N, C, H, W) with N the number of data points")
        _write_sprite(path, imgs)
        info.sprite.image_path = f"{sub}/sprite.png"
        info.sprite.single_image_dim.extend([imgs.shape[3], imgs.shape[2]])
    config = ProjectorConfig(embeddings=[info])
    with open(os.path.join(logdir, "projector_config.pbtxt"), "a", encoding="utf-8") as f:
        f.write(text_format.MessageToString(config))


def _write_sprite(path, imgs):
    """Tile N CHW images into the square sprite sheet the projector expects."""
    from .summary import encode_png

    n, c, h, w = imgs.shape
    side = math.ceil(math.sqrt(n))
    if c == 1:
        imgs = np.repeat(imgs, 3, axis=1)
    sheet = np.zeros((imgs.shape[1], side * h, side * w), imgs.dtype)
    for i in range(n):
        r, k = divmod(i, side)
        sheet[:, r * h:(r + 1) * h, k * w:(k + 1) * w] = imgs[i]
    with open(os.path.join(path, "sprite.png"), "wb") as f:
        f.write(encode_png(to_uint8(sheet.transpose(1, 2, 0))))
