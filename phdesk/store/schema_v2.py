"""Version 2 of the project file: what the second landing adds, one section per part of the work.

Each section is DDL that runs both when a new file is created (after ``SCHEMA_V1``) and when a
version-1 file is upgraded (``phdesk.store.schema.MIGRATIONS[2]``, after the backup copy), so every
statement must work on an empty version-1 schema: ``CREATE TABLE IF NOT EXISTS``, ``ALTER TABLE …
ADD COLUMN``, or a rebuild that copies rows. Keep each section's tables documented beside them.
"""

from __future__ import annotations

# -- vintages: LSOA 2011 -> 2021 lookups, study area ----------------------------------------------
V2_VINTAGES = """
-- ONS LSOA 2011 -> LSOA 2021 lookups: one row per (2011, 2021) pair. The best-fit file has one
-- row per 2011 LSOA (a split parent names only one child); the exact-fit file names every pair
-- with its change indicator. Read by phdesk.core.vintages (docs/ARCHITECTURE.md, "Imports and
-- vintages").
CREATE TABLE IF NOT EXISTS lsoa_lookup (
    lsoa11_code TEXT NOT NULL,
    lsoa21_code TEXT NOT NULL,
    fit TEXT NOT NULL,                         -- best | exact
    change TEXT,                               -- U unchanged | S split | M merged | X irregular
    lad_code TEXT,                             -- LAD22CD
    provenance_id INTEGER REFERENCES provenance(id),
    PRIMARY KEY (fit, lsoa11_code, lsoa21_code)
);
CREATE INDEX IF NOT EXISTS lsoa_lookup_21 ON lsoa_lookup(lsoa21_code);

-- boundaries of another census vintage than the project's areas (e.g. LSOA 2011 beside LSOA
-- 2021), kept only to bridge data between vintages by overlay; never mapped as population areas.
-- Geometry EPSG:27700 WKB.
CREATE TABLE IF NOT EXISTS bridge_areas (
    code TEXT NOT NULL,
    vintage INTEGER NOT NULL,
    level TEXT NOT NULL,
    name TEXT,
    geometry BLOB,
    provenance_id INTEGER REFERENCES provenance(id),
    PRIMARY KEY (vintage, code)
);
"""

# -- planning: scenarios, insight notes, change ideas, scores and decisions ----------------------
V2_PLANNING = """
"""

# -- outputs: project settings such as the disclosure rule -------------------------------------
V2_OUTPUTS = """
"""

# -- storage: leaner big tables (WITHOUT ROWID rebuilds) -------------------------------------------
V2_STORAGE = """
"""

SECTIONS = (V2_VINTAGES, V2_PLANNING, V2_OUTPUTS, V2_STORAGE)
