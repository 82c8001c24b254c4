"""Measurements of the learned kernel from particle snapshots, in numpy (Takakura & Suzuki 2024, Sec. 3-5).

df, alignment and the test error of f_mu come from the closed forms in `theory.py` (df: Sec. 5.2; alignment:
Def. 5.1); the kernel baselines (KRR with the initial random-feature kernel and with a tuned RBF kernel) use
scikit-learn's `KernelRidge`.
"""
from __future__ import annotations

import numpy as np
from sklearn.kernel_ridge import KernelRidge

from . import theory
from .data import Dataset


def compute_measures(W: np.ndarray, data: Dataset, y: np.ndarray, lambda_a: float) -> dict[str, float]:
    """Kernel quantities of the particle measure W on the training set, and the test error of f_mu."""
    Phi = theory.features(data.Xa, W)
    K = theory.intrinsic_kernel(Phi)
    alpha = theory.inner_solve(K, y, lambda_a)
    # f_mu(x) = k_mu(x, X) alpha = (1/N) sum_i a_i h(x; w_i), a_i = Phi[:, i]^T alpha
    f_test = theory.features(data.Xa_test, W) @ (Phi.T @ alpha) / W.shape[0]
    return {"df": theory.degrees_of_freedom(K, lambda_a),
            "align_f": theory.alignment(K, data.f_train),
            "align_y": theory.alignment(K, y),
            "test_mse": float(np.mean((f_test - data.f_test) ** 2))}


def compute_path(snapshots: np.ndarray, data: Dataset, y: np.ndarray, lambda_a: float) -> dict[str, np.ndarray]:
    """`compute_measures` at every snapshot; returns {key: array over snapshots}."""
    rows = [compute_measures(W, data, y, lambda_a) for W in snapshots]
    return {k: np.array([r[k] for r in rows]) for k in rows[0]}


def compute_settle_fraction(g: np.ndarray) -> float:
    """Share of the total decrease of g done by mid-run (C1): (g_0 - mean g[T/2 - T/10 : T/2]) / (g_0 - mean g[-T/10:]).

    A run that has converged by T/2 gives about 1 (above 1 if g rises after its minimum); a run still
    descending linearly gives about 0.45. Window means average out the Langevin noise.
    """
    T = len(g)
    w = max(1, T // 10)
    mid = g[max(0, T // 2 - w):max(1, T // 2)].mean()
    # (G_0 - G_mid) / (G_0 - G_end)
    return float((g[0] - mid) / (g[0] - g[-w:].mean()))


def _tuned_krr(make, grid, K_or_X, y, val, test, f_val, f_test) -> float:
    """Fit KRR for each setting in grid on train, pick the best validation MSE, return its test MSE."""
    best = (np.inf, np.nan)
    for setting in grid:
        model = make(*setting).fit(K_or_X, y)
        val_mse = float(np.mean((model.predict(val) - f_val) ** 2))
        if val_mse < best[0]:
            best = (val_mse, float(np.mean((model.predict(test) - f_test) ** 2)))
    return best[1]


def compute_random_feature_krr_mse(data: Dataset, y: np.ndarray, W0: np.ndarray, ridges) -> float:
    """Test MSE of KRR with the initial intrinsic kernel k_{mu_0} (M random features), ridge tuned on val."""
    Phi, Phi_v, Phi_t = (theory.features(X, W0) for X in (data.Xa, data.Xa_val, data.Xa_test))
    m = W0.shape[0]
    K, K_v, K_t = Phi @ Phi.T / m, Phi_v @ Phi.T / m, Phi_t @ Phi.T / m
    grid = [(r,) for r in ridges]
    return _tuned_krr(lambda r: KernelRidge(alpha=r, kernel="precomputed"), grid, K, y, K_v, K_t,
                      data.f_val, data.f_test)


def compute_rbf_krr_mse(data: Dataset, y: np.ndarray, gammas, ridges) -> float:
    """Test MSE of RBF-KRR, bandwidth gamma * 1/(2d) and ridge tuned on the validation split."""
    X, Xv, Xt = data.Xa[:, :-1], data.Xa_val[:, :-1], data.Xa_test[:, :-1]
    scale = 1.0 / (2 * X.shape[1])
    grid = [(g * scale, r) for g in gammas for r in ridges]
    return _tuned_krr(lambda g, r: KernelRidge(alpha=r, kernel="rbf", gamma=g), grid, X, y, Xv, Xt,
                      data.f_val, data.f_test)
