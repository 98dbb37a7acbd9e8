"""The disclosure rule for what the workshop shows on screen (``phdesk.ui.workshop.disclose``).

The workshop hands over small tables already shaped for display: ``figures`` (residents, Core20
share, assets), ``gaps`` (category, segment, gap score, coverage), ``reach`` (people newly / no
longer within reach of a scenario, and the net change) and ``ranking`` (ideas: no counts). Rows of
patient-derived segments get the same rule as the exports (docs/ARCHITECTURE.md, "Outputs and
disclosure control"); public figures are shown as they are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from phdesk.core.disclosure import PATIENT, SUPPRESSED, DisclosureRule, protect

NEW, LOST, NET = ("Newly within reach (residents)", "No longer within reach (residents)",
                  "Net change (residents)")


def screen_table(kind: str, table: pd.DataFrame, classes: dict[str, str],
                 rule: DisclosureRule) -> pd.DataFrame:
    """``table`` as it may be shown under ``rule`` (``classes``: segment -> patient | public)."""
    if not rule.enabled or table is None or table.empty:
        return table
    out = table.copy()
    patient = {s for s, c in classes.items() if c == PATIENT}
    seg = next((c for c in ("segment", "Segment") if c in out), None)
    rows = out[seg].astype(str).isin(patient).to_numpy() if seg else np.zeros(len(out), bool)
    if kind == "gaps" and rows.any():
        out = out.astype({c: object for c in ("gap_score", "coverage_pct") if c in out})
        if "gap_score" in out:
            out.loc[rows, "gap_score"] = [float(np.round(float(v))) if pd.notna(v) else v
                                          for v in out.loc[rows, "gap_score"]]
        if "coverage_pct" in out:
            out.loc[rows, "coverage_pct"] = SUPPRESSED
    elif kind == "reach" and rows.any() and {NEW, LOST, NET} <= set(out.columns):
        out = out.astype({NEW: object, LOST: object, NET: object})
        for i in np.flatnonzero(rows):
            new, lost = float(out.iloc[i][NEW] or 0), float(out.iloc[i][LOST] or 0)
            net = new - lost
            rel = [("new", ["lost", "net"])] if net >= 0 else [("lost", ["new", "net"])]
            p = protect({"new": new, "lost": lost, "net": abs(net)}, rel, rule)
            out.iloc[i, out.columns.get_loc(NEW)] = p.value("new")
            out.iloc[i, out.columns.get_loc(LOST)] = p.value("lost")
            shown = p.value("net")
            out.iloc[i, out.columns.get_loc(NET)] = shown if shown == SUPPRESSED or net >= 0 \
                else -shown
    elif kind == "figures" and classes.get("All") == PATIENT and "figure" in out:
        for i, (f, v) in enumerate(zip(out["figure"], out["value"], strict=True)):
            if f == "Residents":
                count = float(str(v).replace(",", "") or 0)
                p = protect({"n": count}, [], rule).value("n")
                out.iloc[i, out.columns.get_loc("value")] = p if p == SUPPRESSED else f"{p:,.0f}"
            elif f.startswith("Living in Core20"):
                out.iloc[i, out.columns.get_loc("value")] = SUPPRESSED
    return out


def screen_from_protected(table: pd.DataFrame, protected: pd.DataFrame, columns: dict[str, str],
                          classes: dict[str, str]) -> pd.DataFrame:
    """``table`` (rows picked from a result's or comparison's table, its index kept, columns
    renamed by ``columns``: source -> shown) with its patient-derived rows' values taken from
    ``protected``, the same table with the rule applied as in the exports. A row that cannot
    be matched shows ``*``."""
    patient = {s for s, c in classes.items() if c == PATIENT}
    seg = next((c for c in ("segment", "Segment") if c in table), None)
    if seg is None or table.empty:
        return table
    rows = table[seg].astype(str).isin(patient).to_numpy()
    if not rows.any():
        return table
    shown = {src: dst for src, dst in columns.items() if dst in table}
    out = table.astype({dst: object for dst in shown.values()})
    idx = table.index[rows]
    ok = idx.isin(protected.index)
    for src, dst in shown.items():
        vals = np.full(len(idx), SUPPRESSED, dtype=object)
        if ok.any():
            got = protected.loc[idx[ok], src].to_numpy(dtype=object)
            same = protected.loc[idx[ok], "segment"].astype(str).to_numpy() == \
                table.loc[idx[ok], seg].astype(str).to_numpy()
            vals[np.flatnonzero(ok)] = np.where(same, got, SUPPRESSED)
        out.loc[idx, dst] = vals
    return out
