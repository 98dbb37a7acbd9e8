"""Change ideas, the criteria they are scored against, their scores and decisions (SQL).

Re-exported by ``phdesk.store.planning``, the module the rest of phdesk imports.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from phdesk.core.errors import UserError
from phdesk.store.planning_rows import (
    decision_value,
    delete_row,
    iso_date,
    neighbourhood_id,
    number,
    one_row,
    plain,
    scenario_id,
)
from phdesk.store.project import Project, utc_now

SCORE_MIN, SCORE_MAX = 0.0, 5.0
IDEA_COLUMNS = ["id", "title", "description", "neighbourhood", "scenario", "decision",
                "decision_reason", "decided_at", "created_at"]


# -- ideas ------------------------------------------------------------------------------------
def ideas(project: Project) -> pd.DataFrame:
    """Every change idea (columns ``IDEA_COLUMNS``; neighbourhood and scenario by name)."""
    return project.query(
        """SELECT i.id, i.title, i.description, nb.name AS neighbourhood, s.name AS scenario,
                  i.decision, i.decision_reason, i.decided_at, i.created_at
           FROM ideas i LEFT JOIN neighbourhoods nb ON nb.id = i.neighbourhood_id
           LEFT JOIN scenarios s ON s.id = i.scenario_id ORDER BY i.id""")


def _idea_row(project: Project, fields: dict[str, Any], partial: bool) -> dict[str, Any]:
    allowed = set(IDEA_COLUMNS) - {"id"}
    bad = set(fields) - allowed
    if bad:
        raise UserError(f"not an idea field: {', '.join(sorted(bad))}")
    row: dict[str, Any] = {}
    for key, value in fields.items():
        value = plain(value)
        if key == "title":
            if not str(value or "").strip():
                raise UserError("an idea needs a title")
            row["title"] = str(value).strip()
        elif key == "neighbourhood":
            row["neighbourhood_id"] = neighbourhood_id(project, value)
        elif key == "scenario":
            row["scenario_id"] = None if value in (None, "") else scenario_id(project, value)
        elif key == "decision":
            row["decision"] = decision_value(value)
        elif key == "description":
            row["description"] = str(value or "")
        else:
            row[key] = value
    if not partial:
        if "title" not in row:
            raise UserError("an idea needs a title")
        row.setdefault("created_at", utc_now())
    return row


def add_idea(project: Project, **fields: Any) -> int:
    """Add a change idea; returns its id. Fields: title (required), description, neighbourhood
    (name), scenario (name), created_at."""
    row = _idea_row(project, fields, partial=False)
    with project.transaction() as db:
        return int(db["ideas"].insert(row).last_pk)


def update_idea(project: Project, idea_id: int, **fields: Any) -> dict[str, Any]:
    """Change fields of an idea; returns their previous values (for undo)."""
    row = _idea_row(project, fields, partial=True)
    before = one_row(ideas(project), idea_id, "idea")
    with project.transaction() as db:
        db["ideas"].update(idea_id, row | {"updated_at": utc_now()})
    return {k: plain(before[k]) for k in fields}


def delete_idea(project: Project, idea_id: int) -> dict[str, Any]:
    """Delete an idea with its scores; returns both for :func:`restore_idea` (notes linked to
    the idea lose the link and get it back on restore)."""
    return delete_row(project, "ideas", idea_id, "idea", {
        "scores": "SELECT * FROM idea_scores WHERE idea_id = ?",
        "notes": "SELECT id FROM notes WHERE idea_id = ?"})


def restore_idea(project: Project, row: dict[str, Any]) -> int:
    row = dict(row)
    scores_, linked = row.pop("scores", []), row.pop("notes", [])
    with project.transaction() as db:
        iid = int(db["ideas"].insert(row).last_pk)
        if scores_:
            db["idea_scores"].insert_all(scores_)
        for r in linked:
            db.execute("UPDATE notes SET idea_id = ? WHERE id = ?", [iid, r["id"]])
    return iid


def set_decision(project: Project, idea_id: int, decision: str | None, reason: str = "",
                 date: str | None = None) -> dict[str, Any]:
    """Record the group's decision on an idea (agreed | parked | rejected; None clears it),
    with its reason and date (ISO, today by default). Returns the previous values (keys
    decision, decision_reason, decided_at) so ``update_idea(id, **old)`` undoes it."""
    decision = decision_value(decision)
    if decision is None:
        values = {"decision": None, "decision_reason": None, "decided_at": None}
    else:
        values = {"decision": decision, "decision_reason": (reason or "").strip(),
                  "decided_at": iso_date(date)}
    return update_idea(project, idea_id, **values)


# -- criteria and scores ------------------------------------------------------------------------
def criteria(project: Project) -> pd.DataFrame:
    """key, label, weight, higher_is_better (bool), axis (impact | effort), in display order."""
    df = project.query("SELECT key, label, weight, higher_is_better, axis FROM idea_criteria "
                       "ORDER BY position, key")
    df["higher_is_better"] = df["higher_is_better"].astype(bool)
    return df


def set_criterion(project: Project, key: str, label: str | None = None,
                  weight: float | None = None) -> dict[str, Any]:
    """Change a criterion's label or weight (a number >= 0); returns the previous values."""
    crit = criteria(project).set_index("key")
    if key not in crit.index:
        raise UserError(f"no criterion {key!r}; criteria are: {', '.join(crit.index)}")
    values: dict[str, Any] = {}
    if label is not None:
        if not str(label).strip():
            raise UserError("a criterion needs a label")
        values["label"] = str(label).strip()
    if weight is not None:
        values["weight"] = number(weight, "weight", 0.0, math.inf)
    old = {k: plain(crit.loc[key, k]) for k in values}
    with project.transaction() as db:
        if values:
            db["idea_criteria"].update(key, values)
    return old


