"""Every random draw of C7 (the mechanisms in nonlinear networks), in numpy; both backends start from these.

C7a (Fig. 1): the 1-D regression grid, the two-layer nets' initial weights and targets for the alignment
and the disalignment case. C7b/C7c (Figs. 2, 3): digits, the MLPs' initial weights, the minibatch order
and the start vector of the power iteration for the NTK's top eigenvalue.
"""
from __future__ import annotations

import numpy as np

from claimbench.seeding import make_rng

N_CLASSES = 10
ACTIVATIONS = ("linear", "relu", "leaky_relu", "sigmoid", "swish")
LEAKY_SLOPE = 0.01


def make_stream(seed: int, name: str) -> np.random.Generator:
    """The numpy Generator of one named C7 draw (same (seed, name), same numbers)."""
    return make_rng(seed, f"three_mechanisms/c7/{name}")


# ---- C7a: two-layer nets on a 1-D regression task -------------------------------------------

def make_grid(n_points: int) -> np.ndarray:
    """Inputs z: n_points evenly spaced on [−1, 1], rescaled so that mean(z²) = 1."""
    z = np.linspace(-1.0, 1.0, n_points)
    return z / np.sqrt(np.mean(z * z))


def activation(act: str, x: np.ndarray) -> np.ndarray:
    """φ(x) for the Fig. 1 activations (numpy reference; the backends write their own)."""
    sig = 1.0 / (1.0 + np.exp(-x))
    return {"linear": x, "relu": np.maximum(x, 0.0), "leaky_relu": np.where(x > 0, x, LEAKY_SLOPE * x),
            "sigmoid": sig, "swish": x * sig}[act]


def twolayer_output(u, w, z, act: str) -> np.ndarray:
    """f(z) = κ Σ_i u_i φ(w_i z), κ = 1/√d, for rows of u, w (numpy reference, float64)."""
    u, w = np.atleast_2d(u), np.atleast_2d(w)
    kappa = 1.0 / np.sqrt(u.shape[-1])
    return kappa * np.einsum("bnd,bd->bn", activation(act, z[None, :, None] * w[:, None, :]), u)


def init_twolayer(params, seed: int, act: str, z: np.ndarray) -> dict:
    """Both Fig. 1 cases of one activation: rows (alignment, disalignment) of u0, w0 (2, d) and y (2, N).

    Alignment: u0, w0 ~ N(0, std²) i.i.d. and y = a z (|f0| ≪ |a|). Disalignment: u0 = g1 and
    w0 = ρ g1 + √(1 − ρ²) g2, target y = f0(z)/shrink (|f0| = shrink·|y|). g1, g2 ~ N(0, I_d) are drawn
    per case, not per activation, so the five columns of Fig. 1 start from the same vectors.
    """
    d = params.tl_width
    g_align = make_stream(seed, "twolayer/align").standard_normal((2, d))
    g_dis = make_stream(seed, "twolayer/disalign").standard_normal((2, d))
    rho = params.tl_dis_rho
    u0 = np.stack([params.tl_align_std * g_align[0], g_dis[0]])
    w0 = np.stack([params.tl_align_std * g_align[1], rho * g_dis[0] + np.sqrt(1.0 - rho**2) * g_dis[1]])
    y_dis = twolayer_output(u0[1], w0[1], z, act)[0] / params.tl_dis_shrink
    return {"u0": u0, "w0": w0, "y": np.stack([params.tl_target_slope * z, y_dis])}


# ---- C7b / C7c: MLPs on digits ---------------------------------------------------------------

def make_data(n_probes: int) -> dict:
    """Digits (1797 × 64, pixels/16), one-hot targets, a fixed stratified 30 % test split, n_probes probes."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype(np.float32)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.3, random_state=0, stratify=y)
    onehot = np.eye(N_CLASSES, dtype=np.float32)
    return {"x_train": x_tr, "y_train": onehot[y_tr], "label_train": y_tr, "x_test": x_te,
            "y_test": onehot[y_te], "label_test": y_te, "x_probe": x_tr[:n_probes]}


def init_weights(seed: int, sizes: tuple[int, ...], alpha: float, stream: str) -> list:
    """[(W (out, in), b (out,)), ...] float32 for layer sizes `sizes`, entries alpha·U(−1, 1)."""
    rng = make_stream(seed, f"mlp/{stream}")
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        W = alpha * rng.uniform(-1.0, 1.0, (fan_out, fan_in))
        b = alpha * rng.uniform(-1.0, 1.0, fan_out)
        layers.append((W.astype(np.float32), b.astype(np.float32)))
    return layers


def batch_schedule(seed: int, steps: int, n: int, batch: int, stream: str) -> np.ndarray:
    """(steps, batch) int32 minibatch indices, each step drawn without replacement; batch 0 = full batch."""
    if batch <= 0 or batch >= n:
        return np.tile(np.arange(n, dtype=np.int32), (steps, 1))
    rng = make_stream(seed, f"mlp-batches/{stream}")
    return np.stack([rng.choice(n, batch, replace=False) for _ in range(steps)]).astype(np.int32)


def power_start(seed: int, n_probes: int, stream: str) -> np.ndarray:
    """Start vector (n_probes, 10) of the power iteration for the probe NTK's top eigenvalue."""
    v = 1.0 + 0.01 * make_stream(seed, f"mlp-power/{stream}").standard_normal((n_probes, N_CLASSES))
    return v.astype(np.float32)
