"""A damaged run folder is shown as BROKEN (file + reason), never read as results (issue 18).

Each corruption below is applied to a copy of one good demo run; `collect` must then give exactly
one row for that run, with status BROKEN and a message naming the damaged file.
"""
import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from claimbench.cli import main
from claimbench.report.build import collect

FIXTURES = Path(__file__).resolve().parent / "fixtures"
RUN = ["--params", "params.yaml", "run", "zz_demo", "--backend", "jax"]
RUN_DIR = "runs/zz_demo/jax/fast"
METRICS = "metrics/zz_demo.jax.fast.json"
VERDICTS, MEAS, META = f"{RUN_DIR}/verdicts.json", f"{RUN_DIR}/measurements.json", f"{RUN_DIR}/meta.json"
FIG, NPZ = f"{RUN_DIR}/figures/fig.png", f"{RUN_DIR}/arrays/e1_seed0.npz"


def edit_json(rel, fn):
    def apply(out: Path):
        path = out / rel
        data = json.loads(path.read_text())
        fn(data)
        path.write_text(json.dumps(data, allow_nan=True))
    return apply


def edit_bytes(rel, fn):
    def apply(out: Path):
        path = out / rel
        path.write_bytes(fn(path.read_bytes()))
    return apply


def remove(rel):
    return lambda out: (out / rel).unlink()


def symlink_fig(out: Path):
    fig = out / RUN_DIR / "figures" / "fig.png"
    fig.unlink()
    fig.symlink_to("/etc/passwd")


def good_verdict(data):
    return next(v for v in data if v["claim_id"] == "zz_demo.good")


def set_figure(name):
    return edit_json(META, lambda m: m["figures"].__setitem__("fig", name))


def flip_middle(b: bytes) -> bytes:
    i = len(b) // 2
    return b[:i] + bytes([b[i] ^ 0xFF]) + b[i + 1:]


