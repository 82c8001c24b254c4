"""Closed forms of the two-timescale limit (Takakura & Suzuki 2024, Sec. 3 and Sec. 5), in numpy float64.

With the second layer solved exactly, a_mu(w) = h(w)^T alpha with alpha = (K_mu + n lambda_a I)^{-1} y
(representer theorem), and the objective over the first-layer distribution is
    G(mu) = (lambda_a/2) y^T (K_mu + n lambda_a I)^{-1} y + (lambda_w/2) E_mu|w|^2 + lambda Ent(mu).
The entropy term cannot be computed from particles and is never asserted on.
"""
from __future__ import annotations

import math

import numpy as np
from scipy.linalg import cho_factor, cho_solve

from claimbench.metrics import target_alignment


def features(Xa: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Phi_{ji} = h(x_j; w_i) = tanh(w_i . [x_j; 1]) for augmented inputs Xa (n x d') and particles W (N x d')."""
    return np.tanh(Xa @ W.T)


def intrinsic_kernel(Phi: np.ndarray) -> np.ndarray:
    """k_mu(x, x') = int h(x; w) h(x'; w) dmu(w), with N particles: K = Phi Phi^T / N."""
    return Phi @ Phi.T / Phi.shape[1]


def inner_solve(K: np.ndarray, y: np.ndarray, lambda_a: float) -> np.ndarray:
    """alpha = (K + n lambda_a I)^{-1} y by Cholesky (the exact second layer, Sec. 3)."""
    n = K.shape[0]
    return cho_solve(cho_factor(K + n * lambda_a * np.eye(n)), y)


def data_objective(K: np.ndarray, y: np.ndarray, lambda_a: float) -> float:
    """min_a [(1/2n)|f - y|^2 + (lambda_a/2) int a^2 dmu] = (lambda_a/2) y^T (K + n lambda_a I)^{-1} y."""
    return float(0.5 * lambda_a * y @ inner_solve(K, y, lambda_a))


def direct_objective(Phi: np.ndarray, y: np.ndarray, a: np.ndarray, lambda_a: float) -> float:
    """(1/2n) sum_j (f(x_j) - y_j)^2 + (lambda_a/2) (1/N) sum_i a_i^2 for a given second layer a (N,)."""
    f = Phi @ a / Phi.shape[1]
    return float(0.5 * np.mean((f - y) ** 2) + 0.5 * lambda_a * np.mean(a**2))


def regulariser(W: np.ndarray, lambda_w: float) -> float:
    """(lambda_w/2) E_mu |w|^2 over the particles."""
    return float(0.5 * lambda_w * np.mean(np.sum(W**2, axis=1)))


def degrees_of_freedom(K: np.ndarray, lambda_a: float) -> float:
    """df(mu) = tr(K (K + n lambda_a I)^{-1}) = sum_k s_k / (s_k + n lambda_a) (Sec. 5)."""
    s = np.clip(np.linalg.eigvalsh(K), 0.0, None)
    return float(np.sum(s / (s + K.shape[0] * lambda_a)))


def alignment(K: np.ndarray, v: np.ndarray) -> float:
    """Kernel-target alignment A(K, v) = v^T K v / (|K|_F |v|^2) (Cristianini et al. 2002)."""
    return target_alignment(K, v)


def label_noise_loss(K: np.ndarray, y: np.ndarray, xi: np.ndarray, lambda_a: float) -> float:
    """Clean regularised loss at the second layer fitted to y + xi, by its closed form.

    L(mu, a_{y+xi}; y) = (lambda_a/2) [y^T M^{-1} y - xi^T M^{-1} xi] + |xi|^2/(2n),  M = K + n lambda_a I.
    Averaged over xi this is G_data(mu) + (s^2/3)/(2n) df(mu) (see `expected_label_noise_penalty`):
    the procedure adds an implicit degrees-of-freedom penalty (Sec. 5, label noise procedure).
    """
    n = K.shape[0]
    # (lambda_a/2)[y^T M^-1 y - xi^T M^-1 xi] + |xi|^2 / 2n
    return float(0.5 * lambda_a * (y @ inner_solve(K, y, lambda_a) - xi @ inner_solve(K, xi, lambda_a))
                 + xi @ xi / (2 * n))


def expected_label_noise_penalty(K: np.ndarray, lambda_a: float, s: float) -> float:
    """E_xi[L(mu, a_{y+xi}; y)] - G_data(mu) for xi ~ Unif[-s, s]^n: (s^2/3)/(2n) * df(mu).

    E[xi^T M^{-1} xi] = (s^2/3) tr(M^{-1}) and n lambda_a tr(M^{-1}) = n - df, so the xi-dependent part is
    (s^2/3)/(2n) [n - (n - df)] = (s^2/6n) df.
    """
    n = K.shape[0]
    # sigma_xi^2 / (2n) * df(mu), sigma_xi^2 = s^2 / 3
    return float((s**2 / 3.0) / (2 * n) * degrees_of_freedom(K, lambda_a))


def kernel_floor(n: int, d: int, degree: int) -> float:
    """Lower bound on the expected test MSE of KRR with a coordinate-permutation-invariant fixed kernel
    learning one degree-k parity chi_S(x) = prod_{i in S} x_i from n points uniform on {-1, 1}^d.

    The N = C(d, k) parities are orthonormal in L2, so for any subspace H of dim <= n (the span of
    k(., x_i)) Bessel gives sum_S d(chi_S, H)^2 >= N - n; by symmetry every S has the same expected
    error, hence E d(chi_S, H)^2 >= 1 - n / C(d, k) (our instance of Thm 4.5 / Lemma C.2; README).
    """
    # 1 - n / C(d, k)
    return 1.0 - n / math.comb(d, degree)
