"""Framework-neutral parts shared by torch_impl and jax_impl: data, initial weights, the depthwise
gradient scaling rule, the training/measurement driver and the post-processing of measurements.

A backend supplies a small "net" object (see `Net` below); everything that does not need
autodiff — which steps to log, Lanczos on the Hessian, soft ranks, EoS summaries — lives here, so
both backends measure exactly the same things from the same numpy-drawn data and weights.
"""
from __future__ import annotations

from typing import Protocol, Sequence

import numpy as np

from claimbench.hessian import power_iteration, top_eigenvalues
from claimbench.metrics import participation_ratio, singular_values, stable_rank
from claimbench.seeding import make_rng

from . import theory


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


# ---------------------------------------------------------------- data and weights
def make_data(p, seed: int) -> dict[str, np.ndarray]:
    """Training set and probe batch: synthetic tanh-teacher regression or sklearn digits (one-hot MSE)."""
    if p.dataset == "digits":
        from sklearn.datasets import load_digits

        d = load_digits()
        order = make_rng(seed, "digits-split").permutation(len(d.target))
        x, y = d.data[order] / 16.0, np.eye(10)[d.target[order]]
        if p.n_train + p.n_probe > len(x):
            raise ValueError(f"digits has {len(x)} images; n_train + n_probe = {p.n_train + p.n_probe}")
        n = p.n_train
        return {"x": x[:n], "y": y[:n], "x_probe": x[n:n + p.n_probe]}
    rng = make_rng(seed, "teacher")
    a = rng.standard_normal((p.input_dim, p.teacher_width)) / np.sqrt(p.input_dim)
    b = rng.standard_normal((p.teacher_width, p.n_out)) / np.sqrt(p.teacher_width)
    x = make_rng(seed, "inputs").standard_normal((p.n_train + p.n_probe, p.input_dim))
    y = np.tanh(x @ a) @ b
    y = (y - y[:p.n_train].mean(0)) / y[:p.n_train].std(0)  # standardised targets
    return {"x": x[:p.n_train], "y": y[:p.n_train], "x_probe": x[p.n_train:]}


def proposed_widths(n_in: int, n_out: int, depth: int, base: int, r: float) -> tuple[int, ...]:
    """(n_0, n_1, ..., n_L) with hidden widths n_k = n · k^r, k = 1..L−1 (polynomial width pattern)."""
    # n_k = n k^r  (Terjék 2025: polynomial hidden-layer width pattern; r = 2 quadratic)
    hidden = [max(1, int(round(base * k**r))) for k in range(1, depth)]
    return (n_in, *hidden, n_out)


def init_weights(widths: Sequence[int], seed: int, stream: str, gain: float, bias: bool = False) -> list[np.ndarray]:
    """W_k ~ N(0, gain/n_{k−1}) (gain 2: He/EOC for ReLU; 1: LeCun for tanh); zero biases if `bias`."""
    rng = make_rng(seed, stream)
    out = []
    for n_in, n_out in zip(widths[:-1], widths[1:], strict=True):
        out.append(rng.standard_normal((n_out, n_in)) * np.sqrt(gain / n_in))
        if bias:
            out.append(np.zeros(n_out))
    return out


def batch_schedule(n: int, batch_size: int, steps: int, seed: int, stream: str) -> np.ndarray:
    """(steps, B) example indices: every example each step if batch_size is 0 (GD), else shuffled epochs."""
    if batch_size <= 0 or batch_size >= n:
        return np.tile(np.arange(n), (steps, 1))
    rng, rows, pool = make_rng(seed, stream), [], np.empty(0, dtype=int)
    for _ in range(steps):
        if len(pool) < batch_size:  # new epoch; an incomplete last batch is dropped
            pool = rng.permutation(n)
        rows.append(pool[:batch_size])
        pool = pool[batch_size:]
    return np.stack(rows)


# ---------------------------------------------------------------- depthwise gradient scaling
def xi(norms, scaling: str, c: float):
    """Per-layer scale ξ_k from the layer gradient norms ‖G_k‖_F (works on numpy, torch and jax arrays).

    Update W_k ← W_k − η ξ_k G_k (Terjék 2025, SGD with depthwise gradient scaling).
    """
    if scaling == "none":
        return norms * 0 + 1.0  # ξ_k = 1: plain SGD
    if scaling == "layer_normalized":
        return c / (norms + 1e-300)  # ξ_k = c/‖G_k‖_F: every layer moves by η·c (spec §2.2)
    raise NotImplementedError(
        "scaling='paper': the exact ξ_{k,t} of arXiv:2502.13110v2 could not be read (see README); "
        "implement it here once known")


