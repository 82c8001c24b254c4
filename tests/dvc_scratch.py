"""A scratch git + DVC repository holding one paper folder, for the tests that run `dvc repro`.

`make_repo` copies the sources, .dvc/ and the paper, writes params.yaml (the suite section + the paper's
params) and a dvc.yaml whose stage matrix lists only that paper, and commits it all.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def sh(cmd: str, cwd: Path, env: dict) -> str:
    """Run a shell command; fail the test with its output tail when it exits non-zero."""
    r = subprocess.run(cmd, cwd=cwd, env=env, shell=True, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"{cmd}\n{r.stdout[-1500:]}\n{r.stderr[-1500:]}"
    return r.stdout + r.stderr


def make_repo(repo: Path, paper: Path, paper_params: Path, env: dict, **suite) -> Path:
    """Build and commit the scratch repository at `repo` for the paper folder `paper`."""
    shutil.copytree(ROOT / "src", repo / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copytree(ROOT / ".dvc", repo / ".dvc", ignore=shutil.ignore_patterns("cache", "tmp", "config.local"))
    (repo / "papers").mkdir()
    shutil.copy(ROOT / "papers" / "__init__.py", repo / "papers")
    shutil.copytree(paper, repo / "papers" / paper.name)
    base = yaml.safe_load((ROOT / "params.yaml").read_text())["suite"]
    params = {"suite": {**base, **suite}, **yaml.safe_load(paper_params.read_text())}
    (repo / "params.yaml").write_text(yaml.safe_dump(params))
    dvc = yaml.safe_load((ROOT / "dvc.yaml").read_text())
    dvc["stages"]["run"]["matrix"]["paper"] = [paper.name]
    (repo / "dvc.yaml").write_text(yaml.safe_dump(dvc, sort_keys=False))
    sh("git init -q && git config user.email test@example.com && git config user.name test "
       "&& git add -A && git commit -qm init", repo, env)
    return repo
