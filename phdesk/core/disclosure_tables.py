"""Disclosure control applied to the mapping tables (and to a scenario comparison).

The counts behind the tables are rebuilt from ``area_access`` (exact, per area): for each
patient-derived segment the people per area, per neighbourhood, and per neighbourhood and
category the people covered / not covered, in the catchment of two or more assets / of one. The
relations between them (a neighbourhood is the sum of its areas; covered + not covered = all;
a segment that is the sum of others; scenario = baseline + change) go to
:func:`phdesk.core.disclosure.protect`, and every figure shown is computed from the protected
counts, so no figure reveals more than the counts it is built on:

* population: the protected count;
* coverage_pct / overlap_pct and their limits: from the protected covered / total counts,
  hidden if the covered, not-covered (or overlap) count is hidden;
* assets_per_10k: assets / protected population;
* access_2sfca / access_e2sfca: hidden for patient-derived segments (capacity divided by the
  people in a catchment: with few people it gives their number away);
* gap_score: whole percentage points (rank recomputed), hidden where the population is hidden;
* inequality: the access rows hidden, coverage rows to 1 decimal.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from phdesk.core.disclosure import (
    PATIENT,
    SUPPRESSED,
    DisclosureRule,
    Protected,
    Relation,
    protect,
)
from phdesk.core.mapping_output import COLUMNS

TABLES = tuple(COLUMNS)   # every mapping table (the engine's list; new ones carry no counts
#                          until they are given a rule here)
# columns that name a row rather than measure people (never altered)
KEY_COLUMNS = frozenset({"neighbourhood", "segment", "category", "area_code", "measure", "note",
                         "study_area", "extrapolated", "model",
                         "deciles", "asset_id", "source_id", "name"})


def disclosure_class(column: str) -> str:
    """count | derived | none, from the measure catalogue; a column the catalogue does not
    know is treated as derived (hidden for patient-derived rows unless computed here)."""
    from phdesk.core.measures import MEASURES

    if column in MEASURES:
        return MEASURES[column].disclosure
    return "none" if column in KEY_COLUMNS else "derived"


def _hide_others(frame: pd.DataFrame, mask: np.ndarray, handled: list[str]) -> pd.DataFrame:
    """Hide every count or derived column of the rows in ``mask`` not computed here (a new
    measure is hidden for patient-derived segments until it has its own rule)."""
    other = [c for c in frame.columns if c not in handled and disclosure_class(c) != "none"]
    if other and mask.any():
        frame = _text(frame, other)
        frame.loc[mask, other] = SUPPRESSED
    return frame


@dataclass
class Cells:
    """Exact counts by key and the relations between them."""

    values: dict[Hashable, float] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)

    def add(self, key: Hashable, value: float) -> Hashable:
        self.values[key] = float(value)
        return key

    def relate(self, total: Hashable, parts: list[Hashable]) -> None:
        if parts:
            self.relations.append((total, list(parts)))


def patient_segments(classes: dict[str, str]) -> list[str]:
    return [s for s, c in classes.items() if c == PATIENT]


def build_cells(area_access: pd.DataFrame, classes: dict[str, str], tag: str = "",
                cells: Cells | None = None, segment_sums: list[tuple[str, list[str]]] = ()
                ) -> Cells:
    """Add the patient-derived counts of one run (scenario ``tag``) to ``cells``.

    Keys: ("area", seg, area_code), ("nb", seg, neighbourhood) for people (shared by the runs of
    one export when equal), and (kind, tag, seg, category, neighbourhood) for kind in
    covered / uncovered / multi / single.
    """
    cells = cells or Cells()
    pats = set(patient_segments(classes))
    aa = area_access[area_access["segment"].astype(str).isin(pats)]
    if aa.empty:
        return cells
    aa = aa.assign(segment=aa["segment"].astype(str), category=aa["category"].astype(str),
                   area_code=aa["area_code"].astype(str),
                   neighbourhood=aa["neighbourhood"].astype(str))
    people = aa.drop_duplicates(["segment", "area_code"])
    for seg, grp in people.groupby("segment", sort=True):
        for nb, g in grp.groupby("neighbourhood", sort=True):
            keys = [cells.add(("area", seg, a), v)
                    for a, v in zip(g["area_code"], g["population"], strict=True)]
            cells.relate(cells.add(("nb", seg, nb), g["population"].sum()), keys)
    for (seg, cat, nb), g in aa.groupby(["segment", "category", "neighbourhood"], sort=True):
        within = g["assets_within"].to_numpy()
        areas = g["area_code"].to_numpy()
        pop = g["population"].to_numpy(dtype=float)
        keys = {}
        for kind, mask in (("covered", within >= 1), ("uncovered", within == 0),
                           ("multi", within >= 2), ("single", within == 1)):
            keys[kind] = cells.add((kind, tag, seg, cat, nb), pop[mask].sum())
            cells.relate(keys[kind], [("area", seg, a) for a in areas[mask]])
        cells.relate(("nb", seg, nb), [keys["covered"], keys["uncovered"]])
        cells.relate(keys["covered"], [keys["multi"], keys["single"]])
    for total, parts in segment_sums:   # e.g. a user segment adding up extract segments
        if total in pats and all(q in pats for q in parts):
            for key in [k for k in cells.values if k[0] in ("area", "nb") and k[1] == total]:
                lvl, _, where = key
                cells.relate(key, [(lvl, q, where) for q in parts
                                   if (lvl, q, where) in cells.values])
    return cells


def segment_sums(area_access: pd.DataFrame, classes: dict[str, str],
                 candidates: dict[str, list[str]]) -> list[tuple[str, list[str]]]:
    """The candidate sums (segment -> parts) that hold exactly in every area (only those can be
    used by an attacker, so only those constrain the suppression)."""
    pats = set(patient_segments(classes))
    aa = area_access.drop_duplicates(["segment", "area_code"])
    wide = aa.pivot_table(index="area_code", columns="segment", values="population",
                          aggfunc="first", observed=True)
    out = []
    for total, parts in candidates.items():
        if total not in pats or total not in wide or not all(p in wide for p in parts):
            continue
        if np.allclose(wide[total].fillna(0), wide[parts].fillna(0).sum(axis=1)):
            out.append((total, list(parts)))
    return out


def _text(frame: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    frame = frame.copy()
    for c in cols:
        frame[c] = frame[c].astype(object)
    return frame


def protect_result(result, classes: dict[str, str], rule: DisclosureRule,
                   protected: Protected | None = None, tag: str = "",
                   candidates: dict[str, list[str]] | None = None) -> dict[str, pd.DataFrame]:
    """The five tables of ``result`` with the rule applied (``*`` for hidden values)."""
    tables = {t: getattr(result, t, pd.DataFrame(columns=COLUMNS[t])).copy() for t in TABLES}
    pats = set(patient_segments(classes))
    if not rule.enabled or not pats:
        return tables
    if protected is None:
        cells = build_cells(result.area_access, classes, tag, segment_sums=segment_sums(
            result.area_access, classes, candidates or {}))
        protected = protect(cells.values, cells.relations, rule)
    tables["neighbourhood_segments"] = _neighbourhoods(tables["neighbourhood_segments"], pats,
                                                       protected, tag)
    tables["area_access"] = _areas(tables["area_access"], pats, protected)
    if "All" in pats:
        cs = _text(tables["cold_spots"], ["population"])
        cs["population"] = [protected.value(("area", "All", a))
                            if ("area", "All", a) in protected.shown else SUPPRESSED
                            for a in cs["area_code"].astype(str)]
        tables["cold_spots"] = cs
    tables["inequality"] = _inequality(tables["inequality"], pats)
    return tables


def _neighbourhoods(ns: pd.DataFrame, pats: set, p: Protected, tag: str) -> pd.DataFrame:
    from phdesk.stats import wilson_ci

    cols = ["population", "assets_per_10k", "coverage_pct", "coverage_lower", "coverage_upper",
            "access_2sfca", "access_e2sfca", "overlap_pct", "gap_score", "gap_rank"]
    cols = [c for c in cols if c in ns] + (["no_site_pct"] if "no_site_pct" in ns else [])
    exact_access = pd.to_numeric(ns.get("access_2sfca"), errors="coerce")
    exact_gap = pd.to_numeric(ns.get("gap_score"), errors="coerce")
    ns = _text(ns, cols)
    rows = np.flatnonzero(ns["segment"].astype(str).isin(pats).to_numpy())
    for r in rows:
        seg, cat, nb = (str(ns.at[r, c]) for c in ("segment", "category", "neighbourhood"))
        n = p.shown.get(("nb", seg, nb), 0.0)
        k = {kind: (kind, tag, seg, cat, nb) for kind in ("covered", "uncovered", "multi",
                                                            "single")}
        c = p.shown.get(k["covered"], 0.0)
        out = dict.fromkeys(cols, SUPPRESSED)
        out["access_2sfca"] = out["access_e2sfca"] = SUPPRESSED
        if n is not None:
            out["population"] = n
            out["assets_per_10k"] = (float(ns.at[r, "assets_inside"]) / n * 10_000 if n
                                     else np.nan)
            if not n:
                out.update(coverage_pct=np.nan, coverage_lower=np.nan, coverage_upper=np.nan,
                           overlap_pct=np.nan, no_site_pct=np.nan)
            elif c is not None and not p.hidden(k["uncovered"]):
                c = min(c, n)
                lo, hi = wilson_ci(c, n)
                out.update(coverage_pct=100 * c / n, coverage_lower=100 * float(lo),
                           coverage_upper=100 * float(hi), no_site_pct=100 - 100 * c / n)
            if n and c is not None and not (p.hidden(k["multi"]) or p.hidden(k["single"])):
                m = p.shown.get(k["multi"], 0.0)
                out["overlap_pct"] = 100 * min(m, c) / c if c else np.nan
        for col, v in out.items():
            if col in ns and col != "gap_score":
                ns.at[r, col] = v
    if "gap_score" in ns:
        _gap_scores(ns, rows, p, exact_access, exact_gap)
    # ranks from the shown gap scores, within each segment x category
    sel = ns.index[rows]
    if len(sel):
        g = pd.to_numeric(ns.loc[sel, "gap_score"], errors="coerce")
        key = ns.loc[sel, "segment"].astype(str) + "\x1f" + ns.loc[sel, "category"].astype(str)
        rank = g.groupby(key).rank(ascending=False, method="min")
        ns.loc[sel, "gap_rank"] = [SUPPRESSED if pd.isna(gs) else (int(rk) if pd.notna(rk)
                                   else np.nan) for gs, rk in zip(g, rank, strict=True)]
        ns.loc[sel[g.isna() & (ns.loc[sel, "gap_score"] != SUPPRESSED)], "gap_rank"] = np.nan
    mask = np.zeros(len(ns), dtype=bool)
    mask[rows] = True
    return _hide_others(ns, mask, cols)


def _gap_scores(ns: pd.DataFrame, rows: np.ndarray, p: Protected, access: pd.Series,
                exact: pd.Series) -> None:
    """Gap scores of patient-derived rows recomputed from the protected counts, to whole points:
    need = the shown neighbourhood populations, provision = shown population x the
    neighbourhood's access per resident (``mapping_measures.gap_scores``). Scores of one
    segment x category sum to 0, so when one neighbourhood's population is hidden all of them
    are (one hidden score would be minus the sum of the others)."""
    from phdesk.core.mapping_measures import gap_scores

    sub = ns.iloc[rows]
    keys = sub["segment"].astype(str) + "\x1f" + sub["category"].astype(str)
    for _, idx in sub.groupby(keys.to_numpy(), sort=False).groups.items():
        pos = [ns.index.get_loc(i) for i in idx]
        n = [p.shown.get(("nb", str(ns.iat[i, ns.columns.get_loc("segment")]),
                          str(ns.iat[i, ns.columns.get_loc("neighbourhood")])), 0.0)
             for i in pos]
        col = ns.columns.get_loc("gap_score")
        known = exact.iloc[pos].notna().to_numpy()
        if any(v is None for v in n):
            score = np.array([SUPPRESSED if k else np.nan for k in known], dtype=object)
        else:
            need = np.asarray(n, dtype=float)
            prov = need * np.nan_to_num(access.iloc[pos].to_numpy(dtype=float))
            g, _ = gap_scores(need, prov)
            score = np.where(known & np.isfinite(g), np.round(g) + 0.0, np.nan).astype(object)
        for i, v in zip(pos, score, strict=True):
            ns.iat[i, col] = v


def _areas(aa: pd.DataFrame, pats: set, p: Protected) -> pd.DataFrame:
    mask = aa["segment"].astype(str).isin(pats).to_numpy()
    if not mask.any():
        return aa
    aa = _text(aa, ["population", "access_2sfca", "access_e2sfca"])
    segs = aa.loc[mask, "segment"].astype(str).to_numpy()
    codes = aa.loc[mask, "area_code"].astype(str).to_numpy()
    aa.loc[mask, "population"] = [p.value(("area", s, a)) for s, a in zip(segs, codes,
                                                                          strict=True)]
    aa.loc[mask, ["access_2sfca", "access_e2sfca"]] = SUPPRESSED
    return _hide_others(aa, mask, ["population", "access_2sfca", "access_e2sfca"])


def _inequality(iq: pd.DataFrame, pats: set) -> pd.DataFrame:
    values = ["sii", "sii_lower", "sii_upper", "rii", "rii_lower", "rii_upper", "intercept"]
    mine = iq["segment"].astype(str).isin(pats).to_numpy()
    if not mine.any():
        return iq
    iq = _text(iq, values)
    access = mine & (iq["measure"].astype(str) != "coverage").to_numpy()
    iq.loc[access, values] = SUPPRESSED
    cov = mine & ~access
    for v in values:
        iq.loc[cov, v] = [np.round(float(x), 1) if pd.notna(x) else np.nan
                          for x in iq.loc[cov, v]]
    return iq


def protection_notes(rule: DisclosureRule, classes: dict[str, str]) -> list[tuple[str, str]]:
    """(what, how it is protected) lines for a read-me: the rule as applied to each figure."""
    pats = patient_segments(classes)
    if not rule.enabled:
        return [("Protected figures", "none: disclosure control is off for this project "
                 f"(reason recorded: {rule.reason.strip()})")]
    if not pats:
        return [("Protected figures", "none: no segment comes from patient-level or "
                 "patient-derived data, so every figure is a public statistic, unaltered")]
    small, base = f"1 to {rule.threshold}", rule.rounding_base
    return [
        ("Protected segments", ", ".join(pats)),
        ("Public segments", "every other segment (census, ONS estimates, IoD): not altered"),
        ("Residents (population)", f"per area and per neighbourhood: counts of {small} shown as "
         f"{SUPPRESSED}, others rounded to the nearest {base}; further counts hidden where a "
         "total (areas of a neighbourhood, covered + not covered, segments that add up) or a "
         "scenario difference would reveal a hidden one"),
        ("Coverage, no site, overlap (%)", "recomputed from the shown counts of people within "
         f"reach and not within reach; {SUPPRESSED} when a count they are built on is hidden"),
        ("Assets per 10,000", "assets inside / the shown residents"),
        ("Access (2SFCA, E2SFCA) and figures built on it", f"{SUPPRESSED}: capacity divided by "
         "a handful of people reveals the handful (access ratio, shortfall, duplicated, choice, "
         "coverage at other radii too)"),
        ("Gap score and rank", "recomputed from the shown residents (need) and the shown "
         "residents x access per resident (provision), to whole points; all neighbourhoods' "
         f"scores of a segment and category {SUPPRESSED} when one neighbourhood's residents are "
         "hidden (the scores sum to 0); ranks from the shown scores"),
        ("Inequality (SII, RII)", f"access rows {SUPPRESSED}; coverage rows to 1 decimal "
         "(fitted across IMD deciles, each many areas' residents)"),
        ("Areas sheet / table", f"residents protected as above, access {SUPPRESSED}; assets "
         "within reach and distances are properties of the area, not of people, and are shown"),
        ("Scenario comparison, reach changes", "both runs and the people newly / no longer "
         "within reach protected together; every change is the difference of shown values"),
    ]
