"""Closed-form gradient flow of the one-hidden-layer linear network on 1-D data (numpy only).

Model (Xu & Ziyin, arXiv 2401.07085v3, abstract: one hidden linear layer, 1-D data, any width; our notation):
f = kappa * u·w, L = ½ (kappa u·w − a)², du/dt = −eta_u ∂L/∂u, dw/dt = −eta_w ∂L/∂w.
The exact trajectory from any initialisation and width is obtained by rescaling each layer by
√eta, which reduces the flow to a constant-coefficient Riccati equation (derived by us: README, "Model
and derivation"; checked against scipy's solve_ivp in tests/papers/test_three_mechanisms.py).
"""
from __future__ import annotations

import numpy as np


def _riccati_y(times, alpha, beta, P, M):
    """y(t) = exp(2G(t)) solving dy/dt = alpha P − 2 beta y − alpha M y², y(0) = 1 (beta ≥ 0).

    Written with S = √(beta² + alpha² M P) so that M → 0 and P → 0 stay finite (no y₋ = −∞).
    """
    t = np.asarray(times, dtype=np.float64)
    if alpha == 0.0:
        return np.ones_like(t)
    # S = √(β² + α² M P): half the final NTK (K∞ = 2S)
    S = np.sqrt(beta**2 + alpha**2 * M * P)
    if S == 0.0:  # beta = 0 and M·P = 0: the Riccati ODE has only one term left
        if M == 0.0:
            return 1.0 + alpha * P * t  # dy/dt = αP
        return 1.0 / (1.0 + alpha * M * t)  # dy/dt = −αM y²
    # y₊ = (−β + S)/(αM) = αP/(β + S): the stable root
    y_plus = alpha * P / (beta + S)
    # z = (y − y₊)/(y − y₋) decays like e^{−2St}; k = z(0) = (1 − y₊) αM / (αM + β + S)
    k = (1.0 - y_plus) * alpha * M / (alpha * M + beta + S)
    E = np.exp(-2.0 * S * t)
    # y − y₊ = (1 − y₊) · 2S E / (αM + β + S) / (1 − k E)
    return y_plus + (1.0 - y_plus) * 2.0 * S * E / ((alpha * M + beta + S) * (1.0 - k * E))


def _safe_scale(vec, factor):
    """vec[None, :] * factor[:, None], with 0 · inf read as 0 (a zero vector stays zero)."""
    if not np.any(vec):
        return np.zeros((len(factor), vec.size))
    return factor[:, None] * vec[None, :]


