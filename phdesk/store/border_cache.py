"""The map's neighbourhood borders kept in the project file (table ``map_borders``, schema_v2
STORAGE): read back when their signature matches, written once built.

Why it exists: finding the borders of England's 33,755 areas took 0.4-1.0 s of every load, yet
they change only when the areas or the neighbourhood lookup do (docs/ARCHITECTURE.md, map
rendering). A file made by an earlier version 2 phdesk has no such table: reading finds nothing,
and the first write creates it (the same ``CREATE TABLE IF NOT EXISTS`` as a new file), so no
schema version (and no upgrade backup) for a derived cache that older versions simply ignore.
"""

from __future__ import annotations

import json
import sqlite3

import numpy as np

from phdesk.store.project import Project, utc_now
from phdesk.store.schema import statements
from phdesk.store.schema_v2 import V2_STORAGE

_COLUMNS = ("offsets", "x", "y", "code")
_DTYPES = {"offsets": "<i8", "x": "<f8", "y": "<f8", "code": "i1"}
_TABLE_DDL = [s for s in statements(V2_STORAGE) if "EXISTS map_borders" in s]


def read(project: Project, signature: str) -> dict | None:
    """{names, fallback, offsets, x, y, code} stored under ``signature``, or None (none kept,
    another signature, or a file without the table)."""
    try:
        row = project.query("SELECT names, fallback, offsets, x, y, code FROM map_borders "
                            "WHERE id = 1 AND signature = ?", (signature,))
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return None
        raise
    if row.empty:
        return None
    r = row.iloc[0]
    out = {"names": json.loads(r["names"]), "fallback": json.loads(r["fallback"])}
    for c in _COLUMNS:
        out[c] = np.frombuffer(r[c], dtype=_DTYPES[c]).copy()
    return out


def write(project: Project, signature: str, names: list, fallback: list, offsets: np.ndarray,
          x: np.ndarray, y: np.ndarray, code: np.ndarray) -> None:
    """Keep the borders under ``signature``, replacing any kept before (one transaction)."""
    arrays = dict(zip(_COLUMNS, (offsets, x, y, code), strict=True))
    blobs = {c: np.ascontiguousarray(arrays[c], dtype=_DTYPES[c]).tobytes() for c in _COLUMNS}
    with project.transaction("keep the neighbourhood borders") as db:
        for stmt in _TABLE_DDL:
            db.execute(stmt)
        db.execute("INSERT OR REPLACE INTO map_borders (id, signature, names, fallback, offsets, "
                   "x, y, code, built_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (signature, json.dumps([str(n) for n in names], ensure_ascii=False),
                    json.dumps([str(n) for n in fallback], ensure_ascii=False),
                    blobs["offsets"], blobs["x"], blobs["y"], blobs["code"], utc_now()))
