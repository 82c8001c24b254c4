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

from claimbench import jobs
from claimbench.cli import main

RUN = ["run", "zz_demo", "--backend", "all", "--profile", "fast"]


def _folder(root, backend):
    """The one run folder of zz_demo on `backend` under `root` (canonical or variant)."""
    (meta,) = root.glob(f"**/zz_demo/{backend}/fast/**/meta.json")
    return meta.parent


def _state(n: int, name: str = "r", parts: int = 0) -> jobs.RunState:
    return jobs.RunState({}, name, deque((f"e{k}", 0) for k in range(n)), parts=parts)


def _give(runs, home, worker):
    """next_task, counting a handed-out unit as out (the pool does this)."""
    task = jobs.next_task(runs, home, worker)
    if task is not None and task[0] == "unit":
        runs[task[1]].out += 1
    return task


def test_each_worker_keeps_its_run_draws_a_finished_one_then_steals_from_the_longest():
    runs, home = [_state(2, "torch", parts=2), _state(4, "jax", parts=2)], {}
    assert _give(runs, home, 0) == ("unit", 0, ("e0", 0))
    assert _give(runs, home, 1) == ("unit", 1, ("e0", 0))
    assert _give(runs, home, 0) == ("unit", 0, ("e1", 0))
    assert _give(runs, home, 0) == ("unit", 1, ("e3", 0))  # run 0's units are out: steal from run 1's end
    runs[0].out = 0  # run 0's units are back: its figures go before another steal, in one part as
    assert _give(runs, home, 0) == ("figures", 0, 0)  # run 1 has units left for the other worker
    assert runs[0].parts == 1
    assert _give(runs, home, 1) == ("unit", 1, ("e1", 0))  # its owner goes on from the front
    assert _give(runs, home, 0) == ("unit", 1, ("e2", 0))  # run 0's part is out, not back
    runs[0].drawn = {0: "all figures"}
    assert _give(runs, home, 1) == ("write", 0, None)
    assert _give(runs, home, 1) is None  # run 1's last units are out
    runs[1].out = 0  # no unit left anywhere: run 1 is drawn in two parts, one per worker
    assert [_give(runs, home, w) for w in (1, 0, 1)] == [("figures", 1, 0), ("figures", 1, 1), None]
    runs[1].drawn = {0: "part 0", 1: "part 1"}
    assert _give(runs, home, 0) == ("write", 1, None)
    assert _give(runs, home, 1) is None


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


def test_shared_workers_give_the_numbers_of_one_run_at_a_time(demo_paper):
    assert main(["--out", "serial", *RUN, "--seeds", "3"]) == 0
    assert main(["--out", "shared", *RUN, "--seeds", "3", "--jobs", "2"]) == 0
    for backend in ("torch", "jax"):
        shared, serial = (_folder(demo_paper.parent / name, backend) for name in ("shared", "serial"))
        # the three figures were drawn in two parts, one per worker
        pictures = ["figures/fig.png", "figures/fig_abs.png", "figures/fig_x.png"]
        for name in ("measurements.json", "verdicts.json", *pictures):
            assert (shared / name).read_bytes() == (serial / name).read_bytes(), f"{backend} {name}"
        meta = json.loads((shared / "meta.json").read_text())
        assert meta["figures"] == json.loads((serial / "meta.json").read_text())["figures"]
        assert sorted(meta["figures"]) == ["fig", "fig_abs", "fig_x"] and not meta["figure_error"]
        assert meta["wall_s"] >= 0 and sorted(meta["experiment_wall_s"]) == ["e1/seed0", "e1/seed1", "e1/seed2",
                                                                             "e2/seed0", "e2/seed1", "e2/seed2"]
    assert not multiprocessing.active_children(), "workers left running"


def test_a_figure_failing_in_one_part_fails_the_figures_as_in_a_serial_run(demo_paper, monkeypatch):
    monkeypatch.setenv("ZZ_DEMO_BAD_LABEL", "1")  # the second figure: saved by the second part only
    assert main(["--out", "serial", *RUN]) == 0
    assert main(["--out", "shared", *RUN, "--jobs", "2"]) == 0
    for backend in ("torch", "jax"):
        shared, serial = (json.loads((_folder(demo_paper.parent / name, backend) / "meta.json").read_text())
                          for name in ("shared", "serial"))
        assert (shared["figures"], shared["figure_error"]) == (serial["figures"], serial["figure_error"])
        assert serial["figures"] == {} and serial["figure_error"].startswith("ValueError")


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
