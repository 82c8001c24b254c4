"""One seaborn theme for every figure of the suite, and a safe way to save a figure."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

PALETTE = "colorblind"


def apply_theme() -> None:
    """Set the suite's seaborn theme (call once before drawing)."""
    sns.set_theme(context="paper", style="whitegrid", palette=PALETTE, font_scale=1.1,
                  rc={"figure.dpi": 110, "savefig.bbox": "tight", "axes.titleweight": "bold"})


def new_figure(ncols: int = 1, nrows: int = 1, width: float = 4.2, height: float = 3.2):
    """A themed figure with a grid of axes; returns (fig, axes) as plt.subplots does (squeeze=False)."""
    apply_theme()
    return plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False)


def save_figure(fig, outdir: Path, name: str) -> str:
    """Save as <outdir>/<name>.png, close the figure and return the file name."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    fname = f"{name}.png"
    fig.savefig(outdir / fname)
    plt.close(fig)
    return fname
