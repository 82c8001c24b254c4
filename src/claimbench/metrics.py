"""Numpy-only measures shared by the papers: ranks of spectra and alignment of kernels.

All functions take numpy arrays and return python floats; none imports torch or jax.
"""
from __future__ import annotations

import numpy as np


def singular_values(a: np.ndarray) -> np.ndarray:
    """Singular values of a matrix, descending."""
    return np.linalg.svd(np.asarray(a, dtype=np.float64), compute_uv=False)


def stable_rank(a: np.ndarray) -> float:
    """‖A‖_F² / ‖A‖_2² (Rudelson & Vershynin); 0 for the zero matrix."""
    s = singular_values(a)
    return float((s**2).sum() / s[0] ** 2) if s.size and s[0] > 0 else 0.0


def participation_ratio(eigenvalues: np.ndarray) -> float:
    """(Σλ)² / Σλ² of non-negative eigenvalues (e.g. of a feature covariance)."""
    lam = np.clip(np.asarray(eigenvalues, dtype=np.float64), 0.0, None)
    den = float((lam**2).sum())
    return float(lam.sum() ** 2 / den) if den > 0 else 0.0


def feature_participation_ratio(features: np.ndarray) -> float:
    """Participation ratio of the covariance spectrum of features (rows = samples), centred."""
    x = np.asarray(features, dtype=np.float64)
    x = x - x.mean(axis=0, keepdims=True)
    return participation_ratio(singular_values(x) ** 2)


def effective_rank(a: np.ndarray) -> float:
    """exp(entropy of the normalised singular values) (Roy & Vetterli 2007)."""
    s = singular_values(a)
    total = s.sum()
    if total <= 0:
        return 0.0
    p = s[s > 0] / total
    return float(np.exp(-(p * np.log(p)).sum()))


def rank_above(a: np.ndarray, rel_threshold: float) -> int:
    """Number of singular values above rel_threshold × the largest one."""
    s = singular_values(a)
    return int((s > rel_threshold * s[0]).sum()) if s.size and s[0] > 0 else 0


def kernel_alignment(k1: np.ndarray, k2: np.ndarray) -> float:
    """⟨K1, K2⟩_F / (‖K1‖_F ‖K2‖_F) (Cristianini et al. 2002)."""
    k1, k2 = np.asarray(k1, dtype=np.float64), np.asarray(k2, dtype=np.float64)
    den = np.linalg.norm(k1) * np.linalg.norm(k2)
    return float((k1 * k2).sum() / den) if den > 0 else 0.0


def target_alignment(kernel: np.ndarray, y: np.ndarray) -> float:
    """Kernel–target alignment ⟨K, yyᵀ⟩ / (‖K‖_F ‖yyᵀ‖_F); y is (n,) or (n, outputs)."""
    y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    return kernel_alignment(kernel, y @ y.T)


def relative_change(new: np.ndarray, old: np.ndarray) -> float:
    """‖new − old‖ / ‖old‖ (Frobenius for matrices)."""
    old = np.asarray(old, dtype=np.float64)
    den = float(np.linalg.norm(old))
    return float(np.linalg.norm(np.asarray(new, dtype=np.float64) - old) / den) if den > 0 else float("inf")


def loglog_slope(x: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of log|y| against log x."""
    return float(np.polyfit(np.log(np.asarray(x, float)), np.log(np.abs(np.asarray(y, float))), 1)[0])
