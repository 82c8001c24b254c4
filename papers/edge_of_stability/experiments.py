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
    def grad_norms(self, x: np.ndarray, y: np.ndarray) -> np.ndarray: ...
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
def xi(norms, scaling: str, c: float):
    """Per-layer scale ξ_k from the layer gradient norms ‖G_k‖_F (works on numpy, torch and jax arrays).

    Update W_k ← W_k − η ξ_k G_k (Terjék 2025, SGD with depthwise gradient scaling).
    """
    if scaling == "none":
        return norms * 0 + 1.0  # ξ_k = 1: plain SGD
    if scaling == "layer_normalized":
        return c / (norms + 1e-300)  # ξ_k = c/‖G_k‖_F: every layer moves by η·c (our stand-in)
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
    losses, eig_steps, lam, lam_pre, full, nmv, v0 = [], [], [], [], [], 0, None
    for start in [*range(0, steps, chunk), steps]:
        if eig_every:
            val, v0, n = measures.compute_sharpness(net, xe, ye, p.eig_tol, v0)
            eig_steps.append(start), lam.append(val), full.append(net.loss(x, y))
            nmv += n
            if log_precond and scaling != "none":
                s = np.sqrt(np.repeat(xi(net.grad_norms(xe, ye), scaling, p.xi_c), net.param_sizes()))
                lam_pre.append(measures.compute_sharpness(net, xe, ye, p.eig_tol, None, s)[0])
        if start == steps:
            break
        losses.extend(net.run_steps(batches[start:start + min(chunk, steps - start)], lr, scaling, p.xi_c))
        if not np.isfinite(losses[-1]) or losses[-1] > stop_above:
            break
    losses.append(net.loss(x, y))
    return {"loss": np.asarray(losses, dtype=np.float64), "eig_steps": np.asarray(eig_steps, dtype=np.int64),
            "sharpness": np.asarray(lam), "sharpness_precond": np.asarray(lam_pre), "n_hvp": np.int64(nmv),
            "full_loss": np.asarray(full, dtype=np.float64)}


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
    """C3–C5: proposed (r, ξ) run at η = lr vs plain GD at the same η and at a stable η (same init),
    and vs the same scaling on the width pattern r = compare_r (constant width for 0)."""
    data = data_mod.make_data(p, seed)
    n_in, n_out = data["x"].shape[1], data["y"].shape[1]
    widths = data_mod.proposed_widths(n_in, n_out, p.depth, p.base_width, p.r)
    widths_cmp = data_mod.proposed_widths(n_in, n_out, p.depth, p.base_width, p.compare_r)
    w0 = data_mod.init_weights(widths, seed, "proposed", 2.0)
    runs, feats = {}, {}
    for name, w, lr, scaling, steps, eig in (("proposed", w0, p.lr, p.scaling, p.steps, p.eig_every),
                                             ("plain_same_lr", w0, p.lr, "none", p.control_steps, 0),
                                             ("plain_stable", w0, p.stable_lr, "none", p.steps, p.eig_every),
                                             ("compare_r", data_mod.init_weights(widths_cmp, seed, "compare-r", 2.0),
                                              p.lr, p.scaling, p.steps, 0)):
        net = ops.make_net(w, "relu", False, data["x"], data["y"])
        f0 = net.features(data["x_probe"])
        runs[name] = train(net, data, p, lr, scaling, steps, eig, seed, "sgd", batch_size=p.batch_size,
                                  stop_above=1e12, log_precond=p.log_preconditioned and name == "proposed")
        if name != "plain_same_lr":  # the diverged control has no meaningful (finite) features
            feats[name] = (measures.compute_soft_ranks(f0), measures.compute_soft_ranks(net.features(data["x_probe"])))
    return _beyond_eos_metrics(runs, feats, p, widths)


def _beyond_eos_metrics(runs: dict, feats: dict, p, widths) -> dict:
    pro, ctl, stb = runs["proposed"], runs["plain_same_lr"], runs["plain_stable"]
    (sr0, pr0), (sr1, pr1) = feats["proposed"]
    _, (sr_s, pr_s) = feats["plain_stable"]
    diverged = (not np.all(np.isfinite(ctl["loss"]))) or ctl["loss"].max() > 1e6
    out = {**measures.compute_eos_summary(pro, p.lr, "proposed", minibatch=p.batch_size > 0),
           "proposed_last_step_above_eos_frac": measures.compute_last_above(pro, p.lr, p.steps),
           "proposed_precond_median_sharpness_over_eos": measures.compute_median_over_eos(pro["sharpness_precond"],
                                                                                          p.lr),
           "proposed_sharpness_end_over_init": float(pro["sharpness"][-1] / pro["sharpness"][0]),
           "sharpness_end_proposed_over_plain": float(pro["sharpness"][-1] / stb["sharpness"][-1]),
           "plain_stable_lr_times_init_sharpness_over_2": float(p.stable_lr * stb["sharpness"][0] / 2),
           "plain_stable_final_loss_ratio": measures.finite_or(stb["loss"][-1] / stb["loss"][0]),
           "plain_gd_diverged": float(diverged),
           "plain_gd_steps_run": float(len(ctl["loss"]) - 1),
           "plain_gd_max_loss_ratio": measures.finite_or(np.nanmax(np.abs(ctl["loss"])) / ctl["loss"][0]),
           "pr_init": pr0, "pr_end_proposed": pr1, "pr_end_plain": pr_s,
           "pr_growth_proposed": pr1 / pr0, "pr_ratio_proposed_vs_plain": pr1 / pr_s,
           "srank_init": sr0, "srank_end_proposed": sr1, "srank_end_plain": sr_s,
           "srank_ratio_proposed_vs_plain": sr1 / sr_s,
           "pr_end_compare_r": feats["compare_r"][1][1], "srank_end_compare_r": feats["compare_r"][1][0],
           "pr_init_compare_r": feats["compare_r"][0][1], "srank_init_compare_r": feats["compare_r"][0][0],
           "pr_ratio_proposed_vs_compare_r": pr1 / feats["compare_r"][1][1],
           "compare_r_final_loss_ratio": measures.finite_or(runs["compare_r"]["loss"][-1]
                                                          / runs["compare_r"]["loss"][0]),
           "n_params": float(sum(a * b for a, b in zip(widths[:-1], widths[1:], strict=True))),
           "n_hvp": int(pro["n_hvp"] + stb["n_hvp"]), "widths": np.asarray(widths), "lr": p.lr,
           "stable_lr": p.stable_lr}
    for name, h in runs.items():
        for key in ("loss", "eig_steps", "sharpness", "sharpness_precond", "full_loss"):
            out[f"{name}_{key}"] = h[key]
    return out


# fn(params, seed, ops); each backend binds them to its network kernels (claimbench.experiments.bind).
EXPERIMENTS = {"taylor": taylor, "eos_baseline": eos_baseline, "beyond_eos": beyond_eos}
