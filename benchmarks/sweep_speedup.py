"""Speed-up of a sweep on N Dask workers over the same points run one after another (1 worker).

    .venv/bin/python benchmarks/sweep_speedup.py [PAPER SWEEP] [--workers 2]
    (default: edge_of_stability baseline_lr; run from the repository root on a quiet machine)

Each variant is the whole `claimbench sweep ... --force` command, start-up and cluster included, timed
from outside, writing into its own temporary --out folder; the two frontier tables must agree (same
numbers whatever the number of workers). Prints both wall times and their ratio; it gates nothing.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
THREADS = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false", "MPLBACKEND": "Agg", "CLAIMBENCH_QUIET": "1"}


def timed_sweep(paper: str, sweep: str, workers: int, out: Path) -> float:
    """Wall seconds of one `claimbench sweep` command (fails loudly if the command fails)."""
    cmd = [sys.executable, "-m", "claimbench.cli", "--out", str(out), "sweep", paper, "--name", sweep,
           "--workers", str(workers), "--force"]
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env={**os.environ, **THREADS}, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paper", nargs="?", default="edge_of_stability")
    ap.add_argument("sweep", nargs="?", default="baseline_lr")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        one = timed_sweep(args.paper, args.sweep, 1, Path(tmp) / "one")
        many = timed_sweep(args.paper, args.sweep, args.workers, Path(tmp) / "many")
        tables = [pd.read_csv(Path(tmp) / d / "sweeps" / args.paper / args.sweep / "frontier.csv")
                  for d in ("one", "many")]
    cols = ["claim", "backend", "status", "measured"]
    same = tables[0][cols].equals(tables[1][cols])
    print(f"{args.paper}/{args.sweep}: 1 worker {one:.1f} s, {args.workers} workers {many:.1f} s, "
          f"speed-up {one / many:.2f}x; tables identical: {same}")


if __name__ == "__main__":
    main()