def solve(u0, w0, *, a, kappa=1.0, eta_u=1.0, eta_w=1.0, times):
    """Exact gradient-flow trajectory of f = kappa u·w on L = ½(f − a)² from (u0, w0).

    Returns a dict of arrays over `times`: "f" (output), "u", "w" (T×d weights), "ntk"
    (K = kappa² (eta_u |w|² + eta_w |u|²)), "cos" (cosine of the angle between u and w),
    "u_norm", "w_norm". Works for any width, any eta ratio, a of either sign (a < 0 by the
    symmetry (u, w, a) → (u, −w, −a)), kappa < 0 (by (kappa, w) → (−kappa, −w)), and the
    degenerate inits u0 ∥ w0, u0 = −w0, f0 = a, u0 = w0 = 0.
    """
    u0 = np.asarray(u0, dtype=np.float64).ravel()
    w0 = np.asarray(w0, dtype=np.float64).ravel()
    t = np.asarray(times, dtype=np.float64)
    sign = 1.0
    if kappa < 0:  # f = (−kappa)(u·(−w)): same flow with w flipped
        kappa, w0, sign = -kappa, -w0, -sign
    if a < 0:  # (u, w, a) → (u, −w, −a) maps solutions to solutions
        a, w0, sign = -a, -w0, -sign
    if not (eta_u > 0 and eta_w > 0):
        raise ValueError(f"learning rates must be positive, got eta_u={eta_u}, eta_w={eta_w}")
    r = np.sqrt(eta_u * eta_w)
    # rescaled layers ũ = u/√η_u, w̃ = w/√η_w obey dũ/dt = −rκe w̃, dw̃/dt = −rκe ũ
    ut, wt = u0 / np.sqrt(eta_u), w0 / np.sqrt(eta_w)
    A, B = ut + wt, ut - wt
    # P = |ũ₀ + w̃₀|², M = |ũ₀ − w̃₀|²;  α = r²κ²/2, β = rκa
    P, M = float(A @ A), float(B @ B)
    alpha, beta = 0.5 * r**2 * kappa**2, r * kappa * a
    y = _riccati_y(t, alpha, beta, P, M)
    with np.errstate(divide="ignore"):
        inv_sqrt_y, sqrt_y = 1.0 / np.sqrt(y), np.sqrt(y)
    P_over_y = np.divide(P, y, out=np.zeros_like(y), where=P > 0)
    # ũ + w̃ = A e^{−G},  ũ − w̃ = B e^{G},  y = e^{2G}
    plus, minus = _safe_scale(A, inv_sqrt_y), _safe_scale(B, sqrt_y)
    u = np.sqrt(eta_u) * 0.5 * (plus + minus)
    w = sign * np.sqrt(eta_w) * 0.5 * (plus - minus)
    # f = κ r (P/y − M y)/4
    f = sign * kappa * r * (P_over_y - M * y) / 4.0
    # K = κ² r² (|ũ|² + |w̃|²) = κ² r² (P/y + M y)/2
    ntk = kappa**2 * r**2 * (P_over_y + M * y) / 2.0
    u_norm, w_norm = np.linalg.norm(u, axis=1), np.linalg.norm(w, axis=1)
    den = u_norm * w_norm
    cos = np.divide(np.einsum("td,td->t", u, w), den, out=np.zeros_like(den), where=den > 0)
    return {"f": f, "u": u, "w": w, "ntk": ntk, "cos": cos, "u_norm": u_norm, "w_norm": w_norm}


def ntk_scalar(u, w, *, kappa=1.0, eta_u=1.0, eta_w=1.0):
    """Learning-rate weighted scalar NTK K = kappa² (eta_u |w|² + eta_w |u|²) (last axis = width)."""
    u, w = np.asarray(u, dtype=np.float64), np.asarray(w, dtype=np.float64)
    return kappa**2 * (eta_u * (w * w).sum(-1) + eta_w * (u * u).sum(-1))


def conserved(u, w, *, eta_u=1.0, eta_w=1.0):
    """The two conserved quantities: C1 = eta_w|u|² − eta_u|w|² and C2 = |u|²|w|² − (u·w)² (last axis)."""
    u, w = np.asarray(u, dtype=np.float64), np.asarray(w, dtype=np.float64)
    uu, ww, uw = (u * u).sum(-1), (w * w).sum(-1), (u * w).sum(-1)
    return eta_w * uu - eta_u * ww, uu * ww - uw**2


def ntk_invariant(f, ntk, *, kappa=1.0, eta_u=1.0, eta_w=1.0):
    """Q = K² − 4 eta_u eta_w kappa² f², constant along the flow (README: the key identity)."""
    # K(t)² = Q + 4 η_u η_w κ² f(t)²
    return np.asarray(ntk) ** 2 - 4.0 * eta_u * eta_w * kappa**2 * np.asarray(f) ** 2


def final_ntk(u0, w0, *, a, kappa=1.0, eta_u=1.0, eta_w=1.0):
    """K∞ = √(K₀² + 4 eta_u eta_w kappa² (a² − f₀²)), the NTK at convergence (and the final rate)."""
    u0, w0 = np.asarray(u0, dtype=np.float64), np.asarray(w0, dtype=np.float64)
    k0 = ntk_scalar(u0, w0, kappa=kappa, eta_u=eta_u, eta_w=eta_w)
    f0 = kappa * float(u0 @ w0)
    # K∞² − K₀² = 4 η_u η_w κ² (a² − f₀²)
    return float(np.sqrt(max(k0**2 + 4.0 * eta_u * eta_w * kappa**2 * (a**2 - f0**2), 0.0)))