def add_criterion(project: Project, key: str, label: str, weight: float = 1.0,
                  higher_is_better: bool = True, axis: str = "impact") -> None:
    key = (key or "").strip()
    if not key or not (label or "").strip():
        raise UserError("a criterion needs a key and a label")
    if axis not in ("impact", "effort"):
        raise UserError("a criterion's axis is impact or effort")
    pos = project.scalar("SELECT coalesce(max(position), 0) + 1 FROM idea_criteria")
    with project.transaction() as db:
        if project.scalar("SELECT 1 FROM idea_criteria WHERE key = ?", (key,)):
            raise UserError(f"there is already a criterion {key!r}")
        db["idea_criteria"].insert({"key": key, "label": label.strip(),
                                    "weight": number(weight, "weight", 0.0, math.inf),
                                    "higher_is_better": int(bool(higher_is_better)),
                                    "axis": axis, "position": pos})


def scores(project: Project) -> pd.DataFrame:
    """idea_id, criterion, value (0-5), source (manual | scenario)."""
    return project.query("SELECT idea_id, criterion, value, source FROM idea_scores "
                         "ORDER BY idea_id, criterion")


def set_score(project: Project, idea_id: int, criterion: str, value: float | None,
              source: str = "manual") -> float | None:
    """Score an idea on a criterion (0-5; None removes the score); returns the previous value."""
    if criterion not in set(criteria(project)["key"]):
        raise UserError(f"no criterion {criterion!r}")
    one_row(ideas(project), idea_id, "idea")
    old = project.scalar("SELECT value FROM idea_scores WHERE idea_id = ? AND criterion = ?",
                         (int(idea_id), criterion))
    with project.transaction() as db:
        if value is None:
            db.execute("DELETE FROM idea_scores WHERE idea_id = ? AND criterion = ?",
                       [int(idea_id), criterion])
        else:
            db["idea_scores"].upsert(
                {"idea_id": int(idea_id), "criterion": criterion, "source": source,
                 "value": number(value, f"score for {criterion}", SCORE_MIN, SCORE_MAX)},
                pk=("idea_id", "criterion"))
    return None if old is None else float(old)


