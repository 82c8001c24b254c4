"""Parameters of the bottleneck-rank reproduction (Jacot 2023, arXiv 2305.19008v3).

Values for the smoke / fast / full profiles live in the root params.yaml, section `bottleneck_rank`.
Every net is an L-layer ReLU MLP with biases trained on the penalised cost
(1/N) Σ_i ‖f_θ(x_i) − y_i‖² + λ_o‖θ‖² (L2 penalty in the loss, not decoupled AdamW), where
λ_o = λ (`penalty: fixed`) or λ/L (`penalty: per_depth`, the form of the author's arXiv 2209.15055).
"""
from __future__ import annotations

from dataclasses import dataclass

from claimbench.params import ParamsError, param


@dataclass(frozen=True, kw_only=True)
class Params:
    # --- synthetic rank-k task (README, Model and derivation) ---
    rank: int = param(lo=1, hi=16, doc="k = Rank_BN of the target: y depends on k latent coordinates")
    n_samples: int = param(lo=8, hi=100_000, doc="N training points (full batch)")
    latent_dim: int = param(10, lo=1, hi=1000, doc="dimension of the latent z ~ N(0, I)")
    input_map: str = param("identity", choices=("identity", "random_net"),
                           doc="x = z (CPU variant) or x = g(z) with a random shallow net (paper task)")
    d_in: int = param(10, lo=1, hi=10_000, doc="input dimension (must equal latent_dim for identity)")
    d_out: int = param(8, lo=1, hi=10_000, doc="output dimension of y = h(z_1..z_k)")
    target_hidden: int = param(32, lo=1, hi=10_000, doc="hidden units of the random shallow nets g, h")
    # --- network ---
    depth: int = param(lo=2, hi=200, doc="L of the main run (C1, C2, C3a, C4b, C6); trained once, shared")
    depths: tuple[int, ...] = param(lo=2, hi=200, doc="depth sweep (C3b, C4a, C5); reuses the run at `depth`")
    width: int = param(lo=2, hi=10_000, doc="hidden width w")
    dtype: str = param("float64", choices=("float32", "float64"), doc="training dtype (float64 on CPU)")
    # --- Adam phase with L2 penalty in the loss ---
    weight_decay: float = param(lo=0.0, hi=1.0, doc="λ: the penalty is λ_o‖θ‖² (weights and biases)")
    penalty: str = param("fixed", choices=("fixed", "per_depth"),
                         doc="λ_o = λ (fixed) or λ/L (per_depth) for a net of depth L (README, Model)")
    lr: float = param(lo=1e-7, hi=1.0, doc="Adam peak learning rate (cosine decay to lr_final)")
    lr_final: float = param(1e-5, lo=0.0, hi=1.0, doc="Adam learning rate at step `steps`")
    steps: int = param(lo=1, hi=10_000_000, doc="cap on Adam steps (cosine schedule length)")
    conv_window: int = param(500, lo=1, hi=1_000_000, doc="steps between convergence checks")
    conv_tol: float = param(1e-3, lo=0.0, hi=1.0,
                            doc="stop when the penalised loss changes < tol (relative) per window")
    # --- plain GD phase from the Adam checkpoint at `depth` (C4) ---
    gd_steps: int = param(lo=0, hi=10_000_000, doc="full-batch GD steps at each of the two learning rates")
    gd_c_big: float = param(0.3, lo=0.0, hi=10.0, doc="large GD step η = c_big / L")
    gd_c_small: float = param(0.03, lo=0.0, hi=10.0, doc="small GD step η = c_small / L")
    # --- measurement ---
    sv_threshold: float = param(0.5, lo=0.0, hi=10.0, doc="a weight singular value > this counts as order 1")
    energy: float = param(0.99, lo=0.5, hi=1.0, doc="energy fraction for the representation rank r_99")
    mid_lo: float = param(0.25, lo=0.0, hi=1.0, doc="middle layers are l in [round(mid_lo L), round(mid_hi L))")
    mid_hi: float = param(0.75, lo=0.0, hi=1.0, doc="upper end of the middle-layer range (fraction of L)")
    ntk_samples: int = param(128, lo=1, hi=100_000, doc="points used for the Gram NTK λ_max (first ones)")
    # --- C6: a net on the paper's Sec. 5 task T_2 (experiment `symmetry`; task sizes in experiments.py) ---
    c6_depth: int = param(lo=2, hi=200, doc="L of the symmetry net")
    c6_width: int = param(lo=2, hi=10_000, doc="hidden width of the symmetry net")
    c6_n_samples: int = param(lo=8, hi=100_000, doc="N training points of the symmetry task")
    c6_steps: int = param(lo=1, hi=10_000_000, doc="cap on Adam steps of the symmetry net (cosine length)")
    c6_probe_samples: int = param(1024, lo=16, hi=1_000_000,
                                  doc="fresh latents for the invariance index (README, Model and derivation)")

    def penalty_coef(self, depth: int) -> float:
        """λ_o, the coefficient of ‖θ‖² in the loss of a depth-`depth` net."""
        return self.weight_decay / depth if self.penalty == "per_depth" else self.weight_decay

    def check(self) -> None:
        """Constraints between fields, checked before anything runs (make_task relies on them)."""
        if self.input_map == "identity" and self.d_in != self.latent_dim:
            raise ParamsError(f"d_in ({self.d_in}) must equal latent_dim ({self.latent_dim}) when input_map is "
                              "'identity'")
        if self.rank > self.latent_dim:
            raise ParamsError(f"rank ({self.rank}) must be at most latent_dim ({self.latent_dim})")
