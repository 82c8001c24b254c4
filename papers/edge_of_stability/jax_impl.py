"""jax backend of the edge-of-stability paper (float64; jit + lax.scan for the training steps).

Experiments (same names and keys as torch_impl): taylor (C1), eos_baseline (C2), beyond_eos (C3–C5).
The measurement logic is shared in `experiments.py`; this file provides the network kernels.
"""
from __future__ import annotations

import functools

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from claimbench.devices import jax_device  # noqa: E402
from claimbench.experiments import bind  # noqa: E402
from claimbench.hessian import hvp_jax  # noqa: E402

from . import experiments  # noqa: E402

DTYPE = jnp.float64
ACTS = {"relu": jax.nn.relu, "tanh": jnp.tanh}


def _layers(params, bias: bool):
    return list(zip(params[::2], params[1::2], strict=True)) if bias else [(w, None) for w in params]


def forward(params, x, act: str, bias: bool, masks=None):
    """(output, last hidden features) of the MLP; `masks` freezes the ReLU pattern (x_k = m_k ⊙ h_k)."""
    layers = _layers(params, bias)
    for k, (w, b) in enumerate(layers[:-1]):
        h = x @ w.T if b is None else x @ w.T + b  # h_k = x_{k-1} W_kᵀ (+ b_k)
        x = masks[k] * h if masks is not None else ACTS[act](h)  # x_k = φ(h_k)
    w, b = layers[-1]
    return (x @ w.T if b is None else x @ w.T + b), x


def mse(params, x, y, act: str, bias: bool, masks=None):
    """L_B = (1/2B) Σ_i ‖f(x_i) − y_i‖² (Cohen et al.'s SquaredLoss divided by n)."""
    return 0.5 * ((forward(params, x, act, bias, masks)[0] - y) ** 2).sum() / x.shape[0]


_mse = jax.jit(mse, static_argnames=("act", "bias"))


def mse_probed(params, eps, x, y, act: str):
    """(L_B, ‖X_{k−1}‖_F per layer) of the bias-free MLP with a zero eps_k added to each pre-activation h_k.

    ∂L_B/∂eps_k = ∂L_B/∂h_k: the backward signal backprop computes anyway, read off by one extra argnum.
    """
    xnorms, last = [], len(params) - 1
    for k, w in enumerate(params):
        xnorms.append(jnp.linalg.norm(x))  # ‖X_{k−1}‖_F
        h = x @ w.T + eps[k]  # h_k = X_{k−1} W_kᵀ (+ 0)
        x = ACTS[act](h) if k < last else h
    return 0.5 * ((x - y) ** 2).sum() / x.shape[0], jnp.stack(xnorms)


def _xi_grads(params, x, y, act, bias, scaling, xi_c):
    """(L_B, [G_k], ξ) from one backward pass; fb_normalized also reads ‖X_{k−1}‖_F and ‖∂L_B/∂h_k‖_F."""
    if scaling != "fb_normalized":
        loss, g = jax.value_and_grad(mse)(params, x, y, act, bias)
        return loss, g, experiments.xi(jnp.stack([jnp.linalg.norm(gk) for gk in g]), scaling, xi_c)
    if bias:
        raise ValueError("fb_normalized is defined for the bias-free MLP only")
    eps = [jnp.zeros((x.shape[0], w.shape[0]), x.dtype) for w in params]
    (loss, xn), (g, ge) = jax.value_and_grad(mse_probed, argnums=(0, 1), has_aux=True)(params, eps, x, y, act)
    fb = xn * jnp.stack([jnp.linalg.norm(e) for e in ge])  # ‖X_{k−1}‖_F ‖∂L_B/∂h_k‖_F
    return loss, g, experiments.xi(None, scaling, xi_c, fb)


def _scaled_grads(params, x, y, act, bias, scaling, xi_c):
    loss, g, s = _xi_grads(params, x, y, act, bias, scaling, xi_c)
    return loss, [s[k] * gk for k, gk in enumerate(g)]  # Δ_k = ξ_k G_k


_direction = jax.jit(_scaled_grads, static_argnames=("act", "bias", "scaling"))


@functools.partial(jax.jit, static_argnames=("act", "bias", "scaling"))
def _xi_values(params, x, y, act, bias, scaling, xi_c):
    return _xi_grads(params, x, y, act, bias, scaling, xi_c)[2]


@functools.partial(jax.jit, static_argnames=("act", "bias", "scaling"))
def _run_steps(params, x, y, batches, lr, xi_c, act, bias, scaling):
    def step(params, idx):
        loss, d = _scaled_grads(params, x[idx], y[idx], act, bias, scaling, xi_c)
        # W_k ← W_k − η ξ_{k,t} G_k  (SGD with depthwise gradient scaling)
        return [w - lr * dk for w, dk in zip(params, d, strict=True)], loss

    return jax.lax.scan(step, params, batches)


