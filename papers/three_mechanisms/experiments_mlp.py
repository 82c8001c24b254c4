"""C7b (Fig. 2) and C7c (Fig. 3) of arXiv 2401.07085v3, written once for both backends: ReLU MLPs on digits.

NTK parameterisation z_l = (h_(l−1) W_lᵀ + b_l)/√fan_in with θ ~ α·U(−1, 1) (PyTorch's default init times α
in function space), one-hot MSE L = ½ mean_i ‖f(x_i) − y_i‖², float32, minibatch SGD. The step follows
the current NTK: every mlp_block steps λ_t (the probe NTK's top eigenvalue / probes, the top Gauss-Newton
eigenvalue of L) is refreshed by a warm-started power iteration and lr = mlp_c/λ_t. Each run trains until
the full-train loss reaches its target (checked every block) or the cap. The init draws U(−1, 1) and
the minibatch order are shared by every α of one seed, so the runs differ only in the init scale.
"""
from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from papers.three_mechanisms import data_c7, measures_c7


class MlpOps(Protocol):
    """What a backend supplies for C7b/C7c (theta and inputs are the backend's own arrays)."""

    def mlp_inputs(self, digits: dict) -> Any:
        """Device copies of digits' x_train, y_train, x_test, y_test and x_probe."""

    def mlp_params(self, layers: list) -> Any:
        """theta on the device from data_c7.init_weights' [(W, b), ...] (float32)."""

    def mlp_top_eig(self, theta, inputs, v: np.ndarray, iters: int) -> tuple[float, np.ndarray]:
        """λ = top eigenvalue of Θ/P, Θ = J Jᵀ on the P probes' 10 outputs: `iters` power steps from v (P, 10)."""

    def mlp_sgd(self, theta, inputs, idx: np.ndarray, lr: float) -> Any:
        """SGD θ ← θ − lr ∇L on the minibatches idx (steps, batch) in order; returns the new theta."""

    def mlp_state(self, theta, inputs) -> dict:
        """"weights" [W_l numpy (out, in)], "train_loss", "test_loss", "test_acc" of one state."""

    def mlp_features(self, theta, inputs) -> dict:
        """"feat": penultimate features on x_train, "readout": W_L/√fan_in (numpy), for the secondary metric."""


def _record(ops: MlpOps, theta, inputs, step: int) -> dict:
    state = ops.mlp_state(theta, inputs)
    return {"step": step, "train_loss": state["train_loss"], "test_loss": state["test_loss"],
            "test_acc": state["test_acc"], "zeta_pairs": measures_c7.compute_pair_alignment(state["weights"])}


def _rf_cos(ops: MlpOps, theta, inputs, labels) -> float:
    f = ops.mlp_features(theta, inputs)
    return measures_c7.compute_readout_feature_cosine(f["readout"], f["feat"], labels)


def train_to_loss(params, seed: int, ops: MlpOps, digits: dict, inputs, sizes: tuple, alpha: float,
                  target: float, idx: np.ndarray, stream: str) -> dict:
    """One run from α·U(−1, 1) over the minibatches idx until the full-train loss ≤ target; curves per check."""
    theta = ops.mlp_params(data_c7.init_weights(seed, sizes, alpha, stream))
    v = data_c7.power_start(seed, params.mlp_probes, stream)
    records, lams = [_record(ops, theta, inputs, 0)], []
    rf0 = _rf_cos(ops, theta, inputs, digits["label_train"])
    for k in range(0, len(idx), params.mlp_block):
        lam, v = ops.mlp_top_eig(theta, inputs, v, params.mlp_power_iters0 if k == 0 else params.mlp_power_iters)
        lams.append(lam)
        theta = ops.mlp_sgd(theta, inputs, idx[k:k + params.mlp_block], params.mlp_c / lam)
        records.append(_record(ops, theta, inputs, k + params.mlp_block))
        if records[-1]["train_loss"] <= target:
            break
    curves = measures_c7.compute_run_curves(records)
    return {**curves, "lam": np.array(lams), "rf_cos0": rf0,
            "rf_cos": _rf_cos(ops, theta, inputs, digits["label_train"])}


