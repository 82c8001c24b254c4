"""Shared fixtures: a tiny demo paper (tests/fixtures/zz_demo) plugged into the `papers` package path."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("CLAIMBENCH_QUIET", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def demo_paper(monkeypatch, tmp_path):
    """Make papers.zz_demo importable and return a params.yaml path for it in a temp folder."""
    import papers

    monkeypatch.setattr(papers, "__path__", [*papers.__path__, str(FIXTURES)])
    params = tmp_path / "params.yaml"
    shutil.copy(FIXTURES / "params_demo.yaml", params)
    monkeypatch.chdir(tmp_path)
    return params
