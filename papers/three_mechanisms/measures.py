"""Measurements of the three-mechanisms runs, in numpy: trajectory → the numbers the claims read.

Linear model: the closed form on each run's record grid, f/NTK/cos θ/conserved quantities from recorded
weights, an adaptive-solver reference and the error measures (C1–C6); the kernel change ΔK/K0 of the
phase diagram (C3). MLP (C7): centred kernel–target alignment, readout–feature cosine, norm ratios.
"""
from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp

from claimbench.metrics import kernel_alignment, relative_change
from papers.three_mechanisms import theory
from papers.three_mechanisms.data import LinearBatch


def compute_exact_on_grid(batch: LinearBatch) -> dict[str, np.ndarray]:
    """Closed-form trajectories of every run at its record times: f, ntk, cos (B, R+1), u, w (B, R+1, d)."""
    outs = [theory.solve(batch.u0[b], batch.w0[b], a=batch.a[b], kappa=batch.kappa[b],
                         eta_u=batch.eta_u[b], eta_w=batch.eta_w[b], times=batch.times[b])
            for b in range(len(batch.a))]
    return {k: np.stack([o[k] for o in outs]) for k in ("f", "ntk", "cos", "u", "w", "u_norm", "w_norm")}


def compute_trajectory_stats(batch: LinearBatch, u: np.ndarray, w: np.ndarray) -> dict[str, np.ndarray]:
    """f, NTK, cos θ, norms and the conserved quantities from recorded weights u, w (B, R+1, d)."""
    k, eu, ew = batch.kappa[:, None], batch.eta_u[:, None], batch.eta_w[:, None]
    uu, ww, uw = (u * u).sum(-1), (w * w).sum(-1), (u * w).sum(-1)
    den = np.sqrt(uu * ww)
    return {"f": k * uw, "ntk": k**2 * (eu * ww + ew * uu), "u_norm": np.sqrt(uu), "w_norm": np.sqrt(ww),
            "cos": np.divide(uw, den, out=np.zeros_like(den), where=den > 0),
            "c1": ew * uu - eu * ww, "c2": uu * ww - uw**2}


def compute_ode_reference(batch: LinearBatch, b: int, rtol=1e-12, atol=1e-14) -> tuple[np.ndarray, np.ndarray]:
    """Adaptive-solver (DOP853) gradient flow of run b at its record times: u, w of shape (R+1, d)."""
    u0, w0 = batch.u0[b], batch.w0[b]
    a, k, eu, ew, d = batch.a[b], batch.kappa[b], batch.eta_u[b], batch.eta_w[b], u0.size

    def rhs(_t, x):
        u, w = x[:d], x[d:]
        # du/dt = −η_u κ e w, dw/dt = −η_w κ e u, e = κ u·w − a
        e = k * (u @ w) - a
        return np.concatenate([-eu * k * e * w, -ew * k * e * u])

    t = batch.times[b]
    sol = solve_ivp(rhs, (0.0, t[-1]), np.concatenate([u0, w0]), method="DOP853", t_eval=t,
                    rtol=rtol, atol=atol)
    return sol.y[:d].T, sol.y[d:].T


def compute_rel_sup(x, ref, axis=-1):
    """max_t ‖x(t) − ref(t)‖ / max_t ‖ref(t)‖ per run (vectors along `axis`, time on the axis before).

    Normalised by the largest norm along the path, not pointwise: a layer whose weights pass
    through 0 (a sign flip of w when f0 and a differ in sign) would make a pointwise ratio blow up.
    """
    num = np.linalg.norm(x - ref, axis=axis)
    den = np.maximum(np.linalg.norm(ref, axis=axis), 1e-300)
    return num.max(-1) / den.max(-1)


def compute_drift(series, scale):
    """max_t |x(t) − x(0)| / max_t scale(t), per run (relative variation of a conserved quantity)."""
    return np.abs(series - series[:, :1]).max(-1) / np.maximum(np.abs(scale).max(-1), 1e-300)


def compute_f_errors(batch, gd_f, exact_f):
    """max_t |f_GD − f_exact| / max(|a|, |f0|) per run."""
    scale = np.maximum(np.abs(batch.a), np.abs(exact_f[:, 0]))
    return np.abs(gd_f - exact_f).max(-1) / scale


def compute_ode_errors(batch, ex):
    """Closed form vs adaptive solver: f and weight errors, and the drift of Q on the solver path."""
    f_err, w_err, q_drift = [], [], []
    for b in range(len(batch.a)):
        u, w = compute_ode_reference(batch, b)
        d = u.shape[1]
        st = compute_trajectory_stats(batch.take(b), u[None], w[None])
        f_err.append(compute_f_errors(batch.take(b), st["f"], ex["f"][b:b + 1])[0])
        w_err.append(max(compute_rel_sup(u, ex["u"][b][:, :d]), compute_rel_sup(w, ex["w"][b][:, :d])))
        q = theory.ntk_invariant(st["f"], st["ntk"], kappa=batch.kappa[b], eta_u=batch.eta_u[b],
                                 eta_w=batch.eta_w[b])
        q_drift.append(compute_drift(q, st["ntk"] ** 2)[0])
    return max(f_err), max(w_err), max(q_drift)


