"""The shape every papers/<slug>/ folder has: role files, README sections, the backends' last line.

TorchBench fixes every model folder's file names so its battery can parametrize over them; AlgoPerf
gives every workload the same role files. `check_folder` lists what in one paper folder breaks the
scheme (the paper battery asserts the list is empty; `claimbench new` writes folders that pass).
Pure text checks: nothing here imports a paper.
"""
from __future__ import annotations

import re
from pathlib import Path

# role file -> what it holds (docs/adding_a_paper.md explains each)
ROLE_FILES = {
    "__init__.py": "one-line docstring: the paper",
    "README.md": "the paper, model and derivation, claims, results, commands and runtime, differences",
    "claims.py": "PAPER and CLAIMS (pure data, named fields)",
    "config.py": "the frozen Params dataclass (values per profile live in params.yaml)",
    "theory.py": "numpy closed forms the claims compare against",
    "data.py": "every random draw (numpy, claimbench.seeding.make_rng): make_data, init_weights, schedules",
    "measures.py": "numpy functions from a state or trajectory to measurements (compute_*)",
    "experiments.py": "class Ops(Protocol) and EXPERIMENTS = {name: fn(params, seed, ops)}",
    "torch_impl.py": "the torch kernels; ends with the bind line",
    "jax_impl.py": "the jax kernels; ends with the bind line",
    "figures.py": "draw(results, outdir) -> {figure name: png file}",
}
OPTIONAL_FILES = {"assignment.py": "course assignments built on the paper's claims"}
# a role that outgrows ~300 lines splits keeping its role as prefix: experiments_phase.py, measures_mlp.py
SPLITTABLE = ("theory", "data", "measures", "experiments", "figures")
IGNORED = ("__pycache__",)
README_SECTIONS = (
    "Paper and what could be read",
    "Model and derivation",
    "Claims",
    "Results",
    "Commands and runtime",
    "Differences from the paper",
)
BIND_LINE = "EXPERIMENTS = bind(experiments.EXPERIMENTS, make_ops)"
DRAWS = re.compile(r"\bmake_rng\(|\bnp\.random\.[a-z_]+\(|\bdefault_rng\(")
_PART = re.compile(r"^(%s)_[a-z0-9]+(_[a-z0-9]+)*\.py$" % "|".join(SPLITTABLE))


def allowed(name: str) -> bool:
    """Whether a file name may appear in a paper folder."""
    return name in ROLE_FILES or name in OPTIONAL_FILES or name in IGNORED or bool(_PART.match(name))


def readme_sections(text: str) -> list[str]:
    """The level-2 headings of a README, in order."""
    return [line[3:].strip() for line in text.splitlines() if line.startswith("## ")]


def last_line(path: Path) -> str:
    """The last non-blank line of a file."""
    lines = [line.rstrip() for line in path.read_text().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def draws_outside_data(folder: Path) -> list[str]:
    """'file:line' of every random draw made outside data.py / data_*.py (the backends included)."""
    found = []
    for path in sorted(folder.glob("*.py")):
        if path.stem == "data" or path.stem.startswith("data_"):
            continue
        for no, line in enumerate(path.read_text().splitlines(), 1):
            if DRAWS.search(line.split("#", 1)[0]):
                found.append(f"{path.name}:{no}")
    return found


def check_folder(folder: Path) -> list[str]:
    """Every way the folder breaks the scheme, one line each (empty: it follows it)."""
    names = sorted(p.name for p in folder.iterdir())
    problems = [f"{folder.name}/{n}: not a role file (allowed: {', '.join(ROLE_FILES)}, "
                f"{', '.join(OPTIONAL_FILES)}, or <role>_<part>.py for role in {', '.join(SPLITTABLE)})"
                for n in names if not allowed(n)]
    problems += [f"{folder.name}/{n}: missing ({ROLE_FILES[n]})" for n in ROLE_FILES if n not in names]
    for backend in ("torch_impl.py", "jax_impl.py"):
        if backend in names and last_line(folder / backend) != BIND_LINE:
            problems.append(f"{folder.name}/{backend}: must end with `{BIND_LINE}`")
    if "README.md" in names:
        got = readme_sections((folder / "README.md").read_text())
        if got != list(README_SECTIONS):
            problems.append(f"{folder.name}/README.md: sections {got}, expected {list(README_SECTIONS)}")
    problems += [f"{folder.name}/{where}: a random draw outside data.py" for where in draws_outside_data(folder)]
    return problems
