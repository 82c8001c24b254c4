"""Frontier figures: a claim's margin over a sweep's grid, with the PASS/FAIL boundary drawn.

The margin is in the claim's metric units and is >= 0 exactly where the claim holds (for a k-of-n
claim, the margin of the k-th best seed), so the boundary is the margin's zero line.
1 swept key: margin against the value, one line per backend; filled markers PASS, open markers FAIL,
grey crosses ERROR; the zero line and the profile's own value (dotted) drawn.
2 or more: a heatmap per backend (columns) and per combination of the third and later keys (rows);
blue holds, red fails, grey is ERROR; thick black edges separate PASS from FAIL cells, a dashed box
marks the profile's own point. Drawn from the tidy table only (the report reads files, never memory).
"""
from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from claimbench.report.theme import new_figure, save_figure

MAX_PANEL_ROWS = 6
PASS_COLOR, FAIL_COLOR, BAD_COLOR = "#1a7f37", "#cf222e", "#8c959f"


def _label(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _numeric(values: list) -> bool:
    return all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in values)


def _same(a: Any, b: Any) -> bool:
    """Grid value equality across CSV round trips (lists are JSON text in the table)."""
    if isinstance(a, (list, tuple)):
        a = json.dumps(list(a))
    if isinstance(b, (list, tuple)):
        b = json.dumps(list(b))
    if _numeric([a, b]):
        return math.isclose(float(a), float(b), rel_tol=1e-12)
    return str(a) == str(b)


def draw(df: pd.DataFrame, grid: dict[str, list], canonical: dict, claim: str, title: str, outdir: Path,
         name: str) -> str:
    """Draw one claim's frontier from its rows of the tidy table; return the png file name."""
    rows = df[df.claim == claim]
    keys = list(grid)
    if len(keys) == 1:
        fig = _line(rows, keys[0], grid[keys[0]], canonical.get(keys[0]))
    else:
        fig = _heatmaps(rows, keys, grid, canonical)
    fig.suptitle(title)
    return save_figure(fig, outdir, name)


def _line(rows: pd.DataFrame, key: str, values: list, canon: Any):
    fig, axes = new_figure(width=5.8, height=3.6)
    ax = axes[0, 0]
    numeric = _numeric(values)
    pos = {_label(v): (float(v) if numeric else i) for i, v in enumerate(values)}
    for backend, g in rows.groupby("backend", sort=False):
        x = np.array([pos[_label(v)] for v in g[key]], dtype=float)
        m = pd.to_numeric(g.margin, errors="coerce").to_numpy(dtype=float)
        order = np.argsort(x)
        line, = ax.plot(x[order], m[order], "-", lw=1.4, label=backend)
        ok = g.status.to_numpy() == "PASS"
        bad = g.status.to_numpy() == "FAIL"
        ax.plot(x[ok], m[ok], "o", color=line.get_color(), ms=7)
        ax.plot(x[bad], m[bad], "o", mfc="white", mec=line.get_color(), mew=1.8, ms=7)
        err = ~(ok | bad)
        ax.plot(x[err], np.zeros(err.sum()), "x", color=BAD_COLOR, ms=9, mew=2,
                label="ERROR (no value)" if err.any() else None)
    ax.axhline(0.0, color="black", lw=1.3, label="PASS/FAIL boundary")
    lo, hi = ax.get_ylim()
    ax.axhspan(0, max(hi, 0), color=PASS_COLOR, alpha=0.07, lw=0)
    ax.axhspan(min(lo, 0), 0, color=FAIL_COLOR, alpha=0.07, lw=0)
    _mark_canonical_x(ax, values, canon, pos, numeric, key)
    if numeric and min(pos.values()) > 0 and max(pos.values()) / min(pos.values()) >= 10:
        ax.set_xscale("log")
    if not numeric:
        ax.set_xticks(list(pos.values()), list(pos))
    _maybe_symlog(ax, pd.to_numeric(rows.margin, errors="coerce"))
    ax.set_xlabel(key)
    ax.set_ylabel("margin (≥ 0: holds)")
    ax.legend(loc="best", fontsize=8)
    return fig


def _mark_canonical_x(ax, values, canon, pos, numeric, key) -> None:
    if canon is None:
        return
    on_grid = [v for v in values if _same(v, canon)]
    if numeric and not isinstance(canon, (list, tuple)):
        ax.axvline(float(canon), color="0.25", ls=":", lw=1.5, label=f"profile: {key}={_label(canon)}")
    elif on_grid:
        ax.axvline(pos[_label(on_grid[0])], color="0.25", ls=":", lw=1.5, label=f"profile: {key}={_label(canon)}")


def _maybe_symlog(ax, margins: pd.Series) -> None:
    """Log-like y axis when the margins span more than three decades."""
    m = margins[np.isfinite(margins) & (margins != 0)].abs()
    if len(m) and m.max() / m.min() > 1e3:
        ax.set_yscale("symlog", linthresh=float(10 ** math.floor(math.log10(m.min()))))


