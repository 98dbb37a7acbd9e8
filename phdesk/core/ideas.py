"""Ranking change ideas: a weighted total of their scores, and where each sits on impact/effort.

Scores are 0-5 on each criterion (``phdesk.store.planning.SCORE_MAX``). A criterion where lower is
better (cost) counts as ``5 - score``, so every oriented score reads "more is better". The
weighted total is the weighted mean of an idea's oriented scores over the criteria it has been
scored on (0-5); ideas scored on nothing have no total and rank last. ``impact`` is the mean
oriented score on the impact criteria; ``effort`` is ``5 -`` the mean oriented score on the effort
criteria (hard to do and costly = high effort). Pure: frames in, a frame out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SCORE_MAX = 5.0
RANK_COLUMNS = ["id", "title", "neighbourhood", "scenario", "decision", "total", "rank",
                "impact", "effort", "scored"]


def oriented(scores: pd.DataFrame, criteria: pd.DataFrame) -> pd.DataFrame:
    """scores (idea_id, criterion, value) with ``weight``, ``axis`` and ``oriented`` (0-5, more
    is better) added; scores on unknown criteria are dropped."""
    crit = criteria.set_index("key")
    s = scores[scores["criterion"].isin(crit.index)].copy()
    hib = crit["higher_is_better"].astype(bool).reindex(s["criterion"]).to_numpy()
    value = pd.to_numeric(s["value"], errors="coerce").to_numpy(dtype=float)
    s["oriented"] = np.where(hib, value, SCORE_MAX - value)
    s["weight"] = crit["weight"].astype(float).reindex(s["criterion"]).to_numpy()
    s["axis"] = crit["axis"].reindex(s["criterion"]).to_numpy() if "axis" in crit else "impact"
    return s


def rank_ideas(ideas: pd.DataFrame, scores: pd.DataFrame, criteria: pd.DataFrame
               ) -> pd.DataFrame:
    """One row per idea, best first: the idea's id, title, neighbourhood, scenario, decision,
    total (weighted mean 0-5), rank (1 = best; ties share the better rank), impact and effort
    (0-5, for the impact/effort chart), scored (criteria scored), plus one column per criterion
    key with the raw score."""
    s = oriented(scores, criteria)
    s = s[np.isfinite(s["oriented"])]
    w = s["weight"].to_numpy(dtype=float)
    num = pd.Series(w * s["oriented"].to_numpy(), index=s.index).groupby(s["idea_id"]).sum()
    den = pd.Series(w, index=s.index).groupby(s["idea_id"]).sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        total = (num / den.where(den > 0)).rename("total")
    impact = s[s["axis"] == "impact"].groupby("idea_id")["oriented"].mean().rename("impact")
    effort = (SCORE_MAX - s[s["axis"] == "effort"].groupby("idea_id")["oriented"].mean()) \
        .rename("effort")
    scored = s.groupby("idea_id").size().rename("scored")
    raw = s.pivot_table(index="idea_id", columns="criterion", values="value", aggfunc="first")
    out = ideas.reindex(columns=["id", "title", "neighbourhood", "scenario", "decision"]).copy()
    ids = out["id"].to_numpy()
    for series in (total, impact, effort):
        out[series.name] = series.reindex(ids).to_numpy(dtype=float)
    out["scored"] = scored.reindex(ids).fillna(0).to_numpy(dtype=int)
    out["rank"] = out["total"].rank(ascending=False, method="min").astype("Int64")
    for key in criteria["key"]:
        out[key] = (raw[key].reindex(ids).to_numpy(dtype=float) if key in raw
                    else np.full(len(out), np.nan))
    out = out.sort_values(["total", "id"], ascending=[False, True], na_position="last",
                          kind="stable")
    return out[RANK_COLUMNS + list(criteria["key"])].reset_index(drop=True)


def reach_score(newly_within_reach: float, population: float, full_at_pct: float = 20.0
                ) -> float:
    """Reach score (0-5) from residents of Core20PLUS groups newly within reach: linear in their
    share of those groups' residents in the neighbourhood, 5 at ``full_at_pct`` % or more."""
    if not population or population <= 0 or not np.isfinite(newly_within_reach):
        return 0.0
    pct = 100.0 * max(float(newly_within_reach), 0.0) / float(population)
    return round(min(SCORE_MAX, SCORE_MAX * pct / full_at_pct), 2)


def decisions_record(ideas: pd.DataFrame, notes: pd.DataFrame) -> pd.DataFrame:
    """"You said, we did": one row per decided idea (most recent first) with what was decided,
    why and when, and what people said about it (the notes linked to the idea, as
    ``source: text`` joined by `` | ``; ``notes`` counts them)."""
    cols = ["id", "title", "neighbourhood", "scenario", "decision", "decision_reason",
            "decided_at", "notes", "you_said"]
    decided = ideas[ideas["decision"].notna()].copy()
    if decided.empty:
        return pd.DataFrame(columns=cols)
    linked = notes[notes["idea_id"].notna()].assign(idea_id=lambda d: d["idea_id"].astype(int))
    said = (linked["source_kind"].astype(str) + ": " + linked["text"].astype(str)) \
        .groupby(linked["idea_id"]).agg(" | ".join)
    decided["notes"] = decided["id"].map(linked.groupby("idea_id").size()).fillna(0).astype(int)
    decided["you_said"] = decided["id"].map(said).fillna("")
    decided = decided.sort_values(["decided_at", "id"], ascending=[False, True], kind="stable")
    return decided[cols].reset_index(drop=True)


def filter_notes(notes: pd.DataFrame, neighbourhood: str | None = None,
                 source_kind: str | None = None, tag: str | None = None,
                 scenario: str | None = None, text: str | None = None) -> pd.DataFrame:
    """The notes matching every filter given (tag: one of the note's tags, any capitals; text:
    a case-insensitive substring of the note)."""
    keep = np.ones(len(notes), bool)
    for col, value in (("neighbourhood", neighbourhood), ("source_kind", source_kind),
                       ("scenario", scenario)):
        if value is not None:
            keep &= (notes[col] == value).to_numpy()
    if tag:
        tags = notes["tags"].fillna("").astype(str).str.casefold().str.split(r",\s*")
        keep &= tags.map(lambda ts: tag.strip().casefold() in ts).to_numpy(dtype=bool)
    if text:
        keep &= notes["text"].astype(str).str.contains(text, case=False, regex=False).to_numpy()
    return notes[keep]
