"""What a sweep is (a grid over a paper's params) and its points, every one validated before anything runs.

A named sweep lives in params.yaml under its paper, next to the profiles:

    bottleneck_rank:
      smoke: {...}
      fast: {...}
      sweeps:
        depth_lambda:
          doc: where the bottleneck appears, by depth and L2 strength
          grid: {depth: [6, 12], weight_decay: [3.0e-3, 1.0e-2]}   # Cartesian product, in this order
          profile: fast          # default fast
          backend: jax           # torch (default) | jax | all
          seeds: 1               # default: each claim's own
          set: {steps: 3000}     # fixed overrides for every point
          claims: [c1_count_k_or_k_plus_1]   # default: every claim of the profile

An ad-hoc sweep comes from `--grid KEY=V1,V2,...` (values read as YAML: `--grid depths=[6,8],[8,12]`).
"""
from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from claimbench import params as params_mod
from claimbench import registry, runner, strict_yaml
from claimbench.claims import PROFILES
from claimbench.params import ParamsError, show, show_name, show_path

SWEEP_KEYS = ("doc", "grid", "profile", "backend", "seeds", "set", "claims")
MAX_POINTS = 1000  # per sweep and backend: more is a typo, not an experiment
MAX_KEYS = 6


@dataclass(frozen=True)
class Sweep:
    """A grid over one paper's params: every combination of `grid` values on top of `fixed` overrides."""

    paper: str
    name: str
    grid: tuple[tuple[str, tuple], ...]  # (key, values) in grid order
    profile: str = "fast"
    backends: tuple[str, ...] = ("torch",)
    seeds: int | None = None
    fixed: tuple[tuple[str, Any], ...] = ()
    claims: tuple[str, ...] = ()
    doc: str = ""

    @property
    def keys(self) -> list[str]:
        return [k for k, _ in self.grid]

    def combos(self) -> list[dict]:
        """Every grid combination as {key: raw value}, first key varying slowest."""
        values = itertools.product(*(v for _, v in self.grid))
        return [dict(zip(self.keys, vals, strict=True)) for vals in values]


@dataclass(frozen=True)
class Point:
    """One grid point on one backend: its validated run spec (not configured) and grid values."""

    sweep: Sweep
    values: tuple[tuple[str, Any], ...]  # grid key -> validated value
    spec: runner.RunSpec

    @property
    def backend(self) -> str:
        return self.spec.backend


def backends_of(raw: str) -> tuple[str, ...]:
    """'torch' | 'jax' | 'all' as a tuple of backends."""
    if raw == "all":
        return registry.BACKENDS
    registry.check_backend(raw)
    return (raw,)


def parse_grid(items: list[str]) -> tuple[tuple[str, tuple], ...]:
    """`--grid KEY=V1,V2,...` options as ((key, values), ...); values are read as one YAML flow list."""
    grid: dict[str, tuple] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key or not raw.strip():
            raise ParamsError(f"--grid {show(item)}: expected KEY=V1,V2,...")
        if key in grid:
            raise ParamsError(f"--grid {show_name(key)}: given twice")
        try:
            values = strict_yaml.loads(f"[{raw}]")
        except Exception:  # noqa: BLE001 - strict or plain YAML error: one line either way
            raise ParamsError(f"--grid {show_name(key)}: {show(raw)} is not a comma-separated list of values") from None
        if not isinstance(values, list) or not values:
            raise ParamsError(f"--grid {show_name(key)}: expected at least one value")
        grid[key] = tuple(values)
    if len(grid) > MAX_KEYS:
        raise ParamsError(f"--grid: {len(grid)} keys; a sweep varies at most {MAX_KEYS}")
    return tuple(grid.items())


def adhoc_name(grid: tuple[tuple[str, tuple], ...], fixed: Mapping, seeds: int | None, claims) -> str:
    """The folder name of an unnamed sweep: its keys and a hash of its definition."""
    text = json.dumps([[k, list(v)] for k, v in grid] + [sorted(fixed.items()), seeds, sorted(claims)],
                      sort_keys=True, default=str)
    return "grid-" + "-".join(k for k, _ in grid)[:60] + "-" + hashlib.sha256(text.encode()).hexdigest()[:8]


def _where(path: Path, paper: str, name: str, key: str | None = None, mapping: Any = None) -> str:
    line = getattr(mapping, "lines", {}).get(key) if mapping is not None and key else None
    at = f"{show_path(path)} line {line}" if line else show_path(path)
    return f"{at}: {paper}.sweeps.{name}" + (f".{key}" if key else "")


