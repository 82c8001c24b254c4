"""three_mechanisms: closed form vs an adaptive ODE solver, degenerate inits, torch vs jax, determinism."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from claimbench import params as params_mod
from claimbench.tolerances import assert_close, tolerance
from papers.three_mechanisms import data, data_c7, experiments_phase, measures, measures_c7, theory
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


def test_torch_gd_on_buffers_is_bitwise_the_plain_loop(smoke, backends):
    """torch's GD steps write into two alternating buffer pairs (_GdSteps): the same bits as the plain
    loop `ke = k (k u·w - a); u, w = u - s_u ke w, w - s_w ke u`, with the input arrays untouched."""
    import torch
    torch_impl, _ = backends
    for batch in _small_batches(smoke):
        u0 = batch.u0.copy()
        us, ws, _ = torch_impl.simulate_gd(batch)
        assert np.array_equal(batch.u0, u0)
        t = lambda x: torch.as_tensor(np.asarray(x), dtype=torch.float64)  # noqa: E731
        u, W, n = t(batch.u0), t(batch.W0), t(batch.n)
        k, a, nn = t(batch.kappa)[:, None], t(batch.a)[:, None], (n * n).sum(1, keepdim=True)
        su, sw = t(batch.h * batch.eta_u)[:, None], t(batch.h * batch.eta_w)[:, None] * nn
        w = (W @ n[:, :, None])[..., 0]
        for step in range(batch.n_steps):
            ke = k * (k * (u * w).sum(1, keepdim=True) - a)
            u, w = torch.addcmul(u, su * ke, w, value=-1.0), torch.addcmul(w, sw * ke, u, value=-1.0)
            if (step + 1) % (batch.n_steps // batch.n_records) == 0:
                r = (step + 1) // (batch.n_steps // batch.n_records)
                assert np.array_equal(us[:, r], u.numpy()) and np.array_equal(ws[:, r], w.numpy()), r


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


# ---- C7 ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def fig1_smoke(smoke, backends):
    """two_layer_fig1 at smoke size on both backends (torch, jax)."""
    return tuple(impl.EXPERIMENTS["two_layer_fig1"](smoke, 0, "cpu") for impl in backends)


def test_twolayer_linear_net_follows_closed_form_at_smoke(smoke, fig1_smoke):
    """The linear two-layer net's measured ζ(t) follows theory.solve in both cases, on both backends."""
    assert smoke.tl_width <= 64
    for out in fig1_smoke:
        th, zeta = out["curve_theory_zeta_linear"], out["curve_zeta_linear"]
        assert np.abs(zeta - th).max() <= 1e-2  # Euler error ∝ c = 0.02: ~1e-3 measured
        assert zeta[-1, 0] > 0.99 and zeta[-1, 1] < 0.5 * zeta[0, 1]  # both cases actually moved
        assert out["linear_align_steps"] < smoke.tl_cap  # converged, not cap-limited


def test_twolayer_closed_form_comparison_catches_a_wrong_time_axis(smoke, fig1_smoke):
    """The comparison can fail: ζ against the closed form at t/2 is far off."""
    out = fig1_smoke[0]
    init = data_c7.init_twolayer(smoke, 0, "linear", data_c7.make_grid(smoke.tl_points))
    a = float(np.mean(init["y"][0] * data_c7.make_grid(smoke.tl_points)))
    wrong = theory.solve(init["u0"][0], init["w0"][0], a=a, kappa=smoke.tl_width**-0.5,
                         times=out["curve_t_linear"][:, 0] / 2)["cos"]
    assert np.abs(out["curve_zeta_linear"][:, 0] - wrong).max() > 0.1


def test_twolayer_curves_agree_across_backends(fig1_smoke):
    """Every C7a curve and scalar: torch (written-out gradients) = jax (autodiff) to float64 metric tolerance."""
    a, b = fig1_smoke
    assert a.keys() == b.keys()
    for k in a:
        assert np.shape(a[k]) == np.shape(b[k]), k
        assert_close(a[k], b[k], "float64", "metric", err_msg=k)


@pytest.mark.parametrize("act", data_c7.ACTIVATIONS)
def test_twolayer_gradient_and_ntk_trace_match_autodiff(act, backends):
    import jax
    import torch

    torch_impl, jax_impl = backends
    rng = np.random.default_rng(3)
    u, w, y = rng.standard_normal((2, 12)), rng.standard_normal((2, 12)), rng.standard_normal((2, 5))
    z = data_c7.make_grid(5)
    got = torch_impl._twolayer_grads(*(torch.tensor(x) for x in (u, w, z, y)), act, 12**-0.5)
    # one compile for all activations: the activation index is traced (lax.switch)
    want = jax.jit(jax_impl._twolayer_stats)(u, w, z, y, jax_impl._ACT_ORDER.index(act))
    for g, h in zip(got, want, strict=True):
        assert_close(g.numpy(), np.asarray(h), "float64", "step")
    f = data_c7.twolayer_output(u, w, z, act)  # the numpy reference forward pass
    assert_close(0.5 * ((f - y) ** 2).mean(1), got[0].numpy(), "float64", "step")


