"""Cost of Hessian spectra with claimbench.hessian: one HVP relative to one gradient, and how many HVPs
the top eigenvalue needs for 1e-3 relative accuracy (converging Lanczos cold and warm-started, against
eigsh's fixed Krylov size and power iteration), torch and jax. Before/after figures of issue 17 go in
extra_info: torch's HVP by double backprop (now) and by torch.func's jvp-of-grad (before); Lanczos
HVPs against eigsh's (before).

Run: OMP_NUM_THREADS=1 .venv/bin/python -m pytest benchmarks/bench_hessian.py --benchmark-only -s
Network: the edge_of_stability proposed ReLU MLP (depth 4, widths n·k², no biases) on n = 256
synthetic examples, float64, at base widths 8 / 32 / 64 (3k / 43k / 167k parameters).
The reference eigenvalue is scipy's eigsh at tol 1e-10. Warm start: the eigenvector at θ, then 50 GD
steps (the fast profile's eig_every) at η = 1.9/λ_max, then Lanczos at the new θ from that vector.
"""
from __future__ import annotations

import dataclasses
import timeit
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse.linalg import LinearOperator, eigsh

from claimbench.hessian import power_iteration, top_eigenvalues
from claimbench.hessian.lanczos import _Counted
from claimbench.params import load
from papers.edge_of_stability import data as data_mod
from papers.edge_of_stability.config import Params

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.benchmark(group="hessian")
WIDTHS = [8, 32, 64]


def _net(backend: str, base: int):
    impl = pytest.importorskip(f"papers.edge_of_stability.{backend}_impl")
    p = dataclasses.replace(load(Params, ROOT / "params.yaml", "edge_of_stability", "fast"), base_width=base)
    data = data_mod.make_data(p, 0)
    widths = data_mod.proposed_widths(16, 4, p.depth, base, p.r)
    cls = impl.TorchNet if backend == "torch" else impl.JaxNet
    return cls(data_mod.init_weights(widths, 0, "proposed", 2.0), "relu", False, data["x"], data["y"]), data


def _grad_and_hvp(backend: str, net, data):
    """Zero-argument callables computing one gradient and one HVP to completion (numpy out)."""
    mv = net.matvec(data["x"], data["y"])
    v = np.random.default_rng(0).standard_normal(net.n_params)
    if backend == "torch":
        from claimbench.hessian import hvp_torch as h

        theta = __import__("torch").cat([q.reshape(-1) for q in net.params])
        return (lambda: h.gradient(net._flat_loss, theta, net.x, net.y).numpy()), (lambda: mv(v))
    import jax.numpy as jnp

    from claimbench.hessian import hvp_jax as h
    from papers.edge_of_stability.jax_impl import _flat_loss

    theta = jnp.concatenate([q.reshape(-1) for q in net.params])
    loss = _flat_loss("relu", False, tuple(tuple(q.shape) for q in net.params))
    return (lambda: np.asarray(h.gradient(loss, theta, net.x, net.y))), (lambda: mv(v))


@pytest.mark.parametrize("base", WIDTHS)
@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_hvp_vs_gradient_cost(benchmark, backend, base):
    net, data = _net(backend, base)
    grad, hvp = _grad_and_hvp(backend, net, data)
    grad(), hvp()  # compile / warm up
    t_grad = min(timeit.repeat(grad, number=5, repeat=5)) / 5
    t_hvp = min(timeit.repeat(hvp, number=5, repeat=5)) / 5
    benchmark.pedantic(hvp, rounds=10, iterations=1, warmup_rounds=1)
    ratio = t_hvp / t_grad
    benchmark.extra_info.update(backend=backend, n_params=net.n_params, base_width=base, n_samples=256,
                                ms_grad=1e3 * t_grad, ms_hvp=1e3 * t_hvp, hvp_over_grad=ratio)
    if backend == "torch":  # before issue 17: torch.func's jvp of grad
        before = _torch_hvp_before(net)
        before()
        t_before = min(timeit.repeat(before, number=5, repeat=5)) / 5
        benchmark.extra_info.update(ms_hvp_jvp_of_grad=1e3 * t_before, hvp_over_grad_before=t_before / t_grad)
    print(f"\n{backend:5s} n_params={net.n_params:7d}  grad {1e3 * t_grad:7.2f} ms  hvp {1e3 * t_hvp:7.2f} ms  "
          f"HVP/grad = {ratio:.2f}")
    flops = _flops_hvp_over_grad(backend, net)
    benchmark.extra_info.update(flops_hvp_over_grad=flops)
    print(f"      FLOPs: HVP/grad = {flops:.2f}")
    assert 0.5 < ratio < 20, f"HVP/grad = {ratio:.2f}: a timing this far off is a broken measurement"
    assert flops <= 3.0, f"one HVP costs {flops:.3f} gradients in FLOPs (issue 17: at most 3)"


def _torch_hvp_before(net):
    """One HVP as torch computed it before issue 17: torch.func's jvp of grad (numpy out)."""
    import torch

    from claimbench.hessian import hvp_torch as h

    theta = torch.cat([q.reshape(-1) for q in net.params])
    v = torch.as_tensor(np.random.default_rng(0).standard_normal(net.n_params))
    return lambda: h.hvp_forward_over_reverse(net._flat_loss, theta, v, net.x, net.y).numpy()


