"""The four experiments, written once against a backend's `Ops` (Takakura & Suzuki 2024, Sec. 3-6).

`ops.simulate(Xa, y, W0, chunks, hyper, label_scale) -> (snapshots, objective)` runs the particle MFLD with
the exact second layer (torch_impl / jax_impl); everything else here is numpy, so both backends run the
same protocol on the same numbers. Each experiment returns scalars (claim metrics) and arrays (figures).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Protocol

import numpy as np

from claimbench.metrics import loglog_slope

from . import data as data_mod
from . import measures

DTYPE = "float64"  # both backends compute in float64 (the battery's torch-vs-jax tolerance)


@dataclass(frozen=True)
class Hyper:
    """The scalars one MFLD run needs (a backend-facing view of Params)."""

    eta: float
    temperature: float
    lambda_w: float
    lambda_a: float


def hyper_of(params) -> Hyper:
    """The dynamics' scalars from Params."""
    return Hyper(params.eta, params.temperature, params.lambda_w, params.lambda_a)


class Ops(Protocol):
    """What a backend supplies: the MFLD simulator, numpy in, numpy out."""

    def simulate(self, Xa: np.ndarray, y: np.ndarray, W0: np.ndarray, chunks: Iterable, hyper: Hyper,
                 label_scale: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """(W at 0 and after each chunk of noise, objective G at every step)."""


def _run(ops: Ops, params, seed: int, data: data_mod.Dataset, y: np.ndarray, n_particles: int,
         label_scale: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """One MFLD run from the seed's mu_0 with the seed's Langevin noise; (snapshots, objective per step)."""
    d = data.Xa.shape[1] - 1
    W0 = data_mod.init_weights(seed, n_particles, d, params.init_scale)
    chunks = data_mod.noise_chunks(seed, params.steps, params.record_every, n_particles, d + 1, len(y))
    return ops.simulate(data.Xa, y, W0, chunks, hyper_of(params), label_scale)


def particles(params, seed: int, ops: Ops) -> dict:
    """C1: G(mu_t) = G_data + G_reg along MFLD for each particle count N (abstract: global convergence)."""
    data = data_mod.make_data(seed, params.d, params.n_train, params.n_test, 2, params.c3_n_val)
    y = data.labels(0.0)
    counts = sorted(params.particle_counts)
    objective = np.stack([_run(ops, params, seed, data, y, n)[1] for n in counts])
    tail = max(1, params.steps // 10)
    final = objective[:, -tail:].mean(axis=1)  # time-average over the last 10 % (Langevin noise)
    gaps = np.abs(final[:-1] - final[-1])
    slope = loglog_slope(np.array(counts[:-1]), gaps) if len(counts) >= 3 and np.all(gaps > 0) else np.nan
    return {"objective": objective, "particle_counts": np.array(counts), "objective_final": final,
            "objective_ratio": float(objective[-1, -1] / objective[-1, 0]),
            "objective_max_rolling_rise": measures.compute_max_rolling_rise(objective[-1], 200),
            "particle_gap_slope": float(slope)}


def _kernel_baselines(params, seed: int, data: data_mod.Dataset, y: np.ndarray, nn_mse: float) -> dict:
    """Tuned KRR with the initial random-feature kernel and with an RBF kernel, against the network."""
    d = data.Xa.shape[1] - 1
    W_rf = data_mod.init_weights(seed, params.c3_random_features, d, params.init_scale, stream="rf")
    rf = measures.compute_random_feature_krr_mse(data, y, W_rf, params.ridges)
    rbf = measures.compute_rbf_krr_mse(data, y, params.rbf_gammas, params.ridges)
    return {"input_dim": d, "nn_test_mse": nn_mse, "init_kernel_test_mse": rf, "rbf_test_mse": rbf,
            "null_test_mse": float(np.mean(data.f_test**2)),
            "nn_over_init_kernel": nn_mse / rf, "nn_over_rbf": nn_mse / rbf}


def noise_levels(params, seed: int, ops: Ops) -> dict:
    """C2, C4 (and C3 at d): alignment and df of the learned kernel for several intrinsic noise levels (Fig. 1).

    All levels share X, mu_0, the unit label noise and the Langevin noise: the comparison is paired.
    At the lowest level the network is also compared with tuned kernel baselines (C3 at the paper's d).
    """
    data = data_mod.make_data(seed, params.d, params.n_train, params.n_test, 2, params.c3_n_val)
    sigmas = list(params.noise_levels)
    paths = []
    for sigma in sigmas:
        y = data.labels(sigma)
        snaps, _ = _run(ops, params, seed, data, y, params.n_particles)
        paths.append(measures.compute_path(snaps, data, y, params.lambda_a))
    out = {f"{k}_path": np.stack([p[k] for p in paths]) for k in paths[0]}
    lo, hi = int(np.argmin(sigmas)), int(np.argmax(sigmas))
    df_T = out["df_path"][:, -1]
    out.update(noise_levels=np.array(sigmas), record_steps=np.arange(out["df_path"].shape[1]) * params.record_every,
               align_gain=float(out["align_f_path"][0, -1] / out["align_f_path"][0, 0]),
               align_f_final=float(out["align_f_path"][0, -1]),
               df_final_low_noise=float(df_T[lo]), df_final_high_noise=float(df_T[hi]),
               df_noise_gap=float(df_T[hi] - df_T[lo]))
    base = _kernel_baselines(params, seed, data, data.labels(sigmas[lo]), float(out["test_mse_path"][lo, -1]))
    out.update({f"{k}_d": v for k, v in base.items()})
    return out


def label_noise(params, seed: int, ops: Ops) -> dict:
    """C5: df and test error under the label-noise procedure for several scales s (Fig. 2)."""
    data = data_mod.make_data(seed, params.d, params.n_train, params.n_test, 2, params.c3_n_val)
    y = data.labels(params.label_noise_sigma)
    scales = sorted(params.label_noise_scales)
    paths = []
    for s in scales:
        snaps, _ = _run(ops, params, seed, data, y, params.n_particles, label_scale=s)
        paths.append(measures.compute_path(snaps, data, y, params.lambda_a))
    out = {f"{k}_path": np.stack([p[k] for p in paths]) for k in paths[0]}
    df_T, mse_T = out["df_path"][:, -1], out["test_mse_path"][:, -1]
    out.update(label_noise_scales=np.array(scales),
               record_steps=np.arange(out["df_path"].shape[1]) * params.record_every,
               df_ratio=float(df_T[-1] / df_T[0]),
               df_max_rel_increase=float(np.max(np.diff(df_T) / df_T[0])) if len(scales) > 1 else 0.0,
               test_mse_no_label_noise=float(mse_T[0]),
               best_test_mse_ratio=float(np.min(mse_T[1:]) / mse_T[0]) if len(scales) > 1 else 1.0,
               best_label_noise_scale=float(scales[1 + int(np.argmin(mse_T[1:]))]) if len(scales) > 1 else 0.0)
    return out


def baselines(params, seed: int, ops: Ops) -> dict:
    """C3 at c3_d: test MSE of the network vs KRR with the initial kernel and a tuned RBF kernel (abstract)."""
    data = data_mod.make_data(seed, params.c3_d, params.n_train, params.n_test, params.c3_degree, params.c3_n_val)
    y = data.labels(0.0)
    snaps, _ = _run(ops, params, seed, data, y, params.n_particles)
    nn = measures.compute_path(snaps, data, y, params.lambda_a)["test_mse"]
    out = {"nn_test_mse_path": nn, "record_steps": np.arange(len(nn)) * params.record_every}
    out.update(_kernel_baselines(params, seed, data, y, float(nn[-1])))
    return out


# fn(params, seed, ops); each backend binds them to its kernels (claimbench.experiments.bind).
EXPERIMENTS = {"particles": particles, "noise_levels": noise_levels, "label_noise": label_noise,
               "baselines": baselines}
