"""End to end through otter-grader: `claimbench assignment build`, then `grade` (otter run, no Docker).

three_mechanisms: the reference scores full marks; the untouched student notebook scores 0 with each
claim's feedback naming an unimplemented function it runs; a sign error in one term of `solve` loses
exactly the claims that read the closed-form output f, with the measured value in the feedback. The
student folder holds no solution line and no hidden test name. edge_of_stability: full marks and 0.
"""
from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("otter")  # the course extra: `make test` installs it

from claimbench.cli import main  # noqa: E402
from claimbench.course import build  # noqa: E402

pytestmark = pytest.mark.slow
PARAMS = str(Path(__file__).resolve().parents[1] / "params.yaml")
F_LINE = "f = sign * kappa * r * (P_over_y - M * y) / 4.0"
# the claims whose metric is computed from solve's "f": the ones a wrong f must lose (and only they)
READS_F = {"closed_form_matches_ode_solver", "exact_solution_matches_gd", "gd_error_first_order"}


def _build(tmp: Path, paper: str, *extra: str) -> Path:
    out = tmp / paper
    assert main(["--params", PARAMS, "assignment", "build", paper, "--out", str(out), "--no-run-tests", *extra]) == 0
    return out


def _grade(tmp: Path, paper: str, out: Path, subs: list[Path]) -> dict:
    grades = tmp / f"{paper}_grades.csv"
    zip_path = build.find_autograder_zip(out)
    assert main(["--params", PARAMS, "assignment", "grade", paper, *map(str, subs), "--autograder", str(zip_path),
                 "--out", str(grades)]) == 0
    assert grades.exists() and grades.with_name(f"{paper}_grades_feedback.csv").exists()
    data = json.loads(grades.with_suffix(".json").read_text())
    return {s["student"]: s for s in data["students"]}


def _submissions(tmp: Path, out: Path, paper: str, planted: tuple[str, str] | None = None) -> list[Path]:
    subs = tmp / f"{paper}_subs"
    subs.mkdir()
    reference = (out / "autograder" / f"{paper}.ipynb").read_text()
    (subs / "reference.ipynb").write_text(reference)
    (subs / "untouched.ipynb").write_text((out / "student" / f"{paper}.ipynb").read_text())
    paths = [subs / "reference.ipynb", subs / "untouched.ipynb"]
    if planted:
        old, new = planted
        assert json.dumps(old)[1:-1] in reference
        (subs / "planted.ipynb").write_text(reference.replace(json.dumps(old)[1:-1], json.dumps(new)[1:-1]))
        paths.append(subs / "planted.ipynb")
    return paths


@pytest.fixture(scope="module")
def three_mechanisms(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("course")
    out = _build(tmp, "three_mechanisms")
    graded = _grade(tmp, "three_mechanisms", out,
                    _submissions(tmp, out, "three_mechanisms", (F_LINE, F_LINE.replace("- M * y", "+ M * y"))))
    return out, graded


def _claims(student: dict) -> dict[str, dict]:
    return {r["test"]: r for r in student["tests"] if r["kind"] == "claim"}


def test_reference_scores_full_marks(three_mechanisms):
    ref = three_mechanisms[1]["reference"]
    assert ref["error"] == "" and ref["possible"] > 0 and ref["score"] == ref["possible"]
    assert all(r["status"] == "PASS" and r["measured"] is not None for r in _claims(ref).values())


def test_untouched_notebook_scores_zero_naming_the_function(three_mechanisms):
    a = build.load("three_mechanisms")
    untouched = three_mechanisms[1]["untouched"]
    assert untouched["score"] == 0
    rows = _claims(untouched)
    for g in a.claims:
        msg = rows[g.name]["message"]
        assert rows[g.name]["status"] == "ERROR" and "NotImplementedError" in msg, msg
        assert any(f"your {fn}() raised NotImplementedError" in msg for fn in g.uses), msg


def test_planted_sign_error_loses_exactly_the_claims_reading_f(three_mechanisms):
    a = build.load("three_mechanisms")
    planted = three_mechanisms[1]["planted"]
    rows = _claims(planted)
    lost = {name for name, r in rows.items() if r["status"] != "PASS"}
    assert lost == READS_F
    assert planted["score"] == planted["possible"] - sum(g.points for g in a.claims if g.name in READS_F)
    for name in READS_F:
        r = rows[name]
        assert r["status"] == "FAIL" and r["points"] == 0
        assert f"{r['measured']:.6g}" in r["message"] and r["expected"] in r["message"]


def test_student_folder_leaks_no_solution_line_and_no_hidden_test(three_mechanisms):
    out = three_mechanisms[0]
    a = build.load("three_mechanisms")
    lines, hidden = build.solution_lines(a), build.hidden_names(a)
    assert "e = kappa * (u @ w) - a" in lines and len(hidden) >= 5
    student = dict(build._texts(out / "student"))
    assert any(name.endswith(".ipynb") for name in student)
    for name, text in student.items():
        stripped = {line.strip() for line in text.splitlines()}
        assert not lines & stripped, (name, sorted(lines & stripped)[:3])
        assert not [h for h in hidden if h in text], name
    # the same search finds both in the autograder folder: it is not searching the wrong place
    teacher = "\n".join(dict(build._texts(out / "autograder")).values())
    assert lines & {line.strip() for line in teacher.splitlines()} and all(h in teacher for h in hidden)


def test_gradescope_zip_carries_tests_grading_size_and_claimbench(three_mechanisms):
    out = three_mechanisms[0]
    with zipfile.ZipFile(build.find_autograder_zip(out)) as z:
        names = set(z.namelist())
        env = z.read("environment.yml").decode()
    a = build.load("three_mechanisms")
    assert {f"tests/{g.name}.py" for g in a.claims} <= names and "files/claimbench_grading.json" in names
    wheel = [n for n in names if n.startswith("files/wheel/claimbench-") and n.endswith(".whl")]
    assert len(wheel) == 1 and wheel[0].split("/")[-1] in env and "python=3.11" in env


def test_edge_of_stability_full_marks_and_zero(tmp_path):
    out = _build(tmp_path, "edge_of_stability", "--no-wheel")
    assert build.find_leaks(out / "student", build.load("edge_of_stability")) == []
    graded = _grade(tmp_path, "edge_of_stability", out, _submissions(tmp_path, out, "edge_of_stability"))
    ref, untouched = graded["reference"], graded["untouched"]
    assert ref["score"] == ref["possible"] > 0 and untouched["score"] == 0
    assert all("NotImplementedError" in r["message"] for r in _claims(untouched).values())