def final_cos(u0, w0, *, a, kappa=1.0):
    """|cos θ∞| = |a| / √(kappa² C2 + a²) (C2 is conserved, cos²θ = s²/(C2 + s²), s∞ = a/kappa)."""
    _, c2 = conserved(u0, w0)
    return float(abs(a) / np.sqrt(kappa**2 * c2 + a**2)) if a != 0 else 0.0


def chi_squared(*, a, kappa, d, eta_u, eta_w, var_u, var_w):
    """Feature-learning strength χ² = 4 eta_u eta_w a² / (kappa² d² (eta_u var_w + eta_w var_u)²)."""
    return 4.0 * eta_u * eta_w * a**2 / (kappa**2 * d**2 * (eta_u * var_w + eta_w * var_u) ** 2)


def kernel_change_orthogonal(chi2):
    """ΔK/K₀ = √(1 + χ²) − 1, exact for u₀ ⟂ w₀ (f₀ = 0) with |u₀|² = d var_u, |w₀|² = d var_w."""
    return np.sqrt(1.0 + np.asarray(chi2, dtype=np.float64)) - 1.0


def exponent_chi(q, p_u, p_w, c_u, c_w):
    """E_χ with χ² ∝ d^{E_χ} for kappa ∝ d^{−q}, var_u ∝ d^{−p_u}, var_w ∝ d^{−p_w}, eta ∝ d^{c}.

    E_χ < 0: kernel phase; E_χ = 0: O(1) feature learning; E_χ > 0: strong feature learning.
    """
    # E_χ = c_u + c_w + 2q − 2 − 2 max(c_u − p_w, c_w − p_u)
    return c_u + c_w + 2 * q - 2 - 2 * np.maximum(c_u - p_w, c_w - p_u)


def exponent_ntk(q, p_u, p_w, c_u, c_w):
    """E_K with K₀ ∝ d^{E_K}: > 0 means GD at fixed step diverges as d grows, < 0 means no learning."""
    # E_K = 1 − 2q + max(c_u − p_w, c_w − p_u)
    return 1 - 2 * q + np.maximum(c_u - p_w, c_w - p_u)


def exponent_output(q, p_u, p_w):
    """Exponent of the initial output scale: f₀ ∝ d^{1/2 − q − (p_u + p_w)/2}."""
    return 0.5 - q - 0.5 * (p_u + p_w)


def phase_boundary_p(q, dc):
    """Predicted kernel/feature boundary for p_u = p_w = p: p = 1 + |c_u − c_w|/2 − q."""
    # q + p = 1 + |c_u − c_w| / 2
    return 1.0 + 0.5 * np.abs(dc) - np.asarray(q)


# Named parameterizations (q, p_u, p_w, c_u, c_w): kappa = d^{−q}, var_u = d^{−p_u}, var_w = d^{−p_w},
# eta_u = d^{c_u}, eta_w = d^{c_w} (README, Model and derivation: the phase diagram).
NAMED = {
    "NTK": (0.5, 0.0, 0.0, 0.0, 0.0),
    "MF": (1.0, 0.0, 0.0, 1.0, 1.0),
    "SP-scalar": (0.0, 1.0, 0.0, -1.0, -1.0),
    "small-init": (0.5, 1.0, 1.0, 0.0, 0.0),
    "MF eta_u>eta_w": (1.0, 0.0, 0.0, 1.0, 0.0),
    "MF eta_w>eta_u": (1.0, 0.0, 0.0, 0.0, 1.0),
}


def scaled_setting(d, q, p_u, p_w, c_u, c_w):
    """(kappa, std_u, std_w, eta_u, eta_w) at width d."""
    return d**-q, d ** (-p_u / 2), d ** (-p_w / 2), float(d) ** c_u, float(d) ** c_w
