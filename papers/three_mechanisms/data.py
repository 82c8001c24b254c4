"""Every random draw of the three-mechanisms reproduction, in numpy, and the GD runs' schedules.

Linear model (C1–C6): initial weights of each run are drawn here with `make_stream(seed, name)` and
stacked into a `LinearBatch` (runs of different widths share one batch by zero padding: a zero coordinate
has zero gradient and stays zero, so padding is exact), with per-run Euler steps chosen by `make_batch`.
C7's draws (two-layer nets, digits MLPs) are in data_c7.py. Both backends start from these arrays.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from claimbench.seeding import make_rng
from papers.three_mechanisms import theory


def make_stream(seed: int, name: str) -> np.random.Generator:
    """The numpy Generator of one named draw of this paper (same (seed, name), same numbers)."""
    return make_rng(seed, f"three_mechanisms/{name}")


@dataclass(frozen=True)
class LinearBatch:
    """B gradient-descent runs of f = kappa uᵀ W n advanced together, each with its own step h."""

    u0: np.ndarray      # (B, d) readout weights
    W0: np.ndarray      # (B, d, d_in) first-layer weights
    n: np.ndarray       # (B, d_in) unit data direction (x = z n)
    a: np.ndarray       # (B,) target slope (y = a z)
    kappa: np.ndarray   # (B,) output multiplier
    eta_u: np.ndarray   # (B,) readout learning rate
    eta_w: np.ndarray   # (B,) first-layer learning rate
    h: np.ndarray       # (B,) Euler step (time per GD step)
    n_steps: int        # GD steps (same for all runs)
    n_records: int      # recorded points after the initial one

    @property
    def w0(self) -> np.ndarray:
        """The feature vector w = W n that the output sees, (B, d)."""
        return np.einsum("bdi,bi->bd", self.W0, self.n)

    @property
    def times(self) -> np.ndarray:
        """(B, R+1) times of the recorded points."""
        stride = self.n_steps // self.n_records
        return self.h[:, None] * stride * np.arange(self.n_records + 1)[None, :]

    def with_step_factor(self, factor: int) -> "LinearBatch":
        """The same runs with step h·factor and n_steps/factor (same horizon, same record times)."""
        return LinearBatch(self.u0, self.W0, self.n, self.a, self.kappa, self.eta_u, self.eta_w,
                           self.h * factor, self.n_steps // factor, self.n_records)

    def take(self, b: int) -> "LinearBatch":
        """Run b alone, as a batch of one."""
        sl = slice(b, b + 1)
        return LinearBatch(self.u0[sl], self.W0[sl], self.n[sl], self.a[sl], self.kappa[sl], self.eta_u[sl],
                           self.eta_w[sl], self.h[sl], self.n_steps, self.n_records)


def make_config(u0, w0, *, a=1.0, kappa=1.0, eta_u=1.0, eta_w=1.0, W0=None, n=None, horizon=10.0):
    """One run's settings; W0/n default to d_in = 1 (W = w, n = 1). horizon is in units of 1/K∞."""
    u0 = np.asarray(u0, dtype=np.float64)
    if W0 is None:
        W0, n = np.asarray(w0, dtype=np.float64)[:, None], np.ones(1)
    return dict(u0=u0, W0=np.asarray(W0, dtype=np.float64), n=np.asarray(n, dtype=np.float64), a=a,
                kappa=kappa, eta_u=eta_u, eta_w=eta_w, horizon=horizon)


def _pad(arrays, shape):
    out = np.zeros((len(arrays),) + shape)
    for i, x in enumerate(arrays):
        out[(i,) + tuple(slice(0, s) for s in x.shape)] = x
    return out


def make_batch(configs, *, hk, max_steps, n_records) -> LinearBatch:
    """Stack runs; pick one step count N and per-run h with h·max(K0, K∞) <= hk.

    Each run wants the horizon t = horizon/K∞; N = the largest need, capped at max_steps (a run
    that would need more gets a shorter horizon, never a larger h·K). N is a multiple of
    2·n_records so that the 2h comparison run records at the same times.
    """
    k0 = np.array([theory.ntk_scalar(c["u0"], c["W0"] @ c["n"], kappa=c["kappa"], eta_u=c["eta_u"],
                                     eta_w=c["eta_w"]) for c in configs])
    kinf = np.array([theory.final_ntk(c["u0"], c["W0"] @ c["n"], a=c["a"], kappa=c["kappa"],
                                      eta_u=c["eta_u"], eta_w=c["eta_w"]) for c in configs])
    kinf = np.maximum(kinf, 1e-12 * np.maximum(k0, 1e-300))
    k_max = np.maximum(k0, kinf)
    t_want = np.array([c["horizon"] for c in configs]) / kinf
    need = int(np.ceil(np.max(t_want * k_max / hk)))
    unit = 2 * n_records
    n_steps = max(unit, int(np.ceil(min(need, max_steps) / unit)) * unit)
    h = np.minimum(t_want / n_steps, hk / k_max)
    d = max(c["u0"].shape[0] for c in configs)
    d_in = max(c["n"].shape[0] for c in configs)
    col = lambda k: np.array([float(c[k]) for c in configs])  # noqa: E731
    return LinearBatch(_pad([c["u0"] for c in configs], (d,)), _pad([c["W0"] for c in configs], (d, d_in)),
                       _pad([c["n"] for c in configs], (d_in,)), col("a"), col("kappa"), col("eta_u"),
                       col("eta_w"), h, n_steps, n_records)


