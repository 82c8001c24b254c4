"""Framework-neutral parts of the bottleneck-rank reproduction (Jacot 2023, arXiv 2305.19008v3).

Data and initial weights are drawn here with numpy and handed to both backends; the backends only
train (Adam with the L2 penalty in the loss, then plain GD). Every measurement is computed here, in
float64 numpy, from the trained weights: for a ReLU net the input Jacobian and the NTK are exact
products of the weights and the 0/1 activation patterns, so no autodiff is needed (the tests check
them against torch autodiff).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, NamedTuple

import numpy as np

from claimbench.seeding import make_rng

from .measure import Net, measure_net, summarise_sweep


@dataclass(frozen=True)
class Task:
    """Training set of the synthetic rank-k task: latent z, inputs x, targets y (rows = samples)."""

    z: np.ndarray
    x: np.ndarray
    y: np.ndarray


def _shallow_net(rng: np.random.Generator, d_in: int, hidden: int, d_out: int, bias_std: float = 0.5):
    """A random map u -> tanh(u A + c) B with A ~ N(0, 1), c ~ N(0, bias_std²), B ~ N(0, 1/hidden)."""
    a = rng.standard_normal((d_in, hidden))
    c = bias_std * rng.standard_normal(hidden)
    b = rng.standard_normal((hidden, d_out)) / np.sqrt(hidden)
    return lambda u: np.tanh(u @ a + c) @ b


def make_task(p, seed: int) -> Task:
    """Spec §3 task T_k: z ~ N(0, I); x = z or g(z); y = h(z_1..z_k), so Rank_BN(z -> y) = k.

    Paper (Sec. 5, as quoted by the NeurIPS reproducibility summary): z ∈ R^8, x = g(z) ∈ R^20,
    y = h(z_1, z_2) ∈ R^20 with g, h random shallow networks.
    """
    if p.input_map == "identity" and p.d_in != p.latent_dim:
        raise ValueError(f"input_map=identity needs d_in == latent_dim, got {p.d_in} != {p.latent_dim}")
    if p.rank > p.latent_dim:
        raise ValueError(f"rank {p.rank} exceeds latent_dim {p.latent_dim}")
    rng = make_rng(seed, "bottleneck_rank/task")
    z = rng.standard_normal((p.n_samples, p.latent_dim))
    h = _shallow_net(rng, p.rank, p.target_hidden, p.d_out)
    g = _shallow_net(rng, p.latent_dim, p.target_hidden, p.d_in)
    x = z.copy() if p.input_map == "identity" else g(z)
    return Task(z=z, x=x, y=h(z[:, : p.rank]))


def init_net(p, seed: int, depth: int) -> Net:
    """He-normal weights (last layer LeCun-normal), zero biases; one numpy stream per depth."""
    rng = make_rng(seed, f"bottleneck_rank/init/L{depth}")
    dims = [p.d_in] + [p.width] * (depth - 1) + [p.d_out]
    weights, biases = [], []
    for ell in range(depth):
        gain = 1.0 if ell == depth - 1 else 2.0
        weights.append(rng.standard_normal((dims[ell + 1], dims[ell])) * np.sqrt(gain / dims[ell]))
        biases.append(np.zeros(dims[ell + 1]))
    return weights, biases


def lr_schedule(p) -> np.ndarray:
    """Cosine decay from p.lr to p.lr_final over p.steps Adam steps (shared by both backends)."""
    t = np.arange(p.steps)
    return p.lr_final + 0.5 * (p.lr - p.lr_final) * (1.0 + np.cos(np.pi * t / p.steps))


def converged(curve: list[float], tol: float) -> bool:
    """Stop rule: the penalised loss changed by less than tol (relative) over the last window."""
    return len(curve) >= 2 and abs(curve[-2] - curve[-1]) <= tol * abs(curve[-1])


# adam(net, x, y, p, depth) -> (net, steps_taken, loss_curve); gd(net, x, y, p, eta, steps) -> (net, loss_curve)
AdamFn = Callable[..., tuple[Net, int, np.ndarray]]
GdFn = Callable[..., tuple[Net, np.ndarray]]


class Trainers(NamedTuple):
    """A backend's two training loops, bound to a device: what run_bottleneck needs from a framework."""

    adam: AdamFn
    gd: GdFn

_MAIN_ARRAYS = ("svals_top10", "r99_layers", "r99u_layers", "counts_layers", "mid_pcs", "latent_relevant")


def run_bottleneck(p, seed: int, trainers: Trainers) -> dict:
    """Train every depth once with Adam, measure, then continue the main depth with GD at two steps.

    One experiment feeds all claims (C1–C6): the net at `p.depth` is the C1/C2/C3a/C6 net and the
    GD checkpoint of C4b; the sweep over `p.depths` (which reuses it) gives C3b, C4a and C5.
    """
    task = make_task(p, seed)
    rows, out = [], {"rank": p.rank}
    for depth in sorted(set(p.depths) | {p.depth}):
        net, steps, curve = trainers.adam(init_net(p, seed, depth), task.x, task.y, p, depth)
        main = depth == p.depth
        m = measure_net(net, task.x, task.y, p, lmax=main, z=task.z if main else None, seed=seed)
        m["steps_taken"], m["penalised_loss"] = steps, float(curve[-1]) if len(curve) else float("nan")
        rows.append(m)
        if main:
            main_net = net
            out.update({k: v for k, v in m.items() if np.isscalar(v) or k in _MAIN_ARRAYS})
            out["loss_curve"] = np.asarray(curve, dtype=float)
    out.update(summarise_sweep(rows, p.rank))
    out["sweep_steps"] = np.array([r["steps_taken"] for r in rows], dtype=float)
    out["steps_total"] = int(out["sweep_steps"].sum())
    out.update(_gd_phase(main_net, task, p, trainers.gd, out["ntk_lmax_over_n"]))
    return out


# fn(params, seed, trainers); each backend binds it to its Adam and GD loops (claimbench.experiments.bind).
EXPERIMENTS = {"bottleneck": run_bottleneck}


def _gd_phase(net: Net, task: Task, p, gd: GdFn, adam_lmax: float) -> dict:
    """C4: full-batch GD from the Adam checkpoint at η = c/L for a large and a small c."""
    out = {"adam_lmax_over_n": adam_lmax}
    for tag, c in (("big", p.gd_c_big), ("small", p.gd_c_small)):
        eta = c / p.depth
        gnet, curve = gd(net, task.x, task.y, p, eta, p.gd_steps)
        m = measure_net(gnet, task.x, task.y, p, lmax=True)
        # GD on (1/N) Σ ‖f − y‖² is stable only if η · λ_max(Θ)/N ≲ 1 (Hessian ≈ (2/N) JᵀJ)
        keys = ("ntk_lmax_over_n", "mse", "mid_gap_sv", "mid_count_median", "ntk_trace_over_L", "svals_top10")
        out.update({f"gd_{tag}_{key.replace('ntk_lmax_over_n', 'lmax_over_n')}": m[key] for key in keys})
        out.update({f"gd_{tag}_eta": eta, f"gd_{tag}_eos": eta * m["ntk_lmax_over_n"],
                    f"gd_{tag}_mse_over_var": m["mse"] / m["y_var"], f"gd_{tag}_loss": np.asarray(curve, float)})
    out["gd_lmax_ratio"] = out["gd_big_lmax_over_n"] / out["gd_small_lmax_over_n"]
    return out
