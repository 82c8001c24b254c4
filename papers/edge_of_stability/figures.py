"""Figures in the papers' style: sharpness vs step with the 2/η line (Cohen et al. 2021, Fig. 1),
loss vs step, last-hidden-layer soft ranks at init and end per method (Terjék 2025), the O(η⁴)
remainder of the Taylor expansion (C1), and the raw sharpness against 1/ξ_L (why the raw sharpness
crosses 2/η when 1/ξ_L does; both reconstructions of ξ)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import seaborn as sns
from matplotlib.ticker import NullFormatter

from claimbench.report.theme import new_figure, save_figure


def _ok(runs):
    return [(s, r) for s, r in enumerate(runs or []) if r is not None]


def _edge(ax, lr: float, label: str = "2/η"):
    ax.axhline(2.0 / lr, color="k", ls="--", lw=1, label=label)


def _sharpness_baseline(runs, outdir):
    fig, axes = new_figure()
    ax = axes[0, 0]
    for s, r in runs:
        ax.plot(r["baseline_eig_steps"], r["baseline_sharpness"], marker=".", label=f"seed {s}")
    _edge(ax, float(runs[0][1]["baseline_lr"]))
    ax.set(xlabel="step", ylabel="sharpness λ_max", title="Full-batch GD, tanh MLP (EoS anchor)")
    ax.legend(fontsize=8)
    return save_figure(fig, outdir, "sharpness_baseline")


def _loss(runs, keys, title, name, outdir):
    keys = [(k, label) for k, label in keys if all(k in r for _, r in runs)]
    fig, axes = new_figure()
    ax = axes[0, 0]
    colors = sns.color_palette(n_colors=len(keys))
    for (key, label), c in zip(keys, colors, strict=True):
        for i, (_, r) in enumerate(runs):
            loss = np.asarray(r[key], dtype=float)
            loss = np.where(np.isfinite(loss), loss, np.nan)
            ax.plot(np.arange(len(loss)), loss, color=c, alpha=0.8, lw=1, label=label if i == 0 else None)
    first = max(float(r[keys[0][0]][0]) for _, r in runs)
    low = min(np.nanmin(np.where(np.asarray(r[k], float) > 0, r[k], np.nan)) for _, r in runs for k, _ in keys)
    ax.set(xlabel="step", ylabel="training loss", yscale="log", title=title)
    ax.set_ylim(0.5 * low, 1e3 * first)  # a diverging control leaves the axis (loss > 1e6 or NaN)
    ax.legend(fontsize=8)
    return save_figure(fig, outdir, name)


# the two reconstructions of ξ: (key prefix, panel title); labels follow the default profile values
SCALINGS = (("", "ξ = fb_normalized (primary)"), ("cmp_", "ξ = layer_normalized (stand-in)"))


def _sharpness_beyond(runs, outdir):
    fig, axes = new_figure(ncols=2, width=4.6)
    for ax, (pre, title) in zip(axes[0], SCALINGS, strict=True):
        series = ((pre + "proposed_sharpness", pre + "proposed_eig_steps", "proposed: raw λ_max", "-"),
                  (pre + "proposed_sharpness_precond", pre + "proposed_eig_steps", "proposed: λ_max(S½HS½)", ":"),
                  ("plain_stable_sharpness", "plain_stable_eig_steps", "plain GD, stable η", "--"))
        for (key, steps, label, ls), c in zip(series, sns.color_palette(n_colors=len(series)), strict=True):
            for i, (_, r) in enumerate(runs):
                if key in r and len(r[key]):
                    ax.plot(r[steps][:len(r[key])], r[key], color=c, ls=ls, marker=".",
                            label=label if i == 0 else None)
        _edge(ax, float(runs[0][1]["lr"]), "2/η (proposed η)")
        ax.set(xlabel="step", ylabel="sharpness", yscale="log", title=title)
        ax.legend(fontsize=7)
    return save_figure(fig, outdir, "sharpness_beyond_eos")


def _sharpness_mechanism(runs, outdir):
    """raw λ_max/(2/η) against 1/ξ_L per scaling: the last layer's scaled step sits at its edge."""
    fig, axes = new_figure(width=5.0)
    ax = axes[0, 0]
    for (pre, title), c in zip(SCALINGS, sns.color_palette(n_colors=len(SCALINGS)), strict=True):
        for i, (_, r) in enumerate(runs):
            xi, lam, steps = r[pre + "proposed_xi"], r[pre + "proposed_sharpness"], r[pre + "proposed_eig_steps"]
            if not len(xi):
                continue
            n, eos = len(xi), 2.0 / float(r["lr"])
            ax.plot(steps[:n], lam[:n] / eos, color=c, marker=".", label=f"{title}: λ_max/(2/η)" if i == 0 else None)
            ax.plot(steps[:n], 1.0 / xi[:, -1], color=c, ls="--", label=f"{title}: 1/ξ_L" if i == 0 else None)
    ax.axhline(1.0, color="k", lw=1)
    ax.set(xlabel="step", ylabel="ratio", yscale="log", title="Raw sharpness over 2/η tracks 1/ξ_L")
    ax.legend(fontsize=6)
    return save_figure(fig, outdir, "sharpness_mechanism")


