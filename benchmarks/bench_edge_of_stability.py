"""Per-step cost of the edge_of_stability training loop and of one sharpness measurement, per backend.

Run: OMP_NUM_THREADS=1 .venv/bin/python -m pytest benchmarks/bench_edge_of_stability.py --benchmark-only
Fast-profile sizes (proposed ReLU MLP 16-32-128-288-4, n = 256, float64), under both reconstructions of ξ
(fb_normalized also reads ‖X_{k−1}‖_F and ‖∂L/∂h_k‖_F from the same backward pass).
Each training round is STEPS full-batch steps (one lax.scan in jax, compiled in the warm-up round).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from claimbench.params import load
from papers.edge_of_stability import data as data_mod
from papers.edge_of_stability import measures
from papers.edge_of_stability.config import Params

ROOT = Path(__file__).resolve().parents[1]
STEPS = 50


def _setup(backend: str):
    impl = pytest.importorskip(f"papers.edge_of_stability.{backend}_impl")
    p = load(Params, ROOT / "params.yaml", "edge_of_stability", "fast")
    data = data_mod.make_data(p, 0)
    widths = data_mod.proposed_widths(16, 4, p.depth, p.base_width, p.r)
    cls = impl.TorchNet if backend == "torch" else impl.JaxNet
    net = cls(data_mod.init_weights(widths, 0, "proposed", 2.0), "relu", False, data["x"], data["y"])
    return p, data, net


@pytest.mark.parametrize("scaling", ["fb_normalized", "layer_normalized"])
@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_training_steps(benchmark, backend, scaling):
    p, data, net = _setup(backend)
    batches = np.tile(np.arange(len(data["x"])), (STEPS, 1))
    benchmark.pedantic(net.run_steps, args=(batches, p.lr, scaling, p.xi_c), rounds=5, iterations=1,
                       warmup_rounds=1)
    benchmark.extra_info.update(backend=backend, scaling=scaling, n_params=net.n_params,
                                n_samples=len(data["x"]), steps_per_round=STEPS)
    if benchmark.stats:  # None under --benchmark-disable
        benchmark.extra_info["ms_per_step"] = 1e3 * benchmark.stats.stats.mean / STEPS


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_sharpness_measurement(benchmark, backend):
    p, data, net = _setup(backend)
    out = benchmark.pedantic(measures.compute_sharpness, args=(net, data["x"], data["y"], p.eig_tol), rounds=3,
                             iterations=1, warmup_rounds=1)
    benchmark.extra_info.update(backend=backend, n_params=net.n_params, n_samples=len(data["x"]),
                                tol=p.eig_tol, n_hvp=out[2], sharpness=out[0])
