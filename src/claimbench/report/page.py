"""What the HTML page shows, computed from the verdict frame and the run folders (the template only lays
it out): totals, the status matrix, the not-passing list, run provenance and one card per claim."""
from __future__ import annotations

import base64
import hashlib
import json
import math
import struct
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from claimbench import registry, results_check
from claimbench.params import ParamsError
from claimbench.report.order import NOT_PASSING, RANK, SYMBOL, TOTALS, ordered, worst
from claimbench.report.strip import make_strip

SHOWN_PACKAGES = ("torch", "jax", "numpy", "scipy", "scikit-learn")


def fmt(x, digits: int = 4) -> str:
    """A number with `digits` significant digits; blank for missing."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)) or x is pd.NA:
        return ""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return str(x)
    return f"{x:.{digits}g}"


def run_details(out_root: Path, profile: str | None, variants: bool = False) -> dict[tuple, dict]:
    """{(paper, backend, profile, variant): {"meta", "per_seed"}} of every run folder that reads.

    Folders that do not read are BROKEN rows of the verdict frame; variant is '' for canonical runs.
    """
    out = {}
    folders = list(results_check.find_runs(out_root, profile))
    if variants:
        folders += list(results_check.find_variants(out_root, profile))
    for folder in folders:
        try:
            meta = json.loads((folder / "meta.json").read_text())
            verdicts = json.loads((folder / "verdicts.json").read_text())
            per_seed = {v["claim_id"].split(".", 1)[1]: v.get("per_seed", []) for v in verdicts}
            key = (meta["paper"], meta["backend"], meta["profile"], (meta.get("variant") or {}).get("name", ""))
        except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError):
            continue
        out[key] = {"meta": meta, "per_seed": per_seed, "written": (folder / "verdicts.json").stat().st_mtime}
    return out


def provenance(details: dict) -> list[dict]:
    """One row per run: commit, date, versions, device, threads, profile, wall time."""
    rows = []
    for (paper, backend, profile, variant), d in sorted(details.items()):
        meta = d["meta"]
        date = meta.get("date") or datetime.fromtimestamp(d["written"], timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        pkgs = meta.get("packages") or {}
        rows.append({"paper": paper, "backend": backend, "profile": profile + (f" ({variant})" if variant else ""),
                     "date": date,
                     "commit": str(meta.get("git_commit", ""))[:12] + ("+dirty" if "+dirty" in
                                                                     str(meta.get("git_commit", "")) else ""),
                     "packages": " · ".join(f"{k} {pkgs[k]}" for k in SHOWN_PACKAGES if pkgs.get(k)),
                     "python": meta.get("python", ""), "device": meta.get("device", ""),
                     "threads": meta.get("threads", ""), "cpus": meta.get("cpu_count", ""),
                     "wall": fmt(meta.get("wall_s"), 3)})
    return rows


class Figures:
    """Each distinct PNG is embedded once (an SVG <image> in the page's defs); cards reference it by id.

    Identical files (e.g. two backends that drew the same pixels) share one embedded copy.
    """

    def __init__(self):
        self.ids: dict[str, str] = {}  # sha256 of the PNG -> id
        self.defs: list[dict] = []

    def ref(self, path: str) -> dict | None:
        """{id, w, h} of the embedded figure at path, embedding it on first use; None if it is missing."""
        if not path or not Path(path).is_file():
            return None
        data = Path(path).read_bytes()
        w, h = struct.unpack(">II", data[16:24])  # PNG IHDR: width, height
        key = hashlib.sha256(data).hexdigest()
        if key not in self.ids:
            self.ids[key] = f"fig{len(self.ids)}"
            self.defs.append({"id": self.ids[key], "w": w, "h": h,
                              "uri": "data:image/png;base64," + base64.b64encode(data).decode()})
        return {"id": self.ids[key], "w": w, "h": h}


def _claims(papers) -> dict[tuple[str, str], object]:
    found = {}
    for slug in papers:
        try:
            found.update({(slug, c.name): c for c in registry.load_paper(slug).claims})
        except (ParamsError, ImportError, ValueError):
            continue
    return found


def _no_figure_reason(claim, row, meta: dict) -> str:
    """Why a backend's card shows no figure."""
    if claim is None or not claim.figure:
        return "this claim names no figure"
    if row.status == "SKIP":
        return "not run in this profile, so nothing was drawn"
    if meta.get("figure_error"):
        return f"drawing the figures failed: {meta['figure_error']}"
    return f"the run drew no '{claim.figure}' figure (its experiment produced no result)"


def _seed_rows(backends, per_seed, claim) -> list[dict]:
    """Per-seed values of each backend with ✓/✗, and |Δ| between the first two backends."""
    if not any(v is not None for vs in per_seed.values() for v in vs):
        return []  # nothing measured (ERROR, SKIP): the messages say why
    n = max(len(v) for v in per_seed.values())
    rows = []
    for i in range(n):
        vals = {b: (per_seed[b][i] if i < len(per_seed[b]) else None) for b in backends}
        cells = {b: {"value": fmt(v, 6), "ok": None if v is None or claim is None else claim.expect.margin(v) >= 0}
                 for b, v in vals.items()}
        rows.append({"seed": i, "cells": cells, "delta": _delta([vals[b] for b in backends])})
    return rows


def _delta(values) -> str:
    v = [x for x in values if x is not None]
    return fmt(abs(v[0] - v[1]), 2) if len(values) == 2 and len(v) == 2 else ""


def _wall(row, meta: dict):
    claim_wall = meta.get("claim_wall_s") or {}
    return claim_wall.get(f"{row.paper}.{row.claim}", row.wall_s)


def make_card(g: pd.DataFrame, claim, details: dict, figs: Figures) -> dict:
    """Everything one claim's card shows, for every backend that ran it."""
    first, rows_g = g.iloc[0], list(g.itertuples())  # itertuples once: it costs ~4 ms a call
    backends = list(g.backend)
    metas = {r.backend: details.get((r.paper, r.backend, r.profile, r.variant), {}).get("meta", {})
             for r in rows_g}
    per_seed = {r.backend: list(details.get((r.paper, r.backend, r.profile, r.variant), {}).get("per_seed", {})
                                .get(r.claim, [])) for r in rows_g}
    rows = [{"backend": r.backend, "status": r.status, "measured": fmt(r.measured, 6), "margin": fmt(r.margin, 3),
             "held": r.seeds_held, "run": r.seeds_run, "need": r.must_hold, "message": r.message or "",
             "wall": fmt(_wall(r, metas[r.backend]), 3)} for r in rows_g]
    figures = [{"backend": r.backend, "ref": figs.ref(r.figure),
                "why_not": _no_figure_reason(claim, r, metas[r.backend])} for r in rows_g]
    kind, _, where = str(first.source).partition(": ")
    status = worst(g.status)
    anchor = f"{first.paper}-{first.profile}-{first.claim}" + (f"-{first.variant}" if first.variant else "")
    return {"paper": first.paper, "profile": first.profile, "claim": first.claim, "status": status,
            "variant": first.variant, "anchor": anchor, "statement": first.statement,
            "source_kind": kind, "source_where": where, "expected": first.expected, "why": first.why,
            "note": first.note or "", "rows": rows, "backends": backends,
            "statuses": " ".join(f"{b}:{s}" for b, s in zip(g.backend, g.status, strict=True)),
            "by_backend": dict(zip(g.backend, g.status, strict=True)),
            "seed_rows": _seed_rows(backends, per_seed, claim),
            "median_delta": _delta([r.measured if r.measured == r.measured else None for r in rows_g]),
            "strip": make_strip(claim.expect, per_seed) if claim is not None else None,
            "figures": figures, "default_fig": _default_figure(figures, g)}


def _default_figure(figures, g) -> str:
    """The backend whose figure opens first: the one with the worst status that has a figure."""
    have = [(RANK.get(s, -1), i, b) for i, (b, s, f) in enumerate(zip(g.backend, g.status, figures, strict=True))
            if f["ref"]]
    return min(have)[2] if have else ""


def _reason(card: dict) -> str:
    """One line for the not-passing list: the note for a FAIL, else the message of the first backend."""
    msgs = [r["message"] for r in card["rows"] if r["message"]]
    if card["status"] == "FAIL":
        measured = ", ".join(f"{r['backend']} {r['measured']}" for r in card["rows"] if r["measured"])
        head = f"measured {measured}; expected {card['expected']}"
        return f"{head}. {card['note']}" if card["note"] else head
    return msgs[0] if msgs else card["note"]


def context(df: pd.DataFrame, out_root: Path, profile: str | None) -> dict:
    """The template's whole input."""
    df = ordered(df)
    claims = _claims(df.paper.unique())
    variants = bool((df.variant.fillna("") != "").any())
    details = run_details(out_root, profile, variants)
    figs = Figures()
    keyed = df[df.status != "BROKEN"]  # BROKEN: a run folder that cannot be read, one row per run
    cards = [make_card(g, claims.get((paper, claim)), details, figs)
             for _, g in keyed.groupby(["paper", "profile", "variant", "claim"], sort=False)
             for paper, claim in [(g.paper.iloc[0], g.claim.iloc[0])]]
    broken = df[df.status == "BROKEN"]
    not_passing = sorted((c for c in cards if c["status"] in NOT_PASSING),
                         key=lambda c: NOT_PASSING.index(c["status"]))
    for c in not_passing:
        c["reason"] = _reason(c)
    sections = []
    for (paper, prof), group in pd.DataFrame(cards, columns=["paper", "profile"]).groupby(
            ["paper", "profile"], sort=False):
        sections.append({"paper": paper, "profile": prof, "id": f"{paper}-{prof}",
                         "info": _info(paper), "cards": [cards[i] for i in group.index]})
    totals = {s: int((df.status == s).sum()) for s in TOTALS if (df.status == s).any() or s != "BROKEN"}
    return {"sections": sections, "not_passing": not_passing, "broken": broken.to_dict("records"),
            "totals": totals, "n_claims": len(cards), "backends": list(dict.fromkeys(df.backend)),
            "papers": list(dict.fromkeys(df.paper)), "provenance": provenance(details),
            "figure_defs": figs.defs, "symbol": SYMBOL, "profiles": sorted(set(df.profile)), "variants": variants}


def _info(paper: str):
    try:
        return registry.load_paper(paper).info
    except (ParamsError, ImportError, ValueError):
        return None
