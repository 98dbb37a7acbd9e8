"""What the window showed when a project was last open (the map's Show, Measure, Category,
Segment and the chosen neighbourhood), kept in the project file so it reopens as it was left.

Why it exists: planners reopen a project, or import one more file, and expect the map they were
reading, not the first measure in the list. The choices are small plain strings, so they live
as one JSON value under ``view_state`` in the ``meta`` key/value table (no schema change, and a
v1 file takes them too). Unknown keys and non-text values are dropped on the way in and out, so
a hand-edited or older value cannot break a window.
"""

from __future__ import annotations

import json

from phdesk.store.project import Project

META_KEY = "view_state"
KEYS = ("level", "measure", "category", "segment", "neighbourhood")   # what is kept
MAX_CHARS = 200   # per value: names of categories and neighbourhoods are short


def clean(values: dict) -> dict[str, str]:
    """Only the kept keys, each a non-empty string of at most MAX_CHARS characters."""
    return {k: v for k, v in values.items()
            if k in KEYS and isinstance(v, str) and v and len(v) <= MAX_CHARS}


def read(project: Project) -> dict[str, str]:
    """The saved choices ({} when none were saved or the value is unreadable)."""
    text = project.meta(META_KEY)
    if not text:
        return {}
    try:
        values = json.loads(text)
    except ValueError:
        return {}
    return clean(values) if isinstance(values, dict) else {}


def write(project: Project, values: dict) -> dict[str, str]:
    """Save the choices (replacing the old ones, in one transaction); returns what was saved."""
    kept = clean(values)
    project.set_meta(**{META_KEY: json.dumps(kept, sort_keys=True, ensure_ascii=False)})
    return kept
