"""Claim frontiers (issue 16): sweeps on a 2-worker Dask LocalCluster, resumable, robust to a killed worker.

The cluster (2 worker processes, 1 thread each) is started once for the module and closed at its end;
the demo paper (tests/fixtures/zz_demo) is made importable in the workers by the sweep itself.
"""
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from claimbench import registry, results_check
from claimbench.cli import main
from claimbench.sweep import cluster as cluster_mod
from claimbench.sweep import spec as spec_mod

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SWEEP = ["--params", "params.yaml", "sweep", "zz_demo", "--backend", "jax"]


@pytest.fixture(scope="module")
def scheduler():
    """A LocalCluster of 2 single-threaded worker processes, configured as `claimbench sweep` configures its own."""
    import dask
    from distributed import LocalCluster

    with dask.config.set(cluster_mod._scheduler_settings(1)):
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cl:
            yield cl.scheduler_address


def sweep_folder(name_part: str) -> Path:
    [folder] = [p for p in Path("reports/sweeps/zz_demo").iterdir() if name_part in p.name]
    return folder


def read_sweep(folder: Path) -> dict:
    return json.loads((folder / "sweep.json").read_text())


def test_sweep_writes_tidy_table_figures_and_page_same_numbers_as_a_plain_run(demo_paper, scheduler, capsys):
    assert main([*SWEEP, "--grid", "lr=0.5,2.0", "--grid", "width=3,4", "--scheduler", scheduler]) == 0
    folder = sweep_folder("grid-lr-width")
    df = pd.read_csv(folder / "frontier.csv", keep_default_na=False, na_values=[""])  # a claim is named "nan"
    assert list(df.columns[:7]) == ["lr", "width", "claim", "backend", "status", "measured", "margin"]
    assert len(df) == 4 * 3 and set(df.claim) == {"good", "nan", "boom"}  # fullonly does not run in fast
    assert (df[df.lr == 0.5].query("claim == 'good'").status == "PASS").all()  # x = U(0,1) * lr <= 1
    assert set(df[df.claim != "good"].status) == {"ERROR"}
    for point in read_sweep(folder)["points"]:  # every row agrees with the point's own run folder
        run = results_check.load_run(Path("reports") / point["folder"], expect=("zz_demo", "jax", "fast"),
                                     variant=point["variant"])
        good = next(v for v in run["verdicts"] if v.claim_id == "zz_demo.good")
        row = df[(df.lr == point["values"]["lr"]) & (df.width == point["values"]["width"]) & (df.claim == "good")]
        assert row.status.item() == good.status.value and row.measured.item() == pytest.approx(good.measured)
    for fig in (folder / "figures").iterdir():
        results_check.figure_file(folder, fig.name)
    assert len(list((folder / "figures").iterdir())) == 3
    page = (folder / "index.html").read_text()
    assert "How to read a frontier" in page and page.count("data:image/png;base64,") == 3
    # the same point through `claimbench run --set` lands in the same variant folder with the same numbers
    point = next(p for p in read_sweep(folder)["points"] if p["values"] == {"lr": 2.0, "width": 4})
    before = json.loads((Path("reports") / point["folder"] / "verdicts.json").read_text())
    assert main(["--params", "params.yaml", "run", "zz_demo", "--backend", "jax", "--set", "lr=2.0",
                 "--set", "width=4"]) == 0
    assert json.loads((Path("reports") / point["folder"] / "verdicts.json").read_text()) == before
    assert main(["--params", "params.yaml", "report", "--profile", "fast"]) == 0  # it links the sweep page
    assert f"sweeps/zz_demo/{folder.name}/index.html" in Path("reports/index.html").read_text()


def _poll(pattern: str, timeout: float = 90.0) -> list[Path]:
    t0 = time.time()
    while time.time() - t0 < timeout:
        found = list(Path("reports/variants").glob(pattern)) if Path("reports/variants").exists() else []
        # a point's meta.json inside its staging folder (".<name>.staging-<pid>-...") is not a finished point
        found = [p for p in found if ".staging-" not in p.parent.name]
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"nothing matched {pattern} in {timeout} s")


