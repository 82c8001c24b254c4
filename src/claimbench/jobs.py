"""Several runs at once on N worker processes that share the runs' (experiment, seed) units.

`claimbench run PAPER --backend all --jobs 2` starts two workers (one BLAS/torch/XLA thread each, so
they fill two cores). Each worker starts on a run of its own, one unit at a time; a worker whose run
has no units left starts a run nobody has started, else takes units from the end of the run with the
most left (so both cores stay busy until the last unit, and a stolen jax unit rarely costs a second
compilation of a function its owner compiled). A run whose units are all back is drawn by a free
worker, and a worker that comes free while it is being drawn joins in: both plot every figure and
each saves those it claims first (the parent grants each figure once; see theme.figure_share), so a
run's figures spread over the workers as its units do. Once every drawer is back, whichever worker
is free writes the run (verdicts, figures, atomic folder swap). A free worker takes such work before
it steals units from another run: figures need neither torch nor jax, while a stolen unit of the
other backend costs its import and, for jax, new compilations.

Each run's units go longest first when an earlier run in its folder recorded their seconds
(`longest_first`), so the units stolen at the end are short. A unit's numbers do not depend on which
worker ran it, nor on the order: every experiment seeds itself from (seed, stream) and each worker
has the thread limits of a one-run process (tests/test_shared_runs.py). meta.json's `wall_s` of a
shared run is, as in a one-run process, the seconds spent loading the paper's backend module (by the
first worker on the run) and running its units. The caller holds every run folder's lock. A worker
that dies (killed, out of memory) costs its unit (ERROR with the exit code) and is replaced; one
that dies drawing or writing a run costs that run (its previous results stay, as when a write
fails). Ctrl-C or SIGTERM stops the workers and writes nothing new.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import multiprocessing
import sys
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any, Sequence

from claimbench.progress import progress


@dataclass
class RunState:
    """One run's units and what has come back; `build` rebuilds its RunSpec in a worker."""

    build: dict[str, Any]
    name: str
    todo: deque
    outputs: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    times: dict = field(default_factory=dict)
    out: int = 0  # units handed out and not yet back
    load: float = 0.0  # seconds the first worker on it spent loading its backend module
    loader: int | None = None  # that worker
    figures: bool = False  # the run draws figures once its units are back
    expect: int | None = None  # how many figures the previous run in its folder drew (None: unknown)
    drawers: int = 0  # workers drawing its figures now
    drawn: list = field(default_factory=list)  # the drawers' draw_figures results
    claimed: set = field(default_factory=set)  # figures (by drawing order) granted to a drawer
    started: bool = False
    written: bool = False
    bar: Any = None

    @property
    def complete(self) -> bool:
        """All its units are back."""
        return not self.todo and not self.out

    @property
    def ready(self) -> bool:
        """All its units and figure drawers are back and it is not written yet."""
        return self.complete and not self.written and not self.drawers and (self.drawn or not self.figures)

    def to_draw(self) -> bool:
        """Its units are back and nobody has started on its figures."""
        return self.complete and self.figures and not self.written and not self.drawers and not self.drawn

    def to_join(self) -> bool:
        """Being drawn, no drawer back yet, and (as far as the previous run tells) at least two figures
        not claimed: a joiner plots the figures before its first claim again, one figure is not worth it."""
        left = None if self.expect is None else self.expect - len(self.claimed)
        return self.drawers > 0 and not self.drawn and not self.written and (left is None or left >= 2)


def next_task(runs: list[RunState], home: dict[int, int], worker: int) -> tuple | None:
    """The next task for a free worker, first found of: a unit of its own run or of a run not started
    yet; ("write", run, None) for a run whose units and figure drawers are all back; ("figures", run,
    None) for a run whose units are all back and nobody draws; a unit from the end of the run with the
    most units left; ("figures", run, None) for a run being drawn (to join in).

    `home` maps worker → the run it works on (updated here); None when nothing is left to hand out.
    """
    own = home.get(worker)
    if own is None or not runs[own].todo:
        fresh = [i for i, r in enumerate(runs) if not r.started and r.todo]
        if fresh:
            own = home[worker] = fresh[0]
    if own is not None and runs[own].todo:
        runs[own].started = True
        return "unit", own, runs[own].todo.popleft()
    for i, r in enumerate(runs):
        if r.ready:
            r.written = True
            return "write", i, None
    waiting = any(r.todo for r in runs)  # units not handed out go before joining a drawing
    for pick in (RunState.to_draw, RunState.to_join)[:1 if waiting else 2]:
        for i, r in enumerate(runs):
            if pick(r):
                r.drawers += 1
                return "figures", i, None
    busiest = max(range(len(runs)), key=lambda i: len(runs[i].todo), default=None)
    if busiest is not None and runs[busiest].todo:
        return "unit", busiest, runs[busiest].todo.pop()
    return None


