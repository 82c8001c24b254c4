"""Every random draw of the two-timescale reproduction, in numpy (Takakura & Suzuki 2024, Sec. 4 and 6).

Data, initial particles, Langevin noise and label noise are drawn here with `claimbench.seeding.make_rng`
and handed to both backends, so the two backends follow the same trajectory step by step.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from claimbench.seeding import make_rng


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


def make_data(seed: int, d: int, n_train: int, n_test: int, degree: int = 2, n_val: int = 0) -> Dataset:
    """Draw x ~ N(0, I_d) for train/val/test and unit label noise; the stream depends on d and degree only."""
    rng = make_rng(seed, f"data-d{d}-k{degree}")
    X, Xv, Xt = (rng.standard_normal((m, d)) for m in (n_train, n_val, n_test))
    eps, eps_v = rng.uniform(-1.0, 1.0, n_train), rng.uniform(-1.0, 1.0, n_val)
    return Dataset(augment(X), target(X, degree), eps, augment(Xv), target(Xv, degree), eps_v,
                   augment(Xt), target(Xt, degree))


def make_cube(seed: int, d: int, n_train: int, n_test: int, degree: int, n_val: int) -> Dataset:
    """Draw x uniform on {-1, 1}^d (Thm 4.5's input law) for train/val/test; f* = x_1 ... x_degree."""
    rng = make_rng(seed, f"cube-d{d}-k{degree}")
    X, Xv, Xt = (rng.choice([-1.0, 1.0], size=(m, d)) for m in (n_train, n_val, n_test))
    eps, eps_v = rng.uniform(-1.0, 1.0, n_train), rng.uniform(-1.0, 1.0, n_val)
    return Dataset(augment(X), target(X, degree), eps, augment(Xv), target(Xv, degree), eps_v,
                   augment(Xt), target(Xt, degree))


def init_weights(seed: int, n_particles: int, d: int, init_std: float, stream: str = "init") -> np.ndarray:
    """W_0 ~ mu_0 = N(0, init_std^2 I_{d+1}): N particles [u; b] (paper: mu_0 = nu = N(0, I / lambda_w))."""
    rng = make_rng(seed, f"{stream}-N{n_particles}-d{d}")
    return init_std * rng.standard_normal((n_particles, d + 1))


def noise_chunks(seed: int, steps: int, chunk: int, n_particles: int, d_aug: int, n: int,
                 stream: str = "langevin") -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (zeta, xi_unit) per chunk: Langevin noise N(0, I) (chunk x N x d') and label noise Unif[-1, 1]
    (chunk x n). Drawn lazily so the full profile (10^4 x 2000 x 16) never sits in memory."""
    rng = make_rng(seed, f"{stream}-N{n_particles}-d{d_aug}-n{n}")
    for start in range(0, steps, chunk):
        c = min(chunk, steps - start)
        yield rng.standard_normal((c, n_particles, d_aug)), rng.uniform(-1.0, 1.0, (c, n))
