"""C7, framework-neutral part: digits data, initial MLP weights, SGD batches, and the measurements.

MLP 64-w-w-10 (ReLU), trained on one-hot MSE L = ½ mean_i ‖f(x_i) − y_i‖². Parameterisation:
effective weight = theta / √fan_in (NTK parameterisation) with theta ~ alpha · U(−1, 1), which is
PyTorch's default nn.Linear init times alpha in function space; biases likewise. Both backends
start from these numpy arrays and follow the same minibatch sequence.
"""
from __future__ import annotations

import numpy as np

from claimbench.metrics import kernel_alignment, relative_change
from claimbench.seeding import make_rng

N_CLASSES = 10


def load_data(n_probes: int):
    """Digits (1797 × 64, pixels / 16), one-hot targets, a fixed 30 % test split, the first n_probes train points."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype(np.float32)
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.3, random_state=0, stratify=y)
    onehot = np.eye(N_CLASSES, dtype=np.float32)
    return {"x_train": x_tr, "y_train": onehot[y_tr], "label_train": y_tr, "x_test": x_te,
            "label_test": y_te, "x_probe": x_tr[:n_probes], "y_probe": onehot[y_tr[:n_probes]]}


def init_mlp(seed: int, width: int, alpha: float, stream: str):
    """theta for layers 64→w→w→10: list of (W (out, in), b (out,)) float32, entries alpha·U(−1, 1)."""
    rng = make_rng(seed, f"three_mechanisms/mlp/{stream}")
    sizes = [64, width, width, N_CLASSES]
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        W = alpha * rng.uniform(-1.0, 1.0, (fan_out, fan_in))
        b = alpha * rng.uniform(-1.0, 1.0, fan_out)
        layers.append((W.astype(np.float32), b.astype(np.float32)))
    return layers


def batch_indices(seed: int, steps: int, n: int, batch: int, stream: str) -> np.ndarray:
    """(steps, batch) minibatch indices (each step samples without replacement); batch 0 = full batch."""
    if batch <= 0 or batch >= n:
        return np.tile(np.arange(n), (steps, 1))
    rng = make_rng(seed, f"three_mechanisms/mlp-batches/{stream}")
    return np.stack([rng.choice(n, batch, replace=False) for _ in range(steps)])


def stable_lr(base_lr: float, ntk_probe: np.ndarray) -> float:
    """min(base_lr, 1/(λmax(Θ)/n_probes)): GD on ½-mean MSE is stable for lr · λmax(Θ_B)/B < 2."""
    lam = float(np.linalg.eigvalsh(ntk_probe.astype(np.float64))[-1]) / len(ntk_probe)
    return float(min(base_lr, 1.0 / lam))


def centered_alignment(features: np.ndarray, y: np.ndarray) -> float:
    """Centered kernel–target alignment of the feature Gram with YYᵀ (Cortes et al. 2012)."""
    f = features - features.mean(0, keepdims=True)
    yc = y - y.mean(0, keepdims=True)
    return kernel_alignment(f @ f.T, yc @ yc.T)


def readout_feature_cosine(readout: np.ndarray, features: np.ndarray, labels: np.ndarray) -> float:
    """Mean over classes of cos(readout row c, mean penultimate feature of class c)."""
    cos = []
    for c in range(readout.shape[0]):
        mu = features[labels == c].mean(0)
        cos.append(readout[c] @ mu / (np.linalg.norm(readout[c]) * np.linalg.norm(mu) + 1e-30))
    return float(np.mean(cos))


def run_measures(start: dict, end: dict, data: dict) -> dict:
    """Compare the start and end snapshots of one run (see `snapshot` in the backends for the keys)."""
    y, lab = data["y_train"], data["label_train"]
    kta0, kta1 = centered_alignment(start["feat"], y), centered_alignment(end["feat"], y)
    cos0 = readout_feature_cosine(start["readout"], start["feat"], lab)
    cos1 = readout_feature_cosine(end["readout"], end["feat"], lab)
    log_norm = np.log(np.array(end["norms"]) / np.array(start["norms"]))
    return {
        "ntk_rel_change": relative_change(end["ntk"], start["ntk"]),
        "ntk_norm_ratio": float(np.linalg.norm(end["ntk"]) / np.linalg.norm(start["ntk"])),
        "kta_start": kta0, "kta_end": kta1, "kta_gain": kta1 - kta0,
        "readout_cos_start": cos0, "readout_cos_end": cos1,
        "max_abs_log_norm_ratio": float(np.abs(log_norm).max()), "log_norm_ratios": log_norm,
        "test_acc": float(np.mean(end["test_pred"] == data["label_test"])),
        "train_loss_end": end["loss"],
    }


def summarize(runs: dict, alphas, trend_widths) -> dict:
    """C7 metrics from per-run measures: runs[("alpha", a)] and runs[("width", w)]."""
    small, large = runs[("alpha", min(alphas))], runs[("alpha", max(alphas))]
    first, last = runs[("width", trend_widths[0])], runs[("width", trend_widths[-1])]
    not_large = [runs[("alpha", a)]["test_acc"] for a in alphas if a <= 1.0]
    drop_cos = 1.0 - large["readout_cos_end"] / large["readout_cos_start"]
    out = {
        "small_init_kta_gain": small["kta_gain"],
        "kta_gain_small_minus_2x_large": small["kta_gain"] - 2.0 * max(large["kta_gain"], 0.0),
        "large_init_disalignment": float(max(drop_cos, 1.0 - large["ntk_norm_ratio"])),
        "ntk_change_width_ratio": last["ntk_rel_change"] / first["ntk_rel_change"],
        "rescaling_feature_logratio": small["max_abs_log_norm_ratio"],
        "rescaling_kernel_logratio": last["max_abs_log_norm_ratio"],
        "acc_gap_small_minus_large": float(max(not_large) - large["test_acc"]),
    }
    for key, m in runs.items():
        for name in ("ntk_rel_change", "kta_gain", "readout_cos_start", "readout_cos_end", "test_acc",
                     "ntk_norm_ratio", "max_abs_log_norm_ratio", "lr"):
            out[f"{key[0]}_{key[1]:g}_{name}"] = m[name]
    return out
