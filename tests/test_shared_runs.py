"""`claimbench run ... --jobs N` with several runs: N workers share the runs' (experiment, seed) units.

The numbers are those of one-run-at-a-time runs; a worker killed mid-unit costs that unit only; the
hand-out order keeps each worker on a run of its own and steals from the end of the longest one.
"""
import json
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from pathlib import Path

from claimbench import jobs
from claimbench.cli import main

RUN = ["run", "zz_demo", "--backend", "all", "--profile", "fast"]


def _folder(root, backend):
    """The one run folder of zz_demo on `backend` under `root` (canonical or variant)."""
    (meta,) = root.glob(f"**/zz_demo/{backend}/fast/**/meta.json")
    return meta.parent


def _state(n: int, name: str = "r", figures: bool = False, expect: int | None = None) -> jobs.RunState:
    return jobs.RunState({}, name, deque((f"e{k}", 0) for k in range(n)), figures=figures, expect=expect)


def _give(runs, home, worker):
    """next_task, counting a handed-out unit as out (the pool does this)."""
    task = jobs.next_task(runs, home, worker)
    if task is not None and task[0] == "unit":
        runs[task[1]].out += 1
    return task


def _back(run, *drawn):
    """The run's drawers are back with these results."""
    run.drawn.extend(drawn)
    run.drawers -= len(drawn)


def test_each_worker_keeps_its_run_draws_a_finished_one_then_steals_from_the_longest():
    runs, home = [_state(2, "torch", figures=True), _state(4, "jax", figures=True)], {}
    assert _give(runs, home, 0) == ("unit", 0, ("e0", 0))
    assert _give(runs, home, 1) == ("unit", 1, ("e0", 0))
    assert _give(runs, home, 0) == ("unit", 0, ("e1", 0))
    assert _give(runs, home, 0) == ("unit", 1, ("e3", 0))  # run 0's units are out: steal from run 1's end
    runs[0].out = 0  # run 0's units are back: its figures go before another steal
    assert _give(runs, home, 0) == ("figures", 0, None) and runs[0].drawers == 1
    assert _give(runs, home, 1) == ("unit", 1, ("e1", 0))  # its owner goes on from the front
    assert _give(runs, home, 1) == ("unit", 1, ("e2", 0))
    _back(runs[0], "all of run 0's figures")
    assert _give(runs, home, 0) == ("write", 0, None)
    assert _give(runs, home, 0) is None  # run 1's last units are out
    runs[1].out = 0  # run 1's units are back: one worker starts on its figures, the other joins in
    assert [_give(runs, home, w) for w in (1, 0)] == [("figures", 1, None)] * 2 and runs[1].drawers == 2
    _back(runs[1], "one share")
    assert _give(runs, home, 1) is None  # the other drawer is not back: nothing to join, nothing to write
    _back(runs[1], "the other share")
    assert _give(runs, home, 0) == ("write", 1, None)
    assert _give(runs, home, 1) is None


def test_a_free_worker_joins_a_drawing_only_while_two_figures_may_be_left():
    runs, home = [_state(1, figures=True, expect=3)], {}
    assert _give(runs, home, 0)[0] == "unit"
    runs[0].out = 0
    assert _give(runs, home, 0) == ("figures", 0, None)
    runs[0].claimed = {0}  # the previous run drew 3 figures: 2 may be left
    assert _give(runs, home, 1) == ("figures", 0, None)
    runs[0].claimed = {0, 1}  # one left: a joiner would plot two figures again to save one
    assert _give(runs, home, 2) is None
    runs[0].claimed, runs[0].drawers = set(), 1
    _back(runs[0], "a drawer that failed early")  # a drawer is back: the others claim what is left
    runs[0].drawers = 1
    assert _give(runs, home, 2) is None


def test_a_free_worker_runs_units_left_before_it_joins_a_drawing():
    runs, home = [_state(1, figures=True), _state(3)], {}
    assert [_give(runs, home, w)[:2] for w in (0, 1)] == [("unit", 0), ("unit", 1)]
    runs[0].out = 0
    assert _give(runs, home, 0) == ("figures", 0, None)
    assert _give(runs, home, 2) == ("unit", 1, ("e2", 0))  # not a join: run 1 has units nobody took


