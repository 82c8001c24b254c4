"""Two-timescale mean-field (Takakura & Suzuki 2024): theory identities, backend drift = true gradient,
torch vs jax step by step at smoke size, and same-seed-same-numbers."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from claimbench.params import load
from papers.two_timescale_mean_field import data as data_mod
from papers.two_timescale_mean_field import experiments, measures, theory
from papers.two_timescale_mean_field.claims import CLAIMS
from papers.two_timescale_mean_field.config import Params

ROOT = Path(__file__).resolve().parents[2]
SLUG = "two_timescale_mean_field"
RTOL = {"float64": 1e-9}  # torch vs jax: same float64 ops, different BLAS/LAPACK call order


@pytest.fixture(scope="module")
def smoke() -> Params:
    return load(Params, ROOT / "params.yaml", SLUG, "smoke")


@pytest.fixture(scope="module")
def problem():
    """A small training set, particles and second layer in float64."""
    data = data_mod.make_data(0, 5, 30, 50)
    W = data_mod.init_weights(0, 40, 5, 1.0)
    return data, data.labels(0.5), W


def test_profiles_load_and_record_every_divides_steps():
    for profile in ("smoke", "fast", "full"):
        p = load(Params, ROOT / "params.yaml", SLUG, profile)
        assert p.steps % p.record_every == 0, profile
        assert len(p.particle_counts) >= 3 and sorted(p.label_noise_scales)[0] == 0.0, profile


def test_exact_second_layer_minimises_the_objective(problem):
    """G_data = (lambda_a/2) y^T alpha equals the direct objective at a_i = Phi_i^T alpha, and any other a is worse."""
    data, y, W = problem
    lam = 1e-2
    Phi = theory.features(data.Xa, W)
    K = theory.intrinsic_kernel(Phi)
    a = Phi.T @ theory.inner_solve(K, y, lam)
    g = theory.data_objective(K, y, lam)
    assert theory.direct_objective(Phi, y, a, lam) == pytest.approx(g, rel=1e-12)
    rng = np.random.default_rng(1)
    for _ in range(5):
        assert theory.direct_objective(Phi, y, a + 1e-3 * rng.standard_normal(a.shape), lam) > g


def test_label_noise_identity(problem):
    """Clean loss at the second layer fitted to y + xi equals its closed form, and its mean adds (s^2/6n) df."""
    data, y, W = problem
    lam, s = 1e-2, 2.0
    Phi = theory.features(data.Xa, W)
    K = theory.intrinsic_kernel(Phi)
    xi = np.random.default_rng(2).uniform(-s, s, len(y))
    a_noisy = Phi.T @ theory.inner_solve(K, y + xi, lam)
    assert theory.label_noise_loss(K, y, xi, lam) == pytest.approx(
        theory.direct_objective(Phi, y, a_noisy, lam), rel=1e-10)
    n = len(y)
    M_inv_trace = np.trace(np.linalg.inv(K + n * lam * np.eye(n)))
    mean_minus_g = -0.5 * lam * (s**2 / 3) * M_inv_trace + (s**2 / 3) / 2
    assert mean_minus_g == pytest.approx(theory.expected_label_noise_penalty(K, lam, s), rel=1e-10)


@pytest.mark.parametrize("label_scale", [0.0, 1.5])
def test_drift_is_the_particle_gradient(problem, label_scale):
    """With lambda = 0, eta = 1 and no noise a step moves W by -N grad_W [G(W) - (lambda_a/2) xi^T M^-1 xi]."""
    torch = pytest.importorskip("torch")
    from papers.two_timescale_mean_field import torch_impl

    data, y, W = problem
    hyper = experiments.Hyper(eta=1.0, temperature=0.0, lambda_w=0.03, lambda_a=1e-2)
    xi = np.random.default_rng(3).uniform(-1, 1, len(y))
    t = lambda a: torch.tensor(a, dtype=torch.float64)  # noqa: E731
    Wt = t(W).requires_grad_(True)
    Xa, yt, xit = t(data.Xa), t(y), t(xi)
    n, N = Xa.shape[0], W.shape[0]
    Phi = torch.tanh(Xa @ Wt.T)
    M = Phi @ Phi.T / N + n * hyper.lambda_a * torch.eye(n, dtype=torch.float64)
    xs = label_scale * xit
    G = (0.5 * hyper.lambda_a * (yt @ torch.linalg.solve(M, yt) - xs @ torch.linalg.solve(M, xs))
         + 0.5 * hyper.lambda_w * (Wt * Wt).sum(1).mean())
    (grad,) = torch.autograd.grad(G, Wt)
    W_new, _ = torch_impl.mfld_step(t(W), Xa, yt, torch.zeros_like(Wt), xit, hyper, label_scale)
    np.testing.assert_allclose((t(W) - W_new).numpy(), N * grad.numpy(), rtol=1e-8, atol=1e-12)


def _trajectory(backend, smoke, label_scale):
    data = data_mod.make_data(0, smoke.d, smoke.n_train, smoke.n_test)
    y = data.labels(1.0)
    return experiments._run(backend.make_ops("cpu"), smoke, 0, data, y, smoke.n_particles, label_scale)


@pytest.mark.parametrize("label_scale", [0.0, 2.0])
def test_torch_and_jax_agree_step_by_step(smoke, label_scale):
    """Same numpy init and noise: particles after every chunk and the objective at every step agree."""
    pytest.importorskip("jax")
    from papers.two_timescale_mean_field import jax_impl, torch_impl

    snaps_t, g_t = _trajectory(torch_impl, smoke, label_scale)
    snaps_j, g_j = _trajectory(jax_impl, smoke, label_scale)
    assert snaps_t.shape == (smoke.steps // smoke.record_every + 1, smoke.n_particles, smoke.d + 1)
    assert g_t.shape == (smoke.steps,)
    np.testing.assert_allclose(g_j, g_t, rtol=RTOL["float64"])
    np.testing.assert_allclose(snaps_j, snaps_t, rtol=RTOL["float64"], atol=1e-12)


def test_same_seed_same_numbers_and_seeds_differ(smoke):
    from papers.two_timescale_mean_field import torch_impl

    fn = torch_impl.EXPERIMENTS["label_noise"]
    a, b, c = fn(smoke, 0, "cpu"), fn(smoke, 0, "cpu"), fn(smoke, 1, "cpu")
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert not np.allclose(a["df_path"], c["df_path"])


def test_noise_is_shared_across_sweep_levels(smoke):
    """Runs at different noise levels share mu_0 and Langevin noise (paired comparisons for C4 and C5)."""
    from papers.two_timescale_mean_field import torch_impl

    p = replace(smoke, noise_levels=(0.0, 0.0))
    out = torch_impl.EXPERIMENTS["noise_levels"](p, 0, "cpu")
    np.testing.assert_array_equal(out["df_path"][0], out["df_path"][1])


def test_every_claim_metric_is_a_scalar_of_its_experiment(smoke):
    from papers.two_timescale_mean_field import torch_impl

    outs = {e: torch_impl.EXPERIMENTS[e](smoke, 0, "cpu") for e in {c.experiment for c in CLAIMS}}
    for c in CLAIMS:
        value = outs[c.experiment][c.metric]
        assert np.ndim(value) == 0 and np.isfinite(value), c.id


def test_rolling_rise_detects_a_rise():
    g = np.concatenate([np.linspace(1.0, 0.5, 500), np.linspace(0.5, 0.6, 500)])
    assert measures.compute_max_rolling_rise(np.linspace(1.0, 0.5, 1000), 200) == 0.0
    assert measures.compute_max_rolling_rise(g, 200) > 0.1