# ---------------------------------------------------------------- training with sharpness logging
def sharpness(net: Net, x, y, tol: float, v0=None, s=None):
    """λ_max of ∇²L on (x, y) by Lanczos; with `s` the λ_max of S^½ H S^½ (s = √ξ per parameter)."""
    mv = net.matvec(x, y)
    if s is not None:
        raw = mv

        def mv(v):  # noqa: E306 - preconditioned operator S^½ H S^½ (Cohen et al. 2022, adaptive EoS)
            return s * raw(s * v)
    res = top_eigenvalues(mv, net.n_params, k=1, tol=tol, v0=v0)
    return float(res.values[0]), res.vectors[:, 0], res.n_matvec


def power_check(net: Net, x, y, lam: float, iters: int = 2000) -> tuple[float, int]:
    """Relative gap between a Lanczos λ_max and cold-started power iteration on the same Hessian, and
    the HVPs power iteration used (spec pitfall: check Lanczos with a second method once per run)."""
    res = power_iteration(net.matvec(x, y), net.n_params, iters=iters, rtol=1e-9, seed=1)
    return float(abs(res.values[0] - lam) / abs(lam)), res.n_matvec


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
    batches = batch_schedule(len(x), batch_size, steps, seed, stream)
    chunk = eig_every or min(steps, 10)  # without sharpness logs, check for divergence every 10 steps
    losses, eig_steps, lam, lam_pre, full, nmv, v0 = [], [], [], [], [], 0, None
    for start in [*range(0, steps, chunk), steps]:
        if eig_every:
            val, v0, n = sharpness(net, xe, ye, p.eig_tol, v0)
            eig_steps.append(start), lam.append(val), full.append(net.loss(x, y))
            nmv += n
            if log_precond and scaling != "none":
                s = np.sqrt(np.repeat(xi(net.grad_norms(xe, ye), scaling, p.xi_c), net.param_sizes()))
                lam_pre.append(sharpness(net, xe, ye, p.eig_tol, None, s)[0])
        if start == steps:
            break
        losses.extend(net.run_steps(batches[start:start + min(chunk, steps - start)], lr, scaling, p.xi_c))
        if not np.isfinite(losses[-1]) or losses[-1] > stop_above:
            break
    losses.append(net.loss(x, y))
    return {"loss": np.asarray(losses, dtype=np.float64), "eig_steps": np.asarray(eig_steps, dtype=np.int64),
            "sharpness": np.asarray(lam), "sharpness_precond": np.asarray(lam_pre), "n_hvp": np.int64(nmv),
            "full_loss": np.asarray(full, dtype=np.float64)}


# ---------------------------------------------------------------- post-processing
def soft_ranks(features: np.ndarray) -> tuple[float, float]:
    """(stable rank, participation ratio) of the feature Gram G = XXᵀ (spec §2.4; soft ranks of features)."""
    # srank = tr(G)/λ_max(G) = ‖X‖_F²/‖X‖_2² ;  PR = tr(G)²/tr(G²)
    return stable_rank(features), participation_ratio(singular_values(features) ** 2)


def finite_or(x: float, fallback: float = 1e300) -> float:
    """x if finite else a huge finite number (a blow-up is a FAIL, not a broken run)."""
    return float(x) if np.isfinite(x) else fallback


def eos_summary(hist: dict, lr: float, prefix: str, minibatch: bool = False) -> dict[str, float]:
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


def remainder_stats(l0: float, l_eta: np.ndarray, a: Sequence[float], etas: np.ndarray):
    """Remainders R(η) = |L(η) − L − (a_1η + a_2η² + a_3η³)|.

    Returns (R(η_i)/R(η_{i+1}), R/|ΔL| at the smallest η, R at every η).
    """
    # φ(η) = L + a_1 η + a_2 η² + a_3 η³ + O(η⁴)  (Terjék 2025, Taylor coefficients)
    cubic = a[0] * etas + a[1] * etas**2 + a[2] * etas**3
    rem = np.abs(l_eta - l0 - cubic)
    return rem[:-1] / rem[1:], float(rem[-1] / abs(l_eta[-1] - l0)), rem


def worst_ratio(ratios: np.ndarray, ideal: float = 16.0) -> float:
    """The halving ratio farthest from the O(η⁴) ideal 16, in log scale."""
    r = np.asarray(ratios, dtype=np.float64)
    return float(r[np.argmax(np.abs(np.log(r / ideal)))])
