"""A scenario compared with a baseline, with one disclosure control over both runs.

Both runs' counts are protected together (:func:`protect_runs`): the people per area are the same
cells in both (hidden the same way), and the change in people covered is a cell of its own tied
to the two runs' covered counts (scenario = baseline + change), so a hidden change cannot be
worked out by subtracting the two runs, nor a hidden count from a shown change. Every change
shown is the difference of the shown values, never of the exact ones.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from phdesk.core.disclosure import SUPPRESSED, DisclosureRule, Protected, protect
from phdesk.core.disclosure_tables import (
    Cells,
    build_cells,
    patient_segments,
    protect_result,
    segment_sums,
)

KEYS = ["neighbourhood", "segment", "category"]
COMPARISON_COLUMNS = KEYS + [
    "population", "covered_base", "covered_scenario", "covered_change",
    "coverage_pct_base", "coverage_pct_scenario", "coverage_change_pp",
    "access_2sfca_base", "access_2sfca_scenario", "access_2sfca_change",
    "gap_score_base", "gap_score_scenario"]
COMPARISON_DESCRIPTIONS = {
    "population": "residents of the segment in the neighbourhood",
    "covered_base": "people within the radius of an asset of the category, baseline",
    "covered_scenario": "the same in the scenario",
    "covered_change": "covered_scenario - covered_base (people)",
    "coverage_pct_base": "coverage, % of the segment, baseline",
    "coverage_pct_scenario": "coverage, % of the segment, scenario",
    "coverage_change_pp": "change in coverage, percentage points",
    "access_2sfca_base": "2SFCA access, capacity per 1,000 residents, baseline",
    "access_2sfca_scenario": "2SFCA access per 1,000, scenario",
    "access_2sfca_change": "change in 2SFCA access per 1,000",
    "gap_score_base": "gap score, percentage points, baseline",
    "gap_score_scenario": "gap score, percentage points, scenario",
}
REACH_DESCRIPTIONS = {
    "neighbourhood": "neighbourhood ('(all neighbourhoods)': the total over all of them)",
    "segment": "population segment",
    "category": "asset category",
    "newly_within_reach": "residents of the segment within reach of the category in the "
                          "scenario but not in the baseline",
    "no_longer_within_reach": "residents within reach in the baseline but not in the scenario",
    "net_change": "newly_within_reach - no_longer_within_reach (people)",
}


def run_cells(base, other, classes: dict[str, str],
              candidates: dict[str, list[str]] | None = None) -> Cells:
    """The baseline's and the scenario's counts as one set of cells, with change cells
    (``("change", "", seg, category, neighbourhood)`` = |covered_scenario - covered_base|)."""
    sums = segment_sums(other.area_access, classes, candidates or {})
    cells = build_cells(base.area_access, classes, "base", segment_sums=sums)
    people = {k: v for k, v in cells.values.items() if k[0] in ("area", "nb")}
    cells = build_cells(other.area_access, classes, "scenario", cells, sums)
    changed = [k for k, v in people.items() if cells.values[k] != v]
    if changed:   # a scenario that changes people: the runs cannot share their cells
        raise ValueError("the scenario changes the population; compare its counts separately")
    # each count of the scenario = the baseline's +/- a change cell (covered: "change", the
    # people newly covered; the others too, else e.g. the people reaching two sites in each run
    # would give a small change away by subtraction)
    for kind in ("covered", "uncovered", "multi", "single"):
        for key in [k for k in cells.values if k[0] == kind and k[1] == "scenario"]:
            b_key = (kind, "base", *key[2:])
            if b_key not in cells.values:
                continue
            change = cells.values[key] - cells.values[b_key]
            name = "change" if kind == "covered" else f"change_{kind}"
            c_key = cells.add((name, "", *key[2:]), abs(change))
            cells.relate(key, [b_key, c_key]) if change >= 0 else \
                cells.relate(b_key, [key, c_key])
    return cells


def protect_runs(base, other, classes: dict[str, str], rule: DisclosureRule,
                 candidates: dict[str, list[str]] | None = None) -> tuple[Protected, Cells]:
    """One protection over the baseline's and the scenario's counts, with change cells."""
    cells = run_cells(base, other, classes, candidates)
    return protect(cells.values, cells.relations, rule), cells


def compare_runs(base, other, classes: dict[str, str], rule: DisclosureRule,
                 candidates: dict[str, list[str]] | None = None,
                 protected: Protected | None = None
                 ) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The scenario's protected tables and the protected comparison table (``protected``: the
    cells already protected with the reach changes, ``disclosure_scenario.protect_comparison``)."""
    pats = set(patient_segments(classes))
    if protected is None and rule.enabled and pats:
        protected, _ = protect_runs(base, other, classes, rule, candidates)
    if not (rule.enabled and pats):
        protected = None
    b = protect_result(base, classes, rule, protected, "base", candidates)
    s = protect_result(other, classes, rule, protected, "scenario", candidates)
    nb_b = b["neighbourhood_segments"].set_index(KEYS)
    nb_s = s["neighbourhood_segments"].set_index(KEYS)
    idx = nb_s.index.union(nb_b.index, sort=False)
    nb_b, nb_s = nb_b.reindex(idx), nb_s.reindex(idx)
    out = pd.DataFrame(index=idx)
    out["population"] = nb_s["population"].where(nb_s["population"].notna(), nb_b["population"])
    exact_b = base.neighbourhood_segments.set_index(KEYS).reindex(idx)
    exact_s = other.neighbourhood_segments.set_index(KEYS).reindex(idx)
    cov_b, cov_s, change = [], [], []
    for i, (nb, seg, cat) in enumerate(idx):
        if protected is not None and str(seg) in pats:
            key = (str(seg), str(cat), str(nb))
            cb = protected.value(("covered", "base", *key)) \
                if ("covered", "base", *key) in protected.shown else np.nan
            cs = protected.value(("covered", "scenario", *key)) \
                if ("covered", "scenario", *key) in protected.shown else np.nan
            ck = ("change", "", *key)
            if ck in protected.shown and protected.hidden(ck):
                d = SUPPRESSED
            elif SUPPRESSED in (cb, cs):   # the change is a protected cell of its own
                sign = np.sign(_covered(exact_s.iloc[i]) - _covered(exact_b.iloc[i]))
                d = float(protected.shown[ck]) * (sign or 1.0) + 0.0 \
                    if ck in protected.shown else SUPPRESSED
            else:
                d = cs - cb
        else:
            cb = _covered(exact_b.iloc[i])
            cs = _covered(exact_s.iloc[i])
            d = cs - cb
        cov_b.append(cb)
        cov_s.append(cs)
        change.append(d)
    out["covered_base"], out["covered_scenario"], out["covered_change"] = cov_b, cov_s, change
    for col, new in (("coverage_pct", "coverage"), ("access_2sfca", "access_2sfca"),
                     ("gap_score", "gap_score")):
        out[f"{col}_base" if col != "coverage_pct" else "coverage_pct_base"] = nb_b[col]
        out[f"{col}_scenario" if col != "coverage_pct" else "coverage_pct_scenario"] = nb_s[col]
        if new != "gap_score":
            name = "coverage_change_pp" if col == "coverage_pct" else "access_2sfca_change"
            out[name] = [_diff(x, y) for x, y in zip(nb_b[col], nb_s[col], strict=True)]
    return s, out.reset_index()[COMPARISON_COLUMNS]


def _covered(row: pd.Series) -> float:
    pop, pct = row.get("population"), row.get("coverage_pct")
    if pd.isna(pop) or pd.isna(pct):
        return np.nan
    return float(np.round(pop * pct / 100, 6))


def _diff(base, other):
    if SUPPRESSED in (base, other):
        return SUPPRESSED
    try:
        return float(other) - float(base)
    except (TypeError, ValueError):
        return np.nan
