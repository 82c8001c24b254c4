"""JAX backend of the bottleneck-rank reproduction (Jacot 2023, arXiv 2305.19008v3).

Same training as torch_impl: Adam on L_λ(θ) = (1/N) Σ ‖f_θ(x_i) − y_i‖² + λ_o‖θ‖² with cosine lr,
stopped on convergence of L_λ, then plain GD. Each window of `conv_window` steps is one jitted
`lax.scan`; the convergence check runs on the host between windows.
"""
from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from claimbench.devices import jax_device
from claimbench.experiments import bind
from claimbench.progress import progress

from . import experiments
from .data import Net, lr_schedule
from .experiments import converged

jax.config.update("jax_enable_x64", True)

_DTYPES = {"float32": jnp.float32, "float64": jnp.float64}


def forward(params, x):
    """f_θ(x) = W_L σ(W_{L-1} … σ(W_1 x + b_1) … + b_{L-1}) + b_L with σ = ReLU."""
    h = x
    for w, b in params[:-1]:
        h = jax.nn.relu(h @ w.T + b)
    w, b = params[-1]
    return h @ w.T + b


def penalised_loss(params, x, y, lam):
    """L_λ(θ) = (1/N) Σ_i ‖f_θ(x_i) − y_i‖² + λ ‖θ‖² (sum over outputs, mean over samples)."""
    mse = ((forward(params, x) - y) ** 2).sum(axis=1).mean()
    return mse + lam * sum((q * q).sum() for q in jax.tree_util.tree_leaves(params))


@jax.jit
def _adam_window(state, lrs, x, y, lam):
    """lax.scan of Adam steps (torch.optim.Adam's formula, β = (0.9, 0.999), ε = 1e-8)."""
    b1, b2, eps = 0.9, 0.999, 1e-8

    def step(carry, lr):
        params, m, v, t = carry
        loss, g = jax.value_and_grad(penalised_loss)(params, x, y, lam)
        t = t + 1
        m = jax.tree_util.tree_map(lambda a, b: b1 * a + (1 - b1) * b, m, g)
        v = jax.tree_util.tree_map(lambda a, b: b2 * a + (1 - b2) * b * b, v, g)
        tf = t.astype(lr.dtype)  # keep float32 runs in float32 under jax_enable_x64
        c1, c2 = 1 - b1**tf, jnp.sqrt(1 - b2**tf)
        params = jax.tree_util.tree_map(lambda q, a, b: q - (lr / c1) * a / (jnp.sqrt(b) / c2 + eps),
                                        params, m, v)
        return (params, m, v, t), loss

    return jax.lax.scan(step, state, lrs)


@partial(jax.jit, static_argnums=(5,))
def _gd_window(params, x, y, lam, eta, n):
    """lax.scan of n plain GD steps θ ← θ − η ∇L_λ(θ)."""
    def step(q, _):
        loss, g = jax.value_and_grad(penalised_loss)(q, x, y, lam)
        return jax.tree_util.tree_map(lambda a, b: a - eta * b, q, g), loss

    return jax.lax.scan(step, params, None, length=n)


def _params(net: Net, p, device: str):
    dev = jax_device(device)
    dt = _DTYPES[p.dtype]
    return jax.device_put([(jnp.asarray(w, dt), jnp.asarray(b, dt)) for w, b in zip(*net, strict=True)], dev), dev


def _to_numpy(params) -> Net:
    return [np.asarray(w, np.float64) for w, _ in params], [np.asarray(b, np.float64) for _, b in params]


def adam(net: Net, x: np.ndarray, y: np.ndarray, p, lam: float, device: str = "cpu"):
    """Full-batch Adam on L_λ with cosine lr; check convergence of L_λ every conv_window steps."""
    params, dev = _params(net, p, device)
    dt = _DTYPES[p.dtype]
    xj, yj = (jax.device_put(jnp.asarray(a, dt), dev) for a in (x, y))
    zeros = jax.tree_util.tree_map(jnp.zeros_like, params)
    state = (params, zeros, zeros, jnp.asarray(0, jnp.int64))
    lrs, curve, t = lr_schedule(p), [], 0
    for _ in progress(range(-(-p.steps // p.conv_window)), desc=f"jax adam L={len(net[0])}"):
        n = min(p.conv_window, p.steps - t)
        state, losses = _adam_window(state, jnp.asarray(lrs[t:t + n], dt), xj, yj, jnp.asarray(lam, dt))
        t += n
        curve.append(float(losses[-1]))
        if converged(curve, p.conv_tol):
            break
    return _to_numpy(state[0]), t, np.array(curve)


def gd(net: Net, x: np.ndarray, y: np.ndarray, p, lam: float, eta: float, steps: int, device: str = "cpu"):
    """Plain full-batch GD for `steps` steps (C4), one scan per conv_window steps."""
    params, dev = _params(net, p, device)
    dt = _DTYPES[p.dtype]
    xj, yj = (jax.device_put(jnp.asarray(a, dt), dev) for a in (x, y))
    curve, t = [], 0
    for _ in progress(range(-(-steps // p.conv_window)), desc=f"jax gd eta={eta:.3g}"):
        n = min(p.conv_window, steps - t)
        params, losses = _gd_window(params, xj, yj, jnp.asarray(lam, dt), jnp.asarray(eta, dt), n)
        t += n
        curve.append(float(losses[-1]))
    return _to_numpy(params), np.array(curve)


class JaxOps:
    """The kernels experiments.py asks for, on one device."""

    def __init__(self, device: str):
        self.adam = partial(adam, device=device)
        self.gd = partial(gd, device=device)


def make_ops(device: str) -> JaxOps:
    """This backend's kernels on `device` ('cpu' or 'cuda')."""
    return JaxOps(device)


EXPERIMENTS = bind(experiments.EXPERIMENTS, make_ops)
