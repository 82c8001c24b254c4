"""Results on disk: one folder per (paper, backend, profile), written atomically under a lock.

reports/runs/<paper>/<backend>/<profile>/
    verdicts.json       one Verdict per claim (status, measured, expected, margin, seeds): no timings,
                        so identical runs give byte-identical files
    measurements.json   scalar measurements per experiment and seed
    arrays/<experiment>_seed<k>.npz   array measurements (for figures)
    figures/*.png       the paper's figures
    meta.json           git commit, package versions, device, threads, seeds, params, wall times
reports/metrics/<paper>.<backend>.<profile>.json   what `dvc metrics show/diff` list: the status counts,
                        and per claim `<claim>.status`, `<claim>.measured`, `<claim>.margin` (flat keys)
reports/variants/<paper>/<backend>/<profile>/<variant>/   the same files for a run with overrides
                        (`--set`, `--seeds`, a sweep point; see claimbench.variants); no metrics file

A run holds `reports/runs/<paper>/<backend>/.<profile>.lock` while it runs (a second run of the same
folder is refused with the owner's pid), writes into `.<profile>.staging-<pid>-*`, checks the staged
folder is complete, then swaps it in and replaces the metrics file with signals deferred.
Reading and checking run folders is in claimbench.results_check.
"""
from __future__ import annotations

import errno
import fcntl
import json
import math
import os
import platform
import shutil
import signal
import subprocess
import tempfile
import time
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Callable, Iterator, Mapping

import numpy as np

from claimbench.claims import Status
from claimbench.params import show_path

PACKAGES = ("claimbench", "numpy", "scipy", "torch", "jax", "jaxlib", "scikit-learn", "pandas")
_HELD: dict[str, int] = {}  # lock file -> fd, for the locks this process holds (re-entrant)


class RunBusy(Exception):
    """Another live process is writing the same run folder (one line naming it)."""


KEPT = "nothing was replaced: the previous results are kept"  # after a failed write (atomic swap)


def os_error_line(exc: OSError) -> str:
    """An OSError in one line: its reason and the file, e.g. 'No space left on device (reports/x.json)'."""
    return f"{exc.strerror or exc}" + (f" ({show_path(exc.filename)})" if exc.filename else "")


def run_dir(out_root: Path, paper: str, backend: str, profile: str, variant: str | None = None) -> Path:
    """Where one run's results live: the canonical folder, or the named variant's folder."""
    if variant is None:
        return Path(out_root) / "runs" / paper / backend / profile
    return Path(out_root) / "variants" / paper / backend / profile / variant


def timings_path(out_root: Path, folder: Path) -> Path:
    """Where a run folder's unit seconds and figure names are kept apart from the folder: `dvc repro`
    deletes a stage's outputs before running it, and the next run orders its units by them
    (claimbench.jobs). A hint only (not tracked, no number depends on it)."""
    rel = Path(folder).relative_to(out_root)
    return Path(out_root) / ".timings" / rel.parent / f"{rel.name}.json"


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


def json_text(data) -> str:
    """Strict, sorted, indented JSON text (NaN/inf become null)."""
    return json.dumps(_jsonable(data), indent=2, sort_keys=True, allow_nan=False) + "\n"


def write_json(path: Path, data) -> None:
    """Write strict JSON atomically (NaN/inf become null)."""
    write_text(path, json_text(data))


def _temp_beside(path: Path, text: str) -> str:
    """Write text to a new hidden temp file next to `path`; return its name (caller renames it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def write_text(path: Path, text: str) -> None:
    """Write a text file atomically (temp file + rename)."""
    path = Path(path)
    tmp = _temp_beside(path, text)
    try:
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _owner(fd: int, wait_s: float = 0.5) -> str:
    """What the holder of a lock wrote into it (pid, start time, command), sanitised to one short line.

    The holder writes its line just after it locks: an empty file is read again for up to `wait_s`
    (two runs started at once met that window and the loser could not name the winner).
    """
    deadline = time.monotonic() + wait_s
    while True:
        try:
            text = " ".join(os.pread(fd, 300, 0).decode("utf-8", "replace").split())[:200]
        except OSError:
            text = ""
        if text or time.monotonic() >= deadline:
            return text or "pid unknown: it is starting"
        time.sleep(0.01)


@contextmanager
def run_lock(final: Path) -> Iterator[None]:
    """Hold `.<name>.lock` beside `final` for the block; raise RunBusy if a live process holds it.

    flock is released by the kernel when the holder dies, so a killed run never blocks the next one.
    The lock file is removed on release (re-checked by inode so a late opener cannot lock a stale file).
    """
    final = Path(final)
    path = final.parent / f".{final.name}.lock"
    key = os.path.abspath(path)
    if key in _HELD:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = _acquire(path, final)
    _HELD[key] = fd
    try:
        yield
    finally:
        del _HELD[key]
        path.unlink(missing_ok=True)
        os.close(fd)


def adopt_lock(final: Path) -> None:
    """Treat `final`'s lock as held by this process: its parent holds it and has this process write."""
    final = Path(final)
    _HELD.setdefault(os.path.abspath(final.parent / f".{final.name}.lock"), -1)


