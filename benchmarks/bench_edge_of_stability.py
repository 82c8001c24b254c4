"""Cost of the edge_of_stability training loop and of one sharpness measurement, per backend.

Fast-profile sizes (proposed ReLU MLP 16-32-128-288-4 at base width 32, n = 256, float64), built with
`ops.make_net`, under both reconstructions of ξ (fb_normalized also reads ‖X_{k−1}‖_F and ‖∂L/∂h_k‖_F from
the same backward pass). A training round is STEPS full-batch steps (`net.run_steps`; one lax.scan in
jax, compiled in the warm-up round); a sharpness round is one top-eigenvalue solve by Lanczos on HVPs
(`measures.compute_sharpness`). HVP cost per se is in bench_hessian.py.
"""
from __future__ import annotations

import numpy as np
import pytest

from papers.edge_of_stability import data as data_mod
from papers.edge_of_stability import measures
from papers.edge_of_stability.config import Params

pytestmark = pytest.mark.benchmark(group="edge_of_stability")
STEPS = 20


def make_net(kit, backend: str, p):
    """(data, the proposed ReLU net at p.base_width) built by the backend's `ops.make_net`."""
    data = data_mod.make_data(p, 0)
    widths = data_mod.proposed_widths(16, 4, p.depth, p.base_width, p.r)
    weights = data_mod.init_weights(widths, 0, "proposed", 2.0)
    return data, kit.ops("edge_of_stability", backend).make_net(weights, "relu", False, data["x"], data["y"])


def _info(benchmark, kit, backend, net, data, **more):
    benchmark.extra_info.update(backend=backend, device=kit.device, dtype="float64", n_params=net.n_params,
                                n_samples=len(data["x"]), **more)


@pytest.mark.parametrize("scaling", ["fb_normalized", "layer_normalized"])
@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_training_steps(benchmark, kit, backend, scaling):
    p = kit.fast(Params, "edge_of_stability")
    data, net = make_net(kit, backend, p)
    batches = np.tile(np.arange(len(data["x"])), (STEPS, 1))
    benchmark.pedantic(net.run_steps, args=(batches, p.lr, scaling, p.xi_c), rounds=5, iterations=1,
                       warmup_rounds=1)
    _info(benchmark, kit, backend, net, data, scaling=scaling, steps_per_round=STEPS)
    if benchmark.stats:  # None under --benchmark-disable
        benchmark.extra_info["ms_per_step"] = 1e3 * benchmark.stats.stats.median / STEPS


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_sharpness_measurement(benchmark, kit, backend):
    p = kit.fast(Params, "edge_of_stability")
    data, net = make_net(kit, backend, p)
    out = benchmark.pedantic(measures.compute_sharpness, args=(net, data["x"], data["y"], p.eig_tol), rounds=3,
                             iterations=1, warmup_rounds=1)
    _info(benchmark, kit, backend, net, data, tol=p.eig_tol, n_hvp=int(out[2]), sharpness=float(out[0]))
