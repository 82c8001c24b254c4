"""Every random draw of the edge-of-stability reproduction, in numpy: data, initial weights, batch order.

Both backends receive these arrays, so they start from the same weights and see the same batches.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from claimbench.seeding import make_rng


def make_data(p, seed: int) -> dict[str, np.ndarray]:
    """Training set and probe batch: synthetic tanh-teacher regression or sklearn digits (one-hot MSE)."""
    if p.dataset == "digits":
        from sklearn.datasets import load_digits

        d = load_digits()
        order = make_rng(seed, "digits-split").permutation(len(d.target))
        x, y = d.data[order] / 16.0, np.eye(10)[d.target[order]]
        if p.n_train + p.n_probe > len(x):
            raise ValueError(f"digits has {len(x)} images; n_train + n_probe = {p.n_train + p.n_probe}")
        n = p.n_train
        return {"x": x[:n], "y": y[:n], "x_probe": x[n:n + p.n_probe]}
    rng = make_rng(seed, "teacher")
    a = rng.standard_normal((p.input_dim, p.teacher_width)) / np.sqrt(p.input_dim)
    b = rng.standard_normal((p.teacher_width, p.n_out)) / np.sqrt(p.teacher_width)
    x = make_rng(seed, "inputs").standard_normal((p.n_train + p.n_probe, p.input_dim))
    y = np.tanh(x @ a) @ b
    y = (y - y[:p.n_train].mean(0)) / y[:p.n_train].std(0)  # standardised targets
    return {"x": x[:p.n_train], "y": y[:p.n_train], "x_probe": x[p.n_train:]}


def proposed_widths(n_in: int, n_out: int, depth: int, base: int, r: float) -> tuple[int, ...]:
    """(n_0, n_1, ..., n_L) with hidden widths n_k = n · k^r, k = 1..L−1 (polynomial width pattern)."""
    # n_k = n k^r  (Terjék 2025: polynomial hidden-layer width pattern; r = 2 quadratic)
    hidden = [max(1, int(round(base * k**r))) for k in range(1, depth)]
    return (n_in, *hidden, n_out)


def init_weights(widths: Sequence[int], seed: int, stream: str, gain: float, bias: bool = False) -> list[np.ndarray]:
    """W_k ~ N(0, gain/n_{k−1}) (gain 2: He/EOC for ReLU; 1: LeCun for tanh); zero biases if `bias`."""
    rng = make_rng(seed, stream)
    out = []
    for n_in, n_out in zip(widths[:-1], widths[1:], strict=True):
        out.append(rng.standard_normal((n_out, n_in)) * np.sqrt(gain / n_in))
        if bias:
            out.append(np.zeros(n_out))
    return out


def batch_schedule(n: int, batch_size: int, steps: int, seed: int, stream: str) -> np.ndarray:
    """(steps, B) example indices: every example each step if batch_size is 0 (GD), else shuffled epochs."""
    if batch_size <= 0 or batch_size >= n:
        return np.tile(np.arange(n), (steps, 1))
    rng, rows, pool = make_rng(seed, stream), [], np.empty(0, dtype=int)
    for _ in range(steps):
        if len(pool) < batch_size:  # new epoch; an incomplete last batch is dropped
            pool = rng.permutation(n)
        rows.append(pool[:batch_size])
        pool = pool[batch_size:]
    return np.stack(rows)
