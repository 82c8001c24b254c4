"""Runner: errors and NaNs become ERROR while the rest goes on; results are atomic and reproducible."""
import json
from pathlib import Path

import numpy as np
import pytest

from claimbench import results, runner
from claimbench.claims import Status


def run_demo(params, backend="torch", profile="fast", out="reports", **kw):
    spec = runner.make_spec("zz_demo", backend, profile, params_path=params, **kw)
    return {v.claim_id.split(".")[1]: v for v in runner.execute(spec, params.parent / out)}


def test_exceptions_and_nans_are_captured_per_claim(demo_paper):
    v = run_demo(demo_paper)
    assert v["good"].status is Status.PASS and v["good"].seeds_run == 2
    assert v["nan"].status is Status.ERROR and "NaN" in v["nan"].message
    assert v["boom"].status is Status.ERROR and "RuntimeError: boom" in v["boom"].message
    assert v["fullonly"].status is Status.SKIP and "needs GPU" in v["fullonly"].message


def test_run_folder_holds_verdicts_measurements_arrays_figures_meta(demo_paper):
    run_demo(demo_paper)
    folder = results.run_dir(demo_paper.parent / "reports", "zz_demo", "torch", "fast")
    meta = json.loads((folder / "meta.json").read_text())
    for key in ("git_commit", "packages", "device", "threads", "wall_s", "params", "experiment_wall_s"):
        assert key in meta
    assert meta["params"]["width"] == 5 and meta["device"] == "cpu"
    assert (folder / "arrays" / "e1_seed1.npz").exists() and (folder / "figures" / "fig.png").exists()
    metrics = json.loads(results.metrics_path(demo_paper.parent / "reports", "zz_demo", "torch", "fast").read_text())
    counts = {k: metrics.pop(k) for k in ("PASS", "FAIL", "ERROR", "SKIP", "total")}
    assert counts == {"PASS": 1, "FAIL": 0, "ERROR": 2, "SKIP": 1, "total": 4}
    # per claim, flat keys for `dvc metrics diff`: status, measured value (median over seeds), margin
    verdicts = {v["claim_id"].split(".")[1]: v for v in json.loads((folder / "verdicts.json").read_text())}
    assert metrics == {f"{name}.{key}": v[key] for name, v in verdicts.items()
                       for key in ("status", "measured", "margin")}
    assert metrics["good.status"] == "PASS" and 0 <= metrics["good.measured"] <= 1 and metrics["good.margin"] > 0
    assert metrics["boom.status"] == "ERROR" and metrics["boom.measured"] is None


def test_same_seed_same_numbers(demo_paper):
    a = run_demo(demo_paper, out="a")
    b = run_demo(demo_paper, out="b")
    assert a["good"].per_seed == b["good"].per_seed
    ma = (demo_paper.parent / "a/runs/zz_demo/torch/fast/measurements.json").read_text()
    mb = (demo_paper.parent / "b/runs/zz_demo/torch/fast/measurements.json").read_text()
    assert ma == mb


def test_smoke_profile_runs_one_seed_and_seeds_flag_overrides(demo_paper):
    assert run_demo(demo_paper, profile="smoke")["good"].seeds_run == 1
    assert run_demo(demo_paper, seeds=3)["good"].seeds_run == 3


def test_bad_measurement_types_are_errors_of_that_experiment_only(demo_paper, monkeypatch):
    import papers.zz_demo.torch_impl as impl

    monkeypatch.setitem(impl.EXPERIMENTS, "e2", lambda p, seed, device: {"z": object()})
    v = run_demo(demo_paper)
    assert v["boom"].status is Status.ERROR and "must be a number or a numpy array" in v["boom"].message
    assert v["good"].status is Status.PASS

    monkeypatch.setitem(impl.EXPERIMENTS, "e2", lambda p, seed, device: {"z": np.ones(3)})
    v = run_demo(demo_paper)
    assert v["boom"].status is Status.ERROR and "not a number" in v["boom"].message


def test_multi_line_exception_messages_become_one_line(demo_paper, monkeypatch):
    import papers.zz_demo.torch_impl as impl

    def broken(p, seed, device):
        raise ValueError("first line\nsecond line")

    monkeypatch.setitem(impl.EXPERIMENTS, "e2", broken)
    assert "ValueError: first line second line" in run_demo(demo_paper)["boom"].message


def test_interrupt_while_writing_results_keeps_the_previous_run(demo_paper, monkeypatch):
    run_demo(demo_paper)
    folder = results.run_dir(demo_paper.parent / "reports", "zz_demo", "torch", "fast")
    before = sorted(p.name for p in folder.rglob("*"))
    real = results.write_json

    def interrupted(path, data):
        if Path(path).name == "meta.json":
            raise KeyboardInterrupt
        real(path, data)

    monkeypatch.setattr(results, "write_json", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_demo(demo_paper, seeds=3)
    assert sorted(p.name for p in folder.rglob("*")) == before
    assert json.loads((folder / "meta.json").read_text())["seeds_run"] == {"e1": [0, 1], "e2": [0]}
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]


def test_interrupted_run_leaves_previous_results_untouched(demo_paper):
    run_demo(demo_paper)
    folder = results.run_dir(demo_paper.parent / "reports", "zz_demo", "torch", "fast")
    before = (folder / "verdicts.json").read_text()
    with pytest.raises(KeyboardInterrupt):
        run_demo(demo_paper, overrides={"mode": "b"})  # the demo experiment raises KeyboardInterrupt
    assert (folder / "verdicts.json").read_text() == before
    assert not list(folder.parent.glob(".*staging*"))


def test_interrupted_first_run_leaves_no_folder(demo_paper):
    with pytest.raises(KeyboardInterrupt):
        run_demo(demo_paper, overrides={"mode": "b"})
    assert not (demo_paper.parent / "reports" / "runs" / "zz_demo" / "torch" / "fast").exists()
