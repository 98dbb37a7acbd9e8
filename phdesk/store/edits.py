"""The user's own edits to the asset register: each is saved at once, in its own transaction.

Deleting returns the deleted row so that the UI's undo can put it back with the same id.
Scenarios (what-if changes) will live in their own tables and never call these.
"""

from __future__ import annotations

from typing import Any

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
