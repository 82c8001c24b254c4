"""Closed-form trajectory vs gradient-descent simulation of the linear model (Xu & Ziyin, arXiv 2401.07085v3).

Run: OMP_NUM_THREADS=1 .venv/bin/python -m pytest benchmarks/bench_three_mechanisms.py --benchmark-only
One small-init run (sigma = 0.3/√d, a = 1, eta_w/eta_u = 0.5) to t = 10/K∞ on a 100-point grid. GD
uses h·K_max = HK, which puts its error at ~1e-4 of |a| (C1); the closed form is exact to ~1e-12 at
any grid, so "equal accuracy" means: each method evaluated on the same grid, GD at the accuracy the
claims use. extra_info holds the measured error of each method, the width and the GD step count.
"""
from __future__ import annotations

import numpy as np
import pytest

from claimbench.seeding import make_rng
from papers.three_mechanisms import data, measures

HK = 1e-3
RECORDS = 100


def _batch(width: int) -> data.LinearBatch:
    rng = make_rng(0, "bench/three_mechanisms")
    std = 0.3 / np.sqrt(width)
    cfg = data.make_config(data.gaussian(rng, width, std), data.gaussian(rng, width, std), eta_w=0.5)
    return data.make_batch([cfg], hk=HK, max_steps=10**7, n_records=RECORDS)


def _f_error(batch, f):
    ref = measures.compute_exact_on_grid(batch)["f"]
    return float(np.abs(f - ref).max() / max(abs(batch.a[0]), abs(ref[0, 0])))


@pytest.mark.parametrize("width", [16, 1024])
@pytest.mark.parametrize("backend", ["closed_form", "torch", "jax"])
def test_trajectory(benchmark, backend, width):
    batch = _batch(width)
    if backend == "closed_form":
        run = lambda: measures.compute_exact_on_grid(batch)  # noqa: E731
        err_of = lambda out: _f_error(batch, out["f"])  # noqa: E731
    else:
        impl = pytest.importorskip(f"papers.three_mechanisms.{backend}_impl")
        run = lambda: impl.simulate_gd(batch, "cpu")  # noqa: E731

        def err_of(out):
            u, w, _ = out
            return _f_error(batch, measures.compute_trajectory_stats(batch, u, w)["f"])
    out = benchmark.pedantic(run, rounds=3, iterations=1, warmup_rounds=1)
    benchmark.extra_info.update(backend=backend, width=width, steps=0 if backend == "closed_form" else batch.n_steps,
                                records=RECORDS, hk=HK, rel_err_f=err_of(out) if backend != "closed_form" else 0.0)
