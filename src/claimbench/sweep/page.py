"""A sweep's folder: reports/sweeps/<paper>/<sweep>/ with sweep.json, frontier.csv, figures/, index.html.

Written at the end of a sweep into a staging folder that replaces the previous one whole (the points'
own run folders are the resumable state). index.html is self-contained (figures inlined) and opens offline;
the main report links every sweep page it finds.
"""
from __future__ import annotations

import base64
import re
import time
from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from claimbench import registry, results, results_check
from claimbench.sweep import tidy
from claimbench.sweep.spec import Point, Sweep

TEMPLATES = Path(__file__).resolve().parents[1] / "report" / "templates"


def sweep_dir(out_root: Path, paper: str, name: str) -> Path:
    """Where one sweep's table, figures and page live."""
    return Path(out_root) / "sweeps" / paper / name


def _plain(v):
    return list(v) if isinstance(v, tuple) else v


def record_of(sweep: Sweep, points: list[Point], outcomes: dict, out_root: Path, canonical: dict,
              extra: dict) -> dict:
    """sweep.json: the definition, where each point's results are, and how each was obtained."""
    pts = []
    for p in points:
        folder = p.spec.folder(out_root)
        outcome, message = outcomes.get(folder, ("error", "ERROR: not run"))
        pts.append({"backend": p.backend, "values": {k: _plain(v) for k, v in p.values}, "variant": folder.name,
                    "folder": str(folder.relative_to(out_root)), "outcome": outcome, "message": message})
    counts = {k: sum(1 for p in pts if p["outcome"] == k) for k in ("computed", "reused", "error")}
    return {"paper": sweep.paper, "name": sweep.name, "doc": sweep.doc, "profile": sweep.profile,
            "backends": list(sweep.backends), "grid": {k: [_plain(v) for v in vals] for k, vals in sweep.grid},
            "set": {k: _plain(v) for k, v in sweep.fixed}, "seeds": sweep.seeds, "claims": list(sweep.claims),
            "canonical": {k: _plain(v) for k, v in canonical.items()}, "points": pts, **counts,
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **extra}


def write_sweep(out_root: Path, sweep: Sweep, points: list[Point], outcomes: dict, canonical: dict,
                extra: dict) -> tuple[Path, pd.DataFrame]:
    """Write the sweep's folder atomically; return it and the tidy table."""
    final = sweep_dir(out_root, sweep.paper, sweep.name)
    df = tidy.frame(points, outcomes, out_root, canonical)
    record = record_of(sweep, points, outcomes, out_root, canonical, extra)
    claims = tidy.selected_claims(sweep, points[0]) if points else []
    from claimbench.sweep import frontier  # matplotlib: only when drawing

    with results.staging_dir(final) as tmp:
        results.write_json(tmp / "sweep.json", record)
        results.write_text(tmp / "frontier.csv", df.to_csv(index=False))
        figures = {}
        for i, c in enumerate(claims):
            title = f"{c.name}: {c.expect}"
            name = f"{i:02d}_{re.sub(r'[^A-Za-z0-9_]', '_', c.name)[:60]}"
            figures[c.name] = frontier.draw(df, record["grid"], canonical, c.name, title, tmp / "figures", name)
        results.write_text(tmp / "index.html", render(record, df, claims, figures, tmp / "figures"))
    return final, df


def _uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def _fmt(x) -> str:
    if x is None or (isinstance(x, float) and pd.isna(x)):
        return ""
    return f"{x:.4g}" if isinstance(x, float) else str(x)


def _card(c, rows: pd.DataFrame, keys: list[str], figure: Path) -> dict:
    """One claim's card: its text, how often it holds per backend, its frontier and its points."""
    held = {b: f"{int((g.status == 'PASS').sum())} of {len(g)}" for b, g in rows.groupby("backend", sort=False)}
    statuses = set(rows.status)
    table = rows[[*keys, "backend", "status", "measured", "margin", "canonical", "outcome", "message"]]
    return {"name": c.name, "cls": f"all-{statuses.pop()}" if len(statuses) == 1 else "",
            "statement": c.statement, "source": c.source, "expected": str(c.expect), "why": c.why, "note": c.note,
            "held": held, "figure": _uri(figure),
            "rows": [{k: _fmt(v) for k, v in r.items()} for r in table.to_dict("records")]}


def render(record: dict, df: pd.DataFrame, claims: list, figures: dict, figdir: Path) -> str:
    """The sweep page: what was swept, then one card per claim with its frontier and its points."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    keys = list(record["grid"])
    cards = [_card(c, df[df.claim == c.name], keys, figdir / figures[c.name]) for c in claims]
    info = registry.load_paper(record["paper"]).info
    return env.get_template("sweep.html.j2").render(r=record, keys=keys, cards=cards, info=info,
                                                    n_points=len(record["points"]))


def list_sweeps(out_root: Path) -> list[dict]:
    """Every sweep page under out_root/sweeps, for the main report's links (unreadable ones say why)."""
    found = []
    for path in sorted((Path(out_root) / "sweeps").glob("*/*/sweep.json")):
        if any(part.startswith(".") for part in path.parts[-3:]):
            continue
        href = str(path.parent.relative_to(out_root) / "index.html")
        try:
            r = results_check.read_json(path)
            grid = " × ".join(f"{k} ∈ {{{', '.join(map(str, v))}}}" for k, v in r["grid"].items())
            found.append({"paper": r["paper"], "name": r["name"], "href": href, "grid": grid,
                          "points": len(r["points"]), "backends": ", ".join(r["backends"]),
                          "profile": r["profile"], "doc": r.get("doc", "")})
        except (results_check.BrokenRun, KeyError, TypeError, AttributeError) as exc:
            found.append({"paper": path.parts[-3], "name": path.parts[-2], "href": href, "grid": "", "points": 0,
                          "backends": "", "profile": "", "doc": f"BROKEN: {exc}"})
    return found
