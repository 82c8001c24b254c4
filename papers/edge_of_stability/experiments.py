"""The three experiments, written once against a backend's `Ops` (numpy in, numpy out).

torch_impl and jax_impl each supply `make_ops(device)` whose `make_net(weights, act, bias, x, y)` returns a
`Net`; these functions drive the nets, so the two backends run the same steps, draw the same data and
weights (data.py) and report the same keys (measures.py).
"""
from __future__ import annotations

from typing import Protocol

import numpy as np

from . import data as data_mod
from . import measures, theory

DTYPE = "float64"  # both backends compute in float64 (the battery's torch-vs-jax tolerance)


class Net(Protocol):
    """What a backend provides: numpy in, numpy out."""

    n_params: int

    def run_steps(self, batches: np.ndarray, lr: float, scaling: str, xi_c: float) -> np.ndarray: ...
    def loss(self, x: np.ndarray, y: np.ndarray) -> float: ...
    def xi_values(self, x: np.ndarray, y: np.ndarray, scaling: str, xi_c: float) -> np.ndarray: ...
    def param_sizes(self) -> list[int]: ...
    def matvec(self, x: np.ndarray, y: np.ndarray): ...
    def features(self, x: np.ndarray) -> np.ndarray: ...
    def weights(self) -> list[np.ndarray]: ...
    def direction(self, x: np.ndarray, y: np.ndarray, scaling: str, xi_c: float) -> list[np.ndarray]: ...
    def taylor(self, x: np.ndarray, y: np.ndarray, d: list, mode: str, etas: np.ndarray) -> tuple: ...


class Ops(Protocol):
    """What a backend supplies: a network factory on one device."""

    def make_net(self, weights: list[np.ndarray], act: str, bias: bool, x: np.ndarray, y: np.ndarray) -> Net:
        """A `Net` holding these weights (numpy) and training data, activation `act`, biases if `bias`."""


# ---------------------------------------------------------------- depthwise gradient scaling
def xi(norms, scaling: str, c: float, fb=None):
    """Per-layer scale ξ_k (works on numpy, torch and jax arrays).

    Update W_k ← W_k − η ξ_k G_k (Terjék 2025, SGD with depthwise gradient scaling). `norms`: ‖G_k‖_F
    per layer; `fb`: ‖X_{k−1}‖_F·‖∂L_B/∂h_k‖_F per layer (only fb_normalized reads it).
    """
    if scaling == "none":
        return norms * 0 + 1.0  # ξ_k = 1: plain SGD
    if scaling == "layer_normalized":
        return c / (norms + 1e-300)  # ξ_k = c/‖G_k‖_F: every layer moves by η·c (our stand-in)
    if scaling == "fb_normalized":
        # ξ_k = c B/(‖X_{k−1}‖_F ‖Δ_k‖_F) = c/(‖X_{k−1}‖_F ‖∂L_B/∂h_k‖_F), Δ_k = B ∂L_B/∂h_k (ours)
        return c / (fb + 1e-300)
    raise NotImplementedError(
        "scaling='paper': the exact ξ_{k,t} of arXiv:2502.13110v2 could not be read (see README); "
        "implement it here once known")


