"""Runs that collide, get killed or hit a full disk never lose or fake a result (issue 18)."""
import errno
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import claimbench.report.build  # noqa: F401 - imported before forking, so children start at once
import claimbench.report.theme  # noqa: F401
from claimbench import results, results_check
from claimbench.cli import main

RUN = ["--params", "params.yaml", "run", "zz_demo", "--backend", "jax"]
FOLDER = Path("reports/runs/zz_demo/jax/fast")


def set_demo_fast(values: str) -> None:
    """Change the demo's fast profile in params.yaml (a `--set` would make a variant in its own folder)."""
    text = Path("params.yaml").read_text()
    Path("params.yaml").write_text(text.replace("fast: {width: 5}", f"fast: {{{values}}}"))


def claims():
    from claimbench import registry

    return {c.id: c for c in registry.load_paper("zz_demo").claims}


# The children only run numpy code, matplotlib and file I/O (the demo's "jax" backend imports no jax), so
# the threads other tests' jax left in this process are never needed in them.
FORK_OK = pytest.mark.filterwarnings("ignore:os.fork\\(\\) was called:RuntimeWarning")


def fork_cli(argv, tag, gate=None):
    """Run main(argv) in a forked child (everything is already imported); stderr goes to err-<tag>."""
    pid = os.fork()
    if pid == 0:  # child: never returns into pytest
        code = 99
        try:
            sys.stderr = open(f"err-{tag}", "w")
            sys.stdout = open(os.devnull, "w")
            Path(f"ready-{tag}").touch()
            while gate and not Path(gate).exists():
                time.sleep(0.005)
            code = main(argv)
        finally:
            sys.stderr.flush()
            os._exit(code)
    return pid


def wait(pid, timeout=120):
    t0 = time.time()
    while time.time() - t0 < timeout:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.02)
    os.kill(pid, 9)
    raise AssertionError("child hung")


@FORK_OK
def test_two_runs_at_once_one_wins_the_other_exits_2(demo_paper):
    set_demo_fast("width: 5, delay: 0.5")
    pids = [fork_cli(RUN, tag, gate="go") for tag in "ab"]
    while not all(Path(f"ready-{t}").exists() for t in "ab"):
        time.sleep(0.005)
    Path("go").touch()
    codes = [wait(p) for p in pids]
    assert sorted(codes) == [0, 2], codes
    winner, loser = (pids[0], "b") if codes[0] == 0 else (pids[1], "a")
    err = Path(f"err-{loser}").read_text()
    assert err.count("\n") == 1 and "being written by another claimbench run" in err and f"pid {winner}" in err
    run = results_check.load_run(FOLDER, claims(), results.metrics_path("reports", "zz_demo", "jax", "fast"))
    assert len(run["verdicts"]) == 4 and run["meta"]["params"]["delay"] == 0.5
    assert sorted(p.name for p in FOLDER.parent.iterdir()) == ["fast"]  # no lock, staging or old folder left


@FORK_OK
def test_sigterm_is_handled_like_ctrl_c(demo_paper, capsys):
    assert main(RUN) == 0
    before = (FOLDER / "verdicts.json").read_bytes()
    set_demo_fast("width: 5, delay: 5")
    pid = fork_cli(RUN, "t")
    lock = FOLDER.parent / ".fast.lock"
    t0 = time.time()
    while not lock.exists() and time.time() - t0 < 60:
        time.sleep(0.01)
    os.kill(pid, 15)
    assert wait(pid) == 143
    assert Path("err-t").read_text() == "claimbench: terminated (SIGTERM); no partial results were written\n"
    assert (FOLDER / "verdicts.json").read_bytes() == before
    assert sorted(p.name for p in FOLDER.parent.iterdir()) == ["fast"]


def test_leftovers_of_dead_runs_are_cleaned_live_ones_kept_none_read(demo_paper):
    assert main(RUN) == 0
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = FOLDER.parent / f".fast.staging-{dead.pid}-x"
    live = FOLDER.parent / f".fast.staging-{os.getppid()}-y"
    for d in (stale, live):
        shutil.copytree(FOLDER, d)
    assert results_check.find_runs("reports") == [FOLDER]
    assert main(RUN) == 0
    assert not stale.exists() and live.exists()


def test_identical_runs_give_byte_identical_verdicts(demo_paper):
    assert main(RUN) == 0
    first = (FOLDER / "verdicts.json").read_bytes()
    assert main(RUN) == 0
    assert (FOLDER / "verdicts.json").read_bytes() == first and b"wall_s" not in first
    meta = json.loads((FOLDER / "meta.json").read_text())
    assert set(meta["claim_wall_s"]) == set(claims())


def _fill(folder: Path, leave: int) -> None:
    """Write a filler file until the file system has about `leave` bytes free."""
    free = shutil.disk_usage(folder).free - leave
    with open(folder / "filler", "wb") as f:
        f.write(b"\0" * max(free, 0))


@pytest.fixture
def small_fs(tmp_path):
    """A 1 MiB tmpfs (needs root and mount; skipped elsewhere, where the patched test still runs)."""
    mnt = tmp_path / "fs"
    mnt.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode().strip()}")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def _assert_previous_run_kept(out: Path, before: dict, capsys, code: int) -> None:
    err = capsys.readouterr().err
    assert code == 3 and err.count("\n") == 1 and "the previous results are kept" in err, err
    folder = out / "runs/zz_demo/jax/fast"
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in folder.parent.iterdir()) == ["fast"]
    results_check.load_run(folder, claims(), results.metrics_path(out, "zz_demo", "jax", "fast"))


def test_disk_full_on_a_real_small_file_system(demo_paper, small_fs, capsys):
    assert main(["--out", str(small_fs), *RUN]) == 0
    folder = small_fs / "runs/zz_demo/jax/fast"
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    _fill(small_fs, leave=6000)  # a page or so: the run fails part-way through writing
    set_demo_fast("width: 4")
    _assert_previous_run_kept(small_fs, before, capsys, main(["--out", str(small_fs), *RUN]))


@pytest.mark.parametrize("target", ["matplotlib.figure.Figure.savefig", "numpy.savez_compressed",
                                    "claimbench.results.json_text"])
def test_disk_full_while_writing_any_result_file(demo_paper, capsys, monkeypatch, target):
    assert main(RUN) == 0
    before = {p: p.read_bytes() for p in FOLDER.rglob("*") if p.is_file()}

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(target, full)
    set_demo_fast("width: 4")
    _assert_previous_run_kept(Path("reports"), before, capsys, main(RUN))


def test_internal_errors_are_one_line_unless_debugging(demo_paper, capsys, monkeypatch):
    from claimbench import cli

    monkeypatch.setitem(cli.COMMANDS, "list", lambda args: {}["boom"])
    assert main(["list"]) == 4
    err = capsys.readouterr().err
    assert err.startswith("claimbench: internal error: KeyError: 'boom'") and err.count("\n") == 1
    monkeypatch.setenv("CLAIMBENCH_DEBUG", "1")
    assert main(["list"]) == 4
    assert "Traceback" in capsys.readouterr().err
