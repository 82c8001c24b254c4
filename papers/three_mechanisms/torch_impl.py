"""PyTorch backend: float64 GD of the linear model (C1–C6) and two-layer nets (C7a), digits MLPs (C7b/c).

Run: `claimbench run three_mechanisms --backend torch --profile fast`.
The GD step uses the paper's gradients written out (dL/du = kappa e W n, dL/dW = kappa e u nᵀ, which
moves W only along n, so the step runs on w = W n), not autograd: on CPU a per-step autograd call is
~8x slower for these tiny tensors, and the torch-vs-jax test (jax uses jax.grad) checks the
written-out gradient against autodiff. The same holds for C7: the two-layer gradients and the MLP's
backpropagation (vjp) and tangent propagation (jvp) are written out here, jax differentiates
automatically, and tests/papers compares the two. Every kernel runs under torch.inference_mode: nothing
here needs autograd, and skipping its bookkeeping (version counters, view tracking) takes 10-15 % off
each op of these loops of tiny tensors (no_grad keeps it); the numbers are the same bits.
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
    nn = (n * n).sum(1, keepdim=True)
    # W ← W − h η_w κ e u nᵀ changes W only along n: w = W n moves by −h η_w κ e u |n|², and
    # ‖W‖_F² = ‖W_⊥‖² + |w|²/|n|² with W_⊥ = W − w nᵀ/|n|² fixed. So the step runs on the vectors u, w.
    step_u, step_w = t(batch.h * batch.eta_u)[:, None], t(batch.h * batch.eta_w)[:, None] * nn
    stride = batch.n_steps // batch.n_records
    w = (W @ n[:, :, None])[..., 0]
    perp = (W * W).sum((1, 2)) - (w * w).sum(1) / nn[:, 0]
    us, ws, fro = [u], [w], [(W * W).sum((1, 2))]
    with torch.inference_mode():
        steps = _GdSteps(u, w, k, a, step_u, step_w)
        for _ in progress(range(batch.n_records), desc="gd (torch)"):
            u, w = steps.run(stride)
            us.append(u)
            ws.append(w)
            fro.append(perp + (w * w).sum(1) / nn[:, 0])
    stack = lambda xs: torch.stack(xs, 1).cpu().numpy()  # noqa: E731
    return stack(us), stack(ws), stack(fro)


class _GdSteps:
    """The GD steps of simulate_gd on buffers allocated once: every op writes into a buffer (out= or in
    place) and u, w alternate between two pairs. The same operations in the same order as
    `k * (k * (u * w).sum(1) - a)` and two addcmuls, so the same bits, in 25-45 % less time per step
    (these (runs × width) tensors are so small that making and freeing each result costs as much as
    computing it)."""

    def __init__(self, u, w, k, a, step_u, step_w):
        self.u, self.w, self.k, self.a, self.step_u, self.step_w = u.clone(), w.clone(), k, a, step_u, step_w
        self.u2, self.w2, self.uw = torch.empty_like(u), torch.empty_like(w), torch.empty_like(u)
        self.ke, self.cu, self.cw = torch.empty_like(k), torch.empty_like(k), torch.empty_like(k)

    def run(self, n: int):
        """n steps; returns copies of (u, w) after them."""
        u, w, u2, w2, uw, ke, cu, cw = self.u, self.w, self.u2, self.w2, self.uw, self.ke, self.cu, self.cw
        k, a = self.k, self.a
        for _ in range(n):
            # e = κ uᵀ W n − a;  ke = κ e   (as ((u·w) κ − a) κ in place: the same roundings)
            torch.sum(torch.mul(u, w, out=uw), 1, keepdim=True, out=ke).mul_(k).sub_(a).mul_(k)
            # u ← u − h η_u κ e w,   w ← w − h η_w κ e u |n|²   (simultaneous: into the other pair)
            torch.addcmul(u, torch.mul(self.step_u, ke, out=cu), w, value=-1.0, out=u2)
            torch.addcmul(w, torch.mul(self.step_w, ke, out=cw), u, value=-1.0, out=w2)
            u, u2, w, w2 = u2, u, w2, w
        self.u, self.w, self.u2, self.w2 = u, w, u2, w2
        return u.clone(), w.clone()


# ---- C7a: two-layer nets f(z) = κ Σ u_i φ(w_i z) (float64) ----------------------------------

def _act(act: str, x):
    """φ(x) and φ'(x) for the Fig. 1 activations (leaky slope 0.01)."""
    if act == "linear":
        return x, torch.ones_like(x)
    if act == "relu":
        return torch.relu(x), (x > 0).to(x.dtype)
    if act == "leaky_relu":
        return torch.where(x > 0, x, 0.01 * x), torch.where(x > 0, 1.0, torch.full_like(x, 0.01))
    s = torch.sigmoid(x)
    if act == "sigmoid":
        return s, s * (1 - s)
    # swish: x σ(x), derivative σ(x)(1 + x(1 − σ(x)))
    return x * s, s * (1 + x * (1 - s))


