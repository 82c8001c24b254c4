"""C6 measurements: does a trained net's middle representation depend on the relevant latents only?

Jacot 2023 (arXiv 2305.19008v3), Sec. 5 ("Symmetry Learning", known from one quoted sentence): the
net "learns the ... symmetry of the task" and "two dimensional hidden representations". On the task
x = g(z), y = h(z_1..z_k) the symmetry is the invariance of y to z_{k+1..}. Two measures, float64 numpy:
a 10-NN regression of the middle layer's top-k PCs on either group of latents (training points), and
a direct invariance index per layer on fresh latents (README, Model and derivation).
"""
from __future__ import annotations

import numpy as np

from .data import Net, Task
from .measures import forward, middle_layers


def compute_knn_r2(features: np.ndarray, target: np.ndarray, seed: int) -> float:
    """Cross-validated R² of a 10-NN regression features -> target (is the layer a function of them?)."""
    # imported here: scikit-learn takes ~2.5 s to import, and only the C6 experiment needs it
    from sklearn.model_selection import KFold, cross_val_predict
    from sklearn.neighbors import KNeighborsRegressor

    pred = cross_val_predict(KNeighborsRegressor(n_neighbors=10), features, target,
                             cv=KFold(5, shuffle=True, random_state=seed))
    resid = ((target - pred) ** 2).sum(axis=0)
    total = ((target - target.mean(axis=0)) ** 2).sum(axis=0)
    return float(np.mean(1.0 - resid / total))


def representations(net: Net, x: np.ndarray) -> list[np.ndarray]:
    """h_1, ..., h_{L-1} and the output f(x), each N × n_l."""
    pres, posts = forward(net, x)
    return posts[1:] + [pres[-1]]


def compute_invariance(reps: list[np.ndarray], reps_moved: list[np.ndarray]) -> np.ndarray:
    """Per representation: Σ_units E[(h(z) − h(z'))²] / (2 Σ_units Var h(z)).

    z' redraws one group of latents and keeps the other, so this is the Jansen estimator of the
    total-effect Sobol index of the redrawn group: 0 = invariant to it, 1 = a function of it only.
    """
    return np.array([((a - b) ** 2).sum(axis=1).mean() / (2.0 * max(a.var(axis=0).sum(), 1e-300))
                     for a, b in zip(reps, reps_moved, strict=True)])


def compute_pc_knn(net: Net, task: Task, k: int, seed: int) -> dict:
    """Top-k PCs of the middle layer h_{L/2} on the training points; 10-NN R² from z_1..z_k and z_{k+1..}."""
    h = forward(net, task.x)[1][len(net[0]) // 2]
    u, s, _ = np.linalg.svd(h - h.mean(axis=0, keepdims=True), full_matrices=False)
    pcs = u[:, :k] * s[:k]
    z = task.z
    irr = compute_knn_r2(z[:, k:], pcs, seed) if z.shape[1] > k else float("nan")
    return {"mid_pcs": pcs, "latent_relevant": z[:, :k], "knn_r2_relevant": compute_knn_r2(z[:, :k], pcs, seed),
            "knn_r2_irrelevant": irr}


def compute_symmetry(net: Net, task: Task, probes: tuple[np.ndarray, ...], p, seed: int) -> dict:
    """C6 on one trained net: kNN R² of the middle PCs and the invariance index of every layer."""
    k, depth = p.rank, len(net[0])
    z, z_irr, z_rel = probes
    base = representations(net, task.encode(z))
    irr = compute_invariance(base, representations(net, task.encode(z_irr)))
    rel = compute_invariance(base, representations(net, task.encode(z_rel)))
    mids = [ell - 1 for ell in middle_layers(depth, p.mid_lo, p.mid_hi)]
    y = task.target(z[:, :k])
    out = compute_pc_knn(net, task, k, seed)
    out.update({
        "inv_irr_layers": irr, "inv_rel_layers": rel,
        "inv_irr_first": float(irr[0]), "inv_irr_out": float(irr[-1]),
        "inv_irr_mid": float(np.median(irr[mids])), "inv_rel_mid": float(np.median(rel[mids])),
        # the middle layer may carry no more of z_{k+1..} than the learned function itself
        "inv_mid_minus_out": float(np.median(irr[mids]) - irr[-1]),
        "test_mse_over_var": float(((base[-1] - y) ** 2).sum(axis=1).mean() / y.var(axis=0).sum()),
    })
    return out
