"""A scratch git repository with a synthetic benchmark suite, for the A/B compare tests and
benchmarks/false_alarm_rate.py.

    toy.py                 work() and steady(): REPS iterations of integer arithmetic (~1 ms of CPU)
    benchmarks/bench_toy.py   test_work, test_steady (pytest-benchmark, group "toy")

`make_repo` commits it (that commit is BASE); `slow_down` makes work() do `factor` times the iterations in
the working tree (HEAD), leaving steady() as it was; `add_head_only` adds a benchmark BASE does not have.
"""
from __future__ import annotations

import subprocess
from pathlib import Path

REPS = 20000
TOY = '''"""Synthetic CPU work for the compare tests."""
REPS = {reps}


def _spin(n: int) -> int:
    s = 0
    for i in range(n):
        s += i * i
    return s


def work() -> int:
    return _spin(REPS)


def steady() -> int:
    return _spin({base})
'''
BENCH = '''import pytest

import toy

pytestmark = pytest.mark.benchmark(group="toy")


def test_work(benchmark):
    benchmark.pedantic(toy.work, rounds=21, iterations=1, warmup_rounds=2)


def test_steady(benchmark):
    benchmark.pedantic(toy.steady, rounds=21, iterations=1, warmup_rounds=2)
'''
HEAD_ONLY = '''

def test_new(benchmark):
    benchmark.pedantic(toy.steady, rounds=3, iterations=1)
'''


def git(repo: Path, *args: str) -> str:
    r = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, timeout=60, check=True)
    return r.stdout


def make_repo(repo: Path) -> Path:
    """Write and commit the synthetic suite in `repo` (created); return it."""
    (repo / "benchmarks").mkdir(parents=True)
    (repo / "toy.py").write_text(TOY.format(reps=REPS, base=REPS))
    (repo / "benchmarks" / "bench_toy.py").write_text(BENCH)
    (repo / ".gitignore").write_text("__pycache__/\nreports/\n")
    git(repo, "init", "-q")
    git(repo, "config", "user.email", "test@example.com")
    git(repo, "config", "user.name", "test")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    return repo


def slow_down(repo: Path, factor: float) -> None:
    """Make toy.work() do `factor` times as much work in the working tree (steady() unchanged)."""
    (repo / "toy.py").write_text(TOY.format(reps=round(REPS * factor), base=REPS))


def add_head_only(repo: Path) -> None:
    """Add test_new to the working tree's suite (a benchmark BASE lacks)."""
    with open(repo / "benchmarks" / "bench_toy.py", "a") as fh:
        fh.write(HEAD_ONLY)
