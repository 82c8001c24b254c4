"""Torch backend of the bottleneck-rank reproduction (Jacot 2023, arXiv 2305.19008v3).

Only training lives here: Adam on the penalised cost L_λ(θ) = (1/N) Σ ‖f_θ(x_i) − y_i‖² + λ_o‖θ‖²
(L2 in the loss, not decoupled AdamW), stopped when L_λ converges (cap `steps`), then plain GD.
Initial weights and data come from data.py (numpy); measurements from measures.py.

Speed: at width 32 and N = 128 every tensor op is tiny, so autograd's per-node bookkeeping and the
optimiser's per-parameter Python loop cost more than the arithmetic (4.8 ms per Adam step at L = 12
with autograd and torch.optim.Adam, against 1.0 ms for jax's jitted scan under the same load). The ReLU
MLP's backward pass is three matrix products per layer, so `_Mlp` writes it out on preallocated
buffers (1.25 ms): θ is one flat tensor (Adam is then five elementwise ops), each layer a view
W̃_l = [W_l | b_l] on it, and the post-activations are stored feature-major with a row of ones,
H_l = [h_l; 1], so that W̃_l H_{l−1} adds the bias inside the product. The gradient agrees with
torch.autograd and the Adam step with torch.optim.Adam to rounding (tests/papers/test_bottleneck_rank.py).
"""
from __future__ import annotations

import math
from functools import partial

import numpy as np
import torch

from claimbench.experiments import bind
from claimbench.progress import progress

from . import experiments
from .data import Net, lr_schedule
from .experiments import converged

_DTYPES = {"float32": torch.float32, "float64": torch.float64}
_RELU_BACKWARD = torch.ops.aten.threshold_backward.grad_input  # g ⊙ 1[h > 0], written in place
_BETAS, _EPS = (0.9, 0.999), 1e-8  # torch.optim.Adam's defaults (jax_impl uses the same)


