"""Two-timescale mean-field (Takakura & Suzuki 2024): the profiles' mapping of the paper's constants, theory
identities (second layer, label noise, the cube's kernel floor), backend drift = true gradient in both
second-layer forms, torch vs jax step by step at smoke size, and same-seed-same-numbers."""
from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from claimbench.params import load
from claimbench.tolerances import assert_close
from papers.two_timescale_mean_field import data as data_mod
from papers.two_timescale_mean_field import experiments, measures, theory
from papers.two_timescale_mean_field.claims import CLAIMS
from papers.two_timescale_mean_field.config import PAPER_SEC6, Params, paper_mapping

ROOT = Path(__file__).resolve().parents[2]
SLUG = "two_timescale_mean_field"


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


def test_paper_mapping_of_the_sec6_constants():
    """Sec. 2.1: lambda-bar_a = lambda lambda_a, lambda-bar_w = lambda lambda_w; Sec. 2.3: mu_0 = N(0, I/lambda_w)."""
    m = paper_mapping(lam=0.004, lam_a=0.25, lam_w=0.25, eta=0.2)
    assert m == pytest.approx({"temperature": 0.004, "lambda_a": 1e-3, "lambda_w": 1e-3, "eta": 0.2,
                               "init_std": 2.0}, rel=1e-12)
    assert paper_mapping(lam=0.01, lam_a=2.0, lam_w=4.0, eta=0.1) == pytest.approx(
        {"temperature": 0.01, "lambda_a": 0.02, "lambda_w": 0.04, "eta": 0.1, "init_std": 0.5}, rel=1e-12)


@pytest.mark.parametrize("profile", ["fast", "full"])
def test_fast_and_full_profiles_use_the_papers_mapped_constants(profile):
    p = load(Params, ROOT / "params.yaml", SLUG, profile)
    assert {k: getattr(p, k) for k in PAPER_SEC6} == pytest.approx(PAPER_SEC6, rel=1e-12), profile
    assert p.d == 15


def test_full_profile_has_the_papers_sizes():
    """Sec. 6: width m = 2000, T = 10^4, d = 15 (n is not stated; ours is 500); C3's cube n = C(d, 2) / 2."""
    p = load(Params, ROOT / "params.yaml", SLUG, "full")
    assert (p.n_particles, p.steps, p.d) == (2000, 10_000, 15)
    assert p.c3_n_train <= math.comb(p.c3_d, p.c3_degree) / 2


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


@pytest.mark.parametrize("n_particles", [40, 12])  # N > n (n x n system) and N < n (Woodbury, N x N)
@pytest.mark.parametrize("label_scale", [0.0, 1.5])
def test_drift_is_the_particle_gradient(problem, label_scale, n_particles):
    """With lambda = 0, eta = 1 and no noise a step moves W by -N grad_W [G(W) - (lambda_a/2) xi^T M^-1 xi]."""
    torch = pytest.importorskip("torch")
    from papers.two_timescale_mean_field import torch_impl

    data, y, W = problem
    W = W[:n_particles]
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


def _trajectory(backend, params, label_scale):
    data = data_mod.make_data(0, params.d, params.n_train, params.n_test)
    y = data.labels(1.0)
    return experiments._run(backend.make_ops("cpu"), params, 0, data, y, params.n_particles, label_scale)