def named_sweeps(params_path: Path, paper: str) -> dict[str, Sweep]:
    """The sweeps defined in params.yaml for `paper` ({} when it has none), checked for shape."""
    data = params_mod.read_yaml(params_path)
    section = data.get(paper)
    sweeps = section.get("sweeps") if isinstance(section, Mapping) else None
    if sweeps is None:
        return {}
    if not isinstance(sweeps, Mapping):
        raise ParamsError(f"{show_path(params_path)}: {paper}.sweeps: expected a mapping of named sweeps")
    return {str(name): _sweep(params_path, paper, str(name), body) for name, body in sweeps.items()}


def _sweep(path: Path, paper: str, name: str, body: Any) -> Sweep:
    if not isinstance(body, Mapping):
        raise ParamsError(f"{_where(path, paper, name)}: expected a mapping with keys {', '.join(SWEEP_KEYS)}")
    for key in body:
        if key not in SWEEP_KEYS:
            raise ParamsError(f"{_where(path, paper, name, key, body)}: unknown key; allowed: {', '.join(SWEEP_KEYS)}")
    grid = body.get("grid")
    if not isinstance(grid, Mapping) or not grid or len(grid) > MAX_KEYS:
        raise ParamsError(f"{_where(path, paper, name, 'grid', body)}: expected a mapping of 1 to {MAX_KEYS} "
                          "keys, each with a list of values")
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise ParamsError(f"{_where(path, paper, name, 'grid', body)}.{show_name(key)}: expected a non-empty "
                              "list of values")
    fixed, claims, doc = body.get("set", {}) or {}, body.get("claims", []) or [], body.get("doc", "") or ""
    if not isinstance(fixed, Mapping):
        raise ParamsError(f"{_where(path, paper, name, 'set', body)}: expected a mapping of key: value")
    if not isinstance(claims, list) or not all(isinstance(c, str) for c in claims):
        raise ParamsError(f"{_where(path, paper, name, 'claims', body)}: expected a list of claim names")
    profile = body.get("profile", "fast")
    if profile not in PROFILES:
        raise ParamsError(f"{_where(path, paper, name, 'profile', body)}: {show(profile)} is not one of "
                          f"{list(PROFILES)}")
    try:
        backends = backends_of(body.get("backend", "torch"))
        seeds = body.get("seeds")
        if seeds is not None and (isinstance(seeds, bool) or not isinstance(seeds, int)
                                  or not 1 <= seeds <= runner.MAX_SEEDS):
            raise ParamsError(f"{show(seeds)}: expected an integer in [1, {runner.MAX_SEEDS}]")
    except ParamsError as exc:
        raise ParamsError(f"{_where(path, paper, name)}: {exc}") from None
    return Sweep(paper, name, tuple((str(k), tuple(v)) for k, v in grid.items()), profile, backends, seeds,
                 tuple(fixed.items()), tuple(claims), str(doc))


def plan(sweep: Sweep, params_path: Path, *, device: str = "cpu", threads: int = 1, origin: str = "") -> list[Point]:
    """Every point of the sweep on every backend, validated (ParamsError naming the point if one is bad)."""
    n = 1
    for _, values in sweep.grid:
        n *= len(values)
    if n > MAX_POINTS:
        raise ParamsError(f"{origin or 'sweep ' + sweep.name}: {n} points; a sweep has at most {MAX_POINTS}")
    loaded = registry.load_paper(sweep.paper)
    for name in sweep.claims:
        claim = next((c for c in loaded.claims if c.name == name), None)
        if claim is not None and sweep.profile not in claim.profiles:
            raise ParamsError(f"{origin or 'sweep ' + sweep.name}: claim {name!r} does not run in profile "
                              f"{sweep.profile!r} (it runs in {', '.join(claim.profiles)})")
    points = []
    for backend in sweep.backends:
        for combo in sweep.combos():
            points.append(_point(sweep, backend, combo, params_path, device, threads, origin))
    return points


def _point(sweep: Sweep, backend: str, combo: dict, params_path: Path, device: str, threads: int,
           origin: str) -> Point:
    overrides = {**dict(sweep.fixed), **combo}
    label = origin or f"sweep {sweep.name}"
    try:
        spec = runner.make_spec(sweep.paper, backend, sweep.profile, params_path=params_path, overrides=overrides,
                                device=device, seeds=sweep.seeds, threads=threads, only=sweep.claims,
                                configure=False, origin=label)
    except ParamsError as exc:
        point = ", ".join(f"{k}={show(v, 30)}" for k, v in combo.items())
        raise ParamsError(f"{label}, point {point}: {exc}") from None
    return Point(sweep, tuple((k, getattr(spec.params, k)) for k in combo), spec)


def canonical_values(sweep: Sweep, params_path: Path) -> dict[str, Any]:
    """The profile's own values of the swept keys (where the canonical run sits on the grid)."""
    loaded = registry.load_paper(sweep.paper)
    base = params_mod.load(loaded.params_cls, params_path, sweep.paper, sweep.profile)
    return {k: getattr(base, k) for k in sweep.keys}
