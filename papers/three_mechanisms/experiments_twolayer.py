"""C7a (Fig. 1 of arXiv 2401.07085v3): the layer alignment ζ of wide two-layer nets over training.

f(z) = κ Σ_i u_i φ(w_i z), κ = 1/√d, no biases, on z (a grid, mean z² = 1) with L = ½ mean_n (f(z_n) − y_n)².
For each activation the backend runs the alignment case (small init, y = a z) and the disalignment
case (|f0| = shrink·|y|) together, then continues the aligned net on targets × tl_rescale (derived
rescaling run). GD steps h = c / max(tr Θ/N, κ·rms(y)) follow the current NTK; each run stops at
L ≤ tl_stop·L0 or at the cap. For φ = identity, L = ½(κ u·w − a)² exactly, so ζ(t) is compared with
`theory.solve` at t = Σ h.
"""
from __future__ import annotations

from typing import Protocol

import numpy as np

from papers.three_mechanisms import data_c7, measures_c7, theory

CASES = ("align", "dis")


class TwoLayerOps(Protocol):
    """What a backend supplies for C7a."""

    def twolayer_gd(self, u0: np.ndarray, w0: np.ndarray, z: np.ndarray, y: np.ndarray, act: str,
                    c: float, stop: float, cap: int, every: int) -> dict:
        """GD of the B nets (rows of u0, w0 (B, d); targets y (B, N)) on ½ mean_n (f − y)², float64.

        Step h_b = c / max(tr Θ_b/N, κ·rms(y_b)); run b freezes once L_b ≤ stop·L_b(0); the loop ends
        at the first record after every run froze, or at cap (a multiple of every). Returns numpy:
        "t", "zeta", "loss", "ntk" (tr Θ/N), "u_norm", "w_norm" of shape (R, B) at steps 0, every,
        2·every, ...; "steps" (B,) steps each run took; "u", "w" (B, d) the final weights.
        """


def _theory_zeta(init: dict, run: dict, z: np.ndarray, kappa: float) -> np.ndarray:
    """cos θ(t) of the closed form at the recorded times, per case (R, 2); a = mean(y z) (mean z² = 1)."""
    cols = []
    for b in range(2):
        a = float(np.mean(init["y"][b] * z))
        cols.append(theory.solve(init["u0"][b], init["w0"][b], a=a, kappa=kappa, times=run["t"][:, b])["cos"])
    return np.stack(cols, 1)


def _one_activation(params, seed: int, ops: TwoLayerOps, act: str, z: np.ndarray) -> dict:
    """Both cases, then the derived rescaling run, of one activation; curves and per-run scalars."""
    init = data_c7.init_twolayer(params, seed, act, z)
    c = params.tl_c_linear if act == "linear" else params.tl_c
    run = ops.twolayer_gd(init["u0"], init["w0"], z, init["y"], act, c, params.tl_stop, params.tl_cap,
                          params.tl_record_every)
    res = ops.twolayer_gd(run["u"][:1], run["w"][:1], z, params.tl_rescale * init["y"][:1], act, c,
                          params.tl_stop, params.tl_rescale_cap, params.tl_record_every)
    zeta, loss, prod = run["zeta"], run["loss"], res["u_norm"][:, 0] * res["w_norm"][:, 0]
    out = {f"{act}_{case}_{k}": v for b, case in enumerate(CASES) for k, v in (
        ("zeta0", zeta[0, b]), ("zetaT", zeta[-1, b]), ("loss_ratio", loss[-1, b] / loss[0, b]),
        ("steps", float(run["steps"][b])), ("wrong_way", measures_c7.compute_wrong_way_step(
            zeta[:, b], 1.0 if case == "align" else -1.0)))}
    out.update({f"{act}_rescale_zeta_change": float(np.abs(res["zeta"][:, 0] - res["zeta"][0, 0]).max()),
                f"{act}_rescale_norm_growth": float(prod[-1] / prod[0]),
                f"{act}_rescale_steps": float(res["steps"][0]),
                f"{act}_rescale_loss_ratio": float(res["loss"][-1, 0] / res["loss"][0, 0]),
                f"curve_t_{act}": run["t"], f"curve_zeta_{act}": zeta, f"curve_loss_{act}": loss,
                f"rescale_t_{act}": res["t"][:, 0], f"rescale_zeta_{act}": res["zeta"][:, 0],
                f"rescale_norm_product_{act}": prod / prod[0]})
    if act == "linear":
        th = _theory_zeta(init, run, z, 1.0 / np.sqrt(params.tl_width))
        out.update({"curve_theory_zeta_linear": th, "linear_zeta_theory_err": float(np.abs(zeta - th).max())})
    return out


def two_layer_fig1(params, seed: int, ops: TwoLayerOps) -> dict:
    """C7a: ζ over training for every activation in the alignment and disalignment case (+ rescaling)."""
    z = data_c7.make_grid(params.tl_points)
    out: dict = {}
    for act in params.tl_acts:
        out.update(_one_activation(params, seed, ops, act, z))
    acts = params.tl_acts
    out.update({
        "align_zeta_final_min": min(out[f"{a}_align_zetaT"] for a in acts),
        "align_zeta0_max_abs": max(abs(out[f"{a}_align_zeta0"]) for a in acts),
        "dis_zeta_ratio_max": max(out[f"{a}_dis_zetaT"] / out[f"{a}_dis_zeta0"] for a in acts),
        "zeta_wrong_way_max": max(out[f"{a}_{c}_wrong_way"] for a in acts for c in CASES),
        "rescale_zeta_change_max": max(out[f"{a}_rescale_zeta_change"] for a in acts),
        "rescale_norm_growth_min": min(out[f"{a}_rescale_norm_growth"] for a in acts),
    })
    return out
