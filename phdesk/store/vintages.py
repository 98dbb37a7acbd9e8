"""Reading and writing what bridges census vintages: the LSOA 2011 -> 2021 lookup, boundaries of
the other vintage, and the planner's choice between population datasets (docs/ARCHITECTURE.md,
"Imports and vintages")."""

from __future__ import annotations

import json
import sqlite3

import pandas as pd

from phdesk.store.project import Project
from phdesk.store.queries import geometries

POPULATION_ORDER_KEY = "population_dataset_order"   # meta key: JSON list, preferred first


def _have_tables(project: Project) -> bool:
    """False for a file made by a development build between the version-2 scaffold and these
    tables (same schema version, no lsoa_lookup): read as if nothing were held."""
    try:
        project.scalar("SELECT 1 FROM lsoa_lookup LIMIT 1")
        project.scalar("SELECT 1 FROM bridge_areas LIMIT 1")
    except sqlite3.OperationalError:
        return False
    return True


def lookup_pairs(project: Project) -> pd.DataFrame:
    """lsoa11_code, lsoa21_code, change of the stored lookup: the exact-fit rows when there are
    any (they name every pair), else the best-fit rows."""
    if not _have_tables(project):
        return pd.DataFrame(columns=["lsoa11_code", "lsoa21_code", "change"])
    fit = project.scalar("SELECT fit FROM lsoa_lookup ORDER BY fit = 'exact' DESC LIMIT 1")
    if fit is None:
        return pd.DataFrame(columns=["lsoa11_code", "lsoa21_code", "change"])
    return project.query("SELECT lsoa11_code, lsoa21_code, change FROM lsoa_lookup WHERE fit = ?",
                         (fit,))


def has_lookup(project: Project) -> bool:
    return bool(project.scalar("SELECT count(*) FROM lsoa_lookup"))


def bridge_geometries(project: Project, vintage: int) -> pd.DataFrame:
    """code, geometry (shapely, EPSG:27700) of the LSOAs of ``vintage`` held for bridging, plus
    any project areas stored with that vintage."""
    if not _have_tables(project):
        return pd.DataFrame(columns=["code", "geometry"])
    df = project.query("""SELECT code, geometry FROM bridge_areas
                          WHERE vintage = ? AND level = 'lsoa' AND geometry IS NOT NULL
                          UNION SELECT code, geometry FROM areas
                          WHERE vintage = ? AND level = 'lsoa' AND geometry IS NOT NULL""",
                       (vintage, vintage))
    df = df.drop_duplicates("code")
    df["geometry"] = geometries(df["geometry"])
    return df.reset_index(drop=True)


def deprivation_editions(project: Project, domain: str = "imd") -> pd.DataFrame:
    """area_code, edition, rank, decile of every edition held, for one domain."""
    return project.query("""SELECT area_code, edition, rank, decile FROM deprivation
                            WHERE domain = ?""", (domain,))


def lsoa_areas(project: Project) -> pd.DataFrame:
    """code, vintage, geometry (shapely) of the project's LSOA areas."""
    df = project.query("SELECT code, vintage, geometry FROM areas WHERE level = 'lsoa' "
                       "ORDER BY code")
    df["geometry"] = geometries(df["geometry"])
    return df


def population_order(project: Project) -> list[str]:
    """The planner's order of population datasets (preferred first) where two cover the same
    areas; empty when never set."""
    raw = project.scalar("SELECT value FROM meta WHERE key = ?", (POPULATION_ORDER_KEY,))
    return list(json.loads(raw)) if raw else []


def set_population_order(project: Project, datasets: list[str]) -> None:
    with project.transaction() as db:
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                   [POPULATION_ORDER_KEY, json.dumps(list(datasets))])


def write_bridge_areas(db, frame: pd.DataFrame) -> None:
    """Upsert rows (code, vintage, level, name, geometry WKB, provenance_id) into bridge_areas."""
    cols = ["code", "vintage", "level", "name", "geometry", "provenance_id"]
    rows = frame[cols].astype(object).where(frame[cols].notna(), None)
    db.conn.executemany(
        f"INSERT OR REPLACE INTO bridge_areas ({', '.join(cols)}) VALUES (?, ?, ?, ?, ?, ?)",
        list(rows.itertuples(index=False, name=None)))


