"""Measurements of C7, in numpy: the layer alignment ζ and what the claims read from its curves.

ζ for a two-layer net with scalar input and output is the signed cosine u·w/(|u||w|) between the
readout and the first-layer weights (README, "Model and derivation": for the linear net it is the cos θ
of the closed form). For matrix layers it is ζ_l = ‖W_(l+1) W_l‖_F / (‖W_(l+1)‖_F ‖W_l‖_F), which reduces
to |cos(u, w)| in the scalar case; ζ̄ is its mean over the L − 1 consecutive pairs.
"""
from __future__ import annotations

import numpy as np


def compute_zeta(u: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Signed cosine u·w/(|u||w|) over the last axis."""
    # ζ = u·w / (|u| |w|)
    return (u * w).sum(-1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(w, axis=-1))


def compute_wrong_way_step(zeta: np.ndarray, direction: float) -> float:
    """Largest step of a recorded ζ curve against `direction` (+1: should rise, −1: should fall); ≥ 0."""
    steps = direction * np.diff(zeta)
    return float(max(0.0, -steps.min())) if steps.size else 0.0


def compute_pair_alignment(weights: list[np.ndarray]) -> np.ndarray:
    """ζ_l = ‖W_(l+1) W_l‖_F / (‖W_(l+1)‖_F ‖W_l‖_F) for each consecutive pair of weight matrices (out, in)."""
    out = []
    for lower, upper in zip(weights[:-1], weights[1:], strict=True):
        a, b = lower.astype(np.float64), upper.astype(np.float64)
        out.append(np.linalg.norm(b @ a) / (np.linalg.norm(b) * np.linalg.norm(a)))
    return np.array(out)


def compute_at_loss(train_loss: np.ndarray, values: np.ndarray, target: float) -> float:
    """A recorded quantity at the first crossing of train loss `target`, linear in log(train loss).

    Comparing runs at the first check below the target would favour the runs whose checks fall
    closer to it; interpolating between the two bracketing checks removes that bias. NaN if the
    target is never reached.
    """
    below = np.flatnonzero(train_loss <= target)
    if below.size == 0:
        return float("nan")
    i = int(below[0])
    if i == 0:
        return float(values[0])
    x0, x1 = np.log(train_loss[i - 1]), np.log(train_loss[i])
    s = (np.log(target) - x0) / (x1 - x0)
    return float(values[i - 1] + s * (values[i] - values[i - 1]))


def compute_readout_feature_cosine(readout: np.ndarray, features: np.ndarray, labels: np.ndarray) -> float:
    """Mean over classes of cos(readout row c, mean penultimate feature of class c) (secondary, no claim)."""
    cos = []
    for c in range(readout.shape[0]):
        mu = features[labels == c].mean(0)
        cos.append(readout[c] @ mu / (np.linalg.norm(readout[c]) * np.linalg.norm(mu) + 1e-30))
    return float(np.mean(cos))


def compute_min_gap(values: list[float], increasing: bool) -> float:
    """Smallest step between consecutive values in the expected direction (> 0: strictly ordered)."""
    v = np.asarray(values, dtype=np.float64)
    steps = np.diff(v) if increasing else -np.diff(v)
    return float(steps.min())


def compute_run_curves(records: list[dict]) -> dict[str, np.ndarray]:
    """Stack a run's per-check records: step, train/test loss, test accuracy, ζ per pair and ζ̄."""
    pairs = np.stack([r["zeta_pairs"] for r in records])
    return {"step": np.array([r["step"] for r in records], dtype=np.float64),
            "train_loss": np.array([r["train_loss"] for r in records]),
            "test_loss": np.array([r["test_loss"] for r in records]),
            "test_acc": np.array([r["test_acc"] for r in records]),
            "zeta_pairs": pairs, "zeta_bar": pairs.mean(1)}
