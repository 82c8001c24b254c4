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
    with pytest.raises(NotImplementedError):
        experiments.xi(np.array([1.0]), "paper", 1.0)
    assert theory.eos_threshold(0.2) == 10.0


def test_data_is_seeded_and_standardised():
    p = _profile("fast")
    a, b = data_mod.make_data(p, 0), data_mod.make_data(p, 0)
    np.testing.assert_array_equal(a["x"], b["x"])
    np.testing.assert_allclose(a["y"].std(0), 1.0)
    d = data_mod.make_data(_profile("full"), 1)
    assert d["x"].shape == (1297, 64) and d["y"].shape[1] == 10 and d["x_probe"].shape == (500, 64)


def test_torch_and_jax_nets_agree_step_by_step():
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    from papers.edge_of_stability.jax_impl import JaxNet
    from papers.edge_of_stability.torch_impl import TorchNet

    p = _profile("smoke")
    data = data_mod.make_data(p, 0)
    ws = data_mod.init_weights(data_mod.proposed_widths(16, 4, 3, 8, 2.0), 0, "proposed", 2.0)
    nets = [cls(ws, "relu", False, data["x"], data["y"]) for cls in (TorchNet, JaxNet)]
    batches = data_mod.batch_schedule(len(data["x"]), 16, 5, 0, "b")
    losses = [n.run_steps(batches, 0.2, "layer_normalized", 1.0) for n in nets]
    assert_close(*losses, "float64")
    for wt, wj in zip(*(n.weights() for n in nets), strict=True):
        assert_close(wt, wj, "float64")
    v = np.random.default_rng(1).standard_normal(nets[0].n_params)
    hv = [n.matvec(data["x"], data["y"])(v) for n in nets]
    assert_close(*hv, "float64")
    d = nets[0].direction(data["x"], data["y"], "layer_normalized", 1.0)
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
