"""TensorBoard logging with PyTorch's ``torch.utils.tensorboard`` API.

    from minigrad.utils.tensorboard import SummaryWriter

    with SummaryWriter() as w:              # runs/<date>_<host>
        for step in range(100):
            w.add_scalar("loss", loss.item(), step)

Event files are written with the ``tensorboard`` package's own protobufs and record writer
(install the optional extra: ``pip install "minigrad[tensorboard]"``), so ``tensorboard
--logdir runs`` shows them as it shows a PyTorch run.
"""
try:
    import tensorboard  # noqa: F401
except ImportError as e:  # PyTorch raises ImportError here too
    raise ImportError(
        "minigrad.utils.tensorboard needs the tensorboard package: "
        'pip install "minigrad[tensorboard]" (or pip install tensorboard)'
    ) from e

from .writer import FileWriter, SummaryWriter

__all__ = ["FileWriter", "SummaryWriter"]
