"""Disclosure control for a scenario comparison (``phdesk compare``, the workbook's and the
CSV export's reach and comparison tables).

The counts are one set of cells over both runs (``disclosure_compare.run_cells``: people per
area and neighbourhood, covered / not covered per run, the change in people covered) plus the
*reach* counts: residents newly / no longer within reach per segment, category and
neighbourhood, each the sum of the people of the areas that changed, their net change (the same
cell as the change in people covered where the category serves the segment), and the totals
over all neighbourhoods. One :func:`phdesk.core.disclosure.protect` over all of them, so no
hidden count can be worked out from a total, a part or a difference between the runs; every
figure shown is built from the shown counts (docs/ARCHITECTURE.md, "Outputs and disclosure
control").
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd

from phdesk.core.compare import ALL_NEIGHBOURHOODS, KEYS, Comparison
from phdesk.core.disclosure import SUPPRESSED, DisclosureRule, Protected, protect
from phdesk.core.disclosure_compare import run_cells
from phdesk.core.disclosure_tables import Cells, patient_segments, protect_result

SUMS = ("newly_within_reach", "no_longer_within_reach")


def protect_comparison(cmp: Comparison, base, other, classes: dict[str, str],
                       rule: DisclosureRule, candidates: dict[str, list[str]] | None = None,
                       segments: pd.DataFrame | None = None
                       ) -> tuple[Comparison, Protected | None]:
    """``cmp`` (of ``other`` against ``base``) with the rule applied to its patient-derived
    rows, and the protected cells (None when nothing is protected).

    segments: (area_code, segment, population), the populations the reach table counted
    (``MappingInputs.segments``; None: the rows of ``area_access``).
    """
    pats = set(patient_segments(classes))
    if not rule.enabled or not pats:
        return cmp, None
    cells = run_cells(base, other, classes, candidates)
    net = add_reach_cells(cells, base.area_access, other.area_access, pats, segments)
    protected = protect(cells.values, cells.relations, rule)
    pb = protect_result(base, classes, rule, protected, "base", candidates)
    po = protect_result(other, classes, rule, protected, "scenario", candidates)
    out = Comparison(cmp.base, cmp.other,
                     _reach(cmp.reach, pats, protected, net),
                     _neighbourhoods(cmp.neighbourhoods, pats, pb["neighbourhood_segments"],
                                     po["neighbourhood_segments"]),
                     _areas(cmp.areas, pats, protected), cmp.assets, dict(cmp.summary),
                     runs=cmp.runs, segments=cmp.segments)
    out.summary.update(_core20(out.reach, pats))
    return out, protected


def _flips(base_aa: pd.DataFrame, other_aa: pd.DataFrame) -> pd.DataFrame:
    """area_code, neighbourhood, category, newly, lost: being within reach of a category is a
    property of an area (an asset within the radius), the same for every segment."""
    def covered(aa):
        one = aa.drop_duplicates(["area_code", "category"])
        return pd.DataFrame({"area_code": one["area_code"].astype(str).to_numpy(),
                             "neighbourhood": one["neighbourhood"].astype(str).to_numpy(),
                             "category": one["category"].astype(str).to_numpy(),
                             "cov": (one["assets_within"].to_numpy(dtype=float) >= 1)})
    m = covered(base_aa).merge(covered(other_aa), on=["area_code", "category"], how="outer",
                               suffixes=("_b", "_o"))
    was = m["cov_b"].fillna(False).to_numpy(dtype=bool)
    now = m["cov_o"].fillna(False).to_numpy(dtype=bool)
    return pd.DataFrame({"area_code": m["area_code"],
                         "neighbourhood": m["neighbourhood_o"].fillna(m["neighbourhood_b"]),
                         "category": m["category"], "newly": now & ~was,
                         "lost": was & ~now})[lambda f: f["newly"] | f["lost"]]


def _people(cells: Cells, aa: pd.DataFrame, pats: set[str], segments: pd.DataFrame | None
            ) -> dict[str, dict[str, float]]:
    """segment -> area -> people, adding the cells of patient segments no category serves."""
    nb_of = dict(zip(aa["area_code"].astype(str), aa["neighbourhood"].astype(str),
                     strict=True))
    src = segments if segments is not None else aa.drop_duplicates(["segment", "area_code"])
    src = src[src["segment"].astype(str).isin(pats)]
    out: dict[str, dict[str, float]] = {}
    for seg, g in src.groupby(src["segment"].astype(str), sort=True):
        areas = dict(zip(g["area_code"].astype(str), g["population"].astype(float),
                         strict=True))
        areas = {a: v for a, v in areas.items() if a in nb_of}
        out[seg] = areas
        if any(("area", seg, a) in cells.values for a in areas):
            continue   # counted by the run cells already
        by_nb: dict[str, list] = {}
        for a, v in areas.items():
            by_nb.setdefault(nb_of[a], []).append(cells.add(("area", seg, a), v))
        for nb, keys in sorted(by_nb.items()):
            cells.relate(cells.add(("nb", seg, nb), sum(cells.values[k] for k in keys)), keys)
    return out


def add_reach_cells(cells: Cells, base_aa: pd.DataFrame, other_aa: pd.DataFrame,
                    pats: set[str], segments: pd.DataFrame | None = None
                    ) -> dict[tuple, Hashable]:
    """Add the reach counts of the patient segments to ``cells``; returns the key of each
    (segment, category, neighbourhood)'s net-change cell."""
    people = _people(cells, other_aa, pats, segments)
    flips = _flips(base_aa, other_aa)
    net: dict[tuple, Hashable] = {}
    for seg, areas in people.items():
        totals: dict[str, dict[str, list]] = {}
        for (cat, nb), g in flips.groupby(["category", "neighbourhood"], sort=True):
            parts = {kind: [("area", seg, a) for a in g.loc[g[kind], "area_code"] if a in areas]
                     for kind in ("newly", "lost")}
            if not parts["newly"] and not parts["lost"]:
                continue
            keys = {}
            for kind, col in zip(("newly", "lost"), SUMS, strict=True):
                keys[kind] = cells.add((col, seg, cat, nb),
                                       sum(cells.values[k] for k in parts[kind]))
                cells.relate(keys[kind], parts[kind])
                totals.setdefault(cat, {}).setdefault(kind, []).append(keys[kind])
            net[(seg, cat, nb)] = _net(cells, keys, ("change", "", seg, cat, nb))
        for cat, t in totals.items():
            keys = {}
            for kind, col in zip(("newly", "lost"), SUMS, strict=True):
                keys[kind] = cells.add((col, seg, cat, ALL_NEIGHBOURHOODS),
                                       sum(cells.values[k] for k in t[kind]))
                cells.relate(keys[kind], t[kind])
            net[(seg, cat, ALL_NEIGHBOURHOODS)] = _net(
                cells, keys, ("net", seg, cat, ALL_NEIGHBOURHOODS))
    return net