def _flops_hvp_over_grad(backend: str, net) -> float:
    """FLOPs of one HVP over one gradient, counted (load-independent): torch's FlopCounterMode
    (matrix products), XLA's cost analysis of the compiled programs (every operation) for jax."""
    if backend == "torch":
        import torch
        from torch.utils.flop_counter import FlopCounterMode

        from claimbench.hessian import hvp_torch as h

        theta = torch.cat([q.reshape(-1) for q in net.params])
        counts = []
        for fn in (lambda: h.gradient(net._flat_loss, theta, net.x, net.y),
                   lambda: h.hvp(net._flat_loss, theta, torch.ones_like(theta), net.x, net.y)):
            with FlopCounterMode(display=False) as counter:
                fn()
            counts.append(counter.get_total_flops())
        return counts[1] / counts[0]
    import jax.numpy as jnp

    from claimbench.hessian import hvp_jax as h
    from papers.edge_of_stability.jax_impl import _flat_loss

    theta = jnp.concatenate([q.reshape(-1) for q in net.params])
    loss = _flat_loss("relu", False, tuple(tuple(q.shape) for q in net.params))
    costs = [h._jit_grad(loss).lower(theta, net.x, net.y).compile().cost_analysis(),
             h._jit_hvp(loss).lower(theta, theta, net.x, net.y).compile().cost_analysis()]
    grad_c, hvp_c = (c[0] if isinstance(c, list) else c for c in costs)
    return hvp_c["flops"] / grad_c["flops"]


@pytest.mark.parametrize("base", WIDTHS)
@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_hvps_for_top_eigenvalue(benchmark, backend, base):
    net, data = _net(backend, base)
    mv = net.matvec(data["x"], data["y"])
    ref, _, before = _reference(mv, net.n_params)
    res = benchmark.pedantic(lambda: top_eigenvalues(mv, net.n_params, tol=1e-3), rounds=3, iterations=1)
    err = abs(res.values[0] - ref) / ref
    pw = power_iteration(mv, net.n_params, iters=2000, rtol=1e-5)  # λ_max ≫ |λ_min| here (checked by ref)
    pw_err = abs(pw.values[0] - ref) / ref
    benchmark.extra_info.update(backend=backend, n_params=net.n_params, base_width=base, lambda_max=float(ref),
                                lanczos_hvps=res.n_matvec, lanczos_rel_err=float(err),
                                power_hvps=pw.n_matvec, power_rel_err=float(pw_err), eigsh_hvps_before=before)
    print(f"\n{backend:5s} n_params={net.n_params:7d}  λ_max={ref:9.3f}  Lanczos(tol 1e-3): {res.n_matvec:3d} HVPs, "
          f"rel err {err:.1e}   power iteration: {pw.n_matvec:4d} HVPs, rel err {pw_err:.1e}")
    assert err <= 1e-3 and pw_err <= 1e-3 and res.n_matvec <= 20


def _reference(mv, dim: int) -> tuple[float, np.ndarray, int]:
    """(λ_max, its eigenvector) by eigsh at tol 1e-10, and the HVPs eigsh takes at tol 1e-3 (before)."""
    vals, vecs = eigsh(LinearOperator((dim, dim), matvec=mv, dtype=np.float64), k=1, which="LA", tol=1e-10)
    counted = _Counted(mv)
    eigsh(LinearOperator((dim, dim), matvec=counted, dtype=np.float64), k=1, which="LA", tol=1e-3,
          v0=np.random.default_rng(0).standard_normal(dim))
    return float(vals[0]), vecs[:, 0], counted.calls


@pytest.mark.parametrize("base", WIDTHS)
@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_hvps_for_top_eigenvalue_warm(benchmark, backend, base):
    net, data = _net(backend, base)
    lam0, _, _ = _reference(net.matvec(data["x"], data["y"]), net.n_params)
    prev = top_eigenvalues(net.matvec(data["x"], data["y"]), net.n_params, tol=1e-3).vectors[:, 0]
    net.run_steps(np.tile(np.arange(len(data["x"])), (50, 1)), 1.9 / lam0, "none", 1.0)
    mv = net.matvec(data["x"], data["y"])
    ref, _, before = _reference(mv, net.n_params)
    res = benchmark.pedantic(lambda: top_eigenvalues(mv, net.n_params, tol=1e-3, v0=prev), rounds=3, iterations=1)
    err = abs(res.values[0] - ref) / ref
    benchmark.extra_info.update(backend=backend, n_params=net.n_params, base_width=base, lambda_max=ref,
                                lambda_max_before_steps=lam0, lanczos_warm_hvps=res.n_matvec,
                                lanczos_warm_rel_err=float(err), eigsh_hvps_before=before)
    print(f"\n{backend:5s} n_params={net.n_params:7d}  λ_max {lam0:9.3f} -> {ref:9.3f}  warm Lanczos(tol 1e-3): "
          f"{res.n_matvec:3d} HVPs, rel err {err:.1e}  (eigsh cold: {before} HVPs)")
    assert err <= 1e-3 and res.n_matvec <= 10
