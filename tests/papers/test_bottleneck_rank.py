"""Tests of papers/bottleneck_rank (Jacot 2023, arXiv 2305.19008v3).

The measurement code is checked on the deep linear sanity case (known singular values, known cost
R(A; L) = L Σ s_i^{2/L}), the numpy Jacobian/NTK against torch autodiff, Prop. 3 on random nets,
the invariance index on maps with a known answer, the hand-written torch backprop and Adam against
torch.autograd and torch.optim.Adam, torch against jax on a few training steps (float64), both
penalty conventions, and the smoke run for completeness and determinism.
"""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from claimbench.params import ParamsError, load
from claimbench.seeding import make_rng
from claimbench.tolerances import assert_close
from papers.bottleneck_rank import claims, measures, measures_symmetry, theory
from papers.bottleneck_rank import data as data_mod
from papers.bottleneck_rank.config import Params

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def smoke() -> Params:
    return load(Params, ROOT / "params.yaml", "bottleneck_rank", "smoke")


def _linear_net(a: np.ndarray, depth: int, width: int, shift: float = 100.0) -> data_mod.Net:
    """Balanced factorisation of A with biases that keep every ReLU in its linear regime.

    With b_1 = M·1, b_l = M·1 − M W_l 1 and b_L = −M W_L 1, h_l = M·1 + W_l…W_1 x > 0, so f(x) = A x.
    """
    weights = theory.balanced_factorisation(a, depth, width, make_rng(0, "test/linear"))
    ones = [np.ones(w.shape[1]) for w in weights]
    biases = [shift * np.ones(weights[0].shape[0])]
    biases += [shift * (np.ones(w.shape[0]) - w @ one) for w, one in zip(weights[1:-1], ones[1:-1], strict=True)]
    biases.append(-shift * weights[-1] @ ones[-1])
    return weights, biases


def test_linear_cost_expansion_error_is_order_inverse_depth_squared():
    s = np.array([3.0, 1.2, 0.4])
    err = [abs(theory.linear_representation_cost(s, d) - theory.linear_cost_expansion(s, d)) for d in (40, 80)]
    assert err[1] < err[0] / 3.5  # O(L^-2): halving 1/L divides the error by ~4
    assert theory.linear_cost_terms(s)[0] == 3


def test_measurements_on_deep_linear_case(smoke):
    s_true, depth, k = np.array([2.0, 0.5]), 6, 2
    rng = make_rng(1, "test/a")
    u, _ = np.linalg.qr(rng.standard_normal((3, 2)))
    v, _ = np.linalg.qr(rng.standard_normal((4, 2)))
    a = u @ np.diag(s_true) @ v.T
    net = _linear_net(a, depth, width=8)
    x = rng.standard_normal((64, 4))
    p = dataclasses.replace(smoke, rank=k, d_in=4, d_out=3)
    m = measures.compute_net_measures(net, x, x @ a.T, p)
    assert m["mse"] < 1e-18  # the biases only shift the hidden layers: f(x) = A x
    assert m["wnorm2"] == pytest.approx(theory.linear_representation_cost(s_true, depth), rel=1e-12)
    np.testing.assert_allclose(m["svals_top10"][:, :2], np.tile(s_true ** (1 / depth), (depth, 1)), rtol=1e-12)
    assert np.abs(m["svals_top10"][:, 2:]).max() < 1e-12 and m["mid_gap_sv"] < 1e-12
    assert m["mid_count_median"] == k and m["mid_frac_count_ok"] == 1.0
    # 2 log|Jf|_+ = 2 Σ log s_i(A) = R^(1) of the linear map, at every x
    assert m["max_2logdet_J"] == pytest.approx(theory.linear_cost_terms(s_true)[1], abs=1e-10)
    assert m["mean_2logdet_J"] == pytest.approx(m["max_2logdet_J"], abs=1e-10)
    tight, loose = theory.logdet_upper_bounds(np.array([(w**2).sum() for w in net[0]]), k)
    assert m["max_2logdet_J"] <= tight + 1e-12 <= loose + 2e-12
    assert m["c3_min_margin"] == pytest.approx(loose - m["max_2logdet_J"], abs=1e-9)
    # centred representations are rank k; uncentred, the offset M·1 holds > 99% of the energy (pitfall 2)
    assert (m["r99_layers"] == k).all() and (m["r99u_layers"] == 1).all()
    # Prop. 3 is an equality for the balanced factorisation: ‖W‖² = L Σ s_i(A)^{2/L}
    assert m["prop3_ratio"] == pytest.approx(1.0, abs=1e-12)
    # every ReLU is in its linear regime: nothing is cut
    assert m["relu_impact_layers"].max() == 0.0 and m["act_svals_top10"].shape == (depth - 1, measures.TOP)


