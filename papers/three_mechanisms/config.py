"""Parameters of the three-mechanisms reproduction; values per profile live in params.yaml.

C1–C6 run the linear model in float64 (closed form in numpy, gradient descent in torch/jax);
C7 trains a small ReLU MLP on scikit-learn's digits in float32.
"""
from __future__ import annotations

from dataclasses import dataclass

from claimbench.params import param


@dataclass(frozen=True)
class Params:
    """Sizes and tolerances-free settings of every experiment (the thresholds live in claims.py)."""

    # hidden width d of the C4 alignment run (kappa = 1/√d, NTK-style scaling)
    width: int = param(256, lo=2, hi=65536, doc="hidden width d of the C4 alignment run")
    # input dimension of the C4 run (1-D data x = z·n along a unit vector n in R^{d_in})
    d_in: int = param(8, lo=2, hi=256, doc="input dimension of the C4 run (data lie along one direction)")
    # widths of the C1/C2 exact-vs-GD comparison
    exact_widths: tuple[int, ...] = param((1, 4, 16, 256), lo=1, hi=65536, doc="widths of C1/C2")
    # eta_w / eta_u ratios of C1/C2 (eta_u = 1)
    exact_lr_ratios: tuple[float, ...] = param((1.0, 0.5), lo=1e-3, hi=1e3, doc="eta_w/eta_u in C1/C2")
    # init std multipliers m in sigma = 0.3 m / √d for C1/C2
    exact_init_mults: tuple[float, ...] = param((1.0, 10.0), lo=1e-3, hi=1e3, doc="sigma = 0.3 m/√d")
    # Euler accuracy: step h chosen so that h · max(K0, K∞) <= hk
    hk: float = param(1e-3, lo=1e-6, hi=0.5, doc="h · max(K0, K∞) of every GD run")
    # cap on GD steps per run; the horizon is shortened (never the accuracy) if it would be exceeded
    max_steps: int = param(20000, lo=10, hi=10_000_000, doc="GD step cap per run (horizon shrinks)")
    # number of recorded time points per GD trajectory
    n_records: int = param(100, lo=4, hi=10000, doc="recorded time points per trajectory")
    # widths of the C3 phase-diagram fits (closed form)
    phase_widths: tuple[int, ...] = param((64, 256, 1024, 4096), lo=2, hi=1 << 22, doc="C3 widths")
    # random draws averaged at the smallest C3 width (fewer at larger d: equal noise per width)
    phase_draws: int = param(1024, lo=1, hi=100000, doc="C3 draws at the smallest width")
    # grid step of the C3 (q, p) heat map over [0, 1.5]²
    phase_grid_step: float = param(0.25, lo=0.0625, hi=0.75, doc="C3 (q, p) grid step")
    # width of the C3 gradient-descent confirmation runs
    phase_gd_width: int = param(1024, lo=2, hi=65536, doc="C3 GD confirmation width")
    # widths of the C5 hand-picked large-init runs (GD)
    disalign_widths: tuple[int, ...] = param((2, 8), lo=2, hi=65536, doc="C5 GD widths")
    # widths of the C5 finite-width scaling of the kernel drop (closed form)
    disalign_scaling_widths: tuple[int, ...] = param((16, 64, 256, 1024, 4096), lo=2, hi=1 << 22,
                                                     doc="C5 scaling widths")
    # random large inits averaged per width in the C5 scaling
    disalign_draws: int = param(100, lo=2, hi=100000, doc="C5 draws per width")
    # width of the C6 rescaling runs (u0 ∥ w0)
    rescale_width: int = param(16, lo=1, hi=65536, doc="C6 width")
    # eta_w / eta_u ratios of C6
    rescale_lr_ratios: tuple[float, ...] = param((0.25, 1.0, 4.0), lo=1e-3, hi=1e3, doc="C6 eta_w/eta_u")
    # hidden width of the C7 mechanism runs (MLP 64-w-w-10)
    mlp_width: int = param(256, lo=4, hi=8192, doc="C7 MLP hidden width")
    # widths of the C7 kernel-vs-width trend (first and last are compared)
    mlp_trend_widths: tuple[int, ...] = param((64, 512), lo=4, hi=8192, doc="C7 trend widths")
    # init multipliers alpha on PyTorch's default init (small, standard, large)
    mlp_alphas: tuple[float, ...] = param((0.25, 1.0, 4.0), lo=1e-3, hi=100.0, doc="C7 init multipliers")
    # SGD steps of every C7 run
    mlp_steps: int = param(300, lo=1, hi=100000, doc="C7 SGD steps")
    # minibatch size of C7 (0 = full batch)
    mlp_batch: int = param(128, lo=0, hi=2000, doc="C7 batch size (0: full batch)")
    # base learning rate of C7 (lowered per run to keep lr · λmax(NTK0)/batch <= 1)
    mlp_lr: float = param(8.0, lo=1e-5, hi=100.0, doc="C7 base learning rate")
    # probe inputs of the C7 empirical NTK
    mlp_probes: int = param(64, lo=4, hi=512, doc="C7 NTK probe inputs")
