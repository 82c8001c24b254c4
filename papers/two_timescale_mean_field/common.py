"""Framework-neutral numpy code shared by torch_impl and jax_impl (Takakura & Suzuki 2024, Sec. 6 setting).

Data, initial particles, Langevin noise and label noise are drawn here with `claimbench.seeding.make_rng`
and handed to both backends, so the two backends follow the same trajectory step by step. Measurements
of the learned kernel (df, alignment, test error) are computed here from particle snapshots.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np
from sklearn.kernel_ridge import KernelRidge

from claimbench.seeding import make_rng

from . import theory


@dataclass(frozen=True)
class Hyper:
    """The scalars one MFLD run needs (a backend-facing view of Params)."""

    eta: float
    temperature: float
    lambda_w: float
    lambda_a: float


@dataclass(frozen=True)
class Dataset:
    """Train / validation / test inputs (augmented with a bias 1) and clean targets; eps_unit ~ Unif[-1, 1]."""

    Xa: np.ndarray
    f_train: np.ndarray
    eps_unit: np.ndarray
    Xa_val: np.ndarray
    f_val: np.ndarray
    eps_val_unit: np.ndarray
    Xa_test: np.ndarray
    f_test: np.ndarray

    def labels(self, sigma: float) -> np.ndarray:
        """y = f*(x) + eps with eps ~ Unif[-sigma, sigma] (the paper's intrinsic noise)."""
        return self.f_train + sigma * self.eps_unit


def augment(X: np.ndarray) -> np.ndarray:
    """[x; 1]: the last particle coordinate is the bias."""
    return np.concatenate([X, np.ones((X.shape[0], 1))], axis=1)


def target(X: np.ndarray, degree: int) -> np.ndarray:
    """f*(x) = x_1 x_2 ... x_degree (paper: x1 * x2, one RKHS per coordinate subset)."""
    return np.prod(X[:, :degree], axis=1)


def make_dataset(seed: int, d: int, n_train: int, n_test: int, degree: int = 2, n_val: int = 0) -> Dataset:
    """Draw x ~ N(0, I_d) for train/val/test and unit label noise; the stream depends on d and degree only."""
    rng = make_rng(seed, f"data-d{d}-k{degree}")
    X, Xv, Xt = (rng.standard_normal((m, d)) for m in (n_train, n_val, n_test))
    eps, eps_v = rng.uniform(-1.0, 1.0, n_train), rng.uniform(-1.0, 1.0, n_val)
    return Dataset(augment(X), target(X, degree), eps, augment(Xv), target(Xv, degree), eps_v,
                   augment(Xt), target(Xt, degree))


def make_init(seed: int, n_particles: int, d: int, init_scale: float, stream: str = "init") -> np.ndarray:
    """W_0 ~ mu_0 = N(0, init_scale^2 / d I_{d+1}): N particles [w; bias]."""
    rng = make_rng(seed, f"{stream}-N{n_particles}-d{d}")
    return init_scale / np.sqrt(d) * rng.standard_normal((n_particles, d + 1))


def noise_chunks(seed: int, steps: int, chunk: int, n_particles: int, d_aug: int, n: int,
                 stream: str = "langevin") -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (zeta, xi_unit) per chunk: Langevin noise N(0, I) (chunk x N x d') and label noise Unif[-1, 1]
    (chunk x n). Drawn lazily so the full profile (10^4 x 2000 x 16) never sits in memory."""
    rng = make_rng(seed, f"{stream}-N{n_particles}-d{d_aug}-n{n}")
    for start in range(0, steps, chunk):
        c = min(chunk, steps - start)
        yield rng.standard_normal((c, n_particles, d_aug)), rng.uniform(-1.0, 1.0, (c, n))


def hyper_of(params) -> Hyper:
    """The dynamics' scalars from Params."""
    return Hyper(params.eta, params.temperature, params.lambda_w, params.lambda_a)


def measure(W: np.ndarray, data: Dataset, y: np.ndarray, lambda_a: float) -> dict[str, float]:
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


def measure_path(snapshots: np.ndarray, data: Dataset, y: np.ndarray, lambda_a: float) -> dict[str, np.ndarray]:
    """`measure` at every snapshot; returns {key: array over snapshots}."""
    rows = [measure(W, data, y, lambda_a) for W in snapshots]
    return {k: np.array([r[k] for r in rows]) for k in rows[0]}


def _tuned_krr(make, grid, K_or_X, y, val, test, f_val, f_test) -> float:
    """Fit KRR for each setting in grid on train, pick the best validation MSE, return its test MSE."""
    best = (np.inf, np.nan)
    for setting in grid:
        model = make(*setting).fit(K_or_X, y)
        val_mse = float(np.mean((model.predict(val) - f_val) ** 2))
        if val_mse < best[0]:
            best = (val_mse, float(np.mean((model.predict(test) - f_test) ** 2)))
    return best[1]


def random_feature_krr(data: Dataset, y: np.ndarray, W0: np.ndarray, ridges) -> float:
    """Test MSE of KRR with the initial intrinsic kernel k_{mu_0} (M random features), ridge tuned on val."""
    Phi, Phi_v, Phi_t = (theory.features(X, W0) for X in (data.Xa, data.Xa_val, data.Xa_test))
    m = W0.shape[0]
    K, K_v, K_t = Phi @ Phi.T / m, Phi_v @ Phi.T / m, Phi_t @ Phi.T / m
    grid = [(r,) for r in ridges]
    return _tuned_krr(lambda r: KernelRidge(alpha=r, kernel="precomputed"), grid, K, y, K_v, K_t,
                      data.f_val, data.f_test)


def rbf_krr(data: Dataset, y: np.ndarray, gammas, ridges) -> float:
    """Test MSE of RBF-KRR, bandwidth gamma * 1/(2d) and ridge tuned on the validation split."""
    X, Xv, Xt = data.Xa[:, :-1], data.Xa_val[:, :-1], data.Xa_test[:, :-1]
    scale = 1.0 / (2 * X.shape[1])
    grid = [(g * scale, r) for g in gammas for r in ridges]
    return _tuned_krr(lambda g, r: KernelRidge(alpha=r, kernel="rbf", gamma=g), grid, X, y, Xv, Xt,
                      data.f_val, data.f_test)
