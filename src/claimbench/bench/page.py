"""reports/performance.html: the benchmark history and the latest A/B comparison, one offline page.

One small plot per benchmark group (paper) over the saved runs: each benchmark's median with its
min-max band, the runs' commits on the x axis (log-scale ms); then the table of the latest
`claimbench bench compare`. Images are embedded (base64 PNG), so the page opens without a network.
"""
from __future__ import annotations

import base64
import io
import json
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from claimbench import results
from claimbench.bench import history
from claimbench.bench.compare import COMPARE_DIR

PAGE = "performance.html"
TEMPLATES = Path(__file__).resolve().parents[1] / "report" / "templates"


def _label(name: str) -> str:
    """Legend text: the test name without module and 'test_'."""
    return name.split("::")[-1].removeprefix("test_")


def group_figure(runs: list[history.Run], names: list[str], group: str) -> str:
    """PNG data URI: median (line) and min-max band (shade) per benchmark over the runs, in ms."""
    from claimbench.report import theme

    fig, axes = theme.new_figure(width=7.0, height=3.0)
    ax = axes[0, 0]
    x = list(range(len(runs)))
    for name in names:
        pts = [(i, r.benchmarks[name]) for i, r in zip(x, runs, strict=True) if name in r.benchmarks]
        xs = [i for i, _ in pts]
        line, = ax.plot(xs, [1e3 * b["median"] for _, b in pts], marker="o", ms=3, lw=1.2, label=_label(name))
        ax.fill_between(xs, [1e3 * b["min"] for _, b in pts], [1e3 * b["max"] for _, b in pts],
                        color=line.get_color(), alpha=0.18, lw=0)
    ax.set_yscale("log")
    ax.set_xticks(x, [r.label.replace(" ", "\n", 1) for r in runs], fontsize=7)
    ax.set_xlim(-0.5, len(runs) - 0.5)
    ax.set_ylabel("ms per call (median, min-max)")
    ax.set_title(group or "(no group)")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _latest_rows(runs: list[history.Run], names: list[str]) -> list[dict]:
    last, prev = runs[-1], (runs[-2] if len(runs) > 1 else None)
    rows = []
    for n in names:
        b = last.benchmarks.get(n)
        p = prev.benchmarks.get(n) if prev else None
        rows.append({"name": n.removeprefix("benchmarks/"), "median": f"{1e3 * b['median']:.4g}" if b else "",
                     "prev": f"{1e3 * p['median']:.4g}" if p else "",
                     "change": f"{100 * (b['median'] / p['median'] - 1):+.1f} %" if b and p else "",
                     "extra": ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                                        for k, v in (b or {}).get("extra_info", {}).items())})
    return rows


def _comparison(out_root: Path) -> dict | None:
    path = Path(out_root) / COMPARE_DIR / "latest.json"
    try:
        data = json.loads(path.read_text())
        return data if isinstance(data, dict) and isinstance(data.get("benchmarks"), list) else None
    except (OSError, ValueError):
        return None


def html(out_root: Path) -> str:
    """The page's HTML from the history and the latest comparison on disk."""
    runs, broken = history.load(out_root)
    groups = [{"name": g, "figure": group_figure(runs, names, g), "rows": _latest_rows(runs, names)}
              for g, names in history.names_by_group(runs).items()]
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    return env.get_template("performance.html.j2").render(runs=runs, groups=groups, broken=broken,
                                                         comparison=_comparison(out_root))


def write(out_root: Path) -> Path:
    """Write out_root/performance.html (atomic) and return its path."""
    path = Path(out_root) / PAGE
    results.write_text(path, html(out_root))
    return path


def exists(out_root: Path) -> bool:
    """Is there anything for the page to show (a saved run or a comparison)?"""
    return bool(history.load(out_root)[0]) or _comparison(out_root) is not None
