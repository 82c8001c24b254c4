"""PyTorch backend: float64 gradient descent of the linear model (C1–C6) and the digits MLP (C7).

Run: `claimbench run three_mechanisms --backend torch --profile fast`.
The GD step uses the paper's gradients written out (dL/du = kappa e W n, dL/dW = kappa e u nᵀ),
not autograd: on CPU a per-step autograd call is ~8x slower for these tiny tensors, and the
torch-vs-jax test (jax uses jax.grad) checks the written-out gradient against autodiff.
"""
from __future__ import annotations

import numpy as np
import torch

from claimbench.experiments import bind
from claimbench.progress import progress
from papers.three_mechanisms import experiments
from papers.three_mechanisms.data import LinearBatch

DTYPE = torch.float64


def simulate_gd(batch: LinearBatch, device: str = "cpu"):
    """Euler/GD on L = ½(kappa uᵀWn − a)² for every run; returns u, w = Wn (B, R+1, d), ‖W‖_F² (B, R+1)."""
    def t(x):
        return torch.as_tensor(np.asarray(x), dtype=DTYPE, device=device)

    u, W, n = t(batch.u0), t(batch.W0), t(batch.n)
    k, a = t(batch.kappa)[:, None], t(batch.a)[:, None]
    step_u, step_w = t(batch.h * batch.eta_u)[:, None], t(batch.h * batch.eta_w)[:, None]
    nT = n[:, None, :]
    stride = batch.n_steps // batch.n_records
    vector = W.shape[2] == 1  # d_in = 1: W = w nᵀ with n = ±1, so step the vector w directly
    w = (W @ n[:, :, None])[..., 0]
    us, ws, fro = [u], [w], [(W * W).sum((1, 2))]
    with torch.no_grad():
        for _ in progress(range(batch.n_records), desc="gd (torch)"):
            for _ in range(stride):
                # e = κ uᵀ W n − a;  ke = κ e
                ke = k * (k * (u * w).sum(1, keepdim=True) - a)
                if vector:
                    # u ← u − h η_u κ e w,   w ← w − h η_w κ e u   (simultaneous)
                    u, w = u - step_u * ke * w, w - step_w * ke * u
                else:
                    # u ← u − h η_u κ e W n,   W ← W − h η_w κ e u nᵀ
                    u, W = u - step_u * ke * w, W - (step_w * ke * u)[:, :, None] * nT
                    w = (W @ n[:, :, None])[..., 0]
            us.append(u)
            ws.append(w)
            fro.append((w * w).sum(1) if vector else (W * W).sum((1, 2)))
    stack = lambda xs: torch.stack(xs, 1).cpu().numpy()  # noqa: E731
    return stack(us), stack(ws), stack(fro)


# ---- C7: MLP 64-w-w-10 on digits (float32) -------------------------------------------------

def _forward(theta, x, eps=None):
    """NTK-parameterised ReLU MLP: z_l = (h Wᵀ + b)/√fan_in (+ eps_l); returns (output, layer inputs)."""
    h, inputs = x, []
    for i in range(0, len(theta), 2):
        W, b = theta[i], theta[i + 1]
        inputs.append(h)
        z = (h @ W.T + b) / float(np.sqrt(W.shape[1]))
        if eps is not None:
            z = z + eps[i // 2]
        h = z if i == len(theta) - 2 else torch.relu(z)
    return h, inputs


def _probe_ntk(theta, x):
    """Empirical NTK Θ(x, x') = Σ_c ∇θ f_c(x)·∇θ f_c(x') on the probe inputs.

    For a dense layer ∂f_c/∂W_l = δ_lc h_{l−1}ᵀ/√n_{l−1} (δ = ∂f/∂z_l, by torch.func.jacrev per
    probe), so Θ = Σ_l (Σ_c δ_lc δ_lcᵀ) ⊙ (h_{l−1} h_{l−1}ᵀ + 1)/n_{l−1}: the full-Jacobian
    product without materialising the (probes × 10 × parameters) Jacobian (tested against it).
    """
    theta = [p.detach() for p in theta]
    eps = [torch.zeros(theta[i].shape[0], dtype=x.dtype, device=x.device) for i in range(0, len(theta), 2)]

    def out(xi, e):
        return _forward(theta, xi[None], e)[0][0]

    deltas = torch.func.vmap(torch.func.jacrev(out, argnums=1), in_dims=(0, None))(x, eps)
    _, inputs = _forward(theta, x)
    ntk = torch.zeros(len(x), len(x), dtype=torch.float64, device=x.device)
    for dl, h in zip(deltas, inputs, strict=True):
        dd = torch.einsum("pci,qci->pq", dl.double(), dl.double())
        ntk += dd * (h.double() @ h.double().T + 1.0) / h.shape[1]
    return ntk.cpu().numpy()


class TorchOps:
    """The kernels experiments.py asks for, on one device."""

    def __init__(self, device: str):
        self.device = device

    def simulate_gd(self, batch: LinearBatch):
        """GD of every run on this device (see `simulate_gd`)."""
        return simulate_gd(batch, self.device)

    def mlp_inputs(self, digits: dict) -> dict:
        return {k: torch.as_tensor(digits[k], device=self.device) for k in ("x_train", "y_train", "x_test", "x_probe")}

    def mlp_params(self, layers) -> list:
        return [torch.tensor(a, device=self.device, requires_grad=True) for layer in layers for a in layer]

    def mlp_probe_ntk(self, theta, inputs) -> np.ndarray:
        return _probe_ntk(theta, inputs["x_probe"])

    def mlp_snapshot(self, theta, inputs) -> dict:
        """Measurements of one network state (see measures.compute_run_measures)."""
        with torch.no_grad():
            out, layer_inputs = _forward(theta, inputs["x_train"])
            feat = layer_inputs[-1]
            loss = 0.5 * ((out - inputs["y_train"]) ** 2).sum(1).mean()
            test_out, _ = _forward(theta, inputs["x_test"])
            W3 = theta[-2] / float(np.sqrt(theta[-2].shape[1]))
            norms = [float(theta[i].norm()) for i in range(0, len(theta), 2)]
        return {"feat": feat.cpu().numpy(), "readout": W3.cpu().numpy(), "norms": norms, "loss": float(loss),
                "ntk": _probe_ntk(theta, inputs["x_probe"]), "test_pred": test_out.argmax(1).cpu().numpy()}

    def mlp_train(self, theta, inputs, idx, lr, desc):
        """SGD steps θ ← θ − lr ∇L on the minibatches idx (autograd per step)."""
        x, y = inputs["x_train"], inputs["y_train"]
        for step in progress(range(len(idx)), desc=f"{desc} (torch)"):
            sel = torch.as_tensor(idx[step], device=self.device)
            loss = 0.5 * ((_forward(theta, x[sel])[0] - y[sel]) ** 2).sum(1).mean()
            grads = torch.autograd.grad(loss, theta)
            with torch.no_grad():
                for p, g in zip(theta, grads, strict=True):
                    p -= lr * g
        return theta


def make_ops(device: str) -> TorchOps:
    """This backend's kernels on `device` ('cpu' or 'cuda')."""
    return TorchOps(device)


EXPERIMENTS = bind(experiments.EXPERIMENTS, make_ops)
