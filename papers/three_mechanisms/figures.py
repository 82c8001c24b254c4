"""Figures of the three-mechanisms reproduction, drawn from the stored measurements.

exact_vs_gd: closed form vs GD (f and NTK) and the h/2h errors (C1, C2); phase_diagram: measured
kernel-change exponent over (q, p) with the predicted boundary q + p = 1 + |c_u − c_w|/2 (C3);
mechanisms: cos θ, NTK and norms over time for alignment, disalignment, rescaling (C4–C6);
C7's figures (the paper's Figs. 1-3) are drawn by figures_c7.py.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from claimbench.report.theme import new_figure, save_figure
from papers.three_mechanisms import figures_c7

_P = "three_mechanisms."


def _first(runs):
    """The first seed's measurements that exist, or None."""
    return next((r for r in runs or [] if r is not None), None)


def _ok(runs):
    return [r for r in runs or [] if r is not None]


def draw_exact_vs_gd(runs, outdir):
    m = runs[0]
    fig, ax = new_figure(3, 1, width=4.0, height=3.0)
    labels, t = np.asarray(m["labels"]), np.asarray(m["times"])
    pick = range(0, len(labels), max(1, len(labels) // 6))
    for b in pick:
        d, ratio, mult = labels[b]
        line, = ax[0, 0].plot(t[b], m["f_exact"][b], lw=1.2,
                              label=rf"$d={d:g}$, $\eta_w/\eta_u={ratio:g}$, $m={mult:g}$")
        ax[0, 0].plot(t[b][::8], m["f_gd"][b][::8], "o", ms=3, color=line.get_color())
        ax[0, 1].plot(t[b], m["ntk_exact"][b], lw=1.2, color=line.get_color())
        ax[0, 1].plot(t[b][::8], m["ntk_gd"][b][::8], "o", ms=3, color=line.get_color())
    ax[0, 0].set(xlabel="$t$", ylabel="$f(t)$", title="closed form (lines) vs GD (dots), seed 0")
    ax[0, 1].set(xlabel="$t$", ylabel="NTK $K(t)$", yscale="log", title="NTK")
    idx = np.arange(len(labels))
    for s, r in enumerate(runs):  # every seed: the spread of the Euler error
        ax[0, 2].semilogy(idx, r["err_f"], "o", color="C0", alpha=0.6, label="step $h$" if s == 0 else None)
        ax[0, 2].semilogy(idx, r["err_f_2h"], "s", color="C1", alpha=0.6, label="step $2h$" if s == 0 else None)
    ax[0, 2].mark_claim(_P + "exact_solution_matches_gd", label="claim: max at step $h$ below")
    ax[0, 2].set(xlabel="run", ylabel=r"$\max_t|f_{GD} - f_{exact}| \,/\, \max(|a|, |f_0|)$",
                 title=f"Euler error ({len(runs)} seeds)")
    handles, names = (a + b for a, b in zip(ax[0, 0].get_legend_handles_labels(),
                                             ax[0, 2].get_legend_handles_labels(), strict=True))
    fig.legend(handles, names, loc="outside lower center", ncols=4)
    return save_figure(fig, outdir, "exact_vs_gd")


def _heatmap(ax, axis, slopes, dc):
    """Measured kernel-change exponent over (q, p) with the predicted boundary q + p = 1 + |Δc|/2."""
    step = axis[1] - axis[0] if len(axis) > 1 else 1.0
    ext = [axis[0] - step / 2, axis[-1] + step / 2] * 2
    im = ax.imshow(slopes.T, origin="lower", extent=ext, cmap="coolwarm", vmin=-2, vmax=2, aspect="auto")
    q = np.linspace(axis[0], axis[-1], 50)
    ax.plot(q, 1 + abs(dc) / 2 - q, "k--", lw=1.5, label=r"predicted: $q + p = 1 + |\Delta c|/2$")
    ax.set(xlim=ext[:2], ylim=ext[:2], xlabel=r"$q$  ($\kappa \propto d^{-q}$)",
           ylabel=r"$p$  ($\sigma^2 \propto d^{-p}$)", title=rf"exponent (seed 0), $c_u - c_w = {dc:g}$")
    return im


def draw_phase_diagram(runs, outdir):
    m = runs[0]
    axis, dcs, slopes = np.asarray(m["grid_axis"]), np.asarray(m["grid_dc"]), np.asarray(m["grid_slopes"])
    panels = len(dcs) + 1
    fig, ax = new_figure(2, (panels + 1) // 2, width=4.4, height=3.3)
    flat = list(ax.flat)
    maps = [_heatmap(flat[k], axis, slopes[k], dc) for k, dc in enumerate(dcs)]
    fig.colorbar(maps[-1], ax=flat[1], label=r"slope of $\log(\Delta K / K_0)$ in $\log d$")
    flat[0].legend(loc="upper right")
    d = np.asarray(m["named_widths"])
    names = ["NTK", "MF", "SP-scalar", "small-init", r"MF $\eta_u>\eta_w$", r"MF $\eta_w>\eta_u$"]
    last = flat[len(dcs)]
    for s, r in enumerate(runs):  # seed 0 with markers, the other seeds faint
        for i, curve in enumerate(np.asarray(r["named_curves"])):
            last.loglog(d, np.abs(curve), "o-" if s == 0 else "-", color=f"C{i}", alpha=1.0 if s == 0 else 0.4,
                        label=rf"{names[i]} ($E_\chi={m['named_e_chi'][i]:g}$)" if s == 0 else None)
    last.set(xlabel="width $d$", ylabel=r"$\Delta K / K_0$", title=f"named parameterizations ({len(runs)} seeds)")
    last.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=2)
    for extra in flat[panels:]:
        extra.set_axis_off()
    return save_figure(fig, outdir, "phase_diagram")


def _mechanism_column(ax, col, runs, title, names, claims):
    for s, m in enumerate(runs):  # seed 0 solid, other seeds faint: the spread over seeds
        t, alpha = np.asarray(m["times"]), 1.0 if s == 0 else 0.35
        for b, name in enumerate(names):
            tn, color = t[b] / t[b][-1], f"C{b}"
            label = name if s == 0 else None
            ax[0, col].plot(tn, np.abs(m["cos"][b]), color=color, alpha=alpha, label=label)
            ax[1, col].plot(tn, m["ntk"][b] / m["ntk"][b][0], color=color, alpha=alpha)
            ax[2, col].plot(tn, m["u_norm"][b], color=color, alpha=alpha)
            ax[2, col].plot(tn, m["w_norm"][b], "--", color=color, alpha=alpha)
    for row, claim, label in claims:
        ax[row, col].mark_claim(_P + claim, label=label, span=(0.9, 1.0))  # a claim on the final value
    ax[0, col].set(title=f"{title} ({len(runs)} seeds)", ylabel=r"$|\cos\theta(u, W n)|$")
    ax[1, col].set(ylabel=r"$K(t) / K_0$", yscale="log")
    ax[2, col].set(ylabel=r"$\|u\|$ (solid), $\|w\|$ (dashed)", xlabel="$t$ / horizon")
    for row in (0, 1):
        if ax[row, col].get_legend_handles_labels()[0]:
            ax[row, col].legend(loc="best")


def draw_mechanisms(results, outdir):
    cols = [("alignment", "(1) alignment", lambda m: [r"kernel $\sigma=1$", r"small $\sigma=0.02$"],
             [(0, "alignment_cos_final", r"claim: small-$\sigma$ end"),
              (1, "alignment_ntk_grows", r"claim: small-$\sigma$ end")]),
            ("disalignment", "(2) disalignment, $f_0 = 4a$", lambda m: [f"$d={d:g}$" for d in m["widths"]],
             [(1, "disalignment_ntk_shrinks", "claim: every run's end")]),
            ("rescaling", r"(3) rescaling, $u_0 \parallel w_0$",
             lambda m: [rf"$\eta_w/\eta_u={r:g}$" for r in m["lr_ratios"]], [])]
    present = [(k, title, fn, claims) for k, title, fn, claims in cols if _first(results.get(k))]
    if not present:
        return None
    fig, ax = new_figure(len(present), 3, width=4.2, height=2.6)
    for col, (key, title, names, claims) in enumerate(present):
        runs = _ok(results[key])
        _mechanism_column(ax, col, runs, title, names(runs[0]), claims)
    return save_figure(fig, outdir, "mechanisms")


def draw(results: dict, outdir: Path) -> dict[str, str]:
    """Draw every figure whose experiment has at least one seed; returns {figure name: png file}."""
    out = {}
    if _ok(results.get("exact_vs_gd")):
        out["exact_vs_gd"] = draw_exact_vs_gd(_ok(results["exact_vs_gd"]), outdir)
    if _ok(results.get("phase_diagram")):
        out["phase_diagram"] = draw_phase_diagram(_ok(results["phase_diagram"]), outdir)
    mech = draw_mechanisms(results, outdir)
    if mech:
        out["mechanisms"] = mech
    out.update(figures_c7.draw(results, outdir))
    return out
