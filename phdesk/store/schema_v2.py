"""Version 2 of the project file: what the second landing adds, one section per part of the work.

Each section is DDL that runs both when a new file is created (after ``SCHEMA_V1``) and when a
version-1 file is upgraded (``phdesk.store.schema.MIGRATIONS[2]``, after the backup copy), so every
statement must work on an empty version-1 schema: ``CREATE TABLE IF NOT EXISTS``, ``ALTER TABLE …
ADD COLUMN``, or a rebuild that copies rows. Keep each section's tables documented beside them.
"""

from __future__ import annotations

# -- vintages: LSOA 2011 -> 2021 lookups, study area ----------------------------------------------
V2_VINTAGES = """
"""

# -- planning: scenarios, insight notes, change ideas, scores and decisions ----------------------
V2_PLANNING = """
"""

# -- outputs: project settings such as the disclosure rule -------------------------------------
V2_OUTPUTS = """
"""

# -- storage: leaner big tables (WITHOUT ROWID rebuilds) -------------------------------------------
# The two biggest tables are keyed by their natural key. As rowid tables each row was stored
# twice: once in the table and again (key + rowid) in the index SQLite builds for the primary
# key; WITHOUT ROWID stores each row once, in key order, and a lookup by key reads one b-tree.
# Rebuild and copy, so the statements serve a new file (the v1 tables are empty then) and the
# upgrade of a v1 file alike; the columns and keys are those of SCHEMA_V1.
#   postcodes: postcode (upper case, no spaces) -> easting, northing (EPSG:27700 metres), LSOA
#   deprivation: (area_code, edition, domain) -> score, rank, decile
V2_STORAGE = """
CREATE TABLE IF NOT EXISTS postcodes_lean (
    postcode TEXT NOT NULL PRIMARY KEY,
    easting REAL, northing REAL,
    lsoa_code TEXT,
    provenance_id INTEGER REFERENCES provenance(id)
) WITHOUT ROWID;
INSERT INTO postcodes_lean (postcode, easting, northing, lsoa_code, provenance_id)
    SELECT postcode, easting, northing, lsoa_code, provenance_id FROM postcodes
    WHERE postcode IS NOT NULL;
DROP TABLE postcodes;
ALTER TABLE postcodes_lean RENAME TO postcodes;

CREATE TABLE IF NOT EXISTS deprivation_lean (
    area_code TEXT NOT NULL,
    edition INTEGER NOT NULL,
    domain TEXT NOT NULL,
    score REAL, rank INTEGER, decile INTEGER,
    provenance_id INTEGER REFERENCES provenance(id),
    PRIMARY KEY (area_code, edition, domain)
) WITHOUT ROWID;
INSERT INTO deprivation_lean (area_code, edition, domain, score, rank, decile, provenance_id)
    SELECT area_code, edition, domain, score, rank, decile, provenance_id FROM deprivation;
DROP TABLE deprivation;
ALTER TABLE deprivation_lean RENAME TO deprivation;
"""

SECTIONS = (V2_VINTAGES, V2_PLANNING, V2_OUTPUTS, V2_STORAGE)