def _acquire(path: Path, final: Path) -> int:
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            owner = _owner(fd)
            os.close(fd)
            if exc.errno not in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES):
                raise
            raise RunBusy(f"{final} is being written by another claimbench run ({owner}); wait for it to "
                          "finish or stop it") from None
        try:
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the previous holder removed this file after we opened it: lock the new one
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode(), 0)
    except BaseException:
        path.unlink(missing_ok=True)
        os.close(fd)
        raise
    return fd


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # ours, left by an earlier failed attempt in this process: we hold the lock now
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_leftovers(final: Path) -> None:
    """Remove staging/old folders beside `final` whose owner process is dead (a killed run's leftovers)."""
    final = Path(final)
    for prefix in (f".{final.name}.staging-", f".{final.name}.old-"):
        for path in final.parent.glob(f"{prefix}*"):
            pid = path.name[len(prefix):].split("-", 1)[0]
            if pid.isdigit() and pid.isascii() and not _pid_alive(int(pid)):
                shutil.rmtree(path, ignore_errors=True)


@contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold back SIGINT/SIGTERM for the block (delivered right after it), so a swap is not cut in half."""
    sigs = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


@contextmanager
def staging_dir(final: Path, *, check: Callable[[Path], None] | None = None,
                companions: dict[Path, str] | None = None) -> Iterator[Path]:
    """Yield an empty temp folder beside `final`; on success it replaces `final`, on any error it is removed.

    The run folder's lock is held throughout. Before the swap, `check(folder)` must pass (a complete
    run); `companions` ({path: text}, filled by the block) are files outside the folder that are
    replaced together with it (the DVC metrics file), with SIGINT/SIGTERM deferred over the renames.
    An interrupted or failed run (exception, Ctrl-C, SIGTERM, disk full) leaves the previous run as it was.
    """
    final, companions = Path(final), companions if companions is not None else {}
    with run_lock(final):
        clean_leftovers(final)
        tmp = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.staging-{os.getpid()}-"))
        prepared: list[tuple[str, Path]] = []
        try:
            os.chmod(tmp, 0o755)  # mkdtemp makes 0700 folders
            yield tmp
            if check is not None:
                check(tmp)
            prepared = [(_temp_beside(Path(p), text), Path(p)) for p, text in companions.items()]
            _swap(tmp, final, prepared)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            for t, _ in prepared:
                Path(t).unlink(missing_ok=True)
            raise


def _swap(tmp: Path, final: Path, prepared: list[tuple[str, Path]]) -> None:
    old = final.parent / f".{final.name}.old-{os.getpid()}"
    with _signals_deferred():
        if final.exists():
            os.replace(final, old)
        os.replace(tmp, final)
        for t, target in prepared:
            os.replace(t, target)
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


def count_statuses(verdicts) -> dict[str, int]:
    """{'PASS': n, 'FAIL': n, 'ERROR': n, 'SKIP': n, 'total': n}."""
    counts = {s.value: 0 for s in Status}
    for v in verdicts:
        counts[v.status.value] += 1
    counts["total"] = len(verdicts)
    return counts


def metrics_dict(verdicts) -> dict:
    """The DVC metrics file: status counts, then per claim its status, measured value and margin (flat keys).

    Keys are `<claim name>.status|measured|margin` (the claim id without the paper prefix, which the file
    name carries), so `dvc metrics diff` and `dvc exp show --only-changed` name each number that moved.
    """
    out: dict = dict(count_statuses(verdicts))
    for v in verdicts:
        name = v.claim_id.split(".", 1)[-1]
        out.update({f"{name}.status": v.status.value, f"{name}.measured": v.measured, f"{name}.margin": v.margin})
    return out


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
