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
V2_STORAGE = """
"""

SECTIONS = (V2_VINTAGES, V2_PLANNING, V2_OUTPUTS, V2_STORAGE)
