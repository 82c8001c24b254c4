"""The legibility check itself (claimbench.report.legibility) catches what it should.

Every figure of every paper's smoke run, both backends, is checked as it is saved by the paper battery
(tests/test_papers_common.py::test_every_smoke_figure_is_legible), which shares its smoke run.
"""
from pathlib import Path

from claimbench.report.legibility import problems
from claimbench.report.theme import new_figure

ROOT = Path(__file__).resolve().parents[1]


def test_the_check_catches_overlap_and_small_text():
    fig, ax = new_figure()
    ax[0, 0].text(0.5, 0.5, "first label", transform=ax[0, 0].transAxes)
    ax[0, 0].text(0.52, 0.5, "second label", transform=ax[0, 0].transAxes)
    ax[0, 0].set_title("tiny", fontsize=4)
    found = problems(fig, "bad")
    assert any("'first label' overlaps 'second label'" in p for p in found)
    assert any("'tiny' is" in p and "px tall" in p for p in found)


def test_a_figure_wider_than_the_card_is_checked_at_its_shown_size():
    fig, ax = new_figure(ncols=6)  # 6 x 4.2 in at 110 dpi is ~2800 px, shown at ~1040 px
    for a in ax[0]:
        a.plot([0, 1], [0, 1])
    assert any("px tall as shown" in p for p in problems(fig, "wide"))
