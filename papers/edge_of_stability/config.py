"""Parameters of the edge-of-stability paper; values per profile live in params.yaml (`edge_of_stability:`).

All experiments run in float64 (C1 is an identity checked to 1e-8; the training claims use the
same dtype so that "no numerical errors" is tested in one precision).
"""
from __future__ import annotations

from dataclasses import dataclass

from claimbench.params import ParamsError, param

SCALINGS = ("none", "layer_normalized", "fb_normalized", "paper")


@dataclass(frozen=True)
class Params:
    # --- data (shared by all experiments) ---
    dataset: str = param("synthetic", choices=("synthetic", "digits"),
                         doc="synthetic tanh-teacher regression, or sklearn load_digits (offline MNIST stand-in)")
    n_train: int = param(256, lo=8, hi=1797, doc="training examples (digits: at most 1797 minus n_probe)")
    n_probe: int = param(256, lo=8, hi=1000, doc="held-out probe batch for the soft rank of hidden features")
    input_dim: int = param(16, lo=1, hi=4096, doc="synthetic input dimension (digits: fixed 64)")
    n_out: int = param(4, lo=1, hi=100, doc="synthetic outputs (digits: fixed 10, one-hot MSE)")
    teacher_width: int = param(32, lo=1, hi=4096, doc="hidden width of the random tanh teacher (synthetic)")
    # --- proposed model: homogeneous ReLU MLP, no biases, hidden width n_k = base_width * k^r ---
    depth: int = param(4, lo=2, hi=12, doc="number of weight matrices L of the proposed MLP")
    base_width: int = param(32, lo=1, hi=8192, doc="n in n_k = n * k^r")
    r: float = param(2.0, lo=0.0, hi=4.0, doc="width-pattern exponent (0 constant, 1 linear, 2 quadratic)")
    compare_r: float = param(0.0, lo=0.0, hi=4.0, doc="width exponent of the comparison run (same scaling and eta)")
    scaling: str = param("fb_normalized", choices=SCALINGS,
                         doc="depthwise gradient scaling xi_k of the proposed run and of C1: none | layer_normalized "
                             "(c/||G_k||_F) | fb_normalized (c B/(||X_{k-1}||_F ||Delta_k||_F)) | paper (slot)")
    compare_scaling: str = param("layer_normalized", choices=SCALINGS,
                                 doc="scaling of the comparison set of proposed-method claims (ids ending "
                                     "_layer_normalized; statements assume the default)")
    xi_c: float = param(1.0, lo=1e-6, hi=1e6, doc="c in xi_k (both reconstructions; layer_normalized: the "
                                                  "Frobenius norm of each layer's step)")
    lr: float = param(0.2, lo=1e-6, hi=100.0, doc="learning rate eta of the proposed run and the diverging control")
    steps: int = param(400, lo=1, hi=1_000_000, doc="training steps of the proposed run and the stable control")
    batch_size: int = param(0, lo=0, hi=100_000, doc="minibatch size; 0 = full batch (GD)")
    stable_lr: float = param(0.004, lo=1e-8, hi=100.0, doc="plain-GD control at a stable eta (< 2/sharpness at init)")
    control_steps: int = param(100, lo=1, hi=100_000,
                               doc="steps of the plain-GD control at eta = lr (expected to diverge)")
    # --- sharpness measurement (Cohen et al. 2021: Lanczos every eig_every steps) ---
    eig_every: int = param(25, lo=1, hi=1_000_000, doc="steps between sharpness measurements of the proposed runs")
    control_eig_every: int = param(100, lo=1, hi=1_000_000,
                                   doc="steps between sharpness measurements of the plain-GD control at stable_lr")
    eig_tol: float = param(1e-4, lo=1e-12, hi=1e-1, doc="eigsh relative tolerance")
    eig_set_size: int = param(0, lo=0, hi=100_000, doc="examples for the sharpness (first ones); 0 = all training data")
    log_preconditioned: bool = param(True, doc="also log the sharpness of S^1/2 H S^1/2, S = diag(xi_k)")
    # --- C2: Cohen et al. EoS anchor, tanh MLP with biases, plain full-batch GD ---
    eos_widths: tuple[int, ...] = param((64, 64), lo=1, hi=8192, doc="hidden widths of the baseline tanh MLP")
    eos_lr: float = param(0.2, lo=1e-6, hi=100.0, doc="baseline learning rate (2/eta is the EoS line)")
    eos_init_gain: float = param(1 / 3, lo=1e-6, hi=100.0,
                                 doc="baseline W ~ N(0, gain/fan_in); 1/3 = variance of torch's default nn.Linear init")
    eos_steps: int = param(800, lo=1, hi=1_000_000, doc="baseline GD steps")
    eos_eig_every: int = param(50, lo=1, hi=1_000_000, doc="steps between baseline sharpness measurements")
    # --- C1: Taylor coefficients vs the actual one-step loss change ---
    taylor_widths: tuple[int, ...] = param((32, 64), lo=1, hi=8192, doc="hidden widths of the C1 networks")
    taylor_batch: int = param(256, lo=1, hi=100_000, doc="minibatch size B of the C1 step (first B examples)")
    taylor_checkpoints: tuple[int, ...] = param((0, 20, 100), lo=0, hi=1_000_000,
                                                doc="training steps (proposed scaling, eta = lr) at which C1 is tested")
    taylor_eta_fracs: tuple[float, ...] = param((1.0, 0.5, 0.25, 0.125), lo=1e-9, hi=10.0,
                                                doc="step sizes of the test as fractions of lr (each half the last)")

    def check(self) -> None:
        """Constraints between fields, checked before anything runs (the experiments rely on them)."""
        if self.dataset == "digits" and self.n_train + self.n_probe > 1797:
            raise ParamsError(f"n_train + n_probe ({self.n_train + self.n_probe}) must be at most 1797 (the "
                              "digits images) when dataset is 'digits'")
        for key in ("scaling", "compare_scaling"):
            if getattr(self, key) == "paper":
                raise ParamsError(f"{key} 'paper' is a slot that is not implemented yet (see the README); "
                                  "choose none, layer_normalized or fb_normalized")
