"""Closed-form trajectory vs gradient-descent simulation of the linear model (Xu & Ziyin, arXiv 2401.07085v3).

Run: OMP_NUM_THREADS=1 .venv/bin/python -m pytest benchmarks/bench_three_mechanisms.py --benchmark-only
One small-init run (sigma = 0.3/√d, a = 1, eta_w/eta_u = 0.5) to t = 10/K∞ on a 100-point grid. GD
uses h·K_max = HK, which puts its error at ~1e-4 of |a| (C1); the closed form is exact to ~1e-12 at
any grid, so "equal accuracy" means: each method evaluated on the same grid, GD at the accuracy the
claims use. extra_info holds the measured error of each method, the width and the GD step count.
C7's kernels (two-layer GD steps, MLP SGD blocks, the NTK power iteration) are timed per backend below;
compare torch with jax on the same kernel (issue 17's ratio), medians, never one timing.
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


# ---- C7 kernels: two-layer GD steps (Fig. 1), MLP SGD blocks and the NTK power iteration (Figs. 2, 3) ----

TL_WIDTH, TL_STEPS = 1024, 200


@pytest.mark.parametrize("act", ["linear", "sigmoid"])
@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_twolayer_gd_steps(benchmark, backend, act):
    """TL_STEPS GD steps of the two Fig. 1 cases (stop = 0: no run freezes early), every step recorded."""
    from papers.three_mechanisms import data_c7
    from papers.three_mechanisms.config import Params

    impl = pytest.importorskip(f"papers.three_mechanisms.{backend}_impl")
    params = Params(tl_width=TL_WIDTH)
    z = data_c7.make_grid(params.tl_points)
    init = data_c7.init_twolayer(params, 0, act, z)
    run = lambda: impl.twolayer_gd(init["u0"], init["w0"], z, init["y"], act, 0.1, 0.0, TL_STEPS, 1)  # noqa: E731
    out = benchmark.pedantic(run, rounds=3, iterations=1, warmup_rounds=1)
    benchmark.extra_info.update(backend=backend, act=act, width=TL_WIDTH, runs=2, steps=int(out["steps"].max()))


MLP_SIZES = {"two_layer": (64, 128, 10), "four_layer": (64, 128, 128, 128, 10)}


def _mlp(backend: str, net: str):
    from papers.three_mechanisms import data_c7

    impl = pytest.importorskip(f"papers.three_mechanisms.{backend}_impl")
    ops = impl.make_ops("cpu")
    digits = data_c7.make_data(64)
    return ops, ops.mlp_inputs(digits), ops.mlp_params(data_c7.init_weights(0, MLP_SIZES[net], 1.0, "bench")), \
        data_c7.batch_schedule(0, 10, len(digits["x_train"]), 128, "bench"), data_c7.power_start(0, 64, "bench")


@pytest.mark.parametrize("net", list(MLP_SIZES))
@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_mlp_sgd_block(benchmark, backend, net):
    """One block of 10 SGD steps (batch 128) of a C7b/C7c MLP on digits."""
    ops, inputs, theta, idx, _ = _mlp(backend, net)
    benchmark.pedantic(lambda: ops.mlp_state(ops.mlp_sgd(theta, inputs, idx, 1e-3), inputs), rounds=5,
                       iterations=1, warmup_rounds=1)
    benchmark.extra_info.update(backend=backend, net=net, steps=10, batch=128)


@pytest.mark.parametrize("net", list(MLP_SIZES))
@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_mlp_power_iteration(benchmark, backend, net):
    """Four warm-started power iterations for λ_max of the probe NTK (64 probes × 10 outputs)."""
    ops, inputs, theta, _, v = _mlp(backend, net)
    lam, _ = benchmark.pedantic(lambda: ops.mlp_top_eig(theta, inputs, v, 4), rounds=5, iterations=1,
                                warmup_rounds=1)
    benchmark.extra_info.update(backend=backend, net=net, iters=4, probes=64, lam=lam)
