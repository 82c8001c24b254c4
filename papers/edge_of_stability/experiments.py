"""The three experiments, written once against the `common.Net` protocol (numpy in, numpy out).

torch_impl and jax_impl each provide a `make_net(weights, act, bias, x, y)` and call these, so the
two backends run the same steps, draw the same data and weights, and report the same keys.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from . import common, theory

MakeNet = Callable[..., common.Net]


def taylor(p, seed: int, make_net: MakeNet) -> dict:
    """C1: Taylor coefficients a_1..a_3 by nested jvp vs the actual loss change, and vs the closed form.

    Tested at each checkpoint of a run with the configured scaling at η = lr, on the minibatch of the
    step (spec §2.3). tanh is smooth; ReLU is tested with its masks frozen at θ_t (the identity needs
    a polynomial loss along the step) and, for the record only, with live masks.
    """
    data = common.make_data(p, seed)
    xb, yb = data["x"][:p.taylor_batch], data["y"][:p.taylor_batch]
    widths = (xb.shape[1], *p.taylor_widths, yb.shape[1])
    etas = p.lr * np.asarray(p.taylor_eta_fracs)
    coef_err, ratios, rel_rem, live, lr_over_quad, out = [], [], [], [], [], {}
    for act, gain in (("tanh", 1.0), ("relu", 2.0)):
        net = make_net(common.init_weights(widths, seed, f"taylor-{act}", gain), act, False, xb, yb)
        done, cks = 0, sorted(set(p.taylor_checkpoints))
        unit = int(np.gcd.reduce(np.diff([0, *cks]))) or 1  # equal chunks: one jax compile per network
        for ck in cks:
            while done < ck:
                net.run_steps(np.tile(np.arange(len(xb)), (unit, 1)), p.lr, p.scaling, p.xi_c)
                done += unit
            d = net.direction(xb, yb, p.scaling, p.xi_c)
            for mode in (("live",) if act == "tanh" else ("frozen", "live")):
                a, l0, l_eta = net.taylor(xb, yb, d, mode, etas)
                r, rel, out[f"taylor_remainder_{act}_{mode}"] = common.remainder_stats(l0, l_eta, a, etas)
                if act == "relu" and mode == "live":
                    live.append(common.worst_ratio(r))
                    continue
                ratios.append(common.worst_ratio(r))
                rel_rem.append(rel)
                if act == "relu":
                    exact = theory.taylor_polynomial_frozen_relu(xb, yb, net.weights(), d)[1:4]
                    coef_err.append(float(np.max(np.abs(np.asarray(a) - exact) / np.abs(exact))))
                    lr_over_quad.append(p.lr / theory.quadratic_model_max_lr(a[0], a[1]))
    return {"taylor_coef_max_rel_err": max(coef_err), "taylor_worst_ratio": common.worst_ratio(np.array(ratios)),
            "taylor_max_rel_remainder": max(rel_rem),
            "taylor_relu_live_worst_ratio": common.worst_ratio(np.array(live)),
            "taylor_max_lr_over_quadratic_limit": float(max(lr_over_quad)), "taylor_eta": etas, **out}


def eos_baseline(p, seed: int, make_net: MakeNet) -> dict:
    """C2: Cohen et al. (2021) Fig. 1 — full-batch GD on a tanh MLP with biases; sharpness vs 2/η."""
    data = common.make_data(p, seed)
    widths = (data["x"].shape[1], *p.eos_widths, data["y"].shape[1])
    net = make_net(common.init_weights(widths, seed, "eos-baseline", p.eos_init_gain, bias=True), "tanh", True,
                   data["x"], data["y"])
    hist = common.train(net, data, p, p.eos_lr, "none", p.eos_steps, p.eos_eig_every, seed, "eos", batch_size=0)
    gap, n_power = common.power_check(net, data["x"], data["y"], float(hist["sharpness"][-1]))
    return {**common.eos_summary(hist, p.eos_lr, "baseline"), "baseline_n_hvp": int(hist["n_hvp"]),
            "baseline_power_vs_lanczos_rel_gap": gap, "baseline_power_hvps": n_power,
            "baseline_loss": hist["loss"], "baseline_eig_steps": hist["eig_steps"],
            "baseline_sharpness": hist["sharpness"], "baseline_lr": p.eos_lr}


def beyond_eos(p, seed: int, make_net: MakeNet) -> dict:
    """C3–C5: proposed (r, ξ) run at η = lr vs plain GD at the same η and at a stable η (same init),
    and vs the same scaling on the width pattern r = compare_r (constant width for 0)."""
    data = common.make_data(p, seed)
    n_in, n_out = data["x"].shape[1], data["y"].shape[1]
    widths = common.proposed_widths(n_in, n_out, p.depth, p.base_width, p.r)
    widths_cmp = common.proposed_widths(n_in, n_out, p.depth, p.base_width, p.compare_r)
    w0 = common.init_weights(widths, seed, "proposed", 2.0)
    runs, feats = {}, {}
    for name, w, lr, scaling, steps, eig in (("proposed", w0, p.lr, p.scaling, p.steps, p.eig_every),
                                             ("plain_same_lr", w0, p.lr, "none", p.control_steps, 0),
                                             ("plain_stable", w0, p.stable_lr, "none", p.steps, p.eig_every),
                                             ("compare_r", common.init_weights(widths_cmp, seed, "compare-r", 2.0),
                                              p.lr, p.scaling, p.steps, 0)):
        net = make_net(w, "relu", False, data["x"], data["y"])
        f0 = net.features(data["x_probe"])
        runs[name] = common.train(net, data, p, lr, scaling, steps, eig, seed, "sgd", batch_size=p.batch_size,
                                  stop_above=1e12, log_precond=p.log_preconditioned and name == "proposed")
        if name != "plain_same_lr":  # the diverged control has no meaningful (finite) features
            feats[name] = (common.soft_ranks(f0), common.soft_ranks(net.features(data["x_probe"])))
    return _beyond_eos_metrics(runs, feats, p, widths)


def _beyond_eos_metrics(runs: dict, feats: dict, p, widths) -> dict:
    pro, ctl, stb = runs["proposed"], runs["plain_same_lr"], runs["plain_stable"]
    (sr0, pr0), (sr1, pr1) = feats["proposed"]
    _, (sr_s, pr_s) = feats["plain_stable"]
    diverged = (not np.all(np.isfinite(ctl["loss"]))) or ctl["loss"].max() > 1e6
    out = {**common.eos_summary(pro, p.lr, "proposed", minibatch=p.batch_size > 0),
           "proposed_last_step_above_eos_frac": _last_above(pro, p.lr, p.steps),
           "proposed_precond_median_sharpness_over_eos": _median_over_eos(pro["sharpness_precond"], p.lr),
           "proposed_sharpness_end_over_init": float(pro["sharpness"][-1] / pro["sharpness"][0]),
           "sharpness_end_proposed_over_plain": float(pro["sharpness"][-1] / stb["sharpness"][-1]),
           "plain_stable_lr_times_init_sharpness_over_2": float(p.stable_lr * stb["sharpness"][0] / 2),
           "plain_stable_final_loss_ratio": common.finite_or(stb["loss"][-1] / stb["loss"][0]),
           "plain_gd_diverged": float(diverged),
           "plain_gd_steps_run": float(len(ctl["loss"]) - 1),
           "plain_gd_max_loss_ratio": common.finite_or(np.nanmax(np.abs(ctl["loss"])) / ctl["loss"][0]),
           "pr_init": pr0, "pr_end_proposed": pr1, "pr_end_plain": pr_s,
           "pr_growth_proposed": pr1 / pr0, "pr_ratio_proposed_vs_plain": pr1 / pr_s,
           "srank_init": sr0, "srank_end_proposed": sr1, "srank_end_plain": sr_s,
           "srank_ratio_proposed_vs_plain": sr1 / sr_s,
           "pr_end_compare_r": feats["compare_r"][1][1], "srank_end_compare_r": feats["compare_r"][1][0],
           "pr_init_compare_r": feats["compare_r"][0][1], "srank_init_compare_r": feats["compare_r"][0][0],
           "pr_ratio_proposed_vs_compare_r": pr1 / feats["compare_r"][1][1],
           "compare_r_final_loss_ratio": common.finite_or(runs["compare_r"]["loss"][-1]
                                                          / runs["compare_r"]["loss"][0]),
           "n_params": float(sum(a * b for a, b in zip(widths[:-1], widths[1:], strict=True))),
           "n_hvp": int(pro["n_hvp"] + stb["n_hvp"]), "widths": np.asarray(widths), "lr": p.lr,
           "stable_lr": p.stable_lr}
    for name, h in runs.items():
        for key in ("loss", "eig_steps", "sharpness", "sharpness_precond", "full_loss"):
            out[f"{name}_{key}"] = h[key]
    return out


def _last_above(hist: dict, lr: float, steps: int) -> float:
    """Last logged step at which the raw sharpness exceeds 2/η, as a fraction of training."""
    above = hist["eig_steps"][hist["sharpness"] > theory.eos_threshold(lr)]
    return float(above.max() / steps) if above.size else 0.0


def _median_over_eos(sharp: np.ndarray, lr: float) -> float:
    """Median over logged steps of a sharpness series divided by 2/η (NaN if not logged)."""
    return float(np.median(sharp) / theory.eos_threshold(lr)) if sharp.size else float("nan")


# fn(params, seed, make_net); each backend binds them to its network class (claimbench.experiments.bind).
EXPERIMENTS = {"taylor": taylor, "eos_baseline": eos_baseline, "beyond_eos": beyond_eos}
