"""Build the report from result files on disk (never from memory): verdicts.csv, summary.md, index.html."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from claimbench import registry, results, results_check
from claimbench.claims import Status
from claimbench.params import ParamsError
from claimbench.report import page
from claimbench.report.order import NOT_PASSING, TOTALS, ordered, worst

COLUMNS = ["paper", "claim", "backend", "profile", "variant", "status", "measured", "expected", "margin", "seeds_held",
           "seeds_run", "must_hold", "source", "statement", "why", "note", "message", "wall_s", "device",
           "git_commit", "figure"]
BROKEN = "BROKEN"  # a run folder that cannot be read: one row per run, not per claim
BROKEN_CLAIM = "(run folder)"
STATUS_ORDER = [*(s.value for s in Status), BROKEN]
MD_MARK = {"PASS": "✅", "FAIL": "❌", "ERROR": "⚠️", "SKIP": "⏭️", "BROKEN": "⛔"}


def _fmt(x) -> str:
    """Numbers for tables: 4 significant digits, blanks for missing."""
    if x is None or (isinstance(x, float) and pd.isna(x)):
        return ""
    return f"{x:.4g}" if isinstance(x, float) else str(x)


def collect(out_root: Path, profile: str | None = None, variants: bool = False) -> pd.DataFrame:
    """One row per (paper, claim, backend, profile) read from the run folders under out_root/runs.

    `variants=True` adds the variant runs under out_root/variants (column `variant` names them; it is ''
    for canonical runs). A run folder that cannot be read or does not add up gives one row with status
    BROKEN whose message names the file and the reason; runs of a paper that no longer exists are left out.
    """
    folders = [(f, None) for f in results_check.find_runs(out_root, profile)]
    if variants:
        folders += [(f, f.name) for f in results_check.find_variants(out_root, profile)]
    return collect_folders(out_root, folders)


def collect_folders(out_root: Path, folders: list[tuple[Path, str | None]]) -> pd.DataFrame:
    """The verdict rows of the given (run folder, variant name or None) pairs, sorted as `collect` sorts."""
    rows = []
    for folder, variant in folders:
        rows += _rows(out_root, folder, variant)
    df = pd.DataFrame(rows, columns=COLUMNS)
    return df.sort_values(["paper", "profile", "variant", "claim", "backend"], kind="stable").reset_index(drop=True)


def _rows(out_root: Path, folder: Path, variant: str | None) -> list[dict]:
    """The rows of one run folder (one BROKEN row if it cannot be read back)."""
    paper, backend, prof = folder.parts[-4:-1] if variant else folder.parts[-3:]
    try:
        claims = {c.id: c for c in registry.load_paper(paper).claims}
    except ParamsError:
        return []  # a paper folder was removed or renamed since this run
    metrics = None if variant else results.metrics_path(out_root, paper, backend, prof)
    try:
        run = results_check.load_run(folder, claims, metrics, expect=(paper, backend, prof), variant=variant)
    except results_check.BrokenRun as exc:
        return [{**dict.fromkeys(COLUMNS, ""), "measured": None, "margin": None, "wall_s": None,
                 "seeds_held": 0, "seeds_run": 0, "must_hold": 0, "paper": paper, "claim": BROKEN_CLAIM,
                 "backend": backend, "profile": prof, "variant": variant or "", "status": BROKEN,
                 "message": str(exc)}]
    return [_row(claims[v.claim_id], v, run["meta"], folder) for v in run["verdicts"] if v.claim_id in claims]


def _row(c, v, meta: dict, folder: Path) -> dict:
    fig = meta.get("figures", {}).get(c.figure or "", "")
    variant = (meta.get("variant") or {}).get("name", "")
    return {"paper": meta["paper"], "claim": c.name, "backend": meta["backend"], "profile": meta["profile"],
            "variant": variant,
            "status": v.status.value, "measured": v.measured, "expected": v.expected, "margin": v.margin,
            "seeds_held": v.seeds_held, "seeds_run": v.seeds_run, "must_hold": v.must_hold,
            "source": str(c.source), "statement": c.statement, "why": c.why, "note": c.note,
            "message": v.message, "wall_s": meta.get("claim_wall_s", {}).get(v.claim_id),
            "device": meta.get("device", ""), "git_commit": meta.get("git_commit", ""),
            "figure": str(folder / "figures" / fig) if fig else ""}


def _backends(df: pd.DataFrame) -> list[str]:
    """Backends present, in registry order (torch, jax), unknown ones last."""
    known = [b for b in registry.BACKENDS if b in set(df.backend)]
    return known + sorted(set(df.backend) - set(known))


def verdict_table(df: pd.DataFrame, emoji: bool = False) -> pd.DataFrame:
    """Claims as rows (display order), backends as columns: 'FAIL 0.9328 (1/3)'."""
    if df.empty:
        return pd.DataFrame(columns=["paper", "profile", "claim"])
    df = ordered(df)
    mark = MD_MARK if emoji else {}
    cell = df.apply(lambda r: " ".join(x for x in (mark.get(r.status, ""), r.status, _fmt(r.measured),
                                                   f"({r.seeds_held}/{r.seeds_run})" if r.seeds_run else "")
                                       if x), axis=1)
    keys = _keys(df, ["paper", "profile", "claim"])
    wide = df.assign(cell=cell).pivot_table(index=keys, columns="backend", values="cell", aggfunc="first",
                                            sort=False).reset_index()
    wide.columns.name = None
    wide = wide[[*keys, *_backends(df)]]
    expected = df.drop_duplicates(keys)[[*keys, "expected"]]
    return wide.merge(expected, on=keys, how="left").fillna("")


def _keys(df: pd.DataFrame, keys: list[str]) -> list[str]:
    """Grouping keys, with `variant` after `profile` when the frame holds variant runs."""
    if (df.variant.fillna("") == "").all():
        return keys
    i = keys.index("profile") + 1
    return [*keys[:i], "variant", *keys[i:]]


def counts_table(df: pd.DataFrame) -> pd.DataFrame:
    """PASS/FAIL/ERROR/SKIP/BROKEN counts per paper, backend and profile."""
    if df.empty:
        return pd.DataFrame(columns=["paper", "backend", "profile", *STATUS_ORDER])
    t = df.groupby(_keys(df, ["paper", "backend", "profile"]))["status"].value_counts().unstack(fill_value=0)
    return t.reindex(columns=STATUS_ORDER, fill_value=0).reset_index()


def _md(df: pd.DataFrame) -> str:
    """A GitHub-renderable markdown table without the tabulate dependency."""
    head = "| " + " | ".join(map(str, df.columns)) + " |"
    sep = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(_fmt(v).replace("|", "\\|") for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, sep, *body])


def _totals_line(df: pd.DataFrame) -> str:
    counts = df.status.value_counts()
    return " · ".join(f"{MD_MARK[s]} {s} {int(counts.get(s, 0))}" for s in TOTALS if s != "BROKEN" or s in counts)


def not_passing_lines(df: pd.DataFrame) -> list[str]:
    """One markdown line per claim that does not pass on some backend: BROKEN, FAIL, ERROR, then SKIP."""
    df = ordered(df)
    broken = df.status == BROKEN  # a whole run folder that cannot be read: one row per run
    lines = [f"- {MD_MARK[BROKEN]} **BROKEN** `{r.paper}` [{r.backend}/{r.profile}]: {r.message}"
             for r in df[broken].itertuples()]
    for status in NOT_PASSING:
        for _, g in df[~broken].groupby(_keys(df, ["paper", "profile", "claim"]), sort=False):
            if worst(g.status) != status:
                continue
            paper, claim = g.paper.iloc[0], g.claim.iloc[0]
            profile = g.profile.iloc[0] + (f", variant {g.variant.iloc[0]}" if g.variant.iloc[0] else "")
            per = ", ".join(f"{b} {MD_MARK.get(s, '')} {s}" for b, s in zip(g.backend, g.status, strict=True))
            r = g.iloc[0]
            if status == "FAIL":
                measured = ", ".join(f"{b} {_fmt(m)}" for b, m in zip(g.backend, g.measured, strict=True))
                why = f"measured {measured}; expected {r.expected}. {r.note or ''}".strip()
            else:
                why = next((m for m in g.message if m), "") or r.note or ""
            lines.append(f"- {MD_MARK[status]} **{status}** `{paper}.{claim}` [{profile}] ({per}): {why}")
    return lines


def summary_markdown(df: pd.DataFrame) -> str:
    """reports/summary.md: totals, the not-passing list, the status matrix, then counts per run."""
    profiles = ", ".join(sorted(set(df.profile))) or "none"
    parts = ["# claimbench verdicts", "",
             f"Generated by `claimbench report` from `reports/runs/` (profile {profiles}). Cells: status, "
             "measured value (median over seeds), (seeds that held / seeds run). Per-seed values, figures and "
             "the reasons behind each threshold: `reports/index.html`.", "",
             f"**Totals** (one verdict per claim and backend): {_totals_line(df)}", ""]
    lines = not_passing_lines(df)
    parts += ["## Not passing", "", *(lines or ["Every claim holds on every backend."]), ""]
    parts += ["## Status matrix", "", "Claims by paper; within a paper FAIL/ERROR first, then in the paper's "
              "order.", "", _md(verdict_table(df, emoji=True)), "", "## Counts per run", "", _md(counts_table(df)), ""]
    return "\n".join(parts)


def html_page(df: pd.DataFrame, out_root: Path = Path("reports"), profile: str | None = None,
              sweeps: list[dict] = (), performance: str = "") -> str:
    """reports/index.html: overview (totals, not-passing list, status matrix, provenance), then the cards.

    Variant runs (if the frame holds them) get their own badged cards; `sweeps` are linked at the top,
    and `performance` (the benchmark page's file name, if there is one) too.
    """
    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    return env.get_template("index.html.j2").render(**page.context(df, Path(out_root), profile),
                                                    sweeps=list(sweeps), performance=performance)


def build(out_root: Path, profile: str | None = None, variants: bool = False) -> pd.DataFrame:
    """Write verdicts.csv, summary.md and index.html under out_root; return the verdict frame.

    Only canonical runs are shown unless `variants` (then each variant row names its variant).
    """
    from claimbench.sweep.page import list_sweeps

    out_root = Path(out_root)
    df = collect(out_root, profile, variants)
    # the committed table holds what a verdict is, not when/where it ran (that is in each run's meta.json)
    stable = df.drop(columns=["figure", "wall_s", "git_commit", "device"])
    if not variants:
        stable = stable.drop(columns=["variant"])
    results.write_text(out_root / "verdicts.csv", stable.to_csv(index=False))
    results.write_text(out_root / "summary.md", summary_markdown(df))
    from claimbench.bench import page as bench_page  # the benchmark history page, when there is one to show

    perf = bench_page.write(out_root).name if bench_page.exists(out_root) else ""
    results.write_text(out_root / "index.html", html_page(df, out_root, profile, list_sweeps(out_root), perf))
    return df


def terminal_table(df: pd.DataFrame) -> str:
    """The verdict table for the terminal, in the report's order (FAIL/ERROR first within each paper)."""
    if df.empty:
        return "(no results yet: run `claimbench run PAPER` or `make reproduce`)"
    return verdict_table(df).to_string(index=False)
