"""Run the benchmark suite with pytest-benchmark and keep each run in the history folder.

History layout is pytest-benchmark's own file storage, so its tools read it too:
    reports/bench/history/<machine id>/<NNNN>_<commit>_<date>[_uncommitted-changes].json
    (`pytest benchmarks --benchmark-storage=reports/bench/history --benchmark-compare`, or
    `pytest-benchmark --storage reports/bench/history compare`)
Each file is pytest-benchmark's JSON plus a "claimbench" entry: git commit, python, package versions,
machine, threads. A run is written only when pytest finished (exit 0, or 1 with the benchmarks that
passed); an interrupted run saves nothing.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from claimbench import results

BENCH_DIR = "benchmarks"
HISTORY = Path("bench") / "history"  # under the report folder (--out)
THREAD_DEFAULTS = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                   "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false", "MPLBACKEND": "Agg", "CLAIMBENCH_QUIET": "1"}
# pytest-benchmark options every run uses: bench_*.py files, times in ms, one table per group
# (plugins are not auto-loaded: the hypothesis and dvc entry points cost seconds per session)
# (a file that fails to import loses its own benchmarks only: --continue-on-collection-errors)
PYTEST_OPTS = ["-o", "python_files=bench_*.py", "-p", "no:cacheprovider", "-p", "pytest_benchmark.plugin",
               "--continue-on-collection-errors", "--benchmark-only",
               "--benchmark-time-unit=ms", "--benchmark-group-by=group", "--benchmark-sort=name"]


# What a benchmark's time is. cpu: CPU seconds of the benchmark process (all its threads), so other
# processes on a shared machine do not count, only the cache and frequency effects they cause; it
# misses time spent waiting (sleep, I/O, a GPU). wall: elapsed time, pytest-benchmark's default.
TIMERS = {"cpu": "time.process_time", "wall": "time.perf_counter"}


def timer_opts(timer: str) -> list[str]:
    """pytest-benchmark's --benchmark-timer for `timer` ('cpu' or 'wall')."""
    if timer not in TIMERS:
        raise BenchError(f"--timer {timer[:40]!r}: expected one of {', '.join(TIMERS)}")
    return [f"--benchmark-timer={TIMERS[timer]}"]


class BenchError(Exception):
    """Bad input or a run that could not be done (one line, exit 2)."""


def bench_env() -> dict[str, str]:
    """The environment benchmarks run in: one BLAS/XLA thread unless the caller chose otherwise.

    The benchmark session is a pytest session of its own: an enclosing pytest-xdist worker's variables
    (pytest-benchmark then disables itself) and PYTEST_ADDOPTS are not passed on.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_XDIST") and k != "PYTEST_ADDOPTS"}
    return {**THREAD_DEFAULTS, **env, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def selection(tree: Path, paths: list[str], keyword: str | None) -> list[str]:
    """pytest arguments selecting the benchmarks: paths (default benchmarks/) that exist in `tree`, and -k."""
    chosen = [p for p in (paths or [BENCH_DIR]) if (Path(tree) / p).exists()]
    return [*chosen, *(["-k", keyword] if keyword else [])]


def machine_id() -> str:
    """pytest-benchmark's storage folder name for this interpreter and OS."""
    from pytest_benchmark.utils import get_machine_id

    return get_machine_id()


def run_suite(root: Path, out_root: Path, paths: list[str], keyword: str | None,
              timer: str = "cpu") -> tuple[int, Path | None]:
    """Run the suite in `root` (output streamed), save it into the history; (pytest exit code, saved file)."""
    root = Path(root)
    if not (root / BENCH_DIR).is_dir() and not paths:
        raise BenchError(f"{root / BENCH_DIR}: no benchmarks folder (run from the repository root)")
    for p in paths:
        if not (root / p).exists():
            raise BenchError(f"{p}: no such benchmark file or folder")
    with tempfile.TemporaryDirectory(prefix="claimbench-bench-") as tmp:
        out_json = Path(tmp) / "run.json"
        argv = [sys.executable, "-m", "pytest", *selection(root, paths, keyword), *PYTEST_OPTS, *timer_opts(timer),
                f"--rootdir={root}", "-q", "--benchmark-columns=min,median,max,rounds", f"--benchmark-json={out_json}"]
        rc = subprocess.run(argv, cwd=root, env={**bench_env(), "CLAIMBENCH_TIMER": timer}).returncode
        if rc not in (0, 1) or not out_json.exists():
            return rc, None
        return rc, save_run(json.loads(out_json.read_text()), out_root, root)


def save_run(data: dict, out_root: Path, root: Path) -> Path:
    """Add claimbench's environment record and write the run as the next file of the history (atomic)."""
    data["claimbench"] = {**results.environment_meta(root), "threads": os.environ.get("OMP_NUM_THREADS", "")}
    folder = Path(out_root) / HISTORY / machine_id()
    folder.mkdir(parents=True, exist_ok=True)
    commit = data.get("commit_info", {})
    when = dt.datetime.fromisoformat(data["datetime"]).strftime("%Y%m%d_%H%M%S")
    tag = f"{commit.get('id') or 'unversioned'}_{when}" + ("_uncommitted-changes" if commit.get("dirty") else "")
    text = results.json_text(data)
    for _ in range(100):  # another `claimbench bench` may take the same number: link() refuses to overwrite
        numbers = [int(p.name[:4]) for p in folder.glob("[0-9][0-9][0-9][0-9]_*.json")]
        target = folder / f"{max(numbers, default=0) + 1:04d}_{tag}.json"
        tmp = folder / f".{target.name}.tmp-{os.getpid()}"
        tmp.write_text(text)
        try:
            os.link(tmp, target)
            return target
        except FileExistsError:
            continue
        finally:
            tmp.unlink(missing_ok=True)
    raise BenchError(f"{folder}: could not find a free run number")
