"""C7, written once for both backends: the digits MLP runs and what is measured on them.

MLP 64-w-w-10 (ReLU), trained on one-hot MSE L = ½ mean_i ‖f(x_i) − y_i‖². Parameterisation:
effective weight = theta / √fan_in (NTK parameterisation) with theta ~ alpha · U(−1, 1), which is
PyTorch's default nn.Linear init times alpha in function space; biases likewise. Both backends start
from the numpy arrays of data.py and follow the same minibatch sequence; they supply only the network
kernels (`MlpOps`): forward pass, empirical NTK on the probes, an SGD loop.
"""
from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from papers.three_mechanisms import data, measures


class MlpOps(Protocol):
    """What a backend supplies for C7 (theta and inputs are the backend's own arrays)."""

    def mlp_inputs(self, digits: dict) -> Any:
        """Device copies of digits' x_train, y_train, x_test and x_probe."""

    def mlp_params(self, layers: list) -> Any:
        """theta on the device from data.init_weights' [(W, b), ...] (float32)."""

    def mlp_probe_ntk(self, theta, inputs) -> np.ndarray:
        """Empirical NTK Θ(x, x') = Σ_c ∇θ f_c(x)·∇θ f_c(x') on the probe inputs (float64 numpy)."""

    def mlp_snapshot(self, theta, inputs) -> dict:
        """feat (penultimate features), readout (W3/√fan_in), norms (per layer), loss, ntk, test_pred."""

    def mlp_train(self, theta, inputs, idx: np.ndarray, lr: float, desc: str) -> Any:
        """SGD on ½ mean ‖f − y‖² over the minibatches idx (steps, batch); returns the new theta."""


def _train_one(params, seed: int, ops: MlpOps, digits: dict, inputs, width: int, alpha: float, stream: str,
               lr: float | None = None) -> dict:
    """SGD from the shared numpy init; lr=None: the run's own stable lr, min(mlp_lr, 1/(λmax(Θ0)/probes))."""
    theta = ops.mlp_params(data.init_weights(seed, width, alpha, stream))
    start = ops.mlp_snapshot(theta, inputs)
    lr = measures.compute_stable_lr(params.mlp_lr, start["ntk"]) if lr is None else lr
    idx = data.batch_schedule(seed, params.mlp_steps, len(digits["x_train"]), params.mlp_batch, stream)
    theta = ops.mlp_train(theta, inputs, idx, lr, f"mlp {stream}")
    return {**measures.compute_run_measures(start, ops.mlp_snapshot(theta, inputs), digits), "lr": lr}


def mlp_digits(params, seed: int, ops: MlpOps) -> dict:
    """C7: init-scale runs (alpha) at one width and an NTK-parameterised width trend, on digits."""
    digits = data.make_data(params.mlp_probes)
    inputs = ops.mlp_inputs(digits)
    runs = {("alpha", a): _train_one(params, seed, ops, digits, inputs, params.mlp_width, a, f"alpha{a:g}")
            for a in params.mlp_alphas}
    # the width trend uses one lr for every width (kernel limits are taken at fixed lr)
    lr = min(measures.compute_stable_lr(params.mlp_lr, ops.mlp_probe_ntk(
        ops.mlp_params(data.init_weights(seed, w, 1.0, f"width{w}")), inputs)) for w in params.mlp_trend_widths)
    runs.update({("width", w): _train_one(params, seed, ops, digits, inputs, w, 1.0, f"width{w}", lr)
                 for w in params.mlp_trend_widths})
    return measures.compute_mlp_summary(runs, params.mlp_alphas, params.mlp_trend_widths)
