"""Every random draw of the bottleneck-rank reproduction, in numpy: the rank-k task and initial weights.

Data and initial weights are drawn here (Jacot 2023, arXiv 2305.19008v3, Sec. 5 task) and handed to both
backends; the Adam learning-rate schedule is shared too, so both backends take the same steps.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from claimbench.seeding import make_rng

Net = tuple[list[np.ndarray], list[np.ndarray]]  # (weights W_1..W_L as (out, in), biases b_1..b_L)


Map = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Task:
    """Training set of the synthetic rank-k task: latent z, inputs x, targets y (rows = samples).

    `encode` is z ↦ x and `target` is z_1..z_k ↦ y, so fresh points of the same task can be made.
    """

    z: np.ndarray
    x: np.ndarray
    y: np.ndarray
    encode: Map
    target: Map


def _shallow_net(rng: np.random.Generator, d_in: int, hidden: int, d_out: int, bias_std: float = 0.5):
    """A random map u -> tanh(u A + c) B with A ~ N(0, 1), c ~ N(0, bias_std²), B ~ N(0, 1/hidden)."""
    a = rng.standard_normal((d_in, hidden))
    c = bias_std * rng.standard_normal(hidden)
    b = rng.standard_normal((hidden, d_out)) / np.sqrt(hidden)
    return lambda u: np.tanh(u @ a + c) @ b


def make_data(p, seed: int) -> Task:
    """Task T_k: z ~ N(0, I); x = z or g(z); y = h(z_1..z_k), so Rank_BN(z -> y) = k.

    Paper (Sec. 5, as quoted by the NeurIPS reproducibility summary): z ∈ R^8, x = g(z) ∈ R^20,
    y = h(z_1, z_2) ∈ R^20 with g, h random shallow networks.
    """
    if p.input_map == "identity" and p.d_in != p.latent_dim:
        raise ValueError(f"input_map=identity needs d_in == latent_dim, got {p.d_in} != {p.latent_dim}")
    if p.rank > p.latent_dim:
        raise ValueError(f"rank {p.rank} exceeds latent_dim {p.latent_dim}")
    rng = make_rng(seed, "bottleneck_rank/task")
    z = rng.standard_normal((p.n_samples, p.latent_dim))
    h = _shallow_net(rng, p.rank, p.target_hidden, p.d_out)
    g = _shallow_net(rng, p.latent_dim, p.target_hidden, p.d_in)
    encode = np.copy if p.input_map == "identity" else g
    return Task(z=z, x=encode(z), y=h(z[:, : p.rank]), encode=encode, target=h)


def make_probe_latents(p, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fresh latents z and two copies: z_irr with z_{k+1..} redrawn, z_rel with z_1..z_k redrawn (C6)."""
    rng = make_rng(seed, "bottleneck_rank/probe")
    z = rng.standard_normal((p.c6_probe_samples, p.latent_dim))
    fresh = rng.standard_normal(z.shape)
    z_irr, z_rel = z.copy(), z.copy()
    z_irr[:, p.rank:], z_rel[:, : p.rank] = fresh[:, p.rank:], fresh[:, : p.rank]
    return z, z_irr, z_rel


def init_weights(p, seed: int, depth: int) -> Net:
    """He-normal weights (last layer LeCun-normal), zero biases; one numpy stream per depth."""
    rng = make_rng(seed, f"bottleneck_rank/init/L{depth}")
    dims = [p.d_in] + [p.width] * (depth - 1) + [p.d_out]
    weights, biases = [], []
    for ell in range(depth):
        gain = 1.0 if ell == depth - 1 else 2.0
        weights.append(rng.standard_normal((dims[ell + 1], dims[ell])) * np.sqrt(gain / dims[ell]))
        biases.append(np.zeros(dims[ell + 1]))
    return weights, biases


def lr_schedule(p) -> np.ndarray:
    """Cosine decay from p.lr to p.lr_final over p.steps Adam steps (shared by both backends)."""
    t = np.arange(p.steps)
    return p.lr_final + 0.5 * (p.lr - p.lr_final) * (1.0 + np.cos(np.pi * t / p.steps))
