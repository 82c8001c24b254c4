"""Figures in the papers' style: sharpness vs step with the 2/η line (Cohen et al. 2021, Fig. 1),
loss vs step, last-hidden-layer soft ranks at init and end per method (Terjék 2025), the O(η⁴)
remainder of the Taylor expansion (C1), and the raw sharpness against 1/ξ_L (why the raw sharpness
crosses 2/η when 1/ξ_L does; both reconstructions of ξ)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.ticker import NullFormatter

from claimbench.report.theme import new_figure, palette, save_figure

_P = "edge_of_stability."


def _ok(runs):
    return [(s, r) for s, r in enumerate(runs or []) if r is not None]


def _edge(ax, label: str = r"edge $2/\eta$"):
    """The edge of stability, in units of 2/η."""
    ax.axhline(1.0, color="k", ls="--", lw=1, label=label)


def _sharpness_baseline(runs, outdir):
    fig, axes = new_figure(width=5.0)
    ax = axes[0, 0]
    for s, r in runs:
        # sharpness in units of the edge: λ_max · η / 2
        ratio = np.asarray(r["baseline_sharpness"]) * float(r["baseline_lr"]) / 2.0
        ax.plot(r["baseline_eig_steps"], ratio, marker=".", lw=1.2, label=f"seed {s}")
    _edge(ax)
    last = float(runs[0][1]["baseline_eig_steps"][-1])
    ax.mark_claim(_P + "baseline_hovers_at_edge", label="claim: 2nd-half median in range", span=(last / 2, last))
    ax.mark_claim(_P + "baseline_starts_below_edge", label="claim: start below", span=(0, last / 16))
    ax.set(xlabel="step", ylabel=r"sharpness $\lambda_{\max} / (2/\eta)$",
           title="Full-batch GD, tanh MLP (EoS anchor)")
    fig.legend(loc="outside lower center", ncols=3)
    return save_figure(fig, outdir, "sharpness_baseline")


def _loss(runs, keys, title, name, outdir, claims=()):
    keys = [(k, label) for k, label in keys if all(k in r for _, r in runs)]
    fig, axes = new_figure(width=5.0)
    ax = axes[0, 0]
    colors = palette(len(keys))
    low = np.inf
    for (key, label), c in zip(keys, colors, strict=True):
        for i, (_, r) in enumerate(runs):
            loss = np.asarray(r[key], dtype=float)
            # loss relative to its initial value, as the claims measure it; NaN/inf (divergence) leave the axis
            rel = np.where(np.isfinite(loss), loss, np.nan) / loss[0]
            ax.plot(np.arange(len(rel)), rel, color=c, alpha=0.8, lw=1, label=label if i == 0 else None)
            low = min(low, np.nanmin(np.where(rel > 0, rel, np.nan)))
    for claim, label in claims:
        ax.mark_claim(_P + claim, label=label)
    ax.set(xlabel="step", ylabel="training loss / initial loss", yscale="log", title=title)
    ax.set_ylim(0.5 * low, 1e3)  # a diverging control leaves the axis (loss > 1e3 x initial, or NaN)
    fig.legend(loc="outside lower center", ncols=2)
    return save_figure(fig, outdir, name)


# the two reconstructions of ξ: (key prefix, panel title); labels follow the default profile values
SCALINGS = (("", "ξ = fb_normalized (primary)"), ("cmp_", "ξ = layer_normalized (stand-in)"))


def _sharpness_beyond(runs, outdir):
    fig, axes = new_figure(ncols=2, width=4.4, height=3.6)
    steps = len(runs[0][1]["proposed_loss"]) - 1  # the fraction of training is last step above / steps
    for ax, (pre, title) in zip(axes[0], SCALINGS, strict=True):
        series = ((pre + "proposed_sharpness", pre + "proposed_eig_steps", r"proposed: raw $\lambda_{\max}$", "-"),
                  (pre + "proposed_sharpness_precond", pre + "proposed_eig_steps",
                   r"proposed: $\lambda_{\max}(S^{1/2} H S^{1/2})$", ":"),
                  ("plain_stable_sharpness", "plain_stable_eig_steps", r"plain GD, stable $\eta$", "--"))
        for (key, at, label, ls), c in zip(series, palette(len(series)), strict=True):
            for i, (_, r) in enumerate(runs):
                if key in r and len(r[key]):
                    # in units of the proposed run's edge: λ · η / 2
                    ax.plot(r[at][:len(r[key])], np.asarray(r[key]) * float(r["lr"]) / 2.0, color=c, ls=ls,
                            marker=".", label=label if i == 0 and ax is axes[0, 0] else None)
        _edge(ax, r"edge $2/\eta$ (proposed $\eta$)" if ax is axes[0, 0] else None)
        sfx = "" if not pre else "_layer_normalized"
        first = ax is axes[0, 0]
        ax.mark_claim(_P + "proposed_starts_far_beyond_edge" + sfx, label="claim: raw max above" if first else None)
        ax.mark_claim(_P + "proposed_stays_beyond_edge" + sfx, scale=steps, axis="x",
                      label="claim: raw above the edge until" if first else None)
        ax.mark_claim(_P + "preconditioned_sharpness_at_edge" + sfx,
                      label="claim: preconditioned median in range" if first else None)
        ax.set(xlabel="step", ylabel=r"sharpness / $(2/\eta)$", yscale="log", title=title)
    fig.legend(loc="outside lower center", ncols=3)
    return save_figure(fig, outdir, "sharpness_beyond_eos")


def _sharpness_mechanism(runs, outdir):
    """raw λ_max/(2/η) against 1/ξ_L per scaling: the last layer's scaled step sits at its edge."""
    fig, axes = new_figure(width=5.0)
    ax = axes[0, 0]
    for (pre, title), c in zip(SCALINGS, palette(len(SCALINGS)), strict=True):
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
    fig, axes = new_figure(ncols=2, width=4.4, height=3.4)
    rows = [("init (r net)", "srank_init", "pr_init"), ("end: plain GD", "srank_end_plain", "pr_end_plain"),
            ("end: fb", "srank_end_proposed", "pr_end_proposed"),
            ("end: stand-in", "cmp_srank_end_proposed", "cmp_pr_end_proposed"),
            ("init (r = compare_r)", "srank_init_compare_r", "pr_init_compare_r"),
            ("end: fb, r = compare_r", "srank_end_compare_r", "pr_end_compare_r"),
            ("end: stand-in, compare_r", "cmp_srank_end_compare_r", "cmp_pr_end_compare_r")]
    rows = [row for row in rows if all(row[1] in r for _, r in runs)]
    y = np.arange(len(rows))
    for ax, (col, title) in zip(axes[0], ((1, "stable rank"), (2, "participation ratio")), strict=True):
        vals = np.array([[r[row[col]] for _, r in runs] for row in rows])
        ax.barh(y, vals.mean(1), color=palette(len(rows)), alpha=0.7)
        for j in range(len(rows)):  # every seed, not only the mean
            ax.scatter(vals[j], np.full(vals.shape[1], j), color="k", s=12, zorder=3)
        ax.set_yticks(y, [r[0] for r in rows] if col == 1 else [""] * len(rows))
        ax.invert_yaxis()
        ax.set(title=f"last hidden layer: {title}", xlabel=f"{title} (bars: mean; dots: seeds)")
    return save_figure(fig, outdir, "soft_rank")


