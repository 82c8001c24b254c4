"""One seaborn theme for every figure of the suite, and a safe way to save a figure.

The theme is seaborn's `set_theme(**SEABORN_THEME)`, frozen into the style file `claimbench.mplstyle`
beside this module: importing seaborn costs 1.1-1.8 s per process (most of it scipy.stats), and every
run's writer process paid it before its first figure. `python -m claimbench.report.theme` rewrites
the file from seaborn; tests/test_theme.py checks that it still sets what seaborn sets. Unlike
set_theme, the style leaves matplotlib's one-letter colors alone ("k" is black, not seaborn's 10 % gray).
Figures are drawn at DPI dots per inch and shown in the report's cards at up to DISPLAY_WIDTH_PX CSS
pixels, scaled down when wider; `claimbench.report.legibility` checks that no text overlaps and that
every text stays at least 8 px tall at that size.
"""
from __future__ import annotations

import contextlib
import enum
from pathlib import Path
from typing import Callable

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.colors import to_hex, to_rgb  # noqa: E402
from matplotlib.ticker import NullLocator  # noqa: E402

PALETTE = "colorblind"
DPI = 110
DISPLAY_WIDTH_PX = 1040  # width of a figure in a report card (the card is this + 40 px, see report.css)
MIN_FONT_PX = 8.0  # smallest text height allowed at the displayed size
SEABORN_THEME = dict(context="paper", style="whitegrid", palette=PALETTE, font_scale=1.1,
                     rc={"figure.dpi": DPI, "savefig.dpi": DPI, "axes.titleweight": "bold",
                         "figure.constrained_layout.use": True, "mathtext.fontset": "dejavusans",
                         "legend.fontsize": 8.5, "legend.title_fontsize": 8.5, "axes.titlesize": 10,
                         "figure.titlesize": 11})
STYLE = Path(__file__).with_name("claimbench.mplstyle")
# seaborn registers its colormaps (e.g. its default "rocket") on import: the style keeps matplotlib's
# default colormap, and every figure of the suite names the colormap it draws with
NOT_FROZEN = ("image.cmap",)


def apply_theme() -> None:
    """Set the suite's theme (call before drawing): the style file seaborn's set_theme was frozen to."""
    plt.style.use(STYLE)


def palette(n: int) -> list[tuple[float, float, float]]:
    """The first n colors of the theme's color cycle, repeated if needed (seaborn's color_palette(n_colors=n))."""
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    return [to_rgb(cycle[k % len(cycle)]) for k in range(n)]


def seaborn_rc() -> dict:
    """What `sns.set_theme(**SEABORN_THEME)` sets, from matplotlib's defaults: every key of its style,
    context, palette, font and rc (imports seaborn; used to write and to check the style file)."""
    import seaborn as sns

    t = SEABORN_THEME
    keys = {*sns.axes_style(t["style"]), *sns.plotting_context(t["context"], t["font_scale"]),
            "axes.prop_cycle", "font.family", *t["rc"]}
    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        sns.set_theme(**t)
        try:
            return {k: matplotlib.rcParams[k] for k in sorted(keys) if k not in NOT_FROZEN}
        finally:
            sns.set_color_codes("reset")  # set_theme remapped "k" etc. for the whole process


def _rc_value(value) -> str:
    """One rcParams value as a matplotlibrc line writes it ('#' starts a comment there)."""
    if hasattr(value, "by_key"):  # the color cycle
        return f"cycler('color', {[to_hex(c)[1:] for c in value.by_key()['color']]})"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    if isinstance(value, enum.Enum):  # such as CapStyle.round
        return value.name
    return repr(value) if isinstance(value, float) else str(value).lstrip("#")


def style_text() -> str:
    """The style file's text, written from seaborn."""
    args = ", ".join(f"{k}={v!r}" for k, v in SEABORN_THEME.items() if k != "rc")
    head = (f"# claimbench's figure theme: seaborn's\n# set_theme({args}, rc=...),\n"
            "# frozen by `python -m claimbench.report.theme` (do not edit by hand)\n")
    return head + "".join(f"{k}: {_rc_value(v)}\n" for k, v in seaborn_rc().items())


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


def drop_blank_minor_ticks(fig) -> None:
    """Remove the minor ticks of log axes that show nothing: no label (the formatter gives '' to every
    one, as it does over more than a decade), no tick mark and no grid line (the theme's). The picture
    is the same, but matplotlib laid out and drew each of them: ~20 % of a many-panel figure's saving."""
    for axis in (a for ax in fig.axes for a in (ax.xaxis, ax.yaxis) if a.get_scale() == "log"):
        try:
            probe = axis.get_minor_ticks(1)[0]
            shown = any(line.get_visible() for line in (probe.tick1line, probe.tick2line, probe.gridline))
            blank = not shown and not any(axis.get_minor_formatter().format_ticks(axis.get_minorticklocs()))
        except Exception:  # noqa: BLE001 - an odd axis keeps its ticks: saving time must not cost a figure
            blank = False
        if blank:
            axis.set_minor_locator(NullLocator())


_share = {"claim": None, "seen": 0}  # which figures save_figure saves (figure_share)


@contextlib.contextmanager
def figure_share(claim: Callable[[int], bool] | None):
    """Within: save_figure saves the k-th figure it is handed (in call order, from 0) only if claim(k)
    says yes, and closes the others unsaved (still returning their file name): processes that draw the
    same figures side by side each save the ones granted to them (claimbench.jobs). None: save all."""
    old = dict(_share)
    _share.update(claim=claim, seen=0)
    try:
        yield _share  # its "seen": how many figures have been handed to save_figure
    finally:
        _share.update(old)


def save_figure(fig, outdir: Path, name: str) -> str:
    """Save as <outdir>/<name>.png (unless another process is granted it), close the figure and
    return the file name."""
    fname = f"{name}.png"
    turn, _share["seen"] = _share["seen"], _share["seen"] + 1
    if _share["claim"] is not None and not _share["claim"](turn):
        plt.close(fig)
        return fname
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    drop_blank_minor_ticks(fig)
    fig.savefig(outdir / fname)
    plt.close(fig)
    return fname


if __name__ == "__main__":  # rewrite the style file after a seaborn upgrade or a change of SEABORN_THEME
    STYLE.write_text(style_text())
    print(f"wrote {STYLE}")