# smoke n = 40: N = 32 takes the Woodbury (N x N) form, N = 64 the n x n system
@pytest.mark.parametrize("label_scale, n_particles", [(0.0, 64), (2.0, 32), (2.0, 64)])
def test_torch_and_jax_agree_step_by_step(smoke, label_scale, n_particles):
    """Same numpy init and noise: particles after every chunk and the objective at every step agree."""
    pytest.importorskip("jax")
    from papers.two_timescale_mean_field import jax_impl, torch_impl

    p = replace(smoke, n_particles=n_particles)
    snaps_t, g_t = _trajectory(torch_impl, p, label_scale)
    snaps_j, g_j = _trajectory(jax_impl, p, label_scale)
    assert snaps_t.shape == (p.steps // p.record_every + 1, p.n_particles, p.d + 1)
    assert g_t.shape == (p.steps,)
    assert_close(g_j, g_t, "float64", "step")
    assert_close(snaps_j, snaps_t, "float64", "step")


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


def test_settle_fraction_separates_converged_from_still_descending():
    t = np.arange(1000.0)
    assert measures.compute_settle_fraction(1.0 + np.exp(-t / 50)) == pytest.approx(1.0, abs=1e-3)
    assert measures.compute_settle_fraction(2.0 - t / 1000) == pytest.approx(0.45 / 0.95, rel=1e-2)


@pytest.mark.parametrize("backend", ["torch", "jax"])
@pytest.mark.parametrize("n_particles", [50, 20])
def test_second_layer_solves_the_ridge_system_in_both_forms(problem, backend, n_particles):
    """second_layer gives M^{-1} r and Phi^T M^{-1} r, M = Phi Phi^T / N + c I, for N > n and N < n (Woodbury)."""
    data, y, _ = problem
    W = data_mod.init_weights(1, n_particles, data.Xa.shape[1] - 1, 2.0)
    Phi = theory.features(data.Xa, W)
    rhs = np.stack([y, np.linspace(-1.0, 1.0, len(y))], 1)
    c = len(y) * 1e-3
    want = np.linalg.solve(Phi @ Phi.T / n_particles + c * np.eye(len(y)), rhs)
    if backend == "torch":
        torch = pytest.importorskip("torch")
        from papers.two_timescale_mean_field import torch_impl
        sol, coef = (x.numpy() for x in torch_impl.second_layer(torch.tensor(Phi), torch.tensor(rhs), c))
    else:
        jnp = pytest.importorskip("jax.numpy")
        from papers.two_timescale_mean_field import jax_impl
        sol, coef = (np.asarray(x) for x in jax_impl.second_layer(jnp.asarray(Phi), jnp.asarray(rhs), c))
    np.testing.assert_allclose(sol, want, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(coef, Phi.T @ want, rtol=1e-9, atol=1e-10)


def test_cube_data_are_sparse_parities_on_the_hypercube():
    data = data_mod.make_cube(0, 6, 50, 4000, 2, 20)
    X = data.Xa_test[:, :-1]
    assert set(np.unique(X)) == {-1.0, 1.0} and np.all(data.Xa_test[:, -1] == 1.0)
    np.testing.assert_array_equal(data.f_test, X[:, 0] * X[:, 1])
    assert abs(np.mean(data.f_test * X[:, 2] * X[:, 3])) < 0.05  # parities are orthogonal


def test_kernel_floor_bounds_fixed_kernel_regression_on_the_whole_cube():
    """Bessel on the exact L2 of unif{-1,1}^d: mean over all C(d,2) parities of d(chi_S, span k(., x_i))^2
    is >= 1 - n / C(d, 2) = theory.kernel_floor, and KRR's error for each S is >= that distance."""
    from itertools import combinations, product

    d, n = 6, 6
    cube = np.array(list(product([-1.0, 1.0], repeat=d)))  # all 64 points: exact L2(unif)
    X = cube[np.random.default_rng(0).choice(len(cube), n, replace=False)]
    K = np.exp(-0.3 * ((cube[:, None, :] - X[None, :, :]) ** 2).sum(-1))  # k(z, x_i) for every cube point z
    Q, _ = np.linalg.qr(K / np.sqrt(len(cube)))  # orthonormal basis of H in L2(unif)
    dists, krr = [], []
    for S in combinations(range(d), 2):
        chi = cube[:, S[0]] * cube[:, S[1]]
        v = chi / np.sqrt(len(cube))
        dists.append(v @ v - np.sum((Q.T @ v) ** 2))
        train = X[:, S[0]] * X[:, S[1]]
        pred = K @ np.linalg.solve(K[[np.flatnonzero((cube == x).all(1))[0] for x in X]] + 1e-3 * np.eye(n), train)
        krr.append(np.mean((pred - chi) ** 2))
    floor = theory.kernel_floor(n, d, 2)
    assert floor == pytest.approx(1 - 6 / 15)
    assert np.mean(dists) >= floor - 1e-12
    assert np.all(np.array(krr) >= np.array(dists) - 1e-12)


def test_torch_tanh_as_sigmoid_is_within_rounding_of_tanh():
    """torch_impl's in-place 2 sigmoid(2z) - 1 (faster than torch's float64 tanh) stays within a few
    float64 roundings of tanh, from 0 to saturation, and keeps its sign and bounds."""
    torch = pytest.importorskip("torch")
    from papers.two_timescale_mean_field.torch_impl import _tanh_

    z = torch.cat([torch.linspace(-40.0, 40.0, 20001, dtype=torch.float64),
                   torch.tensor([0.0, 1e-300, -1e-12, 1e-8, math.inf, -math.inf], dtype=torch.float64)])
    got, want = _tanh_(z.clone()), np.tanh(z.numpy())
    assert np.abs(got.numpy() - want).max() <= 4e-16
    assert (got.abs() <= 1.0).all() and (np.sign(got.numpy()) * np.sign(want) >= 0).all()
