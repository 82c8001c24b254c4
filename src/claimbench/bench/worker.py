"""One side of an A/B comparison: a long-lived pytest process that imports only its own source tree.

The process is started as `python -c BOOT TREE FORBID LOG` with the same interpreter (the same venv):
BOOT puts TREE/src and TREE first on sys.path before anything else is imported, so the editable install
of the current checkout (a meta-path finder that comes after sys.path) cannot shadow it. It then
reads one JSON list of pytest arguments per line on stdin, runs `pytest.main` on it, and answers one
JSON line {"rc": exit code, "foreign": [files]} on its original stdout; pytest's own output goes to LOG.
`foreign` lists every imported file under a FORBID folder (the other side's tree) outside the
interpreter's prefix: the comparison refuses such a round instead of timing the wrong code.
Before and after each benchmark test, BOOT times a fixed pure-Python loop (the same on both sides: it
is in BOOT, not in either tree) and adds the mean to the JSON as "claimbench_reference" {test id: s},
i.e. how fast the machine ran just then, which the comparison divides out.
Keeping the process alive between rounds pays the imports (torch, jax) once per side, not once per round.
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

REF = {}

def reference():
    # the same pure-Python loop on both sides (it is not in either tree): the machine's speed right now
    ts = []
    for _ in range(5):
        t0, s = clock(), 0
        for i in range(10000):
            s += i * i
        ts.append(clock() - t0)
    return sorted(ts)[2]

class Cheap:
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        r0 = reference()
        yield
        REF[item.nodeid] = (r0 + reference()) / 2

    def pytest_benchmark_update_json(self, config, benchmarks, output_json):
        output_json["claimbench_reference"] = dict(REF)

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
    rc = int(pytest.main(json.loads(line), plugins=[Cheap()]))
    sys.stdout.flush(); sys.stderr.flush()
    reply.write(json.dumps({"rc": rc, "foreign": foreign()[:5]}) + "\n")
"""


class WorkerError(Exception):
    """A side's process died or imported the other side's code (one line)."""


class Worker:
    """A pytest process for one tree; `run(args)` runs one pytest session there and returns its exit code."""

    def __init__(self, label: str, tree: Path, forbid: list[Path], log: Path, env: dict[str, str]):
        self.label, self.tree, self.log = label, Path(tree).resolve(), Path(log).resolve()
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.log.write_text("")
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

    def close(self) -> None:
        """End the process (closing stdin ends its loop; kill it if it does not stop)."""
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
