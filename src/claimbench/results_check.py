"""Read run folders back, trusting nothing: a folder that cannot be read is a BrokenRun naming the file.

Checked: every JSON file parses strictly (UTF-8, no NaN, no duplicate keys) and has the expected
shape; meta.json's paper/backend/profile match the folder; each verdict is internally consistent
(its status agrees with its seeds, its median with its per-seed values) and agrees with
measurements.json; figures are plain .png file names in the run's figures/ folder (no paths, no
symlinks) whose PNG chunks verify; arrays are zip files whose CRCs check; the DVC metrics file
agrees with the verdicts (counts and per-claim values).
Hidden folders (staging, old, lock files) are never runs.
"""
from __future__ import annotations

import json
import math
import re
import stat
import statistics
import zipfile
from pathlib import Path
from typing import Any, Mapping

from claimbench.claims import Claim, Status, Verdict
from claimbench.results import count_statuses, metrics_dict

MAX_JSON_BYTES = 64 << 20
MAX_PNG_BYTES = 32 << 20
_ARRAY_FILE = re.compile(r"[^/]+_seed\d+\.npz")
_VERDICT_TYPES = {"claim_id": str, "status": str, "measured": "num?", "per_seed": list, "expected": str,
                  "margin": "num?", "seeds_held": int, "seeds_run": int, "must_hold": int, "message": str,
                  "extra": dict}


