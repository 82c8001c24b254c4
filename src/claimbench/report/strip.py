"""The per-claim strip: each seed's value on a number line, with the claim's accepted range shaded.

Pure geometry (positions in % of the strip's width); the template draws it with HTML and CSS, so it
stays sharp and legible at any width. Log scale when every value and bound is positive and they span
two decades or more.
"""
from __future__ import annotations

import math
from typing import Mapping, Sequence

from claimbench.claims import AtLeast, AtMost, Between, Close

PAD = 0.06  # fraction of the data range left free on each side


def bounds(expect) -> tuple[float | None, float | None]:
    """The accepted interval [lo, hi] of an expectation (None: open on that side)."""
    if isinstance(expect, AtLeast):
        return expect.lo, None
    if isinstance(expect, AtMost):
        return None, expect.hi
    if isinstance(expect, Between):
        return expect.lo, expect.hi
    if isinstance(expect, Close):
        # |x - target| <= atol + rtol * |target|
        tol = expect.atol + expect.rtol * abs(expect.target)
        return expect.target - tol, expect.target + tol
    return None, None


def _axis(points: Sequence[float]) -> tuple[bool, float, float]:
    """(log scale?, left end, right end) in transformed units, padded."""
    log = min(points) > 0 and max(points) / min(points) >= 100
    t = [math.log10(p) for p in points] if log else list(points)
    lo, hi = min(t), max(t)
    span = hi - lo or (abs(hi) * 0.2 or 1.0)
    return log, lo - PAD * span, hi + PAD * span


def make_strip(expect, values: Mapping[str, Sequence[float | None]], fmt=lambda x: f"{x:.4g}") -> dict | None:
    """Geometry of the strip for values {backend: per-seed values}; None if nothing was measured."""
    finite = {b: [v for v in vs if v is not None and math.isfinite(v)] for b, vs in values.items()}
    if not any(finite.values()):
        return None
    lo, hi = bounds(expect)
    limits = [x for x in (lo, hi) if x is not None]
    log, left, right = _axis([v for vs in finite.values() for v in vs] + limits)

    def pos(x: float) -> float:
        t = math.log10(x) if log else x
        return round(min(100.0, max(0.0, 100 * (t - left) / (right - left))), 2)

    z0, z1 = (pos(lo) if lo is not None else 0.0), (pos(hi) if hi is not None else 100.0)
    ticks = [{"pos": pos(x), "label": fmt(x)} for x in dict.fromkeys(limits)]
    lanes = [{"backend": b, "dots": [{"pos": pos(v), "ok": expect.margin(v) >= 0, "label": f"seed {i}: {fmt(v)}"}
                                     for i, v in enumerate(vs) if v is not None and math.isfinite(v)]}
             for b, vs in values.items()]
    return {"log": log, "zone_left": z0, "zone_width": max(z1 - z0, 0.6), "ticks": ticks, "lanes": lanes}
