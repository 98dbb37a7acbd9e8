"""Writing the project's small settings and records: category settings, user segments, mapping
runs. Each function is one transaction (``Project.transaction``).

Why it exists: SQL against the project schema lives in ``phdesk.store`` (docs/ARCHITECTURE.md,
persistence). ``phdesk.core`` validates and decides what to save, then calls these; reading the
same tables is in ``phdesk.store.queries``.
"""

from __future__ import annotations

import json

from phdesk import __version__
from phdesk.store.project import Project, dumps


def save_category_settings(project: Project, rows: list[dict]) -> None:
    """Upsert category settings: dicts of category, radius_m (metres), serves (JSON text)."""
    with project.transaction() as db:
        if rows:
            db["category_settings"].upsert_all(rows, pk="category")


def delete_category_settings(project: Project, category: str) -> None:
    """Forget the saved settings of one category."""
    with project.transaction() as db:
        db.execute("DELETE FROM category_settings WHERE category = ?", [category])


def save_user_segment(project: Project, name: str, definition: dict) -> None:
    """Save (or replace) a user-defined segment's definition (stored as JSON)."""
    with project.transaction() as db:
        db["user_segments"].upsert({"name": name, "definition": json.dumps(definition)},
                                   pk="name")


def delete_user_segment(project: Project, name: str) -> bool:
    """Delete a user-defined segment; False if there was none of that name."""
    with project.transaction() as db:
        return db.execute("DELETE FROM user_segments WHERE name = ?", [name]).rowcount > 0


def record_mapping_run(project: Project, started_at: str, finished_at: str, parameters: dict,
                       summary: dict) -> int:
    """Add a row to ``mapping_runs`` (times ISO 8601 UTC; parameters and summary as JSON) and
    return its id."""
    with project.transaction() as db:
        table = db["mapping_runs"]
        table.insert({"started_at": started_at, "finished_at": finished_at,
                      "parameters": dumps(parameters), "summary": dumps(summary),
                      "phdesk_version": __version__})
        return int(table.last_pk)
