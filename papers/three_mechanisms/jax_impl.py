"""JAX backend: float64 GD of the linear model (C1–C6) and two-layer nets (C7a), digits MLPs (C7b/c).

Run: `claimbench run three_mechanisms --backend jax --profile fast`.
Gradients come from jax.grad of L = ½(kappa uᵀWn − a)² (summed over independent runs); the step
loop is a jitted lax.fori_loop inside a lax.scan over record points. C7 differentiates automatically too
(jax.grad, per-sample grads for tr Θ, jax.vjp/jax.jvp for the NTK's power iteration); torch writes the
same derivatives out, so the torch-vs-jax tests compare two derivations.
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


# ---- C7a: two-layer nets f(z) = κ Σ u_i φ(w_i z) (float64) ----------------------------------

_ACTS = {"linear": lambda v: v, "relu": jax.nn.relu, "leaky_relu": lambda v: jnp.where(v > 0, v, 0.01 * v),
         "sigmoid": jax.nn.sigmoid, "swish": lambda v: v * jax.nn.sigmoid(v)}
_ACT_ORDER = tuple(_ACTS)


def _act(act, x):
    """φ(x) for the Fig. 1 activations (leaky slope 0.01), act an index into _ACT_ORDER (traced: one compile)."""
    return jax.lax.switch(act, [_ACTS[name] for name in _ACT_ORDER], x)


def _twolayer_stats(u, w, z, y, act):
    """Per-run loss ½ mean_n e², its gradients (jax.grad) and tr Θ/N = mean_n ‖∇θ f(z_n)‖² (per-sample grads)."""
    kappa = 1.0 / np.sqrt(u.shape[1])

    def f(ub, wb, zn):
        return kappa * jnp.sum(ub * _act(act, wb * zn))

    def losses(u, w):
        out = jax.vmap(lambda ub, wb: jax.vmap(lambda zn: f(ub, wb, zn))(z))(u, w)
        per = 0.5 * jnp.mean((out - y) ** 2, axis=1)
        return jnp.sum(per), per

    (_, loss), (gu, gw) = jax.value_and_grad(losses, argnums=(0, 1), has_aux=True)(u, w)
    per_sample = jax.vmap(lambda ub, wb: jax.vmap(lambda zn: jax.grad(f, argnums=(0, 1))(ub, wb, zn))(z))(u, w)
    trk = (jnp.sum(per_sample[0] ** 2, axis=(1, 2)) + jnp.sum(per_sample[1] ** 2, axis=(1, 2))) / z.shape[0]
    return loss, gu, gw, trk


def _twolayer_record(t, u, w, loss, trk):
    un, wn = jnp.linalg.norm(u, axis=1), jnp.linalg.norm(w, axis=1)
    return jnp.stack([t, jnp.sum(u * w, axis=1) / (un * wn), loss, trk, un, wn])


@partial(jax.jit, static_argnames=("slots", "every"))
def _twolayer_run(u, w, z, y, c, stop, act, cap, *, slots, every):
    floor = jnp.sqrt(jnp.mean(y * y, axis=1)) / np.sqrt(u.shape[1])
    loss, gu, gw, trk = _twolayer_stats(u, w, z, y, act)
    target = stop * loss
    zero = jnp.zeros_like(loss)
    state = (u, w, zero, zero, loss <= target, loss, gu, gw, trk)
    buf = jnp.zeros((slots, 6, u.shape[0])).at[0].set(_twolayer_record(zero, u, w, loss, trk))

    def step(_, st):
        u, w, t, steps, done, loss, gu, gw, trk = st
        # h = c / max(tr Θ/N, κ rms y), zero for frozen runs
        h = jnp.where(done, 0.0, c / jnp.maximum(trk, floor))
        u, w = u - h[:, None] * gu, w - h[:, None] * gw
        loss, gu, gw, trk = _twolayer_stats(u, w, z, y, act)
        return (u, w, t + h, steps + (~done), done | (loss <= target), loss, gu, gw, trk)

    def block(carry):
        i, st, buf = carry
        st = jax.lax.fori_loop(0, every, step, st)
        return i + 1, st, buf.at[i + 1].set(_twolayer_record(st[2], st[0], st[1], st[5], st[8]))

    def going(carry):
        i, st, _ = carry
        return (i < cap // every) & ~jnp.all(st[4])  # cap is a multiple of every (Params.check)

    i, st, buf = jax.lax.while_loop(going, block, (0, state, buf))
    return buf, i, st[3], st[0], st[1]


def twolayer_gd(u0, w0, z, y, act, c, stop, cap, every, device="cpu"):
    """GD of B two-layer nets with h = c/max(tr Θ/N, κ rms y) until L ≤ stop·L0 (see experiments_twolayer).

    One compiled loop serves every call of a width: the activation and cap are traced, the batch is
    padded to 2 runs (a copy of the last, dropped) and the record buffer to a power of two ≥ 256 slots.
    """
    dev = jax_device(device)
    n = len(u0)
    pad = lambda x: np.concatenate([x, np.repeat(x[-1:], max(0, 2 - n), 0)])  # noqa: E731
    put = lambda x: jax.device_put(jnp.asarray(pad(np.asarray(x, dtype=np.float64))), dev)  # noqa: E731
    slots = max(256, 1 << int(np.ceil(np.log2(cap // every + 1))))
    zz = jax.device_put(jnp.asarray(z, dtype=jnp.float64), dev)
    buf, i, steps, u, w = _twolayer_run(put(u0), put(w0), zz, put(y), c, stop, _ACT_ORDER.index(act), cap,
                                        slots=slots, every=every)
    rec = np.asarray(buf)[: int(i) + 1, :, :n]
    out = {k: rec[:, j] for j, k in enumerate(("t", "zeta", "loss", "ntk", "u_norm", "w_norm"))}
    return {**out, "steps": np.asarray(steps)[:n], "u": np.asarray(u)[:n], "w": np.asarray(w)[:n]}


# ---- C7b/C7c: NTK-parameterised ReLU MLPs on digits (float32), autodiff ------------------------

def _forward(theta, x):
    """z_l = (h_(l−1) W_lᵀ + b_l)/√fan_in, h_l = relu(z_l); returns (output, penultimate features)."""
    h = x
    for i in range(0, len(theta), 2):
        W, b = theta[i], theta[i + 1]
        z = (h @ W.T + b) / np.float32(np.sqrt(W.shape[1]))
        if i == len(theta) - 2:
            return z, h
        h = jax.nn.relu(z)


def _mse(theta, x, y):
    """L = ½ mean_i ‖f(x_i) − y_i‖²."""
    return 0.5 * jnp.mean(jnp.sum((_forward(theta, x)[0] - y) ** 2, axis=1))


@jax.jit
def _top_eig(theta, xp, v, iters):
    f = lambda th: _forward(th, xp)[0]  # noqa: E731
    _, pull = jax.vjp(f, theta)

    def power(_, carry):
        v, _ = carry
        v = v / jnp.linalg.norm(v)
        kv = jax.jvp(f, (theta,), pull(v))[1]
        return kv, jnp.sum(v * kv)

    return jax.lax.fori_loop(0, iters, power, (v, jnp.float32(0.0)))


@jax.jit
def _sgd(theta, x, y, idx, lr):
    def step(theta, sel):
        grads = jax.grad(_mse)(theta, x[sel], y[sel])
        return [p - lr * g for p, g in zip(theta, grads, strict=True)], None

    return jax.lax.scan(step, theta, idx)[0]


@jax.jit
def _state(theta, inputs):
    test = _forward(theta, inputs["x_test"])[0]
    acc = jnp.mean(jnp.argmax(test, 1) == jnp.argmax(inputs["y_test"], 1))
    return _mse(theta, inputs["x_train"], inputs["y_train"]), _mse(theta, inputs["x_test"], inputs["y_test"]), acc


class JaxOps:
    """The kernels experiments.py asks for, on one device."""

    def __init__(self, device: str):
        self.device = device
        self.dev = jax_device(device)

    def simulate_gd(self, batch: LinearBatch):
        """GD of every run on this device (see `simulate_gd`)."""
        return simulate_gd(batch, self.device)

    def twolayer_gd(self, u0, w0, z, y, act, c, stop, cap, every):
        """C7a GD on this device (see `twolayer_gd`)."""
        return twolayer_gd(u0, w0, z, y, act, c, stop, cap, every, self.device)

    def mlp_inputs(self, digits: dict) -> dict:
        keys = ("x_train", "y_train", "x_test", "y_test", "x_probe")
        return {k: jax.device_put(jnp.asarray(digits[k]), self.dev) for k in keys}

    def mlp_params(self, layers) -> list:
        return [jax.device_put(jnp.asarray(a), self.dev) for layer in layers for a in layer]

    def mlp_top_eig(self, theta, inputs, v, iters):
        """Power iteration on Θ = J Jᵀ by jax.vjp then jax.jvp, in one jitted loop."""
        kv, lam = _top_eig(theta, inputs["x_probe"], jnp.asarray(v), iters)
        return float(lam) / len(inputs["x_probe"]), np.asarray(kv)

    def mlp_sgd(self, theta, inputs, idx, lr):
        """SGD over the minibatches idx in one jitted lax.scan."""
        return _sgd(theta, inputs["x_train"], inputs["y_train"], jnp.asarray(idx), jnp.float32(lr))

    def mlp_state(self, theta, inputs) -> dict:
        train, test, acc = _state(theta, inputs)
        return {"weights": [np.asarray(theta[i]) for i in range(0, len(theta), 2)],
                "train_loss": float(train), "test_loss": float(test), "test_acc": float(acc)}

    def mlp_features(self, theta, inputs) -> dict:
        W = np.asarray(theta[-2])
        return {"feat": np.asarray(_forward(theta, inputs["x_train"])[1]), "readout": W / np.sqrt(W.shape[1])}


def make_ops(device: str) -> JaxOps:
    """This backend's kernels on `device` ('cpu' or 'cuda')."""
    return JaxOps(device)


EXPERIMENTS = bind(experiments.EXPERIMENTS, make_ops)
