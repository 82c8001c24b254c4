"""`claimbench new SLUG --title ... --arxiv ...`: write a paper folder in the scheme of claimbench.layout.

It writes papers/<slug>/ (every role file, one example claim: gradient descent on least squares against
its closed form, which passes at once on both backends), a params.yaml section (smoke / fast / full),
the slug in dvc.yaml's matrix, tests/papers/test_<slug>.py and benchmarks/bench_<slug>.py. The files
are jinja2 templates shipped with the package (claimbench/templates/paper). Everything is checked
before anything is written; bad input raises ScaffoldError with a one-line message.
"""
from __future__ import annotations

import json
import keyword
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import jinja2

from claimbench import layout

SLUG = re.compile(r"^[a-z][a-z0-9_]{1,47}$")
ARXIV = re.compile(r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})v\d+$")
RESERVED = {"suite", "papers", "claimbench", "test", "tests"}
MATRIX_LINE = re.compile(r"^(?P<indent>\s*)paper:\s*\[(?P<items>[^\]]*)\]\s*$", re.MULTILINE)
# template name -> path relative to the repository root ({slug} is filled in)
EXTRA_FILES = {"test_paper.py.j2": "tests/papers/test_{slug}.py", "bench_paper.py.j2": "benchmarks/bench_{slug}.py"}


class ScaffoldError(ValueError):
    """Bad input to `claimbench new`: the message is one line naming what is wrong."""


@dataclass(frozen=True)
class NewPaper:
    """What `claimbench new` was asked for."""

    slug: str
    title: str
    arxiv: str
    authors: str = ""

    @property
    def arxiv_id(self) -> str:
        """The arXiv id without its version."""
        return re.sub(r"v\d+$", "", self.arxiv)


def check_request(req: NewPaper, root: Path) -> None:
    """Raise ScaffoldError unless the slug, title and arXiv id are usable and the slug is new under root."""
    if not SLUG.match(req.slug) or keyword.iskeyword(req.slug) or req.slug in RESERVED or req.slug.endswith("_"):
        raise ScaffoldError(f"slug {req.slug!r}: expected a new python name, lower case letters, digits and _, "
                            "2-48 characters, starting with a letter (e.g. grokking_modular)")
    if not req.title.strip() or "\n" in req.title:
        raise ScaffoldError("--title: expected the paper's title on one line")
    if not ARXIV.match(req.arxiv):
        raise ScaffoldError(f"--arxiv {req.arxiv!r}: expected an arXiv id with its version, e.g. 2401.07085v3")
    for need in ("papers", "params.yaml", "dvc.yaml"):
        if not (root / need).exists():
            raise ScaffoldError(f"{root / need} not found: run `claimbench new` in the repository root (or --root)")
    if (root / "papers" / req.slug).exists():
        raise ScaffoldError(f"papers/{req.slug} already exists: choose another slug")
    if re.search(rf"^{re.escape(req.slug)}:", (root / "params.yaml").read_text(), re.MULTILINE):
        raise ScaffoldError(f"params.yaml already has a section {req.slug!r}: choose another slug")
    for rel in EXTRA_FILES.values():
        if (root / rel.format(slug=req.slug)).exists():
            raise ScaffoldError(f"{rel.format(slug=req.slug)} already exists: choose another slug")
    if not MATRIX_LINE.search((root / "dvc.yaml").read_text()):
        raise ScaffoldError("dvc.yaml: no `paper: [...]` line in the run stage's matrix to add the slug to")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("claimbench", "templates/paper"),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    env.filters["py"] = lambda s: json.dumps(s, ensure_ascii=False)  # a python string literal
    return env


def render(req: NewPaper) -> dict[str, str]:
    """{path relative to the root: text} of every file the new paper needs (params.yaml's section included)."""
    env, ctx = _environment(), {"req": req}
    files = {f"papers/{req.slug}/{name}": env.get_template(f"{name}.j2").render(ctx)
             for name in layout.ROLE_FILES}
    files.update({rel.format(slug=req.slug): env.get_template(t).render(ctx) for t, rel in EXTRA_FILES.items()})
    files["params.yaml"] = env.get_template("params.yaml.j2").render(ctx)
    return files


def _write_atomic(path: Path, text: str) -> None:
    """Write text to path through a temporary file in the same folder (never half a file)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def _with_slug_in_matrix(dvc_text: str, slug: str) -> str:
    """dvc.yaml with slug added (sorted) to the run stage's `paper: [...]` matrix line."""
    m = MATRIX_LINE.search(dvc_text)
    items = sorted({s.strip() for s in m["items"].split(",") if s.strip()} | {slug})
    return dvc_text[:m.start()] + f"{m['indent']}paper: [{', '.join(items)}]" + dvc_text[m.end():]


def create(req: NewPaper, root: Path) -> list[str]:
    """Check the request, then write the paper; returns the paths written (relative to root)."""
    root = Path(root)
    check_request(req, root)
    files = render(req)
    section = files.pop("params.yaml")
    staging = Path(tempfile.mkdtemp(dir=root / "papers", prefix=f".{req.slug}."))
    for rel, text in files.items():
        if rel.startswith("papers/"):
            (staging / Path(rel).name).write_text(text)
    os.replace(staging, root / "papers" / req.slug)
    for rel, text in files.items():
        if not rel.startswith("papers/"):
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            _write_atomic(root / rel, text)
    params = (root / "params.yaml").read_text()
    _write_atomic(root / "params.yaml", params.rstrip("\n") + "\n" + section)
    _write_atomic(root / "dvc.yaml", _with_slug_in_matrix((root / "dvc.yaml").read_text(), req.slug))
    return [*files, "params.yaml", "dvc.yaml"]
