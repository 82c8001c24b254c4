"""Variant runs: a run with `--set` overrides, `--seeds N` or a claim selection gets its own folder.

reports/variants/<paper>/<backend>/<profile>/<name>/   where <name> is readable and unique:
    depth=8,weight_decay=0.001-3f9a0c1b2d      the overrides (values as validated), then a short hash
    seeds=1-5c2e...                            of the overrides, seeds and claim selection
The canonical run (no overrides) stays in reports/runs/<paper>/<backend>/<profile>/, which is what DVC
tracks and what the report shows unless asked for variants. A variant folder is written by the same
runner, under the same lock and staging rules, and its meta.json records the overrides and the date.

`code_fingerprint` hashes the source a run's numbers depend on (the paper's folder and claimbench's
numerical modules) and the versions of the numerical packages: a sweep reuses a point only when its
params and this fingerprint are unchanged.
"""
from __future__ import annotations

import hashlib
import json
import re
from importlib import metadata
from pathlib import Path
from typing import Any, Mapping, Sequence

import claimbench

HASH_CHARS = 10
MAX_READABLE = 80
_UNSAFE = re.compile(r"[^A-Za-z0-9._=,+-]")
# claimbench modules that cannot change a run's numbers, verdicts or figures (not in the fingerprint)
_NOT_CODE = ("cli.py", "sweep/", "report/build.py", "report/templates/")
FINGERPRINT_PACKAGES = ("numpy", "scipy", "torch", "jax", "jaxlib", "scikit-learn", "matplotlib", "seaborn")


def _plain(value: Any) -> Any:
    """A validated param value as JSON data (tuples become lists)."""
    return [_plain(v) for v in value] if isinstance(value, (tuple, list)) else value


def _text(value: Any) -> str:
    """A value as it appears in a folder name: 512, 0.001, true, a_b, [6,8]."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(_text(v) for v in value) + "]"
    return repr(value) if isinstance(value, float) else str(value)


def key_of(overrides: Mapping[str, Any], seeds: int | None, only: Sequence[str]) -> dict:
    """What makes a variant: its overrides (sorted, validated values), seeds and selected claims."""
    return {"overrides": {k: _plain(overrides[k]) for k in sorted(overrides)}, "seeds": seeds,
            "claims": sorted(only)}


def name_of(overrides: Mapping[str, Any], seeds: int | None = None, only: Sequence[str] = ()) -> str | None:
    """The variant folder name, or None for the canonical run (no overrides, seeds or selection)."""
    if not overrides and seeds is None and not only:
        return None
    key = key_of(overrides, seeds, only)
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:HASH_CHARS]
    parts = [f"{k}={_text(v)}" for k, v in key["overrides"].items()]
    parts += [f"seeds={seeds}"] if seeds is not None else []
    parts += [f"claims={len(only)}"] if only else []
    readable = _UNSAFE.sub("_", ",".join(parts))[:MAX_READABLE]
    return f"{readable}-{digest}"


def _code_files(paper_folder: Path) -> list[tuple[str, Path]]:
    pkg = Path(claimbench.__file__).parent
    files = [(f"papers/{paper_folder.name}/{p.relative_to(paper_folder)}", p)
             for p in sorted(paper_folder.rglob("*.py")) if "__pycache__" not in p.parts]
    for p in sorted(pkg.rglob("*.py")):
        rel = p.relative_to(pkg).as_posix()
        if "__pycache__" not in p.parts and not rel.startswith(_NOT_CODE):
            files.append((f"claimbench/{rel}", p))
    return files


def code_fingerprint(paper_folder: Path) -> str:
    """sha256 over the paper's and claimbench's numerical source files and the numerical packages' versions."""
    h = hashlib.sha256()
    for rel, path in _code_files(Path(paper_folder)):
        h.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    for pkg in FINGERPRINT_PACKAGES:
        try:
            version = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            version = "-"
        h.update(f"{pkg}=={version}\0".encode())
    return h.hexdigest()[:16]


def describe(overrides: Mapping[str, Any]) -> str:
    """Overrides as one short line for tables and badges: width=512, lr=0.1."""
    return ", ".join(f"{k}={_text(_plain(v))}" for k, v in sorted(overrides.items())) or "(none)"
