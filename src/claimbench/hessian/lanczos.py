"""Top eigenvalues of a symmetric operator given only as a matvec (numpy/scipy; no torch, no jax).

`top_eigenvalues` runs Lanczos with full reorthogonalisation and stops as soon as the wanted Ritz
values have converged (residual test, as ARPACK's), so a warm start from the previous step's
eigenvector costs a few matvecs instead of `eigsh`'s fixed Krylov size (ncv = 20 for k = 1); the
tridiagonal eigenproblem is scipy's `eigh_tridiagonal`, and a run that has not converged within
`maxiter` matvecs hands its best Ritz vector to `scipy.sparse.linalg.eigsh` (ARPACK, as Cohen et al.,
ICLR 2021, arXiv:2103.00065, compute sharpness). `power_iteration` is the independent cross-check.
Both count the matvecs they used, which is the cost unit of Hessian spectra (one HVP ≈ a few gradients).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.linalg import eigh_tridiagonal
from scipy.sparse.linalg import LinearOperator, eigsh

Matvec = Callable[[np.ndarray], np.ndarray]
KRYLOV_CAP = 80  # Lanczos vectors kept before handing over to eigsh (80 · dim floats of memory)


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
    """The k algebraically largest eigenvalues (which="LA"; "SA": smallest) of a symmetric operator.

    Converged when every wanted Ritz pair (θ, u) has residual ‖Au − θu‖ ≤ tol·|θ| (eigsh's meaning of
    `tol`). `v0` warm-starts from a previous eigenvector (it is drawn from `seed` otherwise, so results
    are deterministic); `maxiter` caps the Lanczos steps before eigsh takes over (other `which`: eigsh).
    """
    counted = _Counted(matvec)
    q = np.random.default_rng(seed).standard_normal(dim) if v0 is None else np.asarray(v0, dtype=np.float64)
    if which not in ("LA", "SA"):
        vals, vecs = eigsh(LinearOperator((dim, dim), matvec=counted, dtype=np.float64), k=k, which=which,
                           tol=tol, v0=q, maxiter=maxiter)
    else:
        sign = 1.0 if which == "LA" else -1.0
        vals, vecs = _lanczos(lambda v: sign * counted(v), dim, k, tol, q, min(dim, maxiter or KRYLOV_CAP))
        vals = sign * vals
    order = np.argsort(vals)[::-1]
    return EigResult(vals[order], vecs[:, order], counted.calls)


def _lanczos(op: Matvec, dim: int, k: int, tol: float, q: np.ndarray, steps: int):
    """k largest eigenpairs of op by Lanczos from q, stopping at convergence; eigsh after `steps`."""
    basis, alpha, beta = [q / np.linalg.norm(q)], [], []
    for j in range(steps):
        w = op(basis[j])
        alpha.append(float(basis[j] @ w))
        # w ← w − Q Qᵀ w: the three-term recurrence and full reorthogonalisation in one (done twice)
        for _ in range(2):
            Q = np.asarray(basis)
            w -= Q.T @ (Q @ w)
        b = float(np.linalg.norm(w))
        theta, s = _ritz(alpha, beta, k)
        # residual of Ritz pair i: ‖A Q s_i − θ_i Q s_i‖ = β_{j+1} |s_{j,i}|
        exhausted = b <= 1e-12 * max(abs(theta[0]), 1e-300) or j + 1 == dim  # invariant subspace
        if exhausted or (j + 1 >= k and np.all(b * np.abs(s[-1]) <= tol * np.abs(theta))):
            return theta, np.asarray(basis).T @ s
        beta.append(b)
        basis.append(w / b)
    return _eigsh_from(op, dim, k, tol, np.asarray(basis[:-1]).T @ _ritz(alpha, beta[:-1], 1)[1][:, 0])


def _ritz(alpha: list, beta: list, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k largest eigenpairs of the Lanczos tridiagonal T (diagonal alpha, off-diagonal beta)."""
    m = len(alpha)
    k = min(k, m)
    theta, s = eigh_tridiagonal(np.asarray(alpha), np.asarray(beta), select="i", select_range=(m - k, m - 1))
    return theta[::-1], s[:, ::-1]


def _eigsh_from(op: Matvec, dim: int, k: int, tol: float, v0: np.ndarray):
    """Hand a slow case to ARPACK (implicitly restarted Lanczos), started from the best Ritz vector."""
    vals, vecs = eigsh(LinearOperator((dim, dim), matvec=op, dtype=np.float64), k=k, which="LA", tol=tol, v0=v0)
    return vals, vecs


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
