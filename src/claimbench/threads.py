"""Thread limits that hold however a run is launched (console script, `python -m`, dvc, a test).

BLAS and OpenMP read their thread counts from the environment once, when the library loads. So the
environment is set before any numerical import (`claimbench.__main__` does it first), and
threadpoolctl caps the libraries that a caller had already loaded (a test, a notebook). torch's
intra-op pool is set with torch.set_num_threads; XLA reads XLA_FLAGS when jax starts its backend.
Imports neither numpy nor a framework unless the caller already did.
"""
from __future__ import annotations

import os
import sys

THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "BLIS_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
XLA_SINGLE = "--xla_cpu_multi_thread_eigen=false"


def set_thread_env(threads: int) -> None:
    """Write the thread count into the environment read by BLAS/OpenMP (and XLA) when they load."""
    for var in THREAD_VARS:
        os.environ[var] = str(threads)
    if threads == 1 and XLA_SINGLE not in os.environ.get("XLA_FLAGS", ""):
        os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {XLA_SINGLE}".strip()


def limit_threads(threads: int, backend: str | None = None) -> None:
    """Pin every thread pool to `threads`: env for what loads later, threadpoolctl for what is loaded."""
    set_thread_env(threads)
    if "numpy" in sys.modules or "torch" in sys.modules:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=threads)  # kept in force for the life of the process
    if backend == "torch" or "torch" in sys.modules:
        import torch

        torch.set_num_threads(threads)


def threads_from_argv(argv: list[str], default: str = "1") -> int | None:
    """The --threads value (or $CLAIMBENCH_THREADS, else default) if it is a valid count; None otherwise.

    Used before argparse runs, so a bad value is left to the CLI to reject with its one-line error.
    """
    raw = os.environ.get("CLAIMBENCH_THREADS", default)
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            raw = argv[i + 1]
        elif arg.startswith("--threads="):
            raw = arg.split("=", 1)[1]
    return int(raw) if raw.strip().isdigit() and int(raw) >= 1 else None
