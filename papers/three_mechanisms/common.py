"""Framework-neutral parts of the linear-model experiments: initialisations, GD schedules, references.

Both backends build their runs from `LinearBatch` (initial weights drawn here with numpy from the
seed), simulate gradient descent on L = ½(kappa uᵀW n − a)², and hand the recorded weights back to
`trajectory_stats` and the closed form `exact_on_grid`. Configurations of different widths share
one batch by zero padding: a zero coordinate has zero gradient and stays zero, so padding is exact.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from claimbench.seeding import make_rng
from papers.three_mechanisms import theory


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


def exact_on_grid(batch: LinearBatch) -> dict[str, np.ndarray]:
    """Closed-form trajectories of every run at its record times: f, ntk, cos (B, R+1), u, w (B, R+1, d)."""
    outs = [theory.solve(batch.u0[b], batch.w0[b], a=batch.a[b], kappa=batch.kappa[b],
                         eta_u=batch.eta_u[b], eta_w=batch.eta_w[b], times=batch.times[b])
            for b in range(len(batch.a))]
    return {k: np.stack([o[k] for o in outs]) for k in ("f", "ntk", "cos", "u", "w", "u_norm", "w_norm")}


def trajectory_stats(batch: LinearBatch, u: np.ndarray, w: np.ndarray) -> dict[str, np.ndarray]:
    """f, NTK, cos θ, norms and the conserved quantities from recorded weights u, w (B, R+1, d)."""
    k, eu, ew = batch.kappa[:, None], batch.eta_u[:, None], batch.eta_w[:, None]
    uu, ww, uw = (u * u).sum(-1), (w * w).sum(-1), (u * w).sum(-1)
    den = np.sqrt(uu * ww)
    return {"f": k * uw, "ntk": k**2 * (eu * ww + ew * uu), "u_norm": np.sqrt(uu), "w_norm": np.sqrt(ww),
            "cos": np.divide(uw, den, out=np.zeros_like(den), where=den > 0),
            "c1": ew * uu - eu * ww, "c2": uu * ww - uw**2}


def ode_reference(batch: LinearBatch, b: int, rtol=1e-12, atol=1e-14) -> tuple[np.ndarray, np.ndarray]:
    """Adaptive-solver (DOP853) gradient flow of run b at its record times: u, w of shape (R+1, d)."""
    u0, w0 = batch.u0[b], batch.w0[b]
    a, k, eu, ew, d = batch.a[b], batch.kappa[b], batch.eta_u[b], batch.eta_w[b], u0.size

    def rhs(_t, x):
        u, w = x[:d], x[d:]
        # du/dt = −η_u κ e w, dw/dt = −η_w κ e u, e = κ u·w − a
        e = k * (u @ w) - a
        return np.concatenate([-eu * k * e * w, -ew * k * e * u])

    t = batch.times[b]
    sol = solve_ivp(rhs, (0.0, t[-1]), np.concatenate([u0, w0]), method="DOP853", t_eval=t,
                    rtol=rtol, atol=atol)
    return sol.y[:d].T, sol.y[d:].T


def gaussian(rng, d, std, shape=()):
    """i.i.d. N(0, std²) of shape (d, *shape)."""
    return std * rng.standard_normal((d,) + tuple(shape))


def random_orthonormal_pair(rng, d):
    """Two orthonormal vectors in R^d (d >= 2), uniformly rotated."""
    q, _ = np.linalg.qr(rng.standard_normal((d, 2)))
    return q[:, 0], q[:, 1]


def exact_vs_gd_configs(params, seed):
    """C1/C2 runs: every width × lr ratio × init multiplier, kappa = 1, a = 1 (spec §4 C1)."""
    rng = make_rng(seed, "three_mechanisms/exact_vs_gd")
    configs, labels = [], []
    for d in params.exact_widths:
        for ratio in params.exact_lr_ratios:
            for m in params.exact_init_mults:
                std = 0.3 * m / np.sqrt(d)
                configs.append(make_config(gaussian(rng, d, std), gaussian(rng, d, std), eta_w=ratio))
                labels.append((d, ratio, m))
    return configs, labels
