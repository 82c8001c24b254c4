"""`claimbench check --baseline FILE|REV`: did a change move the reproduced numbers?

The current verdicts (read from the run folders) are compared with a baseline verdicts.csv: a file, or
the one committed at a git revision. Every changed verdict, measured value or margin is printed. The
gate fails only on what is new: a claim that is now FAIL or ERROR but was PASS, SKIP or absent in the
baseline (or FAIL and is now ERROR), and a claim that passes in both whose margin lost more than
`margin_drop` of its size. Claims that already failed in the baseline do not fail the gate.
"""
from __future__ import annotations

import io
import math
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from claimbench.claims import Status

if TYPE_CHECKING:
    import pandas as pd

KEYS = ["paper", "claim", "backend", "profile"]
NEEDED = [*KEYS, "status", "measured", "margin"]
BAD = {Status.FAIL.value, Status.ERROR.value}
MAX_BASELINE_BYTES = 32 << 20


class BaselineError(Exception):
    """The baseline cannot be read (one line naming it; exit 2)."""


@dataclass(frozen=True)
class Change:
    """One claim whose verdict, measured value or margin differs from the baseline."""

    key: tuple[str, str, str, str]
    old: dict | None  # baseline status/measured/margin (None: not in the baseline)
    new: dict
    gate: str  # why this change fails the gate ('' when it does not)


def add_arguments(check) -> None:
    """`check`'s --baseline and --margin-drop options."""
    check.add_argument("--baseline", default=None, metavar="FILE|REV",
                       help="compare with a verdicts.csv file, or the one committed at a git revision: exit 1 only "
                            "on a new FAIL/ERROR, PASS -> FAIL, or a margin that lost more than --margin-drop")
    check.add_argument("--margin-drop", dest="margin_drop", default="0.5", metavar="FRACTION",
                       help="with --baseline: fraction of a passing claim's margin it may lose (default 0.5)")


def margin_drop(raw: str) -> float:
    """--margin-drop: a fraction in [0, 1] written as a plain decimal; BaselineError otherwise."""
    text = str(raw).strip()
    if not re.fullmatch(r"[0-9]?(\.[0-9]{1,6})?", text) or text in ("", ".") or not 0 <= float(text) <= 1:
        raise BaselineError(f"--margin-drop {text[:40]!r}: expected a fraction in [0, 1] (0.5 = half the margin)")
    return float(text)


def _git_text(spec: str, out_root: Path, cwd: Path) -> tuple[str, str]:
    """(verdicts.csv text at revision `spec`, 'REV:path')."""
    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60)

    top = git("rev-parse", "--show-toplevel")
    if top.returncode or git("rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}").returncode or spec[:1] == "-":
        raise BaselineError(f"--baseline {spec!r}: not a file and not a git revision")
    path = (Path(cwd) / out_root / "verdicts.csv").resolve()
    try:
        rel = path.relative_to(Path(top.stdout.decode().strip()).resolve())
    except ValueError:
        raise BaselineError(f"--baseline {spec}: {path} is outside the git repository") from None
    shown = git("show", f"{spec}:{rel.as_posix()}")
    if shown.returncode:
        raise BaselineError(f"--baseline {spec}: the revision has no {rel.as_posix()}")
    return shown.stdout.decode("utf-8", "replace"), f"{spec}:{rel.as_posix()}"