def test_prop3_bound_holds_on_random_relu_nets():
    rng = make_rng(2, "test/prop3")
    ratios = []
    for _ in range(40):
        depth = int(rng.integers(2, 9))
        dims = [5] + [int(rng.integers(2, 12)) for _ in range(depth - 1)] + [4]
        weights = [rng.normal(0, rng.uniform(0.3, 2.0), (b, a)) for a, b in zip(dims[:-1], dims[1:], strict=True)]
        biases = [rng.normal(0, 1.0, b) for b in dims[1:]]
        pres, _ = measures.forward((weights, biases), x := rng.standard_normal((30, 5)))
        jac = measures.backward_factors((weights, biases), pres)[0] @ weights[0]
        ratios.append(measures.compute_prop3_rhs(jac, depth).max() / sum((w**2).sum() for w in weights))
    assert 0.0 < max(ratios) <= 1.0
    # with k = rank and 2 log s ≤ L (s^{2/L} − 1), Prop. 3 implies the log-det bound of c3_logdet_bound
    s = np.array([3.0, 0.2])
    assert theory.linear_representation_cost(s, 7) >= 7 * 2 + 2 * np.log(s).sum()


def test_invariance_index_on_known_maps():
    rng = make_rng(3, "test/inv")
    z = rng.standard_normal((4000, 3))
    moved = z.copy()
    moved[:, 1:] = rng.standard_normal((4000, 2))  # redraw the "irrelevant" z_2, z_3
    reps = [z[:, :1] * 2.0, z[:, 1:], z[:, :1] + z[:, 1:2]]
    reps_moved = [moved[:, :1] * 2.0, moved[:, 1:], moved[:, :1] + moved[:, 1:2]]
    inv = measures_symmetry.compute_invariance(reps, reps_moved)
    # invariant → 0; a function of the redrawn latents only → 1; half of the variance from them → 1/2
    np.testing.assert_allclose(inv, [0.0, 1.0, 0.5], atol=0.06)
    assert inv[0] == 0.0


def test_numpy_jacobian_and_ntk_match_torch_autodiff(smoke):
    torch = pytest.importorskip("torch")
    from torch.func import jacrev

    from papers.bottleneck_rank import torch_impl

    task = data_mod.make_data(smoke, 0)
    net = _random_biases(data_mod.init_weights(smoke, 0, smoke.depth))
    x = task.x[:8]
    pres, posts = measures.forward(net, x)
    factors = measures.backward_factors(net, pres)
    params = [torch.tensor(a, dtype=torch.float64) for pair in zip(*net, strict=True) for a in pair]
    xt = torch.tensor(x, dtype=torch.float64)
    jac_x = torch.stack([jacrev(lambda v: torch_impl.forward(params, v[None])[0])(row) for row in xt])
    assert_close(factors[0] @ net[0][0], jac_x.numpy(), "float64")
    argnums = tuple(range(len(params)))
    jac_t = jacrev(lambda *ps: torch_impl.forward(list(ps), xt).reshape(-1), argnums=argnums)(*params)
    flat = torch.cat([j.reshape(x.shape[0] * smoke.d_out, -1) for j in jac_t], dim=1).numpy()
    gram = flat @ flat.T
    assert_close(measures.compute_ntk_trace(factors, posts), np.diag(gram).reshape(8, -1).sum(1), "float64")
    assert measures.compute_ntk_lambda_max(factors, posts, 8) == pytest.approx(np.linalg.eigvalsh(gram)[-1], rel=1e-9)


