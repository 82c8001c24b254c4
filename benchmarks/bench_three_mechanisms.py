"""Closed form vs gradient-descent simulation of the linear model, and the C7 kernels, per backend
(Xu & Ziyin, arXiv 2401.07085v3).

Linear model: one small-init run (sigma = 0.3/√d, a = 1, eta_w/eta_u = 0.5) to t = 10/K∞, recorded on a
100-point grid. The closed form (`measures.compute_exact_on_grid`) is exact to ~1e-12 on any grid; GD
(`ops.simulate_gd`) takes h·K_max = HK steps (1,000 here, error ~1e-3 of |a|; the claims use 1e-3·h for
~1e-4). extra_info holds each method's measured error and, for GD, its time over the closed form's
(`simulation_over_closed_form`). C7's kernels (two-layer GD steps, MLP SGD blocks, the NTK power
iteration) are timed per backend through `make_ops`; compare torch with jax on the same kernel.
"""
from __future__ import annotations

import numpy as np
import pytest

from claimbench.bench import record_ratio
from claimbench.seeding import make_rng
from papers.three_mechanisms import data, measures

pytestmark = pytest.mark.benchmark(group="three_mechanisms")
HK = 1e-2
RECORDS = 100
# integrating 1,000 GD steps can never be cheaper than evaluating the closed form on 100 points
SIM_OVER_CLOSED = (1.0, 1e6)


def _batch(width: int) -> data.LinearBatch:
    rng = make_rng(0, "bench/three_mechanisms")
    std = 0.3 / np.sqrt(width)
    cfg = data.make_config(data.gaussian(rng, width, std), data.gaussian(rng, width, std), eta_w=0.5)
    return data.make_batch([cfg], hk=HK, max_steps=10**7, n_records=RECORDS)


def _f_error(batch, f) -> float:
    ref = measures.compute_exact_on_grid(batch)["f"]
    return float(np.abs(f - ref).max() / max(abs(batch.a[0]), abs(ref[0, 0])))


def _info(benchmark, kit, batch, width, **more):
    benchmark.extra_info.update(device=kit.device, dtype="float64", width=width, records=RECORDS, hk=HK, **more)


@pytest.mark.parametrize("width", [16, 1024])
def test_closed_form(benchmark, kit, width):
    batch = _batch(width)
    out = benchmark.pedantic(measures.compute_exact_on_grid, args=(batch,), rounds=5, iterations=1, warmup_rounds=1)
    _info(benchmark, kit, batch, width, backend="numpy", steps=0, rel_err_f=_f_error(batch, out["f"]))


@pytest.mark.parametrize("width", [16, 1024])
@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_gd_simulation(benchmark, kit, backend, width):
    batch, ops = _batch(width), kit.ops("three_mechanisms", backend)
    u, w, _ = benchmark.pedantic(ops.simulate_gd, args=(batch,), rounds=3, iterations=1, warmup_rounds=1)
    err = _f_error(batch, measures.compute_trajectory_stats(batch, u, w)["f"])
    _info(benchmark, kit, batch, width, backend=backend, steps=int(batch.n_steps), rel_err_f=err)
    record_ratio(benchmark, "simulation_over_closed_form", ("simulation", lambda: ops.simulate_gd(batch)),
                 ("closed_form", lambda: measures.compute_exact_on_grid(batch)), bounds=SIM_OVER_CLOSED, repeat=3)


# ---- C7 kernels: two-layer GD steps (Fig. 1), MLP SGD blocks and the NTK power iteration (Figs. 2, 3) ----

TL_WIDTH, TL_STEPS = 1024, 200


@pytest.mark.parametrize("act", ["linear", "sigmoid"])
@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_twolayer_gd_steps(benchmark, kit, backend, act):
    """TL_STEPS GD steps of the two Fig. 1 cases (stop = 0: no run freezes early), every step recorded."""
    from papers.three_mechanisms import data_c7
    from papers.three_mechanisms.config import Params

    ops = kit.ops("three_mechanisms", backend)
    params = Params(tl_width=TL_WIDTH)
    z = data_c7.make_grid(params.tl_points)
    init = data_c7.init_twolayer(params, 0, act, z)
    run = lambda: ops.twolayer_gd(init["u0"], init["w0"], z, init["y"], act, 0.1, 0.0, TL_STEPS, 1)  # noqa: E731
    out = benchmark.pedantic(run, rounds=3, iterations=1, warmup_rounds=1)
    benchmark.extra_info.update(backend=backend, device=kit.device, act=act, width=TL_WIDTH, runs=2,
                                steps=int(out["steps"].max()))


MLP_SIZES = {"two_layer": (64, 128, 10), "four_layer": (64, 128, 128, 128, 10)}


def _mlp(kit, backend: str, net: str):
    from papers.three_mechanisms import data_c7

    ops = kit.ops("three_mechanisms", backend)
    digits = data_c7.make_data(64)
    return ops, ops.mlp_inputs(digits), ops.mlp_params(data_c7.init_weights(0, MLP_SIZES[net], 1.0, "bench")), \
        data_c7.batch_schedule(0, 10, len(digits["x_train"]), 128, "bench"), data_c7.power_start(0, 64, "bench")


@pytest.mark.parametrize("net", list(MLP_SIZES))
@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_mlp_sgd_block(benchmark, kit, backend, net):
    """One block of 10 SGD steps (batch 128) of a C7b/C7c MLP on digits."""
    ops, inputs, theta, idx, _ = _mlp(kit, backend, net)
    benchmark.pedantic(lambda: ops.mlp_state(ops.mlp_sgd(theta, inputs, idx, 1e-3), inputs), rounds=5,
                       iterations=1, warmup_rounds=1)
    benchmark.extra_info.update(backend=backend, device=kit.device, net=net, steps=10, batch=128)


@pytest.mark.parametrize("net", list(MLP_SIZES))
@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_mlp_power_iteration(benchmark, kit, backend, net):
    """Four warm-started power iterations for λ_max of the probe NTK (64 probes × 10 outputs)."""
    ops, inputs, theta, _, v = _mlp(kit, backend, net)
    lam, _ = benchmark.pedantic(lambda: ops.mlp_top_eig(theta, inputs, v, 4), rounds=5, iterations=1,
                                warmup_rounds=1)
    benchmark.extra_info.update(backend=backend, device=kit.device, net=net, iters=4, probes=64, lam=lam)
