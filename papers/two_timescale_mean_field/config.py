"""Parameters of the two-timescale mean-field reproduction (values per profile live in params.yaml).

Conventions (Takakura & Suzuki 2024, Sec. 2-3, as reconstructed in shared/papers/two_timescale_mean_field.md):
h(x; w) = tanh(w . [x; 1]); objective F = (1/2n) sum_j (f(x_j) - y_j)^2 + (lambda_a/2) int a^2 dmu
+ (lambda_w/2) int |w|^2 dmu + lambda int mu log mu; the second layer is solved exactly (ridge n * lambda_a).
Everything runs in float64 (the label-noise drift is a difference of two quadratic forms).
"""
from __future__ import annotations

from dataclasses import dataclass

from claimbench.params import param


@dataclass(frozen=True)
class Params:
    # data: x ~ N(0, I_d), f*(x) = x1 * x2, y = f* + eps, eps ~ Unif[-sigma, sigma]
    d: int = param(15, lo=2, hi=1000, doc="input dimension for C1, C2, C4, C5 (paper: 15)")
    n_train: int = param(200, lo=8, hi=100_000, doc="training samples n")
    n_test: int = param(2000, lo=10, hi=1_000_000, doc="fresh test points (error against clean f*)")
    # particles and Langevin dynamics (outer loop); the inner second-layer solve is exact
    n_particles: int = param(400, lo=2, hi=100_000, doc="particles N for C2-C5 (paper: width m = 2000)")
    particle_counts: tuple[int, ...] = param((50, 100, 400), lo=2, hi=100_000,
                                             doc="particle counts N for C1 (>= 3 values for the 1/N slope)")
    steps: int = param(2000, lo=1, hi=1_000_000, doc="outer noisy-gradient steps T (paper: 10,000)")
    record_every: int = param(100, lo=1, hi=100_000, doc="steps between kernel measurements (divides steps)")
    eta: float = param(0.05, lo=0.0, hi=10.0, doc="step size eta (paper: 0.2)")
    temperature: float = param(1e-3, lo=0.0, hi=10.0, doc="entropy weight lambda (paper: 0.004)")
    lambda_w: float = param(1e-2, lo=0.0, hi=100.0, doc="first-layer L2 weight lambda_w (paper: 0.25)")
    lambda_a: float = param(1e-3, lo=1e-8, hi=100.0, doc="second-layer L2 weight lambda_a; ridge n*lambda_a")
    init_scale: float = param(1.0, lo=0.0, hi=100.0, doc="mu_0 = N(0, (init_scale^2/d) I) on [w; bias]")
    # experiment sweeps
    noise_levels: tuple[float, ...] = param((0.0, 0.5, 1.0, 2.0), lo=0.0, hi=100.0,
                                            doc="intrinsic label-noise levels sigma for C2/C4 (first is C2's)")
    label_noise_sigma: float = param(1.0, lo=0.0, hi=100.0, doc="intrinsic noise sigma under C5's procedure")
    label_noise_scales: tuple[float, ...] = param((0.0, 1.0, 2.0, 3.0), lo=0.0, hi=100.0,
                                                  doc="label-noise scales s for C5 (first must be 0)")
    # C3: network vs fixed kernels where fixed rotation-invariant kernels need many samples
    c3_d: int = param(30, lo=2, hi=1000, doc="input dimension for C3 (d >= 30 with n <= 200: n < d^2/4)")
    c3_degree: int = param(2, lo=1, hi=10, doc="C3 target f*(x) = x1 * ... * x_degree")
    c3_n_val: int = param(200, lo=8, hi=100_000, doc="validation samples for tuning the kernel baselines")
    c3_random_features: int = param(2000, lo=2, hi=100_000, doc="features of the initial random-feature kernel")
    rbf_gammas: tuple[float, ...] = param((0.05, 0.1, 0.2, 0.5, 1.0, 2.0), lo=0.0, hi=1e6,
                                          doc="RBF gamma grid, in units of 1/(2d)")
    ridges: tuple[float, ...] = param((1e-4, 1e-3, 1e-2, 1e-1, 1.0), lo=0.0, hi=1e6,
                                      doc="KRR ridge grid (sklearn alpha, sum-of-squares loss)")
