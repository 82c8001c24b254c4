"""The bottleneck experiment, written once against a backend's `Ops` (Jacot 2023, arXiv 2305.19008v3).

The backends only train (Adam with the L2 penalty in the loss, then plain GD); data and initial weights
come from data.py and every measurement is computed in float64 numpy by measures.py, from the trained
weights, so both backends measure exactly the same things.
"""
from __future__ import annotations

import dataclasses
from typing import Protocol

import numpy as np

from . import data as data_mod
from . import measures, measures_symmetry
from .data import Net

DTYPE = "float64"  # smoke and fast profiles (params `dtype`); the full profile trains in float32

# The paper's Sec. 5 task (as quoted from the NeurIPS PDF): z ∈ R^8, x = g(z) ∈ R^20, y = h(z_1, z_2) ∈ R^20
PAPER_TASK = {"rank": 2, "latent_dim": 8, "input_map": "random_net", "d_in": 20, "d_out": 20}


class Ops(Protocol):
    """What a backend supplies: two full-batch training loops on one device (numpy in, numpy out)."""

    def adam(self, net: Net, x: np.ndarray, y: np.ndarray, p, lam: float) -> tuple[Net, int, np.ndarray]:
        """Adam on (1/N)Σ‖f − y‖² + lam‖θ‖² until `converged` or p.steps; (net, steps taken, loss per window)."""

    def gd(self, net: Net, x: np.ndarray, y: np.ndarray, p, lam: float, eta: float,
           steps: int) -> tuple[Net, np.ndarray]:
        """Plain GD θ ← θ − η ∇L_λ(θ) for `steps` steps; (net, loss per window)."""


def converged(curve: list[float], tol: float) -> bool:
    """Stop rule: the penalised loss changed by less than tol (relative) over the last window."""
    return len(curve) >= 2 and abs(curve[-2] - curve[-1]) <= tol * abs(curve[-1])


_MAIN_ARRAYS = ("svals_top10", "r99_layers", "r99u_layers", "counts_layers", "act_svals_top10",
                "relu_impact_layers")


def bottleneck(p, seed: int, ops: Ops) -> dict:
    """Train every depth once with Adam, measure, then continue the main depth with GD at two steps.

    The net at `p.depth` is the C1/C2/C3a net and the GD checkpoint of C4b; the sweep over
    `p.depths` (which reuses it) gives C3b, C4a and C5; Prop. 3 is checked on every net.
    """
    task = data_mod.make_data(p, seed)
    rows, out = [], {"rank": p.rank}
    for depth in sorted(set(p.depths) | {p.depth}):
        lam = p.penalty_coef(depth)
        net, steps, curve = ops.adam(data_mod.init_weights(p, seed, depth), task.x, task.y, p, lam)
        main = depth == p.depth
        m = measures.compute_net_measures(net, task.x, task.y, p, lmax=main)
        m["steps_taken"], m["penalised_loss"] = steps, float(curve[-1]) if len(curve) else float("nan")
        m["lambda_o"] = lam
        rows.append(m)
        if main:
            main_net = net
            out.update({k: v for k, v in m.items() if np.isscalar(v) or k in _MAIN_ARRAYS})
            out["loss_curve"] = np.asarray(curve, dtype=float)
    out.update(measures.compute_sweep_summary(rows, p.rank))
    out["sweep_steps"] = np.array([r["steps_taken"] for r in rows], dtype=float)
    out["sweep_lambda_o"] = np.array([r["lambda_o"] for r in rows])
    out["steps_total"] = int(out["sweep_steps"].sum())
    out.update(_gd_phase(main_net, task, p, ops, out["ntk_lmax_over_n"]))
    # Prop. 3 holds for every θ: the largest ratio over every net this experiment trained
    out["prop3_ratio_max"] = float(max(out["sweep_prop3_ratio"].max(), out["gd_big_prop3_ratio"],
                                       out["gd_small_prop3_ratio"]))
    return out


def _gd_phase(net: Net, task: data_mod.Task, p, ops: Ops, adam_lmax: float) -> dict:
    """C4: full-batch GD from the Adam checkpoint at η = c/L for a large and a small c."""
    out = {"adam_lmax_over_n": adam_lmax}
    for tag, c in (("big", p.gd_c_big), ("small", p.gd_c_small)):
        eta = c / p.depth
        gnet, curve = ops.gd(net, task.x, task.y, p, p.penalty_coef(p.depth), eta, p.gd_steps)
        if not all(np.isfinite(w).all() for w in gnet[0]):  # say why, rather than fail in an SVD
            raise FloatingPointError(f"GD at eta = gd_c_{tag}/L = {eta:.3g} diverged from the Adam checkpoint "
                                     f"(eta * lambda_max/N = {eta * adam_lmax:.3g} there; stable below ~2)")
        m = measures.compute_net_measures(gnet, task.x, task.y, p, lmax=True)
        # GD on (1/N) Σ ‖f − y‖² is stable only if η · λ_max(Θ)/N ≲ 1 (Hessian ≈ (2/N) JᵀJ)
        keys = ("ntk_lmax_over_n", "mse", "mid_gap_sv", "mid_count_median", "ntk_trace_over_L", "svals_top10",
                "prop3_ratio")
        out.update({f"gd_{tag}_{key.replace('ntk_lmax_over_n', 'lmax_over_n')}": m[key] for key in keys})
        out.update({f"gd_{tag}_eta": eta, f"gd_{tag}_eos": eta * m["ntk_lmax_over_n"],
                    f"gd_{tag}_mse_over_var": m["mse"] / m["y_var"], f"gd_{tag}_loss": np.asarray(curve, float)})
    out["gd_lmax_ratio"] = out["gd_big_lmax_over_n"] / out["gd_small_lmax_over_n"]
    return out


def symmetry(p, seed: int, ops: Ops) -> dict:
    """C6: one net of depth c6_depth trained with Adam on the paper's Sec. 5 task; its symmetry measures.

    Same penalty convention, λ, learning rates and stop rule as the main run; the task is PAPER_TASK
    at the c6_* sizes, so the fast profile can test C6 on the paper's task at CPU size.
    """
    q = dataclasses.replace(p, **PAPER_TASK, depth=p.c6_depth, depths=(p.c6_depth,), width=p.c6_width,
                            n_samples=p.c6_n_samples, steps=p.c6_steps)
    task = data_mod.make_data(q, seed)
    lam = q.penalty_coef(q.depth)
    net, steps, _ = ops.adam(data_mod.init_weights(q, seed, q.depth), task.x, task.y, q, lam)
    m = measures.compute_net_measures(net, task.x, task.y, q)
    out = {key: m[key] for key in ("depth", "mse", "y_var", "prop3_ratio", "mid_count_median", "wnorm2")}
    out.update({"rank": q.rank, "lambda_o": lam, "steps_taken": steps, "mse_over_var": m["mse"] / m["y_var"]})
    out.update(measures_symmetry.compute_symmetry(net, task, data_mod.make_probe_latents(q, seed), q, seed))
    return out


# fn(params, seed, ops); each backend binds them to its Adam and GD loops (claimbench.experiments.bind).
EXPERIMENTS = {"bottleneck": bottleneck, "symmetry": symmetry}
