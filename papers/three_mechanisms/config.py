"""Parameters of the three-mechanisms reproduction; values per profile live in params.yaml.

C1–C6 run the linear model in float64 (closed form in numpy, gradient descent in torch/jax);
C7a trains wide two-layer nets on a 1-D regression task in float64 (Fig. 1); C7b/C7c train ReLU
MLPs on scikit-learn's digits in float32 (Figs. 2, 3).
"""
from __future__ import annotations

from dataclasses import dataclass

from claimbench.params import ParamsError, param


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
    # ---- C7a (Fig. 1): two-layer nets f(z) = κ Σ_i u_i φ(w_i z), κ = 1/√d, on a 1-D regression task
    # hidden width d of the two-layer nets (the paper: 10000)
    tl_width: int = param(1024, lo=2, hi=65536, doc="C7a width d (kappa = 1/sqrt(d))")
    # number of grid inputs z (evenly spaced, mean z² = 1)
    tl_points: int = param(16, lo=2, hi=4096, doc="C7a regression inputs")
    # activations drawn as the columns of Fig. 1 (must include linear: the theory comparison)
    tl_acts: tuple[str, ...] = param(("linear", "relu", "leaky_relu", "sigmoid", "swish"),
                                     choices=("linear", "relu", "leaky_relu", "sigmoid", "swish"),
                                     doc="C7a activations")
    # alignment case: u0, w0 ~ N(0, std²) i.i.d., target y = slope · z
    tl_align_std: float = param(0.01, lo=1e-8, hi=10.0, doc="C7a alignment-case init std")
    tl_target_slope: float = param(1.0, lo=1e-3, hi=1e3, doc="C7a alignment-case target slope a")
    # disalignment case: w0 = ρ u0 + √(1−ρ²) g, target y = f0/shrink
    tl_dis_rho: float = param(0.5, lo=0.0, hi=0.99, doc="C7a disalignment-case init correlation rho")
    tl_dis_shrink: float = param(4.0, lo=1.01, hi=1e3, doc="C7a disalignment target y = f0/shrink")
    # GD step h = c / max(tr Θ/N, κ·rms(y)); c for the linear net (theory comparison) and the others
    tl_c_linear: float = param(0.02, lo=1e-5, hi=1.0, doc="C7a step factor c, linear net")
    tl_c: float = param(0.1, lo=1e-5, hi=1.0, doc="C7a step factor c, nonlinear nets")
    # stop when L <= tl_stop · L0, or after tl_cap steps (a multiple of tl_record_every)
    tl_stop: float = param(1e-3, lo=0.0, hi=0.5, doc="C7a loss-ratio stop")
    tl_cap: int = param(2500, lo=1, hi=10_000_000, doc="C7a step cap")
    tl_record_every: int = param(1, lo=1, hi=100000, doc="C7a steps between recorded points")
    # derived rescaling run: the aligned net continued on targets multiplied by tl_rescale
    tl_rescale: float = param(3.0, lo=1.01, hi=100.0, doc="C7a rescaling-run target factor")
    tl_rescale_cap: int = param(1000, lo=1, hi=10_000_000, doc="C7a rescaling-run step cap")
    # ---- C7b (Fig. 2): four-layer ReLU MLP on digits; C7c (Fig. 3): two-layer ReLU MLP on digits
    deep_width: int = param(128, lo=4, hi=8192, doc="C7b hidden width")
    deep_layers: int = param(4, lo=3, hi=12, doc="C7b weight layers (4: 64-w-w-w-10)")
    deep_alphas: tuple[float, ...] = param((0.5, 1.0, 2.0), lo=1e-3, hi=100.0, doc="C7b init scales")
    deep_loss_target: float = param(0.2, lo=1e-4, hi=0.5, doc="C7b full-train loss to stop at")
    deep_cap: int = param(2000, lo=1, hi=1_000_000, doc="C7b SGD step cap (multiple of mlp_block)")
    shallow_width: int = param(128, lo=4, hi=8192, doc="C7c hidden width (64-w-10)")
    shallow_alphas: tuple[float, ...] = param((0.5, 1.0, 2.0), lo=1e-3, hi=100.0, doc="C7c init scales")
    shallow_loss_target: float = param(0.1, lo=1e-4, hi=0.5, doc="C7c train loss of the comparison")
    shallow_cap: int = param(4000, lo=1, hi=1_000_000, doc="C7c SGD step cap (multiple of mlp_block)")
    # SGD: minibatch size (0 = full batch), lr = mlp_c / λ_t with λ_t the probe NTK's top eigenvalue / probes
    mlp_batch: int = param(128, lo=0, hi=2000, doc="C7b/c batch size (0: full batch)")
    mlp_probes: int = param(64, lo=4, hi=512, doc="C7b/c probe inputs of the NTK eigenvalue")
    mlp_c: float = param(1.0, lo=1e-3, hi=1.9, doc="C7b/c lr = c / lambda_max")
    # λ_t is refreshed (warm-started power iteration) and the full-train loss checked every block
    mlp_block: int = param(10, lo=1, hi=10000, doc="C7b/c SGD steps between lr refresh and checks")
    mlp_power_iters0: int = param(20, lo=1, hi=1000, doc="C7b/c power iterations at step 0")
    mlp_power_iters: int = param(4, lo=1, hi=1000, doc="C7b/c power iterations per refresh")

    def check(self) -> None:
        """Constraints between fields (raises ParamsError naming them)."""
        if "linear" not in self.tl_acts:
            raise ParamsError("tl_acts: must include 'linear' (the theory comparison of C7a)")
        for cap, every, names in ((self.tl_cap, self.tl_record_every, "tl_cap, tl_record_every"),
                                  (self.tl_rescale_cap, self.tl_record_every, "tl_rescale_cap, tl_record_every"),
                                  (self.deep_cap, self.mlp_block, "deep_cap, mlp_block"),
                                  (self.shallow_cap, self.mlp_block, "shallow_cap, mlp_block")):
            if cap % every:
                raise ParamsError(f"{names}: the cap {cap} must be a multiple of {every}")
        for name in ("deep_alphas", "shallow_alphas"):
            alphas = getattr(self, name)
            if len(alphas) < 2 or list(alphas) != sorted(set(alphas)):
                raise ParamsError(f"{name}: need at least two init scales in increasing order, got {list(alphas)}")
