"""Figures in the style of Takakura & Suzuki (2024): Fig. 1 (alignment, df vs noise), Fig. 2 (label noise),
plus the objective against steps (per noise level; per particle count in full) and the network vs fixed
kernels (Sec. 4)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import seaborn as sns

from claimbench.report.theme import new_figure, save_figure

S = "two_timescale_mean_field"


def _ok(runs) -> list[dict]:
    return [r for r in (runs or []) if r is not None]


def _band(ax, x, ys, label, color):
    """Mean over seeds with a +-1 std band."""
    ys = np.asarray(ys, dtype=float)
    mean, std = ys.mean(axis=0), ys.std(axis=0)
    ax.plot(x, mean, label=label, color=color)
    ax.fill_between(x, mean - std, mean + std, color=color, alpha=0.2, linewidth=0)


def _sweep_panels(runs, level_key, level_name, panels, title):
    """One panel per (path key, y label); one line per level of the sweep; returns (figure, axes row)."""
    fig, axes = new_figure(ncols=len(panels), width=4.4, height=3.0)
    levels, steps = runs[0][level_key], runs[0]["record_steps"]
    colors = sns.color_palette("viridis", len(levels))
    for ax, (key, ylabel) in zip(axes[0], panels, strict=True):
        for i, lev in enumerate(levels):
            _band(ax, steps, [r[key][i] for r in runs], f"{level_name} = {lev:g}", colors[i])
        ax.set_xlabel("step $t$")
        ax.set_ylabel(ylabel)
    fig.suptitle(f"{title} ({len(runs)} seeds, mean ± std)")
    return fig, axes[0]


def draw_fig1(runs, outdir: Path) -> str:
    """Fig. 1: kernel-target alignment and degrees of freedom over training, per intrinsic noise sigma."""
    fig, axes = _sweep_panels(runs, "noise_levels", r"$\sigma$", [("align_f_path", r"alignment $A(K_t, f^*)$"),
                                                                  ("df_path", r"degrees of freedom $df(K_t)$")],
                              "Intrinsic noise")
    # C2 reads the first level (sigma = 0): A(K_T) >= 3 A(K_0), drawn at the seeds' mean A(K_0)
    a0 = float(np.mean([r["align_f_path"][0][0] for r in runs]))
    end = float(runs[0]["record_steps"][-1])
    axes[0].mark_claim(S + ".c2_kernel_aligns_with_target", scale=a0, span=(0.9 * end, end),
                       label=rf"claim: $\sigma = {runs[0]['noise_levels'][0]:g}$ end above")
    # c2_df_rises: df(K_T) - df(K_0) >= 0 at every sigma; K_0 is shared by the levels (same X and mu_0)
    df0 = float(np.mean([r["df_path"][0][0] for r in runs]))
    axes[1].mark_claim(S + ".c2_df_rises_during_training", offset=df0, span=(0.9 * end, end),
                       label="claim: every end above start")
    fig.legend(*_merged(axes), loc="outside lower center", ncols=4)
    return save_figure(fig, outdir, "fig1_alignment_df")


def draw_fig2(runs, outdir: Path) -> str:
    """Fig. 2: degrees of freedom and test MSE under the label-noise procedure, per scale s."""
    fig, axes = _sweep_panels(runs, "label_noise_scales", "$s$", [("df_path", r"degrees of freedom $df(K_t)$"),
                                                                  ("test_mse_path", r"test MSE vs $f^*$")],
                              "Label-noise procedure")
    # C5 against the s = 0 run's end: df_T(s_max) <= df_T(0); best test MSE_T(s) <= 0.95 MSE_T(0)
    end = float(runs[0]["record_steps"][-1])
    for ax, key, claim in [(axes[0], "df_path", "c5_label_noise_shrinks_df"),
                           (axes[1], "test_mse_path", "c5_label_noise_improves_test")]:
        ref = float(np.mean([r[key][0][-1] for r in runs]))
        ax.mark_claim(f"{S}.{claim}", scale=ref, span=(0.9 * end, end),
                      label="claim: end below $s = 0$'s" if key == "df_path" else None)
    fig.legend(*_merged(axes), loc="outside lower center", ncols=4)
    return save_figure(fig, outdir, "fig2_label_noise")


def _merged(axes):
    """Legend entries of several axes, each label once."""
    seen = {}
    for ax in axes:
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, h)
    return list(seen.values()), list(seen)


def _objective_bands(runs, key: str, values, label: str, palette: str, title: str):
    """G_data + G_reg against steps, one mean ± std band per value of the swept setting; returns (fig, ax)."""
    fig, axes = new_figure(width=5.0)
    ax = axes[0][0]
    colors = sns.color_palette(palette, len(values))
    steps = np.arange(runs[0][key].shape[1])
    for i, v in enumerate(values):
        _band(ax, steps, [r[key][i] for r in runs], label.format(v), colors[i])
    ax.set_yscale("log")
    ax.set_xlabel("step $t$")
    ax.set_ylabel(r"$G_{data} + G_{reg}$ (no entropy)")
    ax.set_title(f"{title} ({len(runs)} seeds, mean ± std)")
    return fig, ax


def draw_objective(runs, outdir: Path) -> str:
    """G_data + G_reg against steps for each intrinsic noise level (C1; Thm 3.7)."""
    levels = runs[0]["noise_levels"]
    fig, ax = _objective_bands(runs, "objective_path", levels, r"$\sigma = {:g}$", "viridis", "MFLD objective")
    # C1 on the sigma = 0 run: (G_0 - G_mid) / (G_0 - G_end) >= 0.9, i.e. G_mid <= G_0 + 0.9 (G_end - G_0);
    # drawn from the seeds' mean G_0 and G_end over C1's mid-run window [T/2 - T/10, T/2]
    g = np.mean([r["objective_path"][0] for r in runs], axis=0)
    w = max(1, len(g) // 10)
    ax.mark_claim(S + ".c1_objective_converges", offset=g[0], scale=g[-w:].mean() - g[0],
                  label=rf"claim: $\sigma = {levels[0]:g}$ mid-run below", span=(len(g) // 2 - w, len(g) // 2))
    fig.legend(loc="outside lower center", ncols=3)
    return save_figure(fig, outdir, "objective_vs_steps")


def draw_particles(runs, outdir: Path) -> str:
    """G_data + G_reg against steps for each particle count N (C1, particle discretisation)."""
    fig, _ = _objective_bands(runs, "objective", runs[0]["particle_counts"], "$N = {}$", "mako",
                              "MFLD objective per particle count")
    fig.legend(loc="outside lower center", ncols=3)
    return save_figure(fig, outdir, "particle_gap")


def _kernel_rows(results: dict) -> list[tuple[str, str, float]]:
    """(setting, method, test MSE) rows: Gaussian d (noise_levels, sigma = 0) and the cube (Thm 4.5)."""
    groups = [("noise_levels", "_d", "Gaussian x, d = {d}"), ("cube", "", "cube {{±1}}^{d}")]
    methods = [("nn_test_mse", "network"), ("init_kernel_test_mse", "KRR, initial kernel"),
               ("rbf_test_mse", "KRR, tuned RBF"), ("kernel_floor", "fixed-kernel floor"),
               ("null_test_mse", "predict 0")]
    rows = []
    for exp, suffix, label in groups:
        for r in _ok(results.get(exp)):
            setting = label.format(d=int(r.get("input_dim" + suffix, 0)))
            rows += [(setting, name, float(r[key + suffix])) for key, name in methods if key + suffix in r]
    return rows


def draw_kernels(results: dict, outdir: Path) -> str | None:
    """Test MSE of the network and of fixed kernels (C3), with the cube's fixed-kernel floor."""
    rows = _kernel_rows(results)
    if not rows:
        return None
    df = pd.DataFrame(rows, columns=["setting", "method", "test MSE"])
    fig, axes = new_figure(width=6.5)
    ax = axes[0][0]
    sns.barplot(df, x="setting", y="test MSE", hue="method", errorbar="sd", ax=ax)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(r"Network vs fixed kernels ($f^* = x_1 x_2$, mean ± std over seeds)")
    return save_figure(fig, outdir, "test_error_vs_kernels")


def draw(results: dict[str, list[dict | None]], outdir: Path) -> dict[str, str]:
    """Draw every figure whose experiment has at least one finished seed; {figure name: png file}."""
    out = {}
    drawers = [("noise_levels", "fig1_alignment_df", draw_fig1), ("label_noise", "fig2_label_noise", draw_fig2),
               ("noise_levels", "objective_vs_steps", draw_objective), ("particles", "particle_gap", draw_particles)]
    for exp, name, fn in drawers:
        runs = _ok(results.get(exp))
        if runs:
            out[name] = fn(runs, outdir)
    kernels = draw_kernels(results, outdir)
    if kernels:
        out["test_error_vs_kernels"] = kernels
    return out
