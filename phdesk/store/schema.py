"""Schema of the .phdesk project file and its migrations.

Geometries are stored as WKB in EPSG:27700 (British National Grid, metres). Population is stored
in long form: one row per (dataset, area, age band, sex, group type, group name). A newer phdesk
opens an older file by running the migrations in order, after a backup copy (see ``Project``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

SCHEMA_VERSION = 2

SCHEMA_V1 = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);

CREATE TABLE IF NOT EXISTS provenance (
    id INTEGER PRIMARY KEY,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    kind TEXT NOT NULL,
    rows_read INTEGER NOT NULL,
    rows_accepted INTEGER NOT NULL,
    rows_rejected INTEGER NOT NULL,
    warnings TEXT NOT NULL DEFAULT '[]',       -- JSON list of strings
    details TEXT NOT NULL DEFAULT '{}',        -- JSON: detection reason, options, column mapping
    imported_at TEXT NOT NULL,                 -- ISO 8601 UTC
    phdesk_version TEXT NOT NULL
);

-- LSOA / MSOA / ward / LAD polygons, EPSG:27700 WKB
CREATE TABLE IF NOT EXISTS areas (
    code TEXT PRIMARY KEY,
    name TEXT,
    level TEXT NOT NULL,                       -- lsoa | msoa | ward | lad | other
    vintage INTEGER,                           -- 2011 | 2021 | NULL
    geometry BLOB,
    centroid_e REAL, centroid_n REAL,          -- polygon centroid, metres
    pw_centroid_e REAL, pw_centroid_n REAL,    -- population-weighted centroid where known
    provenance_id INTEGER REFERENCES provenance(id)
);

CREATE TABLE IF NOT EXISTS neighbourhoods (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    geometry BLOB,                             -- optional polygon (EPSG:27700 WKB), for overlay
    provenance_id INTEGER REFERENCES provenance(id)
);

CREATE TABLE IF NOT EXISTS area_neighbourhood (
    area_code TEXT PRIMARY KEY,
    neighbourhood_id INTEGER NOT NULL REFERENCES neighbourhoods(id) ON DELETE CASCADE,
    provenance_id INTEGER REFERENCES provenance(id)
);

-- English Indices of Deprivation, long form: one row per area, edition and domain
CREATE TABLE IF NOT EXISTS deprivation (
    area_code TEXT NOT NULL,
    edition INTEGER NOT NULL,                  -- 2019 | 2025
    -- imd | income | employment | education | health | crime | barriers | living_environment
    -- | idaci | idaopi
    domain TEXT NOT NULL,
    score REAL, rank INTEGER, decile INTEGER,
    provenance_id INTEGER REFERENCES provenance(id),
    PRIMARY KEY (area_code, edition, domain)
);

-- Population counts in long form. group_type: none | ethnicity | segment
CREATE TABLE IF NOT EXISTS population (
    dataset TEXT NOT NULL,                     -- e.g. 'ONS mid-2020 estimates', 'Census 2021 TS021'
    area_code TEXT NOT NULL,
    age_band TEXT NOT NULL DEFAULT 'all',      -- 'all' or e.g. '0-4', '65+'
    sex TEXT NOT NULL DEFAULT 'all',           -- all | male | female
    group_type TEXT NOT NULL DEFAULT 'none',
    group_name TEXT NOT NULL DEFAULT '',
    count REAL NOT NULL,
    provenance_id INTEGER REFERENCES provenance(id),
    PRIMARY KEY (dataset, area_code, age_band, sex, group_type, group_name)
);
CREATE INDEX IF NOT EXISTS population_area ON population(area_code);

-- NHS "Patients registered at a GP practice"; area_code '' for practice totals
CREATE TABLE IF NOT EXISTS gp_registrations (
    practice_code TEXT NOT NULL,
    area_code TEXT NOT NULL DEFAULT '',
    age_band TEXT NOT NULL DEFAULT 'all',
    sex TEXT NOT NULL DEFAULT 'all',
    count REAL NOT NULL,
    extract_date TEXT,
    provenance_id INTEGER REFERENCES provenance(id),
    PRIMARY KEY (practice_code, area_code, age_band, sex)
);

-- the asset register (the user's own: edits are saved at once; scenarios layer on top later)
CREATE TABLE IF NOT EXISTS assets (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    easting REAL, northing REAL,               -- EPSG:27700 metres
    postcode TEXT,
    capacity REAL NOT NULL DEFAULT 1,
    source_id TEXT,                            -- e.g. ODS code
    source TEXT,                               -- file or 'manual'
    address TEXT,
    provenance_id INTEGER REFERENCES provenance(id),
    updated_at TEXT
);
CREATE INDEX IF NOT EXISTS assets_category ON assets(category);

-- postcode directory: postcode without spaces, upper case
CREATE TABLE IF NOT EXISTS postcodes (
    postcode TEXT PRIMARY KEY,
    easting REAL, northing REAL,
    lsoa_code TEXT,
    provenance_id INTEGER REFERENCES provenance(id)
);

CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    author TEXT,
    text TEXT NOT NULL,
    area_code TEXT,
    neighbourhood_id INTEGER REFERENCES neighbourhoods(id) ON DELETE SET NULL,
    easting REAL, northing REAL
);

-- what serves whom: asset category -> segments it serves, and its catchment radius (metres)
CREATE TABLE IF NOT EXISTS category_settings (
    category TEXT PRIMARY KEY,
    radius_m REAL NOT NULL DEFAULT 1000,
    serves TEXT NOT NULL DEFAULT '["All"]'     -- JSON list of segment names
);

-- user-defined segments: JSON definition, see phdesk.core.segments
CREATE TABLE IF NOT EXISTS user_segments (
    name TEXT PRIMARY KEY,
    definition TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS mapping_runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    parameters TEXT NOT NULL,                  -- JSON
    summary TEXT,                              -- JSON
    phdesk_version TEXT NOT NULL
);
"""

def _v2_statements() -> list[str]:
    from phdesk.store.schema_v2 import SECTIONS

    return [stmt for section in SECTIONS for stmt in statements(section)]


def _migrate_to_v2(conn: sqlite3.Connection) -> None:
    for stmt in _v2_statements():
        conn.execute(stmt)


# version -> function upgrading a file from version-1 to version. Add new ones at the end.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {2: _migrate_to_v2}


def statements(script: str) -> list[str]:
    """Split a DDL script into statements (``executescript`` would commit the open transaction)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    return out


def create(conn: sqlite3.Connection) -> None:
    """Create the current schema in an empty database, inside the caller's transaction."""
    for stmt in statements(SCHEMA_V1) + _v2_statements():
        conn.execute(stmt)