def forward(params: list[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """f_θ(x) = W_L σ(W_{L-1} … σ(W_1 x + b_1) … + b_{L-1}) + b_L with σ = ReLU; params [W_1, b_1, …]."""
    h = x
    for ell in range(0, len(params) - 2, 2):
        h = torch.relu(h @ params[ell].T + params[ell + 1])
    return h @ params[-2].T + params[-1]


class _Mlp:
    """A ReLU MLP with its full-batch data: flat θ, per-layer views and the buffers of one backprop."""

    def __init__(self, net: Net, x: np.ndarray, y: np.ndarray, p, device: str):
        kw = {"dtype": _DTYPES[p.dtype], "device": device}
        shapes = [(w.shape[0], w.shape[1] + 1) for w in net[0]]
        sizes = [rows * cols for rows, cols in shapes]
        self.theta = torch.empty(sum(sizes), **kw)
        self.grad = torch.zeros_like(self.theta)
        # W̃_l = [W_l | b_l] (n_l × (n_{l-1} + 1)), a view into θ; its gradient, a view into grad
        self.w = [v.view(s) for v, s in zip(self.theta.split(sizes), shapes, strict=True)]
        self.g = [v.view(s) for v, s in zip(self.grad.split(sizes), shapes, strict=True)]
        for v, w, b in zip(self.w, *net, strict=True):
            v.copy_(torch.from_numpy(np.concatenate([w, b[:, None]], axis=1)))
        self.n = x.shape[0]
        self.y = torch.from_numpy(np.ascontiguousarray(y.T)).to(**kw)
        self._make_buffers(x, shapes, sizes, kw)

    def _make_buffers(self, x: np.ndarray, shapes: list, sizes: list, kw: dict) -> None:
        """Activations, deltas, and the per-layer tuples of views one backprop walks through."""
        n, last, width = self.n, len(shapes) - 1, shapes[0][0]
        # H_l = [h_l; 1] ((n_l + 1) × N), h_0 = x: the input of layer l + 1, feature-major. The hidden
        # ones (and the hidden deltas) are slices of one 3-d tensor, so that the weight gradients of the
        # width × width layers 2..L-1 are one batched product (their W̃_l are adjacent in θ)
        hidden, deltas = torch.ones(last, width + 1, n, **kw), torch.empty(last, width, n, **kw)
        h = [torch.ones(shapes[0][1], n, **kw), *hidden]
        h[0][:-1] = torch.from_numpy(np.ascontiguousarray(x.T))
        pre = [torch.empty(rows, n, **kw) for rows, _ in shapes]
        delta = [*deltas, torch.empty(shapes[-1][0], n, **kw)]
        h_act, h_t = [a[:-1] for a in h], [a.T for a in h]
        w_t = [w[:, :-1].T for w in self.w]
        self._fwd = [(self.w[ell], h[ell], pre[ell], h_act[ell + 1]) for ell in range(last)]
        self._out = (self.w[last], h[last], pre[last], delta[last])
        self._bwd = [(w_t[ell], delta[ell - 1], h_act[ell]) for ell in range(last, 0, -1)]
        mid = self.grad[sizes[0]:sizes[0] + sum(sizes[1:last])].view(max(last - 1, 0), *shapes[min(1, last)])
        # ∂MSE/∂W̃_l = δ_l H_{l-1}ᵀ as (δ, Hᵀ, out): the last layer, the batch of middle ones, the first
        self._grads = [(delta[last], h_t[last], self.g[last]), (deltas[1:], hidden[:-1].transpose(1, 2), mid),
                       (delta[0], h_t[0], self.g[0])]

    def mse_grad(self, with_loss: bool = False) -> float:
        """Write ∇_θ (1/N) Σ‖f − y‖² into self.grad by backprop; return the MSE if asked (else nan)."""
        mm = torch.mm
        for w, h_in, pre, h_out in self._fwd:
            mm(w, h_in, out=pre)  # pre_l = W_l h_{l-1} + b_l = W̃_l H_{l-1}
            torch.clamp_min(pre, 0.0, out=h_out)  # h_l = σ(pre_l)
        w_last, h_last, f, d = self._out
        mm(w_last, h_last, out=f)
        torch.sub(f, self.y, out=d)  # f − y
        mse = float(d.square().sum()) / self.n if with_loss else math.nan
        d.mul_(2.0 / self.n)  # δ_L = ∂MSE/∂f = (2/N)(f − y)
        for w_t, prev, h_prev in self._bwd:
            mm(w_t, d, out=prev)
            _RELU_BACKWARD(prev, h_prev, 0.0, grad_input=prev)  # δ_{l-1} = D_{l-1} W_lᵀ δ_l
            d = prev
        (d_l, h_l, g_l), (d_m, h_m, g_m), (d_1, h_1, g_1) = self._grads
        mm(d_l, h_l, out=g_l)  # ∂MSE/∂W̃_l = δ_l H_{l-1}ᵀ
        if len(g_m):
            torch.bmm(d_m, h_m, out=g_m)
        mm(d_1, h_1, out=g_1)
        return mse

    def penalised_grad(self, lam: float, with_loss: bool = False) -> float:
        """self.grad = ∇L_λ(θ) = ∇MSE + 2λθ; return L_λ(θ) if asked (else nan)."""
        mse = self.mse_grad(with_loss)
        self.grad.add_(self.theta, alpha=2.0 * lam)
        return mse + lam * float(self.theta.dot(self.theta)) if with_loss else math.nan

    def to_numpy(self) -> Net:
        arrays = [v.detach().cpu().numpy().astype(np.float64) for v in self.w]
        return [a[:, :-1].copy() for a in arrays], [a[:, -1].copy() for a in arrays]


class _Adam:
    """torch.optim.Adam's update (β = (0.9, 0.999), ε = 1e-8, L2 in the gradient) on one flat tensor."""

    def __init__(self, theta: torch.Tensor):
        self.theta, self.t = theta, 0
        self.m, self.v, self.denom = (torch.zeros_like(theta) for _ in range(3))

    def step(self, grad: torch.Tensor, lr: float) -> None:
        (b1, b2), self.t = _BETAS, self.t + 1
        self.m.lerp_(grad, 1.0 - b1)  # m ← β1 m + (1 − β1) g
        self.v.mul_(b2).addcmul_(grad, grad, value=1.0 - b2)  # v ← β2 v + (1 − β2) g²
        c1, c2 = 1.0 - b1**self.t, math.sqrt(1.0 - b2**self.t)
        # θ ← θ − (lr / c1) m / (√v / c2 + ε)
        torch.sqrt(self.v, out=self.denom).div_(c2).add_(_EPS)
        self.theta.addcdiv_(self.m, self.denom, value=-lr / c1)


def adam(net: Net, x: np.ndarray, y: np.ndarray, p, lam: float, device: str = "cpu"):
    """Full-batch Adam on L_λ with cosine lr; check convergence of L_λ every conv_window steps."""
    mlp = _Mlp(net, x, y, p, device)
    opt, lrs = _Adam(mlp.theta), lr_schedule(p).tolist()
    curve, t = [], 0
    for _ in progress(range(-(-p.steps // p.conv_window)), desc=f"torch adam L={len(net[0])}"):
        n = min(p.conv_window, p.steps - t)
        for i in range(n):
            # L_λ at the window's last step, before its update (as jax records it)
            loss = mlp.penalised_grad(lam, with_loss=i == n - 1)
            opt.step(mlp.grad, lrs[t])
            t += 1
        curve.append(loss)
        if converged(curve, p.conv_tol):
            break
    return mlp.to_numpy(), t, np.array(curve)


def gd(net: Net, x: np.ndarray, y: np.ndarray, p, lam: float, eta: float, steps: int, device: str = "cpu"):
    """Plain full-batch GD θ ← θ − η ∇L_λ(θ) for `steps` steps (C4: edge of stability η λ_max/N ≈ 1)."""
    mlp = _Mlp(net, x, y, p, device)
    curve = []
    for t in progress(range(steps), desc=f"torch gd eta={eta:.3g}"):
        record = (t + 1) % p.conv_window == 0 or t == steps - 1
        loss = mlp.penalised_grad(lam, with_loss=record)
        mlp.theta.add_(mlp.grad, alpha=-eta)
        if record:
            curve.append(loss)
    return mlp.to_numpy(), np.array(curve)


class TorchOps:
    """The kernels experiments.py asks for, on one device."""

    def __init__(self, device: str):
        self.adam = partial(adam, device=device)
        self.gd = partial(gd, device=device)


def make_ops(device: str) -> TorchOps:
    """This backend's kernels on `device` ('cpu' or 'cuda')."""
    return TorchOps(device)


EXPERIMENTS = bind(experiments.EXPERIMENTS, make_ops)