def _net(cells: Cells, keys: dict, key: Hashable) -> Hashable:
    """The |newly - lost| cell tied to both: the run cells' change in people covered when it
    is the same count (the category serves the segment), else a cell of its own."""
    new, lost = cells.values[keys["newly"]], cells.values[keys["lost"]]
    diff = abs(new - lost)
    if key not in cells.values or not np.isclose(cells.values[key], diff, rtol=0, atol=1e-6):
        key = ("net", *key[2:]) if key[0] == "change" else key
        cells.add(key, diff)
    big, small = ("newly", "lost") if new >= lost else ("lost", "newly")
    cells.relate(keys[big], [keys[small], key])
    return key


def _reach(reach: pd.DataFrame, pats: set[str], p: Protected, net: dict) -> pd.DataFrame:
    mine = reach["segment"].astype(str).isin(pats).to_numpy()
    if not mine.any():
        return reach
    out = reach.astype({c: object for c in (*SUMS, "net_change")})
    for i in np.flatnonzero(mine):
        seg, cat, nb = (str(reach.iloc[i][c]) for c in ("segment", "category", "neighbourhood"))
        shown = [p.value((c, seg, cat, nb)) if (c, seg, cat, nb) in p.shown else SUPPRESSED
                 for c in SUMS]
        key = net.get((seg, cat, nb))
        if SUPPRESSED in shown or key is None or p.hidden(key):
            change = SUPPRESSED
        else:
            change = shown[0] - shown[1]
        out.iloc[i, [out.columns.get_loc(c) for c in (*SUMS, "net_change")]] = [*shown, change]
    return out


def _neighbourhoods(nd: pd.DataFrame, pats: set[str], pb: pd.DataFrame, po: pd.DataFrame
                    ) -> pd.DataFrame:
    """Rows of patient segments: base and scenario values from the protected tables, changes
    as differences of the shown values."""
    mine = nd["segment"].astype(str).isin(pats).to_numpy()
    if not mine.any():
        return nd
    measures = [c[:-5] for c in nd.columns if c.endswith("_base")]
    out = nd.astype({c: object for c in nd.columns if c not in KEYS})
    idx = pd.MultiIndex.from_frame(nd.loc[mine, KEYS].astype(str))
    b = pb.assign(**{k: pb[k].astype(str) for k in KEYS}).set_index(KEYS).reindex(idx)
    o = po.assign(**{k: po[k].astype(str) for k in KEYS}).set_index(KEYS).reindex(idx)
    rows = np.flatnonzero(mine)
    out.iloc[rows, out.columns.get_loc("population")] = o["population"].to_numpy()
    for m in measures:
        bv, ov = b[m].to_numpy(), o[m].to_numpy()
        for col, vals in ((f"{m}_base", bv), (f"{m}_other", ov),
                          (f"{m}_change", [_diff(x, y) for x, y in zip(bv, ov, strict=True)])):
            out.iloc[rows, out.columns.get_loc(col)] = list(vals)
    return out


def _diff(base, other):
    if SUPPRESSED in (base, other):
        return SUPPRESSED
    try:
        return float(other) - float(base)
    except (TypeError, ValueError):
        return np.nan


def _areas(areas: pd.DataFrame, pats: set[str], p: Protected) -> pd.DataFrame:
    """Rows of patient segments: people as protected, access (capacity over a handful of
    people) hidden; reach of an area (assets, distance, covered) is public."""
    mine = areas["segment"].astype(str).isin(pats).to_numpy()
    if not mine.any():
        return areas
    access = [c for c in areas.columns if c.startswith("access_")]
    out = areas.astype({c: object for c in ["population", *access]})
    segs = areas.loc[mine, "segment"].astype(str)
    codes = areas.loc[mine, "area_code"].astype(str)
    out.loc[mine, "population"] = [p.value(("area", s, a)) if ("area", s, a) in p.shown
                                   else SUPPRESSED for s, a in zip(segs, codes, strict=True)]
    out.loc[mine, access] = SUPPRESSED
    return out


def _core20(reach: pd.DataFrame, pats: set[str]) -> dict:
    """The summary's Core20 figures as shown (``*`` when hidden)."""
    from phdesk.core.segments import CORE20

    if CORE20 not in pats:
        return {}
    t = reach[(reach["neighbourhood"] == ALL_NEIGHBOURHOODS) & (reach["segment"] == CORE20)]
    return {f"core20_{c}": dict(zip(t["category"].astype(str), t[c], strict=True))
            for c in SUMS}
