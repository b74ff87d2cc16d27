"""minigrad/ops/inplace_forms.py adds no new maths: each top-level ``torch.<op>_`` runs the
recorded out-of-place op (gradient-checked under its own entry) and writes it back, and
``detach``/``fill``/``resize_as_`` have no gradient of their own to check. Values and
gradients through every form are compared with PyTorch in tests/ops/test_inplace_forms.py."""
from minigrad.ops import inplace_forms

NOT_DIFFERENTIABLE = {
    name: "in-place/top-level form of an op gradient-checked elsewhere; values and gradients "
          "vs PyTorch in tests/ops/test_inplace_forms.py"
    for name in inplace_forms.__all__
}
SPECS = []
