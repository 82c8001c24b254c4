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
# the longest test files start first, so that `make test`'s two workers (pytest-xdist, one file per
# worker at a time) finish together instead of one waiting on a long file picked up last
LONG_FIRST = ("test_papers_common.py", "test_dvc.py", "test_launch_paths.py", "test_scaffold.py",
              "test_course_otter.py", "test_sweep.py")


def pytest_collection_modifyitems(items):
    """Order the collected tests: LONG_FIRST files first, the rest as collected (a stable sort)."""
    def rank(item):
        name = item.path.name
        return LONG_FIRST.index(name) if name in LONG_FIRST else len(LONG_FIRST)
    items.sort(key=rank)


@pytest.fixture
def demo_paper(monkeypatch, tmp_path):
    """Make papers.zz_demo importable and return a params.yaml path for it in a temp folder."""
    import papers

    monkeypatch.setattr(papers, "__path__", [*papers.__path__, str(FIXTURES)])
    params = tmp_path / "params.yaml"
    shutil.copy(FIXTURES / "params_demo.yaml", params)
    monkeypatch.chdir(tmp_path)
    return params
