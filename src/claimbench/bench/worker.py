"""One side of an A/B comparison: a long-lived pytest process that imports only its own source tree.

The process is started as `python -c BOOT TREE FORBID LOG` with the same interpreter (the same venv):
BOOT puts TREE/src and TREE first on sys.path before anything else is imported, so the editable install
of the current checkout (a meta-path finder that comes after sys.path) cannot shadow it. It then
reads one JSON list of pytest arguments per line on stdin, runs `pytest.main` on it, and answers one
JSON line {"rc": exit code, "foreign": [files]} on its original stdout; pytest's own output goes to LOG.
`foreign` lists every imported file under a FORBID folder (the other side's tree) outside the
interpreter's prefix: the comparison refuses such a round instead of timing the wrong code.
Right before every timed call of a benchmark (each round of pytest-benchmark's runner), BOOT times a
fixed pure-Python loop (the same on both sides: it is in BOOT, not in either tree), i.e. how fast the
machine runs just then; the JSON gets "claimbench_reference" {test id: [[call s, reference s], ...]},
which the comparison uses to divide the machine's speed out, call by call.
The comparison starts a fresh pair of workers every `--respawn` rounds (default: every round), so
that what is fixed for a process's lifetime (its memory layout, the core it started on) varies between
rounds instead of biasing one side.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BOOT = r"""
import json, os, platform, sys, time
tree, forbid, log = sys.argv[1], [f for f in sys.argv[2].split(os.pathsep) if f], sys.argv[3]
clock = time.process_time if os.environ.get("CLAIMBENCH_TIMER", "cpu") == "cpu" else time.perf_counter
reply = os.fdopen(os.dup(1), "w", buffering=1)
fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
os.dup2(fd, 1); os.dup2(fd, 2)
sys.path[:0] = [os.path.join(tree, "src"), tree]
import pytest
prefixes = tuple(os.path.realpath(p) + os.sep for p in {sys.prefix, sys.base_prefix, sys.exec_prefix})
forbid = tuple(os.path.realpath(f) + os.sep for f in forbid)

REF, CURRENT = {}, [None]

def reference():
    # the same pure-Python loop on both sides (it is in BOOT, not in either tree): the machine's speed now
    t0, s = clock(), 0
    for i in range(5000):
        s += i * i
    return clock() - t0

from pytest_benchmark.fixture import BenchmarkFixture
_make_runner = BenchmarkFixture._make_runner

def make_runner(self, function_to_benchmark, args, kwargs):
    # pytest-benchmark 5.3 times each round inside runner(); time the reference right before it
    run = _make_runner(self, function_to_benchmark, args, kwargs)
    def runner(loops_range, timer=self._timer):
        ref = reference() if CURRENT[0] else 0.0
        out = run(loops_range, timer)
        if CURRENT[0]:
            seconds = out if loops_range else out[0]
            REF[CURRENT[0]].append((seconds / max(1, len(loops_range or ())), ref))
        return out
    return runner

BenchmarkFixture._make_runner = make_runner

class Cheap:
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        CURRENT[0] = item.nodeid
        REF[item.nodeid] = []
        try:
            yield
        finally:
            CURRENT[0] = None

    def pytest_benchmark_update_json(self, config, benchmarks, output_json):
        output_json["claimbench_reference"] = dict(REF)

class CheapInfo:
    # pytest-benchmark's default machine info runs py-cpuinfo (seconds per session) and git describe
    @pytest.hookimpl(tryfirst=True)
    def pytest_benchmark_generate_machine_info(self, config):
        return {"node": platform.node(), "machine": platform.machine(), "system": platform.system(),
                "python_version": platform.python_version(), "cpu": {}}

    @pytest.hookimpl(tryfirst=True)
    def pytest_benchmark_generate_commit_info(self, config):
        return {"id": os.environ.get("CLAIMBENCH_SIDE_COMMIT", ""), "dirty": False, "project": "",
                "branch": "", "time": None, "author_time": None}

def foreign():
    out = set()
    for m in list(sys.modules.values()):
        f = getattr(m, "__file__", None)
        if f:
            f = os.path.realpath(f)
            if f.startswith(forbid) and not f.startswith(prefixes):
                out.add(f)
    return sorted(out)

for line in sys.stdin:
    REF.clear()
    rc = int(pytest.main(json.loads(line), plugins=[Cheap(), CheapInfo()]))
    sys.stdout.flush(); sys.stderr.flush()
    reply.write(json.dumps({"rc": rc, "foreign": foreign()[:5]}) + "\n")
"""


class WorkerError(Exception):
    """A side's process died or imported the other side's code (one line)."""


class Worker:
    """A pytest process for one tree; `run(args)` runs one pytest session there and returns its exit code."""

    def __init__(self, label: str, tree: Path, forbid: list[Path], log: Path, env: dict[str, str]):
        self.label, self.tree, self.log = label, Path(tree).resolve(), Path(log).resolve()
        self.log.parent.mkdir(parents=True, exist_ok=True)  # LOG is appended to (one per side and comparison)
        argv = [sys.executable, "-c", BOOT, str(self.tree), os.pathsep.join(map(str, forbid)), str(self.log)]
        self.proc = subprocess.Popen(argv, cwd=self.tree, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, bufsize=1)

    def run(self, args: list[str]) -> int:
        """Run one pytest session with `args`; raise WorkerError if the process died or imported foreign code."""
        try:
            self.proc.stdin.write(json.dumps(args) + "\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        except (BrokenPipeError, OSError):
            line = ""
        if not line:
            raise WorkerError(f"the {self.label} process exited (code {self.proc.poll()}): see {self.log}")
        answer = json.loads(line)
        if answer["foreign"]:
            raise WorkerError(f"the {self.label} side imported code of the other tree ({answer['foreign'][0]}); "
                              f"its timings would not be {self.label}'s")
        return int(answer["rc"])

    def close(self, kill: bool = False) -> None:
        """End the process: closing stdin ends its loop; `kill` (after an error or Ctrl-C) does not wait."""
        try:
            if kill:
                self.proc.kill()
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> "Worker":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(kill=exc_type is not None)
