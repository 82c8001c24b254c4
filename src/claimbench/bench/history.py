"""Read the saved benchmark runs back and print one table per benchmark over the runs.

A file that cannot be read (truncated, not pytest-benchmark's JSON) is reported on one line naming it
and left out; the other runs are still shown.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from claimbench.bench.suite import HISTORY


@dataclass
class Run:
    """One saved suite run: where, when, which commit, and per benchmark its stats (seconds)."""

    path: Path
    date: str  # ISO, UTC
    commit: str  # short sha, '+' when the tree had uncommitted changes
    machine: str
    benchmarks: dict[str, dict] = field(default_factory=dict)  # fullname -> {group, median, min, max, ...}
    timer: str = ""  # cpu (process_time) or wall (perf_counter), from pytest-benchmark's options

    @property
    def label(self) -> str:
        return f"{self.commit} {self.date[5:16].replace('T', ' ')}"


def _benchmark(b: dict) -> tuple[str, dict]:
    s = b["stats"]
    keep = {k: float(s[k]) for k in ("median", "min", "max", "mean", "iqr")}
    return b["fullname"], {**keep, "rounds": int(s["rounds"]), "group": b.get("group") or "",
                           "extra_info": b.get("extra_info") or {}}


def read_run(path: Path) -> Run:
    """One history file; ValueError with the reason if it is not a pytest-benchmark run."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        commit = data.get("commit_info") or {}
        sha = str(commit.get("id") or "unversioned")[:8] + ("+" if commit.get("dirty") else "")
        machine = (data.get("machine_info") or {}).get("node", "")
        timers = {str((b.get("options") or {}).get("timer", "")) for b in data["benchmarks"]}
        timer = ",".join(sorted({"cpu" if "process_time" in t else "wall" if t else "?" for t in timers}))
        return Run(Path(path), str(data["datetime"]), sha, machine, dict(map(_benchmark, data["benchmarks"])), timer)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot be read ({type(exc).__name__}: {str(exc)[:80]})") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"not a pytest-benchmark run ({type(exc).__name__}: {str(exc)[:80]})") from None


def load(out_root: Path) -> tuple[list[Run], list[str]]:
    """(runs sorted by date, one line per unreadable file) from out_root/bench/history/*/*.json."""
    runs, broken = [], []
    for path in sorted((Path(out_root) / HISTORY).glob("*/[0-9][0-9][0-9][0-9]_*.json")):
        try:
            runs.append(read_run(path))
        except ValueError as exc:
            broken.append(f"BROKEN {path}: {exc}")
    return sorted(runs, key=lambda r: (r.date, r.path.name)), broken


def names_by_group(runs: list[Run], keyword: str | None = None) -> dict[str, list[str]]:
    """{group: [benchmark fullnames]} over all runs, sorted; keyword filters by substring."""
    out: dict[str, set] = {}
    for r in runs:
        for name, b in r.benchmarks.items():
            if keyword is None or keyword in name:
                out.setdefault(b["group"], set()).add(name)
    return {g: sorted(v) for g, v in sorted(out.items())}


def table(runs: list[Run], name: str) -> str:
    """One benchmark over the runs: run, commit, date, timer, median/min/max ms, rounds, median vs the run before."""
    lines = [f"  {'run':<6} {'commit':<10} {'date (UTC)':<12} {'timer':<5} {'median ms':>10} {'min ms':>10} "
             f"{'max ms':>10} {'rounds':>6} {'vs prev':>8}"]
    prev = None
    for r in runs:
        b = r.benchmarks.get(name)
        if b is None:
            continue
        change = f"{100 * (b['median'] / prev - 1):+.1f} %" if prev else ""
        lines.append(f"  {r.path.name[:4]:<6} {r.commit:<10} {r.date[5:16].replace('T', ' '):<12} {r.timer:<5} "
                     f"{1e3 * b['median']:>10.4g} {1e3 * b['min']:>10.4g} {1e3 * b['max']:>10.4g} "
                     f"{b['rounds']:>6} {change:>8}")
        prev = b["median"]
    return "\n".join(lines)


def render(runs: list[Run], keyword: str | None = None) -> str:
    """Every benchmark's table, grouped by benchmark group (paper)."""
    parts = []
    for group, names in names_by_group(runs, keyword).items():
        parts.append(f"== {group or '(no group)'}")
        for name in names:
            parts += [name, table(runs, name)]
    return "\n".join(parts)
