"""Per-step cost of the bottleneck-rank training loop (Jacot 2023, arXiv 2305.19008v3), per backend.

Run: OMP_NUM_THREADS=1 .venv/bin/python -m pytest benchmarks/bench_bottleneck_rank.py --benchmark-only
Each round is one Adam (or GD) window of STEPS full-batch steps at the fast profile's sizes; the jax
window (one jitted lax.scan) is compiled in the warm-up round. ms/step = mean time / STEPS (extra_info).
The torch kernels backpropagate by hand on a flat parameter vector (torch_impl's docstring says why).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from claimbench.params import load
from papers.bottleneck_rank import data as data_mod
from papers.bottleneck_rank.config import Params

ROOT = Path(__file__).resolve().parents[1]
STEPS = 250


@pytest.mark.parametrize("depth", [8, 12])
@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_adam_step(benchmark, backend, depth):
    impl = pytest.importorskip(f"papers.bottleneck_rank.{backend}_impl")
    fast = load(Params, ROOT / "params.yaml", "bottleneck_rank", "fast")
    p = dataclasses.replace(fast, depth=depth, steps=STEPS, conv_window=STEPS, conv_tol=0.0)
    task = data_mod.make_data(p, 0)
    net = data_mod.init_weights(p, 0, depth)
    benchmark.extra_info.update(backend=backend, depth=depth, width=p.width, n_samples=p.n_samples,
                                dtype=p.dtype, steps_per_round=STEPS)
    lam = p.penalty_coef(depth)
    benchmark.pedantic(impl.adam, args=(net, task.x, task.y, p, lam), rounds=5, iterations=1, warmup_rounds=1)
    benchmark.extra_info["ms_per_step"] = 1e3 * benchmark.stats.stats.mean / STEPS


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_gd_step(benchmark, backend):
    impl = pytest.importorskip(f"papers.bottleneck_rank.{backend}_impl")
    p = dataclasses.replace(load(Params, ROOT / "params.yaml", "bottleneck_rank", "fast"), conv_window=STEPS)
    task = data_mod.make_data(p, 0)
    net = data_mod.init_weights(p, 0, p.depth)
    benchmark.extra_info.update(backend=backend, depth=p.depth, width=p.width, n_samples=p.n_samples,
                                dtype=p.dtype, steps_per_round=STEPS)
    eta = p.gd_c_small / p.depth
    benchmark.pedantic(impl.gd, args=(net, task.x, task.y, p, p.penalty_coef(p.depth), eta, STEPS), rounds=5,
                       iterations=1, warmup_rounds=1)
    benchmark.extra_info["ms_per_step"] = 1e3 * benchmark.stats.stats.mean / STEPS
