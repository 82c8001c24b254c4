"""Measurements of the edge-of-stability runs, in numpy: sharpness, soft ranks, EoS summaries, Taylor remainders.

`compute_sharpness` runs Lanczos (`claimbench.hessian`) on the Hessian-vector products a backend's net
supplies; everything else maps logged trajectories to the scalars the claims read.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np

from claimbench.hessian import power_iteration, top_eigenvalues
from claimbench.metrics import participation_ratio, singular_values, stable_rank

from . import theory

if TYPE_CHECKING:
    from .experiments import Net


def compute_sharpness(net: Net, x, y, tol: float, v0=None, s=None):
    """λ_max of ∇²L on (x, y) by Lanczos; with `s` the λ_max of S^½ H S^½ (s = √ξ per parameter)."""
    mv = net.matvec(x, y)
    if s is not None:
        raw = mv

        def mv(v):  # noqa: E306 - preconditioned operator S^½ H S^½ (Cohen et al. 2022, adaptive EoS)
            return s * raw(s * v)
    res = top_eigenvalues(mv, net.n_params, k=1, tol=tol, v0=v0)
    return float(res.values[0]), res.vectors[:, 0], res.n_matvec


def compute_power_gap(net: Net, x, y, lam: float, iters: int = 2000) -> tuple[float, int]:
    """Relative gap between a Lanczos λ_max and cold-started power iteration on the same Hessian, and
    the HVPs power iteration used (a Lanczos value is checked by a second method once per run)."""
    res = power_iteration(net.matvec(x, y), net.n_params, iters=iters, rtol=1e-9, seed=1)
    return float(abs(res.values[0] - lam) / abs(lam)), res.n_matvec


def compute_soft_ranks(features: np.ndarray) -> tuple[float, float]:
    """(stable rank, participation ratio) of the feature Gram G = XXᵀ (soft ranks of the last hidden layer)."""
    # srank = tr(G)/λ_max(G) = ‖X‖_F²/‖X‖_2² ;  PR = tr(G)²/tr(G²)
    return stable_rank(features), participation_ratio(singular_values(features) ** 2)


def finite_or(x: float, fallback: float = 1e300) -> float:
    """x if finite else a huge finite number (a blow-up is a FAIL, not a broken run)."""
    return float(x) if np.isfinite(x) else fallback


def compute_eos_summary(hist: dict, lr: float, prefix: str, minibatch: bool = False) -> dict[str, float]:
    """Sharpness relative to 2/η at init, at its max and over the second half; loss ratios.

    Loss ratios use the per-step loss for full-batch runs and, for minibatch runs, the
    full-training-set loss at the logged steps (a minibatch loss carries sampling noise).
    """
    s = hist["sharpness"] / theory.eos_threshold(lr)
    late = s[hist["eig_steps"] >= hist["eig_steps"][-1] / 2]
    loss = hist["full_loss"] if minibatch and len(hist["full_loss"]) else hist["loss"]
    return {f"{prefix}_init_sharpness_over_eos": float(s[0]),
            f"{prefix}_max_sharpness_over_eos": float(s.max()),
            f"{prefix}_late_median_sharpness_over_eos": float(np.median(late)),
            f"{prefix}_frac_logged_above_eos": float((s > 1).mean()),
            f"{prefix}_final_loss_ratio": finite_or(loss[-1] / loss[0]),
            f"{prefix}_max_loss_ratio": finite_or(np.nanmax(np.where(np.isfinite(loss), loss, np.inf)) / loss[0]),
            f"{prefix}_loss_increases": float((np.diff(loss) > 0).sum())}


def compute_remainder_stats(l0: float, l_eta: np.ndarray, a: Sequence[float], etas: np.ndarray):
    """Remainders R(η) = |L(η) − L − (a_1η + a_2η² + a_3η³)|.

    Returns (R(η_i)/R(η_{i+1}), R/|ΔL| at the smallest η, R at every η).
    """
    # φ(η) = L + a_1 η + a_2 η² + a_3 η³ + O(η⁴)  (Terjék 2025, Taylor coefficients)
    cubic = a[0] * etas + a[1] * etas**2 + a[2] * etas**3
    rem = np.abs(l_eta - l0 - cubic)
    return rem[:-1] / rem[1:], float(rem[-1] / abs(l_eta[-1] - l0)), rem


def compute_worst_ratio(ratios: np.ndarray, ideal: float = 16.0) -> float:
    """The halving ratio farthest from the O(η⁴) ideal 16, in log scale."""
    r = np.asarray(ratios, dtype=np.float64)
    return float(r[np.argmax(np.abs(np.log(r / ideal)))])


def compute_last_above(hist: dict, lr: float, steps: int) -> float:
    """Last logged step at which the raw sharpness exceeds 2/η, as a fraction of training."""
    above = hist["eig_steps"][hist["sharpness"] > theory.eos_threshold(lr)]
    return float(above.max() / steps) if above.size else 0.0


def compute_median_over_eos(sharp: np.ndarray, lr: float) -> float:
    """Median over logged steps of a sharpness series divided by 2/η (NaN if not logged)."""
    return float(np.median(sharp) / theory.eos_threshold(lr)) if sharp.size else float("nan")


def compute_late_median_over_eos(sharp: np.ndarray, eig_steps: np.ndarray, lr: float, steps: int,
                                 start: float = 0.75) -> float:
    """Median of a sharpness series over the logs at steps ≥ start·steps, divided by 2/η (1e300 if none)."""
    late = np.asarray(sharp)[np.asarray(eig_steps)[:len(sharp)] >= start * steps]
    return float(np.median(late) / theory.eos_threshold(lr)) if late.size else 1e300


def compute_last_layer_edge_ratio(hist: dict, lr: float) -> float:
    """Median over the second half of the logs of η ξ_L λ_max / 2 (1 = the last layer's step at its edge)."""
    if not len(hist["xi"]):
        return float("nan")
    # η ξ_L λ_max / 2 = (λ_max / (2/η)) · ξ_L: raw sharpness over 2/η against 1/ξ_L
    ratio = hist["sharpness"][:len(hist["xi"])] / theory.eos_threshold(lr) * hist["xi"][:, -1]
    late = hist["eig_steps"][:len(ratio)] >= hist["eig_steps"][len(ratio) - 1] / 2
    return float(np.median(ratio[late]))


def compute_controls(runs: dict, feats: dict, p, widths) -> dict:
    """Metrics of the shared plain-GD controls (same η: diverges; stable η: the comparison run)."""
    ctl, stb = runs["plain_same_lr"], runs["plain_stable"]
    _, (sr_s, pr_s) = feats["plain_stable"]
    diverged = (not np.all(np.isfinite(ctl["loss"]))) or ctl["loss"].max() > 1e6
    return {"plain_stable_lr_times_init_sharpness_over_2": float(p.stable_lr * stb["sharpness"][0] / 2),
            "plain_stable_final_loss_ratio": finite_or(stb["loss"][-1] / stb["loss"][0]),
            "plain_gd_diverged": float(diverged), "plain_gd_steps_run": float(len(ctl["loss"]) - 1),
            "plain_gd_max_loss_ratio": finite_or(np.nanmax(np.abs(ctl["loss"])) / ctl["loss"][0]),
            "pr_end_plain": pr_s, "srank_end_plain": sr_s,
            "n_params": float(sum(a * b for a, b in zip(widths[:-1], widths[1:], strict=True))),
            "n_hvp": int(sum(h["n_hvp"] for h in runs.values())), "widths": np.asarray(widths),
            "lr": p.lr, "stable_lr": p.stable_lr}


def compute_scaling_summary(runs: dict, feats: dict, p, prefix: str) -> dict:
    """C3–C5 metrics of the proposed run (and its r = compare_r twin) under one scaling; keys get `prefix`."""
    pro, stb = runs[prefix + "proposed"], runs["plain_stable"]
    (sr0, pr0), (sr1, pr1) = feats[prefix + "proposed"]
    _, (sr_s, pr_s) = feats["plain_stable"]
    (src0, prc0), (src1, prc1) = feats[prefix + "compare_r"]
    cmp_loss = runs[prefix + "compare_r"]["loss"]
    out = {**compute_eos_summary(pro, p.lr, "proposed", minibatch=p.batch_size > 0),
           "proposed_last_step_above_eos_frac": compute_last_above(pro, p.lr, p.steps),
           "proposed_precond_median_sharpness_over_eos": compute_median_over_eos(pro["sharpness_precond"], p.lr),
           "proposed_precond_late_median_over_eos": compute_late_median_over_eos(
               pro["sharpness_precond"], pro["eig_steps"], p.lr, p.steps),
           "proposed_last_layer_edge_ratio_late": compute_last_layer_edge_ratio(pro, p.lr),
           "proposed_inv_xi_last_end": float(1.0 / pro["xi"][-1, -1]) if len(pro["xi"]) else float("nan"),
           "proposed_sharpness_end_over_init": float(pro["sharpness"][-1] / pro["sharpness"][0]),
           "sharpness_end_proposed_over_plain": float(pro["sharpness"][-1] / stb["sharpness"][-1]),
           "pr_init": pr0, "pr_end_proposed": pr1, "pr_growth_proposed": pr1 / pr0,
           "pr_ratio_proposed_vs_plain": pr1 / pr_s, "srank_init": sr0, "srank_end_proposed": sr1,
           "srank_ratio_proposed_vs_plain": sr1 / sr_s,
           "pr_init_compare_r": prc0, "pr_end_compare_r": prc1, "pr_ratio_proposed_vs_compare_r": pr1 / prc1,
           "srank_init_compare_r": src0, "srank_end_compare_r": src1,
           "compare_r_final_loss_ratio": finite_or(cmp_loss[-1] / cmp_loss[0])}
    return {prefix + k: v for k, v in out.items()}
