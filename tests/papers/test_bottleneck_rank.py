"""Tests of papers/bottleneck_rank (Jacot 2023, arXiv 2305.19008v3).

The measurement code is checked on the deep linear sanity case (known singular values, known cost
R(A; L) = L Σ s_i^{2/L}), the numpy Jacobian/NTK against torch autodiff, torch against jax on a few
training steps (float64), and the smoke run for completeness and determinism.
"""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest

from claimbench.params import load
from claimbench.seeding import make_rng
from claimbench.tolerances import assert_close
from papers.bottleneck_rank import claims, measures, theory
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


def test_numpy_jacobian_and_ntk_match_torch_autodiff(smoke):
    torch = pytest.importorskip("torch")
    from torch.func import jacrev

    from papers.bottleneck_rank import torch_impl

    task = data_mod.make_data(smoke, 0)
    net = data_mod.init_weights(smoke, 0, smoke.depth)
    net = (net[0], [make_rng(0, f"test/b{i}").normal(0, 0.3, b.shape) for i, b in enumerate(net[1])])
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


def test_torch_and_jax_agree_on_training_steps(smoke):
    pytest.importorskip("jax")
    from papers.bottleneck_rank import jax_impl, torch_impl

    p = dataclasses.replace(smoke, steps=60, conv_window=20, conv_tol=0.0)
    task = data_mod.make_data(p, 0)
    net0 = data_mod.init_weights(p, 0, p.depth)
    (wt, bt), st, ct = torch_impl.adam(net0, task.x, task.y, p, p.depth)
    (wj, bj), sj, cj = jax_impl.adam(net0, task.x, task.y, p, p.depth)
    assert st == sj == 60
    assert_close(ct, cj, "float64")
    for a, b in zip(wt + bt, wj + bj, strict=True):
        assert_close(a, b, "float64")
    (gt, _), _ = torch_impl.gd((wt, bt), task.x, task.y, p, 0.05, 30)
    (gj, _), _ = jax_impl.gd((wt, bt), task.x, task.y, p, 0.05, 30)
    for a, b in zip(gt, gj, strict=True):
        assert_close(a, b, "float64")


@pytest.fixture(scope="module")
def smoke_runs(smoke):
    from papers.bottleneck_rank import torch_impl

    return [torch_impl.EXPERIMENTS["bottleneck"](smoke, 0, "cpu") for _ in range(2)]


def test_smoke_run_has_every_claim_metric(smoke_runs):
    out = smoke_runs[0]
    for c in claims.CLAIMS:
        assert c.metric in out, c.id
        assert np.isscalar(out[c.metric]) and math.isfinite(float(out[c.metric])), (c.id, out[c.metric])
    assert out["steps_taken"] <= 300 and out["steps_total"] >= out["steps_taken"]


def test_same_seed_same_numbers(smoke_runs):
    a, b = smoke_runs
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(np.asarray(a[key]), np.asarray(b[key]), err_msg=key)


def test_task_has_rank_k_structure(smoke):
    task = data_mod.make_data(smoke, 3)
    assert task.x.shape == (smoke.n_samples, smoke.d_in) and task.y.shape == (smoke.n_samples, smoke.d_out)
    again = data_mod.make_data(smoke, 3)
    np.testing.assert_array_equal(task.y, again.y)
    with pytest.raises(ValueError, match="latent_dim"):
        data_mod.make_data(dataclasses.replace(smoke, d_in=smoke.latent_dim + 1), 0)