@functools.partial(jax.jit, static_argnames=("act", "bias"))
def _taylor(params, x, y, d, masks, act, bias):
    """(φ'(0), φ''(0), φ'''(0)) of φ(η) = L_B(θ − ηΔ) by three nested jvps."""
    def phi(eta):
        return mse([w - eta * dk for w, dk in zip(params, d, strict=True)], x, y, act, bias, masks)

    def deriv(f):
        return lambda e: jax.jvp(f, (e,), (jnp.ones_like(e),))[1]

    zero = jnp.zeros((), DTYPE)
    return deriv(phi)(zero), deriv(deriv(phi))(zero), deriv(deriv(deriv(phi)))(zero)


@functools.lru_cache(maxsize=None)
def _flat_loss(act: str, bias: bool, shapes: tuple):
    """loss(θ, x, y) over a flat θ; cached so that the compiled HVP is reused across steps and seeds."""
    sizes = [int(np.prod(s)) for s in shapes]
    cuts = np.cumsum(sizes)[:-1].tolist()

    def flat_loss(theta, x, y):
        return mse([c.reshape(s) for c, s in zip(jnp.split(theta, cuts), shapes, strict=True)], x, y, act, bias)
    return flat_loss


class JaxNet:
    """A parameter list plus training data; implements the `experiments.Net` protocol."""

    def __init__(self, weights, act: str, bias: bool, x, y, device: str = "cpu"):
        self.dev = jax_device(device)
        self.act, self.bias = act, bias
        self.params = [self._a(w) for w in weights]
        self.x, self.y = self._a(x), self._a(y)
        self.sizes = [int(np.prod(w.shape)) for w in weights]
        self.n_params = sum(self.sizes)

    def _a(self, a):
        return jax.device_put(jnp.asarray(np.asarray(a), dtype=DTYPE), self.dev)

    def run_steps(self, batches, lr, scaling, xi_c):
        """Full-batch or minibatch steps (one lax.scan); returns the loss before each step."""
        idx = jax.device_put(jnp.asarray(np.asarray(batches)), self.dev)
        self.params, losses = _run_steps(self.params, self.x, self.y, idx, lr, xi_c, self.act, self.bias, scaling)
        return np.asarray(losses)

    def loss(self, x, y):
        return float(_mse(self.params, self._a(x), self._a(y), self.act, self.bias))

    def xi_values(self, x, y, scaling, xi_c):
        """ξ_k at the current weights on (x, y)."""
        return np.asarray(_xi_values(self.params, self._a(x), self._a(y), self.act, self.bias, scaling, xi_c))

    def param_sizes(self):
        return self.sizes

    def matvec(self, x, y):
        theta = jnp.concatenate([p.reshape(-1) for p in self.params])
        loss = _flat_loss(self.act, self.bias, tuple(tuple(p.shape) for p in self.params))
        return hvp_jax.make_matvec(loss, theta, self._a(x), self._a(y))

    def features(self, x):
        return np.asarray(forward(self.params, self._a(x), self.act, self.bias)[1])

    def weights(self):
        return [np.asarray(p) for p in self.params]

    def direction(self, x, y, scaling, xi_c):
        """Δ_k = ξ_k G_k, the scaled step direction."""
        _, d = _direction(self.params, self._a(x), self._a(y), self.act, self.bias, scaling, xi_c)
        return [np.asarray(dk) for dk in d]

    def taylor(self, x, y, d, mode, etas):
        """(a_1, a_2, a_3), L_B(θ) and L_B(θ − ηΔ) at each η."""
        x, y, d = self._a(x), self._a(y), [self._a(dk) for dk in d]
        masks = None
        if mode == "frozen":
            h, masks = x, []
            for w in self.params[:-1]:
                masks.append((h @ w.T > 0).astype(DTYPE))
                h = jax.nn.relu(h @ w.T)
        d1, d2, d3 = _taylor(self.params, x, y, d, masks, self.act, self.bias)
        # a_1 = φ'(0), a_2 = φ''(0)/2, a_3 = φ'''(0)/6
        a = [float(d1), float(d2) / 2, float(d3) / 6]
        moved = [[w - e * dk for w, dk in zip(self.params, d, strict=True)] for e in etas]
        l_eta = [float(_mse(q, x, y, self.act, self.bias, masks)) for q in moved]
        return a, float(_mse(self.params, x, y, self.act, self.bias, masks)), np.array(l_eta)


class JaxOps:
    """The kernels experiments.py asks for, on one device."""

    def __init__(self, device: str):
        self.device = device

    def make_net(self, weights, act: str, bias: bool, x, y) -> JaxNet:
        """A JaxNet on this device."""
        return JaxNet(weights, act, bias, x, y, self.device)


def make_ops(device: str) -> JaxOps:
    """This backend's kernels on `device` ('cpu' or 'cuda')."""
    return JaxOps(device)


EXPERIMENTS = bind(experiments.EXPERIMENTS, make_ops)
