"""Planning records in the project file: scenarios, insight notes, change ideas, scores, decisions.

All of their SQL is here. Every write is one :meth:`Project.transaction`, saved at once. Edits
return what the UI's undo needs: ``update_*`` the previous values of the fields changed,
``delete_*`` the whole stored row (``restore_*`` puts it back with its id). Scenarios never touch
the asset register: their changes live in ``scenario_changes`` (docs/ARCHITECTURE.md,
"Scenarios, insight and ideas").
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from phdesk.core.errors import UserError
from phdesk.store.planning_ideas import (  # noqa: F401  (the planning API, one import)
    IDEA_COLUMNS,
    SCORE_MAX,
    SCORE_MIN,
    add_criterion,
    add_idea,
    criteria,
    delete_idea,
    ideas,
    restore_idea,
    scores,
    set_criterion,
    set_decision,
    set_score,
    update_idea,
)
from phdesk.store.planning_rows import (  # noqa: F401
    DECISIONS,
    delete_row,
    neighbourhood_id,
    one_row,
    plain,
    scenario_id,
)
from phdesk.store.project import Project, utc_now

CHANGE_COLUMNS = ["action", "asset", "name", "category", "easting", "northing", "capacity",
                  "radius_m"]
ACTIONS = ("add", "close", "move", "capacity", "radius")
SOURCE_KINDS = ("resident", "VCSE", "clinician", "council", "other")
SUGGESTED_TAGS = ("transport", "language", "digital exclusion", "cost")
NOTE_COLUMNS = ["id", "created_at", "updated_at", "source_kind", "author", "text", "tags",
                "neighbourhood", "area_code", "asset_id", "easting", "northing", "scenario",
                "idea_id"]


# -- scenarios ------------------------------------------------------------------------------
def scenarios(project: Project) -> pd.DataFrame:
    """id, name, description, created_at, n_changes: every scenario, by name."""
    return project.query(
        """SELECT s.id, s.name, s.description, s.created_at, count(c.seq) AS n_changes
           FROM scenarios s LEFT JOIN scenario_changes c ON c.scenario_id = s.id
           GROUP BY s.id ORDER BY s.name COLLATE NOCASE""")


def scenario_changes(project: Project, name: str) -> pd.DataFrame:
    """The changes of scenario ``name`` in the order they apply (columns ``CHANGE_COLUMNS``;
    easting/northing EPSG:27700 metres, radius_m metres, asset the register's asset id)."""
    sid = scenario_id(project, name)
    df = project.query(f"SELECT {', '.join(CHANGE_COLUMNS)} FROM scenario_changes "
                       "WHERE scenario_id = ? ORDER BY seq", (sid,))
    df["asset"] = df["asset"].astype("Int64")
    return df


def save_scenario(project: Project, name: str, changes: pd.DataFrame,
                  description: str = "") -> int:
    """Create scenario ``name`` or replace its changes (keeping its id); returns the id.

    ``changes`` are prepared changes (``phdesk.core.scenarios.read_changes`` checks a file).
    """
    name = (name or "").strip()
    if not name:
        raise UserError("a scenario needs a name")
    bad = sorted(set(changes.get("action", pd.Series(dtype=str)).dropna()) - set(ACTIONS))
    if bad:
        raise UserError(f"unknown scenario action {', '.join(bad)}; use {', '.join(ACTIONS)}")
    rows = []
    for seq, rec in enumerate(changes.reindex(columns=CHANGE_COLUMNS).to_dict("records")):
        rows.append({k: plain(v) for k, v in rec.items()} | {"seq": seq})
    now = utc_now()
    with project.transaction() as db:
        sid = project.scalar("SELECT id FROM scenarios WHERE name = ?", (name,))
        if sid is None:
            sid = db["scenarios"].insert({"name": name, "description": description or "",
                                          "created_at": now, "updated_at": now}).last_pk
        else:
            db["scenarios"].update(sid, {"description": description or "", "updated_at": now})
            db.execute("DELETE FROM scenario_changes WHERE scenario_id = ?", [sid])
        if rows:
            db["scenario_changes"].insert_all([r | {"scenario_id": sid} for r in rows])
    return int(sid)


def rename_scenario(project: Project, old: str, new: str) -> None:
    sid = scenario_id(project, old)
    new = (new or "").strip()
    if not new:
        raise UserError("a scenario needs a name")
    if new != old and project.scalar("SELECT 1 FROM scenarios WHERE name = ?", (new,)):
        raise UserError(f"there is already a scenario called {new!r}")
    with project.transaction() as db:
        db["scenarios"].update(sid, {"name": new, "updated_at": utc_now()})


def delete_scenario(project: Project, name: str) -> dict[str, Any]:
    """Delete a scenario and its changes; returns them for :func:`restore_scenario`.

    Notes and ideas linked to it lose the link (and get it back on restore).
    """
    sid = scenario_id(project, name)
    with project.transaction() as db:
        row = dict(db["scenarios"].get(sid))
        row["changes"] = [dict(r) for r in db.query(
            "SELECT * FROM scenario_changes WHERE scenario_id = ? ORDER BY seq", [sid])]
        row["notes"] = [r["id"] for r in db.query(
            "SELECT id FROM notes WHERE scenario_id = ?", [sid])]
        row["ideas"] = [r["id"] for r in db.query(
            "SELECT id FROM ideas WHERE scenario_id = ?", [sid])]
        db.execute("DELETE FROM scenarios WHERE id = ?", [sid])
    return row


def restore_scenario(project: Project, row: dict[str, Any]) -> int:
    """Put back a scenario returned by :func:`delete_scenario`, with its id and links."""
    row = dict(row)
    changes = row.pop("changes", [])
    linked = {"notes": row.pop("notes", []), "ideas": row.pop("ideas", [])}
    with project.transaction() as db:
        sid = int(db["scenarios"].insert(row).last_pk)
        if changes:
            db["scenario_changes"].insert_all(changes)
        for table, ids in linked.items():
            for i in ids:
                db.execute(f"UPDATE {table} SET scenario_id = ? WHERE id = ?", [sid, i])
    return sid


# -- notes ---------------------------------------------------------------------------------
def notes(project: Project) -> pd.DataFrame:
    """Every insight note (columns ``NOTE_COLUMNS``), newest first; tags as ``'a, b'`` text,
    neighbourhood and scenario by name, easting/northing EPSG:27700 metres."""
    return project.query(
        """SELECT n.id, n.created_at, n.updated_at, n.source_kind, n.author, n.text, n.tags,
                  nb.name AS neighbourhood, n.area_code, n.asset_id, n.easting, n.northing,
                  s.name AS scenario, n.idea_id
           FROM notes n LEFT JOIN neighbourhoods nb ON nb.id = n.neighbourhood_id
           LEFT JOIN scenarios s ON s.id = n.scenario_id
           ORDER BY n.created_at DESC, n.id DESC""")


def _note_row(project: Project, fields: dict[str, Any], partial: bool) -> dict[str, Any]:
    """Stored columns from the API's fields (names resolved to ids, values checked)."""
    allowed = set(NOTE_COLUMNS) - {"id", "updated_at"}
    bad = set(fields) - allowed
    if bad:
        raise UserError(f"not a note field: {', '.join(sorted(bad))}")
    row: dict[str, Any] = {}
    for key, value in fields.items():
        value = plain(value)
        if key == "text":
            if not str(value or "").strip():
                raise UserError("a note needs some text")
            row["text"] = str(value).strip()
        elif key == "source_kind":
            row["source_kind"] = source_kind(value)
        elif key == "tags":
            row["tags"] = format_tags(value)
        elif key == "neighbourhood":
            row["neighbourhood_id"] = neighbourhood_id(project, value)
        elif key == "scenario":
            row["scenario_id"] = None if value in (None, "") else scenario_id(project, value)
        elif key in ("easting", "northing"):
            row[key] = None if value is None else float(value)
        elif key in ("asset_id", "idea_id"):
            row[key] = None if value is None else int(value)
        elif key == "created_at":
            row[key] = str(value) if value else utc_now()
        else:
            row[key] = value
    if not partial:
        if "text" not in row:
            raise UserError("a note needs some text")
        row.setdefault("created_at", utc_now())
        row.setdefault("source_kind", "other")
    return row


def add_note(project: Project, **fields: Any) -> int:
    """Add a note; returns its id. Fields: text (required), source_kind (one of
    ``SOURCE_KINDS``, default other), author, tags (text or list), created_at, and any of the
    pins neighbourhood (name), area_code, asset_id, easting/northing (metres), plus links
    scenario (name) and idea_id."""
    row = _note_row(project, fields, partial=False)
    with project.transaction() as db:
        return int(db["notes"].insert(row).last_pk)


def update_note(project: Project, note_id: int, **fields: Any) -> dict[str, Any]:
    """Change fields of a note; returns their previous values (``update_note(id, **old)``
    undoes the change)."""
    row = _note_row(project, fields, partial=True)
    before = one_row(notes(project), note_id, "note")
    with project.transaction() as db:
        db["notes"].update(note_id, row | {"updated_at": utc_now()})
    return {k: plain(before[k]) for k in fields}


def delete_note(project: Project, note_id: int) -> dict[str, Any]:
    """Delete a note; returns the stored row for :func:`restore_note`."""
    return delete_row(project, "notes", note_id, "note")


def set_kind_of_neighbourhood_notes(project: Project, neighbourhood: str, kind: str,
                                    tags: str) -> None:
    """Set the source kind and tags (text) of every note pinned to ``neighbourhood`` (a name)."""
    with project.transaction() as db:
        db.execute("UPDATE notes SET source_kind = ?, tags = ? WHERE neighbourhood_id = "
                   "(SELECT id FROM neighbourhoods WHERE name = ?)",
                   [source_kind(kind), format_tags(tags), neighbourhood])


def restore_note(project: Project, row: dict[str, Any]) -> int:
    with project.transaction() as db:
        return int(db["notes"].insert(dict(row)).last_pk)


def source_kind(value: Any) -> str:
    """The canonical spelling of a note's source kind (``VCSE`` in capitals, the others lower)."""
    text = str(value or "other").strip()
    for kind in SOURCE_KINDS:
        if text.casefold() == kind.casefold():
            return kind
    raise UserError(f"source {text!r} is not one of: {', '.join(SOURCE_KINDS)}")


def split_tags(value: Any) -> list[str]:
    """Tags from text ('transport; Language, cost') or a list: trimmed, lower case, no repeats."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    items = value if isinstance(value, list | tuple) else str(value).replace(";", ",").split(",")
    return list(dict.fromkeys(t.strip().casefold() for t in map(str, items) if t.strip()))


def format_tags(value: Any) -> str:
    return ", ".join(split_tags(value))


def postcode_point(project: Project, normalised: str) -> tuple[float, float] | None:
    """(easting, northing) in metres of a normalised postcode ('N10AA'), or None."""
    row = project.query("SELECT easting, northing FROM postcodes WHERE postcode = ? AND "
                        "easting IS NOT NULL AND northing IS NOT NULL", (normalised,))
    return None if row.empty else (float(row["easting"].iloc[0]), float(row["northing"].iloc[0]))


# -- the inputs a scenario result depends on ----------------------------------------------------
def data_version(project: Project) -> str:
    """A cheap fingerprint of what mapping reads (imports, the asset register, category settings,
    user segments, the neighbourhoods' names): cached scenario results are dropped when it
    changes."""
    parts = [project.scalar("SELECT count(*) || ':' || coalesce(max(id), 0) FROM provenance"),
             project.scalar("""SELECT count(*) || ':' || coalesce(max(updated_at), '') || ':' ||
                               total(id) || ':' || total(easting) || ':' || total(northing)
                               || ':' || total(capacity) || ':' || group_concat(category, '|')
                               FROM assets"""),
             project.scalar("SELECT group_concat(category || radius_m || serves, '|') "
                            "FROM category_settings"),
             project.scalar("SELECT group_concat(name || definition, '|') FROM user_segments"),
             # a renamed neighbourhood: every table of a result names it
             project.scalar("SELECT group_concat(name, '|') FROM neighbourhoods")]
    return "/".join(str(p) for p in parts)


