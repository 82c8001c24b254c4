"""Start-up costs around a run's units: importing a paper's backend module in a fresh process (a run's
`wall_s` counts it once, as a one-run process does; a second worker that takes the run's units, or a
sweep worker, pays it again uncounted), drawing a run's figures from its stored measurements (no
`wall_s` counts it), the whole `claimbench report` command (the last DVC stage) and the command line's
start.

Issue 17, medians of 3 rounds on a 2-core VM (2026-12-01), commit 36aee55 -> e753d3c: scikit-learn moved
from bottleneck_rank's module import to the C6 measure that uses it (import of papers.bottleneck_rank.jax_impl
3.45 s -> 1.27 s, torch_impl 4.84 s -> 2.67 s), and the report stopped importing scipy.stats and calling
`itertuples` six times per card (`claimbench report` on the 8 fast runs: 2.66 s -> 1.28 s).
Drawing one run's figures in a fresh process (what a worker pays), 04dd9b5 -> now, medians of 3: the theme
frozen to a style file (no seaborn / scipy.stats import) and blank log-axis minor ticks dropped:
three_mechanisms 7.3 s -> 6.3 s, edge_of_stability 5.2 s -> 2.5 s, bottleneck_rank 5.6 s -> 3.3 s,
two_timescale_mean_field 3.9 s -> 3.8 s (its bar plot still uses seaborn).
`claimbench --help` (every command builds this parser first), 8330af0 -> now, since
the sweep command loads pandas and Dask when it runs, not when the parser declares it (farm-bench,
`python -m claimbench --help`, medians of 7 pairs: 0.62 s -> 0.28 s).

Run: OMP_NUM_THREADS=1 .venv/bin/python -m pytest benchmarks/bench_startup.py --benchmark-only -s
(or `claimbench bench --timer wall benchmarks/bench_startup.py`). Each round is a new process.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 3
# the work happens in child processes, which the benchmark process's CPU time does not count
pytestmark = [pytest.mark.benchmark(group="startup"),
              pytest.mark.skipif(os.environ.get("CLAIMBENCH_TIMER") == "cpu",
                                 reason="times child processes: run with `claimbench bench --timer wall`")]
ENV = {**os.environ, "CLAIMBENCH_QUIET": "1", "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1",
       "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def _wall(cmd: list[str], cwd: Path) -> float:
    """Seconds of one command in a fresh process (fails loudly if it fails)."""
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=ENV, check=True, capture_output=True)
    return time.perf_counter() - t0


@pytest.mark.parametrize("backend", ["torch", "jax"])
@pytest.mark.parametrize("paper", ["three_mechanisms", "bottleneck_rank", "edge_of_stability",
                                   "two_timescale_mean_field"])
def test_backend_module_import(benchmark, paper, backend):
    cmd = [sys.executable, "-c", f"import papers.{paper}.{backend}_impl"]
    walls = []
    benchmark.pedantic(lambda: walls.append(_wall(cmd, ROOT)), rounds=ROUNDS, iterations=1)
    benchmark.extra_info.update(paper=paper, backend=backend, rounds=ROUNDS, median_s=sorted(walls)[ROUNDS // 2])
    assert all(0 < w < 120 for w in walls), f"import walls {walls}: a broken measurement"


DRAW = """import json, sys, tempfile
from pathlib import Path
import numpy as np
paper, run = sys.argv[1], Path(sys.argv[2])
by_exp = {}
for exp, seeds in json.loads((run / "measurements.json").read_text()).items():
    for seed, scalars in sorted(seeds.items(), key=lambda kv: int(kv[0])):
        arrays = run / "arrays" / f"{exp}_seed{seed}.npz"
        by_exp.setdefault(exp, []).append({**scalars, **(dict(np.load(arrays)) if arrays.exists() else {})})
import importlib
importlib.import_module(f"papers.{paper}.figures").draw(by_exp, Path(tempfile.mkdtemp()))
"""


@pytest.mark.parametrize("paper", ["three_mechanisms", "bottleneck_rank", "edge_of_stability",
                                   "two_timescale_mean_field"])
def test_draw_a_runs_figures(benchmark, paper, tmp_path):
    """What a worker pays to draw all of a run's figures: matplotlib and the theme, then draw."""
    run = ROOT / "reports" / "runs" / paper / "torch" / "fast"
    if not (run / "measurements.json").is_file():
        pytest.skip(f"no fast torch run of {paper} under reports/runs: run `make reproduce` first")
    cmd = [sys.executable, "-c", DRAW, paper, str(run)]
    walls = []
    benchmark.pedantic(lambda: walls.append(_wall(cmd, ROOT)), rounds=ROUNDS, iterations=1)
    benchmark.extra_info.update(paper=paper, rounds=ROUNDS, median_s=sorted(walls)[ROUNDS // 2])
    assert all(0 < w < 120 for w in walls), f"draw walls {walls}: a broken measurement"


def test_report_command(benchmark, tmp_path):
    runs = ROOT / "reports" / "runs"
    if not any(runs.glob("*/*/fast/meta.json")):
        pytest.skip("no fast-profile runs under reports/runs: run `make reproduce` first")
    shutil.copytree(runs, tmp_path / "runs")  # the report writes next to the runs: not into reports/
    cmd = [sys.executable, "-m", "claimbench", "--out", str(tmp_path), "report", "--profile", "fast"]
    walls = []
    benchmark.pedantic(lambda: walls.append(_wall(cmd, ROOT)), rounds=ROUNDS, iterations=1)
    benchmark.extra_info.update(rounds=ROUNDS, median_s=sorted(walls)[ROUNDS // 2],
                                runs=len(list(runs.glob("*/*/fast/meta.json"))))
    assert (tmp_path / "index.html").is_file()


def test_command_line_start(benchmark):
    """`claimbench --help`: what every command pays before it starts (the parser of every subcommand)."""
    cmd = [sys.executable, "-m", "claimbench", "--help"]
    walls = []
    benchmark.pedantic(lambda: walls.append(_wall(cmd, ROOT)), rounds=ROUNDS, iterations=1)
    benchmark.extra_info.update(rounds=ROUNDS, median_s=sorted(walls)[ROUNDS // 2])
    assert all(0 < w < 60 for w in walls), f"start walls {walls}: a broken measurement"