class BrokenRun(Exception):
    """A run folder that cannot be trusted: str() is '<file>: <reason>' on one line."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path}: {' '.join(reason.split())[:300]}")
        self.path, self.reason = Path(path), reason


def find_runs(out_root: Path, profile: str | None = None) -> list[Path]:
    """Every run folder out_root/runs/<paper>/<backend>/<profile>, sorted; hidden names are never runs."""
    runs = Path(out_root) / "runs"
    found = []
    for depth1 in _visible_dirs(runs):
        for depth2 in _visible_dirs(depth1):
            found += [d for d in _visible_dirs(depth2) if profile is None or d.name == profile]
    return sorted(found)


def find_variants(out_root: Path, profile: str | None = None) -> list[Path]:
    """Every variant folder out_root/variants/<paper>/<backend>/<profile>/<name>, sorted."""
    base = Path(out_root) / "variants"
    found = []
    for paper in _visible_dirs(base):
        for backend in _visible_dirs(paper):
            for prof in _visible_dirs(backend):
                if profile is None or prof.name == profile:
                    found += _visible_dirs(prof)
    return sorted(found)


def _visible_dirs(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if not p.name.startswith(".") and p.is_dir()]
    except OSError:  # missing, not a folder, unreadable: no runs there
        return []


def _no_constants(name: str):
    raise ValueError(f"{name} is not allowed")


def _unique_keys(pairs):
    out = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"duplicate key {k[:60]!r}")
        out[k] = v
    return out


def _regular_file(path: Path, limit: int) -> None:
    try:
        st = path.lstat()
    except FileNotFoundError:
        raise BrokenRun(path, "missing") from None
    if not stat.S_ISREG(st.st_mode):
        raise BrokenRun(path, "not a regular file (a folder, link or device)")
    if st.st_size > limit:
        raise BrokenRun(path, f"{st.st_size} bytes, more than the {limit} allowed")


def read_json(path: Path) -> Any:
    """Parse a result JSON file strictly or raise BrokenRun naming it."""
    _regular_file(path, MAX_JSON_BYTES)
    try:
        text = path.read_bytes().decode("utf-8")
        return json.loads(text, parse_constant=_no_constants, object_pairs_hook=_unique_keys)
    except UnicodeDecodeError as exc:
        raise BrokenRun(path, f"not UTF-8 (bad byte at offset {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise BrokenRun(path, f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except (ValueError, RecursionError) as exc:
        raise BrokenRun(path, f"not valid JSON ({type(exc).__name__}: {str(exc)[:100]})") from None
    except OSError as exc:
        raise BrokenRun(path, f"cannot be read ({exc.strerror})") from None


def _is_num(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _has_type(x: Any, tp: Any) -> bool:
    """x is of the field type tp: 'num?' a finite number or None, int a count (>= 0, not a bool)."""
    if tp == "num?":
        return x is None or _is_num(x)
    if tp is int:
        return isinstance(x, int) and not isinstance(x, bool) and x >= 0
    return isinstance(x, tp)


def _verdict(d: Any, path: Path, i: int) -> Verdict:
    """One entry of verdicts.json, checked field by field and for internal consistency."""
    if not isinstance(d, dict):
        raise BrokenRun(path, f"entry {i} is not an object")
    d = {k: v for k, v in d.items() if k != "wall_s"}  # wall_s: runs written before it moved to meta.json
    if set(d) != set(_VERDICT_TYPES):
        raise BrokenRun(path, f"entry {i} has fields {sorted(d)[:12]}, expected {sorted(_VERDICT_TYPES)}")
    for key, tp in _VERDICT_TYPES.items():
        if not _has_type(d[key], tp):
            raise BrokenRun(path, f"entry {i}: {key} has a wrong type or value")
    if d["status"] not in {s.value for s in Status}:
        raise BrokenRun(path, f"entry {i}: unknown status {d['status'][:20]!r}")
    if not all(x is None or _is_num(x) for x in d["per_seed"]):
        raise BrokenRun(path, f"entry {i}: per_seed holds something other than numbers")
    v = Verdict.from_dict(d)
    problem = _inconsistency(v)
    if problem:
        raise BrokenRun(path, f"{v.claim_id[:80]}: {problem}")
    return v


def _inconsistency(v: Verdict) -> str:
    """Why a verdict contradicts itself ('' if it does not)."""
    if v.status is Status.SKIP:
        return "SKIP with seeds run" if v.seeds_run or v.per_seed else ""
    if len(v.per_seed) != v.seeds_run or v.seeds_held > v.seeds_run:
        return "seed counts disagree with per_seed"
    if v.status is Status.ERROR:
        return ""
    if v.must_hold > v.seeds_run:
        return f"needs {v.must_hold} of {v.seeds_run} seeds"
    if None in v.per_seed or v.measured is None or v.margin is None:
        return f"{v.status.value} without a value for every seed"
    if (v.status is Status.PASS) != (v.seeds_held >= v.must_hold) or (v.margin >= 0) != (v.status is Status.PASS):
        return f"status {v.status.value} disagrees with {v.seeds_held}/{v.seeds_run} seeds held (need {v.must_hold})"
    if v.measured != statistics.median(v.per_seed):
        return "measured is not the median of per_seed"
    return ""


def read_verdicts(folder: Path) -> list[Verdict]:
    """verdicts.json: a list of consistent verdicts with unique claim ids."""
    path = folder / "verdicts.json"
    data = read_json(path)
    if not isinstance(data, list):
        raise BrokenRun(path, f"expected a list of verdicts, got {type(data).__name__}")
    verdicts = [_verdict(d, path, i) for i, d in enumerate(data)]
    if len({v.claim_id for v in verdicts}) != len(verdicts):
        raise BrokenRun(path, "a claim appears twice")
    return verdicts


def read_measurements(folder: Path) -> dict:
    """measurements.json: {experiment: {seed: {metric: number, bool or null}}}."""
    path = folder / "measurements.json"
    data = read_json(path)
    ok = isinstance(data, dict) and all(
        isinstance(seeds, dict) and all(
            s.isdigit() and isinstance(m, dict) and all(x is None or isinstance(x, bool) or _is_num(x)
                                                        for x in m.values())
            for s, m in seeds.items())
        for seeds in data.values())
    if not ok:
        raise BrokenRun(path, "expected {experiment: {seed: {metric: number}}}")
    return data


def _agrees_with_measurements(verdicts, claims: Mapping[str, Claim], measurements: dict, folder: Path) -> None:
    for v in verdicts:
        c = claims.get(v.claim_id)
        if c is None:
            continue
        for seed, value in enumerate(v.per_seed):
            m = measurements.get(c.experiment, {}).get(str(seed), {}).get(c.metric)
            if value is not None and (m is None or float(m) != value):
                raise BrokenRun(folder / "measurements.json",
                                f"{c.metric} of {c.experiment} seed {seed} disagrees with verdicts.json ({c.id})")


def read_meta(folder: Path, paper: str, backend: str, profile: str, variant: str | None = None) -> dict:
    """meta.json: an object whose paper/backend/profile (and variant name, None if canonical) are the folder's."""
    path = folder / "meta.json"
    meta = read_json(path)
    if not isinstance(meta, dict):
        raise BrokenRun(path, f"expected an object, got {type(meta).__name__}")
    for key, want in (("paper", paper), ("backend", backend), ("profile", profile)):
        if meta.get(key) != want:
            raise BrokenRun(path, f"{key} is {str(meta.get(key))[:40]!r} but the folder is for {want!r}")
    got = meta.get("variant")
    name = got.get("name") if isinstance(got, dict) else got
    if name != variant or (got is not None and not isinstance(got, dict)):
        want = f"variant {variant!r}" if variant else "the canonical run"
        raise BrokenRun(path, f"variant is {str(name)[:60]!r} but the folder is for {want}")
    for key in ("figures", "claim_wall_s"):
        if not isinstance(meta.get(key, {}), dict):
            raise BrokenRun(path, f"{key} is not an object")
    if not all(_is_num(x) for x in meta.get("claim_wall_s", {}).values()):
        raise BrokenRun(path, "claim_wall_s holds something other than numbers")
    return meta