def figure_count(previous_meta: Path) -> int | None:
    """How many figures the previous run in this folder drew (meta.json `figures`); None if unknown."""
    try:
        return len(json.loads(previous_meta.read_text())["figures"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


# committed beside the run folders (reports/): each fast run's unit seconds on the machine that wrote it
# (`python -m claimbench.jobs`), the order of a first run, when no earlier run left its own seconds
UNIT_SECONDS = "unit_seconds.json"


def shipped_seconds(out_root: Path, name: str) -> dict | None:
    """The unit seconds <out_root>/unit_seconds.json holds for run `name` (paper/backend/profile)."""
    try:
        return json.loads((Path(out_root) / UNIT_SECONDS).read_text())[name]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def longest_first(units: list[tuple[str, int]], previous_meta: Path,
                  shipped: dict | None = None) -> list[tuple[str, int]]:
    """The units, longest first by the seconds the previous run in this folder spent on each
    (meta.json `experiment_wall_s`, or its copy at results.timings_path), else by `shipped` (see
    UNIT_SECONDS: without them, a fresh clone's first `dvc repro` ran its units in plan order and took
    0.63 of its runs' summed walls, against 0.60 with them); as planned when there is neither. A unit
    without seconds costs its experiment's mean, or, if the experiment is new, as much as the longest
    (started early, to be safe).

    The end of a shared run balances when the last units are short (a worker steals from the end), and
    the order changes no number: every unit seeds itself.
    """
    try:
        walls = json.loads(previous_meta.read_text())["experiment_wall_s"]
    except (OSError, ValueError, KeyError, TypeError):
        walls = shipped
    try:
        seen = {tuple(k.rsplit("/seed", 1)): float(v) for k, v in walls.items()}
    except (ValueError, TypeError, AttributeError):
        return units
    by_exp: dict[str, list[float]] = {}
    for (exp, _), sec in seen.items():
        by_exp.setdefault(exp, []).append(sec)
    longest = max(seen.values(), default=0.0)

    def cost(unit: tuple[str, int]) -> float:
        exp, seed = unit
        if (exp, str(seed)) in seen:
            return seen[(exp, str(seed))]
        return sum(by_exp[exp]) / len(by_exp[exp]) if exp in by_exp else longest

    return sorted(units, key=lambda u: -cost(u))


def run_shared(builds: Sequence[dict], specs: Sequence, out_root: Path, jobs: int) -> int:
    """Run `specs` (validated in this process) on `jobs` workers; 0, or 3 if a run could not be written.

    `builds[i]` are the keyword arguments of runner.make_spec that rebuild `specs[i]` in a worker.
    """
    from claimbench import results, runner

    workers = min(jobs, len(specs))
    runs = []
    for b, s in zip(builds, specs, strict=True):
        previous = s.folder(out_root) / "meta.json"  # or, under `dvc repro` (which deletes it), its copy
        previous = previous if previous.is_file() else results.timings_path(out_root, s.folder(out_root))
        name = f"{s.paper.slug}/{s.backend}/{s.profile}"
        runs.append(RunState(b, name, deque(longest_first(runner.plan_units(s), previous,
                                                          shipped_seconds(out_root, name))),
                             figures=s.figures, expect=figure_count(previous)))
    for i, r in enumerate(runs):
        r.bar = progress(range(len(r.todo)), desc=r.name, leave=True, position=i)
    pool = _Pool(workers, out_root, threads=specs[0].threads)
    failed = []
    try:
        failed = pool.drive(runs)
    finally:
        pool.close()
        for r in runs:
            r.bar.close()
    for name, message in failed:
        print(f"claimbench: error: {name}: {message}; {results.KEPT}", file=sys.stderr)
    return 3 if failed else 0


class _Pool:
    """The worker processes and the loop that hands them tasks."""

    def __init__(self, n: int, out_root: Path, threads: int):
        import papers

        self.ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: thread limits before imports
        self.setup = {"out_root": str(out_root), "threads": threads, "papers_path": list(papers.__path__)}
        self.workers: dict[int, tuple] = {}  # worker → (process, connection)
        self.busy: dict[int, tuple] = {}  # worker → the task it is doing
        for w in range(n):
            self._start(w)

    def _start(self, w: int) -> None:
        here, there = self.ctx.Pipe()
        proc = self.ctx.Process(target=serve, args=(there, self.setup), daemon=True, name=f"claimbench-worker-{w}")
        proc.start()
        there.close()
        self.workers[w] = (proc, here)

    def drive(self, runs: list[RunState]) -> list[tuple[str, str]]:
        """Hand out tasks until every run is written; the (run name, message) of runs that failed."""
        home, failed = {}, []
        for w in list(self.workers):
            self._give(runs, home, w)
        while self.busy:
            # each connection and process sentinel, with the (process, connection) pair it belongs to
            owner = {obj: (w, self.workers[w]) for w in self.busy for obj in
                     (self.workers[w][1], self.workers[w][0].sentinel)}
            # replies first: a worker that answered and then died has its answer counted
            for ready in sorted(wait(list(owner)), key=lambda obj: obj is owner[obj][1][0].sentinel):
                w, pair = owner[ready]
                if w not in self.busy or self.workers[w] is not pair:
                    continue  # that worker was replaced: its other handle's news is stale
                try:
                    reply = pair[1].recv() if ready is pair[1] else None
                except EOFError:
                    reply = None
                if reply is not None and reply[0] == "claim":  # a drawer asks to save a figure
                    self._grant(runs, w, reply[1])
                    continue
                failed += self._settle(runs, w, reply)
                for v in (w, *self.workers):  # a reply can make work (a run to draw or join) for idle ones too
                    if v not in self.busy:
                        self._give(runs, home, v)
        return failed

    def _give(self, runs, home, w) -> None:
        task = next_task(runs, home, w)
        if task is None:
            return
        kind, i, unit = task
        r = runs[i]
        if kind == "unit":
            r.out += 1
            r.loader = w if r.loader is None else r.loader
            message = ("unit", i, r.build, unit)
        elif kind == "figures":
            message = ("figures", i, r.build, r.outputs)
        else:
            wall = round(r.load + sum(r.times.values()), 6)
            message = ("write", i, r.build, (r.outputs, r.errors, r.times, wall, r.drawn))
            r.drawn = []  # the PNGs go with the message
        self.busy[w] = task
        try:
            self.workers[w][1].send(message)
        except OSError:  # the worker has just died: its sentinel reports it, and the task with it
            pass

    def _grant(self, runs, w, turn: int) -> None:
        """Answer a drawer: may it save the run's `turn`-th figure? Yes once per figure."""
        r = runs[self.busy[w][1]]
        mine = not r.written and turn not in r.claimed
        r.claimed.add(turn)
        try:
            self.workers[w][1].send(mine)
        except OSError:  # it has just died: its sentinel reports it
            pass

    def _settle(self, runs, w, reply) -> list[tuple[str, str]]:
        """Record a worker's reply (None: the worker died; it is replaced)."""
        kind, i, unit = self.busy.pop(w)
        r = runs[i]
        r.drawers -= kind == "figures"
        if reply is None:
            self.workers[w][0].join()
            code = self.workers[w][0].exitcode
            self._start(w)
            why = f"the worker process stopped (exit code {code}) while running it"
            if kind == "unit":
                r.out -= 1
                r.errors[unit] = f"WorkerDied: {why}"
                r.bar.update(1)
                return []
            reply = ("failed", why.replace("running it", "writing it" if kind == "write" else "drawing its figures"))
        if kind == "figures" and r.written:
            return []  # its run was given up while this drawer was out: that was said once
        if reply[0] == "failed":
            return self._give_up(r, reply[1])
        if kind == "write":
            return []
        if kind == "figures":
            r.drawn.append(reply[1])
            return []
        from claimbench.runner import record_unit

        r.out -= 1
        record_unit(unit, reply[1], r.outputs, r.errors, r.times)
        if reply[2] and (w == r.loader or not r.load):  # the load of the first worker on it, as one
            r.load = reply[2]  # run counts it (another worker's only if that one's is not back)
        r.bar.set_postfix_str(f"{unit[0]} seed {unit[1]}")
        r.bar.update(1)
        return []

    @staticmethod
    def _give_up(r: RunState, why: str) -> list[tuple[str, str]]:
        """A run that cannot be written (its previous results stay): nothing more is handed out for it."""
        r.written = True
        return [(r.name, why)]

    def close(self) -> None:
        """Stop the workers: idle ones are told to exit and, as nothing of theirs is pending, not waited for."""
        for _proc, conn in self.workers.values():
            try:
                conn.send(None)
            except OSError:
                pass
        for proc, conn in self.workers.values():
            proc.terminate()  # no task is out (or the caller was interrupted): nothing is left to finish
            proc.join()
            conn.close()


def serve(conn, setup: dict) -> None:
    """A worker: thread limits first, then run units, draw runs' figures and write runs until told to stop."""
    from claimbench.threads import set_thread_env

    set_thread_env(setup["threads"])  # before numpy, torch or jax load
    import papers

    papers.__path__[:] = setup["papers_path"]  # papers found by the caller (tests add fixture papers)
    from claimbench import results, runner

    specs: dict[int, Any] = {}
    try:
        while (task := conn.recv()) is not None:
            kind, i, build, payload = task
            if kind == "unit":
                load = 0.0
                if i not in specs:
                    specs[i] = runner.make_spec(**build)  # configures threads (and starts jax) for its backend
                    load = runner.load_backend(specs[i])
                conn.send(("unit", _unit(runner, specs[i], payload), load))
                continue
            try:
                spec = specs.get(i) or _spec_to_write(runner, build)
                if kind == "figures":
                    claim = functools.partial(_ask, conn)  # the parent grants each figure to one drawer
                    conn.send(("figures", runner.draw_figures(spec, payload, claim)))
                    continue
                out_root = Path(setup["out_root"])
                results.adopt_lock(spec.folder(out_root))  # the caller holds it for the whole call
                runner.finish(spec, out_root, *payload)
                conn.send(("ok", ""))
            except Exception as exc:  # noqa: BLE001 - disk full, a broken run: the caller reports it
                conn.send(("failed", _one_line(exc)))
    except (KeyboardInterrupt, EOFError, BrokenPipeError):
        return  # the caller was interrupted: it reports, this worker stops quietly


def _ask(conn, turn: int) -> bool:
    """May this worker save the figure it draws `turn`-th? (The parent grants each one once.)"""
    conn.send(("claim", turn))
    answer = conn.recv()
    if answer is None:  # told to stop (the caller was interrupted)
        raise EOFError
    return bool(answer)


def _spec_to_write(runner, build: dict):
    """A run's spec for drawing or writing it in a worker that ran none of its units: the backend is
    not started (importing torch to draw a torch run's figures cost 1-2 s at a stage's end)."""
    from claimbench.devices import resolve_device

    spec = runner.make_spec(**build, configure=False)  # the caller validated it: nothing new can fail
    return dataclasses.replace(spec, device=resolve_device(spec.device, spec.backend))  # cpu: no import


def _unit(runner, spec, unit) -> tuple:
    try:
        return runner.run_unit(spec, *unit)
    except Exception as exc:  # noqa: BLE001 - e.g. the backend module does not import: this unit's ERROR
        return None, _one_line(exc), None


def _one_line(exc: Exception) -> str:
    if isinstance(exc, OSError):
        from claimbench import results

        return results.os_error_line(exc)
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"


def write_unit_seconds(out_root: Path, profile: str = "fast") -> Path:
    """Write <out_root>/unit_seconds.json from the `profile` runs under <out_root>/runs (their meta.json
    `experiment_wall_s`, to 0.01 s); rerun by hand when the papers' costs have moved a lot."""
    from claimbench import results, results_check

    table = {}
    for folder in results_check.find_runs(out_root, profile):
        walls = json.loads((folder / "meta.json").read_text())["experiment_wall_s"]
        table[folder.relative_to(Path(out_root) / "runs").as_posix()] = {
            k: round(float(v), 2) for k, v in sorted(walls.items())}
    path = Path(out_root) / UNIT_SECONDS
    results.write_text(path, json.dumps(table, indent=1, sort_keys=True) + "\n")
    return path


if __name__ == "__main__":  # python -m claimbench.jobs [OUT]: refresh the committed unit seconds
    print(f"wrote {write_unit_seconds(Path(sys.argv[1] if len(sys.argv) > 1 else 'reports'))}")
