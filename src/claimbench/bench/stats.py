"""The A/B statistic: ratio of medians HEAD/BASE over paired rounds, with a bootstrap confidence interval.

Round i gives one time per side (that process's median over its own repetitions); BASE and HEAD of a
round ran next to each other, so a round is a pair. Resampling whole pairs (a paired bootstrap,
`scipy.stats.bootstrap(paired=True)`) keeps what the two sides of a round share (the machine's state
at that moment) out of the interval, which is what makes the gate survive drift.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

CONFIDENCE = 0.95
RESAMPLES = 9999
SEED = 14  # the interval is a pure function of the timings: same timings, same interval


@dataclass(frozen=True)
class RatioCI:
    """HEAD/BASE ratio of medians and its confidence interval [low, high]."""

    ratio: float
    low: float
    high: float


def _median_ratio(base, head, axis=-1):
    # r = median(HEAD times) / median(BASE times)
    return np.median(head, axis=axis) / np.median(base, axis=axis)


def ratio_ci(base: list[float], head: list[float], confidence: float = CONFIDENCE) -> RatioCI:
    """Ratio of medians HEAD/BASE with a paired percentile-bootstrap interval (base[i], head[i]: round i)."""
    b, h = np.asarray(base, float), np.asarray(head, float)
    if b.shape != h.shape or b.ndim != 1 or len(b) < 2:
        raise ValueError(f"need two paired samples of equal length >= 2, got {len(b)} and {len(h)}")
    if not (np.all(b > 0) and np.all(h > 0)):
        raise ValueError("times must be positive")
    r = float(_median_ratio(b, h))
    from scipy import stats  # here, not at the top: ~1.5 s of import that the report page does not need

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # identical resamples (tiny n) are a valid, degenerate case
        res = stats.bootstrap((b, h), _median_ratio, paired=True, vectorized=True, confidence_level=confidence,
                              n_resamples=RESAMPLES, method="percentile", rng=np.random.default_rng(SEED))
    lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        lo, hi = r, r
    return RatioCI(r, min(lo, r), max(hi, r))


def verdict(ci: RatioCI, threshold: float) -> str:
    """'slower' (the gate fails: the whole interval is above threshold), 'faster', 'same' or 'unclear'."""
    if ci.low > threshold:
        return "slower"
    if ci.high < 1 / threshold:
        return "faster"
    if 1 / threshold <= ci.low and ci.high <= threshold:
        return "same"
    return "unclear"