CORRUPTIONS = {
    "verdicts truncated": (edit_bytes(VERDICTS, lambda b: b[: len(b) // 2]), "verdicts.json: not valid JSON"),
    "verdicts bad byte": (edit_bytes(VERDICTS, lambda b: b"\xff" + b), "verdicts.json: not UTF-8"),
    "verdicts empty": (edit_bytes(VERDICTS, lambda b: b""), "verdicts.json: not valid JSON"),
    "verdicts an object": (edit_bytes(VERDICTS, lambda b: b"{}"), "verdicts.json: expected a list"),
    "verdicts missing": (remove(VERDICTS), "verdicts.json: missing"),
    "status flipped": (edit_json(VERDICTS, lambda d: good_verdict(d).update(status="FAIL")),
                       "status FAIL disagrees"),
    "measured changed": (edit_json(VERDICTS, lambda d: good_verdict(d).update(measured=0.5)),
                         "measured is not the median"),
    "measured NaN": (edit_json(VERDICTS, lambda d: good_verdict(d).update(measured=float("nan"))),
                     "verdicts.json: not valid JSON"),
    "numbers changed together": (edit_json(VERDICTS, lambda d: good_verdict(d).update(
        per_seed=[0.01, 0.01], measured=0.01)), "measurements.json: x of e1 seed 0 disagrees"),
    "unknown status": (edit_json(VERDICTS, lambda d: good_verdict(d).update(status="GOOD")),
                       "unknown status"),
    "field of wrong type": (edit_json(VERDICTS, lambda d: good_verdict(d).update(seeds_run="2")),
                            "seeds_run has a wrong type"),
    "verdict dropped": (edit_json(VERDICTS, lambda d: d.pop()), f"{METRICS}: counts or per-claim values"),
    "verdict doubled": (edit_json(VERDICTS, lambda d: d.append(d[0])), "a claim appears twice"),
    "measurements truncated": (edit_bytes(MEAS, lambda b: b[:-5]),
                               "measurements.json: not valid JSON"),
    "measurement changed": (edit_json(MEAS, lambda m: m["e1"]["1"].update(x=0.5)),
                            "measurements.json: x of e1 seed 1 disagrees"),
    "measurements missing": (remove(MEAS), "measurements.json: missing"),
    "measurements shape": (edit_json(MEAS, lambda m: m.update(e1=[1])),
                           "measurements.json: expected"),
    "meta truncated": (edit_bytes(META, lambda b: b[:100]), "meta.json: not valid JSON"),
    "meta missing": (remove(META), "meta.json: missing"),
    "meta duplicate key": (edit_bytes(META, lambda b: b.replace(b"{", b'{"paper": "x", ', 1)),
                           "duplicate key 'paper'"),
    "meta paper": (edit_json(META, lambda m: m.update(paper="three_mechanisms")),
                   "paper is 'three_mechanisms' but the folder is for 'zz_demo'"),
    "meta backend": (edit_json(META, lambda m: m.update(backend="torch")), "backend is 'torch'"),
    "meta profile": (edit_json(META, lambda m: m.update(profile="smoke")), "profile is 'smoke'"),
    "meta wall times": (edit_json(META, lambda m: m.update(claim_wall_s=[1])),
                        "claim_wall_s is not an object"),
    "figure /etc/passwd": (set_figure("/etc/passwd"), "figure '/etc/passwd' is not the name of a .png file"),
    "figure escapes": (set_figure("../../../../../../etc/x.png"), "is not the name of a .png file"),
    "figure not png": (set_figure("fig.txt"), "figure 'fig.txt' is not the name"),
    "figure missing": (remove(FIG), "fig.png: missing"),
    "figure symlink": (symlink_fig, "fig.png: not a regular file"),
    "figure truncated": (edit_bytes(FIG, lambda b: b[: len(b) // 2]), "fig.png: not a valid PNG"),
    "figure bit flip": (edit_bytes(FIG, flip_middle), "fig.png: not a valid PNG"),
    "figure is text": (edit_bytes(FIG, lambda b: b"hello"), "fig.png: not a valid PNG"),
    "arrays truncated": (edit_bytes(NPZ, lambda b: b[:-30]), "e1_seed0.npz: not a valid npz"),
    "arrays bit flip": (edit_bytes(NPZ, flip_middle), "e1_seed0.npz"),
    "metrics garbled": (edit_bytes(METRICS, lambda b: b[:3]), f"{METRICS}: not valid JSON"),
    "metrics changed": (edit_json(METRICS, lambda m: m.update(PASS=9)), f"{METRICS}: counts or per-claim values"),
    "metrics value changed": (edit_json(METRICS, lambda m: m.update({"good.measured": 0.5})),
                              f"{METRICS}: counts or per-claim values"),
    "metrics missing": (remove(METRICS), f"{METRICS}: missing"),
}


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """One complete demo run (jax, fast), made once for the module."""
    import papers

    root = tmp_path_factory.mktemp("template")
    shutil.copy(FIXTURES / "params_demo.yaml", root / "params.yaml")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(papers, "__path__", [*papers.__path__, str(FIXTURES)])
        mp.chdir(root)
        assert main(RUN) == 0
    return root / "reports"


@pytest.fixture
def good_run(demo_paper, template):
    """A fresh copy of the template run under ./reports; returns that output folder."""
    shutil.copytree(template, "reports", symlinks=True)
    return Path("reports")


def test_the_good_run_reads_back(good_run):
    df = collect(good_run)
    assert list(df.status) == ["ERROR", "SKIP", "PASS", "ERROR"] and df.wall_s.notna().all()


@pytest.mark.parametrize("name", CORRUPTIONS)
def test_each_corruption_is_one_broken_row_naming_the_file(good_run, name):
    apply, needle = CORRUPTIONS[name]
    out = Path(f"copy-{abs(hash(name))}")
    shutil.copytree(good_run, out, symlinks=True)
    apply(out)
    df = collect(out)
    assert len(df) == 1, df
    row = df.iloc[0]
    assert (row.paper, row.backend, row.profile, row.status) == ("zz_demo", "jax", "fast", "BROKEN")
    assert needle in row.message and "\n" not in row.message, row.message


def test_broken_runs_fail_check_and_show_in_summary_and_report(good_run, capsys):
    shutil.copytree(good_run / RUN_DIR, good_run / "runs/zz_demo/torch/fast")
    shutil.copy(good_run / METRICS, good_run / "metrics/zz_demo.torch.fast.json")  # torch: a good twin
    CORRUPTIONS["figure /etc/passwd"][0](good_run)
    meta = good_run / "runs/zz_demo/torch/fast/meta.json"
    meta.write_text(meta.read_text().replace('"backend": "jax"', '"backend": "torch"'))
    capsys.readouterr()
    assert main(["check", "--profile", "fast"]) == 1
    out = capsys.readouterr().out
    assert "BROKEN zz_demo [jax/fast] reports/runs/zz_demo/jax/fast/meta.json: figure '/etc/passwd'" in out
    assert main(["summary", "--profile", "fast"]) == 0 and "BROKEN" in capsys.readouterr().out
    assert main(["report", "--profile", "fast"]) == 0
    assert "(run folder)" in Path("reports/summary.md").read_text()
    assert set(pd.read_csv("reports/verdicts.csv").status) == {"BROKEN", "PASS", "ERROR", "SKIP"}
    html = Path("reports/index.html").read_text()
    assert "BROKEN" in html and "root:" not in html


def test_hidden_and_stray_entries_are_never_runs(good_run):
    runs = good_run / "runs/zz_demo/jax"
    shutil.copytree(runs / "fast", runs / ".fast.staging-1-x")
    shutil.copytree(runs / "fast", runs / ".fast.old-1")
    (runs / "notes.txt").write_text("not a run")
    os.makedirs(good_run / "runs/.hidden/jax/fast")
    assert len(collect(good_run)) == 4 and len(collect(good_run, "fast")) == 4