def test_a_worker_killed_during_a_point_does_not_lose_the_sweep(demo_paper, scheduler):
    killed = []

    def kill_first_runner():
        lock = _poll("zz_demo/jax/fast/.*.lock")[0]
        found = None
        while found is None:  # the runner writes its pid into the lock right after taking it
            found = re.search(r"pid (\d+)", lock.read_text())
        pid = int(found.group(1))
        os.kill(pid, signal.SIGKILL)  # the worker process that runs this point
        killed.append(lock.name)

    killer = threading.Thread(target=kill_first_runner, daemon=True)
    killer.start()
    args = [*SWEEP, "--grid", "lr=0.5,0.7", "--set", "delay=1.0", "--seeds", "1", "--scheduler", scheduler]
    assert main(args) == 0
    killer.join(5)
    assert killed, "no worker was killed"
    record = read_sweep(sweep_folder("grid-lr"))
    assert [p["outcome"] for p in record["points"]] == ["computed", "computed"]
    df = pd.read_csv(sweep_folder("grid-lr") / "frontier.csv")
    assert (df[df.claim == "good"].status == "PASS").all()


def test_a_point_failing_twice_is_error_and_the_others_complete(demo_paper, scheduler, capsys):
    # mode b makes the demo experiment raise KeyboardInterrupt: the task fails, is retried once, then ERROR
    assert main([*SWEEP, "--grid", "mode=a,b", "--scheduler", scheduler]) == 0
    record = read_sweep(sweep_folder("grid-mode"))
    assert [p["outcome"] for p in record["points"]] == ["computed", "error"]
    assert "interrupted" in record["points"][1]["message"] and "after one retry" in record["points"][1]["message"]
    df = pd.read_csv(sweep_folder("grid-mode") / "frontier.csv")
    assert set(df[df["mode"] == "b"].status) == {"ERROR"}
    assert "PASS at 1 of 2 (ERROR 1)" in capsys.readouterr().out


