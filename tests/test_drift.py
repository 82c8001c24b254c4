"""`claimbench check --baseline`: the committed verdicts as a baseline; only what changed for the worse fails."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pandas as pd
import pytest

from claimbench import drift
from claimbench.cli import main


def cli(*argv):
    if argv[0] in ("check", "report"):  # the demo's params.yaml has no suite section: name the profile
        argv = (argv[0], "--profile", "fast", *argv[1:])
    return main(["--params", "params.yaml", *argv])


def git(*args):
    return subprocess.run(["git", *args], capture_output=True, text=True, timeout=60, check=True).stdout


@pytest.fixture
def committed_demo(demo_paper):
    """The demo paper run (fast, both backends) and reported in a git repo whose HEAD holds reports/verdicts.csv."""
    assert cli("run", "zz_demo", "--backend", "all") == 0
    assert cli("report") == 0
    git("init", "-q")
    git("config", "user.email", "test@example.com")
    git("config", "user.name", "test")
    git("add", "params.yaml", "reports/verdicts.csv")
    git("commit", "-qm", "baseline")
    return demo_paper


def test_baseline_head_passes_as_committed_and_fails_when_a_pass_turns_fail(committed_demo, capsys):
    capsys.readouterr()
    assert cli("check") == 1  # the plain check fails on the demo's known ERROR claims
    assert cli("check", "--baseline", "HEAD") == 0  # ... the baseline gate does not: nothing changed
    out = capsys.readouterr().out
    assert "8 claim verdicts compared with HEAD:reports/verdicts.csv: 0 changed, 0 fail the gate" in out
    # edit the profile as `dvc exp run -S` does (a --set run is a variant, in its own folder)
    params = Path("params.yaml")
    params.write_text(params.read_text().replace("fast: {width: 5}", "fast: {width: 5, lr: 100}"))
    assert cli("run", "zz_demo") == 0  # x = u·lr > 1: zz_demo.good fails on torch
    capsys.readouterr()
    assert cli("check", "--baseline", "HEAD") == 1
    out = capsys.readouterr().out
    assert "GATE    zz_demo.good [torch/fast] PASS -> FAIL; measured" in out and "<- PASS -> FAIL" in out
    assert "1 changed, 1 fail the gate" in out and "[jax/fast]" not in out
    assert cli("check", "--baseline", "reports/verdicts.csv") == 1  # a file baseline (the report of the first run)


def test_a_margin_that_shrinks_past_margin_drop_fails_the_gate(committed_demo, capsys):
    base = pd.read_csv("reports/verdicts.csv", keep_default_na=False, na_values=[""])  # a claim is named "nan"
    good = base.claim == "good"
    base.loc[good, "margin"] = base.loc[good, "margin"] * 3  # the baseline had 3x the margin: 2/3 of it is lost
    base.to_csv("old.csv", index=False)
    capsys.readouterr()
    assert cli("check", "--baseline", "old.csv") == 1
    assert "margin lost 67 % (more than 50 %)" in capsys.readouterr().out
    assert cli("check", "--baseline", "old.csv", "--margin-drop", "0.7") == 0


def _frame(rows):
    return pd.DataFrame([dict(zip(["paper", "claim", "backend", "profile", "status", "measured", "margin"], r,
                                  strict=True)) for r in rows])


def test_what_fails_the_gate_and_what_is_only_listed():
    base = _frame([("p", "a", "torch", "fast", "PASS", 1.0, 0.5), ("p", "b", "torch", "fast", "FAIL", 2.0, -1.0),
                   ("p", "c", "torch", "fast", "ERROR", None, None), ("p", "d", "torch", "fast", "PASS", 1.0, 0.5),
                   ("p", "e", "torch", "fast", "PASS", 1.0, 0.5), ("p", "f", "torch", "fast", "FAIL", 2.0, -1.0)])
    now = _frame([("p", "a", "torch", "fast", "PASS", 1.1, 0.4),  # moved, kept most of its margin: listed
                  ("p", "b", "torch", "fast", "FAIL", 3.0, -2.0),  # a known FAIL: listed, not gated
                  ("p", "c", "torch", "fast", "FAIL", 2.0, -1.0),  # ERROR -> FAIL: runs again, not gated
                  ("p", "d", "torch", "fast", "SKIP", None, None),  # listed
                  ("p", "f", "torch", "fast", "ERROR", None, None),  # FAIL -> ERROR: a new ERROR
                  ("p", "g", "torch", "fast", "FAIL", 0.0, -1.0)])  # a new claim that fails
    found, missing = drift.changes(now, base, 0.5)
    gates = {c.key[1]: c.gate for c in found}
    assert gates == {"a": "", "b": "", "c": "", "d": "", "f": "FAIL -> ERROR", "g": "new FAIL"}
    assert missing == 1  # e was in the baseline of this run and is gone: counted, not gated


@pytest.mark.parametrize("argv, needle", [
    (["check", "--baseline", "no-such-rev"], "--baseline 'no-such-rev': not a file and not a git revision"),
    (["check", "--baseline", "params.yaml"], "--baseline params.yaml: not a verdicts.csv (no column"),
    (["check", "--baseline", "HEAD", "--margin-drop", "2"], "--margin-drop '2': expected a fraction in [0, 1]"),
    (["check", "--baseline", "HEAD", "--variants"], "--baseline compares the canonical runs: use it without"),
])
def test_bad_baseline_is_one_line_exit_2(committed_demo, capsys, argv, needle):
    capsys.readouterr()
    assert cli(*argv) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err


def test_a_revision_without_verdicts_is_one_line(demo_paper, capsys):
    git("init", "-q")
    git("config", "user.email", "test@example.com")
    git("config", "user.name", "test")
    Path("x").write_text("x")
    git("add", "x")
    git("commit", "-qm", "no verdicts")
    assert cli("check", "--baseline", "HEAD") == 2
    assert "HEAD: the revision has no reports/verdicts.csv" in capsys.readouterr().err
