"""Same seed, same backend, same machine: the same bytes, however the run is launched.

The fixture paper measures a dot product of 100 000 numbers, which OpenBLAS splits across threads when
it may use several (its last digits then change). The three launches differ the way users' do:
`claimbench run` and `python -m claimbench` from a bare shell (no thread variables), and `dvc repro`
of one stage with the Makefile's variables (which runs the torch and jax runs side by side, --jobs 2).
On a one-core machine BLAS never splits the sum, so the test then checks less than it can on CI.
"""
import os
import sys
from pathlib import Path

import pytest
from dvc_scratch import BIN, make_repo, sh

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "report_papers"
THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "XLA_FLAGS", "CLAIMBENCH_THREADS")
MAKEFILE_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
                "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false", "PYTHONHASHSEED": "0"}
RUN = "run zz_report --backend torch --profile fast"


@pytest.fixture
def scratch(tmp_path):
    """A git repo with the sources, the fixture paper, params.yaml and a one-paper dvc.yaml."""
    if not (BIN / "dvc").exists():
        pytest.skip("dvc is not installed in this environment")
    repo = tmp_path / "repo"
    bare = {k: v for k, v in os.environ.items() if k not in THREAD_ENV and k != "PYTHONHASHSEED"}
    bare.update(PATH=f"{BIN}:{os.environ['PATH']}", PYTHONPATH=f"{repo / 'src'}:{repo}", CLAIMBENCH_QUIET="1")
    make_repo(repo, FIXTURES / "zz_report", FIXTURES / "params.yaml", bare, profile="fast", device="cpu")
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
