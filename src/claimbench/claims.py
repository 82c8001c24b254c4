"""Claims as data: what a paper states, how it is measured, and how a verdict is reached.

A `Claim` names one scalar metric of an experiment's measurements and an expectation on it
(`Close`, `AtLeast`, `AtMost`, `Between`), with the written reason for the tolerance and a
k-of-n seeds rule. `evaluate` turns the per-seed values into a `Verdict`. Pure data and numpy-free
logic: imports neither torch nor jax.
"""
from __future__ import annotations

import math
import numbers
import statistics
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal, Mapping, Sequence, Union

PROFILES = ("smoke", "fast", "full")


def _check_finite(name: str, **values: float) -> None:
    for key, v in values.items():
        if not isinstance(v, numbers.Real) or not math.isfinite(v):
            raise ValueError(f"{name}.{key} must be a finite number, got {v!r}")


def _num(x: float) -> str:
    """Short form of a threshold that never rounds it to a different number (0.999999999 stays)."""
    short = f"{x:g}"
    return short if float(short) == x else repr(float(x))


class Status(str, Enum):
    """Outcome of one claim on one backend and profile."""

    PASS = "PASS"
    FAIL = "FAIL"
    ERROR = "ERROR"
    SKIP = "SKIP"


@dataclass(frozen=True)
class Source:
    """Where a claim comes from: the paper itself (section/figure/abstract) or derived by us."""

    kind: Literal["paper", "derived"]
    where: str

    def __post_init__(self):
        if self.kind not in ("paper", "derived"):
            raise ValueError(f"Source.kind must be 'paper' or 'derived', got {self.kind!r}")

    def __str__(self) -> str:
        return f"{self.kind}: {self.where}"


@dataclass(frozen=True)
class Close:
    """|x - target| <= atol + rtol * |target|."""

    target: float
    rtol: float = 0.0
    atol: float = 0.0

    def __post_init__(self):
        _check_finite("Close", target=self.target, rtol=self.rtol, atol=self.atol)
        if self.rtol < 0 or self.atol < 0:
            raise ValueError(f"Close needs rtol, atol >= 0, got {self.rtol}, {self.atol}")

    def margin(self, x: float) -> float:
        return self.atol + self.rtol * abs(self.target) - abs(x - self.target)

    def __str__(self) -> str:
        parts = [f"rtol {self.rtol:g}"] if self.rtol else []
        parts += [f"atol {self.atol:g}"] if self.atol else []
        return f"≈ {_num(self.target)} ({', '.join(parts) or 'exact'})"


@dataclass(frozen=True)
class AtLeast:
    """x >= lo."""

    lo: float

    def __post_init__(self):
        _check_finite("AtLeast", lo=self.lo)

    def margin(self, x: float) -> float:
        return x - self.lo

    def __str__(self) -> str:
        return f"≥ {_num(self.lo)}"


@dataclass(frozen=True)
class AtMost:
    """x <= hi."""

    hi: float

    def __post_init__(self):
        _check_finite("AtMost", hi=self.hi)

    def margin(self, x: float) -> float:
        return self.hi - x

    def __str__(self) -> str:
        return f"≤ {_num(self.hi)}"


@dataclass(frozen=True)
class Between:
    """lo <= x <= hi."""

    lo: float
    hi: float

    def __post_init__(self):
        _check_finite("Between", lo=self.lo, hi=self.hi)
        if not self.lo <= self.hi:
            raise ValueError(f"Between needs lo <= hi, got {self.lo} > {self.hi}")

    def margin(self, x: float) -> float:
        return min(x - self.lo, self.hi - x)

    def __str__(self) -> str:
        return f"in [{_num(self.lo)}, {_num(self.hi)}]"


Expectation = Union[Close, AtLeast, AtMost, Between]


