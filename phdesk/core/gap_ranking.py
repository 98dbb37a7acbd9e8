"""The biggest gaps of a table as shown: the one ranking the workshop and the reports read.

Ranked by the gap score *as the disclosure rule shows it* (a rounded or suppressed score must not
be ordered by its exact value: the order would hint at it; a suppressed one takes no place), and
one line per category in each neighbourhood: Core20 and IMD Q1 are the same residents (national
deciles 1–2), so a category's gap came twice and pushed another category off a short list.
"""

from __future__ import annotations

import pandas as pd


def biggest_gaps(shown: pd.DataFrame, n: int) -> pd.DataFrame:
    """The ``n`` rows of ``shown`` (neighbourhood_segments rows, values as shown: numbers or
    "*") with the highest gap scores, a category at most once per neighbourhood; the segment
    "All" (no gap by definition) never. The index is kept (the disclosure rule's lookups)."""
    rows = shown[shown["segment"].astype(str) != "All"] if "segment" in shown else shown
    score = pd.to_numeric(rows["gap_score"], errors="coerce")
    ranked = rows.assign(_rank=score).dropna(subset=["_rank"]).sort_values(
        "_rank", ascending=False, kind="stable")
    place = [c for c in ("neighbourhood", "category") if c in ranked]
    return ranked.drop_duplicates(place).head(n).drop(columns="_rank")