def read_baseline(spec: str, out_root: Path, cwd: Path | None = None) -> tuple[pd.DataFrame, str]:
    """The baseline verdicts and where they came from; BaselineError with a one-line reason."""
    cwd = Path(cwd or Path.cwd())
    path = cwd / spec
    if spec and path.is_file():
        if path.stat().st_size > MAX_BASELINE_BYTES:
            raise BaselineError(f"--baseline {spec}: larger than {MAX_BASELINE_BYTES >> 20} MiB")
        text, label = path.read_bytes().decode("utf-8", "replace"), spec
    else:
        text, label = _git_text(spec, Path(out_root), cwd)
    import pandas as pd

    try:
        df = pd.read_csv(io.StringIO(text), dtype={k: str for k in KEYS}, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise BaselineError(f"--baseline {label}: not a verdicts.csv ({str(exc).splitlines()[0][:80]})") from None
    missing = [c for c in NEEDED if c not in df.columns]
    if missing:
        raise BaselineError(f"--baseline {label}: not a verdicts.csv (no column {', '.join(missing)})")
    for col in ("measured", "margin"):
        df[col] = pd.to_numeric(df[col], errors="coerce")
    return df[NEEDED], label


def _num(x) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _same(a: float | None, b: float | None) -> bool:
    return a == b or (a is None and b is None)


def _gate(old: dict | None, new: dict, margin_drop: float) -> str:
    """Why the change from old to new fails the gate ('' if it does not)."""
    s0, s1 = (old or {}).get("status"), new["status"]
    if s1 in BAD and s1 != s0 and s0 != Status.ERROR.value:
        return f"new {s1}" if old is None else f"{s0} -> {s1}"
    if s0 == s1 == Status.PASS.value and old["margin"] and new["margin"] is not None and old["margin"] > 0:
        # lost = 1 - m_new / m_old (fraction of the baseline margin gone)
        lost = 1 - new["margin"] / old["margin"]
        if lost > margin_drop:
            return f"margin lost {100 * lost:.0f} % (more than {100 * margin_drop:.0f} %)"
    return ""


def changes(current: pd.DataFrame, baseline: pd.DataFrame, margin_drop: float) -> tuple[list[Change], int]:
    """(every changed claim, number of baseline rows of the compared runs missing now)."""
    def rec(r) -> dict:
        return {"status": r.status, "measured": _num(r.measured), "margin": _num(r.margin)}

    base = {tuple(getattr(r, k) for k in KEYS): rec(r) for r in baseline.itertuples()}
    out, seen = [], set()
    for r in current[current.status != "BROKEN"].itertuples():
        key = tuple(getattr(r, k) for k in KEYS)
        seen.add(key)
        old, new = base.get(key), rec(r)
        if old is not None and old["status"] == new["status"] and _same(old["measured"], new["measured"]) \
                and _same(old["margin"], new["margin"]):
            continue
        out.append(Change(key, old, new, _gate(old, new, margin_drop)))
    runs = {(k[0], k[2], k[3]) for k in seen}
    missing = sum(1 for k in base if (k[0], k[2], k[3]) in runs and k not in seen)
    return out, missing


def _val(x: float | None) -> str:
    return "-" if x is None else f"{x:.4g}"


def describe(c: Change) -> str:
    """One line: gate mark, claim, status change, measured and margin (old -> new)."""
    paper, claim, backend, profile = c.key
    old = c.old or {"status": "(new)", "measured": None, "margin": None}
    status = c.new["status"] if old["status"] == c.new["status"] else f"{old['status']} -> {c.new['status']}"
    rel = ""
    if old["measured"] and c.new["measured"] is not None:
        rel = f" ({100 * (c.new['measured'] / old['measured'] - 1):+.3g} %)"
    text = (f"{'GATE' if c.gate else 'changed':<8}{paper}.{claim} [{backend}/{profile}] {status}; measured "
            f"{_val(old['measured'])} -> {_val(c.new['measured'])}{rel}; margin {_val(old['margin'])} -> "
            f"{_val(c.new['margin'])}")
    return text + (f"  <- {c.gate}" if c.gate else "")


def report(current: pd.DataFrame, baseline: pd.DataFrame, label: str, margin_drop: float) -> tuple[list[str], int]:
    """(lines to print, number of changes that fail the gate); `baseline` is filtered to current's profiles."""
    baseline = baseline[baseline.profile.isin(set(current.profile))]
    found, missing = changes(current, baseline, margin_drop)
    failing = sum(1 for c in found if c.gate)
    compared = int((current.status != "BROKEN").sum())
    lines = [describe(c) for c in sorted(found, key=lambda c: (not c.gate, c.key))]
    lines.append(f"{compared} claim verdicts compared with {label}: {len(found)} changed, {failing} fail the gate "
                 f"(new FAIL/ERROR, PASS -> FAIL, margin lost > {100 * margin_drop:.0f} %)"
                 + (f"; {missing} baseline verdict(s) of these runs not found now" if missing else ""))
    return lines, failing
