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
from . import measures, theory

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
         label_scale: float = 0.0, init_std: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One MFLD run from the seed's mu_0 with the seed's Langevin noise; (snapshots, objective per step)."""
    d = data.Xa.shape[1] - 1
    std = params.init_std if init_std is None else init_std
    W0 = data_mod.init_weights(seed, n_particles, d, std)
    chunks = data_mod.noise_chunks(seed, params.steps, params.record_every, n_particles, d + 1, len(y))
    return ops.simulate(data.Xa, y, W0, chunks, hyper_of(params), label_scale)


def particles(params, seed: int, ops: Ops) -> dict:
    """C1: G(mu_T) = G_data + G_reg for each particle count N; the gap to the largest N (Thm 3.7: O(1/N))."""
    data = data_mod.make_data(seed, params.d, params.n_train, params.n_test, 2, params.c3_n_val)
    y = data.labels(0.0)
    counts = sorted(params.particle_counts)
    objective = np.stack([_run(ops, params, seed, data, y, n)[1] for n in counts])
    tail = max(1, params.steps // 10)
    final = objective[:, -tail:].mean(axis=1)  # time-average over the last 10 % (Langevin noise)
    gaps = np.abs(final[:-1] - final[-1])
    slope = loglog_slope(np.array(counts[:-1]), gaps) if np.all(gaps > 0) else np.nan
    return {"objective": objective, "particle_counts": np.array(counts), "objective_final": final,
            "particle_gap_slope": float(slope)}


def _init_kernel_mse(params, seed: int, data: data_mod.Dataset, y: np.ndarray, init_std: float) -> float:
    """Test MSE of KRR with the initial intrinsic kernel k_{mu_0} (random features at init_std, ridge tuned)."""
    d = data.Xa.shape[1] - 1
    W_rf = data_mod.init_weights(seed, params.c3_random_features, d, init_std, stream="rf")
    return measures.compute_random_feature_krr_mse(data, y, W_rf, params.ridges)


def _sweep(ops: Ops, params, seed: int, data, ys, scales) -> tuple[dict, np.ndarray]:
    """MFLD runs sharing mu_0 and the Langevin noise, one per (labels, label-noise scale); stacked paths."""
    paths, objectives = [], []
    for y, s in zip(ys, scales, strict=True):
        snaps, g = _run(ops, params, seed, data, y, params.n_particles, label_scale=s)
        paths.append(measures.compute_path(snaps, data, y, params.lambda_a))
        objectives.append(g)
    out = {f"{k}_path": np.stack([p[k] for p in paths]) for k in paths[0]}
    out["record_steps"] = np.arange(out["df_path"].shape[1]) * params.record_every
    return out, np.stack(objectives)


def noise_levels(params, seed: int, ops: Ops) -> dict:
    """C1, C2, C3 (at d), C4: objective, alignment and df over training per intrinsic noise sigma (Fig. 1).

    All levels share X, mu_0, the unit label noise and the Langevin noise: the comparison is paired.
    The lowest level's network is compared with KRR on the initial random-feature kernel (C3, Sec. 4).
    """
    data = data_mod.make_data(seed, params.d, params.n_train, params.n_test, 2, params.c3_n_val)
    sigmas = sorted(params.noise_levels)
    out, objective = _sweep(ops, params, seed, data, [data.labels(s) for s in sigmas], [0.0] * len(sigmas))
    df, align = out["df_path"], out["align_f_path"]
    rise = df[:, -1] - df[:, 0]
    nn, rf = float(out["test_mse_path"][0, -1]), _init_kernel_mse(params, seed, data, data.labels(sigmas[0]),
                                                                   params.init_std)
    out.update(noise_levels=np.array(sigmas), objective_path=objective, df_rise=rise,
               objective_ratio=float(objective[0, -1] / objective[0, 0]),
               objective_settle_fraction=measures.compute_settle_fraction(objective[0]),
               align_gain=float(align[0, -1] / align[0, 0]), align_f_final=float(align[0, -1]),
               df_rise_min=float(rise.min()), df_rise_low_noise=float(rise[0]), df_rise_high_noise=float(rise[-1]),
               df_final_low_noise=float(df[0, -1]), df_final_high_noise=float(df[-1, -1]),
               df_noise_gap=float(df[-1, -1] - df[0, -1]),
               nn_test_mse_d=nn, init_kernel_test_mse_d=rf, nn_over_init_kernel_d=nn / rf,
               null_test_mse_d=float(np.mean(data.f_test**2)), input_dim_d=params.d)
    return out


def label_noise(params, seed: int, ops: Ops) -> dict:
    """C5: df and test error under the label-noise procedure for several scales sigma~ (Sec. 5.2, Fig. 2)."""
    data = data_mod.make_data(seed, params.d, params.n_train, params.n_test, 2, params.c3_n_val)
    y = data.labels(params.label_noise_sigma)
    scales = sorted(params.label_noise_scales)
    out, _ = _sweep(ops, params, seed, data, [y] * len(scales), scales)
    df_T, mse_T = out["df_path"][:, -1], out["test_mse_path"][:, -1]
    best = 1 + int(np.argmin(mse_T[1:]))
    out.update(label_noise_scales=np.array(scales), df_ratio=float(df_T[-1] / df_T[0]),
               test_mse_no_label_noise=float(mse_T[0]), best_test_mse_ratio=float(mse_T[best] / mse_T[0]),
               best_label_noise_scale=float(scales[best]), null_test_mse=float(np.mean(data.f_test**2)))
    return out


def cube(params, seed: int, ops: Ops) -> dict:
    """C3 on Thm 4.5's setting: x uniform on {-1, 1}^d, f* a sparse parity; network vs fixed kernels and
    the floor 1 - n / C(d, k) of every permutation-invariant fixed kernel (theory.kernel_floor)."""
    d, k, n = params.c3_d, params.c3_degree, params.c3_n_train
    data = data_mod.make_cube(seed, d, n, params.n_test, k, params.c3_n_val)
    y = data.labels(0.0)
    std = params.c3_init_scale / np.sqrt(d)
    snaps, _ = _run(ops, params, seed, data, y, params.n_particles, init_std=std)
    nn = measures.compute_path(snaps, data, y, params.lambda_a)["test_mse"]
    floor = theory.kernel_floor(n, d, k)
    rf = _init_kernel_mse(params, seed, data, y, std)
    rbf = measures.compute_rbf_krr_mse(data, y, params.rbf_gammas, params.ridges)
    return {"nn_test_mse_path": nn, "record_steps": np.arange(len(nn)) * params.record_every,
            "nn_test_mse": float(nn[-1]), "kernel_floor": floor, "init_kernel_test_mse": rf,
            "rbf_test_mse": rbf, "null_test_mse": float(np.mean(data.f_test**2)),
            "nn_over_floor": float(nn[-1]) / floor, "init_kernel_over_floor": rf / floor,
            "rbf_over_floor": rbf / floor, "input_dim": d}


# fn(params, seed, ops); each backend binds them to its kernels (claimbench.experiments.bind).
EXPERIMENTS = {"particles": particles, "noise_levels": noise_levels, "label_noise": label_noise, "cube": cube}