# ---------------------------------------------------------------- training with sharpness logging
def train(net: Net, data: dict, p, lr: float, scaling: str, steps: int, eig_every: int, seed: int,
          stream: str, batch_size: int = 0, stop_above: float = np.inf,
          log_precond: bool = False) -> dict[str, np.ndarray]:
    """Train in chunks of eig_every steps; log the (minibatch) loss every step, and the sharpness and
    the full-training-set loss (`full_loss`) between chunks.

    Sharpness is of the loss on the fixed evaluation set (the first eig_set_size examples, all by
    default), as Cohen et al. (2021) measure it. eig_every = 0 logs no sharpness. Training stops
    early once the loss exceeds `stop_above` or is not finite (a diverged control).
    """
    x, y = data["x"], data["y"]
    m = p.eig_set_size or len(x)
    xe, ye = x[:m], y[:m]
    batches = data_mod.batch_schedule(len(x), batch_size, steps, seed, stream)
    chunk = eig_every or min(steps, 10)  # without sharpness logs, check for divergence every 10 steps
    losses, eig_steps, lam, lam_pre, xis, full, nmv, v0, v0_pre = [], [], [], [], [], [], 0, None, None
    for start in [*range(0, steps, chunk), steps]:
        if eig_every:
            val, v0, n = measures.compute_sharpness(net, xe, ye, p.eig_tol, v0)
            eig_steps.append(start), lam.append(val), full.append(net.loss(x, y))
            nmv += n
            if log_precond and scaling != "none":
                xis.append(net.xi_values(xe, ye, scaling, p.xi_c))  # ξ_k at θ_t on the evaluation set
                s = np.sqrt(np.repeat(xis[-1], net.param_sizes()))
                val, v0_pre, n = measures.compute_sharpness(net, xe, ye, p.eig_tol, v0_pre, s)
                lam_pre.append(val)
                nmv += n
        if start == steps:
            break
        losses.extend(net.run_steps(batches[start:start + min(chunk, steps - start)], lr, scaling, p.xi_c))
        if not np.isfinite(losses[-1]) or losses[-1] > stop_above:
            break
    losses.append(net.loss(x, y))
    return {"loss": np.asarray(losses, dtype=np.float64), "eig_steps": np.asarray(eig_steps, dtype=np.int64),
            "sharpness": np.asarray(lam), "sharpness_precond": np.asarray(lam_pre), "n_hvp": np.int64(nmv),
            "full_loss": np.asarray(full, dtype=np.float64), "xi": np.asarray(xis, dtype=np.float64)}


# ---------------------------------------------------------------- the experiments
def taylor(p, seed: int, ops: Ops) -> dict:
    """C1: Taylor coefficients a_1..a_3 by nested jvp vs the actual loss change, and vs the closed form.

    Tested at each checkpoint of a run with the configured scaling at η = lr, on the minibatch of the
    step. tanh is smooth; ReLU is tested with its masks frozen at θ_t (the identity needs a polynomial
    loss along the step) and, for the record only, with live masks.
    """
    data = data_mod.make_data(p, seed)
    xb, yb = data["x"][:p.taylor_batch], data["y"][:p.taylor_batch]
    widths = (xb.shape[1], *p.taylor_widths, yb.shape[1])
    etas = p.lr * np.asarray(p.taylor_eta_fracs)
    coef_err, ratios, rel_rem, live, lr_over_quad, out = [], [], [], [], [], {}
    for act, gain in (("tanh", 1.0), ("relu", 2.0)):
        net = ops.make_net(data_mod.init_weights(widths, seed, f"taylor-{act}", gain), act, False, xb, yb)
        done, cks = 0, sorted(set(p.taylor_checkpoints))
        unit = int(np.gcd.reduce(np.diff([0, *cks]))) or 1  # equal chunks: one jax compile per network
        for ck in cks:
            while done < ck:
                net.run_steps(np.tile(np.arange(len(xb)), (unit, 1)), p.lr, p.scaling, p.xi_c)
                done += unit
            d = net.direction(xb, yb, p.scaling, p.xi_c)
            for mode in (("live",) if act == "tanh" else ("frozen", "live")):
                a, l0, l_eta = net.taylor(xb, yb, d, mode, etas)
                r, rel, out[f"taylor_remainder_{act}_{mode}"] = measures.compute_remainder_stats(l0, l_eta, a, etas)
                if act == "relu" and mode == "live":
                    live.append(measures.compute_worst_ratio(r))
                    continue
                ratios.append(measures.compute_worst_ratio(r))
                rel_rem.append(rel)
                if act == "relu":
                    exact = theory.taylor_polynomial_frozen_relu(xb, yb, net.weights(), d)[1:4]
                    coef_err.append(float(np.max(np.abs(np.asarray(a) - exact) / np.abs(exact))))
                    lr_over_quad.append(p.lr / theory.quadratic_model_max_lr(a[0], a[1]))
    return {"taylor_coef_max_rel_err": max(coef_err),
            "taylor_worst_ratio": measures.compute_worst_ratio(np.array(ratios)),
            "taylor_max_rel_remainder": max(rel_rem),
            "taylor_relu_live_worst_ratio": measures.compute_worst_ratio(np.array(live)),
            "taylor_max_lr_over_quadratic_limit": float(max(lr_over_quad)), "taylor_eta": etas, **out}


