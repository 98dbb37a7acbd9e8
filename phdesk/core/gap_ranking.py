"""Gap rankings, one home: the biggest gaps of a table as shown (the workshop and the reports), and
each neighbourhood's headline gap (the neighbourhood list).

The biggest gaps:

Ranked by the gap score *as the disclosure rule shows it* (a rounded or suppressed score must not
be ordered by its exact value: the order would hint at it; a suppressed one takes no place), and
one line per category in each neighbourhood: Core20 and IMD Q1 are the same residents (national
deciles 1–2), so a category's gap came twice and pushed another category off a short list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

HEADLINE_MIN_PEOPLE = 100   # residents of a segment in a neighbourhood to lead a gap list
# a category with fewer sites than this in the run cannot tell neighbourhoods apart: nearly every
# one lacks it (Trafford's one "Lostock High School run library" headlined 19 of 21 wards)
FEW_SITES = 3


def biggest_gaps(shown: pd.DataFrame, n: int, set_aside: Iterable[str] = ()) -> pd.DataFrame:
    """The ``n`` rows of ``shown`` (neighbourhood_segments rows, values as shown: numbers or
    "*") with the highest gap scores, a category at most once per neighbourhood; the segment
    "All" (no gap by definition) never. The index is kept (the disclosure rule's lookups).

    With a ``population`` column, segments of fewer than ``HEADLINE_MIN_PEOPLE`` residents (or
    a suppressed count) come after all others, as in the headlines: Trafford's report led
    Altrincham's gaps with "Ethnicity: White: Roma", a score resting on a handful of people.
    Categories ``set_aside`` (``scarce_categories``: too few sites to tell neighbourhoods
    apart) come after those: with no site of them near, each scores the segment's whole need
    share, and Altrincham's report listed four such categories tied at 10.5 pp."""
    rows = shown[shown["segment"].astype(str) != "All"] if "segment" in shown else shown
    score = pd.to_numeric(rows["gap_score"], errors="coerce")
    few = (~(pd.to_numeric(rows["population"], errors="coerce") >= HEADLINE_MIN_PEOPLE)
           if "population" in rows else False)
    aside = rows["category"].isin(list(set_aside)) if "category" in rows else False
    ranked = rows.assign(_rank=score, _few=few, _aside=aside).dropna(subset=["_rank"])
    ranked = ranked.sort_values(["_aside", "_few", "_rank"], ascending=[True, True, False],
                                kind="stable")
    place = [c for c in ("neighbourhood", "category") if c in ranked]
    return ranked.drop_duplicates(place).head(n).drop(columns=["_rank", "_few", "_aside"])


def gap_label(row, where: bool = False) -> str:
    """A gap as every list names it: "Dentist · IMD Q5", the category first, so that a long
    census segment cut short on a chart ("Ethnicity: Asian, Asian British or Asian Welsh: …")
    never hides which category it is; led by the neighbourhood when ``where``."""
    text = f"{row.category} · {row.segment}"
    return f"{row.neighbourhood} · {text}" if where else text


def headline_order(table: pd.DataFrame) -> pd.DataFrame:
    """Rows ordered worst first for headlines: absolute before relative, so a neighbourhood with
    no site within reach never ranks below one with some. Key: access_ratio ascending (0 = no
    site within reach of anyone; also when no one in the study area has a site within reach, and
    so there is no rate), then no_site_pct descending, then gap_score descending.

    Rows of segments with fewer than ``HEADLINE_MIN_PEOPLE`` residents in the neighbourhood come
    after all others: a ratio resting on a dozen people (one census ethnic group living in one
    far area) would otherwise headline a neighbourhood of thousands."""
    t = table.copy()
    ratio = pd.to_numeric(t.get("access_ratio"), errors="coerce")
    none = pd.to_numeric(t.get("no_site_pct"), errors="coerce")
    # no site within reach of anyone in the study area: no rate to compare with, still absence
    t["_r"] = ratio.where(ratio.notna(), np.where(none >= 100, 0.0, np.inf))
    t["_n"] = -none.fillna(0.0)
    t["_g"] = -pd.to_numeric(t.get("gap_score"), errors="coerce").fillna(-np.inf)
    people = pd.to_numeric(t["population"], errors="coerce") if "population" in t else None
    t["_s"] = False if people is None else (people.fillna(0.0) < HEADLINE_MIN_PEOPLE)
    t = t[np.isfinite(t["_r"]) | pd.to_numeric(t.get("gap_score"), errors="coerce").notna()]
    return t.sort_values(["_s", "_r", "_n", "_g"], kind="stable").drop(
        columns=["_s", "_r", "_n", "_g"])


def absent_everywhere(table: pd.DataFrame) -> list[str]:
    """Categories that no resident of the study area has within reach (``no_site_pct`` 100 in
    every neighbourhood's "All" row), sorted. Such an absence is the study area's, not a
    neighbourhood's: it is said once, not as every neighbourhood's headline (three archives in
    all of London headlined each of Lewisham's 19 wards and hid their own gaps)."""
    if not {"category", "no_site_pct"} <= set(table.columns) or table.empty:
        return []
    rows = table[table["segment"].astype(str) == "All"] if "segment" in table else table
    none = pd.to_numeric(rows["no_site_pct"], errors="coerce")
    everywhere = (none >= 100).groupby(rows["category"]).all()
    return sorted(everywhere.index[everywhere.to_numpy()].astype(str))


def few_sites(sites: pd.Series) -> list[tuple[str, int]]:
    """(category, sites) of the categories with at least one but fewer than ``FEW_SITES`` sites
    in the run (``sites``: the run's site count by category), fewest first, then by name. Such
    a category is a study-area-wide scarcity, said once, not a neighbourhood's headline."""
    counts = pd.to_numeric(sites, errors="coerce")
    few = counts[(counts >= 1) & (counts < FEW_SITES)]
    order = sorted(zip(few.index.astype(str), few.astype(int), strict=True),
                   key=lambda cs: (cs[1], cs[0].casefold()))
    return [(c, int(k)) for c, k in order]


def site_counts(rules: pd.DataFrame | None) -> pd.Series | None:
    """A run's site count by category (its ``category_rules.sites``), or None when unknown."""
    if rules is None or not {"category", "sites"} <= set(rules.columns):
        return None
    return rules.set_index("category")["sites"]


def scarce_categories(rules: pd.DataFrame | None) -> list[str]:
    """The categories of a run's ``category_rules`` table (its ``sites`` column) with fewer than
    ``FEW_SITES`` sites: the rows ``biggest_gaps`` and the headlines set aside."""
    sites = site_counts(rules)
    return [] if sites is None else [c for c, _ in few_sites(sites)]


def neighbourhood_headlines(table: pd.DataFrame, set_aside: Iterable[str] = ()) -> pd.DataFrame:
    """One headline row per neighbourhood, worst first by ``headline_order``, among the
    categories some resident of the study area can reach and not ``set_aside`` (the categories
    of ``few_sites``); a neighbourhood with nothing else keeps its worst row as its headline."""
    ordered = headline_order(table)
    absent = set(absent_everywhere(table)) | set(set_aside)
    local = ordered[~ordered["category"].isin(absent)]
    rest = ordered[~ordered["neighbourhood"].isin(local["neighbourhood"])]
    return pd.concat([local, rest]).drop_duplicates("neighbourhood")


HEADLINE_COLUMNS = ["neighbourhood", "segment", "category", "gap_score"]


@dataclass(frozen=True)
class Headlines:
    """What the neighbourhood list says about gaps: one headline row per neighbourhood (columns
    ``HEADLINE_COLUMNS``, with access_ratio and no_site_pct when the run has them, and
    ``sites``, the category's site count), and the categories said once instead of headlining
    every neighbourhood: ``absent`` (no one in the study area has one within reach) and ``few``
    ((category, sites) with fewer than ``FEW_SITES`` sites)."""

    gaps: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=HEADLINE_COLUMNS))
    absent: list[str] = field(default_factory=list)
    few: list[tuple[str, int]] = field(default_factory=list)


def headlines(table: pd.DataFrame | None, rules: pd.DataFrame | None) -> Headlines:
    """The one headline rule for a run: ``table`` its neighbourhood_segments, ``rules`` its
    category_rules (the site count by category; None when unknown)."""
    if table is None or table.empty:
        return Headlines()
    sites = site_counts(rules)
    absent = absent_everywhere(table)
    few = [] if sites is None else [(c, k) for c, k in few_sites(sites) if c not in absent]
    cols = HEADLINE_COLUMNS + [c for c in ("access_ratio", "no_site_pct") if c in table]
    gaps = neighbourhood_headlines(table, [c for c, _ in few])[cols].reset_index(drop=True)
    if sites is not None:   # a headline left on a scarce category says how many sites
        gaps["sites"] = gaps["category"].map(sites).astype("Int64")
    return Headlines(gaps, absent, few)
