"""C7 figures in the paper's layouts (arXiv 2401.07085v3, Figs. 1-3), from every seed's measurements.

fig1_two_layer: ζ(t) for five activations (columns) in the alignment (upper row) and disalignment (lower
row) case, one line per seed; the linear column draws the closed form as lines and GD as points.
rescaling_two_layer: the derived rescaling run (ζ frozen, |u||w| grows). fig2_deep_mlp: ζ̄ and the train
loss against the step per init scale. fig3_two_layer_relu: the test-train gap, test loss and accuracy at
equal train loss against the init scale, and ζ.
"""
from __future__ import annotations

import numpy as np
from matplotlib.ticker import NullFormatter

from claimbench.report.theme import new_figure, save_figure
from papers.three_mechanisms.data_c7 import ACTIVATIONS

CASE_TITLES = ("alignment: small init, |f0| ≪ |y|", "disalignment: |f0| = 4|y|")


def _seeds(runs):
    return [r for r in runs or [] if r is not None]


def _log_time_axis(ax):
    """Log t axis with labelled decades only (t > 0 points)."""
    ax.set_xscale("log")
    ax.xaxis.set_minor_formatter(NullFormatter())


def draw_fig1(runs, outdir):
    acts = [a for a in ACTIVATIONS if f"curve_zeta_{a}" in runs[0]]
    fig, ax = new_figure(len(acts), 2, width=2.5, height=2.3)
    for col, act in enumerate(acts):
        for s, m in enumerate(runs):
            # log time axis (t > 0): the fast early rise and the slow approach both show
            t, zeta = np.asarray(m[f"curve_t_{act}"])[1:], np.asarray(m[f"curve_zeta_{act}"])[1:]
            marks = np.unique(np.geomspace(1, len(t), 16).astype(int)) - 1
            for row in range(2):
                if act == "linear":
                    ax[row, col].plot(t[:, row], m["curve_theory_zeta_linear"][1:, row], color=f"C{s}", lw=1.2,
                                      label="theory" if s == 0 else None)
                    ax[row, col].plot(t[marks, row], zeta[marks, row], "o", ms=3, color=f"C{s}",
                                      label="GD" if s == 0 else None)
                else:
                    ax[row, col].plot(t[:, row], zeta[:, row], color=f"C{s}", lw=1.2, label=f"seed {s}")
                _log_time_axis(ax[row, col])
        ax[0, col].set(title=act)
        ax[1, col].set(xlabel="t = Σ h")
    for row in range(2):
        ax[row, 0].set(ylabel=f"ζ = cos(u, w)\n{CASE_TITLES[row]}")
        ax[row, 0].legend()
    return save_figure(fig, outdir, "fig1_two_layer")


def draw_rescaling(runs, outdir):
    acts = [a for a in ACTIVATIONS if f"rescale_zeta_{a}" in runs[0]]
    fig, ax = new_figure(2, 1, width=4.4)
    for i, act in enumerate(acts):
        for s, m in enumerate(runs):
            t = np.asarray(m[f"rescale_t_{act}"])
            label = act if s == 0 else None
            ax[0, 0].plot(t, m[f"rescale_zeta_{act}"] - m[f"rescale_zeta_{act}"][0], color=f"C{i}", label=label)
            ax[0, 1].plot(t, m[f"rescale_norm_product_{act}"], color=f"C{i}", label=label)
    ax[0, 0].set(xlabel="t", ylabel="ζ(t) − ζ(start)", title="aligned nets, targets × 3 (derived)")
    ax[0, 1].set(xlabel="t", ylabel="|u||w| / start", title="the norms carry the change")
    ax[0, 0].legend()
    return save_figure(fig, outdir, "rescaling_two_layer")


def _alphas(m, prefix):
    keys = [k for k in m if k.startswith(f"curve_{prefix}_a") and k.endswith("_zeta_bar")]
    return sorted(k[len(f"curve_{prefix}_a"):-len("_zeta_bar")] for k in keys)


def draw_fig2(runs, outdir):
    fig, ax = new_figure(2, 1, width=4.4)
    for i, a in enumerate(sorted(_alphas(runs[0], "deep"), key=float)):
        for s, m in enumerate(runs):
            key, label = f"curve_deep_a{a}", f"α = {a}" if s == 0 else None
            ax[0, 0].plot(m[f"{key}_step"], m[f"{key}_zeta_bar"] / m[f"{key}_zeta_bar"][0], color=f"C{i}",
                          label=label)
            ax[0, 1].semilogy(m[f"{key}_step"], m[f"{key}_train_loss"], color=f"C{i}", label=label)
    ax[0, 0].set(xlabel="SGD step", ylabel="ζ̄(t) / ζ̄(0)", title="4-layer ReLU MLP, digits: layer alignment")
    ax[0, 1].set(xlabel="SGD step", ylabel="train loss", title="until the loss target")
    ax[0, 0].legend()
    return save_figure(fig, outdir, "fig2_deep_mlp")


def draw_fig3(runs, outdir):
    fig, ax = new_figure(4, 1, width=3.6)
    alphas = sorted(_alphas(runs[0], "shallow"), key=float)
    target = runs[0]["shallow_loss_target"]
    for i, a in enumerate(alphas):
        for s, m in enumerate(runs):
            key, label = f"curve_shallow_a{a}", f"α = {a}" if s == 0 else None
            train, test = np.asarray(m[f"{key}_train_loss"]), np.asarray(m[f"{key}_test_loss"])
            late = train <= 3 * target
            ax[0, 0].plot(train[late], test[late] - train[late], color=f"C{i}", label=label)
            ax[0, 3].plot(m[f"{key}_step"], m[f"{key}_zeta_bar"] / m[f"{key}_zeta_bar"][0], color=f"C{i}",
                          label=label)
    x = np.array([float(a) for a in alphas])
    for s, m in enumerate(runs):
        for col, name in ((1, "test_loss"), (2, "test_acc")):
            ax[0, col].plot(x, [m[f"shallow_a{a}_{name}_at_target"] for a in alphas], "o-", color=f"C{s}",
                            label=f"seed {s}")
    ax[0, 0].axvline(target, color="k", ls=":", lw=1)
    ax[0, 0].invert_xaxis()
    ax[0, 0].set(xlabel="train loss", ylabel="test − train loss", title="2-layer ReLU, digits: gap")
    ax[0, 1].set(xlabel="init scale α", title=f"test loss at train loss {target:g}")
    ax[0, 2].set(xlabel="init scale α", title=f"test accuracy at train loss {target:g}")
    for col in (1, 2):
        ax[0, col].set_xscale("log")
        ax[0, col].set_xticks(x, alphas)
        ax[0, col].xaxis.set_minor_formatter(NullFormatter())
    ax[0, 3].set(xlabel="SGD step", ylabel="ζ(t) / ζ(0)", title="layer alignment W2·W1")
    for col in (0, 1, 3):
        ax[0, col].legend()
    return save_figure(fig, outdir, "fig3_two_layer_relu")


def draw(results: dict, outdir) -> dict[str, str]:
    """The C7 figures whose experiment has at least one seed."""
    out = {}
    for exp, name, fn in (("two_layer_fig1", "fig1_two_layer", draw_fig1),
                          ("two_layer_fig1", "rescaling_two_layer", draw_rescaling),
                          ("deep_mlp_fig2", "fig2_deep_mlp", draw_fig2),
                          ("shallow_relu_fig3", "fig3_two_layer_relu", draw_fig3)):
        runs = _seeds(results.get(exp))
        if runs:
            out[name] = fn(runs, outdir)
    return out