def eos_baseline(p, seed: int, ops: Ops) -> dict:
    """C2: Cohen et al. (2021) Fig. 1 — full-batch GD on a tanh MLP with biases; sharpness vs 2/η."""
    data = data_mod.make_data(p, seed)
    widths = (data["x"].shape[1], *p.eos_widths, data["y"].shape[1])
    net = ops.make_net(data_mod.init_weights(widths, seed, "eos-baseline", p.eos_init_gain, bias=True), "tanh", True,
                   data["x"], data["y"])
    hist = train(net, data, p, p.eos_lr, "none", p.eos_steps, p.eos_eig_every, seed, "eos", batch_size=0)
    gap, n_power = measures.compute_power_gap(net, data["x"], data["y"], float(hist["sharpness"][-1]))
    return {**measures.compute_eos_summary(hist, p.eos_lr, "baseline"), "baseline_n_hvp": int(hist["n_hvp"]),
            "baseline_power_vs_lanczos_rel_gap": gap, "baseline_power_hvps": n_power,
            "baseline_loss": hist["loss"], "baseline_eig_steps": hist["eig_steps"],
            "baseline_sharpness": hist["sharpness"], "baseline_lr": p.eos_lr}


def beyond_eos(p, seed: int, ops: Ops) -> dict:
    """C3–C5: the proposed (r, ξ) run at η = lr under `scaling` and under `compare_scaling` (keys with
    prefix cmp_), each with its r = compare_r twin, vs plain GD at the same η and at a stable η (same init)."""
    data = data_mod.make_data(p, seed)
    n_in, n_out = data["x"].shape[1], data["y"].shape[1]
    widths = data_mod.proposed_widths(n_in, n_out, p.depth, p.base_width, p.r)
    widths_cmp = data_mod.proposed_widths(n_in, n_out, p.depth, p.base_width, p.compare_r)
    w0 = data_mod.init_weights(widths, seed, "proposed", 2.0)
    w_cmp = data_mod.init_weights(widths_cmp, seed, "compare-r", 2.0)
    plan = [("proposed", w0, p.lr, p.scaling, p.steps, p.eig_every),
            ("plain_same_lr", w0, p.lr, "none", p.control_steps, 0),
            ("plain_stable", w0, p.stable_lr, "none", p.steps, p.control_eig_every),
            ("compare_r", w_cmp, p.lr, p.scaling, p.steps, 0),
            ("cmp_proposed", w0, p.lr, p.compare_scaling, p.steps, p.eig_every),
            ("cmp_compare_r", w_cmp, p.lr, p.compare_scaling, p.steps, 0)]
    runs, feats = {}, {}
    for name, w, lr, scaling, steps, eig in plan:
        net = ops.make_net(w, "relu", False, data["x"], data["y"])
        f0 = net.features(data["x_probe"])
        runs[name] = train(net, data, p, lr, scaling, steps, eig, seed, "sgd", batch_size=p.batch_size,
                           stop_above=1e12, log_precond=p.log_preconditioned and name.endswith("proposed"))
        if name != "plain_same_lr":  # the diverged control has no meaningful (finite) features
            feats[name] = (measures.compute_soft_ranks(f0), measures.compute_soft_ranks(net.features(data["x_probe"])))
    out = {**measures.compute_controls(runs, feats, p, widths),
           **measures.compute_scaling_summary(runs, feats, p, ""),
           **measures.compute_scaling_summary(runs, feats, p, "cmp_")}
    for name, h in runs.items():
        for key in ("loss", "eig_steps", "sharpness", "sharpness_precond", "full_loss", "xi"):
            out[f"{name}_{key}"] = h[key]
    return out


# fn(params, seed, ops); each backend binds them to its network kernels (claimbench.experiments.bind).
EXPERIMENTS = {"taylor": taylor, "eos_baseline": eos_baseline, "beyond_eos": beyond_eos}
