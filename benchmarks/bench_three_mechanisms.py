"""Closed form vs gradient-descent simulation of the linear model, and the MLP's SGD step, per backend
(Xu & Ziyin, arXiv 2401.07085v3).

Linear model: one small-init run (sigma = 0.3/√d, a = 1, eta_w/eta_u = 0.5) to t = 10/K∞, recorded on a
100-point grid. The closed form (`measures.compute_exact_on_grid`) is exact to ~1e-12 on any grid; GD
(`ops.simulate_gd`) takes h·K_max = HK steps (1,000 here, error ~1e-3 of |a|; the claims use 1e-3·h for
~1e-4). extra_info holds each method's measured error and, for GD, its time over the closed form's
(`simulation_over_closed_form`). MLP (C7): STEPS SGD steps (`ops.mlp_train`) of the fast profile's
64-256-256-10 float32 network on digits, minibatch 128.
"""
from __future__ import annotations

import numpy as np
import pytest

from claimbench.bench import record_ratio
from claimbench.seeding import make_rng
from papers.three_mechanisms import data, measures
from papers.three_mechanisms.config import Params

pytestmark = pytest.mark.benchmark(group="three_mechanisms")
HK = 1e-2
RECORDS = 100
STEPS = 20  # MLP SGD steps per round
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


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_mlp_sgd_steps(benchmark, kit, backend):
    p, ops = kit.fast(Params, "three_mechanisms"), kit.ops("three_mechanisms", backend)
    digits = data.make_data(p.mlp_probes)
    inputs = ops.mlp_inputs(digits)
    idx = data.batch_schedule(0, STEPS, len(digits["x_train"]), p.mlp_batch, "bench")
    state = {"theta": ops.mlp_params(data.init_weights(0, p.mlp_width, 1.0, "bench"))}

    def steps():  # lr 1e-3 keeps the weights finite over every round
        state["theta"] = ops.mlp_train(state["theta"], inputs, idx, 1e-3, "bench")
        if backend == "jax":  # jax returns before the work is done (async dispatch)
            import jax

            jax.block_until_ready(state["theta"])

    benchmark.pedantic(steps, rounds=5, iterations=1, warmup_rounds=1)
    benchmark.extra_info.update(backend=backend, device=kit.device, dtype="float32", width=p.mlp_width,
                                batch=p.mlp_batch, steps_per_round=STEPS)
    if benchmark.stats:
        benchmark.extra_info["ms_per_step"] = 1e3 * benchmark.stats.stats.median / STEPS
