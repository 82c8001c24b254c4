"""Find papers by walking papers/*/ (no hand-kept list) and load their parts on demand.

A paper folder holds claims.py (PAPER, CLAIMS), config.py (Params), torch_impl.py and jax_impl.py
(EXPERIMENTS), figures.py (draw). Backends are imported only when asked for, so listing papers
or building the report never imports torch or jax.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import papers as _papers_pkg
from claimbench.claims import Claim
from claimbench.params import ParamsError

BACKENDS = ("torch", "jax")


@dataclass(frozen=True)
class Paper:
    """Bibliographic identity of a paper: shown in `claimbench list` and the report."""

    title: str
    authors: str
    arxiv: str  # id with version, e.g. "2401.07085v3"
    venue: str = ""

    @property
    def url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv}"


@dataclass(frozen=True)
class LoadedPaper:
    """A paper's claims and parameter class, loaded from its folder."""

    slug: str
    info: Paper
    claims: tuple[Claim, ...]
    params_cls: type
    folder: Path


def paper_dirs() -> dict[str, Path]:
    """{slug: folder} for every folder holding a claims.py in any entry of the `papers` package path."""
    found = {}
    for root in map(Path, _papers_pkg.__path__):
        for claims in sorted(root.glob("*/claims.py")):
            if not claims.parent.name.startswith(("_", ".")):
                found.setdefault(claims.parent.name, claims.parent)
    return found


def discover_papers() -> list[str]:
    """Sorted slugs of the papers/*/ folders that hold a claims.py."""
    return sorted(paper_dirs())


def load_paper(slug: str) -> LoadedPaper:
    """Import a paper's claims and config; raise ParamsError naming the known slugs if it does not exist."""
    dirs = paper_dirs()
    known = sorted(dirs)
    if slug not in dirs:
        raise ParamsError(f"unknown paper {slug!r}; known papers: {', '.join(known) or '(none)'}")
    claims_mod = importlib.import_module(f"papers.{slug}.claims")
    config_mod = importlib.import_module(f"papers.{slug}.config")
    claims = tuple(claims_mod.CLAIMS)
    for c in claims:
        if c.paper != slug:
            raise ValueError(f"claim {c.id!r} in papers/{slug}/claims.py must start with '{slug}.'")
    return LoadedPaper(slug, claims_mod.PAPER, claims, config_mod.Params, dirs[slug])


def check_backend(backend: str) -> None:
    """Raise ParamsError unless backend is one of BACKENDS."""
    if backend not in BACKENDS:
        raise ParamsError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")


def backend_module(slug: str, backend: str) -> ModuleType:
    """Import papers/<slug>/<backend>_impl.py (this imports the framework)."""
    check_backend(backend)
    return importlib.import_module(f"papers.{slug}.{backend}_impl")


def figures_module(slug: str) -> ModuleType | None:
    """Import papers/<slug>/figures.py if the paper has one."""
    if not (paper_dirs()[slug] / "figures.py").exists():
        return None
    return importlib.import_module(f"papers.{slug}.figures")
