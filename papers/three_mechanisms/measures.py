"""Measurements of the three-mechanisms runs, in numpy: trajectory → the numbers the claims read.

Linear model: the closed form on each run's record grid, f/NTK/cos θ/conserved quantities from recorded
weights, an adaptive-solver reference and the error measures (C1–C6); the kernel change ΔK/K0 of the
phase diagram (C3). C7's measurements are in measures_c7.py.
"""
from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp

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
