"""Performance tracking: the ratio statistic, record_ratio, the side workers, `claimbench bench`,
`bench history`, `bench compare` end to end on a scratch repository, and their one-line errors."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import bench_scratch
import pytest

from claimbench.bench import record_ratio, stats
from claimbench.bench.worker import Worker, WorkerError
from claimbench.cli import main

ROOT = Path(__file__).resolve().parents[1]
PROBE = ["benchmarks/bench_probe.py", "-o", "python_files=bench_*.py", "-q", "-p", "no:cacheprovider"]


def test_ratio_ci_brackets_the_ratio_and_the_verdicts_follow_the_interval():
    base = [1.00, 1.02, 0.99, 1.01, 1.03, 0.98]
    same = stats.ratio_ci(base, [1.01, 1.00, 1.00, 1.02, 1.01, 0.99])
    assert same.low <= same.ratio <= same.high and stats.verdict(same, 1.10) == "same"
    slow = stats.ratio_ci(base, [1.3 * b for b in base])
    assert slow.ratio == pytest.approx(1.3) and slow.low > 1.10 and stats.verdict(slow, 1.10) == "slower"
    assert stats.verdict(stats.ratio_ci(base, [0.5 * b for b in base]), 1.10) == "faster"
    noisy = stats.ratio_ci(base, [1.4, 0.8, 1.5, 0.7, 1.6, 0.9])
    assert stats.verdict(noisy, 1.10) == "unclear"  # a wide interval never fails the gate
    assert stats.ratio_ci(base, [1.3 * b for b in base]) == slow  # same timings, same interval
    with pytest.raises(ValueError):
        stats.ratio_ci([1.0, 2.0], [1.0])


class _Bench:  # what record_ratio needs of pytest-benchmark's fixture
    def __init__(self):
        self.extra_info = {}


def test_record_ratio_stores_the_ratio_and_checks_its_sanity_range():
    def spin(n):
        return lambda: sum(i * i for i in range(n))

    b = _Bench()
    r = record_ratio(b, "big_over_small", ("big", spin(40000)), ("small", spin(10000)), bounds=(1.0, 100.0))
    assert b.extra_info["big_over_small"] == r and b.extra_info["ms_big"] > b.extra_info["ms_small"] > 0
    with pytest.raises(AssertionError, match="big_over_small .* outside its sanity range"):
        record_ratio(_Bench(), "big_over_small", ("big", spin(40000)), ("small", spin(10000)), bounds=(0.0, 0.5))


def _probe_tree(tree: Path, body: str) -> None:
    (tree / "benchmarks").mkdir(parents=True, exist_ok=True)
    (tree / "benchmarks" / "bench_probe.py").write_text(f"def test_probe():\n{body}")


def test_a_side_imports_its_own_tree_not_the_editable_install(tmp_path):
    tree = tmp_path / "base"
    shutil.copytree(ROOT / "src", tree / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    # without the worker, the editable install of this checkout wins: the danger is real
    plain = subprocess.run([sys.executable, "-c", "import claimbench; print(claimbench.__file__)"], cwd=tree,
                           capture_output=True, text=True, timeout=120)
    assert plain.stdout.startswith(str(ROOT))
    _probe_tree(tree, f"    import claimbench\n    assert claimbench.__file__.startswith({str(tree)!r})\n")
    w = Worker("BASE", tree, [ROOT], tmp_path / "base.log", dict(os.environ))
    try:
        assert w.run(PROBE) == 0
    finally:
        w.close()


def test_a_side_that_imports_the_other_tree_is_refused(tmp_path):
    other = tmp_path / "head"
    other.mkdir()
    (other / "stray.py").write_text("X = 1\n")
    tree = tmp_path / "base"
    _probe_tree(tree, f"    import sys\n    sys.path.insert(0, {str(other)!r})\n    import stray\n")
    w = Worker("BASE", tree, [other], tmp_path / "base.log", dict(os.environ))
    try:
        with pytest.raises(WorkerError, match="imported code of the other tree .*stray.py"):
            w.run(PROBE)
    finally:
        w.close()


@pytest.mark.slow
def test_compare_catches_a_30_percent_slowdown_and_names_it(tmp_path, monkeypatch, capsys):
    repo = bench_scratch.make_repo(tmp_path / "repo")
    bench_scratch.slow_down(repo, 1.3)
    bench_scratch.add_head_only(repo)
    monkeypatch.chdir(repo)
    assert main(["--out", "out", "bench", "compare", "HEAD", "--rounds", "12"]) == 1
    out = capsys.readouterr().out
    assert "bench_toy.py::test_work" in out.split("SLOWER")[0]
    assert "only on HEAD (not compared): bench_toy.py::test_new" in out
    report = json.loads(Path("out/bench/compare/latest.json").read_text())
    rows = {r["name"].removeprefix("benchmarks/"): r for r in report["benchmarks"]}
    assert report["regressions"] == ["benchmarks/bench_toy.py::test_work"]
    assert 1.15 < rows["bench_toy.py::test_work"]["ratio"] < 1.6, rows  # ~1.3: BASE ran BASE's code
    assert rows["bench_toy.py::test_steady"]["verdict"] != "slower"
    assert len(rows["bench_toy.py::test_work"]["base_ms"]) == 12 and report["options"]["timer"] == "cpu"
    assert report["head"]["commit"].endswith("+dirty") and report["only_head"] == ["benchmarks/bench_toy.py::test_new"]
    assert bench_scratch.git(repo, "worktree", "list").count("\n") == 1  # the BASE worktree is gone
    page = Path("out/performance.html").read_text()
    assert "bench_toy.py::test_work" in page and "slower" in page


COUNT_IMAGES = ('<script>window.addEventListener("load", function () { document.body.setAttribute('
                '"data-images-shown", [].filter.call(document.images, function (i) {'
                ' return i.complete && i.naturalWidth > 0; }).length); });</script>')


def _chromium_dom(page: Path) -> str | None:
    """The DOM headless Chromium renders for `page` after load (None without Debian's chromium)."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        return None
    probe = page.resolve().with_name("probe.html")
    probe.write_text(page.read_text().replace("</body>", COUNT_IMAGES + "</body>"))
    return subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", probe.as_uri()],
                          capture_output=True, text=True, timeout=120).stdout