def compute_kernel_change(u, w, *, a, kappa, eta_u, eta_w):
    """ΔK/K0 = (K∞ − K0)/K0 per row, without cancellation: ΔK = (K∞² − K0²)/(K∞ + K0)."""
    k0 = theory.ntk_scalar(u, w, kappa=kappa, eta_u=eta_u, eta_w=eta_w)
    f0 = kappa * (u * w).sum(-1)
    # K∞² − K0² = 4 η_u η_w κ² (a² − f0²)
    dk2 = 4.0 * eta_u * eta_w * kappa**2 * (a**2 - f0**2)
    kinf = np.sqrt(np.maximum(k0**2 + dk2, 0.0))
    return dk2 / (kinf + k0) / k0


# ---- C7: MLP on digits ----------------------------------------------------------------------

def compute_stable_lr(base_lr: float, ntk_probe: np.ndarray) -> float:
    """min(base_lr, 1/(λmax(Θ)/n_probes)): GD on ½-mean MSE is stable for lr · λmax(Θ_B)/B < 2."""
    lam = float(np.linalg.eigvalsh(ntk_probe.astype(np.float64))[-1]) / len(ntk_probe)
    return float(min(base_lr, 1.0 / lam))


def compute_centered_alignment(features: np.ndarray, y: np.ndarray) -> float:
    """Centered kernel–target alignment of the feature Gram with YYᵀ (Cortes et al. 2012)."""
    f = features - features.mean(0, keepdims=True)
    yc = y - y.mean(0, keepdims=True)
    return kernel_alignment(f @ f.T, yc @ yc.T)


def compute_readout_feature_cosine(readout: np.ndarray, features: np.ndarray, labels: np.ndarray) -> float:
    """Mean over classes of cos(readout row c, mean penultimate feature of class c)."""
    cos = []
    for c in range(readout.shape[0]):
        mu = features[labels == c].mean(0)
        cos.append(readout[c] @ mu / (np.linalg.norm(readout[c]) * np.linalg.norm(mu) + 1e-30))
    return float(np.mean(cos))


def compute_run_measures(start: dict, end: dict, data: dict) -> dict:
    """Compare the start and end snapshots of one run (keys: see experiments_mlp.MlpOps.mlp_snapshot)."""
    y, lab = data["y_train"], data["label_train"]
    kta0, kta1 = compute_centered_alignment(start["feat"], y), compute_centered_alignment(end["feat"], y)
    cos0 = compute_readout_feature_cosine(start["readout"], start["feat"], lab)
    cos1 = compute_readout_feature_cosine(end["readout"], end["feat"], lab)
    log_norm = np.log(np.array(end["norms"]) / np.array(start["norms"]))
    return {
        "ntk_rel_change": relative_change(end["ntk"], start["ntk"]),
        "ntk_norm_ratio": float(np.linalg.norm(end["ntk"]) / np.linalg.norm(start["ntk"])),
        "kta_start": kta0, "kta_end": kta1, "kta_gain": kta1 - kta0,
        "readout_cos_start": cos0, "readout_cos_end": cos1,
        "max_abs_log_norm_ratio": float(np.abs(log_norm).max()), "log_norm_ratios": log_norm,
        "test_acc": float(np.mean(end["test_pred"] == data["label_test"])),
        "train_loss_end": end["loss"],
    }


def compute_mlp_summary(runs: dict, alphas, trend_widths) -> dict:
    """C7 metrics from per-run measures: runs[("alpha", a)] and runs[("width", w)]."""
    small, large = runs[("alpha", min(alphas))], runs[("alpha", max(alphas))]
    first, last = runs[("width", trend_widths[0])], runs[("width", trend_widths[-1])]
    not_large = [runs[("alpha", a)]["test_acc"] for a in alphas if a <= 1.0]
    drop_cos = 1.0 - large["readout_cos_end"] / large["readout_cos_start"]
    out = {
        "small_init_kta_gain": small["kta_gain"],
        "kta_gain_small_minus_2x_large": small["kta_gain"] - 2.0 * max(large["kta_gain"], 0.0),
        "large_init_disalignment": float(max(drop_cos, 1.0 - large["ntk_norm_ratio"])),
        "ntk_change_width_ratio": last["ntk_rel_change"] / first["ntk_rel_change"],
        "rescaling_feature_logratio": small["max_abs_log_norm_ratio"],
        "rescaling_kernel_logratio": last["max_abs_log_norm_ratio"],
        "acc_gap_small_minus_large": float(max(not_large) - large["test_acc"]),
    }
    for key, m in runs.items():
        for name in ("ntk_rel_change", "kta_gain", "readout_cos_start", "readout_cos_end", "test_acc",
                     "ntk_norm_ratio", "max_abs_log_norm_ratio", "lr"):
            out[f"{key[0]}_{key[1]:g}_{name}"] = m[name]
    return out
