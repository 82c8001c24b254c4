"""The `claimbench` command end to end on the demo paper, and its one-line errors on bad input."""
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from claimbench.cli import main

ROOT = Path(__file__).resolve().parents[1]


def cli(*argv):
    return main(["--params", "params.yaml", *argv])


def test_list_run_report_check(demo_paper, capsys):
    assert cli("list", "--show-params") == 0
    out = capsys.readouterr().out
    assert "zz_demo" in out and "source: derived: demo" in out and "param width" in out
    assert cli("run", "zz_demo", "--profile", "smoke", "--backend", "all") == 0
    out = capsys.readouterr().out
    assert "good" in out and "PASS" in out and "ERROR" in out
    assert cli("report", "--profile", "smoke") == 0
    for name in ("index.html", "summary.md", "verdicts.csv"):
        assert (Path("reports") / name).exists()
    html = Path("reports/index.html").read_text()
    assert "data:image/png;base64," in html and "src=\"http" not in html  # offline: images embedded
    header = Path("reports/verdicts.csv").read_text().splitlines()[0]
    for col in ("paper", "claim", "backend", "status", "measured", "expected", "margin", "source"):
        assert col in header.split(",")
    assert cli("check", "--profile", "smoke") == 1  # the demo has ERROR claims
    assert "ERROR zz_demo.boom" in capsys.readouterr().out


def test_check_passes_when_all_claims_pass(demo_paper, capsys, monkeypatch):
    from claimbench import registry

    real = registry.load_paper

    def only_good(slug):
        p = real(slug)
        return type(p)(p.slug, p.info, tuple(c for c in p.claims if c.name == "good"), p.params_cls, p.folder)

    monkeypatch.setattr(registry, "load_paper", only_good)
    assert cli("run", "zz_demo") == 0
    assert cli("check", "--profile", "fast") == 0


@pytest.mark.parametrize("argv, needle", [
    (["run", "nope"], "unknown paper 'nope'"),
    (["run", "zz_demo", "--profile", "medium"], "invalid choice: 'medium'"),
    (["run", "zz_demo", "--set", "widht=3"], "zz_demo.fast.widht: unknown key"),
    (["run", "zz_demo", "--set", "width=-2"], "zz_demo.fast.width: -2 is out of range"),
    (["run", "zz_demo", "--set", "width=wide"], "zz_demo.fast.width: expected int, got str"),
    (["run", "zz_demo", "--backend", "mxnet"], "invalid choice: 'mxnet'"),
    (["run", "zz_demo", "--seeds", "0"], "--seeds '0'"),
    (["run", "zz_demo", "zz_demo", "--set", "width=3", "--threads", "0"], "--threads '0'"),
    (["check", "--profile", "all"], "no results"),
    (["check"], "params.yaml: suite.profile is missing"),
    (["run", "zz_demo", "--set", "three_mechanisms.width=99"], "'three_mechanisms' is not among the papers"),
    (["run", "zz_demo", "--threads", "two"], "--threads 'two'"),
    (["run", "zz_demo", "--backend", "all", "--jobs", "0"], "--jobs '0'"),
])
def test_bad_input_is_one_line_exit_2_nothing_written(demo_paper, capsys, argv, needle):
    assert cli(*argv) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1 and "Traceback" not in err
    assert not Path("reports").exists()


def test_bad_params_file_and_unknown_command_from_the_shell(tmp_path):
    env = {**os.environ, "CLAIMBENCH_QUIET": "1"}
    exe = [sys.executable, "-m", "claimbench.cli"]
    for argv, needle in [(["--params", "missing.yaml", "run", "three_mechanisms"], "missing.yaml: file not found"),
                         (["explode"], "invalid choice: 'explode'")]:
        r = subprocess.run(exe + argv, cwd=tmp_path, capture_output=True, text=True, env=env, timeout=120)
        assert r.returncode == 2 and needle in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert list(tmp_path.iterdir()) == []


def test_bad_thread_variable_is_one_line(demo_paper, capsys, monkeypatch):
    monkeypatch.setenv("CLAIMBENCH_THREADS", "abc")
    assert cli("run", "zz_demo") == 2
    assert "CLAIMBENCH_THREADS 'abc'" in capsys.readouterr().err


def test_report_defaults_to_the_suite_profile(demo_paper, capsys):
    with open("params.yaml", "a") as f:
        f.write("suite: {profile: fast, device: cpu}\n")
    assert cli("run", "zz_demo", "--profile", "smoke") == 0
    assert cli("run", "zz_demo", "--profile", "fast") == 0
    assert cli("report") == 0
    assert set(pd.read_csv("reports/verdicts.csv").profile) == {"fast"}
    assert cli("report", "--profile", "all") == 0
    assert set(pd.read_csv("reports/verdicts.csv").profile) == {"fast", "smoke"}


def test_report_ignores_runs_of_a_removed_paper(demo_paper, capsys):
    assert cli("run", "zz_demo", "--profile", "smoke") == 0
    stale = Path("reports/runs/gone_paper/torch/smoke")
    stale.parent.mkdir(parents=True)
    import shutil

    shutil.copytree("reports/runs/zz_demo/torch/smoke", stale)
    meta = stale / "meta.json"
    meta.write_text(meta.read_text().replace('"paper": "zz_demo"', '"paper": "gone_paper"'))
    assert cli("report", "--profile", "all") == 0


def test_cross_field_constraints_are_checked_before_anything_runs(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv = ["--params", str(ROOT / "params.yaml"), "--out", "out", "run", "bottleneck_rank", "--profile", "smoke",
            "--set", "d_in=5"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == ("claimbench: error: bottleneck_rank.smoke: d_in (5) must equal latent_dim (4) when input_map "
                   "is 'identity'\n")
    assert list(tmp_path.iterdir()) == []
