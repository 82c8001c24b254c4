"""Is a figure readable where the report shows it? No two texts overlap; every text is >= 8 px tall.

The check draws the figure once and records each text that is actually drawn (tick labels inside the
view, titles, legend entries, colorbar labels) with its extent from matplotlib's renderer. Sizes are
measured at the report's display width: a figure wider than DISPLAY_WIDTH_PX is scaled down there.
"""
from __future__ import annotations

from dataclasses import dataclass
from unittest import mock

import matplotlib
from matplotlib.text import Text

from claimbench.report.theme import DISPLAY_WIDTH_PX, MIN_FONT_PX

TOUCH_PX = 1.0  # boxes may touch (share up to this many pixels) without counting as an overlap


@dataclass(frozen=True)
class Drawn:
    """One text as drawn: its string, font size in points and extent in pixels (x0, y0, x1, y1)."""

    text: str
    size_pt: float
    box: tuple[float, float, float, float]


def drawn_texts(fig) -> list[Drawn]:
    """Every non-empty text matplotlib draws for fig, with its window extent."""
    found: list[Drawn] = []
    original = Text.draw

    def spy(self, renderer):
        original(self, renderer)
        if self.get_visible() and self.get_text().strip():
            b = self.get_window_extent(renderer)
            found.append(Drawn(self.get_text(), float(self.get_fontsize()), (b.x0, b.y0, b.x1, b.y1)))

    with mock.patch.object(Text, "draw", spy):
        fig.canvas.draw()
    return found


def shown_scale(fig) -> float:
    """Factor by which the report scales the saved PNG (<= 1): display width / saved width."""
    if matplotlib.rcParams["savefig.bbox"] == "tight":  # cropped to the drawn texts, plus a pad on each side
        pad = float(matplotlib.rcParams["savefig.pad_inches"])
        width_px = (fig.get_tightbbox(fig.canvas.get_renderer()).width + 2 * pad) * fig.dpi
    else:  # saved at its own size (the theme's: constrained layout already keeps every text inside)
        width_px = fig.get_size_inches()[0] * fig.dpi
    return min(1.0, DISPLAY_WIDTH_PX / width_px)


def _overlap(a, b) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > TOUCH_PX and min(a[3], b[3]) - max(a[1], b[1]) > TOUCH_PX


def problems(fig, name: str = "figure") -> list[str]:
    """One line per overlapping pair of texts and per text under MIN_FONT_PX at the displayed size."""
    texts = drawn_texts(fig)
    scale = shown_scale(fig)
    out = []
    for t in texts:
        # height in CSS px at the report's size = points * dpi / 72 * scale
        px = t.size_pt * fig.dpi / 72 * scale
        if px < MIN_FONT_PX:
            out.append(f"{name}: {t.text!r} is {px:.1f} px tall as shown (< {MIN_FONT_PX:g} px)")
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            if _overlap(a.box, b.box):
                out.append(f"{name}: {a.text!r} overlaps {b.text!r}")
    return out