def retire_lsoas_of_vintage(db, vintage: int, keep: set[str]) -> int:
    """Move the project's LSOA areas of ``vintage`` whose codes are not in ``keep`` to
    bridge_areas (they stay available to bridging, no longer mapped). Returns how many moved."""
    db.conn.execute("""INSERT OR REPLACE INTO bridge_areas (code, vintage, level, name, geometry,
                                                            provenance_id)
                       SELECT code, vintage, level, name, geometry, provenance_id FROM areas
                       WHERE level = 'lsoa' AND vintage = ?""", (vintage,))
    gone = [c for (c,) in db.conn.execute(
        "SELECT code FROM areas WHERE level = 'lsoa' AND vintage = ?", (vintage,))
        if c not in keep]
    for start in range(0, len(gone), 500):
        chunk = gone[start:start + 500]
        marks = ",".join("?" * len(chunk))
        db.conn.execute(f"DELETE FROM area_neighbourhood WHERE area_code IN ({marks})", chunk)
        db.conn.execute(f"DELETE FROM areas WHERE code IN ({marks})", chunk)
    return len(gone)


def drop_default_neighbourhoods(db) -> int:
    """Delete the MSOA neighbourhoods made by a boundaries import while there was no lookup
    (no outline of their own); their area assignments go with them. Returns how many."""
    cur = db.conn.execute("""DELETE FROM neighbourhoods WHERE geometry IS NULL AND provenance_id
                             IN (SELECT id FROM provenance WHERE kind = 'boundaries')""")
    return cur.rowcount


# neighbourhoods made by a lookup or outlines (not the MSOA defaults of a boundaries import)
REAL_NEIGHBOURHOODS_SQL = """SELECT count(*) FROM neighbourhoods n LEFT JOIN provenance p
    ON p.id = n.provenance_id WHERE n.geometry IS NOT NULL OR p.kind IS NULL
    OR p.kind != 'boundaries'"""


def has_real_neighbourhoods(db) -> bool:
    """True when a lookup or outlines made neighbourhoods (not the MSOA defaults)."""
    return bool(db.conn.execute(REAL_NEIGHBOURHOODS_SQL).fetchone()[0])


def write_default_neighbourhoods(db, codes: list[str], names: list[str], pid: int) -> None:
    """Neighbourhood per MSOA name (made if missing) and the areas' assignments to them."""
    existing = {n for (n,) in db.conn.execute("SELECT name FROM neighbourhoods")}
    db.conn.executemany("INSERT INTO neighbourhoods (name, provenance_id) VALUES (?, ?)",
                        [(n, pid) for n in dict.fromkeys(names) if n not in existing])
    ids = dict(db.conn.execute("SELECT name, id FROM neighbourhoods"))
    db.conn.executemany("INSERT OR REPLACE INTO area_neighbourhood (area_code, neighbourhood_id, "
                        "provenance_id) VALUES (?, ?, ?)",
                        [(c, ids[n], pid) for c, n in zip(codes, names, strict=True)])


def prefer_dataset(db, dataset: str, first: bool = True) -> list[str]:
    """Put ``dataset`` first (or last) in the planner's population order, inside the caller's
    transaction. Returns the new order."""
    raw = db.conn.execute("SELECT value FROM meta WHERE key = ?",
                          (POPULATION_ORDER_KEY,)).fetchone()
    order = [d for d in (json.loads(raw[0]) if raw else []) if d != dataset]
    if not first:   # every other dataset held goes before it
        held = [d for (d,) in db.conn.execute("SELECT DISTINCT dataset FROM population "
                                              "WHERE group_type = 'none' ORDER BY dataset")]
        order += [d for d in held if d != dataset and d not in order]
    order = [dataset, *order] if first else [*order, dataset]
    db.conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                    (POPULATION_ORDER_KEY, json.dumps(order)))
    return order
