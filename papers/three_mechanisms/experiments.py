"""The three-mechanisms experiments, written once against a backend's `Ops`.

C1–C6 (linear model): draw the runs' initial weights (data.py), let the backend run gradient descent in
float64 (`ops.simulate_gd`), and turn the recorded weights into the measurements the claims read
(measures.py). C3's closed-form phase diagram is in experiments_phase.py. C7 (the paper's Figs. 1-3):
the two-layer nets of Fig. 1 in experiments_twolayer.py, the digits MLPs of Figs. 2 and 3 in
experiments_mlp.py.
torch_impl / jax_impl supply only the kernels, so both backends compute the same quantities from the
same initial weights.
"""
from __future__ import annotations

from typing import Protocol

import numpy as np

from claimbench.metrics import loglog_slope
from papers.three_mechanisms import data, experiments_phase, measures, theory
from papers.three_mechanisms.experiments_mlp import MlpOps, deep_mlp_fig2, shallow_relu_fig3
from papers.three_mechanisms.experiments_twolayer import TwoLayerOps, two_layer_fig1

# C1–C6 and C7a run in float64, the digits MLPs (C7b, C7c) in float32 (the battery's torch-vs-jax tolerance)
DTYPE = {"deep_mlp_fig2": "float32", "shallow_relu_fig3": "float32"}


