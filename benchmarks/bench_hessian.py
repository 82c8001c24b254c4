"""Cost of Hessian spectra with claimbench.hessian: one HVP relative to one gradient, and how many HVPs
the top eigenvalue needs for 1e-3 relative accuracy (Lanczos/eigsh vs power iteration), torch and jax.

Network: the edge_of_stability proposed ReLU MLP (depth 4, widths n·k², no biases) on n = 256 synthetic
examples, float64, at base widths 8 / 32 (3k / 43k parameters), built with the backend's `ops.make_net`;
the gradient is `net.grad_norms` (one backward pass, plus one small norm per layer: for the 3k-parameter
jax net those dispatches make it as slow as the jitted HVP, so hvp_over_grad reads ~1 there), the HVP
`net.matvec` (claimbench.hessian).
The reference eigenvalue is eigsh at tol 1e-10.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from claimbench.bench import record_ratio
from claimbench.hessian import power_iteration, top_eigenvalues
from papers.edge_of_stability import data as data_mod
from papers.edge_of_stability.config import Params

pytestmark = pytest.mark.benchmark(group="hessian")
WIDTHS = [8, 32]
# An HVP costs a few gradients (forward-over-reverse: ~2-5x); outside [0.5, 50] the kernel is broken,
# not slow. Gate speed with `claimbench bench compare`, not with this range.
HVP_OVER_GRAD = (0.5, 50.0)


def _net(kit, backend: str, base: int):
    p = dataclasses.replace(kit.fast(Params, "edge_of_stability"), base_width=base)
    data = data_mod.make_data(p, 0)
    widths = data_mod.proposed_widths(16, 4, p.depth, base, p.r)
    weights = data_mod.init_weights(widths, 0, "proposed", 2.0)
    return kit.ops("edge_of_stability", backend).make_net(weights, "relu", False, data["x"], data["y"]), data


@pytest.mark.parametrize("base", WIDTHS)
@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_hvp_vs_gradient(benchmark, kit, backend, base):
    net, data = _net(kit, backend, base)
    mv = net.matvec(data["x"], data["y"])
    v = np.ones(net.n_params) / np.sqrt(net.n_params)
    hvp, grad = (lambda: mv(v)), (lambda: net.grad_norms(data["x"], data["y"]))
    grad(), hvp()  # compile / warm up outside every timing
    benchmark.pedantic(hvp, rounds=7, iterations=1, warmup_rounds=1)
    benchmark.extra_info.update(backend=backend, device=kit.device, dtype="float64", n_params=net.n_params,
                                base_width=base, n_samples=len(data["x"]))
    record_ratio(benchmark, "hvp_over_grad", ("hvp", hvp), ("grad", grad), bounds=HVP_OVER_GRAD)


@pytest.mark.parametrize("base", WIDTHS)
@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_hvps_for_top_eigenvalue(benchmark, kit, backend, base):
    net, data = _net(kit, backend, base)
    mv = net.matvec(data["x"], data["y"])
    ref = top_eigenvalues(mv, net.n_params, tol=1e-10).values[0]
    res = benchmark.pedantic(lambda: top_eigenvalues(mv, net.n_params, tol=1e-3), rounds=3, iterations=1)
    err = abs(res.values[0] - ref) / ref
    pw = power_iteration(mv, net.n_params, iters=2000, rtol=1e-5)  # λ_max ≫ |λ_min| here (checked by ref)
    pw_err = abs(pw.values[0] - ref) / ref
    benchmark.extra_info.update(backend=backend, device=kit.device, dtype="float64", n_params=net.n_params,
                                base_width=base, lambda_max=float(ref), lanczos_hvps=int(res.n_matvec),
                                lanczos_rel_err=float(err), power_hvps=int(pw.n_matvec), power_rel_err=float(pw_err))
    assert err <= 1e-3 and pw_err <= 1e-3
