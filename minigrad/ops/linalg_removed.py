"""Tensor methods PyTorch removed in 1.9 (``x.solve``, ``x.lstsq``, ``x.eig``,
``x.symeig``): they raise its RuntimeError naming the replacement. The ``torch.X`` forms
are in linalg_torch.py."""
from .linalg_extra import tensor_eig as eig, tensor_lstsq as lstsq, tensor_solve as solve
from .linalg_extra import tensor_symeig as symeig

METHODS = ["eig", "lstsq", "solve", "symeig"]
_ = (eig, lstsq, solve, symeig)
