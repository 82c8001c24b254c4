"""JAX backend: float64 gradient descent of the linear model (C1–C6) and the digits MLP (C7).

Run: `claimbench run three_mechanisms --backend jax --profile fast`.
Gradients come from jax.grad of L = ½(kappa uᵀWn − a)² (summed over independent runs); the step
loop is a jitted lax.fori_loop inside a lax.scan over record points.
"""
from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from claimbench.devices import jax_device
from claimbench.experiments import bind
from papers.three_mechanisms import experiments
from papers.three_mechanisms.data import LinearBatch

jax.config.update("jax_enable_x64", True)


def _loss(u, W, n, kappa, a):
    """Σ_runs ½ (kappa uᵀ W n − a)²: runs are independent, so each run gets its own gradient."""
    w = jnp.einsum("bdi,bi->bd", W, n)
    return 0.5 * jnp.sum((kappa * jnp.sum(u * w, axis=1) - a) ** 2)


_grad = jax.grad(_loss, argnums=(0, 1))


@partial(jax.jit, static_argnames=("n_records", "stride"))
def _run(u, W, n, kappa, a, step_u, step_w, *, n_records, stride):
    def step(_, state):
        u, W = state
        gu, gW = _grad(u, W, n, kappa, a)
        # u ← u − h η_u ∂L/∂u,   W ← W − h η_w ∂L/∂W   (simultaneous)
        return u - step_u[:, None] * gu, W - step_w[:, None, None] * gW

    def record(state, _):
        state = jax.lax.fori_loop(0, stride, step, state)
        u, W = state
        return state, (u, jnp.einsum("bdi,bi->bd", W, n), jnp.sum(W * W, axis=(1, 2)))

    _, (us, ws, fro) = jax.lax.scan(record, (u, W), None, length=n_records)
    return us, ws, fro


def simulate_gd(batch: LinearBatch, device: str = "cpu"):
    """Euler/GD on L = ½(kappa uᵀWn − a)² for every run; returns u, w = Wn (B, R+1, d), ‖W‖_F² (B, R+1)."""
    dev = jax_device(device)
    put = lambda x: jax.device_put(jnp.asarray(x, dtype=jnp.float64), dev)  # noqa: E731
    args = [put(x) for x in (batch.u0, batch.W0, batch.n, batch.kappa, batch.a,
                             batch.h * batch.eta_u, batch.h * batch.eta_w)]
    us, ws, fro = _run(*args, n_records=batch.n_records, stride=batch.n_steps // batch.n_records)
    first = (batch.u0[:, None], batch.w0[:, None], (batch.W0**2).sum((1, 2))[:, None])
    rest = [np.swapaxes(np.asarray(x), 0, 1) for x in (us, ws, fro)]
    return tuple(np.concatenate([f, r], axis=1) for f, r in zip(first, rest, strict=True))


# ---- C7: MLP 64-w-w-10 on digits (float32) -------------------------------------------------

def _forward(theta, x, eps=None):
    """NTK-parameterised ReLU MLP: z_l = (h Wᵀ + b)/√fan_in (+ eps_l); returns (output, layer inputs)."""
    h, inputs = x, []
    for i in range(0, len(theta), 2):
        W, b = theta[i], theta[i + 1]
        inputs.append(h)
        z = (h @ W.T + b) / np.sqrt(W.shape[1]).astype(np.float32)
        if eps is not None:
            z = z + eps[i // 2]
        h = z if i == len(theta) - 2 else jax.nn.relu(z)
    return h, inputs


@jax.jit
def _probe_ntk_jit(theta, x):
    eps = [jnp.zeros(theta[i].shape[0], dtype=x.dtype) for i in range(0, len(theta), 2)]

    def out(xi, e):
        return _forward(theta, xi[None], e)[0][0]

    deltas = jax.vmap(jax.jacrev(out, argnums=1), in_axes=(0, None))(x, eps)
    _, inputs = _forward(theta, x)
    ntk = 0.0
    for dl, h in zip(deltas, inputs, strict=True):
        dd = jnp.einsum("pci,qci->pq", dl, dl)
        ntk = ntk + dd * (h @ h.T + 1.0) / h.shape[1]
    return ntk


def _probe_ntk(theta, x):
    """Empirical NTK Θ(x, x') = Σ_c ∇θ f_c(x)·∇θ f_c(x') on the probes (layer factorisation, as torch_impl)."""
    return np.asarray(_probe_ntk_jit(theta, x), dtype=np.float64)


def _mse(theta, x, y):
    return 0.5 * jnp.mean(jnp.sum((_forward(theta, x)[0] - y) ** 2, axis=1))


@jax.jit
def _train_scan(theta, x, y, idx, lr):
    def step(theta, sel):
        grads = jax.grad(_mse)(theta, x[sel], y[sel])
        return [p - lr * g for p, g in zip(theta, grads, strict=True)], None

    theta, _ = jax.lax.scan(step, theta, idx)
    return theta


class JaxOps:
    """The kernels experiments.py asks for, on one device."""

    def __init__(self, device: str):
        self.device = device
        self.dev = jax_device(device)

    def simulate_gd(self, batch: LinearBatch):
        """GD of every run on this device (see `simulate_gd`)."""
        return simulate_gd(batch, self.device)

    def mlp_inputs(self, digits: dict) -> dict:
        keys = ("x_train", "y_train", "x_test", "x_probe")
        return {k: jax.device_put(jnp.asarray(digits[k]), self.dev) for k in keys}

    def mlp_params(self, layers) -> list:
        return [jax.device_put(jnp.asarray(a), self.dev) for layer in layers for a in layer]

    def mlp_probe_ntk(self, theta, inputs) -> np.ndarray:
        return _probe_ntk(theta, inputs["x_probe"])

    def mlp_snapshot(self, theta, inputs) -> dict:
        """Measurements of one network state (see measures.compute_run_measures)."""
        out, layer_inputs = _forward(theta, inputs["x_train"])
        test_out, _ = _forward(theta, inputs["x_test"])
        loss = 0.5 * jnp.mean(jnp.sum((out - inputs["y_train"]) ** 2, axis=1))
        return {"feat": np.asarray(layer_inputs[-1]),
                "readout": np.asarray(theta[-2]) / np.sqrt(theta[-2].shape[1]),
                "norms": [float(jnp.linalg.norm(theta[i])) for i in range(0, len(theta), 2)], "loss": float(loss),
                "ntk": _probe_ntk(theta, inputs["x_probe"]), "test_pred": np.asarray(jnp.argmax(test_out, 1))}

    def mlp_train(self, theta, inputs, idx, lr, desc):
        """SGD over the minibatches idx in one jitted lax.scan."""
        return _train_scan(theta, inputs["x_train"], inputs["y_train"], jnp.asarray(idx), jnp.float32(lr))


def make_ops(device: str) -> JaxOps:
    """This backend's kernels on `device` ('cpu' or 'cuda')."""
    return JaxOps(device)


EXPERIMENTS = bind(experiments.EXPERIMENTS, make_ops)