# ---- initial weights of the linear-model runs (C1–C6) --------------------------------------

def gaussian(rng, d, std, shape=()):
    """i.i.d. N(0, std²) of shape (d, *shape)."""
    return std * rng.standard_normal((d,) + tuple(shape))


def random_orthonormal_pair(rng, d):
    """Two orthonormal vectors in R^d (d >= 2), uniformly rotated."""
    q, _ = np.linalg.qr(rng.standard_normal((d, 2)))
    return q[:, 0], q[:, 1]


def orthogonal_gaussian(rng, draws, d, std_u, std_w):
    """Gaussian (u, w) of shape (draws, d) with w projected orthogonal to u (so f0 = 0)."""
    u = std_u * rng.standard_normal((draws, d))
    w = std_w * rng.standard_normal((draws, d))
    w -= ((u * w).sum(-1) / (u * u).sum(-1))[:, None] * u
    return u, w


def gaussian_pairs(rng, draws, d, std_u=1.0, std_w=1.0):
    """Independent Gaussian (u, w) of shape (draws, d) each (no projection: f0 = u·w is random)."""
    return std_u * rng.standard_normal((draws, d)), std_w * rng.standard_normal((draws, d))


def exact_vs_gd_configs(params, seed):
    """C1/C2 runs: every width × lr ratio × init multiplier, kappa = 1, a = 1 (README: C1 setup)."""
    rng = make_stream(seed, "exact_vs_gd")
    configs, labels = [], []
    for d in params.exact_widths:
        for ratio in params.exact_lr_ratios:
            for m in params.exact_init_mults:
                std = 0.3 * m / np.sqrt(d)
                configs.append(make_config(gaussian(rng, d, std), gaussian(rng, d, std), eta_w=ratio))
                labels.append((d, ratio, m))
    return configs, labels


def phase_gd_configs(params, seed):
    """One orthogonal random init per named parameterization at width phase_gd_width, horizon 30/K∞."""
    rng = make_stream(seed, "phase-gd")
    d, configs = params.phase_gd_width, []
    for exps in theory.NAMED.values():
        kappa, su, sw, eu, ew = theory.scaled_setting(d, *exps)
        u, w = orthogonal_gaussian(rng, 1, d, su, sw)
        configs.append(make_config(u[0], w[0], kappa=kappa, eta_u=eu, eta_w=ew, horizon=30.0))
    return configs


def alignment_configs(params, seed):
    """C4 runs: kernel-scaled (sigma = 1) and small (sigma = 0.02) init at width d, kappa = 1/√d, d_in > 1."""
    rng = make_stream(seed, "alignment")
    d, d_in = params.width, params.d_in
    n = rng.standard_normal(d_in)
    n /= np.linalg.norm(n)
    return [make_config(gaussian(rng, d, s), None, W0=gaussian(rng, d, s, (d_in,)), n=n, kappa=1 / np.sqrt(d),
                        horizon=30.0) for s in (1.0, 0.02)]


def disalignment_configs(params, seed):
    """C5 runs: |u0| = |w0| = √8 at 60° (f0 = 4a), randomly rotated, one per width."""
    rng = make_stream(seed, "disalignment")
    configs = []
    for d in params.disalign_widths:
        e1, e2 = random_orthonormal_pair(rng, d)
        c = np.sqrt(8.0)  # |u0| = |w0| = √8 at 60°: f0 = 8 cos 60° = 4 = 4a
        configs.append(make_config(c * e1, c * (0.5 * e1 + np.sqrt(0.75) * e2), horizon=20.0))
    return configs


def rescaling_configs(params, seed):
    """C6 runs: u0 = w0 = 0.1 v (so C2 = 0), a = 2, one run per eta_w/eta_u ratio."""
    rng = make_stream(seed, "rescaling")
    v = rng.standard_normal(params.rescale_width)
    v /= np.linalg.norm(v)
    return [make_config(0.1 * v, 0.1 * v, a=2.0, eta_w=r, horizon=20.0) for r in params.rescale_lr_ratios]