def _soft_rank(runs, outdir):
    fig, axes = new_figure(ncols=2, width=5.2)
    rows = [("init (r net)", "srank_init", "pr_init"), ("end: plain GD", "srank_end_plain", "pr_end_plain"),
            ("end: fb", "srank_end_proposed", "pr_end_proposed"),
            ("end: stand-in", "cmp_srank_end_proposed", "cmp_pr_end_proposed"),
            ("init (r = compare_r)", "srank_init_compare_r", "pr_init_compare_r"),
            ("end: fb, r = compare_r", "srank_end_compare_r", "pr_end_compare_r"),
            ("end: stand-in, compare_r", "cmp_srank_end_compare_r", "cmp_pr_end_compare_r")]
    rows = [row for row in rows if all(row[1] in r for _, r in runs)]
    for ax, (col, title) in zip(axes[0], ((1, "stable rank"), (2, "participation ratio")), strict=True):
        vals = np.array([[r[row[col]] for _, r in runs] for row in rows])
        ax.bar(range(len(rows)), vals.mean(1), color=sns.color_palette(n_colors=len(rows)), alpha=0.7)
        for j in range(len(rows)):
            ax.scatter(np.full(vals.shape[1], j), vals[j], color="k", s=10, zorder=3)
        ax.set_xticks(range(len(rows)), [r[0] for r in rows], rotation=30, ha="right", fontsize=7)
        ax.set(title=f"last hidden layer: {title}")
    return save_figure(fig, outdir, "soft_rank")


def _taylor(runs, outdir):
    fig, axes = new_figure()
    ax = axes[0, 0]
    r = runs[0][1]
    eta = np.asarray(r["taylor_eta"])
    for key, label in (("taylor_remainder_tanh_live", "tanh"), ("taylor_remainder_relu_frozen", "ReLU, masks frozen"),
                       ("taylor_remainder_relu_live", "ReLU, live masks (not claimed)")):
        ax.plot(eta, r[key], marker="o", label=label)
    ref = r["taylor_remainder_tanh_live"][0] * (eta / eta[0]) ** 4
    ax.plot(eta, ref, "k--", lw=1, label="∝ η⁴")
    ax.set(xscale="log", yscale="log", xlabel="step size η", ylabel="|ΔL − (a₁η + a₂η² + a₃η³)|",
           title="Taylor remainder (last checkpoint)")
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.legend(fontsize=7)
    return save_figure(fig, outdir, "taylor_remainder")


def draw(results: dict, outdir: Path) -> dict[str, str]:
    """Draw every figure whose experiment has at least one finished seed; returns {name: png file}."""
    out = {}
    base = _ok(results.get("eos_baseline"))
    if base:
        out["sharpness_baseline"] = _sharpness_baseline(base, outdir)
        out["loss_baseline"] = _loss(base, [("baseline_loss", "GD")], "Full-batch GD, tanh MLP", "loss_baseline",
                                     outdir)
    beyond = _ok(results.get("beyond_eos"))
    if beyond:
        out["sharpness_beyond_eos"] = _sharpness_beyond(beyond, outdir)
        out["sharpness_mechanism"] = _sharpness_mechanism(beyond, outdir)
        keys = [("proposed_loss", "proposed, ξ fb"), ("cmp_proposed_loss", "proposed, ξ stand-in"),
                ("plain_stable_loss", "plain GD, stable η"), ("compare_r_loss", "ξ fb, r = compare_r"),
                ("cmp_compare_r_loss", "ξ stand-in, r = compare_r"), ("plain_same_lr_loss", "plain GD, same η")]
        out["loss_beyond_eos"] = _loss(beyond, keys, "Beyond the edge: loss", "loss_beyond_eos", outdir)
        out["soft_rank"] = _soft_rank(beyond, outdir)
    taylor = _ok(results.get("taylor"))
    if taylor:
        out["taylor_remainder"] = _taylor(taylor, outdir)
    return out
