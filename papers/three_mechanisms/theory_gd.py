"""The reference GD step of the linear model in numpy, one run at a time (theory's discrete twin).

`gd_step` is one Euler/GD step of f = kappa uᵀ W n on L = ½(f − a)², for a single run. `simulate`
advances every run of a `LinearBatch` with it and records what `measures.py` reads, like the torch
and jax simulators do for a whole batch at once. Tests check those simulators against this one, and
the course assignment (assignment.py) grades a student's step by running the paper's experiments
through `simulate` with the student's `gd_step` in place of this one.
"""
from __future__ import annotations

import numpy as np


def gd_step(u, W, n, *, a, kappa, lr_u, lr_w):
    """One simultaneous GD step from (u, W) on L = ½(kappa uᵀ W n − a)²; returns (u_new, W_new).

    u: (d,) readout, W: (d, d_in) first layer, n: (d_in,) unit data direction; lr_u = h·eta_u and
    lr_w = h·eta_w are the step sizes of the two layers (the model of Xu & Ziyin, arXiv 2401.07085v3).
    """
    w = W @ n
    # e = κ uᵀ W n − a: the residual on the data direction
    e = kappa * (u @ w) - a
    # u ← u − h η_u κ e W n,   W ← W − h η_w κ e u nᵀ   (both from the old u, W)
    return u - lr_u * kappa * e * w, W - lr_w * kappa * e * (u[:, None] * n[None, :])


def _run_one(batch, b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """u, w = Wn (R+1, d) and ‖W‖_F² (R+1,) of run b at its record times."""
    u, W, n = batch.u0[b].copy(), batch.W0[b].copy(), batch.n[b]
    a, kappa = float(batch.a[b]), float(batch.kappa[b])
    lr_u, lr_w = float(batch.h[b] * batch.eta_u[b]), float(batch.h[b] * batch.eta_w[b])
    stride = batch.n_steps // batch.n_records
    us, ws, fro = [u], [W @ n], [float((W * W).sum())]
    for _ in range(batch.n_records):
        for _ in range(stride):
            u, W = gd_step(u, W, n, a=a, kappa=kappa, lr_u=lr_u, lr_w=lr_w)
        us.append(u)
        ws.append(W @ n)
        fro.append(float((W * W).sum()))
    return np.stack(us), np.stack(ws), np.array(fro)


def simulate(batch) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """GD of every run with `gd_step`: u, w = Wn (B, R+1, d) and ‖W‖_F² (B, R+1), as the backends return."""
    runs = [_run_one(batch, b) for b in range(len(batch.a))]
    return tuple(np.stack([r[i] for r in runs]) for i in range(3))
