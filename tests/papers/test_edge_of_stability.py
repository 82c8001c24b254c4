"""edge_of_stability: theory vs direct evaluation, torch vs jax step by step, shared-code checks."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from claimbench import params as params_mod
from claimbench.tolerances import assert_close, tolerance
from papers.edge_of_stability import config, experiments, measures, theory
from papers.edge_of_stability import data as data_mod

ROOT = Path(__file__).resolve().parents[2]


def _profile(name: str) -> config.Params:
    return params_mod.load(config.Params, ROOT / "params.yaml", "edge_of_stability", name)


def _frozen_loss(x, y, ws, masks):
    h = x
    for w, m in zip(ws[:-1], masks, strict=True):
        h = m * (h @ w.T)
    return 0.5 * ((h @ ws[-1].T - y) ** 2).sum() / len(x)


def test_profiles_load():
    for name in ("smoke", "fast", "full"):
        assert isinstance(_profile(name), config.Params)


def test_taylor_polynomial_equals_direct_frozen_loss():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((9, 4)), rng.standard_normal((9, 2))
    ws = data_mod.init_weights((4, 6, 5, 2), 0, "t", 2.0)
    ds = [rng.standard_normal(w.shape) for w in ws]
    c = theory.taylor_polynomial_frozen_relu(x, y, ws, ds)
    assert len(c) == 2 * 3 + 1  # degree 2L
    masks = theory.relu_masks(x, ws)
    for eta in (0.0, 0.3, -1.7):
        direct = _frozen_loss(x, y, [w - eta * d for w, d in zip(ws, ds, strict=True)], masks)
        np.testing.assert_allclose(np.polyval(c[::-1], eta), direct, rtol=1e-12)


def test_remainder_stats_on_an_exact_quartic():
    etas = np.array([0.1, 0.05, 0.025])
    a = [-1.0, 0.5, 0.2]
    l_eta = 3.0 + a[0] * etas + a[1] * etas**2 + a[2] * etas**3 + 7.0 * etas**4
    ratios, rel, _ = measures.compute_remainder_stats(3.0, l_eta, a, etas)
    np.testing.assert_allclose(ratios, 16.0)
    assert measures.compute_worst_ratio(np.array([15.0, 21.0, 16.0])) == 21.0


def test_shared_helpers():
    assert data_mod.proposed_widths(16, 4, 4, 32, 2.0) == (16, 32, 128, 288, 4)
    assert data_mod.proposed_widths(16, 4, 3, 8, 0.0) == (16, 8, 8, 4)
    b = data_mod.batch_schedule(10, 4, 6, 0, "s")
    assert b.shape == (6, 4) and all(len(set(r)) == 4 for r in b)
    assert data_mod.batch_schedule(10, 0, 3, 0, "s").shape == (3, 10)
    np.testing.assert_allclose(experiments.xi(np.array([2.0, 4.0]), "layer_normalized", 1.0), [0.5, 0.25])
    np.testing.assert_allclose(experiments.xi(np.array([2.0, 4.0]), "none", 1.0), [1.0, 1.0])
    np.testing.assert_allclose(experiments.xi(None, "fb_normalized", 2.0, np.array([4.0, 0.5])), [0.5, 4.0])
    with pytest.raises(NotImplementedError):
        experiments.xi(np.array([1.0]), "paper", 1.0)
    assert theory.eos_threshold(0.2) == 10.0


def test_late_and_mechanism_summaries():
    hist = {"eig_steps": np.arange(0, 401, 25), "sharpness": np.full(17, 30.0),
            "xi": np.tile([1.0, 1.0, 0.5], (17, 1))}
    hist["sharpness"][12:] = [11.0, 9.0, 11.0, 9.0, 10.5]  # steps 300..400: median 10.5
    assert measures.compute_late_median_over_eos(hist["sharpness"], hist["eig_steps"], 0.2, 400) == 1.05
    assert measures.compute_late_median_over_eos(hist["sharpness"][:5], hist["eig_steps"], 0.2, 400) == 1e300
    # η ξ_L λ / 2 = 0.05 λ over the 9 logs at steps ≥ 200: λ = 30 ×4, 11, 9, 11, 9, 10.5 → median λ = 11
    assert measures.compute_last_layer_edge_ratio(hist, 0.2) == pytest.approx(0.05 * 11.0)


def test_every_proposed_claim_runs_under_both_scalings():
    from papers.edge_of_stability import claims

    by_id = {c.id: c for c in claims.CLAIMS}
    twins = [c for c in claims.CLAIMS if c.id.endswith("_layer_normalized")]
    assert len(twins) == 11
    for t in twins:
        c = by_id[t.id.removesuffix("_layer_normalized")]
        assert t.metric == "cmp_" + c.metric and t.expect == c.expect and t.experiment == c.experiment
        assert c.statement.startswith("[ξ = fb_normalized]") and t.statement.startswith("[ξ = layer_normalized")
    assert by_id["edge_of_stability.proposed_stays_beyond_edge"].source.kind == "derived"


def test_data_is_seeded_and_standardised():
    p = _profile("fast")
    a, b = data_mod.make_data(p, 0), data_mod.make_data(p, 0)
    np.testing.assert_array_equal(a["x"], b["x"])
    np.testing.assert_allclose(a["y"].std(0), 1.0)
    d = data_mod.make_data(_profile("full"), 1)
    assert d["x"].shape == (1297, 64) and d["y"].shape[1] == 10 and d["x_probe"].shape == (500, 64)


def _explicit_fb_norms(x, y, ws):
    """(‖G_k‖_F, ‖X_{k−1}‖_F, ‖∂L_B/∂h_k‖_F) per layer by a hand-written numpy forward/backward pass."""
    feats, pres = [x], []
    for k, w in enumerate(ws):
        pres.append(feats[-1] @ w.T)
        feats.append(np.maximum(pres[-1], 0.0) if k < len(ws) - 1 else pres[-1])
    dh = (feats[-1] - y) / len(x)  # ∂L_B/∂h_L for L_B = (1/2B) Σ‖f − y‖²
    out = []
    for k in reversed(range(len(ws))):
        out.append((np.linalg.norm(dh.T @ feats[k]), np.linalg.norm(feats[k]), np.linalg.norm(dh)))
        dh = (dh @ ws[k]) * (pres[k - 1] > 0) if k else dh
    return np.array(out[::-1]).T


def _nets(p, data):
    from papers.edge_of_stability.jax_impl import JaxNet
    from papers.edge_of_stability.torch_impl import TorchNet

    ws = data_mod.init_weights(data_mod.proposed_widths(16, 4, 3, 8, 2.0), 0, "proposed", 2.0)
    return [cls(ws, "relu", False, data["x"], data["y"]) for cls in (TorchNet, JaxNet)]


def test_fb_scaling_matches_an_explicit_backward_pass_in_both_backends():
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    p = _profile("smoke")
    data = data_mod.make_data(p, 0)
    nets = _nets(p, data)
    for net in nets:
        net.run_steps(np.tile(np.arange(len(data["x"])), (3, 1)), 0.2, "fb_normalized", 1.0)
    g, xn, dn = _explicit_fb_norms(data["x"], data["y"], nets[0].weights())
    for net in nets:
        fb = net.xi_values(data["x"], data["y"], "fb_normalized", 2.0)
        np.testing.assert_allclose(fb, 2.0 / (xn * dn), rtol=1e-12)
        # ‖G_k‖_F ≤ ‖X_{k−1}‖_F ‖∂L/∂h_k‖_F: the fb step is never longer than the stand-in's (η·c)
        assert np.all(fb * g <= 2.0 * (1 + 1e-12))
        np.testing.assert_allclose(net.xi_values(data["x"], data["y"], "layer_normalized", 2.0), 2.0 / g,
                                   rtol=1e-12)


@pytest.mark.parametrize("scaling", ["layer_normalized", "fb_normalized"])
def test_torch_and_jax_nets_agree_step_by_step(scaling):
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    p = _profile("smoke")
    data = data_mod.make_data(p, 0)
    nets = _nets(p, data)
    batches = data_mod.batch_schedule(len(data["x"]), 16, 5, 0, "b")
    losses = [n.run_steps(batches, 0.2, scaling, 1.0) for n in nets]
    assert_close(*losses, "float64")
    for wt, wj in zip(*(n.weights() for n in nets), strict=True):
        assert_close(wt, wj, "float64")
    assert_close(*(n.xi_values(data["x"], data["y"], scaling, 1.0) for n in nets), "float64")
    v = np.random.default_rng(1).standard_normal(nets[0].n_params)
    hv = [n.matvec(data["x"], data["y"])(v) for n in nets]
    assert_close(*hv, "float64")
    d = nets[0].direction(data["x"], data["y"], scaling, 1.0)
    etas = np.array([0.02, 0.01])
    (at, lt, et), (aj, lj, ej) = (n.taylor(data["x"], data["y"], d, "frozen", etas) for n in nets)
    assert_close(at, aj, "float64")
    assert_close(et, ej, "float64")
    exact = theory.taylor_polynomial_frozen_relu(data["x"], data["y"], nets[0].weights(), d)
    np.testing.assert_allclose(at, exact[1:4], rtol=1e-9)


def test_eos_baseline_smoke_same_numbers_in_both_backends():
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    from papers.edge_of_stability import jax_impl, torch_impl

    p = _profile("smoke")
    t, j = torch_impl.EXPERIMENTS["eos_baseline"](p, 0, "cpu"), jax_impl.EXPERIMENTS["eos_baseline"](p, 0, "cpu")
    assert t.keys() == j.keys()
    for k in t:
        np.testing.assert_allclose(np.asarray(t[k], float), np.asarray(j[k], float), err_msg=k,
                                   **tolerance("float64", "metric"))


def test_neutral_modules_import_neither_framework():
    mods = ", ".join(f"papers.edge_of_stability.{m}" for m in
                     ("claims", "config", "theory", "data", "measures", "experiments", "figures"))
    code = f"import sys, {mods}; bad = [m for m in ('torch', 'jax') if m in sys.modules]; assert not bad, bad"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
