"""`claimbench assignment build PAPER`: master notebook -> `otter assign` -> student folder + autograder.

The grading size (the paper's profile with the assignment's overrides) is validated and frozen in
claimbench_grading.json, shipped with both folders. Before anything is written to --out, the student
folder is searched for every solution line and every hidden test name; a leak stops the build.
"""
from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import nbformat

from claimbench import params as params_mod
from claimbench import registry, results
from claimbench.course import harness
from claimbench.course.notebook import helper_sources, make_master, split_function
from claimbench.course.spec import Assignment, resolve

WHEEL_DIR = "wheel"
GRADESCOPE_ROOT = "/autograder/source/files"  # where Gradescope unpacks the zip's files/ (otter generate)


class CourseError(params_mod.ParamsError):
    """Bad input to `claimbench assignment`: one line, exit code 2."""


def load(paper: str) -> Assignment:
    """The paper's ASSIGNMENT, or a one-line error naming the papers that have one."""
    registry.load_paper(paper)  # unknown paper -> ParamsError naming the known ones
    with_one = [s for s, d in registry.paper_dirs().items() if (d / "assignment.py").exists()]
    if paper not in with_one:
        raise CourseError(f"paper {paper!r} declares no assignment (papers/{paper}/assignment.py); "
                          f"papers with one: {', '.join(sorted(with_one)) or '(none)'}")
    return harness.load_assignment(paper)


def grading_config(a: Assignment, params_path: Path) -> dict:
    """Validated grading size of the assignment: params of its profile + overrides, one seed."""
    paper = registry.load_paper(a.paper)
    p = params_mod.load(paper.params_cls, params_path, a.paper, a.profile, a.overrides)
    names = {c.name: c for c in paper.claims}
    for g in a.claims:
        if g.name not in names:
            raise CourseError(f"papers/{a.paper}/assignment.py grades {g.name!r}, which claims.py does not have")
        if a.profile not in names[g.name].profiles:
            raise CourseError(f"{a.paper}.{g.name} does not run in profile {a.profile!r}")
    return {"paper": a.paper, "profile": a.profile, "overrides": dict(a.overrides), "seeds": 1,
            "params": dataclasses.asdict(p)}


def solution_lines(a: Assignment) -> set[str]:
    """Stripped lines (6+ characters) of every solution body and helper: none may reach students."""
    texts = [split_function(resolve(ex.reference))[2] for ex in a.exercises]
    texts += [src for ex in a.exercises for src in helper_sources(ex)]
    return {s for t in texts for s in (line.strip() for line in t.splitlines()) if len(s) >= 6}


def hidden_names(a: Assignment) -> list[str]:
    """Names of the hidden tests (one otter question per hidden claim)."""
    return [g.name for g in a.claims if not g.public]


def _strings(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def _texts(folder: Path):
    """(relative path, text) of every file under folder; notebooks decoded, zips opened."""
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = str(f.relative_to(folder))
        if f.suffix == ".zip":
            with zipfile.ZipFile(f) as z:
                for m in z.namelist():
                    yield f"{rel}:{m}", z.read(m).decode("utf-8", "ignore")
            continue
        text = f.read_bytes().decode("utf-8", "ignore")
        if f.suffix == ".ipynb":
            text = "\n".join(_strings(json.loads(text)))
        yield rel, text


def find_leaks(folder: Path, a: Assignment) -> list[str]:
    """'file: what' for each solution line or hidden test name found under folder."""
    sol, hidden, leaks = solution_lines(a), hidden_names(a), []
    for rel, text in _texts(Path(folder)):
        lines = {line.strip() for line in text.splitlines()}
        leaks += [f"{rel}: solution line {s!r}" for s in sorted(sol & lines)]
        leaks += [f"{rel}: hidden test {h!r}" for h in hidden if h in text]
    return leaks


def repo_root() -> Path | None:
    """The source tree claimbench runs from (None when installed from a wheel)."""
    root = Path(__file__).resolve().parents[3]
    return root if (root / "pyproject.toml").exists() and (root / "papers").is_dir() else None


def build_wheel(dest: Path) -> Path:
    """A wheel of claimbench (claimbench + papers) built from a copy of the source tree, for Gradescope."""
    root = repo_root()
    if root is None:
        raise CourseError("cannot build a claimbench wheel: not running from a source tree (use --no-wheel)")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
        src.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy(root / name, src / name)
        for name in ("src", "papers"):
            shutil.copytree(root / name, src / name, ignore=ignore)
        cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
               "-w", str(dest), str(src)]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            raise CourseError(f"pip wheel failed: {r.stderr.strip().splitlines()[-1] if r.stderr else r.returncode}")
    return next(Path(dest).glob("claimbench-*.whl"))


