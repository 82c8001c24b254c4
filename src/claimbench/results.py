"""Results on disk: one folder per (paper, backend, profile), written atomically, read by the report.

reports/runs/<paper>/<backend>/<profile>/
    verdicts.json       one Verdict per claim (status, measured, expected, margin, seeds, wall time)
    measurements.json   scalar measurements per experiment and seed
    arrays/<experiment>_seed<k>.npz   array measurements (for figures)
    figures/*.png       the paper's figures
    meta.json           git commit, package versions, device, threads, seeds, params, wall time
reports/metrics/<paper>.<backend>.<profile>.json   pass/fail counts (what `dvc metrics show` lists)
"""
from __future__ import annotations

import json
import math
import os
import platform
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Iterator, Mapping

import numpy as np

from claimbench.claims import Status, Verdict

PACKAGES = ("claimbench", "numpy", "scipy", "torch", "jax", "jaxlib", "scikit-learn", "pandas")


def run_dir(out_root: Path, paper: str, backend: str, profile: str) -> Path:
    """Where one run's results live."""
    return Path(out_root) / "runs" / paper / backend / profile


def metrics_path(out_root: Path, paper: str, backend: str, profile: str) -> Path:
    """The small pass/fail-count file DVC tracks as a metric."""
    return Path(out_root) / "metrics" / f"{paper}.{backend}.{profile}.json"


def _jsonable(x):
    """Turn numpy scalars into python numbers and non-finite floats into None (strict JSON)."""
    if isinstance(x, Mapping):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (np.bool_, bool)):
        return bool(x)
    if isinstance(x, (np.integer, int)):
        return int(x)
    if isinstance(x, (np.floating, float)):
        return float(x) if math.isfinite(float(x)) else None
    return x


def write_json(path: Path, data) -> None:
    """Write strict JSON atomically (NaN/inf become null)."""
    write_text(path, json.dumps(_jsonable(data), indent=2, sort_keys=True, allow_nan=False) + "\n")


def write_text(path: Path, text: str) -> None:
    """Write a text file atomically (temp file + rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def staging_dir(final: Path) -> Iterator[Path]:
    """Yield an empty temp folder beside `final`; on success it replaces `final`, on any error it is removed.

    An interrupted run (exception, Ctrl-C) therefore never leaves a half-written result folder.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    for stale in [*final.parent.glob(f".{final.name}.staging-*"), *final.parent.glob(f".{final.name}.old-*")]:
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.staging-"))
    os.chmod(tmp, 0o755)  # mkdtemp makes 0700 folders
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = final.parent / f".{final.name}.old-{os.getpid()}"
    if final.exists():
        os.replace(final, old)
    os.replace(tmp, final)
    shutil.rmtree(old, ignore_errors=True)


def split_measurements(m: Mapping) -> tuple[dict, dict]:
    """Split one experiment's output into scalars (JSON) and arrays (npz)."""
    scalars, arrays = {}, {}
    for key, value in m.items():
        if isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
            scalars[key] = value
        elif isinstance(value, (np.ndarray, list, tuple)):
            arrays[key] = np.asarray(value)
        else:
            raise TypeError(f"measurement {key!r} must be a number or a numpy array, got {type(value).__name__}")
    return scalars, arrays


def save_arrays(folder: Path, experiment: str, seed: int, arrays: Mapping[str, np.ndarray]) -> None:
    """Store one experiment-seed's arrays as a compressed npz."""
    if arrays:
        folder.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(folder / f"{experiment}_seed{seed}.npz", **arrays)


def load_run(folder: Path) -> dict:
    """Read verdicts.json and meta.json of one run folder."""
    folder = Path(folder)
    verdicts = [Verdict.from_dict(v) for v in json.loads((folder / "verdicts.json").read_text())]
    meta = json.loads((folder / "meta.json").read_text())
    return {"verdicts": verdicts, "meta": meta, "folder": folder}


def find_runs(out_root: Path, profile: str | None = None) -> list[Path]:
    """All complete run folders under out_root/runs, sorted; optionally one profile only."""
    pattern = f"*/*/{profile}/verdicts.json" if profile else "*/*/*/verdicts.json"
    return sorted(p.parent for p in (Path(out_root) / "runs").glob(pattern))


def count_statuses(verdicts) -> dict[str, int]:
    """{'PASS': n, 'FAIL': n, 'ERROR': n, 'SKIP': n, 'total': n}."""
    counts = {s.value: 0 for s in Status}
    for v in verdicts:
        counts[v.status.value] += 1
    counts["total"] = len(verdicts)
    return counts


# Generated outputs: a run rewrites them, so a change there does not make the source tree dirty.
GENERATED = ("reports", "dvc.lock")


def _git_commit(cwd: Path) -> str:
    """HEAD's sha, with '+dirty' when a tracked file other than the generated outputs has changed."""
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True,
                             timeout=10).stdout.strip()
        spec = [":(top)", *(f":(top,exclude){p}" for p in GENERATED)]
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", *spec], cwd=cwd,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return (sha + ("+dirty" if sha and dirty else "")) or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def environment_meta(cwd: Path) -> dict:
    """Git commit, python and package versions, machine: what a result depends on besides params."""
    versions = {}
    for pkg in PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return {"git_commit": _git_commit(cwd), "python": platform.python_version(), "packages": versions,
            "machine": platform.machine(), "platform": platform.platform(), "cpu_count": os.cpu_count()}
