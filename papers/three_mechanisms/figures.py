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


def _first(runs):
    """The first seed's measurements that exist, or None."""
    return next((r for r in runs or [] if r is not None), None)


def draw_exact_vs_gd(m, outdir):
    fig, ax = new_figure(3, 1)
    labels, t = np.asarray(m["labels"]), np.asarray(m["times"])
    pick = range(0, len(labels), max(1, len(labels) // 6))
    for b in pick:
        d, ratio, mult = labels[b]
        line, = ax[0, 0].plot(t[b], m["f_exact"][b], lw=1.2, label=f"d={d:g} ηw/ηu={ratio:g} m={mult:g}")
        ax[0, 0].plot(t[b][::8], m["f_gd"][b][::8], "o", ms=3, color=line.get_color())
        ax[0, 1].plot(t[b], m["ntk_exact"][b], lw=1.2, color=line.get_color())
        ax[0, 1].plot(t[b][::8], m["ntk_gd"][b][::8], "o", ms=3, color=line.get_color())
    ax[0, 0].set(xlabel="t", ylabel="f(t)", title="closed form (lines) vs GD (dots)")
    ax[0, 0].legend(fontsize=6)
    ax[0, 1].set(xlabel="t", ylabel="NTK K(t)", yscale="log", title="NTK")
    idx = np.arange(len(labels))
    ax[0, 2].semilogy(idx, m["err_f"], "o", label="h")
    ax[0, 2].semilogy(idx, m["err_f_2h"], "s", label="2h")
    ax[0, 2].set(xlabel="run", ylabel="max |f_GD − f_exact| / max(|a|,|f0|)", title="Euler error (first order)")
    ax[0, 2].legend()
    return save_figure(fig, outdir, "exact_vs_gd")


def draw_phase_diagram(m, outdir):
    axis, dcs, slopes = np.asarray(m["grid_axis"]), np.asarray(m["grid_dc"]), np.asarray(m["grid_slopes"])
    fig, ax = new_figure(len(dcs) + 1, 1)
    step = axis[1] - axis[0] if len(axis) > 1 else 1.0
    ext = [axis[0] - step / 2, axis[-1] + step / 2] * 2
    for k, dc in enumerate(dcs):
        im = ax[0, k].imshow(slopes[k].T, origin="lower", extent=ext, cmap="coolwarm", vmin=-2, vmax=2, aspect="auto")
        q = np.linspace(axis[0], axis[-1], 50)
        ax[0, k].plot(q, 1 + abs(dc) / 2 - q, "k--", lw=1.5, label="q + p = 1 + |Δc|/2")
        ax[0, k].set(xlim=ext[:2], ylim=ext[:2], xlabel="q (κ ∝ d^-q)", ylabel="p (σ² ∝ d^-p)",
                     title=f"slope of log ΔK/K0, c_u − c_w = {dc:g}")
    fig.colorbar(im, ax=ax[0, len(dcs) - 1])
    ax[0, 0].legend(fontsize=7, loc="upper right")
    d = np.asarray(m["named_widths"])
    names = ["NTK", "MF", "SP-scalar", "small-init", "MF ηu>ηw", "MF ηw>ηu"]
    for i, curve in enumerate(np.asarray(m["named_curves"])):
        ax[0, -1].loglog(d, np.abs(curve), "o-", label=f"{names[i]} (E_χ={m['named_e_chi'][i]:g})")
    ax[0, -1].set(xlabel="width d", ylabel="ΔK/K0", title="named parameterizations")
    ax[0, -1].legend(fontsize=6)
    return save_figure(fig, outdir, "phase_diagram")


def _mechanism_column(ax, col, m, title, names):
    t = np.asarray(m["times"])
    for b, name in enumerate(names):
        tn = t[b] / t[b][-1]
        ax[0, col].plot(tn, np.abs(m["cos"][b]), label=name)
        ax[1, col].plot(tn, m["ntk"][b] / m["ntk"][b][0], label=name)
        line, = ax[2, col].plot(tn, m["u_norm"][b])
        ax[2, col].plot(tn, m["w_norm"][b], "--", color=line.get_color())
    ax[0, col].set(title=title, ylabel="|cos θ(u, Wn)|")
    ax[1, col].set(ylabel="K(t)/K0", yscale="log")
    ax[2, col].set(ylabel="|u| (solid), |w| (dashed)", xlabel="t / horizon")
    ax[0, col].legend(fontsize=6)


def draw_mechanisms(results, outdir):
    cols = [("alignment", "(1) alignment", lambda m: ["kernel σ=1", "small σ=0.02"]),
            ("disalignment", "(2) disalignment, f0 = 4a", lambda m: [f"d={d:g}" for d in m["widths"]]),
            ("rescaling", "(3) rescaling, u0 ∥ w0", lambda m: [f"ηw/ηu={r:g}" for r in m["lr_ratios"]])]
    present = [(k, title, fn) for k, title, fn in cols if _first(results.get(k))]
    if not present:
        return None
    fig, ax = new_figure(len(present), 3, width=4.4, height=2.8)
    for col, (key, title, names) in enumerate(present):
        m = _first(results[key])
        _mechanism_column(ax, col, m, title, names(m))
    return save_figure(fig, outdir, "mechanisms")


def draw(results: dict, outdir: Path) -> dict[str, str]:
    """Draw every figure whose experiment has at least one seed; returns {figure name: png file}."""
    out = {}
    single = {"exact_vs_gd": draw_exact_vs_gd, "phase_diagram": draw_phase_diagram}
    for name, fn in single.items():
        m = _first(results.get(name))
        if m is not None:
            out[name] = fn(m, outdir)
    mech = draw_mechanisms(results, outdir)
    if mech:
        out["mechanisms"] = mech
    out.update(figures_c7.draw(results, outdir))
    return out
