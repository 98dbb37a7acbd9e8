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

from phdesk.core.errors import UserError

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


def _connect(path: Path) -> sqlite3.Connection:
    try:
        con = sqlite3.connect(f"file:{path.as_posix()}?mode=ro", uri=True)
        con.execute("SELECT count(*) FROM gpkg_geometry_columns").fetchone()
    except sqlite3.DatabaseError as exc:
        raise UserError(f"{path.name}: not a GeoPackage ({exc})") from None
    return con


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
    con = _connect(path)
    try:
        info = choose_layer(con, path, layer, warnings)
        sql = f'SELECT * FROM "{info["table"]}"' + (f" LIMIT {int(limit)}" if limit else "")
        cur = con.execute(sql)
        cols = [d[0] for d in cur.description]
        df = pd.DataFrame(cur.fetchall(), columns=cols)
    except sqlite3.DatabaseError as exc:
        raise UserError(f"{path.name}: cannot read the GeoPackage layer ({exc})") from None
    finally:
        con.close()
    blobs = [gpkg_to_wkb(b) for b in df.pop(info["column"])]
    wkb = np.array(blobs, dtype=object)
    geoms = np.full(len(wkb), None, dtype=object)
    have = np.array([b is not None for b in blobs], dtype=bool)
    if have.any():
        geoms[have] = shapely.from_wkb(wkb[have], on_invalid="ignore")
    attrs = df.drop(columns=[c for c in df.columns if c.lower() == "fid"])
    return info, attrs, geoms