@pytest.mark.slow
def test_bench_twice_then_history_shows_two_runs_and_the_page_has_them(tmp_path, monkeypatch, capsys):
    repo = bench_scratch.make_repo(tmp_path / "repo")
    monkeypatch.chdir(repo)
    for _ in range(2):
        assert main(["--out", "out", "bench", "-k", "steady"]) == 0
        time.sleep(1.1)  # run files are named by the second
    capsys.readouterr()
    assert main(["--out", "out", "bench", "history"]) == 0
    out = capsys.readouterr().out
    assert "2 saved run(s)" in out and "bench_toy.py::test_steady" in out
    table = out.split("bench_toy.py::test_steady")[1].strip().splitlines()
    assert [line.split()[0] for line in table[1:]] == ["0001", "0002"]
    saved = sorted(Path("out/bench/history").glob("*/*.json"))
    data = json.loads(saved[0].read_text())
    assert data["claimbench"]["packages"]["numpy"] and data["commit_info"]["id"]
    assert data["benchmarks"][0]["options"]["timer"] == "process_time"
    page = Path("out/performance.html").read_text()
    assert page.count("data:image/png;base64,") == 1 and "http" not in page.replace("http-equiv", "")
    dom = _chromium_dom(Path("out/performance.html"))
    if dom is not None:  # the page as a browser shows it, offline: the history plot decodes
        assert 'data-images-shown="1"' in dom and "(2 runs," in dom
    saved[1].write_text("{")  # a broken history file is named, the other run still shows
    assert main(["--out", "out", "bench", "history"]) == 1
    out = capsys.readouterr().out
    assert f"BROKEN {saved[1]}" in out and "1 saved run(s)" in out


@pytest.mark.parametrize("argv, needle", [
    (["bench", "compare", "no-such-rev"], "BASE 'no-such-rev': not a commit"),
    (["bench", "compare", "HEAD", "--rounds", "2"], "--rounds 2: expected an integer in [3, 200]"),
    (["bench", "compare", "HEAD", "--rounds", "x"], "--rounds 'x': expected a whole number"),
    (["bench", "compare", "HEAD", "--threshold", "0.5"], "--threshold 0.5: expected a ratio in [1, 100]"),
    (["bench", "compare", "HEAD", "--threshold", "nan"], "--threshold 'nan': expected a ratio"),
    (["bench", "compare", "HEAD", "--timer", "gpu"], "invalid choice: 'gpu'"),
    (["bench", "--path", "nope.py"], "nope.py: no such benchmark file or folder"),
])
def test_bench_bad_input_is_one_line_exit_2(tmp_path, monkeypatch, capsys, argv, needle):
    repo = bench_scratch.make_repo(tmp_path / "repo")
    monkeypatch.chdir(repo)
    assert main(["--out", "out", *argv]) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err
    assert not Path("out").exists() and bench_scratch.git(repo, "worktree", "list").count("\n") == 1


def test_compare_outside_a_git_repository_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["bench", "compare", "HEAD"]) == 2
    assert "not inside a git repository" in capsys.readouterr().err


def test_the_benchmark_session_does_not_inherit_an_enclosing_xdist_worker(monkeypatch):
    """Under `make test` (pytest-xdist) pytest-benchmark would disable itself in the child session."""
    from claimbench.bench.suite import bench_env

    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    monkeypatch.setenv("PYTEST_ADDOPTS", "-n 2")
    env = bench_env()
    assert "PYTEST_XDIST_WORKER" not in env and "PYTEST_ADDOPTS" not in env
    assert env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] == "1" and env["OMP_NUM_THREADS"]
