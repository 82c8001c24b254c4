"""The figure theme is seaborn's set_theme, frozen into a matplotlib style file that draws without seaborn."""
import subprocess
import sys

import matplotlib
import pytest
from matplotlib.colors import to_rgb

from claimbench.report import theme


def test_the_style_file_is_what_seaborn_writes_today():
    assert theme.STYLE.read_text() == theme.style_text(), "run `python -m claimbench.report.theme`"


def _comparable(rc: dict) -> dict:
    cycle = rc.pop("axes.prop_cycle").by_key()["color"]
    return {**rc, "axes.prop_cycle": [to_rgb(c) for c in cycle]}


def test_the_style_sets_every_value_seaborns_set_theme_sets():
    expected = theme.seaborn_rc()
    assert len(expected) > 40 and "image.cmap" not in expected
    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        theme.apply_theme()
        got = {k: matplotlib.rcParams[k] for k in expected}
    assert _comparable(got) == _comparable(expected)


def test_palette_gives_seaborns_colors_of_the_theme():
    sns = pytest.importorskip("seaborn")
    with matplotlib.rc_context():
        theme.apply_theme()
        assert theme.palette(13) == [tuple(c) for c in sns.color_palette(n_colors=13)]


def test_a_figure_is_drawn_and_saved_without_importing_seaborn(tmp_path):
    code = ("import sys; from claimbench.report import theme\n"
            "fig, ax = theme.new_figure(); ax[0, 0].plot([0, 1], color=theme.palette(2)[1])\n"
            f"theme.save_figure(fig, {str(tmp_path)!r}, 'f')\n"
            "print(sorted(m for m in ('seaborn', 'scipy.stats') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert (tmp_path / "f.png").stat().st_size > 1000


def _log_figure(span: float, drop: bool, path):
    from matplotlib.ticker import NullLocator

    fig, ax = theme.new_figure()
    ax[0, 0].loglog([1, span], [1, span])
    if drop:  # else saved by hand: save_figure would drop them
        theme.drop_blank_minor_ticks(fig)
    dropped = isinstance(ax[0, 0].xaxis.get_minor_locator(), NullLocator)
    fig.savefig(path)
    matplotlib.pyplot.close(fig)
    return dropped, path.read_bytes()


@pytest.mark.parametrize("span, blank", [(1e6, True), (3.0, False)])
def test_blank_minor_ticks_of_log_axes_are_dropped_without_changing_the_picture(tmp_path, span, blank):
    dropped, picture = _log_figure(span, True, tmp_path / "a.png")
    kept, reference = _log_figure(span, False, tmp_path / "b.png")
    assert (dropped, kept) == (blank, False)  # over 6 decades the minor labels are blank; over 3x they show
    assert picture == reference


def test_figure_share_saves_the_granted_figures_and_names_them_all(tmp_path):
    def draw(outdir):
        names = []
        for k in range(3):
            fig, _ = theme.new_figure()
            names.append(theme.save_figure(fig, outdir, f"f{k}"))
        return names

    asked = []
    for mine, saved in (({0, 2}, ["f0.png", "f2.png"]), ({1}, ["f1.png"])):
        with theme.figure_share(lambda k, mine=mine: asked.append(k) or k in mine) as share:
            assert draw(tmp_path / str(min(mine))) == ["f0.png", "f1.png", "f2.png"] and share["seen"] == 3
        assert sorted(p.name for p in (tmp_path / str(min(mine))).iterdir()) == saved
    assert asked == [0, 1, 2] * 2  # asked once per figure, in drawing order
    assert draw(tmp_path / "all") and len(list((tmp_path / "all").iterdir())) == 3  # no share: every figure
