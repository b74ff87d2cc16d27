"""pytest plugin: run a suite with ``tests/fake_cupy.py`` standing in for CuPy.

    python -m pytest -p tests.fake_cuda_plugin tests/ops -k cuda

Loaded with ``-p`` it is imported before ``tests/conftest.py``, so the ``device`` fixture
then yields "cuda" too, backed by NumPy arrays that behave like CuPy's where code usually
breaks (see fake_cupy.py). A CPU-only check of the CUDA code paths, not a GPU run.
"""
from tests import fake_cupy

fake_cupy.install()
