"""One seaborn theme for every figure of the suite, and a safe way to save a figure.

Figures are drawn at DPI dots per inch and shown in the report's cards at up to DISPLAY_WIDTH_PX CSS
pixels, scaled down when wider; `claimbench.report.legibility` checks that no text overlaps and that
every text stays at least 8 px tall at that size.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

PALETTE = "colorblind"
DPI = 110
DISPLAY_WIDTH_PX = 1040  # width of a figure in a report card (the card is this + 40 px, see report.css)
MIN_FONT_PX = 8.0  # smallest text height allowed at the displayed size


def apply_theme() -> None:
    """Set the suite's seaborn theme (call once before drawing)."""
    sns.set_theme(context="paper", style="whitegrid", palette=PALETTE, font_scale=1.1,
                  rc={"figure.dpi": DPI, "savefig.dpi": DPI, "axes.titleweight": "bold",
                      "figure.constrained_layout.use": True, "mathtext.fontset": "dejavusans",
                      "legend.fontsize": 8.5, "legend.title_fontsize": 8.5, "axes.titlesize": 10,
                      "figure.titlesize": 11})


THRESHOLD_COLOR = "#5e3c99"  # a claim's accepted range: dash-dot purple, unlike any data series


def claim_range(claim_id: str) -> tuple[float | None, float | None]:
    """The accepted interval [lo, hi] of a claim's metric, read from the paper's claims.py."""
    from claimbench import registry  # here, not on top: figures modules import this module
    from claimbench.report.strip import bounds

    paper, name = claim_id.split(".", 1)
    claim = next(c for c in registry.load_paper(paper).claims if c.name == name)
    return bounds(claim.expect)


def mark_range(ax, lo: float | None = None, hi: float | None = None, label: str | None = "claim's threshold",
               axis: str = "y", span: tuple[float, float] | None = None) -> None:
    """Draw an accepted range on ax: dash-dot line(s) at its bounds and a light band between them.

    axis='y' draws horizontal bounds, over the data interval `span` of x (default: the whole width);
    axis='x' draws vertical bounds over the whole height.
    """
    style = {"color": THRESHOLD_COLOR, "ls": "-.", "lw": 1.4, "zorder": 1.5}
    bounds = [b for b in (lo, hi) if b is not None]
    for i, b in enumerate(bounds):
        name = label if i == 0 else None
        if axis == "x":
            ax.axvline(b, label=name, **style)
        elif span is None:
            ax.axhline(b, label=name, **style)
        else:
            ax.hlines(b, *span, label=name, **style)
    if len(bounds) == 2:
        if axis == "x":
            ax.axvspan(lo, hi, color=THRESHOLD_COLOR, alpha=0.10, lw=0, zorder=0.5)
        elif span is None:
            ax.axhspan(lo, hi, color=THRESHOLD_COLOR, alpha=0.10, lw=0, zorder=0.5)
        else:
            ax.fill_between(span, lo, hi, color=THRESHOLD_COLOR, alpha=0.10, lw=0, zorder=0.5)


class ClaimAxes(Axes):
    """The suite's axes: matplotlib's, plus `mark_claim` to draw a claim's threshold where its metric is shown."""

    def mark_claim(self, claim_id: str, scale: float = 1.0, offset: float = 0.0, label: str | None = None,
                   axis: str = "y", span: tuple[float, float] | None = None) -> None:
        """Draw the claim's accepted range in this plot's units: value = offset + scale * metric."""
        lo, hi = claim_range(claim_id)
        lo, hi = (None if b is None else offset + scale * b for b in (lo, hi))
        mark_range(self, lo, hi, label, axis, span)


def new_figure(ncols: int = 1, nrows: int = 1, width: float = 4.2, height: float = 3.2):
    """A themed figure with a grid of ClaimAxes; returns (fig, axes) as plt.subplots does (squeeze=False)."""
    apply_theme()
    return plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False, layout="constrained",
                        subplot_kw={"axes_class": ClaimAxes})


def save_figure(fig, outdir: Path, name: str) -> str:
    """Save as <outdir>/<name>.png, close the figure and return the file name."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    fname = f"{name}.png"
    fig.savefig(outdir / fname)
    plt.close(fig)
    return fname
