"""Parameters of the two-timescale mean-field reproduction (values per profile live in params.yaml).

Conventions (Takakura & Suzuki 2024, Sec. 2.1-2.3): h(x; w) = tanh(u . x + b), w = (u, b), written here
as tanh(w . [x; 1]); G(mu) = (1/2n) sum_j (f(x_j) - y_j)^2 + (lambda_a/2) int a^2 dmu
+ (lambda_w/2) int |w|^2 dmu, plus lambda Ent(mu) for the Langevin dynamics; the second layer is solved
exactly (ridge n * lambda_a). Our `lambda_a`, `lambda_w` are the paper's barred constants
lambda-bar_a = lambda * lambda_a and lambda-bar_w = lambda * lambda_w, and mu_0 = nu = N(0, I / lambda_w)
(`paper_mapping`). Everything runs in float64 (the label-noise drift is a difference of two quadratic forms).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from claimbench.params import ParamsError, param


def paper_mapping(lam: float, lam_a: float, lam_w: float, eta: float) -> dict[str, float]:
    """Our dynamics' constants from the paper's lambda, lambda_a, lambda_w, eta (Sec. 2.1, 2.3)."""
    # lambda-bar_a = lambda lambda_a, lambda-bar_w = lambda lambda_w; mu_0 = nu = N(0, I / lambda_w)
    return {"temperature": lam, "lambda_a": lam * lam_a, "lambda_w": lam * lam_w, "eta": eta,
            "init_std": 1.0 / math.sqrt(lam_w)}


# Sec. 6: "noisy gradient descent with eta = 0.2, lambda = 0.004, lambda_w = 0.25, lambda_a = 0.25"
PAPER_SEC6 = paper_mapping(lam=0.004, lam_a=0.25, lam_w=0.25, eta=0.2)


@dataclass(frozen=True)
class Params:
    # data: x ~ N(0, I_d), f*(x) = x1 * x2, y = f* + eps, eps ~ Unif[-sigma, sigma] (Sec. 6)
    d: int = param(15, lo=2, hi=1000, doc="input dimension for C1, C2, C4, C5 (paper: 15)")
    n_train: int = param(300, lo=8, hi=100_000, doc="training samples n (not stated in the paper)")
    n_test: int = param(2000, lo=10, hi=1_000_000, doc="fresh test points (error against clean f*)")
    # particles and Langevin dynamics (outer loop); the inner second-layer solve is exact
    n_particles: int = param(200, lo=2, hi=100_000, doc="particles N (paper: width m = 2000)")
    particle_counts: tuple[int, ...] = param((250, 500, 1000), lo=2, hi=100_000,
                                             doc="particle counts N for C1's 1/N rate (>= 3 values)")
    steps: int = param(2000, lo=1, hi=1_000_000, doc="outer noisy-gradient steps T (paper: 10,000)")
    record_every: int = param(200, lo=1, hi=100_000, doc="steps between kernel measurements (divides steps)")
    eta: float = param(0.2, lo=0.0, hi=10.0, doc="step size eta (paper: 0.2)")
    temperature: float = param(4e-3, lo=0.0, hi=10.0, doc="entropy weight lambda (paper: 0.004)")
    lambda_w: float = param(1e-3, lo=0.0, hi=100.0,
                            doc="first-layer L2 weight = paper's lambda * lambda_w (paper: 0.004 * 0.25)")
    lambda_a: float = param(1e-3, lo=1e-8, hi=100.0,
                            doc="second-layer L2 weight = paper's lambda * lambda_a; ridge n * lambda_a")
    init_std: float = param(2.0, lo=0.0, hi=100.0,
                            doc="mu_0 = N(0, init_std^2 I) on [u; b] (paper: nu = N(0, I/lambda_w), std 2)")
    # experiment sweeps
    noise_levels: tuple[float, ...] = param((0.0, 2.0), lo=0.0, hi=100.0,
                                            doc="intrinsic label-noise levels sigma for C1, C2, C4 (Fig. 1)")
    label_noise_sigma: float = param(1.0, lo=0.0, hi=100.0, doc="intrinsic noise sigma under C5's procedure")
    label_noise_scales: tuple[float, ...] = param((0.0, 3.0), lo=0.0, hi=100.0,
                                                  doc="label-noise scales sigma~ for C5 (Fig. 2; 0 included)")
    # C3: kernel baselines at d, and the hypercube instance of Thm 4.5 (inputs uniform on {-1, 1}^c3_d)
    c3_n_val: int = param(200, lo=8, hi=100_000, doc="validation samples for tuning the kernel baselines")
    c3_random_features: int = param(2000, lo=2, hi=100_000, doc="features of the initial random-feature kernel")
    c3_d: int = param(30, lo=2, hi=1000, doc="cube: input dimension")
    c3_degree: int = param(2, lo=1, hi=10, doc="cube: f*(x) = x1 * ... * x_degree, a sparse parity")
    c3_n_train: int = param(200, lo=8, hi=100_000,
                            doc="cube: training samples (Thm 4.5's clause: n <= C(c3_d, c3_degree) / 2)")
    c3_init_scale: float = param(1.0, lo=0.0, hi=100.0,
                                 doc="cube: mu_0 = N(0, (c3_init_scale^2 / c3_d) I), std c3_init_scale/sqrt(d)")
    rbf_gammas: tuple[float, ...] = param((0.05, 0.1, 0.2, 0.5, 1.0, 2.0), lo=0.0, hi=1e6,
                                          doc="cube: RBF gamma grid, in units of 1/(2d)")
    ridges: tuple[float, ...] = param((1e-4, 1e-3, 1e-2, 1e-1, 1.0), lo=0.0, hi=1e6,
                                      doc="KRR ridge grid (sklearn alpha, sum-of-squares loss)")

    def check(self) -> None:
        """Constraints between fields, checked before anything runs (the experiments rely on them)."""
        if self.steps % self.record_every:
            raise ParamsError(f"record_every ({self.record_every}) must divide steps ({self.steps})")
        if 0.0 not in self.label_noise_scales or len(self.label_noise_scales) < 2:
            raise ParamsError("label_noise_scales must hold 0 (the reference run) and at least one scale > 0")
        if len(self.particle_counts) < 3:
            raise ParamsError(f"particle_counts needs >= 3 values for a slope, got {len(self.particle_counts)}")
        if self.c3_degree > self.c3_d:
            raise ParamsError(f"c3_degree ({self.c3_degree}) must be at most c3_d ({self.c3_d})")
