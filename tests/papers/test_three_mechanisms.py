"""three_mechanisms: closed form vs an adaptive ODE solver, degenerate inits, torch vs jax, determinism."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from claimbench import params as params_mod
from claimbench.tolerances import tolerance
from papers.three_mechanisms import data, experiments_phase, measures, theory
from papers.three_mechanisms.config import Params

ROOT = Path(__file__).resolve().parents[2]
CLOSED_VS_ODE = 1e-8  # method accuracy of the DOP853 reference (rtol 1e-12), not rounding


@pytest.fixture(scope="module")
def smoke():
    return params_mod.load(Params, ROOT / "params.yaml", "three_mechanisms", "smoke")


def _ode(u0, w0, a, kappa, eta_u, eta_w, times):
    d = u0.size

    def rhs(_t, x):
        e = kappa * (x[:d] @ x[d:]) - a
        return np.concatenate([-eta_u * kappa * e * x[d:], -eta_w * kappa * e * x[:d]])

    sol = solve_ivp(rhs, (0, times[-1]), np.concatenate([u0, w0]), t_eval=times, method="DOP853",
                    rtol=1e-12, atol=1e-14)
    return sol.y[:d].T, sol.y[d:].T


CASES = [(d, eta_w, a, scale) for d in (1, 3, 16, 64) for eta_w in (1.0, 0.25, 3.0) for a in (1.0, -0.7)
         for scale in (0.05, 1.0)]


@pytest.mark.parametrize("d,eta_w,a,scale", CASES)
def test_closed_form_matches_adaptive_solver(d, eta_w, a, scale):
    rng = np.random.default_rng(d * 1000 + int(eta_w * 10) + int(scale * 7))
    u0, w0 = scale * rng.standard_normal(d), scale * rng.standard_normal(d)
    kappa, eta_u, times = 0.8, 1.3, np.linspace(0.0, 15.0, 40)
    sol = theory.solve(u0, w0, a=a, kappa=kappa, eta_u=eta_u, eta_w=eta_w, times=times)
    u, w = _ode(u0, w0, a, kappa, eta_u, eta_w, times)
    f = kappa * (u * w).sum(1)
    assert np.abs(sol["f"] - f).max() / max(abs(a), abs(f[0])) < CLOSED_VS_ODE
    for got, ref in ((sol["u"], u), (sol["w"], w)):
        assert np.abs(got - ref).max() / np.abs(ref).max() < CLOSED_VS_ODE
    ntk = theory.ntk_scalar(u, w, kappa=kappa, eta_u=eta_u, eta_w=eta_w)
    assert np.allclose(sol["ntk"], ntk, rtol=1e-8)


def test_conserved_quantities_and_ntk_identity_along_closed_form():
    rng = np.random.default_rng(1)
    u0, w0 = rng.standard_normal(10), rng.standard_normal(10)
    sol = theory.solve(u0, w0, a=2.0, kappa=0.5, eta_u=2.0, eta_w=0.5, times=np.linspace(0, 20, 50))
    c1, c2 = theory.conserved(sol["u"], sol["w"], eta_u=2.0, eta_w=0.5)
    q = theory.ntk_invariant(sol["f"], sol["ntk"], kappa=0.5, eta_u=2.0, eta_w=0.5)
    for x in (c1, c2, q):
        assert np.ptp(x) <= 1e-10 * np.abs(x).max()
    assert np.isclose(sol["ntk"][-1], theory.final_ntk(u0, w0, a=2.0, kappa=0.5, eta_u=2.0, eta_w=0.5), rtol=1e-9)
    assert np.isclose(abs(sol["cos"][-1]), theory.final_cos(u0, w0, a=2.0, kappa=0.5), rtol=1e-9)


def _degenerate_cases():
    v = np.array([0.3, -1.2, 0.5, 0.9])
    unit = v / np.linalg.norm(v)
    return {
        "parallel": (v, 2 * v, 1.0), "antiparallel_saddle": (v, -v, 1.0), "f0_equals_a": (unit, unit, 1.0),
        "zero_init": (0 * v, 0 * v, 1.0), "a_zero_M_zero": (v, v, 0.0), "a_zero_P_zero": (v, -v, 0.0),
        "negative_a_parallel": (v, v, -1.0), "negative_a_random": (v, v[::-1], -3.0), "width_one": (v[:1], v[1:2], 1.0),
    }


@pytest.mark.parametrize("name", list(_degenerate_cases()))
def test_degenerate_inits_are_finite(name):
    u0, w0, a = _degenerate_cases()[name]
    sol = theory.solve(u0, w0, a=a, times=np.array([0.0, 0.5, 5.0, 1e3, 1e6]))
    assert all(np.isfinite(x).all() for x in sol.values()), name
    assert np.isclose(sol["f"][0], float(u0 @ w0))
    if name in ("f0_equals_a", "zero_init"):
        assert np.allclose(sol["f"], sol["f"][0])
    if name == "antiparallel_saddle":
        assert abs(sol["f"][-1]) < 1e-12  # ũ0 = −w̃0 with a > 0 never learns: f → 0
    if name in ("parallel", "width_one"):
        assert np.isclose(sol["f"][-1], a)


def test_phase_exponents_anchor_values():
    assert theory.exponent_chi(*theory.NAMED["NTK"]) == -1
    assert theory.exponent_chi(*theory.NAMED["MF"]) == 0
    assert theory.exponent_chi(*theory.NAMED["SP-scalar"]) == -2
    assert theory.exponent_chi(*theory.NAMED["MF eta_u>eta_w"]) == -1
    assert experiments_phase.compute_anchor_error((16, 256)) < 1e-10
    # E_χ = 2(q + p − 1) − |Δc| for p_u = p_w: the boundary formula
    assert theory.exponent_chi(0.3, 0.9, 0.9, 1.0, 0.0) == pytest.approx(2 * (0.3 + 0.9 - 1) - 1)


def test_make_batch_respects_step_accuracy(smoke):
    configs, _ = data.exact_vs_gd_configs(smoke, 0)
    batch = data.make_batch(configs, hk=smoke.hk, max_steps=smoke.max_steps, n_records=smoke.n_records)
    ex = measures.compute_exact_on_grid(batch)
    assert (batch.h * ex["ntk"].max(1) <= smoke.hk * (1 + 1e-9)).all()
    assert batch.n_steps % (2 * batch.n_records) == 0


@pytest.fixture(scope="module")
def backends():
    from papers.three_mechanisms import jax_impl, torch_impl
    return torch_impl, jax_impl


def _small_batches(smoke):
    configs, _ = data.exact_vs_gd_configs(smoke, 3)
    vec = data.make_batch(configs, hk=1e-2, max_steps=400, n_records=4)
    rng = np.random.default_rng(0)
    n = rng.standard_normal(3)
    mat = data.make_batch([data.make_config(rng.standard_normal(5), None, W0=rng.standard_normal((5, 3)),
                                                n=n / np.linalg.norm(n), kappa=0.4, eta_w=2.0)],
                            hk=1e-2, max_steps=400, n_records=4)
    return vec, mat


def test_torch_and_jax_gd_agree(smoke, backends):
    torch_impl, jax_impl = backends
    for batch in _small_batches(smoke):
        for a, b in zip(torch_impl.simulate_gd(batch), jax_impl.simulate_gd(batch), strict=True):
            assert np.abs(a - b).max() <= tolerance("float64")["rtol"] * max(np.abs(b).max(), 1.0)


def test_torch_written_gradient_equals_autograd(backends):
    import torch
    rng = np.random.default_rng(5)
    u, W, n = (torch.tensor(x, requires_grad=True) for x in (rng.standard_normal(6), rng.standard_normal((6, 2)),
                                                             np.array([0.6, 0.8])))
    loss = 0.5 * (0.7 * u @ (W @ n) - 1.5) ** 2
    gu, gW = torch.autograd.grad(loss, (u, W))
    with torch.no_grad():
        ke = 0.7 * (0.7 * u @ (W @ n) - 1.5)  # dL/du = κ e W n, dL/dW = κ e u nᵀ (torch_impl's step)
        assert torch.allclose(gu, ke * (W @ n)) and torch.allclose(gW, ke * torch.outer(u, n))


def test_same_seed_same_numbers_and_seeds_differ(smoke, backends):
    torch_impl, _ = backends
    run = torch_impl.EXPERIMENTS["exact_vs_gd"]
    a, b = run(smoke, 0, "cpu"), run(smoke, 0, "cpu")
    c = run(smoke, 1, "cpu")
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["f_gd"], c["f_gd"])


def test_mlp_ntk_factorisation_equals_full_jacobian_and_backends_agree(backends):
    import torch

    torch_impl, jax_impl = backends
    x = data.make_data(8)["x_probe"]
    layers = data.init_weights(0, 12, 1.0, "test")
    theta = [torch.tensor(p) for layer in layers for p in layer]
    names = [str(i) for i in range(len(theta))]
    jac = torch.func.jacrev(lambda p: torch_impl._forward([p[k] for k in names], torch.tensor(x))[0])(
        dict(zip(names, theta, strict=True)))
    J = torch.cat([j.reshape(len(x), 10, -1) for j in jac.values()], 2).double()
    full = torch.einsum("pcn,qcn->pq", J, J).numpy()
    fact = torch_impl._probe_ntk(theta, torch.tensor(x))
    assert np.abs(fact - full).max() <= tolerance("float32")["rtol"] * np.abs(full).max()
    import jax.numpy as jnp
    fact_jax = jax_impl._probe_ntk([jnp.asarray(p) for layer in layers for p in layer], jnp.asarray(x))
    assert np.abs(fact_jax - full).max() <= tolerance("float32")["rtol"] * np.abs(full).max()


def test_mlp_experiment_agrees_across_backends(smoke, backends):
    torch_impl, jax_impl = backends
    p = dataclasses.replace(smoke, mlp_steps=5)
    a, b = torch_impl.EXPERIMENTS["mlp_digits"](p, 0, "cpu"), jax_impl.EXPERIMENTS["mlp_digits"](p, 0, "cpu")
    assert a.keys() == b.keys()
    for k in ("alpha_1_ntk_rel_change", "alpha_1_kta_gain", "alpha_4_ntk_norm_ratio", "width_16_test_acc"):
        tol = tolerance("float32", "metric")
        assert a[k] == pytest.approx(b[k], rel=tol["rtol"], abs=tol["atol"]), k