@dataclass(frozen=True)
class Claim:
    """One checkable statement of a paper.

    `id` is "<paper>.<name>"; `experiment` names the function (a key of the backend module's
    EXPERIMENTS) whose measurements hold `metric`. The claim holds if `expect` holds in at least
    `must_hold` of `seeds` seeds. `profiles` lists where the claim runs; elsewhere it is SKIP with
    `skip_why` shown. `figure` names a figure drawn by the paper's figures.py.
    """

    id: str
    statement: str
    source: Source
    experiment: str
    metric: str
    expect: Expectation
    why: str
    seeds: int = 1
    must_hold: int = 1
    profiles: tuple[str, ...] = PROFILES
    skip_why: str = ""
    figure: str | None = None
    note: str = ""

    def __post_init__(self):
        if "." not in self.id:
            raise ValueError(f"Claim id {self.id!r} must be '<paper>.<name>'")
        if not 1 <= self.must_hold <= self.seeds:
            raise ValueError(f"{self.id}: need 1 <= must_hold <= seeds, got {self.must_hold}/{self.seeds}")
        if not self.why.strip():
            raise ValueError(f"{self.id}: every tolerance needs a written reason in `why`")
        unknown = set(self.profiles) - set(PROFILES)
        if unknown:
            raise ValueError(f"{self.id}: unknown profiles {sorted(unknown)}; allowed {PROFILES}")

    @property
    def paper(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.id.split(".", 1)[1]


@dataclass(frozen=True)
class Verdict:
    """The outcome of evaluating one claim: measured value(s), expectation, margin, seeds that held."""

    claim_id: str
    status: Status
    measured: float | None = None
    per_seed: tuple[float | None, ...] = ()
    expected: str = ""
    margin: float | None = None
    seeds_held: int = 0
    seeds_run: int = 0
    must_hold: int = 0
    message: str = ""
    extra: Mapping[str, object] = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["status"] = self.status.value
        d["per_seed"] = list(self.per_seed)
        d["extra"] = dict(self.extra)
        return d

    @classmethod
    def from_dict(cls, d: Mapping) -> "Verdict":
        d = {k: v for k, v in d.items() if k != "wall_s"}  # wall_s: files written before it moved to meta.json
        d["status"] = Status(d["status"])
        d["per_seed"] = tuple(d.get("per_seed", ()))
        return cls(**d)


def scaled_must_hold(claim: Claim, n_seeds: int) -> int:
    """The k of a k-of-n rule when the run uses n_seeds instead of claim.seeds (same fraction, rounded up)."""
    if n_seeds == claim.seeds:
        return claim.must_hold
    return max(1, math.ceil(claim.must_hold * n_seeds / claim.seeds))


def _is_finite_real(v) -> bool:
    """True for a finite python/numpy real number or bool (an array, tensor or None is not a metric value)."""
    return isinstance(v, numbers.Real) and math.isfinite(float(v))


def evaluate(claim: Claim, values: Sequence[float | None], errors: Sequence[str] = ()) -> Verdict:
    """Apply the claim's expectation to one value per seed and the k-of-n rule.

    `values[i]` is the metric for seed i (None if the experiment broke for that seed; `errors`
    then says why). A NaN or missing value makes the verdict ERROR: the run broke, the claim was
    not tested. `measured` is the median over seeds; `margin` is the margin of the must_hold-th
    best seed, so it is >= 0 exactly when the claim holds (units of the metric).
    """
    n = len(values)
    k = scaled_must_hold(claim, n)
    common = dict(claim_id=claim.id, expected=str(claim.expect), seeds_run=n, must_hold=k)
    bad = [i for i, v in enumerate(values) if not _is_finite_real(v)]
    if n == 0 or bad:
        msg = "; ".join(e for e in errors if e) or (
            f"metric {claim.metric!r} is NaN/inf, missing or not a number for seed(s) {bad}" if n
            else "no seeds run")
        kept = tuple(float(v) if _is_finite_real(v) else None for v in values)
        return Verdict(status=Status.ERROR, per_seed=kept, message=msg, **common)
    vals = [float(v) for v in values]
    margins = sorted((claim.expect.margin(v) for v in vals), reverse=True)
    held = sum(m >= 0 for m in margins)
    status = Status.PASS if held >= k else Status.FAIL
    return Verdict(status=status, measured=statistics.median(vals), per_seed=tuple(vals), margin=margins[k - 1],
                   seeds_held=held, **common)


def skipped(claim: Claim, profile: str) -> Verdict:
    """The SKIP verdict of a claim that does not run in this profile."""
    reason = f"runs only in profile(s) {', '.join(claim.profiles)}"
    if claim.skip_why:
        reason += f": {claim.skip_why}"
    return Verdict(claim_id=claim.id, status=Status.SKIP, expected=str(claim.expect), message=reason)
