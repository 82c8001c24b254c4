"""Jax backend: particle mean-field Langevin dynamics with the exact second layer (Takakura & Suzuki 2024).

Same algorithm and same numpy-drawn noise as torch_impl; one jitted `lax.scan` per chunk of steps.
The second layer is solved exactly by a float64 Cholesky of K + n lambda_a I (two-timescale limit, Sec. 3).
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


def mfld_step(W, Xa, y, zeta, xi, hyper: Hyper, label_scale):
    """One outer step; returns (new W, G_data + G_reg at the old W). label_scale may be traced."""
    n, N = Xa.shape[0], W.shape[0]
    Phi = jnp.tanh(Xa @ W.T)
    # k_mu(x, x') = (1/N) sum_i h(x; w_i) h(x'; w_i);  M = K + n lambda_a I
    M = Phi @ Phi.T / N + n * hyper.lambda_a * jnp.eye(n, dtype=W.dtype)
    cf = cho_factor(M, lower=True)
    # alpha = M^{-1} y;  a(w_i) = h(w_i)^T alpha  (representer theorem, exact second layer)
    alpha = cho_solve(cf, y)
    a = Phi.T @ alpha
    # G = (lambda_a/2) y^T alpha + (lambda_w/2) E|w|^2   (entropy omitted)
    objective = 0.5 * hyper.lambda_a * y @ alpha + 0.5 * hyper.lambda_w * jnp.mean(jnp.sum(W * W, axis=1))
    # label noise: beta = M^{-1} xi, b = Phi^T beta (zero when label_scale = 0)
    beta = cho_solve(cf, label_scale * xi)
    # grad_w dG/dmu(w_i) = -lambda_a sum_j (a_i alpha_j - b_i beta_j) h'(w_i.x_j) x_j + lambda_w w_i
    C = alpha[:, None] * a[None, :] - beta[:, None] * (Phi.T @ beta)[None, :]
    grad = -hyper.lambda_a * ((1.0 - Phi * Phi) * C).T @ Xa + hyper.lambda_w * W
    # W <- W - eta grad + sqrt(2 lambda eta) zeta
    W = W - hyper.eta * grad + jnp.sqrt(2.0 * hyper.temperature * hyper.eta) * zeta
    return W, objective


@partial(jax.jit, static_argnames=("hyper",))
def run_chunk(W, Xa, y, zeta_c, xi_c, hyper: Hyper, label_scale):
    """lax.scan of mfld_step over one chunk of noise; returns (W, objective per step)."""
    def body(W, noise):
        return mfld_step(W, Xa, y, noise[0], noise[1], hyper, label_scale)

    return jax.lax.scan(body, W, (zeta_c, xi_c))


def simulate(Xa: np.ndarray, y: np.ndarray, W0: np.ndarray, chunks: Iterable, hyper: Hyper,
             label_scale: float = 0.0, device: str = "cpu") -> tuple[np.ndarray, np.ndarray]:
    """Run MFLD over the noise chunks; return (W at 0 and after each chunk, objective at every step)."""
    put = partial(jax.device_put, device=jax_device(device))
    Xa_j, y_j, W = put(jnp.asarray(Xa, jnp.float64)), put(jnp.asarray(y, jnp.float64)), put(jnp.asarray(W0))
    scale = jnp.asarray(label_scale, jnp.float64)
    snaps, objective = [W0.copy()], []
    for zeta_c, xi_c in progress(chunks, desc="mfld (jax)"):
        W, g = run_chunk(W, Xa_j, y_j, put(jnp.asarray(zeta_c)), put(jnp.asarray(xi_c)), hyper, scale)
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
