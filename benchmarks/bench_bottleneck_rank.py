"""Cost of the bottleneck-rank training loop (Jacot 2023, arXiv 2305.19008v3), per backend.

One round is STEPS full-batch Adam steps (`ops.adam`) at the fast profile's sizes (depth, width, n,
float64); the jax loop is compiled in the warm-up round. extra_info has ms per step.
"""
from __future__ import annotations

import dataclasses

import pytest

from papers.bottleneck_rank import data as data_mod
from papers.bottleneck_rank.config import Params

pytestmark = pytest.mark.benchmark(group="bottleneck_rank")
STEPS = 40


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_adam_steps(benchmark, kit, backend):
    ops = kit.ops("bottleneck_rank", backend)
    p = dataclasses.replace(kit.fast(Params, "bottleneck_rank"), steps=STEPS, conv_window=STEPS, conv_tol=0.0)
    task = data_mod.make_data(p, 0)
    net = data_mod.init_weights(p, 0, p.depth)
    benchmark.pedantic(ops.adam, args=(net, task.x, task.y, p, p.depth), rounds=3, iterations=1, warmup_rounds=1)
    benchmark.extra_info.update(backend=backend, device=kit.device, dtype=p.dtype, depth=p.depth, width=p.width,
                                n_samples=p.n_samples, steps_per_round=STEPS)
    if benchmark.stats:  # None under --benchmark-disable
        benchmark.extra_info["ms_per_step"] = 1e3 * benchmark.stats.stats.median / STEPS