def _runs(params, seed, ops, sizes, alphas, target, cap, stream) -> dict:
    """One run per α; every α shares the U(−1, 1) draws, the minibatch order and the power-iteration start."""
    digits = data_c7.make_data(params.mlp_probes)
    inputs = ops.mlp_inputs(digits)
    idx = data_c7.batch_schedule(seed, cap, len(digits["x_train"]), params.mlp_batch, stream)
    return {a: train_to_loss(params, seed, ops, digits, inputs, sizes, a, target, idx, stream) for a in alphas}


def _curves_out(runs: dict, prefix: str) -> dict:
    """Per-α scalars and curves under keys '<prefix>_a<α>_<name>' (α written with %g)."""
    out = {}
    for a, r in runs.items():
        key = f"{prefix}_a{a:g}"
        z = r["zeta_bar"]
        out.update({f"{key}_zeta0": float(z[0]), f"{key}_zetaT": float(z[-1]), f"{key}_zeta_ratio": float(z[-1] / z[0]),
                    f"{key}_zeta_max_ratio": float(z.max() / z[0]), f"{key}_steps": float(r["step"][-1]),
                    f"{key}_train_loss": float(r["train_loss"][-1]), f"{key}_test_acc": float(r["test_acc"][-1]),
                    f"{key}_rf_cos0": r["rf_cos0"], f"{key}_rf_cos": r["rf_cos"]})
        out.update({f"curve_{key}_{n}": r[n] for n in ("step", "train_loss", "test_loss", "test_acc",
                                                       "zeta_bar", "zeta_pairs", "lam")})
    return out


def deep_mlp_fig2(params, seed: int, ops: MlpOps) -> dict:
    """C7b: 4-layer ReLU MLP at several init scales; ζ̄ (mean pair alignment) until the loss target."""
    sizes = (64,) + (params.deep_width,) * (params.deep_layers - 1) + (data_c7.N_CLASSES,)
    alphas = params.deep_alphas
    runs = _runs(params, seed, ops, sizes, alphas, params.deep_loss_target, params.deep_cap, "deep")
    out = _curves_out(runs, "deep")
    ratios = [out[f"deep_a{a:g}_zeta_ratio"] for a in alphas]
    out.update({"deep_small_init_zeta_ratio": ratios[0], "deep_large_init_zeta_ratio": ratios[-1],
                "deep_zeta_ratio_min_drop": measures_c7.compute_min_gap(ratios, increasing=False),
                "deep_max_final_loss_over_target": max(r["train_loss"][-1] for r in runs.values())
                / params.deep_loss_target})
    return out


def shallow_relu_fig3(params, seed: int, ops: MlpOps) -> dict:
    """C7c: 2-layer ReLU MLP at several init scales; test loss/accuracy at equal train loss, and ζ."""
    sizes = (64, params.shallow_width, data_c7.N_CLASSES)
    alphas, target = params.shallow_alphas, params.shallow_loss_target
    runs = _runs(params, seed, ops, sizes, alphas, target, params.shallow_cap, "shallow")
    out = _curves_out(runs, "shallow")
    test_loss = [measures_c7.compute_at_loss(runs[a]["train_loss"], runs[a]["test_loss"], target) for a in alphas]
    test_acc = [measures_c7.compute_at_loss(runs[a]["train_loss"], runs[a]["test_acc"], target) for a in alphas]
    for a, tl, acc in zip(alphas, test_loss, test_acc, strict=True):
        out.update({f"shallow_a{a:g}_test_loss_at_target": tl, f"shallow_a{a:g}_test_acc_at_target": acc})
    large = f"shallow_a{alphas[-1]:g}"
    out.update({"shallow_loss_target": target, "shallow_test_loss_ratio": test_loss[-1] / test_loss[0],
                "shallow_test_loss_min_rise": measures_c7.compute_min_gap(np.log(test_loss).tolist(), increasing=True),
                "shallow_test_acc_drop": test_acc[0] - test_acc[-1],
                "shallow_small_init_zeta_ratio": out[f"shallow_a{alphas[0]:g}_zeta_ratio"],
                "shallow_large_init_zeta_ratio": out[f"{large}_zeta_ratio"],
                "shallow_large_init_zeta_max_ratio": out[f"{large}_zeta_max_ratio"]})
    return out