def test_a_run_without_figures_is_written_as_soon_as_its_units_are_back():
    runs, home = [_state(1), _state(3)], {}
    assert [_give(runs, home, w)[:2] for w in (0, 1)] == [("unit", 0), ("unit", 1)]
    runs[0].out = 0
    assert _give(runs, home, 0) == ("write", 0, None)  # before a steal from run 1


def test_a_free_worker_starts_a_run_nobody_has_started_before_stealing():
    runs, home = [_state(1), _state(3), _state(2)], {}
    assert _give(runs, home, 0)[:2] == ("unit", 0)
    assert _give(runs, home, 1)[:2] == ("unit", 1)
    assert _give(runs, home, 0)[:2] == ("unit", 2)  # run 0 has nothing left: run 2 is fresh
    assert home == {0: 2, 1: 1}


class _AlternatingPool(jobs._Pool):
    """The pool, but a figure nobody has claimed is granted only to worker (its turn mod 2): whatever the
    timing, each of the two drawers saves every other figure. It notes who was granted what."""

    def __init__(self, *args):
        super().__init__(*args)
        self.granted = []

    def _grant(self, runs, w, turn):
        if turn not in runs[self.busy[w][1]].claimed and turn % 2 != w:
            self.workers[w][1].send(False)  # the other drawer's
            return
        before = set(runs[self.busy[w][1]].claimed)
        super()._grant(runs, w, turn)
        if turn not in before:
            self.granted.append((w, turn))


def _drawn_by_two_workers(params: Path, out: Path) -> list:
    """zz_demo's torch run, its units run here, then drawn and written by a pool of two workers that
    are both free at once: one starts on the figures, the other joins in. The figures granted."""
    from claimbench import results, runner

    build = dict(paper="zz_demo", backend="torch", profile="fast", params_path=params)
    spec = runner.make_spec(**build)
    state = jobs.RunState(build, "zz_demo/torch/fast", deque(), figures=True)
    for unit in runner.plan_units(spec):
        runner.record_unit(unit, runner.run_unit(spec, *unit), state.outputs, state.errors, state.times)
    pool = _AlternatingPool(2, out, 1)
    with results.run_lock(spec.folder(out)):
        try:
            assert pool.drive([state]) == []
        finally:
            pool.close()
    return pool.granted


def test_two_workers_draw_one_run_and_its_figures_are_a_serial_runs(demo_paper):
    assert main(["--out", "serial", *RUN[:3], "torch", "--profile", "fast"]) == 0
    granted = _drawn_by_two_workers(demo_paper, demo_paper.parent / "shared")
    assert sorted(granted) == [(0, 0), (0, 2), (1, 1)]  # each figure saved once, by both drawers
    shared, serial = (_folder(demo_paper.parent / name, "torch") for name in ("shared", "serial"))
    for name in ("figures/fig.png", "figures/fig_abs.png", "figures/fig_x.png", "verdicts.json"):
        assert (shared / name).read_bytes() == (serial / name).read_bytes(), name
    metas = [json.loads((folder / "meta.json").read_text()) for folder in (shared, serial)]
    assert metas[0]["figures"] == metas[1]["figures"] and not metas[0]["figure_error"]


def test_a_figure_failing_in_one_drawer_fails_the_figures_as_in_a_serial_run(demo_paper, monkeypatch):
    monkeypatch.setenv("ZZ_DEMO_BAD_LABEL", "1")  # the second figure fails when saved: by worker 1 only
    assert main(["--out", "serial", *RUN[:3], "torch", "--profile", "fast"]) == 0
    assert (1, 1) in _drawn_by_two_workers(demo_paper, demo_paper.parent / "shared")
    shared, serial = (json.loads((_folder(demo_paper.parent / name, "torch") / "meta.json").read_text())
                      for name in ("shared", "serial"))
    assert (shared["figures"], shared["figure_error"]) == (serial["figures"], serial["figure_error"])
    assert serial["figures"] == {} and serial["figure_error"].startswith("ValueError")