def _heatmaps(rows: pd.DataFrame, keys: list[str], grid: dict, canonical: dict):
    backends = list(dict.fromkeys(rows.backend)) or ["(none)"]
    extra = list(itertools.product(*(grid[k] for k in keys[2:])))[:MAX_PANEL_ROWS]
    fig, axes = new_figure(ncols=len(backends), nrows=len(extra), width=4.8, height=3.8)
    margins = pd.to_numeric(rows.margin, errors="coerce")
    finite = margins[np.isfinite(margins)]
    span = float(finite.abs().max()) if len(finite) else 1.0
    span = span if span > 0 else 1.0
    from matplotlib.colors import TwoSlopeNorm

    norm = TwoSlopeNorm(0.0, vmin=min(float(finite.min()) if len(finite) else -span, -1e-3 * span),
                        vmax=max(float(finite.max()) if len(finite) else span, 1e-3 * span))
    for r, combo in enumerate(extra):
        sub = rows
        for k, v in zip(keys[2:], combo, strict=True):
            sub = sub[[_same(x, v) for x in sub[k]]]
        for c, backend in enumerate(backends):
            where = ", ".join(f"{k}={_label(v)}" for k, v in zip(keys[2:], combo, strict=True))
            image, on_grid = _panel(axes[r, c], sub[sub.backend == backend], keys, grid, canonical, norm)
            off = "" if on_grid else "\nprofile's own point is off this grid"
            axes[r, c].set_title(backend + (f" ({where})" if where else "") + off)
    fig.colorbar(image, ax=axes[:, -1].tolist(), label="margin (≥ 0: holds)", shrink=0.9)
    fig.text(0.5, -0.03, "✓ holds, ✗ fails, grey: ERROR; thick line: PASS/FAIL boundary; dashed box: the profile's "
             "point", ha="center", va="top", fontsize=8, color="0.3")  # below the axes (saved with bbox tight)
    return fig


def _panel(ax, rows: pd.DataFrame, keys: list[str], grid: dict, canonical: dict, norm):
    xs, ys = grid[keys[0]], grid[keys[1]]
    margin = np.full((len(ys), len(xs)), np.nan)
    status = np.full((len(ys), len(xs)), "", dtype=object)
    for r in rows.itertuples(index=False):
        d = r._asdict()
        i = next(i for i, v in enumerate(ys) if _same(v, d[keys[1]]))
        j = next(j for j, v in enumerate(xs) if _same(v, d[keys[0]]))
        margin[i, j], status[i, j] = pd.to_numeric(d["margin"], errors="coerce"), d["status"]
    import matplotlib

    cmap = matplotlib.colormaps["RdBu"].with_extremes(bad=BAD_COLOR)
    image = ax.imshow(np.ma.masked_invalid(margin), cmap=cmap, norm=norm, origin="lower", aspect="auto")
    for i, j in itertools.product(range(len(ys)), range(len(xs))):
        text = {"PASS": "✓", "FAIL": "✗"}.get(status[i, j], status[i, j] or "–")
        text += f"\n{margin[i, j]:+.2g}" if np.isfinite(margin[i, j]) else ""
        dark = np.isfinite(margin[i, j]) and abs(float(norm(margin[i, j])) - 0.5) > 0.3
        ax.text(j, i, text, ha="center", va="center", fontsize=8, color="white" if dark else "black")
    _boundaries(ax, status)
    on_grid = _box_canonical(ax, xs, ys, keys, canonical)
    ax.set_xticks(range(len(xs)), [_label(v) for v in xs])
    ax.set_yticks(range(len(ys)), [_label(v) for v in ys])
    ax.set_xlabel(keys[0])
    ax.set_ylabel(keys[1])
    ax.grid(False)
    return image, on_grid


def _boundaries(ax, status: np.ndarray) -> None:
    """Thick black edges between a PASS cell and a FAIL cell next to it."""
    def differs(a, b):
        return {a, b} == {"PASS", "FAIL"}

    n, m = status.shape
    for i, j in itertools.product(range(n), range(m)):
        if j + 1 < m and differs(status[i, j], status[i, j + 1]):
            ax.plot([j + 0.5, j + 0.5], [i - 0.5, i + 0.5], color="black", lw=3)
        if i + 1 < n and differs(status[i, j], status[i + 1, j]):
            ax.plot([j - 0.5, j + 0.5], [i + 0.5, i + 0.5], color="black", lw=3)


def _box_canonical(ax, xs, ys, keys, canonical) -> bool:
    """Box the cell of the profile's own values; False when they are not on the grid."""
    j = next((j for j, v in enumerate(xs) if _same(v, canonical.get(keys[0]))), None)
    i = next((i for i, v in enumerate(ys) if _same(v, canonical.get(keys[1]))), None)
    if i is None or j is None:
        return False
    from matplotlib.patches import Rectangle

    ax.add_patch(Rectangle((j - 0.46, i - 0.46), 0.92, 0.92, fill=False, ls="--", lw=1.8, ec="black"))
    return True