def test_mlp_written_derivatives_equal_autograd(backends):
    """torch_impl's backprop (Jᵀg) and tangent propagation (J·t) against torch.autograd on the same net."""
    import torch
    from torch.autograd.functional import jvp

    torch_impl, _ = backends
    x = torch.tensor(data_c7.make_data(8)["x_probe"])
    theta = [torch.tensor(p, requires_grad=True) for layer in data_c7.init_weights(0, (64, 12, 12, 10), 0.7, "t")
             for p in layer]
    g = torch.randn(8, 10, generator=torch.Generator().manual_seed(0))
    out, hs, masks = torch_impl._mlp_forward(theta, x)
    want = torch.autograd.grad(out, theta, grad_outputs=g)
    with torch.no_grad():
        got = torch_impl._mlp_vjp(theta, hs, masks, g)
    for a, b in zip(got, want, strict=True):
        assert_close(a.detach().numpy(), b.numpy(), "float32", "step")
    tangent = tuple(torch.full_like(p, 0.01) for p in theta)
    f = lambda *ps: torch_impl._mlp_forward(list(ps), x)[0]  # noqa: E731
    with torch.no_grad():
        got_jvp = torch_impl._mlp_jvp(theta, hs, masks, tangent)
    assert_close(got_jvp.detach().numpy(), jvp(f, tuple(theta), tangent)[1].numpy(), "float32", "step")


def test_mlp_top_eigenvalue_matches_the_exact_probe_ntk(backends):
    """Power iteration (both backends) against eigvalsh of the full (P·10)² probe NTK, J by torch.autograd."""
    import torch
    from torch.autograd.functional import jacobian

    digits = data_c7.make_data(8)
    layers = data_c7.init_weights(0, (64, 12, 10), 1.0, "test")
    theta = tuple(torch.tensor(p) for layer in layers for p in layer)
    jac = jacobian(lambda *ps: backends[0]._mlp_forward(list(ps), torch.tensor(digits["x_probe"]))[0], theta)
    J = torch.cat([j.reshape(80, -1) for j in jac], 1).double()
    exact = float(torch.linalg.eigvalsh(J @ J.T)[-1]) / 8
    for impl in backends:
        ops = impl.make_ops("cpu")
        lam, _ = ops.mlp_top_eig(ops.mlp_params(layers), ops.mlp_inputs(digits), data_c7.power_start(0, 8, "t"), 200)
        assert lam == pytest.approx(exact, rel=1e-3)


@pytest.mark.parametrize("experiment", ["deep_mlp_fig2", "shallow_relu_fig3"])
def test_mlp_curves_agree_across_backends(smoke, backends, experiment):
    """C7b/C7c curves (losses, accuracy, ζ per pair, λ) at smoke size: torch = jax to float32 metric tolerance."""
    a, b = (impl.EXPERIMENTS[experiment](smoke, 0, "cpu") for impl in backends)
    assert a.keys() == b.keys()
    curves = [k for k in a if k.startswith("curve_")]
    assert curves
    for k in curves:
        assert_close(a[k], b[k], "float32", "metric", err_msg=k)


def test_compute_at_loss_interpolates_in_log_train_loss():
    train = np.array([1.0, 0.4, 0.1, 0.05])
    test = np.array([2.0, 1.0, 0.5, 0.4])
    # 0.2 lies halfway between 0.4 and 0.1 in log: the test value halfway between 1.0 and 0.5
    assert measures_c7.compute_at_loss(train, test, 0.2) == pytest.approx(0.75)
    assert measures_c7.compute_at_loss(train, test, 0.1) == pytest.approx(0.5)
    assert np.isnan(measures_c7.compute_at_loss(train, test, 0.01))


def test_pair_alignment_is_abs_cosine_for_vectors_and_one_for_rank_one_pairs():
    rng = np.random.default_rng(0)
    u, w = rng.standard_normal(7), rng.standard_normal(7)
    zeta = measures_c7.compute_pair_alignment([w[:, None], u[None, :]])
    assert zeta[0] == pytest.approx(abs(measures_c7.compute_zeta(u, w)))
    a, b = rng.standard_normal(5), rng.standard_normal(4)
    assert measures_c7.compute_pair_alignment([np.outer(a, b), np.outer(rng.standard_normal(3), a)])[0] == \
        pytest.approx(1.0)


@pytest.mark.parametrize("override,needle", [({"deep_cap": 23}, "deep_cap, mlp_block"),
                                             ({"tl_acts": ("relu",)}, "tl_acts"),
                                             ({"deep_alphas": (2.0, 1.0)}, "deep_alphas")])
def test_params_check_names_the_fields(smoke, override, needle):
    with pytest.raises(params_mod.ParamsError, match=needle):
        dataclasses.replace(smoke, **override).check()
