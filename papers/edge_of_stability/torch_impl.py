"""torch backend of the edge-of-stability paper (float64, torch.func for all derivatives).

Experiments (same names and keys as jax_impl): taylor (C1), eos_baseline (C2), beyond_eos (C3–C5).
The measurement logic is shared in `experiments.py`; this file provides the network kernels.
"""
from __future__ import annotations

from functools import partial

import numpy as np
import torch
from torch.func import jvp

from claimbench.experiments import bind
from claimbench.hessian import hvp_torch

from . import experiments

DTYPE = torch.float64
ACTS = {"relu": torch.relu, "tanh": torch.tanh}


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


def forward_probed(params, x, act: str):
    """(output, pre-activations h_k, ‖X_{k−1}‖_F per layer) of the bias-free MLP (for fb_normalized)."""
    hs, xnorms, last = [], [], len(params) - 1
    for k, w in enumerate(params):
        xnorms.append(torch.linalg.vector_norm(x))  # ‖X_{k−1}‖_F
        hs.append(x @ w.T)  # h_k = X_{k−1} W_kᵀ
        x = ACTS[act](hs[-1]) if k < last else hs[-1]
    return x, hs, torch.stack(xnorms)


def scaled_grads(params, x, y, act: str, bias: bool, scaling: str, xi_c: float):
    """(L_B, [G_k], ξ) from one reverse pass (torch.autograd, no torch.func: a training step's hot path).

    fb_normalized also reads ∂L_B/∂h_k from the same pass (autograd.grad w.r.t. the pre-activations).
    """
    leaves = [w.detach().requires_grad_(True) for w in params]
    with torch.enable_grad():
        if scaling != "fb_normalized":
            loss = mse(leaves, x, y, act, bias)
            g = torch.autograd.grad(loss, leaves)
            return loss.detach(), g, experiments.xi(torch.stack([gk.norm() for gk in g]), scaling, xi_c)
        if bias:
            raise ValueError("fb_normalized is defined for the bias-free MLP only")
        out, hs, xn = forward_probed(leaves, x, act)
        loss = 0.5 * ((out - y) ** 2).sum() / x.shape[0]
        grads = torch.autograd.grad(loss, leaves + hs)
    fb = xn.detach() * torch.stack([e.norm() for e in grads[len(leaves):]])  # ‖X_{k−1}‖_F ‖∂L_B/∂h_k‖_F
    return loss.detach(), grads[:len(leaves)], experiments.xi(None, scaling, xi_c, fb)


class TorchNet:
    """A parameter list plus training data; implements the `experiments.Net` protocol."""

    def __init__(self, weights, act: str, bias: bool, x, y, device: str = "cpu"):
        self.device, self.act, self.bias = device, act, bias
        self.params = [self._t(w) for w in weights]
        self.x, self.y = self._t(x), self._t(y)
        self.sizes = [int(np.prod(w.shape)) for w in weights]
        self.n_params = sum(self.sizes)
        self._flat_loss = self._make_flat_loss()

    def _t(self, a):
        return torch.as_tensor(np.asarray(a), dtype=DTYPE, device=self.device)

    def _make_flat_loss(self):
        shapes, sizes, act, bias = [p.shape for p in self.params], self.sizes, self.act, self.bias

        def flat_loss(theta, x, y):
            return mse([c.reshape(s) for c, s in zip(torch.split(theta, sizes), shapes, strict=True)], x, y, act, bias)
        return flat_loss

    def run_steps(self, batches, lr, scaling, xi_c):
        """Full-batch or minibatch steps W_k ← W_k − η ξ_k G_k; returns the loss before each step."""
        losses = []
        for idx in torch.as_tensor(np.asarray(batches), device=self.device):
            loss, g, s = scaled_grads(self.params, self.x[idx], self.y[idx], self.act, self.bias, scaling, xi_c)
            # W_k ← W_k − η ξ_{k,t} G_k  (SGD with depthwise gradient scaling)
            self.params = [w - lr * s[k] * gk for k, (w, gk) in enumerate(zip(self.params, g, strict=True))]
            losses.append(loss)
        return torch.stack(losses).cpu().numpy()

    def loss(self, x, y):
        return float(mse(self.params, self._t(x), self._t(y), self.act, self.bias))

    def xi_values(self, x, y, scaling, xi_c):
        """ξ_k at the current weights on (x, y)."""
        return scaled_grads(self.params, self._t(x), self._t(y), self.act, self.bias, scaling, xi_c)[2].cpu().numpy()

    def param_sizes(self):
        return self.sizes

    def matvec(self, x, y):
        theta = torch.cat([p.reshape(-1) for p in self.params])
        return hvp_torch.make_matvec(self._flat_loss, theta, self._t(x), self._t(y))

    def features(self, x):
        return forward(self.params, self._t(x), self.act, self.bias)[1].cpu().numpy()

    def weights(self):
        return [p.cpu().numpy() for p in self.params]

    def direction(self, x, y, scaling, xi_c):
        """Δ_k = ξ_k G_k, the scaled step direction."""
        _, g, s = scaled_grads(self.params, self._t(x), self._t(y), self.act, self.bias, scaling, xi_c)
        return [(s[k] * gk).cpu().numpy() for k, gk in enumerate(g)]

    def taylor(self, x, y, d, mode, etas):
        """(a_1, a_2, a_3) of φ(η) = L_B(θ − ηΔ) by three nested jvps, L_B(θ) and φ at each η."""
        x, y, d = self._t(x), self._t(y), [self._t(di) for di in d]
        masks = None
        if mode == "frozen":
            _, masks = self._masks(x)

        def phi(eta):
            return mse([w - eta * dk for w, dk in zip(self.params, d, strict=True)], x, y, self.act, self.bias, masks)

        one, zero = self._t(1.0), self._t(0.0)
        d1 = partial(lambda f, e: jvp(f, (e,), (one,))[1], phi)   # φ'
        d2 = partial(lambda f, e: jvp(f, (e,), (one,))[1], d1)    # φ''
        d3 = jvp(d2, (zero,), (one,))[1]                          # φ'''
        # a_1 = φ'(0), a_2 = φ''(0)/2, a_3 = φ'''(0)/6
        a = [float(d1(zero)), float(d2(zero)) / 2, float(d3) / 6]
        return a, float(phi(zero)), np.array([float(phi(self._t(e))) for e in etas])

    def _masks(self, x):
        masks, h = [], x
        for w, _ in _layers(self.params, self.bias)[:-1]:
            pre = h @ w.T
            masks.append((pre > 0).to(DTYPE))
            h = torch.relu(pre)
        return h, masks


class TorchOps:
    """The kernels experiments.py asks for, on one device."""

    def __init__(self, device: str):
        self.device = device

    def make_net(self, weights, act: str, bias: bool, x, y) -> TorchNet:
        """A TorchNet on this device."""
        return TorchNet(weights, act, bias, x, y, self.device)


def make_ops(device: str) -> TorchOps:
    """This backend's kernels on `device` ('cpu' or 'cuda')."""
    return TorchOps(device)


EXPERIMENTS = bind(experiments.EXPERIMENTS, make_ops)
