"""`claimbench new`: the folder it writes passes the paper battery at once; bad input is a one-line error."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from claimbench import layout
from claimbench.cli import main

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--title", "A Toy Paper: Gradient Descent on Least Squares", "--arxiv", "2401.00001v1",
        "--authors", "A. Author, B. Author"]


def _repo_copy(dest: Path) -> Path:
    """The parts of the repository the battery reads: papers/, the battery, params.yaml, dvc.yaml, pyproject."""
    skip = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "papers", dest / "papers", ignore=skip)
    (dest / "tests" / "papers").mkdir(parents=True)
    (dest / "benchmarks").mkdir()
    for rel in ("tests/conftest.py", "tests/test_papers_common.py", "params.yaml", "dvc.yaml", "pyproject.toml"):
        shutil.copy(ROOT / rel, dest / rel)
    return dest


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def repo(tmp_path) -> Path:
    return _repo_copy(tmp_path / "repo")


@pytest.mark.slow
def test_new_paper_passes_the_battery_at_once(repo):
    assert main(["new", "toy_gd", *ARGS, "--root", str(repo)]) == 0
    assert layout.check_folder(repo / "papers" / "toy_gd") == []
    assert "toy_gd:" in (repo / "params.yaml").read_text()
    assert "toy_gd" in (repo / "dvc.yaml").read_text()
    env = {**os.environ, "PYTHONPATH": str(repo), "CLAIMBENCH_BATTERY_PAPERS": "toy_gd"}
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_papers_common.py",
                        "tests/papers/test_toy_gd.py"], cwd=repo, env=env, capture_output=True, text=True,
                       timeout=900)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert " passed" in r.stdout and "failed" not in r.stdout


@pytest.mark.parametrize("argv, message", [
    (["new", "Bad-Slug", *ARGS], "slug 'Bad-Slug': expected a new python name"),
    (["new", "class", *ARGS], "slug 'class'"),
    (["new", "suite", *ARGS], "slug 'suite'"),
    (["new", "three_mechanisms", *ARGS], "papers/three_mechanisms already exists"),
    (["new", "fresh_slug", "--title", "T", "--arxiv", "2401.00001"], "--arxiv '2401.00001': expected an arXiv id"),
    (["new", "fresh_slug", "--arxiv", "2401.00001v1"], "required: --title"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(repo, capsys, argv, message):
    before = _snapshot(repo)
    assert main([*argv, "--root", str(repo)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert _snapshot(repo) == before


def test_slug_already_in_params_yaml_is_refused(repo, capsys):
    (repo / "params.yaml").write_text((repo / "params.yaml").read_text() + "\nloose_section:\n  smoke: {}\n")
    assert main(["new", "loose_section", *ARGS, "--root", str(repo)]) == 2
    assert "params.yaml already has a section 'loose_section'" in capsys.readouterr().err
    assert not (repo / "papers" / "loose_section").exists()


def test_outside_a_repository_is_refused(tmp_path, capsys):
    assert main(["new", "toy_gd", *ARGS, "--root", str(tmp_path)]) == 2
    assert "run `claimbench new` in the repository root" in capsys.readouterr().err
