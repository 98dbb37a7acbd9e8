"""GeoPackage layers read with the standard library's sqlite3 (a GeoPackage is an SQLite file).

Geometry blobs carry a small header before standard WKB: ``GP``, a version byte, a flags byte
(byte order, envelope kind, empty flag) and the srs id, then an optional envelope of 32-64 bytes;
:func:`gpkg_to_wkb` strips it so shapely can read the WKB.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from phdesk.core.atomic import sqlite_uri
from phdesk.core.errors import UserError
from phdesk.core.imports import limits

# envelope sizes (bytes) by the flags' envelope-contents indicator (bits 1-3)
_ENVELOPE = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def gpkg_to_wkb(blob: bytes | None) -> bytes | None:
    """Standard WKB from a GeoPackage geometry blob (strips the ``GP`` header and envelope)."""
    if blob is None or len(blob) < 8 or blob[:2] != b"GP":
        return None
    flags = blob[3]
    if flags & 0x10:  # empty geometry flag
        return None
    env = _ENVELOPE.get((flags >> 1) & 0x07)
    if env is None:
        return None
    return bytes(blob[8 + env:])


class _Guard:
    """SQLite's progress handler: checks cancel (and Ctrl+C, which Python delivers here) while
    SQLite works; a non-zero return interrupts the statement, and the cause is kept to re-raise."""

    def __init__(self) -> None:
        self.error: BaseException | None = None

    def __call__(self) -> int:
        try:
            limits.check_cancel()
        except BaseException as exc:  # Cancelled, KeyboardInterrupt
            self.error = exc
            return 1
        return 0

    def reraise(self) -> None:
        if self.error is not None:
            raise self.error


def _connect(path: Path, guard: _Guard | None = None) -> sqlite3.Connection:
    """A read-only connection within budgets: the path as an escaped URI (``#``, ``%``, ``?`` in
    folder names), no value longer than MAX_SQL_VALUE_BYTES, cancel checked as SQLite works, and
    the GeoPackage's own tables checked to be tables (a view can compute anything)."""
    limits.refuse_size(path, path.stat().st_size, limits.MAX_GEO_BYTES, "the GeoPackage")
    try:
        con = sqlite3.connect(sqlite_uri(path, "ro"), uri=True)
    except sqlite3.DatabaseError as exc:
        raise UserError(f"{path.name}: not a GeoPackage ({exc})") from None
    try:
        con.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, limits.MAX_SQL_VALUE_BYTES)
        con.execute("PRAGMA query_only = ON")
        con.execute("PRAGMA trusted_schema = OFF")
        con.set_progress_handler(guard or _Guard(), 100_000)
        for name in ("gpkg_geometry_columns", "gpkg_spatial_ref_sys"):
            _require_table(con, path, name)
        con.execute("SELECT count(*) FROM gpkg_geometry_columns").fetchone()
    except sqlite3.DatabaseError as exc:
        con.close()
        raise UserError(f"{path.name}: not a GeoPackage ({exc})") from None
    except BaseException:
        con.close()
        raise
    return con


def _require_table(con: sqlite3.Connection, path: Path, name: str) -> None:
    kind = con.execute("SELECT type FROM sqlite_master WHERE name = ?", (name,)).fetchone()
    if kind is None:
        raise sqlite3.DatabaseError(f"no {name} table")
    if kind[0] != "table":
        raise UserError(f"{path.name}: '{name}' is a {kind[0]}, not a table; phdesk reads only "
                        f"tables from a GeoPackage")


def _ident(name: str) -> str:
    return name.replace('"', '""')


def layers(con: sqlite3.Connection) -> pd.DataFrame:
    """Feature layers: table, geometry column, type, srs_id, organisation and its code."""
    cur = con.execute(
        """SELECT g.table_name, g.column_name, upper(g.geometry_type_name), g.srs_id,
                  s.organization, s.organization_coordsys_id
           FROM gpkg_geometry_columns g
           LEFT JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id ORDER BY g.table_name""")
    return pd.DataFrame(cur.fetchall(), columns=["table", "column", "type", "srs_id", "org",
                                                 "org_id"])


def choose_layer(con: sqlite3.Connection, path: Path, layer: str | None,
                 warnings: list[str] | None = None) -> pd.Series:
    """The named layer, else the first polygon (or generic) layer, else the first."""
    found = layers(con)
    if found.empty:
        raise UserError(f"{path.name}: the GeoPackage has no feature layers")
    if layer is not None:
        hit = found[found["table"] == layer]
        if hit.empty:
            raise UserError(f"{path.name}: no layer '{layer}' (layers: "
                            f"{', '.join(found['table'])})")
        return hit.iloc[0]
    polys = found[found["type"].str.contains("POLYGON|GEOMETRY", na=False)]
    chosen = (polys if len(polys) else found).iloc[0]
    if len(found) > 1 and warnings is not None:
        warnings.append(f"the GeoPackage has {len(found)} layers; read '{chosen['table']}' "
                        "(use option layer=NAME for another)")
    return chosen


def read_layer(path: Path, layer: str | None, limit: int | None = None,
               warnings: list[str] | None = None
               ) -> tuple[pd.Series, pd.DataFrame, np.ndarray]:
    """``(layer info, attributes without fid, shapely geometries in the layer's CRS)``."""
    guard = _Guard()
    con = _connect(path, guard)
    try:
        info = choose_layer(con, path, layer, warnings)
        table = str(info["table"])
        _require_table(con, path, table)
        total = con.execute(f'SELECT count(*) FROM "{_ident(table)}"').fetchone()[0]
        if total > limits.MAX_FEATURES:
            raise UserError(f"{path.name}: layer '{table}' has {total:,} features; phdesk reads "
                            f"at most {limits.MAX_FEATURES:,}")
        sql = f'SELECT * FROM "{_ident(table)}"' + (f" LIMIT {int(limit)}" if limit else "")
        cur = con.execute(sql)
        cols = [d[0] for d in cur.description]
        rows: list = []
        while batch := cur.fetchmany(5000):
            rows.extend(batch)
            limits.tick(len(rows), total, f"reading layer '{table}': {len(rows):,} features")
        df = pd.DataFrame(rows, columns=cols)
    except sqlite3.DatabaseError as exc:
        guard.reraise()  # a cancel or Ctrl+C, not damage
        raise UserError(f"{path.name}: cannot read the GeoPackage layer "
                        f"({limits.first_line(exc)})") from None
    finally:
        con.close()
    if info["column"] not in df.columns:
        raise UserError(f"{path.name}: layer '{info['table']}' has no column "
                        f"'{info['column']}' although its metadata names it as the geometry")
    blobs = [gpkg_to_wkb(b) if isinstance(b, bytes) else None for b in df.pop(info["column"])]
    wkb = np.array(blobs, dtype=object)
    geoms = np.full(len(wkb), None, dtype=object)
    have = np.array([b is not None for b in blobs], dtype=bool)
    if have.any():
        geoms[have] = shapely.from_wkb(wkb[have], on_invalid="ignore")
    attrs = df.drop(columns=[c for c in df.columns if c.lower() == "fid"])
    return info, attrs, geoms