def assign_config(a: Assignment, wheel: Path | None) -> dict:
    """otter assign's ASSIGNMENT CONFIG: exception-based tests in files, no PDFs, grading size shipped."""
    config = {"name": a.paper, "python_version": "3.11", "files": [harness.CONFIG_FILE],
              "tests": {"files": True, "ok_format": False},
              "export_cell": {"pdf": False, "instructions": "Upload the zip file to the course's autograder."},
              "generate": {"pdf": False, "show_stdout": False, "show_hidden": True},
              "run_tests": True, "solutions_pdf": False, "template_pdf": False}
    if wheel is not None:
        config["autograder_files"] = [f"{WHEEL_DIR}/{wheel.name}"]
        config["requirements"] = [f"{GRADESCOPE_ROOT}/{WHEEL_DIR}/{wheel.name}"]
    return config


def scrub_hidden(student: Path, a: Assignment) -> None:
    """Remove what otter 7.0.0 leaves of hidden-only questions in the student folder.

    It writes an empty test file per such question (no test case, but the hidden name) and tags a
    notebook cell's metadata with the question's name; both go. Grading is unaffected: the autograder
    runs every test file of its own copy at the end of the notebook.
    """
    hidden = set(hidden_names(a))
    for name in hidden:
        stub = student / "tests" / f"{name}.py"
        if stub.exists() and "@test_case" not in stub.read_text():
            stub.unlink()
    for path in student.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            meta = cell.get("metadata", {}).get("otter", {})
            if "tests" in meta:
                meta["tests"] = [t for t in meta["tests"] if t not in hidden]
                if not meta["tests"]:
                    del meta["tests"]
        nbformat.write(nb, path)


def _otter_assign(master: Path, result: Path, run_tests: bool) -> None:
    from otter.assign import main as otter_assign

    try:
        otter_assign(str(master), str(result), no_pdfs=True, no_run_tests=not run_tests)
    except RuntimeError as exc:  # run_tests: the reference does not get full marks
        raise CourseError(" ".join(f"otter assign: {exc}".split())[:2000]) from exc


def build(paper: str, out: Path, *, params_path: Path = Path("params.yaml"), run_tests: bool = True,
          wheel: bool = True) -> dict[str, Path]:
    """Write out/student (notebook, public tests) and out/autograder (solutions, hidden tests, zip)."""
    a = load(paper)
    config = grading_config(a, params_path)
    with tempfile.TemporaryDirectory(prefix="claimbench-assign-") as tmp:
        source, dist = Path(tmp) / "source", Path(tmp) / "dist"
        source.mkdir()
        results.write_json(source / harness.CONFIG_FILE, config)
        whl = build_wheel(source / WHEEL_DIR) if wheel else None
        master = source / f"{paper}.ipynb"
        nbformat.write(make_master(a, assign_config(a, whl)), master)
        _otter_assign(master, dist, run_tests)
        scrub_hidden(dist / "student", a)
        leaks = find_leaks(dist / "student", a)
        if leaks:
            raise CourseError(f"student folder would leak {len(leaks)} item(s), first: {leaks[0]}")
        with results.staging_dir(Path(out)) as stage:
            for name in ("student", "autograder"):
                shutil.copytree(dist / name, stage / name)
    return {"student": Path(out) / "student", "autograder": Path(out) / "autograder",
            "zip": find_autograder_zip(Path(out))}


def find_autograder_zip(out: Path) -> Path:
    """The autograder zip `otter assign` wrote under out/autograder (one per build)."""
    zips = sorted((Path(out) / "autograder").glob("*.zip"))
    if not zips:
        raise CourseError(f"no autograder zip under {Path(out) / 'autograder'}: "
                          "run `claimbench assignment build` first")
    return zips[-1]