def test_interrupted_sweep_restarts_and_recomputes_only_the_missing_points(demo_paper, scheduler):
    # 6 points of >= 1.5 s on 2 workers; a worker finishes the point it runs while the cluster closes (up to
    # Dask's 4 s grace), so at most 4 can be done after Ctrl-C at the first finished one
    grid = ["--grid", "lr=0.1,0.2,0.3,0.4,0.5,0.6", "--set", "delay=1.5", "--seeds", "1"]
    # Ctrl-C as in a terminal (a test run in the background may have inherited SIGINT ignored)
    code = ("import signal, sys, papers; signal.signal(signal.SIGINT, signal.default_int_handler); "
            "papers.__path__.append(sys.argv[1]); from claimbench.cli import main; sys.exit(main(sys.argv[2:]))")
    proc = subprocess.Popen([sys.executable, "-c", code, str(FIXTURES), *SWEEP, *grid, "--workers", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    done = _poll("zz_demo/jax/fast/*/meta.json", timeout=120)
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C in a terminal: the whole process group, workers too
    assert proc.wait(60) == 130
    err = proc.stderr.read().decode()
    assert "Traceback" not in err and err.endswith("claimbench: interrupted; no partial results were written\n"), err
    finished = {p.parent.name: p.read_bytes() for p in Path("reports/variants").glob("zz_demo/jax/fast/*/meta.json")}
    assert 1 <= len(finished) <= 4 and done[0].parent.name in finished
    assert not Path("reports/sweeps/zz_demo").exists() or not list(Path("reports/sweeps/zz_demo").glob("*/sweep.json"))
    assert main([*SWEEP, *grid, "--scheduler", scheduler]) == 0
    record = read_sweep(sweep_folder("grid-lr"))
    outcomes = {p["variant"]: p["outcome"] for p in record["points"]}
    assert {v for v, o in outcomes.items() if o == "reused"} == set(finished)
    assert all(o == "computed" for v, o in outcomes.items() if v not in finished)
    for name, meta in finished.items():  # reused points were not rewritten
        assert (Path("reports/variants/zz_demo/jax/fast") / name / "meta.json").read_bytes() == meta


@pytest.mark.parametrize("args, needle", [
    (["--grid", "width=3,0"], "point width=0: zz_demo.fast.width: 0 is out of range"),
    (["--grid", "widht=3"], "zz_demo.fast.widht: unknown key"),
    (["--grid", "width"], "--grid 'width': expected KEY=V1,V2,..."),
    (["--grid", "width=[3"], "is not a comma-separated list of values"),
    (["--grid", "width=3", "--claims", "nope"], "claim 'nope': zz_demo has no such claim"),
    (["--grid", "width=3", "--claims", "fullonly"], "claim 'fullonly' does not run in profile 'fast'"),
    (["--grid", "width=3", "--workers", "0"], "--workers '0'"),
    (["--grid", "width=3", "--scheduler", "nowhere"], "--scheduler 'nowhere'"),
    (["--name", "nope"], "zz_demo: no sweep nope"),
    ([], "zz_demo: no named sweeps"),
    (["--backend", "torch"], "go with --grid"),
])
def test_bad_sweep_input_is_one_line_exit_2_and_nothing_written(demo_paper, capsys, args, needle):
    assert main([*SWEEP[:-2], *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and needle in err, err
    assert not Path("reports").exists()


def test_named_sweeps_in_params_yaml_are_checked(demo_paper, capsys):
    text = demo_paper.read_text()
    demo_paper.write_text(text + "  sweeps:\n    lrs: {grid: {lr: [0.5, 1.0]}, backend: jax, seeds: 1}\n")
    [sweep] = spec_mod.named_sweeps(demo_paper, "zz_demo").values()
    assert sweep.keys == ["lr"] and sweep.backends == ("jax",) and sweep.seeds == 1
    assert len(spec_mod.plan(sweep, demo_paper)) == 2
    demo_paper.write_text(text + "  sweeps:\n    lrs: {grid: {lr: [0.5]}, colour: red}\n")
    assert main(["--params", "params.yaml", "sweep", "zz_demo", "--name", "lrs"]) == 2
    assert "params.yaml line 6: zz_demo.sweeps.lrs.colour: unknown key" in capsys.readouterr().err


@pytest.mark.parametrize("slug", registry.discover_papers())
def test_every_paper_has_a_small_named_sweep_whose_points_validate(slug, capsys):
    sweeps = spec_mod.named_sweeps(ROOT / "params.yaml", slug)
    assert sweeps, f"{slug} has no named sweep in params.yaml"
    for sweep in sweeps.values():
        points = spec_mod.plan(sweep, ROOT / "params.yaml")
        assert 2 <= len(points) <= 12, f"{slug}.{sweep.name}: keep named sweeps small ({len(points)} points)"
        assert sweep.doc, f"{slug}.{sweep.name}: say what the sweep asks"
    assert main(["--params", str(ROOT / "params.yaml"), "list"]) == 0
    assert f"  sweep {next(iter(sweeps))}: " in capsys.readouterr().out


@pytest.fixture
def dask_config():
    """Undo changes to this process's Dask config after the test."""
    import copy

    import dask
    import dask_jobqueue  # noqa: F401 - registers its defaults first
    import distributed  # noqa: F401

    saved = copy.deepcopy(dask.config.config)
    yield
    dask.config.config.clear()
    dask.config.config.update(saved)


def test_slurm_cluster_is_built_from_a_dask_config_file(tmp_path, dask_config):
    config = tmp_path / "jobqueue.yaml"
    config.write_text("jobqueue:\n  slurm:\n    cores: 4\n    memory: 8GB\n    queue: short\n    walltime: '01:00:00'\n"
                      "    job-script-prologue: ['module load python']\n"
                      "    scheduler-options: {dashboard_address: ':0'}\n")
    with cluster_mod.make_jobqueue_cluster("slurm", 1, config) as cl:
        script = cl.job_script()
    assert "#SBATCH -p short" in script and "module load python" in script
    assert "export OMP_NUM_THREADS=1" in script and "--nworkers 4" in script and "--nthreads 1" in script
