"""Jax backend: particle mean-field Langevin dynamics with the exact second layer (Takakura & Suzuki 2024).

Same algorithm and same numpy-drawn noise as torch_impl; one jitted `lax.scan` per chunk of steps.
The second layer is solved exactly (two-timescale limit, Sec. 2.1) by a float64 Cholesky of the smaller
Gram matrix (`second_layer`). The drift's sum over samples is the same as torch's, grouped as one n x N
weight matrix that XLA fuses (torch groups it as (1 - Phi^2)^T (alpha * X), fewer passes without fusion).
"""
from __future__ import annotations

from functools import partial
from typing import Iterable

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.linalg import cho_factor, cho_solve

from claimbench.devices import jax_device
from claimbench.experiments import bind
from claimbench.progress import progress

from . import experiments
from .experiments import Hyper

jax.config.update("jax_enable_x64", True)


def second_layer(Phi, rhs, c: float):
    """(M^{-1} rhs, Phi^T M^{-1} rhs) for M = Phi Phi^T / N + c I, through an N x N system when N < n."""
    n, N = Phi.shape
    if N < n:
        # Woodbury: M^{-1} r = (r - Phi u) / c and Phi^T M^{-1} r = N u, with u = (Phi^T Phi + cN I)^{-1} Phi^T r
        Q = Phi.T @ Phi + c * N * jnp.eye(N, dtype=Phi.dtype)
        u = cho_solve(cho_factor(Q, lower=True), Phi.T @ rhs)
        return (rhs - Phi @ u) / c, N * u
    # M = Phi Phi^T / N + c I
    M = Phi @ Phi.T / N + c * jnp.eye(n, dtype=Phi.dtype)
    sol = cho_solve(cho_factor(M, lower=True), rhs)
    return sol, Phi.T @ sol


def mfld_step(W, Xa, y, zeta, xi, hyper: Hyper, label_scale, noisy: bool = True):
    """One outer step; returns (new W, G_data + G_reg at the old W). label_scale may be traced; with
    noisy=False (static) the label-noise terms are left out."""
    n, N = Xa.shape[0], W.shape[0]
    Phi = jnp.tanh(Xa @ W.T)
    # alpha = M^{-1} y, a_i = h(w_i)^T alpha (representer theorem); label noise: beta = M^{-1} s xi, b = Phi^T beta
    rhs = jnp.stack([y, label_scale * xi], 1) if noisy else y[:, None]
    sol, coef = second_layer(Phi, rhs, n * hyper.lambda_a)
    # G = (lambda_a/2) y^T alpha + (lambda_w/2) E|w|^2   (entropy omitted)
    objective = 0.5 * hyper.lambda_a * (y @ sol[:, 0]) + 0.5 * hyper.lambda_w * jnp.sum(W * W) / N
    # grad_w dG/dmu(w_i) = -lambda_a sum_j (a_i alpha_j - b_i beta_j) h'(w_i.x_j) x_j + lambda_w w_i,
    # h' = 1 - tanh^2; written as one n x N weight matrix, which XLA fuses with the product
    C = sol[:, :1] * coef[:, 0][None, :]
    if noisy:
        C = C - sol[:, 1:2] * coef[:, 1][None, :]
    drift = ((1.0 - Phi * Phi) * C).T @ Xa
    # W <- (1 - eta lambda_w) W + eta lambda_a drift + sqrt(2 lambda eta) zeta
    W = ((1.0 - hyper.eta * hyper.lambda_w) * W + jnp.sqrt(2.0 * hyper.temperature * hyper.eta) * zeta
         + hyper.eta * hyper.lambda_a * drift)
    return W, objective


@partial(jax.jit, static_argnames=("hyper", "noisy"))
def run_chunk(W, Xa, y, zeta_c, xi_c, hyper: Hyper, label_scale, noisy: bool = True):
    """lax.scan of mfld_step over one chunk of noise; returns (W, objective per step)."""
    def body(W, noise):
        return mfld_step(W, Xa, y, noise[0], noise[1], hyper, label_scale, noisy)

    return jax.lax.scan(body, W, (zeta_c, xi_c))


def simulate(Xa: np.ndarray, y: np.ndarray, W0: np.ndarray, chunks: Iterable, hyper: Hyper,
             label_scale: float = 0.0, device: str = "cpu") -> tuple[np.ndarray, np.ndarray]:
    """Run MFLD over the noise chunks; return (W at 0 and after each chunk, objective at every step)."""
    put = partial(jax.device_put, device=jax_device(device))
    Xa_j, y_j, W = put(jnp.asarray(Xa, jnp.float64)), put(jnp.asarray(y, jnp.float64)), put(jnp.asarray(W0))
    scale = jnp.asarray(label_scale, jnp.float64)
    snaps, objective = [W0.copy()], []
    for zeta_c, xi_c in progress(chunks, desc="mfld (jax)"):
        W, g = run_chunk(W, Xa_j, y_j, put(jnp.asarray(zeta_c)), put(jnp.asarray(xi_c)), hyper, scale,
                         noisy=label_scale != 0.0)
        snaps.append(np.asarray(W))
        objective.append(np.asarray(g))
    return np.stack(snaps), np.concatenate(objective)


class JaxOps:
    """The kernels experiments.py asks for, on one device."""

    def __init__(self, device: str):
        self.simulate = partial(simulate, device=device)


def make_ops(device: str) -> JaxOps:
    """This backend's kernels on `device` ('cpu' or 'cuda')."""
    return JaxOps(device)


EXPERIMENTS = bind(experiments.EXPERIMENTS, make_ops)