def test_shared_workers_give_the_numbers_of_one_run_at_a_time(demo_paper):
    assert main(["--out", "serial", *RUN, "--seeds", "3"]) == 0
    assert main(["--out", "shared", *RUN, "--seeds", "3", "--jobs", "2"]) == 0
    for backend in ("torch", "jax"):
        shared, serial = (_folder(demo_paper.parent / name, backend) for name in ("shared", "serial"))
        pictures = ["figures/fig.png", "figures/fig_abs.png", "figures/fig_x.png"]
        for name in ("measurements.json", "verdicts.json", *pictures):
            assert (shared / name).read_bytes() == (serial / name).read_bytes(), f"{backend} {name}"
        meta = json.loads((shared / "meta.json").read_text())
        assert meta["figures"] == json.loads((serial / "meta.json").read_text())["figures"]
        assert sorted(meta["figures"]) == ["fig", "fig_abs", "fig_x"] and not meta["figure_error"]
        assert meta["wall_s"] >= 0 and sorted(meta["experiment_wall_s"]) == ["e1/seed0", "e1/seed1", "e1/seed2",
                                                                             "e2/seed0", "e2/seed1", "e2/seed2"]
    assert not multiprocessing.active_children(), "workers left running"


def test_a_shared_runs_wall_counts_loading_its_backend_module_as_one_run_does(demo_paper, monkeypatch):
    monkeypatch.setenv("ZZ_DEMO_IMPORT_SECONDS", "0.5")  # zz_demo's torch_impl takes 0.5 s to import
    assert main(["--out", "shared", *RUN, "--jobs", "2"]) == 0
    meta = json.loads((_folder(demo_paper.parent / "shared", "torch") / "meta.json").read_text())
    assert meta["wall_s"] - sum(meta["experiment_wall_s"].values()) >= 0.45, meta["wall_s"]


def test_units_are_ordered_by_the_timings_kept_beside_a_run_folder_dvc_deleted(demo_paper, monkeypatch):
    import shutil

    from claimbench import results

    assert main(["--out", "out", *RUN, "--jobs", "2"]) == 0
    out = demo_paper.parent / "out"
    folder = _folder(out, "torch")
    kept = json.loads(results.timings_path(out, folder).read_text())
    meta = json.loads((folder / "meta.json").read_text())
    assert kept == {k: meta[k] for k in ("experiment_wall_s", "figures")}
    shutil.rmtree(folder)  # as `dvc repro` does before it runs a stage
    read, real = [], jobs.longest_first
    monkeypatch.setattr(jobs, "longest_first", lambda units, previous, shipped: read.append(previous) or real(
        units, previous, shipped))
    assert main(["--out", "out", *RUN, "--jobs", "2"]) == 0
    assert results.timings_path(out, folder).resolve() in [path.resolve() for path in read]


def test_a_full_disk_while_drawing_keeps_the_previous_runs(demo_paper, monkeypatch, capsys):
    assert main(["--out", "out", *RUN, "--jobs", "2"]) == 0
    before = {b: (_folder(demo_paper.parent / "out", b) / "meta.json").read_bytes() for b in ("torch", "jax")}
    capsys.readouterr()
    monkeypatch.setenv("ZZ_DEMO_DISK_FULL", "1")  # the workers inherit it
    assert main(["--out", "out", *RUN, "--jobs", "2"]) == 3
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and all("No space left on device" in line and "nothing was replaced" in line for line in err)
    for backend, meta in before.items():
        assert (_folder(demo_paper.parent / "out", backend) / "meta.json").read_bytes() == meta
    assert not multiprocessing.active_children(), "workers left running"


