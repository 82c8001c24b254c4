"""The DVC pipeline on the demo paper in a scratch git repo: repro, a no-op second repro, exp run -S, metrics."""
import json
import os
from pathlib import Path

import pytest
from dvc_scratch import BIN, make_repo, sh

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def scratch_repo(tmp_path):
    if not (BIN / "dvc").exists():
        pytest.skip("dvc is not installed in this environment")
    repo = tmp_path / "repo"
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "PYTHONPATH": f"{repo / 'src'}:{repo}",
           "CLAIMBENCH_QUIET": "1"}
    make_repo(repo, FIXTURES / "zz_demo", FIXTURES / "params_demo.yaml", env)
    return repo, env


def test_repro_twice_exp_run_and_metrics(scratch_repo):
    repo, env = scratch_repo
    assert "analytics = false" in (repo / ".dvc" / "config").read_text()
    sh("dvc repro", repo, env)
    assert (repo / "reports" / "summary.md").exists() and (repo / "reports" / "index.html").exists()
    again = sh("dvc repro", repo, env)
    assert "Running stage" not in again and "up to date" in again
    sh("git add -A && git commit -qm results", repo, env)
    sh("dvc exp run -S zz_demo.fast.width=7 -S +zz_demo.fast.lr=0.05", repo, env)  # lr: 0.1 by default
    meta = (repo / "reports" / "runs" / "zz_demo" / "torch" / "fast" / "meta.json").read_text()
    assert '"width": 7' in meta
    shown = sh("dvc metrics show", repo, env)
    assert "zz_demo.torch.fast.json" in shown and "PASS" in shown and "good.measured" in shown
    # x = u·lr: halving lr halves the measured value and moves the margin; the counts stay
    diff = sh("dvc metrics diff --json", repo, env)
    moved = json.loads(diff)["reports/metrics/zz_demo.torch.fast.json"]
    assert set(moved) == {"good.measured", "good.margin"}, moved
    assert moved["good.measured"]["new"] == pytest.approx(moved["good.measured"]["old"] / 2)
    assert "good.measured" in sh("dvc metrics diff", repo, env)


def test_the_lock_file_names_only_the_pipelines_stages():
    """DVC keeps a lock entry after its stage left dvc.yaml, and parses and rewrites the whole file at
    every stage of a repro: stale entries (the old run@paper-backend stages) cost ~0.25 s a parse."""
    import yaml

    root = FIXTURES.parents[1]
    stages = yaml.safe_load((root / "dvc.yaml").read_text())["stages"]
    names = {f"{name}@{item}" for name, s in stages.items() if "matrix" in s
             for item in next(iter(s["matrix"].values()))}
    names |= {name for name, s in stages.items() if "matrix" not in s}
    locked = set(yaml.safe_load((root / "dvc.lock").read_text())["stages"])
    assert locked <= names, f"dvc.lock names stages dvc.yaml does not: {sorted(locked - names)}"
