"""Build the report from result files on disk (never from memory): verdicts.csv, summary.md, index.html."""
from __future__ import annotations

import base64
from pathlib import Path

import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape

from claimbench import registry, results, results_check
from claimbench.claims import Status
from claimbench.params import ParamsError

COLUMNS = ["paper", "claim", "backend", "profile", "variant", "status", "measured", "expected", "margin", "seeds_held",
           "seeds_run", "must_hold", "source", "statement", "why", "note", "message", "wall_s", "device",
           "git_commit", "figure"]
BROKEN = "BROKEN"  # a run folder that cannot be read: one row per run, not per claim
BROKEN_CLAIM = "(run folder)"
STATUS_ORDER = [*(s.value for s in Status), BROKEN]


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


def verdict_table(df: pd.DataFrame) -> pd.DataFrame:
    """Claims as rows, backends as columns: 'PASS 0.9731 (3/3)'."""
    if df.empty:
        return pd.DataFrame(columns=["paper", "profile", "claim"])
    cell = df.apply(lambda r: " ".join(x for x in (r.status, _fmt(r.measured),
                                                   f"({r.seeds_held}/{r.seeds_run})" if r.seeds_run else "")
                                       if x), axis=1)
    keys = _keys(df, ["paper", "profile", "claim"])
    wide = df.assign(cell=cell).pivot_table(index=keys, columns="backend", values="cell", aggfunc="first",
                                            sort=False)
    wide = wide.reset_index()
    wide.columns.name = None
    expected = df.drop_duplicates(keys)[[*keys, "expected"]]
    return wide.merge(expected, on=keys, how="left").fillna("")


def _keys(df: pd.DataFrame, keys: list[str]) -> list[str]:
    """Grouping keys, with `variant` after `profile` when the frame holds variant runs."""
    if (df.variant.fillna("") == "").all():
        return keys
    i = keys.index("profile") + 1
    return [*keys[:i], "variant", *keys[i:]]


def counts_table(df: pd.DataFrame) -> pd.DataFrame:
    """PASS/FAIL/ERROR/SKIP counts per paper, backend and profile."""
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


def summary_markdown(df: pd.DataFrame) -> str:
    """reports/summary.md: counts per paper/backend, then every claim's verdict per backend."""
    parts = ["# claimbench verdicts", "",
             "Generated by `claimbench report` from `reports/runs/`. Cells: status, measured value (median over "
             "seeds), (seeds that held / seeds run). Full cards with figures: `reports/index.html`.", "",
             "## Counts", "", _md(counts_table(df)), "", "## Claims", "", _md(verdict_table(df)), ""]
    notes = df[df.status.isin(["FAIL", "ERROR", "SKIP", BROKEN])]
    notes = notes.drop_duplicates(["paper", "claim", "backend", "profile", "variant"])
    if not notes.empty:
        parts += ["## Not passing", ""]
        for r in notes.itertuples():
            text = r.message or r.note or ""
            where = f"{r.backend}/{r.profile}" + (f" variant {r.variant}" if r.variant else "")
            parts.append(f"- **{r.paper}.{r.claim}** [{where}] {r.status}: {text}".rstrip(": "))
        parts.append("")
    return "\n".join(parts)


def _data_uri(path: str) -> str:
    if not path or not Path(path).exists():
        return ""
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode()


def html_page(df: pd.DataFrame, sweeps: list[dict] = ()) -> str:
    """reports/index.html: one card per claim (statement, source, verdict per backend, margin, reason, figure).

    A variant run's card carries a badge naming the variant; `sweeps` are linked at the top.
    """
    env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    cards, shown = [], {}  # shown: figure file -> anchor of the card that embeds it (each image once)
    for (paper, profile, variant, claim), g in df.groupby(["paper", "profile", "variant", "claim"], sort=False):
        first = g.iloc[0]
        ran = g[(g.status != "SKIP") & (g.figure != "")]  # a skipped claim has no figure of its own
        fig = ran.figure.iloc[0] if len(ran) else ""
        anchor = f"{paper}-{profile}-{claim}" + (f"-{variant}" if variant else "")
        cards.append({"paper": paper, "profile": profile, "claim": claim, "anchor": anchor, "variant": variant,
                      "statement": first.statement, "source": first.source, "why": first.why, "note": first.note,
                      "expected": first.expected, "rows": [{k: _fmt(v) for k, v in r._asdict().items()}
                                                           for r in g.itertuples()],
                      "figure": "" if fig in shown else _data_uri(fig), "figure_ref": shown.get(fig, "")})
        if fig and fig not in shown:
            shown[fig] = anchor
    papers = {s: registry.load_paper(s).info for s in df.paper.unique()}
    counts = counts_table(df)
    return env.get_template("index.html.j2").render(cards=cards, papers=papers, counts=counts.to_dict("records"),
                                                    variants="variant" in counts.columns, sweeps=sweeps)


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
    results.write_text(out_root / "index.html", html_page(df, list_sweeps(out_root)))
    return df


def terminal_table(df: pd.DataFrame) -> str:
    """The verdict table for the terminal."""
    if df.empty:
        return "(no results yet: run `claimbench run PAPER` or `make reproduce`)"
    return verdict_table(df).to_string(index=False)