def test_a_killed_worker_costs_its_unit_only(demo_paper):
    def kill_one():
        time.sleep(1.0)  # both workers are in their first e1 unit (1.5 s each)
        victim = next(p for p in multiprocessing.active_children() if p.name.startswith("claimbench-worker"))
        os.kill(victim.pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_one)
    killer.start()
    assert main(["--out", "out", *RUN, "--seeds", "2", "--jobs", "2", "--set", "delay=1.5"]) == 0
    killer.join()
    errors = {}
    for backend in ("torch", "jax"):
        meta = json.loads((_folder(demo_paper.parent / "out", backend) / "meta.json").read_text())
        errors.update({f"{backend}:{k}": v for k, v in meta["experiment_errors"].items() if "e1" in k})
    assert list(errors.values()) == ["WorkerDied: the worker process stopped (exit code -9) while running it"]
    verdicts = json.loads((_folder(demo_paper.parent / "out", "torch") / "verdicts.json").read_text())
    assert {v["claim_id"] for v in verdicts} >= {"zz_demo.good", "zz_demo.boom"}
    assert not multiprocessing.active_children(), "workers left running"


def test_units_go_longest_first_by_the_previous_runs_seconds(tmp_path):
    units = [("a", 0), ("a", 1), ("b", 0), ("b", 1), ("c", 0), ("d", 0)]
    meta = tmp_path / "meta.json"
    assert jobs.longest_first(units, meta) == units  # no earlier run: as planned
    meta.write_text(json.dumps({"experiment_wall_s": {"a/seed0": 1.0, "a/seed1": 2.0, "b/seed0": 9.0,
                                                      "c/seed0": 4.0}}))
    # b/seed1 costs b's mean (9), d is new and costs the longest (9): both start early
    assert jobs.longest_first(units, meta) == [("b", 0), ("b", 1), ("d", 0), ("c", 0), ("a", 1), ("a", 0)]
    meta.write_text("{not json")
    assert jobs.longest_first(units, meta) == units


def test_a_first_run_orders_its_units_by_the_committed_unit_seconds(demo_paper, monkeypatch):
    """No earlier run in the folder nor kept timings (a fresh clone): the units go longest first by the
    seconds in <out>/unit_seconds.json, which `python -m claimbench.jobs` writes from the runs there."""
    out = demo_paper.parent / "out"
    assert main(["--out", str(out), *RUN, "--jobs", "2"]) == 0
    table = json.loads(jobs.write_unit_seconds(out).read_text())
    assert sorted(table) == ["zz_demo/jax/fast", "zz_demo/torch/fast"]
    assert sorted(table["zz_demo/torch/fast"]) == ["e1/seed0", "e1/seed1", "e2/seed0"]
    fresh = demo_paper.parent / "fresh"
    fresh.mkdir()
    (fresh / jobs.UNIT_SECONDS).write_text(json.dumps({"zz_demo/torch/fast": {"e1/seed0": 1.0, "e1/seed1": 2.0,
                                                                                "e2/seed0": 5.0}}))
    orders, real = {}, jobs.longest_first
    monkeypatch.setattr(jobs, "longest_first", lambda units, previous, shipped: orders.setdefault(
        len(orders), real(units, previous, shipped)))
    assert main(["--out", str(fresh), *RUN, "--jobs", "2"]) == 0
    # torch by the table, jax (not in it) as planned
    assert orders == {0: [("e2", 0), ("e1", 1), ("e1", 0)], 1: [("e1", 0), ("e1", 1), ("e2", 0)]}
    assert jobs.shipped_seconds(fresh, "zz_demo/jax/fast") is None


def test_a_terminated_worker_leaves_no_semaphore_behind(tmp_path):
    """A worker draws progress bars and is stopped by terminate(): tqdm's default lock (a multiprocessing
    semaphore) made the resource tracker warn 'leaked semaphore' at the end of most stages."""
    import subprocess
    import sys

    script = tmp_path / "worker_like.py"
    script.write_text("import multiprocessing as mp, os, signal\n"
                      "mp.set_start_method('spawn')  # how jobs starts its workers\n"
                      "from claimbench.progress import progress\n"
                      "for _ in progress(range(3), desc='bars'):\n    pass\n"
                      "os.kill(os.getpid(), signal.SIGTERM)  # as _Pool.close stops an idle worker\n")
    env = {k: v for k, v in os.environ.items() if k != "CLAIMBENCH_QUIET"}  # bars drawn
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == -signal.SIGTERM and "bars" in done.stderr
    assert "leaked semaphore" not in done.stderr, done.stderr
