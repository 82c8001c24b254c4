"""Closed forms of the edge-of-stability paper (numpy only).

* The EoS threshold 2/η (Cohen et al., ICLR 2021, Sec. 3): GD on a quadratic with curvature λ is
  stable iff λ < 2/η.
* The first Taylor coefficients of the minibatch loss along a step, φ(η) = L_B(θ − ηΔ)
  (Terjék 2025, arXiv:2502.13110v2, the Taylor-coefficient proposition; README, Model and derivation):
  a_1 = −⟨∇L_B, Δ⟩, a_2 = ½ ΔᵀHΔ, a_3 = −⅙ ∇³L_B[Δ, Δ, Δ].
  For a bias-free MLP whose ReLU masks are frozen at θ, each layer is linear in its own weights,
  so the output is a polynomial of degree L in η and the MSE loss one of degree 2L; its
  coefficients follow exactly from propagating polynomial coefficients layer by layer
  (`taylor_polynomial_frozen_relu`). This is our independent closed form: the paper writes the
  same coefficients through per-layer Gram matrices [its exact expressions could not be read].
"""
from __future__ import annotations

from typing import Sequence

import numpy as np


def eos_threshold(lr: float) -> float:
    """2/η: the largest Hessian eigenvalue GD with step η can be stable at (Cohen et al. 2021, Sec. 3)."""
    return 2.0 / lr


def quadratic_model_max_lr(a1: float, a2: float) -> float:
    """Largest η at which the quadratic model a_1η + a_2η² still predicts a decrease: η < −a_1/a_2."""
    return -a1 / a2 if a2 > 0 else np.inf


def relu_masks(x: np.ndarray, weights: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Activation masks 1[h_k > 0] of a bias-free ReLU MLP at the given weights (hidden layers only)."""
    masks, h = [], x
    for w in weights[:-1]:
        pre = h @ w.T
        masks.append((pre > 0).astype(np.float64))
        h = np.maximum(pre, 0.0)
    return masks


def taylor_polynomial_frozen_relu(x: np.ndarray, y: np.ndarray, weights: Sequence[np.ndarray],
                                  direction: Sequence[np.ndarray]) -> np.ndarray:
    """Coefficients c_0..c_{2L} of φ(η) = L_B(W − ηΔ) for a bias-free MLP with masks frozen at W.

    L_B = (1/2B) Σ_i ‖f(x_i) − y_i‖². Returns c with φ(η) = Σ_m c_m η^m exactly, so
    (a_1, a_2, a_3) = c[1:4] (Terjék 2025, Taylor coefficients of the minibatch loss).
    """
    masks = relu_masks(x, weights)
    coef = [np.asarray(x, dtype=np.float64)]  # x_0(η) = x: a polynomial of degree 0
    for k, (w, d) in enumerate(zip(weights, direction, strict=True)):
        # h_k(η) = x_{k-1}(η) (W_k − η Δ_k)ᵀ: multiply polynomials in η
        nxt = [c @ w.T for c in coef] + [np.zeros((x.shape[0], w.shape[0]))]
        for j, c in enumerate(coef):
            nxt[j + 1] = nxt[j + 1] - c @ d.T
        # x_k = m_k ⊙ h_k with the mask m_k frozen at η = 0 (identity on the output layer)
        coef = [m * masks[k] for m in nxt] if k < len(masks) else nxt
    coef[0] = coef[0] - y  # residual r(η) = f(η) − y
    deg = len(coef) - 1
    out = np.zeros(2 * deg + 1)
    for i in range(deg + 1):
        for j in range(deg + 1):
            # (1/2B) Σ ⟨r_i, r_j⟩ contributes to η^{i+j}
            out[i + j] += (coef[i] * coef[j]).sum() / (2 * x.shape[0])
    return out
