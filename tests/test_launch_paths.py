"""Same seed, same backend, same machine: the same bytes, however the run is launched.

The fixture paper measures a dot product of 100 000 numbers, which OpenBLAS splits across threads when
it may use several (its last digits then change). The three launches differ the way users' do:
`claimbench run` and `python -m claimbench` from a bare shell (no thread variables), and `dvc repro`
of one stage with the Makefile's variables (which runs the torch and jax runs side by side, --jobs 2).
On a one-core machine BLAS never splits the sum, so the test then checks less than it can on CI.
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "report_papers"
BIN = Path(sys.executable).parent
THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "XLA_FLAGS", "CLAIMBENCH_THREADS")
MAKEFILE_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false", "PYTHONHASHSEED": "0"}
RUN = "run zz_report --backend torch --profile fast"


def sh(cmd, cwd, env):
    r = subprocess.run(cmd, cwd=cwd, env=env, shell=True, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"{cmd}\n{r.stdout[-1500:]}\n{r.stderr[-1500:]}"
    return r.stdout + r.stderr


@pytest.fixture
def scratch(tmp_path):
    """A git repo with the sources, the fixture paper, params.yaml and a one-paper dvc.yaml."""
    if not (BIN / "dvc").exists():
        pytest.skip("dvc is not installed in this environment")
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "src", repo / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copytree(ROOT / ".dvc", repo / ".dvc", ignore=shutil.ignore_patterns("cache", "tmp", "config.local"))
    (repo / "papers").mkdir()
    shutil.copy(ROOT / "papers" / "__init__.py", repo / "papers")
    shutil.copytree(FIXTURES / "zz_report", repo / "papers" / "zz_report")
    suite = yaml.safe_load((ROOT / "params.yaml").read_text())["suite"]
    (repo / "params.yaml").write_text(yaml.safe_dump({"suite": {**suite, "profile": "fast", "device": "cpu"},
                                                      **yaml.safe_load((FIXTURES / "params.yaml").read_text())}))
    dvc = yaml.safe_load((ROOT / "dvc.yaml").read_text())
    dvc["stages"]["run"]["matrix"] = {"paper": ["zz_report"]}
    (repo / "dvc.yaml").write_text(yaml.safe_dump(dvc, sort_keys=False))
    bare = {k: v for k, v in os.environ.items() if k not in THREAD_ENV and k != "PYTHONHASHSEED"}
    bare.update(PATH=f"{BIN}:{os.environ['PATH']}", PYTHONPATH=f"{repo / 'src'}:{repo}", CLAIMBENCH_QUIET="1")
    sh("git init -q && git config user.email test@example.com && git config user.name test "
       "&& git add -A && git commit -qm init", repo, bare)
    return repo, bare


def test_three_launch_paths_give_identical_measurements(scratch):
    repo, bare = scratch
    sh(f"claimbench --out out_script {RUN}", repo, bare)
    sh(f"{sys.executable} -m claimbench --out out_module {RUN}", repo, bare)
    sh("dvc repro run@zz_report", repo, {**bare, **MAKEFILE_ENV})
    rel = Path("runs") / "zz_report" / "torch" / "fast" / "measurements.json"
    files = [repo / "out_script" / rel, repo / "out_module" / rel, repo / "reports" / rel]
    data = [f.read_bytes() for f in files]
    assert b'"dot"' in data[0]
    assert data[0] == data[1] == data[2], "measurements differ between launch paths"
    meta = (repo / "reports" / "runs" / "zz_report" / "torch" / "fast" / "meta.json").read_text()
    assert '"threads": 1' in meta
    assert (repo / "reports" / "runs" / "zz_report" / "jax" / "fast" / "measurements.json").exists()