def figure_name_ok(name: Any) -> bool:
    """Whether `name` can be a figure file of a run: a printable .png name with no folder in it."""
    return isinstance(name, str) and Path(name).name == name and name.endswith(".png") and name.isprintable()


def figure_file(folder: Path, name: Any) -> Path:
    """The path of figure `name` of a run, confined to its figures/ folder; BrokenRun if not a valid PNG."""
    figdir = folder / "figures"
    if not figure_name_ok(name):
        raise BrokenRun(folder / "meta.json", f"figure {str(name)[:60]!r} is not the name of a .png file in the "
                                              "run's figures folder")
    if figdir.is_symlink() or not figdir.is_dir():
        raise BrokenRun(figdir, "not a folder")
    path = figdir / name
    _regular_file(path, MAX_PNG_BYTES)
    from PIL import Image

    try:
        with Image.open(path) as im:
            fmt = im.format
            im.verify()
    except Exception as exc:  # noqa: BLE001 - PIL raises many kinds of errors for a bad file
        raise BrokenRun(path, f"not a valid PNG ({type(exc).__name__})") from None
    if fmt != "PNG":
        raise BrokenRun(path, f"not a PNG (a {fmt} image)")
    return path


def check_arrays(folder: Path) -> None:
    """arrays/*.npz: regular files named <experiment>_seed<k>.npz whose zip CRCs check."""
    adir = folder / "arrays"
    if not adir.exists():
        return
    for path in sorted(adir.iterdir()):
        if not _ARRAY_FILE.fullmatch(path.name):
            raise BrokenRun(path, "unexpected file in arrays/")
        _regular_file(path, 1 << 40)
        try:
            with zipfile.ZipFile(path) as z:
                bad = z.testzip()
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise BrokenRun(path, f"not a valid npz ({type(exc).__name__})") from None
        if bad is not None:
            raise BrokenRun(path, f"corrupted member {bad[:60]!r}")


def check_metrics(path: Path, verdicts) -> None:
    """The DVC metrics file must hold the run's counts and per-claim values (or, written before the
    per-claim keys existed, the counts alone)."""
    if read_json(path) not in (metrics_dict(verdicts), count_statuses(verdicts)):
        raise BrokenRun(path, "counts or per-claim values disagree with the run's verdicts.json")


def load_run(folder: Path, claims: Mapping[str, Claim] | None = None, metrics: Path | None = None,
             expect: tuple[str, str, str] | None = None, variant: str | None = None) -> dict:
    """Read and check one run folder; raise BrokenRun naming the first file that is wrong.

    `expect` is (paper, backend, profile) (default: the folder's last three names); `claims` (id -> Claim)
    enables the cross-check with measurements.json; `metrics` the check of the DVC metrics file;
    `variant` the variant name meta.json must record (None: a canonical run).
    """
    folder = Path(folder)
    paper, backend, profile = expect or folder.parts[-3:]
    try:
        meta = read_meta(folder, paper, backend, profile, variant)
        verdicts = read_verdicts(folder)
        _agrees_with_measurements(verdicts, claims or {}, read_measurements(folder), folder)
        for name in meta.get("figures", {}).values():
            figure_file(folder, name)
        check_arrays(folder)
        if metrics is not None:
            check_metrics(metrics, verdicts)
    except OSError as exc:
        raise BrokenRun(Path(exc.filename or folder), f"cannot be read ({exc.strerror})") from None
    return {"verdicts": verdicts, "meta": meta, "folder": folder}


def check_complete(folder: Path, paper: str, backend: str, profile: str, claims: Mapping[str, Claim],
                   variant: str | None = None) -> dict:
    """Before a staged run replaces the old one: it must read back whole, with one verdict per claim."""
    run = load_run(folder, claims, expect=(paper, backend, profile), variant=variant)
    got = {v.claim_id for v in run["verdicts"]}
    if got != set(claims):
        raise BrokenRun(folder / "verdicts.json", f"holds {len(got)} of the paper's {len(claims)} claims")
    return run
