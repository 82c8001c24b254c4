"""The DVC pipeline on the demo paper in a scratch git repo: repro, a no-op second repro, exp run -S, metrics."""
import json
import os
from pathlib import Path

import pytest
from dvc_scratch import BIN, make_repo, sh

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def scratch_repo(tmp_path):
    if not (BIN / "dvc").exists():
        pytest.skip("dvc is not installed in this environment")
    repo = tmp_path / "repo"
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "PYTHONPATH": f"{repo / 'src'}:{repo}",
           "CLAIMBENCH_QUIET": "1"}
    make_repo(repo, FIXTURES / "zz_demo", FIXTURES / "params_demo.yaml", env)
    return repo, env


def test_repro_twice_exp_run_and_metrics(scratch_repo):
    repo, env = scratch_repo
    assert "analytics = false" in (repo / ".dvc" / "config").read_text()
    sh("dvc repro", repo, env)
    assert (repo / "reports" / "summary.md").exists() and (repo / "reports" / "index.html").exists()
    again = sh("dvc repro", repo, env)
    assert "Running stage" not in again and "up to date" in again
    sh("git add -A && git commit -qm results", repo, env)
    sh("dvc exp run -S zz_demo.fast.width=7 -S +zz_demo.fast.lr=0.05", repo, env)  # lr: 0.1 by default
    meta = (repo / "reports" / "runs" / "zz_demo" / "torch" / "fast" / "meta.json").read_text()
    assert '"width": 7' in meta
    shown = sh("dvc metrics show", repo, env)
    assert "zz_demo.torch.fast.json" in shown and "PASS" in shown and "good.measured" in shown
    # x = u·lr: halving lr halves the measured value and moves the margin; the counts stay
    diff = sh("dvc metrics diff --json", repo, env)
    moved = json.loads(diff)["reports/metrics/zz_demo.torch.fast.json"]
    assert set(moved) == {"good.measured", "good.margin"}, moved
    assert moved["good.measured"]["new"] == pytest.approx(moved["good.measured"]["old"] / 2)
    assert "good.measured" in sh("dvc metrics diff", repo, env)


def test_the_lock_file_names_only_the_pipelines_stages():
    """DVC keeps a lock entry after its stage left dvc.yaml, and parses and rewrites the whole file at
    every stage of a repro: stale entries (the old run@paper-backend stages) cost ~0.25 s a parse."""
    import yaml

    root = FIXTURES.parents[1]
    stages = yaml.safe_load((root / "dvc.yaml").read_text())["stages"]
    names = {f"{name}@{item}" for name, s in stages.items() if "matrix" in s
             for item in next(iter(s["matrix"].values()))}
    names |= {name for name, s in stages.items() if "matrix" not in s}
    locked = set(yaml.safe_load((root / "dvc.lock").read_text())["stages"])
    assert locked <= names, f"dvc.lock names stages dvc.yaml does not: {sorted(locked - names)}"


# cli.py is a dep of both stages, but what it imports to parse the command line (every command's
# module: bench, course, sweep, drift) never touches what a stage writes: not followed
PARSER_ONLY = {"claimbench.cli"}


def _claimbench_imports(path: Path) -> set[str]:
    """The claimbench modules a source file imports, at top level or inside functions."""
    import ast

    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "claimbench"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "claimbench":
            found |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return found


def _module_file(root: Path, name: str) -> Path | None:
    base = root / "src" / Path(*name.split("."))
    return next((f for f in (base.with_suffix(".py"), base / "__init__.py") if f.is_file()), None)


def _closure(root: Path, sources: list[Path]) -> set[Path]:
    """Every claimbench source file reachable from `sources` by imports (lazy ones too), with the
    packages' __init__ files on the way, leaving out the modules in PARSER_ONLY."""
    seen: set[Path] = set()
    todo = list(sources)
    while todo:
        for name in _claimbench_imports(todo.pop()):
            parts = name.split(".")
            for k in range(1, len(parts) + 1):
                f = _module_file(root, ".".join(parts[:k]))
                if f is not None and f not in seen and ".".join(parts[:k]) not in PARSER_ONLY:
                    seen.add(f)
                    todo.append(f)
    return seen


def _inert(path: Path) -> bool:
    """A package __init__ holding only its docstring and constants (claimbench's version string)."""
    import ast

    body = ast.parse(path.read_text()).body
    return path.name == "__init__.py" and all(
        isinstance(n, (ast.Expr, ast.Assign)) and isinstance(n.value, ast.Constant) for n in body)


@pytest.mark.parametrize("stage", ["run", "report"])
def test_each_stage_depends_on_every_module_it_imports(stage):
    """A module a stage's command imports but dvc.yaml does not list would leave that stage's outputs
    stale when it changes (a second repro would rerun nothing): every claimbench file reachable by
    imports from what the stage runs is a dep, by itself or through a folder. The papers' course
    material (assignment.py) is left out: no run imports it."""
    import yaml

    root = FIXTURES.parents[1]
    spec = yaml.safe_load((root / "dvc.yaml").read_text())["stages"][stage]
    deps = [d for d in spec["deps"] if "${" not in d]
    if stage == "run":  # the workers' entry points and every paper's modules
        sources = [root / "src/claimbench/jobs.py", root / "src/claimbench/runner.py",
                   root / "src/claimbench/__main__.py",
                   *(f for f in sorted((root / "papers").glob("*/*.py")) if f.name != "assignment.py")]
    else:  # `claimbench report`
        sources = [root / "src/claimbench/report/build.py"]
    needed = {f.relative_to(root).as_posix() for f in _closure(root, sources) if not _inert(f)}
    missing = sorted(f for f in needed if not any(f == d or f.startswith(d.rstrip("/") + "/") for d in deps))
    assert not missing, f"dvc.yaml's {stage} stage does not depend on {', '.join(missing)}"
