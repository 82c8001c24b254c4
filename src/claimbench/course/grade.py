"""`claimbench assignment grade PAPER SUBMISSIONS...`: grade locally with otter (`otter run`, no Docker).

Each submission (a notebook or the zip its export cell writes) goes through otter's non-containerised
grader (otter.api.grade_submission) with the autograder zip of `claimbench assignment build`. Scores
come from otter; the per-claim details (measured value, expected, status, error) come from the
records claimbench.course.harness appends to $CLAIMBENCH_COURSE_FEEDBACK while otter runs the tests.
Writes grades.csv (one row per student), grades_feedback.csv (one row per student and test) and
grades.json (everything), each atomically.
"""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path

from claimbench import registry, results
from claimbench.course import harness
from claimbench.course.build import CourseError, find_autograder_zip, load
from claimbench.course.spec import Assignment

FIELDS = ("student", "test", "kind", "claim", "statement", "status", "points", "max_points", "measured",
          "expected", "message")


def _records(path: Path) -> dict[str, dict]:
    """{test name: last record} from the harness's JSON-lines file."""
    if not path.exists():
        return {}
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            out[rec["test"]] = rec
    return out


def _otter_message(test_file) -> str:
    msgs = [r.message for r in getattr(test_file, "test_case_results", []) if not r.passed and r.message]
    return " ".join(" ".join(msgs).split())


def _rows(student: str, a: Assignment, otter_results, records: dict) -> list[dict]:
    """One feedback row per exercise check and graded claim, in the assignment's order."""
    statements = {c.name: c.statement for c in registry.load_paper(a.paper).claims}
    tests = [(e.name, "check", "") for e in a.exercises] + [(g.name, "claim", f"{a.paper}.{g.name}") for g in a.claims]
    rows = []
    for name, kind, claim_id in tests:
        tf = otter_results.results.get(name) if otter_results is not None else None
        rec = records.get(name, {})
        points, possible = (float(tf.score), float(tf.possible)) if tf is not None else (0.0, 0.0)
        if tf is not None and not rec:
            status = "PASS" if tf.passed_all else "FAIL"
        else:
            status = rec.get("status", "ERROR")
        message = rec.get("feedback") or (_otter_message(tf) if tf is not None else "test did not run")
        if status == "PASS":
            message = ""
        rows.append({"student": student, "test": name, "kind": kind, "claim": claim_id,
                     "statement": statements.get(name, rec.get("statement", "")), "status": status,
                     "points": points, "max_points": possible, "measured": rec.get("measured"),
                     "expected": rec.get("expected", ""), "message": message})
    return rows


def grade_one(a: Assignment, submission: Path, autograder: Path) -> dict:
    """Grade one submission; a submission that breaks grading gets 0 and the error, the rest go on."""
    from otter.api import grade_submission

    student = submission.name.removesuffix(submission.suffix)
    with tempfile.TemporaryDirectory(prefix="claimbench-grade-") as tmp:
        feedback_file = Path(tmp) / "feedback.jsonl"
        old = os.environ.get(harness.FEEDBACK_ENV)
        os.environ[harness.FEEDBACK_ENV] = str(feedback_file)
        error, res = "", None
        try:
            res = grade_submission(str(submission), str(autograder), quiet=True)
            if res.catastrophic_error:
                error = f"{type(res.catastrophic_error).__name__}: {res.catastrophic_error}"
        except Exception as exc:  # noqa: BLE001 - one broken submission must not stop the class
            error = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
        finally:
            if old is None:
                os.environ.pop(harness.FEEDBACK_ENV, None)
            else:
                os.environ[harness.FEEDBACK_ENV] = old
        records = _records(feedback_file)
    rows = _rows(student, a, None if error else res, records)
    possible = sum(g.points for g in a.claims)
    score = float(res.total) if res is not None and not error else 0.0
    return {"student": student, "submission": str(submission), "score": score, "possible": float(possible),
            "error": error, "tests": rows}


def _csv(rows: list[dict], fields) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(fields), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def write_outputs(a: Assignment, graded: list[dict], out: Path) -> dict[str, Path]:
    """grades.csv (scores, points per claim), <stem>_feedback.csv and <stem>.json, each written atomically."""
    out = Path(out)
    claim_cols = [g.name for g in a.claims]
    table = []
    for g in graded:
        pts = {r["test"]: r["points"] for r in g["tests"] if r["kind"] == "claim"}
        table.append({"student": g["student"], "score": g["score"], "possible": g["possible"],
                      "percent": round(100 * g["score"] / g["possible"], 2) if g["possible"] else 0.0,
                      "error": g["error"], **{c: pts.get(c, 0.0) for c in claim_cols}})
    paths = {"grades": out, "feedback": out.with_name(out.stem + "_feedback.csv"), "json": out.with_suffix(".json")}
    results.write_text(paths["grades"], _csv(table, ["student", "score", "possible", "percent", "error", *claim_cols]))
    results.write_text(paths["feedback"], _csv([r for g in graded for r in g["tests"]], FIELDS))
    results.write_json(paths["json"], {"paper": a.paper, "students": graded})
    return paths


def grade(paper: str, submissions: list[Path], *, autograder: Path | None = None,
          out: Path = Path("grades.csv")) -> tuple[list[dict], dict[str, Path]]:
    """Grade every submission with the paper's autograder zip; write and return the results."""
    a = load(paper)
    zip_path = Path(autograder) if autograder else find_autograder_zip(Path("dist/assignments") / paper)
    if not zip_path.is_file():
        raise CourseError(f"--autograder {zip_path}: no such file "
                          f"(build it with `claimbench assignment build {paper}`)")
    for s in submissions:
        if not Path(s).is_file() or Path(s).suffix not in (".ipynb", ".zip"):
            raise CourseError(f"submission {s}: expected an existing .ipynb or .zip file")
    stems = [Path(s).name.removesuffix(Path(s).suffix) for s in submissions]
    if len(set(stems)) != len(stems):
        raise CourseError("two submissions have the same file name; name each after its student")
    graded = [grade_one(a, Path(s).resolve(), zip_path.resolve()) for s in submissions]
    return graded, write_outputs(a, graded, out)