class Ops(TwoLayerOps, MlpOps, Protocol):
    """What a backend supplies: a batched GD simulator of the linear model, the C7 kernels."""

    def simulate_gd(self, batch: data.LinearBatch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Euler/GD on L = ½(kappa uᵀWn − a)² per run: u, w = Wn (B, R+1, d) and ‖W‖_F² (B, R+1)."""


def exact_vs_gd(params, seed, ops: Ops):
    """C1/C2: GD (h and 2h) and an adaptive ODE solver against the closed form; conservation laws."""
    configs, labels = data.exact_vs_gd_configs(params, seed)
    batch = data.make_batch(configs, hk=params.hk, max_steps=params.max_steps, n_records=params.n_records)
    ex = measures.compute_exact_on_grid(batch)
    u, w, _ = ops.simulate_gd(batch)
    u2, w2, _ = ops.simulate_gd(batch.with_step_factor(2))
    st, st2 = measures.compute_trajectory_stats(batch, u, w), measures.compute_trajectory_stats(batch, u2, w2)
    err, err2 = measures.compute_f_errors(batch, st["f"], ex["f"]), measures.compute_f_errors(batch, st2["f"], ex["f"])
    ratio = err2 / np.maximum(err, 1e-300)
    q = theory.ntk_invariant(st["f"], st["ntk"], kappa=batch.kappa[:, None], eta_u=batch.eta_u[:, None],
                             eta_w=batch.eta_w[:, None])
    uu, ww = st["u_norm"] ** 2, st["w_norm"] ** 2
    c_drift = np.maximum(measures.compute_drift(st["c1"], batch.eta_w[:, None] * uu + batch.eta_u[:, None] * ww),
                         measures.compute_drift(st["c2"], uu * ww))
    ode_f, ode_w, ode_q = measures.compute_ode_errors(batch, ex)
    return {
        "max_rel_err_f": float(err.max()),
        "max_rel_err_weights": float(max(measures.compute_rel_sup(u, ex["u"]).max(),
                                         measures.compute_rel_sup(w, ex["w"]).max())),
        "order_ratio_worst": float(ratio[np.argmax(np.abs(np.log(ratio / 2.0)))]),
        "max_conserved_drift_gd": float(c_drift.max()),
        "q_drift_gd": float(measures.compute_drift(q, st["ntk"] ** 2).max()),
        "q_drift_ode": float(ode_q),
        "max_err_exact_vs_ode": float(max(ode_f, ode_w)),
        "hk_used": float((batch.h * np.maximum(ex["ntk"].max(-1), st["ntk"].max(-1))).max()),
        # horizon reached in units of 1/K∞ (10 unless max_steps shortened it)
        "min_horizon_kinf": float((batch.times[:, -1] * ex["ntk"][:, -1]).min()),
        "times": batch.times, "f_gd": st["f"], "f_exact": ex["f"], "ntk_gd": st["ntk"],
        "ntk_exact": ex["ntk"], "labels": np.array(labels, dtype=np.float64), "err_f": err, "err_f_2h": err2,
    }


def phase_diagram(params, seed, ops: Ops):
    """C3: closed-form kernel-change exponents per parameterization and on the (q, p) grid (numpy only)."""
    out = experiments_phase.compute_named(params, seed)
    out.update(experiments_phase.compute_grid(params, seed))
    out["anchor_max_rel_err"] = experiments_phase.compute_anchor_error(params.phase_widths)
    return out


def phase_gd(params, seed, ops: Ops):
    """C3: GD at width phase_gd_width per named parameterization; ΔK(T) against the closed form."""
    batch = data.make_batch(data.phase_gd_configs(params, seed), hk=params.hk, max_steps=params.max_steps,
                            n_records=params.n_records)
    u, w, _ = ops.simulate_gd(batch)
    st, ex = measures.compute_trajectory_stats(batch, u, w), measures.compute_exact_on_grid(batch)
    dk_gd, dk_ex = st["ntk"][:, -1] - st["ntk"][:, 0], ex["ntk"][:, -1] - ex["ntk"][:, 0]
    return {"gd_dk_rel_err": float((np.abs(dk_gd - dk_ex) / np.abs(dk_ex)).max()),
            "gd_dk_over_k0": dk_gd / st["ntk"][:, 0], "exact_dk_over_k0": dk_ex / ex["ntk"][:, 0],
            "times": batch.times, "ntk": st["ntk"]}


def alignment(params, seed, ops: Ops):
    """C4: kernel-scaled (sigma = 1) vs small (sigma = 0.02) init at width d, kappa = 1/√d, d_in > 1."""
    d = params.width
    batch = data.make_batch(data.alignment_configs(params, seed), hk=params.hk, max_steps=params.max_steps,
                            n_records=params.n_records)
    u, w, w_fro2 = ops.simulate_gd(batch)
    st = measures.compute_trajectory_stats(batch, u, w)
    rho = st["w_norm"] ** 2 / w_fro2
    cos_pred = [theory.final_cos(batch.u0[b], batch.w0[b], a=batch.a[b], kappa=batch.kappa[b]) for b in (0, 1)]
    ratio = st["ntk"][:, -1] / st["ntk"][:, 0]
    return {
        "feature_cos_final": float(abs(st["cos"][1, -1])),
        "feature_cos_vs_theory_err": float(abs(abs(st["cos"][1, -1]) - cos_pred[1])),
        "feature_ntk_ratio": float(ratio[1]),
        "feature_rho_rise": float(rho[1, -1] - rho[1, 0]),
        "kernel_cos_final_sqrt_d": float(abs(st["cos"][0, -1]) * np.sqrt(d)),
        "kernel_ntk_change_times_d": float(abs(ratio[0] - 1.0) * d),
        "times": batch.times, "cos": st["cos"], "ntk": st["ntk"], "rho_w": rho,
        "u_norm": st["u_norm"], "w_norm": st["w_norm"], "f": st["f"],
    }


def compute_disalign_scaling(params, seed):
    """Mean relative NTK drop (K0 − K∞)/K0 of random large inits (sigma = 1, a = 1) per width, and its slope."""
    rng = data.make_stream(seed, "disalignment-scaling")
    drops = []
    for d in params.disalign_scaling_widths:
        u, w = data.gaussian_pairs(rng, params.disalign_draws, d)
        k0 = theory.ntk_scalar(u, w)
        f0 = (u * w).sum(-1)
        # K∞² − K₀² = 4 (a² − f₀²): drop = (K0 − K∞)/K0 = 4(f0² − a²)/(K0 (K0 + K∞))
        kinf = np.sqrt(np.maximum(k0**2 + 4.0 * (1.0 - f0**2), 0.0))
        drops.append(float(np.mean(4.0 * (f0**2 - 1.0) / (k0 * (k0 + kinf)))))
    return np.array(drops), loglog_slope(np.array(params.disalign_scaling_widths), np.array(drops))


def disalignment(params, seed, ops: Ops):
    """C5: f0 = 4a at small width; |cos θ| and K fall. Plus the 1/d scaling of the drop (closed form)."""
    batch = data.make_batch(data.disalignment_configs(params, seed), hk=params.hk, max_steps=params.max_steps,
                            n_records=params.n_records)
    u, w, _ = ops.simulate_gd(batch)
    st = measures.compute_trajectory_stats(batch, u, w)
    f0 = st["f"][:, 0]
    pred = 4.0 * batch.eta_u * batch.eta_w * batch.kappa**2 * (batch.a**2 - f0**2)
    got = st["ntk"][:, -1] ** 2 - st["ntk"][:, 0] ** 2
    drops, slope = compute_disalign_scaling(params, seed)
    return {
        "cos_max_increase": float(np.diff(np.abs(st["cos"]), axis=1).max()),
        "max_kT_over_k0": float((st["ntk"][:, -1] / st["ntk"][:, 0]).max()),
        "ntk_sq_change_rel_err": float((np.abs(got - pred) / np.abs(pred)).max()),
        "drop_slope": float(slope),
        "times": batch.times, "cos": st["cos"], "ntk": st["ntk"], "u_norm": st["u_norm"],
        "w_norm": st["w_norm"], "f": st["f"], "drops": drops,
        "widths": np.array(params.disalign_widths, dtype=np.float64),
        "drop_widths": np.array(params.disalign_scaling_widths, dtype=np.float64),
    }


def rescaling(params, seed, ops: Ops):
    """C6: u0 ∥ w0 (C2 = 0): the angle is frozen, norms move along η_w|u|² − η_u|w|² = C1."""
    batch = data.make_batch(data.rescaling_configs(params, seed), hk=params.hk, max_steps=params.max_steps,
                            n_records=params.n_records)
    u, w, _ = ops.simulate_gd(batch)
    st, ex = measures.compute_trajectory_stats(batch, u, w), measures.compute_exact_on_grid(batch)
    du2, dw2 = st["u_norm"][:, -1] ** 2 - st["u_norm"][:, 0] ** 2, st["w_norm"][:, -1] ** 2 - st["w_norm"][:, 0] ** 2
    lr_ratio = batch.eta_w / batch.eta_u
    norm_err = np.maximum(np.abs(st["u_norm"][:, -1] / ex["u_norm"][:, -1] - 1),
                          np.abs(st["w_norm"][:, -1] / ex["w_norm"][:, -1] - 1))
    unequal = lr_ratio != 1.0
    bigger = np.where(lr_ratio > 1, dw2 > du2, du2 > dw2)[unequal]
    return {
        "min_abs_cos": float(np.abs(st["cos"]).min()),
        "final_norm_rel_err": float(norm_err.max()),
        # Δ(η_w|u|²) = Δ(η_u|w|²)  ⇒  Δ|w|²/Δ|u|² = η_w/η_u
        "growth_ratio_rel_err": float(np.abs(dw2 / du2 / lr_ratio - 1.0).max()),
        "larger_lr_grows_more": float(bigger.mean()) if bigger.size else 1.0,
        "ntk_ratio_min": float((st["ntk"][:, -1] / st["ntk"][:, 0]).min()),
        "times": batch.times, "cos": st["cos"], "ntk": st["ntk"], "u_norm": st["u_norm"],
        "w_norm": st["w_norm"], "f": st["f"], "lr_ratios": lr_ratio,
    }


# fn(params, seed, ops); each backend binds them to its kernels (claimbench.experiments.bind).
EXPERIMENTS = {"exact_vs_gd": exact_vs_gd, "phase_diagram": phase_diagram, "phase_gd": phase_gd,
               "alignment": alignment, "disalignment": disalignment, "rescaling": rescaling,
               "two_layer_fig1": two_layer_fig1, "deep_mlp_fig2": deep_mlp_fig2,
               "shallow_relu_fig3": shallow_relu_fig3}
