"""Measurements on a trained ReLU MLP, in float64 numpy (Jacot 2023, arXiv 2305.19008v3, abstract).

For a ReLU net the input Jacobian and the NTK are exact products of the weights and the 0/1
activation patterns D_l(x), so they are computed here without autodiff (tests compare them with
torch autodiff). `compute_net_measures` returns everything the claims read about one trained net;
the symmetry measurements (C6) are in measures_symmetry.py.
"""
from __future__ import annotations

import numpy as np

from .data import Net

TOP = 10  # singular values kept per layer for the Fig. 1-style plots


def forward(net: Net, x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Pre-activations pre_1..pre_L and post-activations h_0 = x, h_1..h_{L-1} of the ReLU MLP."""
    weights, biases = net
    pres, posts = [], [x]
    for ell, (w, b) in enumerate(zip(weights, biases, strict=True)):
        # pre_l = W_l h_{l-1} + b_l ; h_l = σ(pre_l) with σ = ReLU (homogeneous, as in the paper)
        pres.append(posts[-1] @ w.T + b)
        if ell < len(weights) - 1:
            posts.append(np.maximum(pres[-1], 0.0))
    return pres, posts


def middle_layers(depth: int, lo: float, hi: float) -> range:
    """1-based layers l in [round(lo L), round(hi L)) ('almost all layers' read as the middle ones)."""
    return range(max(1, round(lo * depth)), min(depth, round(hi * depth)))


def compute_representation_rank(h: np.ndarray, energy: float, centred: bool = True) -> int:
    """Smallest r with Σ_{i≤r} s_i² ≥ energy · Σ s_i² for the (centred) N×w representation."""
    h = h - h.mean(axis=0, keepdims=True) if centred else h
    s2 = np.linalg.svd(h, compute_uv=False) ** 2
    if s2.sum() <= 0:
        return 0
    return int(np.searchsorted(np.cumsum(s2) / s2.sum(), energy - 1e-12) + 1)


def backward_factors(net: Net, pres: list[np.ndarray]) -> list[np.ndarray]:
    """B_l(x) = ∂f(x)/∂pre_l, shape (N, d_out, n_l): B_L = I, B_l = B_{l+1} W_{l+1} D_l(x)."""
    weights = net[0]
    n, d_out = pres[-1].shape
    factors = [np.broadcast_to(np.eye(d_out), (n, d_out, d_out))]
    for ell in range(len(weights) - 2, -1, -1):
        mask = (pres[ell] > 0).astype(np.float64)[:, None, :]  # D_l = diag(σ'(pre_l))
        factors.append((factors[-1] @ weights[ell + 1]) * mask)
    return factors[::-1]


def compute_jacobian_logdet(jac: np.ndarray, k: int) -> np.ndarray:
    """2 log|J(x)|_+ restricted to the top-k singular values: 2 Σ_{i≤k} log s_i(J(x)), per x."""
    s = np.linalg.svd(jac, compute_uv=False)[:, :k]
    with np.errstate(divide="ignore"):
        return 2.0 * np.log(s).sum(axis=1)


def compute_prop3_rhs(jac: np.ndarray, depth: int) -> np.ndarray:
    """L Σ_{i ≤ rank J(x)} s_i(J(x))^{2/L} per x: ≤ ‖W‖² for every θ (Prop. 3 of arXiv 2209.15055).

    Numerical rank: s_i > s_1 · max(d_out, d_in) · eps (numpy's matrix_rank tolerance). The true small
    singular values of a product of L matrices are far below round-off, and s^{2/L} would magnify
    the round-off (L = 12: (1e-18)^{1/6} = 1e-3 per value); dropping them only weakens the check.
    """
    s = np.linalg.svd(jac, compute_uv=False)
    keep = s > s[:, :1] * max(jac.shape[1:]) * np.finfo(s.dtype).eps
    # L Σ_i s_i^{2/L} over the numerically nonzero singular values
    return depth * (np.where(keep, s, 0.0) ** (2.0 / depth)).sum(axis=1)


def compute_activation_spectra(posts: list[np.ndarray]) -> np.ndarray:
    """Top-10 singular values of the uncentred N × n_l post-activations h_1..h_{L-1} (2209.15055's plot)."""
    return np.stack([_top(np.linalg.svd(h, compute_uv=False)) for h in posts[1:]])


def compute_relu_impact(pres: list[np.ndarray]) -> np.ndarray:
    """‖Z̃_l − σ(Z̃_l)‖_F / ‖Z̃_l‖_F per hidden layer, Z̃_l the pre-activations (2209.15055's 'impact')."""
    # Z̃ − σ(Z̃) = min(Z̃, 0): the part of the pre-activation the ReLU removes
    return np.array([np.linalg.norm(np.minimum(z, 0.0)) / max(np.linalg.norm(z), 1e-300) for z in pres[:-1]])


def _top(s: np.ndarray) -> np.ndarray:
    """The first TOP entries of a descending spectrum, zero-padded."""
    return np.pad(s[:TOP], (0, max(0, TOP - s.size)))


def compute_ntk_trace(factors: list[np.ndarray], posts: list[np.ndarray]) -> np.ndarray:
    """Tr Θ(x, x) = Σ_j ‖∂f_j(x)/∂θ‖² = Σ_l ‖B_l(x)‖_F² (‖h_{l-1}(x)‖² + 1) (weights and biases)."""
    return sum((f**2).sum(axis=(1, 2)) * ((h**2).sum(axis=1) + 1.0) for f, h in zip(factors, posts, strict=True))


def compute_ntk_lambda_max(factors: list[np.ndarray], posts: list[np.ndarray], n: int) -> float:
    """λ_max of the Gram NTK Θ[(a,j),(b,i)] = Σ_l B_l(a)[j]·B_l(b)[i] (h_{l-1}(a)·h_{l-1}(b) + 1)."""
    d_out = factors[0].shape[1]
    gram = np.zeros((n * d_out, n * d_out))
    for f, h in zip(factors, posts, strict=True):
        f, h = f[:n], h[:n]
        kern = h @ h.T + 1.0
        gram += (np.einsum("ajw,biw->ajbi", f, f) * kern[:, None, :, None]).reshape(n * d_out, -1)
    return float(np.linalg.eigvalsh(gram)[-1])


def _spectrum_summary(svs: list[np.ndarray], mids: range, k: int, thr: float) -> dict:
    """C1 on one net: counts n_l = #{s_i(W_l) > thr}, their top values and the gap s_{n+1}."""
    counts = np.array([int((s > thr).sum()) for s in svs])
    ok = [ell for ell in mids if counts[ell - 1] in (k, k + 1)]
    tops = np.concatenate([svs[ell - 1][: counts[ell - 1]] for ell in (ok or mids)] + [np.zeros(0)])
    nxt = [svs[ell - 1][counts[ell - 1]] if counts[ell - 1] < svs[ell - 1].size else 0.0 for ell in mids]
    mid_counts = counts[[ell - 1 for ell in mids]]
    return {
        "mid_count_median": float(np.median(mid_counts)),
        "mid_frac_count_ok": len(ok) / len(mids),
        "mid_top_min": float(tops.min()) if tops.size else 0.0,  # no order-1 value at all: 0 (fails)
        "mid_top_max": float(tops.max()) if tops.size else 0.0,
        "mid_gap_sv": float(np.median(nxt)),
        "counts_layers": counts,
    }


def _representation_summary(posts: list[np.ndarray], mids: range, k: int, energy: float) -> dict:
    """C2 on one net: centred (and uncentred) 99%-energy ranks of h_1..h_{L-1}."""
    r99 = np.array([compute_representation_rank(h, energy) for h in posts[1:]])
    r99u = np.array([compute_representation_rank(h, energy, centred=False) for h in posts[1:]])
    mid = r99[[ell - 1 for ell in mids]]
    return {
        "mid_r99_median": float(np.median(mid)),
        "mid_r99_max_minus_k": float(mid.max() - k),
        "mid_frac_r99_eq_k": float(np.mean(mid == k)),
        "all_frac_r99_eq_k": float(np.mean(r99 == k)),
        "r99_layers": r99,
        "r99u_layers": r99u,
    }


def compute_net_measures(net: Net, x: np.ndarray, y: np.ndarray, p, lmax: bool = False) -> dict:
    """All per-net measurements (C1–C5) of a trained net on the training inputs x."""
    weights, biases = net
    depth, k = len(weights), p.rank
    svs = [np.linalg.svd(w, compute_uv=False) for w in weights]
    mids = middle_layers(depth, p.mid_lo, p.mid_hi)
    pres, posts = forward(net, x)
    factors = backward_factors(net, pres)
    # Jf(x) = W_L D_{L-1} W_{L-1} ... D_1 W_1  (= B_1(x) W_1)
    jac = factors[0] @ weights[0]
    logdet = compute_jacobian_logdet(jac, k)
    wnorm2 = float(sum((w**2).sum() for w in weights))
    prop3 = compute_prop3_rhs(jac, depth)
    out = {"depth": depth, "wnorm2": wnorm2,
           "theta_norm2": wnorm2 + float(sum((b**2).sum() for b in biases)),
           "mse": float(((pres[-1] - y) ** 2).sum(axis=1).mean()),
           "y_var": float(((y - y.mean(axis=0)) ** 2).sum(axis=1).mean()),
           "max_2logdet_J": float(logdet.max()), "mean_2logdet_J": float(logdet.mean()),
           # finite-L bound (README, Model and derivation: Horn + AM–GM): ‖W‖² − L k ≥ 2 log|Jf(x)|_+ for every θ and x
           "c3_min_margin": float((wnorm2 - depth * k - logdet).min()),
           # Prop. 3: ‖W‖² ≥ L Σ_i s_i(Jf(x))^{2/L} for every θ and x (ratio ≤ 1; README, Model)
           "prop3_rhs_max": float(prop3.max()), "prop3_ratio": float(prop3.max() / wnorm2),
           # Tr Θ(x,x) / L averaged over the training inputs (C4: Θ = O(L))
           "ntk_trace_over_L": float(compute_ntk_trace(factors, posts).mean() / depth),
           "svals_top10": np.stack([_top(s) for s in svs]), "act_svals_top10": compute_activation_spectra(posts)}
    impact = compute_relu_impact(pres)
    out["relu_impact_layers"] = impact
    out["relu_impact_mid_median"] = float(np.median(impact[[ell - 1 for ell in mids]]))
    out.update(_spectrum_summary(svs, mids, k, p.sv_threshold))
    out.update(_representation_summary(posts, mids, k, p.energy))
    # E(L) = ‖W‖² − L n, n the realised middle-layer count (R^(1) proxy, weights only)
    out["excess_norm"] = wnorm2 - depth * out["mid_count_median"]
    out["excess_minus_logdet"] = out["excess_norm"] - out["max_2logdet_J"]
    if lmax:
        n = min(len(x), p.ntk_samples)
        out["ntk_lmax_over_n"] = compute_ntk_lambda_max(factors, posts, n) / n
    return out


def compute_sweep_summary(rows: list[dict], k: int) -> dict:
    """C3b, C3c, C4a, C5 and C1 depth scaling from the per-depth measurements (sorted by depth)."""
    depths = np.array([r["depth"] for r in rows], dtype=float)
    w2 = np.array([r["wnorm2"] for r in rows])
    n_mid = np.array([r["mid_count_median"] for r in rows])
    tr = np.array([r["ntk_trace_over_L"] for r in rows])
    # ‖W‖² ≈ L R^(0) + R^(1): least-squares slope against L estimates R^(0)
    slope = float(np.polyfit(depths, w2, 1)[0]) if len(rows) >= 2 else float("nan")
    # C1.4: median s_{n+1} · sqrt(L) must not grow (the theorem bounds s_{n+1} by O(L^{-1/2}))
    gap_sqrt = np.array([r["mid_gap_sv"] for r in rows]) * np.sqrt(depths)
    excess = w2 - depths * n_mid[-1]
    ref = 1 if len(rows) > 2 else 0
    return {
        "sweep_depths": depths, "sweep_wnorm2": w2, "sweep_n_mid": n_mid, "sweep_ntk_trace_over_L": tr,
        "sweep_r99_mid": np.array([r["mid_r99_median"] for r in rows]), "sweep_gap_sqrtL": gap_sqrt,
        "sweep_max_2logdet_J": np.array([r["max_2logdet_J"] for r in rows]), "sweep_excess": excess,
        "sweep_mse": np.array([r["mse"] for r in rows]),
        "sweep_prop3_ratio": np.array([r["prop3_ratio"] for r in rows]),
        "sweep_prop3_rhs_max": np.array([r["prop3_rhs_max"] for r in rows]),
        "wnorm2_slope": slope, "slope_minus_n": slope - n_mid[-1],
        "ntk_ratio_max": float(tr.max() / tr[0]),
        "n_mid_max_increase": float(np.diff(n_mid).max()) if len(rows) >= 2 else 0.0,
        "n_mid_last_minus_k": float(n_mid[-1] - k),
        "gap_sqrtL_increase": float(gap_sqrt[-1] - 1.3 * gap_sqrt[0]),
        # C3c: |E(L_max) − E(L_ref)| / (n (L_max − L_ref)), L_ref the second-smallest depth (12 in full)
        "excess_growth": float(abs(excess[-1] - excess[ref]) / (max(n_mid[-1], 1) * max(depths[-1] - depths[ref], 1))),
    }
