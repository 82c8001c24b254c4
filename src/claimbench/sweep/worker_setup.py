"""Dask worker preload for sweeps: Ctrl-C is for the `claimbench sweep` process, not its workers.

A terminal sends SIGINT to the whole process group; the sweep then closes its cluster (which stops the
workers), so the workers themselves ignore it instead of printing their own tracebacks.
"""
from __future__ import annotations

import signal


def dask_setup(worker) -> None:
    """Called by Dask in each worker process at start-up (config `distributed.worker.preload`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
