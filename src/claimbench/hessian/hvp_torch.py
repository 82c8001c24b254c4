"""Hessian-vector products in torch over a flat parameter vector (double backprop, torch.autograd).

Same signatures as `claimbench.hessian.hvp_jax`: `loss_fn(theta, *args) -> scalar` with `theta` a
1-D tensor. H v = ∇_θ (∇L(θ) · v) — Pearlmutter's trick by reverse-over-reverse, as Cohen et al.
(ICLR 2021) compute it. In eager torch this costs about 2.5-3 gradients, where torch.func's
forward-over-reverse `jvp(grad(L))` (jax's choice) costs 3.5-11 (functorch's per-operation overhead;
benchmarks/bench_hessian.py measures both). The scalar ∇L · v is differentiated, not ∇L with
`grad_outputs=v`: the same numbers (the backward of the sum and the product hands ∇L's graph exactly v),
but torch imports sympy (0.7-1 s, once per process) the first time `grad_outputs` is given, which the
first edge-of-stability unit of each torch worker paid inside its wall. (`hvp` stays self-contained:
the course assignment hands out its source as the reference answer.)
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import torch
from torch.func import grad, hessian, jvp


def flatten(params: Sequence[torch.Tensor]) -> tuple[torch.Tensor, Callable[[torch.Tensor], list[torch.Tensor]]]:
    """A flat copy of a list of tensors and the function mapping a flat vector back to that list."""
    shapes = [p.shape for p in params]
    sizes = [p.numel() for p in params]

    def unflatten(theta: torch.Tensor) -> list[torch.Tensor]:
        return [chunk.reshape(s) for chunk, s in zip(torch.split(theta, sizes), shapes, strict=True)]

    return torch.cat([p.detach().reshape(-1) for p in params]), unflatten


def gradient(loss_fn: Callable, theta: torch.Tensor, *args) -> torch.Tensor:
    """∇L(θ)."""
    return grad(loss_fn)(theta, *args)


def hvp(loss_fn: Callable, theta: torch.Tensor, v: torch.Tensor, *args) -> torch.Tensor:
    """H(θ) v with H = ∇²L(θ), by the gradient of ∇L(θ) · v (double backprop)."""
    with torch.enable_grad():
        t = theta.detach().requires_grad_(True)
        (g,) = torch.autograd.grad(loss_fn(t, *args), t, create_graph=True)
        # H v = ∇_θ (∇L(θ) · v)
        (hv,) = torch.autograd.grad((g * v).sum(), t)
    return hv


def hvp_forward_over_reverse(loss_fn: Callable, theta: torch.Tensor, v: torch.Tensor, *args) -> torch.Tensor:
    """H(θ) v by a jvp of the gradient (torch.func), the cost comparison for `hvp`."""
    # H v = ∂_ε ∇L(θ + ε v)|_{ε=0}
    return jvp(lambda t: grad(loss_fn)(t, *args), (theta,), (v,))[1]


def dense_hessian(loss_fn: Callable, theta: torch.Tensor, *args) -> torch.Tensor:
    """The full Hessian matrix (tests and tiny networks only)."""
    return hessian(loss_fn)(theta, *args)


def make_matvec(loss_fn: Callable, theta: torch.Tensor, *args) -> Callable[[np.ndarray], np.ndarray]:
    """v ↦ H(θ) v as a numpy → numpy function (float64), for `claimbench.hessian.lanczos`.

    With this module's `hvp` (double backprop), the graph of ∇L(θ) is built once and differentiated
    again for each v: the same operations on the same numbers as calling `hvp` each time, without
    redoing the forward and first backward pass per product (Lanczos asks ~10-20 products at one θ).
    A substituted `hvp` (the course assignment's) is called for every product.
    """
    theta = theta.detach()
    if hvp is not _DOUBLE_BACKPROP[0]:
        def matvec(v: np.ndarray) -> np.ndarray:
            vt = torch.as_tensor(v, dtype=theta.dtype, device=theta.device)
            return hvp(loss_fn, theta, vt, *args).detach().cpu().numpy().astype(np.float64)

        return matvec
    with torch.enable_grad():
        t = theta.detach().requires_grad_(True)
        (g,) = torch.autograd.grad(loss_fn(t, *args), t, create_graph=True)

    def reuse(v: np.ndarray) -> np.ndarray:
        vt = torch.as_tensor(v, dtype=theta.dtype, device=theta.device)
        with torch.enable_grad():
            # H v = ∇_θ (∇L(θ) · v), through the kept graph of ∇L(θ)
            (hv,) = torch.autograd.grad((g * vt).sum(), t, retain_graph=True)
        return hv.detach().cpu().numpy().astype(np.float64)

    return reuse


# held in a tuple: the course harness rebinds module names bound to `hvp`, and must not rebind this one
_DOUBLE_BACKPROP = (hvp,)
