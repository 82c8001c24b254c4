"""Hessian-vector products in jax over a flat parameter vector (`jax.jvp` of `jax.grad`).

Same signatures as `claimbench.hessian.hvp_torch`: `loss_fn(theta, *args) -> scalar` with `theta` a
1-D array. The compiled HVP is cached per `loss_fn` object, and data enter as `*args`, so a new
parameter vector or a new batch of the same shape does not recompile. Needs
`jax.config.update("jax_enable_x64", True)` in the caller for float64.
"""
from __future__ import annotations

import functools
from typing import Callable, Sequence

import jax
import numpy as np
from jax.flatten_util import ravel_pytree


def flatten(params: Sequence) -> tuple[jax.Array, Callable[[jax.Array], list]]:
    """A flat copy of a list of arrays and the function mapping a flat vector back to that list."""
    theta, unravel = ravel_pytree(list(params))
    return theta, unravel


def gradient(loss_fn: Callable, theta: jax.Array, *args) -> jax.Array:
    """∇L(θ)."""
    return _jit_grad(loss_fn)(theta, *args)


def hvp(loss_fn: Callable, theta: jax.Array, v: jax.Array, *args) -> jax.Array:
    """H(θ) v with H = ∇²L(θ), by a jvp of the gradient (compiled once per loss_fn)."""
    return _jit_hvp(loss_fn)(theta, v, *args)


def dense_hessian(loss_fn: Callable, theta: jax.Array, *args) -> jax.Array:
    """The full Hessian matrix (tests and tiny networks only)."""
    return jax.hessian(loss_fn)(theta, *args)


def make_matvec(loss_fn: Callable, theta: jax.Array, *args) -> Callable[[np.ndarray], np.ndarray]:
    """v ↦ H(θ) v as a numpy → numpy function (float64), for `claimbench.hessian.lanczos`."""
    f = _jit_hvp(loss_fn)
    dtype = np.dtype(theta.dtype)

    def matvec(v: np.ndarray) -> np.ndarray:
        # v goes to the compiled call as numpy: a separate jnp.asarray dispatch cost ~0.25 ms an HVP,
        # most of an HVP's time on small nets
        return np.asarray(f(theta, np.asarray(v, dtype=dtype), *args), dtype=np.float64)

    return matvec


@functools.lru_cache(maxsize=64)
def _jit_grad(loss_fn: Callable) -> Callable:
    return jax.jit(jax.grad(loss_fn))


@functools.lru_cache(maxsize=64)
def _jit_hvp(loss_fn: Callable) -> Callable:
    def _hvp(theta, v, *args):
        # H v = ∂_ε ∇L(θ + ε v)|_{ε=0}
        return jax.jvp(lambda t: jax.grad(loss_fn)(t, *args), (theta,), (v,))[1]

    return jax.jit(_hvp)
