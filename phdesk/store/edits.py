"""The user's own edits to the asset register and the neighbourhoods' names: each is saved at
once, in its own transaction.

Deleting returns the deleted row so that the UI's undo can put it back with the same id.
Scenarios (what-if changes) will live in their own tables and never call these.
"""

from __future__ import annotations

from typing import Any

from phdesk.core.errors import UserError
from phdesk.store.project import Project, utc_now

ASSET_FIELDS = ["name", "category", "easting", "northing", "postcode", "capacity", "source_id",
                "source", "address"]


def add_asset(project: Project, values: dict[str, Any]) -> int:
    """Insert an asset; returns its id. ``values`` may include ``id`` (undo of a delete)."""
    row = {k: values.get(k) for k in ASSET_FIELDS}
    row["capacity"] = 1.0 if row["capacity"] is None else float(row["capacity"])
    row["source"] = row["source"] or "manual"
    if not row["name"] or not row["category"]:
        raise ValueError("an asset needs a name and a category")
    if values.get("id") is not None:
        row["id"] = int(values["id"])
    row["updated_at"] = utc_now()
    with project.transaction() as db:
        return int(db["assets"].insert(row).last_pk)


def update_asset(project: Project, asset_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    """Change fields of one asset; returns the previous values of the changed fields (for undo)."""
    bad = set(changes) - set(ASSET_FIELDS)
    if bad:
        raise ValueError(f"not an asset field: {', '.join(sorted(bad))}")
    with project.transaction() as db:
        before = db["assets"].get(asset_id)
        db["assets"].update(asset_id, {**changes, "updated_at": utc_now()})
    return {k: before[k] for k in changes}


def delete_asset(project: Project, asset_id: int) -> dict[str, Any]:
    """Delete one asset; returns the whole row so that undo can restore it."""
    with project.transaction() as db:
        row = db["assets"].get(asset_id)
        db["assets"].delete(asset_id)
    return dict(row)


def restore_asset(project: Project, row: dict[str, Any]) -> int:
    """Put back a row returned by :func:`delete_asset`, with its id."""
    with project.transaction() as db:
        return int(db["assets"].insert(dict(row)).last_pk)


# -- many rows at once: one transaction each (deleting 118 rows was 118 transactions and 118
# refreshes of the window; see docs/ARCHITECTURE.md, "The window")
_CHUNK = 900   # SQLite's default limit on bound parameters is 999


def delete_assets(project: Project, ids: list[int]) -> list[dict[str, Any]]:
    """Delete many assets in one transaction; returns their whole rows (for undo), in id order.
    Ids that are not there are skipped."""
    ids = sorted({int(i) for i in ids})
    rows: list[dict[str, Any]] = []
    with project.transaction() as db:
        for lo in range(0, len(ids), _CHUNK):
            chunk = ids[lo:lo + _CHUNK]
            marks = ",".join("?" * len(chunk))
            rows += [dict(r) for r in db.query(
                f"SELECT * FROM assets WHERE id IN ({marks}) ORDER BY id", chunk)]
            db.conn.execute(f"DELETE FROM assets WHERE id IN ({marks})", chunk)
    return rows


def restore_assets(project: Project, rows: list[dict[str, Any]]) -> int:
    """Put back rows returned by :func:`delete_assets`, with their ids, in one transaction."""
    with project.transaction() as db:
        db["assets"].insert_all([dict(r) for r in rows], batch_size=500)
    return len(rows)


def update_assets(project: Project, changes: dict[int, dict[str, Any]]
                  ) -> dict[int, dict[str, Any]]:
    """Change fields of many assets in one transaction; returns each one's previous values of the
    changed fields (for undo)."""
    bad = {k for c in changes.values() for k in c} - set(ASSET_FIELDS)
    if bad:
        raise ValueError(f"not an asset field: {', '.join(sorted(bad))}")
    before: dict[int, dict[str, Any]] = {}
    now = utc_now()
    with project.transaction() as db:
        for asset_id, change in changes.items():
            row = db.conn.execute(
                f"SELECT {', '.join(change)} FROM assets WHERE id = ?", (int(asset_id),)
            ).fetchone()
            if row is None:
                continue
            before[int(asset_id)] = dict(zip(change, row, strict=True))
            sets = ", ".join(f"{k} = ?" for k in change)
            db.conn.execute(f"UPDATE assets SET {sets}, updated_at = ? WHERE id = ?",
                            (*change.values(), now, int(asset_id)))
    return before


def asset_ids_in_category(project: Project, category: str) -> list[int]:
    """Ids of the assets of one category (for renaming or merging it)."""
    found = project.query("SELECT id FROM assets WHERE category = ? ORDER BY id", (category,))
    return [int(i) for i in found["id"]]


NAME_MAX = 120   # characters in a neighbourhood's name (it heads lists, labels and tables)


def rename_neighbourhood(project: Project, old: str, new: str) -> str:
    """Give neighbourhood ``old`` the name ``new`` (spaces trimmed); returns the name saved.
    Its areas, notes and ideas follow it (they refer to it by id). A name already used by
    another neighbourhood, an empty one or an unknown ``old`` is a ``UserError``."""
    new = " ".join(str(new or "").split())
    if not new:
        raise UserError("a neighbourhood needs a name")
    if len(new) > NAME_MAX:
        raise UserError(f"a neighbourhood's name is at most {NAME_MAX} characters")
    nid = project.scalar("SELECT id FROM neighbourhoods WHERE name = ?", (old,))
    if nid is None:
        raise UserError(f"there is no neighbourhood called {old!r}")
    other = project.scalar("SELECT id FROM neighbourhoods WHERE name = ?", (new,))
    if other is not None and other != nid:
        raise UserError(f"there is already a neighbourhood called {new!r}")
    with project.transaction() as db:
        db["neighbourhoods"].update(nid, {"name": new})
    return new