def _random_biases(net: data_mod.Net) -> data_mod.Net:
    return net[0], [make_rng(0, f"test/b{i}").normal(0, 0.3, b.shape) for i, b in enumerate(net[1])]


def test_torch_backprop_and_adam_match_autograd_and_torch_optim(smoke):
    torch = pytest.importorskip("torch")
    from papers.bottleneck_rank import torch_impl

    task = data_mod.make_data(smoke, 1)
    net = _random_biases(data_mod.init_weights(smoke, 1, smoke.depth))
    lam, lr = 0.03, 0.01
    mlp = torch_impl._Mlp(net, task.x, task.y, smoke, "cpu")
    loss = mlp.penalised_grad(lam, with_loss=True)
    params = [torch.tensor(a, requires_grad=True) for pair in zip(*net, strict=True) for a in pair]
    mse = ((torch_impl.forward(params, torch.tensor(task.x)) - torch.tensor(task.y)) ** 2).sum(1).mean()
    ref = mse + lam * sum((q * q).sum() for q in params)
    ref.backward()
    assert loss == pytest.approx(float(ref.detach()), rel=1e-13)
    for ell, g in enumerate(mlp.g):  # ∂/∂[W_l | b_l]
        np.testing.assert_allclose(g[:, :-1].numpy(), params[2 * ell].grad.numpy(), rtol=1e-11, atol=1e-13)
        np.testing.assert_allclose(g[:, -1].numpy(), params[2 * ell + 1].grad.numpy(), rtol=1e-11, atol=1e-13)
    # three Adam steps with a fixed gradient: the flat update equals torch.optim.Adam's
    opt = torch.optim.Adam(params, lr=lr)
    ours = torch_impl._Adam(mlp.theta)
    for _ in range(3):
        opt.step()
        ours.step(mlp.grad, lr)
    got = mlp.to_numpy()
    for ell in range(smoke.depth):
        np.testing.assert_allclose(got[0][ell], params[2 * ell].detach().numpy(), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(got[1][ell], params[2 * ell + 1].detach().numpy(), rtol=1e-12, atol=1e-15)


def test_torch_and_jax_agree_on_training_steps(smoke):
    pytest.importorskip("jax")
    from papers.bottleneck_rank import jax_impl, torch_impl

    p = dataclasses.replace(smoke, steps=60, conv_window=20, conv_tol=0.0)
    task = data_mod.make_data(p, 0)
    net0 = data_mod.init_weights(p, 0, p.depth)
    lam = p.penalty_coef(p.depth)
    (wt, bt), st, ct = torch_impl.adam(net0, task.x, task.y, p, lam)
    (wj, bj), sj, cj = jax_impl.adam(net0, task.x, task.y, p, lam)
    assert st == sj == 60
    assert_close(ct, cj, "float64")
    for a, b in zip(wt + bt, wj + bj, strict=True):
        assert_close(a, b, "float64")
    (gt, _), lt = torch_impl.gd((wt, bt), task.x, task.y, p, lam, 0.05, 30)
    (gj, _), lj = jax_impl.gd((wt, bt), task.x, task.y, p, lam, 0.05, 30)
    assert_close(lt, lj, "float64")
    for a, b in zip(gt, gj, strict=True):
        assert_close(a, b, "float64")


def test_penalty_conventions_and_full_profile_under_both():
    fast = load(Params, ROOT / "params.yaml", "bottleneck_rank", "fast")
    assert fast.penalty == "per_depth" and fast.penalty_coef(12) == pytest.approx(0.01, rel=1e-15)
    fixed = dataclasses.replace(fast, penalty="fixed")
    assert [fixed.penalty_coef(d) for d in (6, 12)] == [fast.weight_decay] * 2
    full = load(Params, ROOT / "params.yaml", "bottleneck_rank", "full")
    assert full.penalty == "fixed" and full.penalty_coef(35) == full.weight_decay == 2e-4
    # the λ/L reading anchored at the paper's L = 25: λ_o = 2e-4 there, larger at smaller L
    other = load(Params, ROOT / "params.yaml", "bottleneck_rank", "full",
                 {"penalty": "per_depth", "weight_decay": 5e-3})
    assert other.penalty_coef(25) == pytest.approx(2e-4) and other.penalty_coef(8) > other.penalty_coef(35)
    assert dataclasses.replace(other, penalty="fixed", weight_decay=2e-4) == full
    with pytest.raises(ParamsError, match="penalty"):
        load(Params, ROOT / "params.yaml", "bottleneck_rank", "full", {"penalty": "per_layer"})


@pytest.fixture(scope="module")
def smoke_runs(smoke):
    from papers.bottleneck_rank import torch_impl

    return [{name: fn(smoke, 0, "cpu") for name, fn in torch_impl.EXPERIMENTS.items()} for _ in range(2)]


def test_smoke_run_has_every_claim_metric(smoke_runs):
    out = smoke_runs[0]
    for c in claims.CLAIMS:
        assert c.metric in out[c.experiment], c.id
        value = out[c.experiment][c.metric]
        assert np.isscalar(value) and math.isfinite(float(value)), (c.id, value)
    main = out["bottleneck"]
    assert main["steps_taken"] <= 300 and main["steps_total"] >= main["steps_taken"]
    np.testing.assert_allclose(main["sweep_lambda_o"], [0.04 / 3, 0.04 / 4])  # per_depth in smoke
    assert out["symmetry"]["rank"] == 2 and out["symmetry"]["inv_irr_layers"].shape == (3,)


def test_diverged_gd_phase_is_reported_as_such(smoke):
    from papers.bottleneck_rank import experiments, torch_impl

    p = dataclasses.replace(smoke, dtype="float32")  # as in the full profile: the blow-up overflows to inf/nan
    task = data_mod.make_data(p, 0)
    weights, biases = data_mod.init_weights(p, 0, p.depth)
    net = ([10.0 * w for w in weights], biases)  # λ_max(Θ) grows like 10^(2L): η = c_big/L is far past 2/λ_max
    with pytest.raises(FloatingPointError, match="gd_c_big.*diverged"):
        experiments._gd_phase(net, task, p, torch_impl.make_ops("cpu"), 1.0)


def test_same_seed_same_numbers(smoke_runs):
    a, b = smoke_runs
    for name in a:
        assert a[name].keys() == b[name].keys()
        for key in a[name]:
            np.testing.assert_array_equal(np.asarray(a[name][key]), np.asarray(b[name][key]), err_msg=key)


def test_task_has_rank_k_structure(smoke):
    task = data_mod.make_data(smoke, 3)
    assert task.x.shape == (smoke.n_samples, smoke.d_in) and task.y.shape == (smoke.n_samples, smoke.d_out)
    again = data_mod.make_data(smoke, 3)
    np.testing.assert_array_equal(task.y, again.y)
    # the task's maps reproduce its training points, so fresh points come from the same task
    np.testing.assert_array_equal(task.encode(task.z), task.x)
    np.testing.assert_array_equal(task.target(task.z[:, : smoke.rank]), task.y)
    z, z_irr, z_rel = data_mod.make_probe_latents(smoke, 3)
    k = smoke.rank
    assert (z_irr[:, :k] == z[:, :k]).all() and (z_irr[:, k:] != z[:, k:]).all()
    assert (z_rel[:, k:] == z[:, k:]).all() and (z_rel[:, :k] != z[:, :k]).all()
    with pytest.raises(ValueError, match="latent_dim"):
        data_mod.make_data(dataclasses.replace(smoke, d_in=smoke.latent_dim + 1), 0)
