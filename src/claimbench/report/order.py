"""One order for every view of the verdicts (HTML page, summary.md, terminal): by paper, then the
claims that do not hold (BROKEN, FAIL, ERROR), then PASS, then SKIP, each group in the paper's own
claim order (claims.py), not alphabetically."""
from __future__ import annotations

import pandas as pd

from claimbench import registry
from claimbench.params import ParamsError

# Rank of a status when sorting (lower first); a claim takes the worst rank over its backends.
RANK = {"BROKEN": 0, "FAIL": 1, "ERROR": 2, "PASS": 3, "SKIP": 4}
NOT_PASSING = ("BROKEN", "FAIL", "ERROR", "SKIP")  # the order of the "Not passing" list
TOTALS = ("PASS", "FAIL", "ERROR", "SKIP", "BROKEN")  # the order of totals (BROKEN only when present)
SYMBOL = {"PASS": "✓", "FAIL": "✗", "ERROR": "!", "SKIP": "–", "BROKEN": "⊘"}


def claim_positions(papers) -> dict[tuple[str, str], int]:
    """{(paper, claim name): index in the paper's CLAIMS}; papers that no longer load are left out."""
    pos = {}
    for slug in papers:
        try:
            claims = registry.load_paper(slug).claims
        except (ParamsError, ImportError, ValueError):
            continue
        pos.update({(slug, c.name): i for i, c in enumerate(claims)})
    return pos


def worst(statuses) -> str:
    """The status that ranks first among a claim's backends."""
    return min(statuses, key=lambda s: RANK.get(s, -1))


def ordered(df: pd.DataFrame) -> pd.DataFrame:
    """The verdict frame sorted for display; adds `rank` (worst over backends) and `pos` columns."""
    if df.empty:
        return df.assign(rank=pd.Series(dtype=int), pos=pd.Series(dtype=int))
    keys = ["paper", "profile", "claim"]
    pos = claim_positions(df.paper.unique())
    rank = df.groupby(keys, sort=False)["status"].transform(lambda s: RANK.get(worst(s), -1))
    position = [pos.get((p, c), 10_000) for p, c in zip(df.paper, df.claim, strict=True)]
    backend = df.backend.map({b: i for i, b in enumerate(registry.BACKENDS)}).fillna(len(registry.BACKENDS))
    out = df.assign(rank=rank, pos=position, _b=backend)
    out = out.sort_values(["paper", "profile", "rank", "pos", "claim", "_b"], kind="stable")
    return out.drop(columns="_b").reset_index(drop=True)
