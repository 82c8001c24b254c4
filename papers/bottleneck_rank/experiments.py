"""The bottleneck experiment, written once against a backend's `Ops` (Jacot 2023, arXiv 2305.19008v3).

The backends only train (Adam with the L2 penalty in the loss, then plain GD); data and initial weights
come from data.py and every measurement is computed in float64 numpy by measures.py, from the trained
weights, so both backends measure exactly the same things.
"""
from __future__ import annotations

from typing import Protocol

import numpy as np

from . import data as data_mod
from . import measures
from .data import Net

DTYPE = "float64"  # smoke and fast profiles (params `dtype`); the full profile trains in float32


class Ops(Protocol):
    """What a backend supplies: two full-batch training loops on one device (numpy in, numpy out)."""

    def adam(self, net: Net, x: np.ndarray, y: np.ndarray, p, depth: int) -> tuple[Net, int, np.ndarray]:
        """Adam on the penalised loss until `converged` or p.steps; (net, steps taken, loss per window)."""

    def gd(self, net: Net, x: np.ndarray, y: np.ndarray, p, eta: float, steps: int) -> tuple[Net, np.ndarray]:
        """Plain GD θ ← θ − η ∇L_λ(θ) for `steps` steps; (net, loss per window)."""


def converged(curve: list[float], tol: float) -> bool:
    """Stop rule: the penalised loss changed by less than tol (relative) over the last window."""
    return len(curve) >= 2 and abs(curve[-2] - curve[-1]) <= tol * abs(curve[-1])


_MAIN_ARRAYS = ("svals_top10", "r99_layers", "r99u_layers", "counts_layers", "mid_pcs", "latent_relevant")


def bottleneck(p, seed: int, ops: Ops) -> dict:
    """Train every depth once with Adam, measure, then continue the main depth with GD at two steps.

    One experiment feeds all claims (C1–C6): the net at `p.depth` is the C1/C2/C3a/C6 net and the
    GD checkpoint of C4b; the sweep over `p.depths` (which reuses it) gives C3b, C4a and C5.
    """
    task = data_mod.make_data(p, seed)
    rows, out = [], {"rank": p.rank}
    for depth in sorted(set(p.depths) | {p.depth}):
        net, steps, curve = ops.adam(data_mod.init_weights(p, seed, depth), task.x, task.y, p, depth)
        main = depth == p.depth
        m = measures.compute_net_measures(net, task.x, task.y, p, lmax=main, z=task.z if main else None,
                                          seed=seed)
        m["steps_taken"], m["penalised_loss"] = steps, float(curve[-1]) if len(curve) else float("nan")
        rows.append(m)
        if main:
            main_net = net
            out.update({k: v for k, v in m.items() if np.isscalar(v) or k in _MAIN_ARRAYS})
            out["loss_curve"] = np.asarray(curve, dtype=float)
    out.update(measures.compute_sweep_summary(rows, p.rank))
    out["sweep_steps"] = np.array([r["steps_taken"] for r in rows], dtype=float)
    out["steps_total"] = int(out["sweep_steps"].sum())
    out.update(_gd_phase(main_net, task, p, ops, out["ntk_lmax_over_n"]))
    return out


def _gd_phase(net: Net, task: data_mod.Task, p, ops: Ops, adam_lmax: float) -> dict:
    """C4: full-batch GD from the Adam checkpoint at η = c/L for a large and a small c."""
    out = {"adam_lmax_over_n": adam_lmax}
    for tag, c in (("big", p.gd_c_big), ("small", p.gd_c_small)):
        eta = c / p.depth
        gnet, curve = ops.gd(net, task.x, task.y, p, eta, p.gd_steps)
        m = measures.compute_net_measures(gnet, task.x, task.y, p, lmax=True)
        # GD on (1/N) Σ ‖f − y‖² is stable only if η · λ_max(Θ)/N ≲ 1 (Hessian ≈ (2/N) JᵀJ)
        keys = ("ntk_lmax_over_n", "mse", "mid_gap_sv", "mid_count_median", "ntk_trace_over_L", "svals_top10")
        out.update({f"gd_{tag}_{key.replace('ntk_lmax_over_n', 'lmax_over_n')}": m[key] for key in keys})
        out.update({f"gd_{tag}_eta": eta, f"gd_{tag}_eos": eta * m["ntk_lmax_over_n"],
                    f"gd_{tag}_mse_over_var": m["mse"] / m["y_var"], f"gd_{tag}_loss": np.asarray(curve, float)})
    out["gd_lmax_ratio"] = out["gd_big_lmax_over_n"] / out["gd_small_lmax_over_n"]
    return out


# fn(params, seed, ops); each backend binds it to its Adam and GD loops (claimbench.experiments.bind).
EXPERIMENTS = {"bottleneck": bottleneck}
