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

-- the practice's postcode (no spaces, upper case) and name as the registrations file gives them,
-- so GP sites in a register without practice codes still take their list size
-- (core/categories.py, practice_codes_by_postcode)
ALTER TABLE gp_registrations ADD COLUMN practice_postcode TEXT;
ALTER TABLE gp_registrations ADD COLUMN practice_name TEXT;
"""

# -- planning: scenarios, insight notes, change ideas, scores and decisions ----------------------
V2_PLANNING = """
-- named what-if scenarios: changes layered on the asset register, never written into it
CREATE TABLE IF NOT EXISTS scenarios (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,                  -- ISO 8601 UTC
    updated_at TEXT
);

-- one row per change, applied in seq order. action: add | close | move | capacity | radius.
-- asset: the register's asset id (close, move, capacity); radius_m (metres) is per category
CREATE TABLE IF NOT EXISTS scenario_changes (
    scenario_id INTEGER NOT NULL REFERENCES scenarios(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    action TEXT NOT NULL,
    asset INTEGER,
    name TEXT, category TEXT,
    easting REAL, northing REAL,               -- EPSG:27700 metres (add, move)
    capacity REAL, radius_m REAL,
    PRIMARY KEY (scenario_id, seq)
);

-- change ideas per neighbourhood, optionally tied to a scenario; decision: agreed | parked |
-- rejected (NULL = not decided), with its reason and date ("you said, we did")
CREATE TABLE IF NOT EXISTS ideas (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    neighbourhood_id INTEGER REFERENCES neighbourhoods(id) ON DELETE SET NULL,
    scenario_id INTEGER REFERENCES scenarios(id) ON DELETE SET NULL,
    decision TEXT CHECK (decision IN ('agreed', 'parked', 'rejected')),
    decision_reason TEXT,
    decided_at TEXT,                           -- ISO date
    created_at TEXT NOT NULL,
    updated_at TEXT
);

-- the criteria ideas are scored against (0-5); weights are the group's to change.
-- axis: impact | effort (the impact/effort chart); higher_is_better 0 for cost-like criteria
CREATE TABLE IF NOT EXISTS idea_criteria (
    key TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    weight REAL NOT NULL DEFAULT 1,
    higher_is_better INTEGER NOT NULL DEFAULT 1,
    axis TEXT NOT NULL DEFAULT 'impact',
    position INTEGER NOT NULL DEFAULT 0
);
INSERT OR IGNORE INTO idea_criteria (key, label, weight, higher_is_better, axis, position) VALUES
    ('reach', 'Reach into Core20PLUS groups', 1, 1, 'impact', 1),
    ('inequality', 'Expected effect on inequality', 1, 1, 'impact', 2),
    ('feasibility', 'Feasibility', 1, 1, 'effort', 3),
    ('cost', 'Cost', 1, 0, 'effort', 4),
    ('evidence', 'Evidence', 1, 1, 'impact', 5);

-- scores 0-5; source: manual | scenario (reach filled from the idea's scenario)
CREATE TABLE IF NOT EXISTS idea_scores (
    idea_id INTEGER NOT NULL REFERENCES ideas(id) ON DELETE CASCADE,
    criterion TEXT NOT NULL REFERENCES idea_criteria(key) ON DELETE CASCADE,
    value REAL NOT NULL,
    source TEXT NOT NULL DEFAULT 'manual',
    PRIMARY KEY (idea_id, criterion)
);

-- insight notes (the v1 table) gain who said it, tags, pins and links
ALTER TABLE notes ADD COLUMN updated_at TEXT;
ALTER TABLE notes ADD COLUMN source_kind TEXT NOT NULL DEFAULT 'other';
ALTER TABLE notes ADD COLUMN tags TEXT NOT NULL DEFAULT '';
ALTER TABLE notes ADD COLUMN asset_id INTEGER;
ALTER TABLE notes ADD COLUMN scenario_id INTEGER REFERENCES scenarios(id) ON DELETE SET NULL;
ALTER TABLE notes ADD COLUMN idea_id INTEGER REFERENCES ideas(id) ON DELETE SET NULL;
ALTER TABLE notes ADD COLUMN provenance_id INTEGER REFERENCES provenance(id);
"""

# -- outputs: project settings such as the disclosure rule -------------------------------------
V2_OUTPUTS = """
-- the project's disclosure rule (phdesk.core.disclosure): one row; none = the default rule
CREATE TABLE IF NOT EXISTS disclosure_rule (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    threshold INTEGER NOT NULL DEFAULT 7 CHECK (threshold >= 0),      -- counts 1..threshold: *
    rounding_base INTEGER NOT NULL DEFAULT 5 CHECK (rounding_base >= 1),  -- others rounded
    enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    reason TEXT NOT NULL DEFAULT '',                                  -- why it is off
    changed_at TEXT NOT NULL,                                         -- ISO 8601 UTC
    CHECK (enabled = 1 OR length(trim(reason)) > 0)
);
-- every change of the rule, kept: who turned it off, when and why
CREATE TABLE IF NOT EXISTS disclosure_rule_log (
    id INTEGER PRIMARY KEY,
    threshold INTEGER NOT NULL, rounding_base INTEGER NOT NULL, enabled INTEGER NOT NULL,
    reason TEXT NOT NULL DEFAULT '', changed_at TEXT NOT NULL
);
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
""" + """
-- the map's neighbourhood borders, kept once built (phdesk.core.borders, docs/ARCHITECTURE.md,
-- map rendering): one row, valid while ``signature`` (a digest of the areas' vertices and each
-- area's neighbourhood) matches; a different one means built again and replaced. A derived
-- cache, never user data: dropping the row only costs the next load the build. names, fallback:
-- JSON lists; offsets int64, x and y float64 (EPSG:27700 metres), code int8: little-endian
-- arrays (neighbourhood k owns vertices offsets[k]:offsets[k + 1]).
CREATE TABLE IF NOT EXISTS map_borders (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    signature TEXT NOT NULL,
    names TEXT NOT NULL, fallback TEXT NOT NULL,
    offsets BLOB NOT NULL, x BLOB NOT NULL, y BLOB NOT NULL, code BLOB NOT NULL,
    built_at TEXT NOT NULL                     -- ISO 8601 UTC
);
"""

SECTIONS = (V2_VINTAGES, V2_PLANNING, V2_OUTPUTS, V2_STORAGE)