def _taylor(runs, outdir):
    fig, axes = new_figure(width=5.0)
    ax = axes[0, 0]
    r = runs[0][1]
    eta = np.asarray(r["taylor_eta"])
    for key, label in (("taylor_remainder_tanh_live", "tanh"), ("taylor_remainder_relu_frozen", "ReLU, masks frozen"),
                       ("taylor_remainder_relu_live", "ReLU, live masks (not claimed)")):
        ax.plot(eta, r[key], marker="o", label=label)
    ref = r["taylor_remainder_tanh_live"][0] * (eta / eta[0]) ** 4
    ax.plot(eta, ref, "k--", lw=1, label=r"$\propto \eta^4$")
    ax.set(xscale="log", yscale="log", xlabel=r"step size $\eta$",
           ylabel=r"$|\Delta L - (a_1\eta + a_2\eta^2 + a_3\eta^3)|$", title="Taylor remainder (last checkpoint)")
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.legend()
    return save_figure(fig, outdir, "taylor_remainder")


def draw(results: dict, outdir: Path) -> dict[str, str]:
    """Draw every figure whose experiment has at least one finished seed; returns {name: png file}."""
    out = {}
    base = _ok(results.get("eos_baseline"))
    if base:
        out["sharpness_baseline"] = _sharpness_baseline(base, outdir)
        out["loss_baseline"] = _loss(base, [("baseline_loss", "GD")], "Full-batch GD, tanh MLP", "loss_baseline",
                                     outdir, [("baseline_loss_still_falls", "claim: final below")])
    beyond = _ok(results.get("beyond_eos"))
    if beyond:
        out["sharpness_beyond_eos"] = _sharpness_beyond(beyond, outdir)
        out["sharpness_mechanism"] = _sharpness_mechanism(beyond, outdir)
        keys = [("proposed_loss", r"proposed, $\xi$ fb"), ("cmp_proposed_loss", r"proposed, $\xi$ stand-in"),
                ("plain_stable_loss", r"plain GD, stable $\eta$"), ("compare_r_loss", r"$\xi$ fb, r = compare_r"),
                ("cmp_compare_r_loss", r"$\xi$ stand-in, r = compare_r"),
                ("plain_same_lr_loss", r"plain GD, same $\eta$")]
        claims = [("proposed_no_loss_explosion", "claim: proposed max below"),
                  ("proposed_trains", "claim: proposed final below")]
        out["loss_beyond_eos"] = _loss(beyond, keys, "Beyond the edge: loss", "loss_beyond_eos", outdir, claims)
        out["soft_rank"] = _soft_rank(beyond, outdir)
    taylor = _ok(results.get("taylor"))
    if taylor:
        out["taylor_remainder"] = _taylor(taylor, outdir)
    return out
