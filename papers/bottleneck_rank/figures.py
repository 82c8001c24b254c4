"""Figures for Jacot 2023 (arXiv 2305.19008v3): weight spectra per layer (the Fig. 1 quantity, whose axes
could not be read), representation dimension, the depth sweeps behind C3–C5, the two GD runs of C4 and
symmetry learning (C6, Sec. 5). Informational, in the style of arXiv 2209.15055's rank-recovery figure:
uncentred activation spectra and the ReLU's impact per layer."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.ticker import MaxNLocator

from claimbench.report.theme import new_figure, save_figure


def _spectra(ax, sv: np.ndarray, title: str, thr: float = 0.5) -> None:
    """Top-10 singular values of every W_l, layers on x (one line per index i)."""
    layers = np.arange(1, sv.shape[0] + 1)
    for i in range(sv.shape[1]):
        ax.plot(layers, sv[:, i], marker="o", ms=3, lw=1.2, color=f"C{min(i, 9)}", alpha=1.0 if i < 3 else 0.6)
    ax.axhline(thr, ls="--", color="grey", lw=0.8)
    lo, hi = round(0.25 * len(layers)), round(0.75 * len(layers))
    ax.axvspan(max(lo, 1) - 0.5, hi - 0.5, color="grey", alpha=0.08, label="middle layers")
    ax.set(xlabel="layer l", ylabel="s_i(W_l), i = 1..10", title=title)


def _weight_spectra(runs: list[dict], outdir: Path) -> str:
    r = runs[0]
    fig, ax = new_figure(width=5.2)
    _spectra(ax[0, 0], r["svals_top10"], f"L = {r['depth']}, k = {r['rank']}: weight spectra")
    ax[0, 0].legend(loc="upper right", fontsize=8)
    return save_figure(fig, outdir, "weight_spectra")


def _representation_rank(runs: list[dict], outdir: Path) -> str:
    fig, ax = new_figure(width=5.2)
    for s, r in enumerate(runs):
        layers = np.arange(1, len(r["r99_layers"]) + 1)
        ax[0, 0].plot(layers, r["r99_layers"], marker="o", color="C0", alpha=0.7, label="centred" if s == 0 else None)
        ax[0, 0].plot(layers, r["r99u_layers"], marker="x", ls=":", color="C1", alpha=0.7,
                      label="uncentred" if s == 0 else None)
    ax[0, 0].axhline(runs[0]["rank"], color="grey", ls="--", lw=0.8, label="k")
    ax[0, 0].set(xlabel="hidden layer l", ylabel="r_99 of h_l (99% energy)", title="dimension of the representations")
    ax[0, 0].yaxis.set_major_locator(MaxNLocator(integer=True))
    ax[0, 0].legend(fontsize=8)
    return save_figure(fig, outdir, "representation_rank")


def _activation_spectra(runs: list[dict], outdir: Path) -> str:
    r = runs[0]
    fig, ax = new_figure(width=5.2)
    sv = r["act_svals_top10"]
    layers = np.arange(1, sv.shape[0] + 1)
    for i in range(sv.shape[1]):
        ax[0, 0].semilogy(layers, np.maximum(sv[:, i], 1e-12), marker="o", ms=3, lw=1.2, color=f"C{min(i, 9)}",
                          alpha=1.0 if i < 3 else 0.6)
    ax[0, 0].set(xlabel="hidden layer l", ylabel="s_i(Z_l), i = 1..10 (uncentred)",
                 title=f"L = {r['depth']}, k = {r['rank']}: activation spectra")
    return save_figure(fig, outdir, "activation_spectra")


def _relu_impact(runs: list[dict], outdir: Path) -> str:
    fig, ax = new_figure(width=5.2)
    for s, r in enumerate(runs):
        imp = r["relu_impact_layers"]
        ax[0, 0].semilogy(np.arange(1, imp.size + 1), np.maximum(imp, 1e-6), "o-", color=f"C{s}", alpha=0.8,
                          label=f"seed {s}: middle median {r['relu_impact_mid_median']:.1e}")
    ax[0, 0].set(xlabel="hidden layer l", ylabel="‖Z̃_l − σ(Z̃_l)‖_F / ‖Z̃_l‖_F",
                 title=f"L = {runs[0]['depth']}: impact of the ReLU per layer")
    ax[0, 0].legend(fontsize=7)
    return save_figure(fig, outdir, "relu_impact")


def _norm_vs_depth(runs: list[dict], outdir: Path) -> str:
    fig, ax = new_figure(ncols=2)
    for s, r in enumerate(runs):
        d, w2 = r["sweep_depths"], r["sweep_wnorm2"]
        ax[0, 0].plot(d, w2, "o", color=f"C{s}", label=f"seed {s}: slope {r['wnorm2_slope']:.2f}")
        fit = np.polyfit(d, w2, 1)
        ax[0, 0].plot(d, np.polyval(fit, d), "-", color=f"C{s}", lw=0.8)
        ax[0, 0].plot(d, r["sweep_prop3_rhs_max"], "x:", color=f"C{s}", lw=0.8,
                      label="max_x L Σ s_i(J)^(2/L) (Prop. 3)" if s == 0 else None)
        ax[0, 1].plot(d, r["sweep_excess"], "o-", color=f"C{s}", label=f"E(L) seed {s}")
        ax[0, 1].plot(d, r["sweep_max_2logdet_J"], "x--", color=f"C{s}", label=f"max 2log|J|+ seed {s}")
    ax[0, 0].set(xlabel="depth L", ylabel="‖W‖² (weights)", title="‖W‖² ≈ L·R^(0) + R^(1), ≥ Prop. 3 bound")
    ax[0, 1].set(xlabel="depth L", ylabel="value", title="E(L) = ‖W‖² − L·n vs 2 log|Jf|_+")
    ax[0, 0].legend(fontsize=7)
    ax[0, 1].legend(fontsize=6)
    return save_figure(fig, outdir, "norm_vs_depth")


def _vs_depth(runs: list[dict], outdir: Path, name: str, keys: list[tuple[str, str]], ylabel: str, title: str):
    fig, ax = new_figure(width=4.6)
    for s, r in enumerate(runs):
        for j, (key, label) in enumerate(keys):
            ax[0, 0].plot(r["sweep_depths"], r[key], "o-", color=f"C{j}", alpha=0.7,
                          label=label if s == 0 else None)
    ax[0, 0].set(xlabel="depth L", ylabel=ylabel, title=title)
    ax[0, 0].legend(fontsize=8)
    return save_figure(fig, outdir, name)


def _lr_runs(runs: list[dict], outdir: Path) -> str:
    r = runs[0]
    fig, ax = new_figure(ncols=2, width=4.6)
    for j, tag in enumerate(("small", "big")):
        _spectra(ax[0, j], r[f"gd_{tag}_svals_top10"],
                 f"GD η = {r[f'gd_{tag}_eta']:.3g}: η·λmax/N = {r[f'gd_{tag}_eos']:.2f}")
    ax[0, 1].sharey(ax[0, 0])
    return save_figure(fig, outdir, "lr_runs")


def _symmetry(runs: list[dict], outdir: Path) -> str:
    r = runs[0]
    z, pcs = r["latent_relevant"], r["mid_pcs"]
    second = pcs[:, 1] if pcs.shape[1] > 1 else np.zeros(len(pcs))
    fig, ax = new_figure(ncols=z.shape[1], width=4.0)
    for j in range(z.shape[1]):
        sc = ax[0, j].scatter(pcs[:, 0], second, c=z[:, j], cmap="viridis", s=8)
        fig.colorbar(sc, ax=ax[0, j], label=f"z_{j + 1}")
        ax[0, j].set(xlabel="PC 1", ylabel="PC 2", title=f"middle layer, R²(z_1..k) = {r['knn_r2_relevant']:.2f}")
    return save_figure(fig, outdir, "symmetry")


def _invariance(runs: list[dict], outdir: Path) -> str:
    fig, ax = new_figure(width=5.2)
    for s, r in enumerate(runs):
        irr, rel = r["inv_irr_layers"], r["inv_rel_layers"]
        layers = np.arange(1, irr.size + 1)  # hidden layers 1..L-1, then the output at L
        ax[0, 0].plot(layers, irr, "o-", color="C0", alpha=0.7, label="I_irr: redraw z_{k+1..}" if s == 0 else None)
        ax[0, 0].plot(layers, rel, "x:", color="C1", alpha=0.7, label="I_rel: redraw z_1..z_k" if s == 0 else None)
    ax[0, 0].set(xlabel="layer l (L = output)", ylabel="share of the layer's variance moved",
                 title=f"Sec. 5 task, L = {runs[0]['depth']}: invariance per layer")
    ax[0, 0].legend(fontsize=8)
    return save_figure(fig, outdir, "invariance")


def draw(results: dict[str, list[dict | None]], outdir: Path) -> dict[str, str]:
    """Draw the figures of the `bottleneck` and `symmetry` experiments from their seeds."""
    sym = [r for r in results.get("symmetry", []) if r is not None]
    out = {"symmetry": _symmetry(sym, outdir), "invariance": _invariance(sym, outdir)} if sym else {}
    runs = [r for r in results.get("bottleneck", []) if r is not None]
    if runs:
        out.update(_bottleneck_figures(runs, outdir))
    return out


def _bottleneck_figures(runs: list[dict], outdir: Path) -> dict[str, str]:
    return {
        "weight_spectra": _weight_spectra(runs, outdir),
        "representation_rank": _representation_rank(runs, outdir),
        "norm_vs_depth": _norm_vs_depth(runs, outdir),
        "ntk_vs_depth": _vs_depth(runs, outdir, "ntk_vs_depth", [("sweep_ntk_trace_over_L", "Tr Θ(x,x) / L")],
                                  "Tr Θ / L", "NTK trace per layer (Θ = O(L))"),
        "inner_dim_vs_depth": _vs_depth(runs, outdir, "inner_dim_vs_depth",
                                        [("sweep_n_mid", "median #s_i(W_l) > 0.5"), ("sweep_r99_mid", "median r_99")],
                                        "middle-layer dimension", "inner dimension vs depth"),
        "lr_runs": _lr_runs(runs, outdir),
        "activation_spectra": _activation_spectra(runs, outdir),
        "relu_impact": _relu_impact(runs, outdir),
    }
