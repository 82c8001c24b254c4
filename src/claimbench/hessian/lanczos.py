"""Top eigenvalues of a symmetric operator given only as a matvec (numpy/scipy; no torch, no jax).

`top_eigenvalues` wraps the matvec in a `scipy.sparse.linalg.LinearOperator` and calls `eigsh`
(implicitly restarted Lanczos, ARPACK), as Cohen et al. (ICLR 2021, arXiv:2103.00065) compute
sharpness. `power_iteration` is the independent cross-check. Both count the matvecs they used,
which is the cost unit of Hessian spectra (one HVP ≈ a few gradients).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.sparse.linalg import LinearOperator, eigsh

Matvec = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class EigResult:
    """Eigenvalues (descending), eigenvectors as columns, and the number of matvecs used."""

    values: np.ndarray
    vectors: np.ndarray
    n_matvec: int


class _Counted:
    """A matvec that counts its calls and returns float64 1-D arrays."""

    def __init__(self, matvec: Matvec):
        self.matvec, self.calls = matvec, 0

    def __call__(self, v: np.ndarray) -> np.ndarray:
        self.calls += 1
        return np.asarray(self.matvec(np.asarray(v, dtype=np.float64).ravel()), dtype=np.float64).ravel()


def top_eigenvalues(matvec: Matvec, dim: int, k: int = 1, tol: float = 1e-4, v0: np.ndarray | None = None,
                    which: str = "LA", maxiter: int | None = None, seed: int = 0) -> EigResult:
    """The k algebraically largest eigenvalues (which="LA") of a symmetric operator, by Lanczos.

    `tol` is eigsh's relative accuracy on the Ritz values; `v0` warm-starts from a previous
    eigenvector (it is drawn from `seed` otherwise, so results are deterministic).
    """
    counted = _Counted(matvec)
    op = LinearOperator((dim, dim), matvec=counted, dtype=np.float64)
    if v0 is None:
        v0 = np.random.default_rng(seed).standard_normal(dim)
    vals, vecs = eigsh(op, k=k, which=which, tol=tol, v0=np.asarray(v0, dtype=np.float64), maxiter=maxiter)
    order = np.argsort(vals)[::-1]
    return EigResult(vals[order], vecs[:, order], counted.calls)


def power_iteration(matvec: Matvec, dim: int, iters: int = 500, rtol: float = 1e-6, v0: np.ndarray | None = None,
                    shift: float = 0.0, seed: int = 0) -> EigResult:
    """Largest eigenvalue of (A + shift·I) − shift by power iteration, stopping when the Rayleigh
    quotient changes by less than `rtol` (relative) between iterations.

    Power iteration finds the eigenvalue of largest magnitude; a positive `shift` ≥ |λ_min| makes
    that the algebraically largest one, as needed for the sharpness of a non-convex loss.
    """
    counted = _Counted(matvec)
    v = np.random.default_rng(seed).standard_normal(dim) if v0 is None else np.array(v0, dtype=np.float64)
    v /= np.linalg.norm(v)
    lam = np.inf
    for _ in range(iters):
        w = counted(v) + shift * v
        new = float(v @ w)  # Rayleigh quotient of the shifted operator
        v = w / np.linalg.norm(w)
        if abs(new - lam) <= rtol * abs(new):
            lam = new
            break
        lam = new
    return EigResult(np.array([lam - shift]), v[:, None], counted.calls)