def _twolayer_grads(u, w, z, y, act, kappa):
    """Per-run loss ½ mean_n e², gradients and tr Θ/N of f = κ Σ u_i φ(w_i z) (rows are runs)."""
    n = z.shape[0]
    phi, dphi = _act(act, z[None, :, None] * w[:, None, :])
    e = kappa * (phi @ u[:, :, None])[..., 0] - y
    # ∂L/∂u_i = κ mean_n e_n φ(w_i z_n);  ∂L/∂w_i = κ u_i mean_n e_n z_n φ'(w_i z_n)
    gu = kappa * (e[:, None, :] @ phi)[:, 0] / n
    gw = kappa * u * ((e * z)[:, None, :] @ dphi)[:, 0] / n
    # tr Θ / N = κ² mean_n Σ_i [φ(w_i z_n)² + u_i² φ'(w_i z_n)² z_n²]
    trk = kappa**2 * ((phi * phi).sum((1, 2)) + (((z * z) @ (dphi * dphi)) * u * u).sum(1)) / n
    return 0.5 * (e * e).mean(1), gu, gw, trk


def twolayer_gd(u0, w0, z, y, act, c, stop, cap, every, device="cpu"):
    """GD of B two-layer nets with h = c/max(tr Θ/N, κ rms y) until L ≤ stop·L0 (see experiments_twolayer)."""
    t = lambda x: torch.as_tensor(np.asarray(x), dtype=DTYPE, device=device)  # noqa: E731
    u, w, z, y = t(u0), t(w0), t(z), t(y)
    kappa = 1.0 / float(np.sqrt(u.shape[1]))
    floor = kappa * torch.sqrt((y * y).mean(1))
    time_, steps = torch.zeros_like(floor), torch.zeros_like(floor)
    with torch.inference_mode():
        loss, gu, gw, trk = _twolayer_grads(u, w, z, y, act, kappa)
        target = stop * loss
        done = loss <= target
        rec = [_twolayer_record(time_, u, w, loss, trk)]
        for _ in range(cap // every):
            if bool(done.all()):
                break
            for _ in range(every):
                # h = c / max(tr Θ/N, κ rms y), zero for frozen runs
                h = torch.where(done, 0.0, c / torch.maximum(trk, floor))
                u, w = u - h[:, None] * gu, w - h[:, None] * gw
                time_, steps = time_ + h, steps + (~done).to(DTYPE)
                loss, gu, gw, trk = _twolayer_grads(u, w, z, y, act, kappa)
                done = done | (loss <= target)
            rec.append(_twolayer_record(time_, u, w, loss, trk))
    out = {k: torch.stack([r[k] for r in rec]).cpu().numpy() for k in rec[0]}
    return {**out, "steps": steps.cpu().numpy(), "u": u.cpu().numpy(), "w": w.cpu().numpy()}


def _twolayer_record(time_, u, w, loss, trk):
    un, wn = u.norm(dim=1), w.norm(dim=1)
    return {"t": time_, "zeta": (u * w).sum(1) / (un * wn), "loss": loss, "ntk": trk, "u_norm": un, "w_norm": wn}


# ---- C7b/C7c: NTK-parameterised ReLU MLPs on digits (float32), gradients written out ----------

def _mlp_forward(theta, x):
    """z_l = (h_(l−1) W_lᵀ + b_l)/√fan_in, h_l = relu(z_l); returns output, layer inputs h, relu masks."""
    h, hs, masks = x, [], []
    for i in range(0, len(theta), 2):
        W, b = theta[i], theta[i + 1]
        hs.append(h)
        z = (h @ W.T + b) * (W.shape[1] ** -0.5)
        if i == len(theta) - 2:
            return z, hs, masks
        masks.append(z > 0)
        h = torch.relu(z)


def _mlp_vjp(theta, hs, masks, g):
    """Jᵀg: parameter gradients of Σ g·f by backpropagation through _mlp_forward."""
    grads = [None] * len(theta)
    for layer in range(len(hs) - 1, -1, -1):
        W, s = theta[2 * layer], _fan_in_scale(theta[2 * layer])
        # ∂/∂W_l = s g_lᵀ h_(l−1),  ∂/∂b_l = s Σ g_l,  g_(l−1) = s (g_l W_l) ⊙ 1[z_(l−1) > 0]
        grads[2 * layer], grads[2 * layer + 1] = s * (g.T @ hs[layer]), s * g.sum(0)
        if layer:
            g = s * (g @ W) * masks[layer - 1]
    return grads


def _mlp_jvp(theta, hs, masks, tangent):
    """J·tangent: the output's directional derivative along the parameter tangent."""
    dh = None
    for layer in range(len(hs)):
        W, s = theta[2 * layer], _fan_in_scale(theta[2 * layer])
        # dz_l = s (dh_(l−1) W_lᵀ + h_(l−1) dW_lᵀ + db_l)
        dz = hs[layer] @ tangent[2 * layer].T + tangent[2 * layer + 1]
        dz = s * (dz if dh is None else dz + dh @ W.T)
        if layer == len(hs) - 1:
            return dz
        dh = dz * masks[layer]


def _fan_in_scale(W) -> float:
    """The NTK parameterisation's 1/√fan_in of a weight matrix (out, in)."""
    return W.shape[1] ** -0.5


class TorchOps:
    """The kernels experiments.py asks for, on one device."""

    def __init__(self, device: str):
        self.device = device

    def simulate_gd(self, batch: LinearBatch):
        """GD of every run on this device (see `simulate_gd`)."""
        return simulate_gd(batch, self.device)

    def twolayer_gd(self, u0, w0, z, y, act, c, stop, cap, every):
        """C7a GD on this device (see `twolayer_gd`)."""
        return twolayer_gd(u0, w0, z, y, act, c, stop, cap, every, self.device)

    def mlp_inputs(self, digits: dict) -> dict:
        keys = ("x_train", "y_train", "x_test", "y_test", "x_probe")
        return {k: torch.as_tensor(digits[k], device=self.device) for k in keys}

    def mlp_params(self, layers) -> list:
        return [torch.tensor(a, device=self.device) for layer in layers for a in layer]

    @torch.inference_mode()
    def mlp_top_eig(self, theta, inputs, v, iters):
        """Power iteration on Θ = J Jᵀ (probe outputs): v ← J Jᵀ v/‖v‖, λ = v̂·Θv̂ / P."""
        _, hs, masks = _mlp_forward(theta, inputs["x_probe"])
        v, lam = torch.as_tensor(v, device=self.device), 0.0
        for _ in range(iters):
            v = v / v.norm()
            kv = _mlp_jvp(theta, hs, masks, _mlp_vjp(theta, hs, masks, v))
            lam, v = float((v * kv).sum()), kv
        return lam / len(inputs["x_probe"]), v.cpu().numpy()

    @torch.inference_mode()
    def mlp_sgd(self, theta, inputs, idx, lr):
        """SGD steps with written-out gradients and one multi-tensor (foreach) update per step."""
        x, y = inputs["x_train"], inputs["y_train"]
        for sel in torch.as_tensor(idx, device=self.device):
            out, hs, masks = _mlp_forward(theta, x[sel])
            # ∂L/∂f = (f − y)/B for L = ½ mean_i ‖f_i − y_i‖²
            grads = _mlp_vjp(theta, hs, masks, (out - y[sel]) / len(sel))
            torch._foreach_add_(theta, grads, alpha=-lr)
        return theta

    @torch.inference_mode()
    def mlp_state(self, theta, inputs) -> dict:
        out = _mlp_forward(theta, inputs["x_train"])[0]
        test = _mlp_forward(theta, inputs["x_test"])[0]
        return {"weights": [theta[i].cpu().numpy() for i in range(0, len(theta), 2)],
                "train_loss": float(0.5 * ((out - inputs["y_train"]) ** 2).sum(1).mean()),
                "test_loss": float(0.5 * ((test - inputs["y_test"]) ** 2).sum(1).mean()),
                "test_acc": float((test.argmax(1) == inputs["y_test"].argmax(1)).float().mean())}

    @torch.inference_mode()
    def mlp_features(self, theta, inputs) -> dict:
        _, hs, _ = _mlp_forward(theta, inputs["x_train"])
        return {"feat": hs[-1].cpu().numpy(), "readout": (theta[-2] * _fan_in_scale(theta[-2])).cpu().numpy()}


def make_ops(device: str) -> TorchOps:
    """This backend's kernels on `device` ('cpu' or 'cuda')."""
    return TorchOps(device)


EXPERIMENTS = bind(experiments.EXPERIMENTS, make_ops)
