"""Every figure the smoke runs draw is readable where the report shows it (claimbench.report.legibility).

The smoke profile of every paper runs on the torch backend with Figure.savefig wrapped, so each figure
is checked as it is saved; the jax runs go through the same drawing code with nearly equal numbers.
"""
import shutil
from pathlib import Path
from unittest import mock

import pytest
from matplotlib.figure import Figure

from claimbench import registry
from claimbench.cli import main
from claimbench.report.legibility import problems
from claimbench.report.theme import new_figure

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def smoke_figures(tmp_path_factory):
    """{figure name: legibility problems} for every figure drawn by the smoke runs (torch)."""
    work = tmp_path_factory.mktemp("legible")
    shutil.copy(ROOT / "params.yaml", work / "params.yaml")
    checked: dict[str, list[str]] = {}
    original = Figure.savefig

    def savefig(fig, fname, *args, **kwargs):
        name = Path(str(fname)).stem
        checked[name] = problems(fig, name)
        return original(fig, fname, *args, **kwargs)

    with mock.patch.object(Figure, "savefig", savefig):
        args = ["--params", str(work / "params.yaml"), "--out", str(work / "reports")]
        assert main([*args, "run", *registry.discover_papers(), "--profile", "smoke", "--backend", "torch"]) == 0
    return checked


def test_every_smoke_figure_is_legible(smoke_figures):
    assert len(smoke_figures) >= 2 * len(registry.discover_papers()), sorted(smoke_figures)
    found = [p for issues in smoke_figures.values() for p in issues]
    assert not found, "\n".join(found)


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
