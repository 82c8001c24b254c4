"""Redraw a run's figures from its stored measurements and check their legibility.

    python -m claimbench.report.redraw reports/runs/PAPER/BACKEND/PROFILE [OUTDIR]

measurements.json (scalars) and arrays/*.npz (arrays) hold everything the experiments returned, so a
figure can be redrawn, and checked, without running anything again. Prints one line per problem
(overlapping texts, text under 8 px at the report's size); exit code 1 if there is any.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from unittest import mock

import numpy as np
from matplotlib.figure import Figure

from claimbench import registry
from claimbench.report.legibility import problems


def load_outputs(run: Path) -> dict[str, list[dict | None]]:
    """{experiment: [seed 0 output, seed 1 output, ...]} as the runner handed them to figures.draw."""
    run = Path(run)
    scalars = json.loads((run / "measurements.json").read_text())
    out: dict[str, list[dict | None]] = {}
    for exp, seeds in scalars.items():
        n = max(int(s) for s in seeds) + 1
        out[exp] = [None] * n
        for seed, values in seeds.items():
            arrays = run / "arrays" / f"{exp}_seed{seed}.npz"
            extra = dict(np.load(arrays)) if arrays.exists() else {}
            out[exp][int(seed)] = {**{k: (np.nan if v is None else v) for k, v in values.items()}, **extra}
    return out


def draw_checked(slug: str, outputs: dict, outdir: Path) -> tuple[dict[str, str], list[str]]:
    """Call the paper's figures.draw; return its {name: file} and the legibility problems of every figure."""
    found: list[str] = []
    original = Figure.savefig

    def checked(fig, fname, *args, **kwargs):
        found.extend(problems(fig, f"{slug}/{Path(str(fname)).stem}"))
        return original(fig, fname, *args, **kwargs)

    module = registry.figures_module(slug)
    if module is None:
        return {}, []
    with mock.patch.object(Figure, "savefig", checked):
        drawn = dict(module.draw(outputs, Path(outdir)))
    return drawn, found


def main(argv: list[str] | None = None) -> int:
    """Redraw one run folder's figures (into OUTDIR, default a 'redrawn' folder beside it) and report."""
    args = sys.argv[1:] if argv is None else argv
    if not args or not (Path(args[0]) / "measurements.json").exists():
        print("usage: python -m claimbench.report.redraw RUN_FOLDER [OUTDIR] (a folder with measurements.json)",
              file=sys.stderr)
        return 2
    run = Path(args[0])
    outdir = Path(args[1]) if len(args) > 1 else run.parent / f"{run.name}.redrawn"
    slug = json.loads((run / "meta.json").read_text())["paper"]
    drawn, found = draw_checked(slug, load_outputs(run), outdir)
    print("\n".join(found) or f"{len(drawn)} figures, no legibility problem", file=sys.stdout)
    print(f"figures: {outdir}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
