"""A sweep's results as one tidy table (frontier.csv), read back from the points' run folders.

One row per (point, backend, claim): the point's grid values (one column per swept key), claim,
backend, status, measured, margin, then expected, seeds, whether the point is the profile's own
setting (`canonical`), the point's variant folder, how it was obtained (computed / reused / error)
and the message. `pandas.read_csv("frontier.csv")` reads it as is.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from claimbench import results_check
from claimbench.sweep.execute import FAILED
from claimbench.sweep.spec import Point, Sweep

TAIL = ["claim", "backend", "status", "measured", "margin", "expected", "seeds_held", "seeds_run", "must_hold",
        "canonical", "point", "outcome", "message"]


def cell(value: Any) -> Any:
    """A param value as a CSV cell: numbers and strings as they are, lists as JSON text."""
    return json.dumps(list(value)) if isinstance(value, (tuple, list)) else value


def selected_claims(sweep: Sweep, point: Point) -> list:
    """The claims a sweep measures: the selected ones, else every claim that runs in its profile."""
    return [c for c in point.spec.paper.claims
            if sweep.profile in c.profiles and (not sweep.claims or c.name in sweep.claims)]


def _point_rows(point: Point, outcome: tuple[str, str], out_root: Path, canonical: dict) -> list[dict]:
    spec = point.spec
    folder = spec.folder(out_root)
    base = {k: cell(v) for k, v in point.values}
    base["canonical"] = all(cell(canonical.get(k)) == base[k] for k in base)
    base.update(backend=spec.backend, point=folder.name, outcome=outcome[0])
    claims = selected_claims(point.sweep, point)
    if outcome[0] == FAILED:
        return [{**base, "claim": c.name, "status": "ERROR", "expected": str(c.expect), "message": outcome[1]}
                for c in claims]
    try:
        run = results_check.load_run(folder, {c.id: c for c in spec.paper.claims},
                                     expect=(spec.paper.slug, spec.backend, spec.profile), variant=spec.variant)
    except results_check.BrokenRun as exc:
        return [{**base, "claim": c.name, "status": "BROKEN", "expected": str(c.expect), "message": str(exc)}
                for c in claims]
    by_id = {v.claim_id: v for v in run["verdicts"]}
    rows = []
    for c in claims:
        v = by_id[c.id]
        rows.append({**base, "claim": c.name, "status": v.status.value, "measured": v.measured, "margin": v.margin,
                     "expected": v.expected, "seeds_held": v.seeds_held, "seeds_run": v.seeds_run,
                     "must_hold": v.must_hold, "message": v.message})
    return rows


def frame(points: list[Point], outcomes: dict, out_root: Path, canonical: dict) -> pd.DataFrame:
    """The tidy table of a sweep (see the module docstring for the columns)."""
    rows = []
    for point in points:
        outcome = outcomes.get(point.spec.folder(out_root), (FAILED, "ERROR: not run"))
        rows += _point_rows(point, outcome, out_root, canonical)
    keys = points[0].sweep.keys if points else []
    return pd.DataFrame(rows, columns=[*keys, *TAIL])
