"""Torch backend of the bottleneck-rank reproduction (Jacot 2023, arXiv 2305.19008v3).

Only training lives here: Adam on the penalised cost L_λ(θ) = (1/N) Σ ‖f_θ(x_i) − y_i‖² + λ‖θ‖²
(L2 in the loss, not decoupled AdamW), stopped when L_λ converges (cap `steps`), then plain GD.
Initial weights and data come from data.py (numpy); measurements from measures.py.
"""
from __future__ import annotations

from functools import partial

import numpy as np
import torch

from claimbench.experiments import bind
from claimbench.progress import progress

from . import experiments
from .data import Net, lr_schedule
from .experiments import converged

_DTYPES = {"float32": torch.float32, "float64": torch.float64}


def _params(net: Net, p, device: str) -> list[torch.Tensor]:
    """Flat list [W_1, b_1, ..., W_L, b_L] of leaf tensors with explicit dtype and device."""
    dt = _DTYPES[p.dtype]
    return [torch.tensor(a, dtype=dt, device=device, requires_grad=True)
            for pair in zip(*net, strict=True) for a in pair]


def _to_numpy(params: list[torch.Tensor]) -> Net:
    arrays = [t.detach().cpu().numpy().astype(np.float64) for t in params]
    return arrays[0::2], arrays[1::2]


def forward(params: list[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """f_θ(x) = W_L σ(W_{L-1} … σ(W_1 x + b_1) … + b_{L-1}) + b_L with σ = ReLU."""
    h = x
    for ell in range(0, len(params) - 2, 2):
        h = torch.relu(h @ params[ell].T + params[ell + 1])
    return h @ params[-2].T + params[-1]


def penalised_loss(params: list[torch.Tensor], x: torch.Tensor, y: torch.Tensor, lam: float) -> torch.Tensor:
    """L_λ(θ) = (1/N) Σ_i ‖f_θ(x_i) − y_i‖² + λ ‖θ‖² (sum over outputs, mean over samples)."""
    mse = ((forward(params, x) - y) ** 2).sum(dim=1).mean()
    return mse + lam * sum((q * q).sum() for q in params)


def adam(net: Net, x: np.ndarray, y: np.ndarray, p, depth: int, device: str = "cpu"):
    """Full-batch Adam with cosine lr; check convergence of L_λ every conv_window steps.

    The penalty's gradient ∇(λ‖θ‖²) = 2λθ is added to the data gradient before Adam's update
    (identical to putting λ‖θ‖² in the autograd graph, and ~1.5x cheaper per step at width 32).
    """
    params = _params(net, p, device)
    xt, yt = (torch.tensor(a, dtype=_DTYPES[p.dtype], device=device) for a in (x, y))
    opt = torch.optim.Adam(params, lr=p.lr, betas=(0.9, 0.999), eps=1e-8, fused=True)
    lrs, curve, t = lr_schedule(p), [], 0
    for _ in progress(range(-(-p.steps // p.conv_window)), desc=f"torch adam L={depth}"):
        n = min(p.conv_window, p.steps - t)
        for i in range(n):
            opt.param_groups[0]["lr"] = float(lrs[t])
            opt.zero_grad(set_to_none=True)
            mse = ((forward(params, xt) - yt) ** 2).sum(dim=1).mean()
            mse.backward()
            with torch.no_grad():
                if i == n - 1:  # L_λ at the window's last step, before its update (as jax records it)
                    curve.append(float(mse) + p.weight_decay * float(sum((q * q).sum() for q in params)))
                # ∇L_λ = ∇MSE + 2λθ
                torch._foreach_add_([q.grad for q in params], params, alpha=2.0 * p.weight_decay)
            opt.step()
            t += 1
        if converged(curve, p.conv_tol):
            break
    return _to_numpy(params), t, np.array(curve)


def gd(net: Net, x: np.ndarray, y: np.ndarray, p, eta: float, steps: int, device: str = "cpu"):
    """Plain full-batch GD θ ← θ − η ∇L_λ(θ) for `steps` steps (C4: edge of stability η λ_max/N ≈ 1)."""
    params = _params(net, p, device)
    xt, yt = (torch.tensor(a, dtype=_DTYPES[p.dtype], device=device) for a in (x, y))
    curve = []
    for t in progress(range(steps), desc=f"torch gd eta={eta:.3g}"):
        loss = penalised_loss(params, xt, yt, p.weight_decay)
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            torch._foreach_add_(params, grads, alpha=-eta)
        if (t + 1) % p.conv_window == 0 or t == steps - 1:
            curve.append(float(loss.detach()))
    return _to_numpy(params), np.array(curve)


class TorchOps:
    """The kernels experiments.py asks for, on one device."""

    def __init__(self, device: str):
        self.adam = partial(adam, device=device)
        self.gd = partial(gd, device=device)


def make_ops(device: str) -> TorchOps:
    """This backend's kernels on `device` ('cpu' or 'cuda')."""
    return TorchOps(device)


EXPERIMENTS = bind(experiments.EXPERIMENTS, make_ops)
