"""Communication backends: ``mpi`` (mpi4py, host arrays) and ``nccl`` (CuPy, CUDA arrays)."""
