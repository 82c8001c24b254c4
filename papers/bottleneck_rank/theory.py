"""Closed forms for the bottleneck-rank claims (Jacot 2023, arXiv 2305.19008v3, Sec. 2–3).

The deep linear case is the sanity check of the expansion R(f; L) = L R^(0) + R^(1) + R^(2)/L + O(L^-2):
for f(x) = A x the representation cost R(A; L) = min_{W_L…W_1 = A} Σ_l ‖W_l‖_F² = L Σ_i s_i(A)^{2/L}
(Dai et al. 2021, cited as the linear case in Sec. 1), attained by the balanced factorisation whose
layers all have singular values s_i(A)^{1/L}. The finite-depth bound behind R^(1) (README, Model and derivation: Horn's
inequality and AM–GM) holds for any ReLU net: ‖W‖² − L k ≥ 2 log|Jf(x)|_+ (top-k singular values).
"""
from __future__ import annotations

import numpy as np


def linear_representation_cost(s: np.ndarray, depth: int) -> float:
    """R(A; L) = L Σ_i s_i^{2/L} over the nonzero singular values s of A."""
    s = np.asarray(s, dtype=np.float64)
    s = s[s > 0]
    # R(A;L) = L Σ s_i^{2/L}
    return float(depth * (s ** (2.0 / depth)).sum())


def linear_cost_terms(s: np.ndarray) -> tuple[float, float, float]:
    """(R^(0), R^(1), R^(2)) of f(x) = A x: (rank A, 2 log|A|_+, 2 Σ log² s_i)."""
    s = np.asarray(s, dtype=np.float64)
    logs = np.log(s[s > 0])
    # s^{2/L} = exp(2 log s / L) = 1 + 2 log s / L + 2 log² s / L² + O(L^-3), times L and summed
    return float(logs.size), float(2.0 * logs.sum()), float(2.0 * (logs**2).sum())


def linear_cost_expansion(s: np.ndarray, depth: int) -> float:
    """L R^(0) + R^(1) + R^(2) / L: the large-depth expansion of R(A; L) up to O(L^-2)."""
    r0, r1, r2 = linear_cost_terms(s)
    return depth * r0 + r1 + r2 / depth


def balanced_factorisation(a: np.ndarray, depth: int, width: int, rng: np.random.Generator) -> list[np.ndarray]:
    """W_L … W_1 = A with every W_l having singular values s_i(A)^{1/L} (the minimiser of Σ‖W_l‖²).

    W_1 = Q_1 S^{1/L} Vᵀ, W_l = Q_l S^{1/L} Q_{l-1}ᵀ, W_L = U S^{1/L} Q_{L-1}ᵀ with random
    orthonormal Q_l ∈ R^{width × r}; shapes (out, in) as in data.Net.
    """
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    r = int((s > 1e-12 * s[0]).sum())
    u, root, vt = u[:, :r], np.diag(s[:r] ** (1.0 / depth)), vt[:r]
    qs = [np.linalg.qr(rng.standard_normal((width, r)))[0] for _ in range(depth - 1)]
    lefts, rights = qs + [u], [vt.T] + qs
    return [left @ root @ right.T for left, right in zip(lefts, rights, strict=True)]


def logdet_upper_bounds(weight_sq_norms: np.ndarray, k: int) -> tuple[float, float]:
    """(Σ_l k log(‖W_l‖²/k), Σ_l ‖W_l‖² − L k): both bound 2 log|Jf(x)|_+ from above, the first tighter.

    Horn: Π_{i≤k} s_i(Jf) ≤ Π_l Π_{i≤k} s_i(W_l) (the D_l have singular values ≤ 1); AM–GM:
    Π_{i≤k} s_i(W_l)² ≤ (‖W_l‖²/k)^k; and k log(u/k) ≤ u − k.
    """
    w2 = np.asarray(weight_sq_norms, dtype=np.float64)
    return float(k * np.log(w2 / k).sum()), float(w2.sum() - w2.size * k)
