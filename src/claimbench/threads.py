"""Thread limits that hold however a run is launched (console script, `python -m`, dvc, a test).

BLAS and OpenMP read their thread counts from the environment once, when the library loads. So the
environment is set before any numerical import (`claimbench.__main__` does it first), and
threadpoolctl caps the libraries that a caller had already loaded (a test, a notebook). torch's
intra-op pool is set with torch.set_num_threads; XLA reads XLA_FLAGS when jax starts its backend,
but sizes its CPU thread pools by the CPUs the process may run on (see `size_xla_pools`).
Imports neither numpy nor a framework unless the caller already did (or the run is a jax run).
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
    if backend == "jax":
        size_xla_pools(threads)


_xla_pools_sized = False


def size_xla_pools(threads: int) -> None:
    """Start jax's backend with XLA's CPU thread pools sized to `threads`.

    XLA sizes its intra-op ("XLAEigen") pool by the CPUs the process may run on, whatever
    --xla_cpu_multi_thread_eigen says; on 2 cores a "one-thread" jax run kept ~1.4 cores busy, and two
    side by side each took about twice as long as alone (the pools spin). So the process is held to
    `threads` CPUs while jax creates its backend, then every thread gets the full CPU set back: the
    pool has `threads` workers, and the numbers no longer depend on the machine's core count.
    Linux only (elsewhere, and if jax's backend already started, nothing changes).
    """
    global _xla_pools_sized
    if _xla_pools_sized or not hasattr(os, "sched_setaffinity"):
        return
    _xla_pools_sized = True
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) <= threads:
        return
    os.sched_setaffinity(0, allowed[:threads])
    try:
        import jax

        jax.devices()  # creates the CPU client and its thread pools now
    finally:
        for tid in os.listdir("/proc/self/task"):
            try:
                os.sched_setaffinity(int(tid), allowed)
            except OSError:  # a thread that has just exited
                pass


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
