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
V2_STORAGE = """
"""

SECTIONS = (V2_VINTAGES, V2_PLANNING, V2_OUTPUTS, V2_STORAGE)
