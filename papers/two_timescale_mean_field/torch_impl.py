"""Torch backend: particle mean-field Langevin dynamics with the exact second layer (Takakura & Suzuki 2024).

Each outer step solves the second layer exactly by a float64 Cholesky of K + n lambda_a I (the
two-timescale limit, Sec. 3) and moves the particles by a noisy gradient step (MFLD, Sec. 4):
    W <- W - eta grad_w dG/dmu(w_i) + sqrt(2 lambda eta) zeta_i.
Initial particles and all noise come from numpy (data.py), so jax_impl follows the same trajectory.
"""
from __future__ import annotations

import math
from functools import partial
from typing import Iterable

import numpy as np
import torch

from claimbench.experiments import bind
from claimbench.progress import progress

from . import experiments
from .experiments import Hyper

DTYPE = torch.float64


def mfld_step(W, Xa, y, zeta, xi, hyper: Hyper, label_scale: float):
    """One outer step; returns (new W, G_data + G_reg at the old W)."""
    n, N = Xa.shape[0], W.shape[0]
    Phi = torch.tanh(Xa @ W.T)
    # k_mu(x, x') = (1/N) sum_i h(x; w_i) h(x'; w_i);  M = K + n lambda_a I
    M = Phi @ Phi.T / N + n * hyper.lambda_a * torch.eye(n, dtype=DTYPE, device=W.device)
    L = torch.linalg.cholesky(M)
    # alpha = M^{-1} y;  a(w_i) = h(w_i)^T alpha  (representer theorem, exact second layer)
    alpha = torch.cholesky_solve(y[:, None], L)[:, 0]
    a = Phi.T @ alpha
    # G = (lambda_a/2) y^T alpha + (lambda_w/2) E|w|^2   (entropy omitted)
    objective = 0.5 * hyper.lambda_a * y @ alpha + 0.5 * hyper.lambda_w * (W * W).sum(1).mean()
    # grad_w dG/dmu(w_i) = -lambda_a a_i sum_j alpha_j h'(w_i.x_j) x_j + lambda_w w_i
    C = alpha[:, None] * a[None, :]
    if label_scale != 0.0:
        # label noise: + lambda_a b_i sum_j beta_j h'(w_i.x_j) x_j, beta = M^{-1} xi, b = Phi^T beta
        beta = torch.cholesky_solve((label_scale * xi)[:, None], L)[:, 0]
        C = C - beta[:, None] * (Phi.T @ beta)[None, :]
    grad = -hyper.lambda_a * ((1.0 - Phi * Phi) * C).T @ Xa + hyper.lambda_w * W
    # W <- W - eta grad + sqrt(2 lambda eta) zeta
    W = W - hyper.eta * grad + math.sqrt(2.0 * hyper.temperature * hyper.eta) * zeta
    return W, objective


def simulate(Xa: np.ndarray, y: np.ndarray, W0: np.ndarray, chunks: Iterable, hyper: Hyper,
             label_scale: float = 0.0, device: str = "cpu") -> tuple[np.ndarray, np.ndarray]:
    """Run MFLD over the noise chunks; return (W at 0 and after each chunk, objective at every step)."""
    t = partial(torch.as_tensor, dtype=DTYPE, device=device)
    Xa_t, y_t, W = t(Xa), t(y), t(W0)
    snaps, objective = [W0.copy()], []
    with torch.no_grad():
        for zeta_c, xi_c in progress(chunks, desc="mfld (torch)"):
            zeta_c, xi_c = t(zeta_c), t(xi_c)
            for k in range(zeta_c.shape[0]):
                W, g = mfld_step(W, Xa_t, y_t, zeta_c[k], xi_c[k], hyper, label_scale)
                objective.append(g)
            snaps.append(W.cpu().numpy())
    return np.stack(snaps), torch.stack(objective).cpu().numpy()


class TorchOps:
    """The kernels experiments.py asks for, on one device."""

    def __init__(self, device: str):
        self.simulate = partial(simulate, device=device)


def make_ops(device: str) -> TorchOps:
    """This backend's kernels on `device` ('cpu' or 'cuda')."""
    return TorchOps(device)


EXPERIMENTS = bind(experiments.EXPERIMENTS, make_ops)
