"""Cost of the bottleneck-rank training loop (Jacot 2023, arXiv 2305.19008v3), per backend.

One round is one Adam (or GD) window of STEPS full-batch steps (`ops.adam`, `ops.gd`) at the fast
profile's sizes (depth, width, n, float64); the jax window (one jitted lax.scan) is compiled in the
warm-up round. extra_info has ms per step. The torch kernels backpropagate by hand on a flat parameter
vector (torch_impl's docstring says why).
"""
from __future__ import annotations

import dataclasses

import pytest

from papers.bottleneck_rank import data as data_mod
from papers.bottleneck_rank.config import Params

pytestmark = pytest.mark.benchmark(group="bottleneck_rank")
STEPS = 40


def _setup(kit, backend: str):
    """(ops, params with a STEPS window, task, initial net) at the fast profile."""
    ops = kit.ops("bottleneck_rank", backend)
    p = dataclasses.replace(kit.fast(Params, "bottleneck_rank"), steps=STEPS, conv_window=STEPS, conv_tol=0.0)
    return ops, p, data_mod.make_data(p, 0), data_mod.init_weights(p, 0, p.depth)


def _info(benchmark, kit, backend, p):
    benchmark.extra_info.update(backend=backend, device=kit.device, dtype=p.dtype, depth=p.depth, width=p.width,
                                n_samples=p.n_samples, steps_per_round=STEPS)
    if benchmark.stats:  # None under --benchmark-disable
        benchmark.extra_info["ms_per_step"] = 1e3 * benchmark.stats.stats.median / STEPS


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_adam_steps(benchmark, kit, backend):
    ops, p, task, net = _setup(kit, backend)
    lam = p.penalty_coef(p.depth)
    benchmark.pedantic(ops.adam, args=(net, task.x, task.y, p, lam), rounds=3, iterations=1, warmup_rounds=1)
    _info(benchmark, kit, backend, p)


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_gd_steps(benchmark, kit, backend):
    ops, p, task, net = _setup(kit, backend)
    eta = p.gd_c_small / p.depth
    benchmark.pedantic(ops.gd, args=(net, task.x, task.y, p, p.penalty_coef(p.depth), eta, STEPS), rounds=3,
                       iterations=1, warmup_rounds=1)
    _info(benchmark, kit, backend, p)
