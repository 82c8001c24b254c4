"""Several `claimbench run` invocations at once, each in its own process with its own thread limits.

`claimbench run PAPER --backend all --jobs 2` runs the torch and the jax run of a paper side by side
(one BLAS/torch/XLA thread each, so two runs fill two cores). A child is exactly the one-backend
command `python -m claimbench run PAPER --backend B ...`, so its numbers and its run folder are the
ones a serial run writes; each child takes its own run-folder lock.
"""
from __future__ import annotations

import subprocess
import sys
import time
from typing import Sequence

POLL_S = 0.2


def child_argv(paper: str, backend: str, args) -> list[str]:
    """The one-paper, one-backend `claimbench run` command line equivalent to part of `args`."""
    argv = [sys.executable, "-m", "claimbench", "--out", args.out, "--params", args.params, "run", paper,
            "--backend", backend, "--profile", args.profile, "--device", args.device]
    argv += [] if args.threads is None else ["--threads", args.threads]
    argv += [] if args.seeds is None else ["--seeds", args.seeds]
    for item in args.overrides:  # PAPER.KEY=V goes only to that paper's runs
        prefix, dot, _ = item.partition("=")[0].partition(".")
        if not dot or prefix == paper or prefix not in args.papers:
            argv += ["--set", item]
    return argv


def run_all(commands: Sequence[list[str]], jobs: int) -> int:
    """Run the commands, at most `jobs` at a time, in order; the worst exit code (0 if all succeed).

    Children inherit stderr (progress bars, one-line errors); their stdout is dropped, the caller
    prints one table for all runs. Children still running are terminated if the caller is interrupted.
    """
    pending, running, worst = list(commands), [], 0
    try:
        while pending or running:
            while pending and len(running) < jobs:
                running.append(subprocess.Popen(pending.pop(0), stdout=subprocess.DEVNULL))
            for proc in [p for p in running if p.poll() is not None]:
                running.remove(proc)
                worst = max(worst, proc.returncode if proc.returncode >= 0 else 128 - proc.returncode)
            time.sleep(POLL_S if running else 0)
    finally:
        for proc in running:
            proc.terminate()
            proc.wait()
    return worst
