"""Figures for Jacot 2023 (arXiv 2305.19008v3): weight spectra per layer (the Fig. 1 quantity, whose axes
could not be read), representation dimension, the depth sweeps behind C3–C5, the two GD runs of C4 and
symmetry learning (C6, Sec. 5). Informational, in the style of arXiv 2209.15055's rank-recovery figure:
uncentred activation spectra and the ReLU's impact per layer."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.ticker import MaxNLocator

from claimbench.report.theme import new_figure, save_figure

_P = "bottleneck_rank."


def _middle(n_layers: int) -> tuple[float, float]:
    """The x-interval of the middle layers [round(L/4), round(3L/4)) that the C1 claims read."""
    return max(round(0.25 * n_layers), 1) - 0.5, round(0.75 * n_layers) - 0.5


def _spectra(ax, svs: list[np.ndarray], title: str, thr: float = 0.5) -> None:
    """Top-10 singular values of every W_l, layers on x (one line per index i; seed 0 solid, others faint)."""
    layers = np.arange(1, svs[0].shape[0] + 1)
    for s, sv in enumerate(svs):
        for i in range(sv.shape[1]):
            alpha = (1.0 if i < 3 else 0.6) * (1.0 if s == 0 else 0.3)
            ax.plot(layers, sv[:, i], marker="o", ms=3 if s == 0 else 0, lw=1.2, color=f"C{min(i, 9)}", alpha=alpha)
    ax.axhline(thr, ls="--", color="grey", lw=0.8, label=f"count threshold {thr:g}")
    ax.axvspan(*_middle(len(layers)), color="grey", alpha=0.08, label="middle layers")
    ax.set(xlabel=r"layer $\ell$", ylabel=r"$s_i(W_\ell)$, $i = 1..10$", title=title)


def _weight_spectra(runs: list[dict], outdir: Path) -> str:
    r = runs[0]
    fig, ax = new_figure(width=5.4, height=3.4)
    _spectra(ax[0, 0], [x["svals_top10"] for x in runs],
             f"$L = {r['depth']}$, $k = {r['rank']}$: weight spectra ({len(runs)} seeds)")
    for claim, label in (("c1_top_values_near_one_low", "claim: top middle values in range"),
                         ("c1_top_values_near_one_high", None)):
        ax[0, 0].mark_claim(_P + claim, label=label, span=_middle(r["svals_top10"].shape[0]))
    fig.legend(loc="outside lower center", ncols=3)
    return save_figure(fig, outdir, "weight_spectra")


def _representation_rank(runs: list[dict], outdir: Path) -> str:
    fig, ax = new_figure(width=5.2)
    for s, r in enumerate(runs):
        layers = np.arange(1, len(r["r99_layers"]) + 1)
        ax[0, 0].plot(layers, r["r99_layers"], marker="o", color="C0", alpha=0.7, label="centred" if s == 0 else None)
        ax[0, 0].plot(layers, r["r99u_layers"], marker="x", ls=":", color="C1", alpha=0.7,
                      label="uncentred" if s == 0 else None)
    k = runs[0]["rank"]
    ax[0, 0].axhline(k, color="grey", ls="--", lw=0.8, label="$k$")
    ax[0, 0].mark_claim(_P + "c2_mid_representation_rank_at_most_k_plus_1", offset=k,
                        span=_middle(len(runs[0]["r99_layers"]) + 1), label="claim: middle layers at most")
    ax[0, 0].set(xlabel=r"hidden layer $\ell$", ylabel=r"$r_{99}(h_\ell)$ (99% of the energy)",
                 title=f"dimension of the representations ({len(runs)} seeds)")
    ax[0, 0].yaxis.set_major_locator(MaxNLocator(integer=True))
    fig.legend(loc="outside lower center", ncols=4)
    return save_figure(fig, outdir, "representation_rank")


def _activation_spectra(runs: list[dict], outdir: Path) -> str:
    r = runs[0]
    fig, ax = new_figure(width=5.2)
    sv = r["act_svals_top10"]
    layers = np.arange(1, sv.shape[0] + 1)
    for i in range(sv.shape[1]):
        ax[0, 0].semilogy(layers, np.maximum(sv[:, i], 1e-12), marker="o", ms=3, lw=1.2, color=f"C{min(i, 9)}",
                          alpha=1.0 if i < 3 else 0.6)
    ax[0, 0].axvspan(*_middle(sv.shape[0] + 1), color="grey", alpha=0.08, label="middle layers")
    ax[0, 0].set(xlabel=r"hidden layer $\ell$", ylabel=r"$s_i(Z_\ell)$, $i = 1..10$ (uncentred)",
                 title=f"$L = {r['depth']}$, $k = {r['rank']}$: activation spectra (seed 0)")
    ax[0, 0].legend()
    return save_figure(fig, outdir, "activation_spectra")


def _relu_impact(runs: list[dict], outdir: Path) -> str:
    fig, ax = new_figure(width=5.2)
    for s, r in enumerate(runs):
        imp = r["relu_impact_layers"]
        ax[0, 0].semilogy(np.arange(1, imp.size + 1), np.maximum(imp, 1e-6), "o-", color=f"C{s}", alpha=0.8,
                          label=f"seed {s}: middle median {r['relu_impact_mid_median']:.1e}")
    ax[0, 0].axvspan(*_middle(runs[0]["relu_impact_layers"].size + 1), color="grey", alpha=0.08)
    ax[0, 0].set(xlabel=r"hidden layer $\ell$",
                 ylabel=r"$\|\tilde Z_\ell - \sigma(\tilde Z_\ell)\|_F / \|\tilde Z_\ell\|_F$",
                 title=f"$L = {runs[0]['depth']}$: impact of the ReLU per layer")
    ax[0, 0].legend()
    return save_figure(fig, outdir, "relu_impact")


def _norm_vs_depth(runs: list[dict], outdir: Path) -> str:
    fig, ax = new_figure(ncols=2, width=4.4)
    for s, r in enumerate(runs):
        d, w2 = r["sweep_depths"], r["sweep_wnorm2"]
        ax[0, 0].plot(d, w2, "o", color=f"C{s}", label=f"seed {s}: slope {r['wnorm2_slope']:.2f}")
        fit = np.polyfit(d, w2, 1)
        ax[0, 0].plot(d, np.polyval(fit, d), "-", color=f"C{s}", lw=0.8)
        ax[0, 0].plot(d, r["sweep_prop3_rhs_max"], "x:", color=f"C{s}", lw=0.8,
                      label=r"$\max_x L \sum_i s_i(J)^{2/L}$ (Prop. 3)" if s == 0 else None)
        ax[0, 1].plot(d, r["sweep_excess"], "o-", color=f"C{s}", label="$E(L)$" if s == 0 else None)
        ax[0, 1].plot(d, r["sweep_max_2logdet_J"], "x--", color=f"C{s}",
                      label=r"$\max_x 2\log|J_f(x)|_+$" if s == 0 else None)
    ax[0, 0].set(xlabel="depth $L$", ylabel=r"$\|W\|^2$ (weights)",
                 title=r"$\|W\|^2 \approx L R^{(0)} + R^{(1)} \geq$ Prop. 3 bound")
    ax[0, 1].set(xlabel="depth $L$", ylabel="value (colour: seed)",
                 title=r"$E(L) = \|W\|^2 - L n$  vs  $2\log|J_f|_+$")
    ax[0, 0].legend()
    ax[0, 1].legend()
    return save_figure(fig, outdir, "norm_vs_depth")


def _vs_depth(runs: list[dict], outdir: Path, name: str, keys: list[tuple[str, str]], ylabel: str, title: str,
              claim: tuple[str, str, float] | None = None, relative: bool = False):
    """Sweep quantities against depth, every seed; `relative` divides by the value at the smallest depth."""
    fig, ax = new_figure(width=4.8)
    for s, r in enumerate(runs):
        for j, (key, label) in enumerate(keys):
            y = np.asarray(r[key], dtype=float)
            ax[0, 0].plot(r["sweep_depths"], y / y[0] if relative else y, "o-", color=f"C{j}", alpha=0.7,
                          label=label if s == 0 else None)
    if claim:
        ax[0, 0].mark_claim(_P + claim[0], label=claim[1], offset=claim[2])
    ax[0, 0].set(xlabel="depth $L$", ylabel=ylabel, title=f"{title} ({len(runs)} seeds)")
    ax[0, 0].legend()
    return save_figure(fig, outdir, name)


def _lr_runs(runs: list[dict], outdir: Path) -> str:
    r = runs[0]
    fig, ax = new_figure(ncols=2, width=4.6)
    for j, tag in enumerate(("small", "big")):
        _spectra(ax[0, j], [x[f"gd_{tag}_svals_top10"] for x in runs],
                 rf"GD $\eta = {r[f'gd_{tag}_eta']:.3g}$: $\eta\lambda_{{\max}}/N = {r[f'gd_{tag}_eos']:.2f}$")
    ax[0, 1].sharey(ax[0, 0])
    fig.legend(*ax[0, 0].get_legend_handles_labels(), loc="outside lower center", ncols=2)
    fig.suptitle(f"Weight spectra after GD at two step sizes ({len(runs)} seeds; titles: seed 0)")
    return save_figure(fig, outdir, "lr_runs")


def _symmetry(runs: list[dict], outdir: Path) -> str:
    r = runs[0]
    z, pcs = r["latent_relevant"], r["mid_pcs"]
    second = pcs[:, 1] if pcs.shape[1] > 1 else np.zeros(len(pcs))
    fig, ax = new_figure(ncols=z.shape[1], width=4.0)
    for j in range(z.shape[1]):
        sc = ax[0, j].scatter(pcs[:, 0], second, c=z[:, j], cmap="viridis", s=8)
        fig.colorbar(sc, ax=ax[0, j], label=f"$z_{j + 1}$")
        ax[0, j].set(xlabel="PC 1", ylabel="PC 2",
                     title=rf"middle layer, seed 0: $R^2(z_{{1..k}}) = {r['knn_r2_relevant']:.2f}$")
    return save_figure(fig, outdir, "symmetry")


def _invariance(runs: list[dict], outdir: Path) -> str:
    fig, ax = new_figure(width=5.2)
    for s, r in enumerate(runs):
        irr, rel = r["inv_irr_layers"], r["inv_rel_layers"]
        layers = np.arange(1, irr.size + 1)  # hidden layers 1..L-1, then the output at L
        ax[0, 0].plot(layers, irr, "o-", color="C0", alpha=0.7,
                      label=r"$I_{irr}$: redraw $z_{k+1..}$" if s == 0 else None)
        ax[0, 0].plot(layers, rel, "x:", color="C1", alpha=0.7,
                      label=r"$I_{rel}$: redraw $z_{1..k}$" if s == 0 else None)
    ax[0, 0].axvspan(*_middle(runs[0]["inv_irr_layers"].size), color="grey", alpha=0.08, label="middle layers")
    ax[0, 0].set(xlabel=r"layer $\ell$ ($L$ = output)", ylabel="share of the layer's variance moved",
                 title=f"Sec. 5 task, $L = {runs[0]['depth']}$: invariance per layer (seeds: {len(runs)})")
    ax[0, 0].legend()
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
    """The figures of the `bottleneck` experiment (Fig. 1 quantities, depth sweeps, GD runs)."""
    return {
        "weight_spectra": _weight_spectra(runs, outdir),
        "representation_rank": _representation_rank(runs, outdir),
        "norm_vs_depth": _norm_vs_depth(runs, outdir),
        "ntk_vs_depth": _vs_depth(runs, outdir, "ntk_vs_depth",
                                  [("sweep_ntk_trace_over_L", r"$\mathrm{Tr}\,\Theta(x,x) / L$")],
                                  "relative to the smallest depth", r"NTK trace per layer ($\Theta = O(L)$)",
                                  ("c4_ntk_trace_order_L", "claim: max below", 0.0), relative=True),
        "inner_dim_vs_depth": _vs_depth(runs, outdir, "inner_dim_vs_depth",
                                        [("sweep_n_mid", r"median $\#\{i: s_i(W_\ell) > 0.5\}$"),
                                         ("sweep_r99_mid", r"median $r_{99}$")],
                                        "middle-layer dimension", "inner dimension vs depth",
                                        ("c5_inner_dim_reaches_k", "claim: at the largest depth",
                                         float(runs[0]["rank"]))),
        "lr_runs": _lr_runs(runs, outdir),
        "activation_spectra": _activation_spectra(runs, outdir),
        "relu_impact": _relu_impact(runs, outdir),
    }
