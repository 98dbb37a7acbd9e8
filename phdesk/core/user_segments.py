"""The project's saved user-defined segments: checking a definition, saving, listing, deleting.

A definition is a JSON object with the optional keys ``USER_KEYS`` (the format and how a segment
is counted: :mod:`phdesk.core.segments`, which re-exports these functions).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from phdesk.core.errors import UserError

if TYPE_CHECKING:
    from phdesk.store.project import Project

USER_KEYS = {"age_bands", "sex", "imd_deciles", "segments", "ethnicity"}


def validate_definition(name: str, definition: dict) -> dict:
    """Check a user segment definition; raise UserError naming the problem."""
    if not str(name).strip():
        raise UserError("a segment needs a name")
    if not isinstance(definition, dict):
        raise UserError(f"segment {name!r}: the definition must be a JSON object")
    unknown = set(definition) - USER_KEYS
    if unknown:
        raise UserError(f"segment {name!r}: unknown keys {sorted(unknown)} "
                        f"(allowed: {sorted(USER_KEYS)})")
    sex = definition.get("sex")
    if sex is not None and str(sex).lower() not in ("male", "female"):
        raise UserError(f"segment {name!r}: sex must be 'male' or 'female', not {sex!r}")
    for key in ("age_bands", "segments", "ethnicity", "imd_deciles"):
        if key in definition and not isinstance(definition[key], list):
            raise UserError(f"segment {name!r}: {key} must be a list")
    bad = [d for d in definition.get("imd_deciles", []) if d not in range(1, 11)]
    if bad:
        raise UserError(f"segment {name!r}: IMD deciles must be 1–10, not {bad}")
    return definition


def save_user_segment(project: Project, name: str, definition: dict) -> None:
    """Save (or replace) a user-defined segment."""
    validate_definition(name, definition)
    from phdesk.store import records

    records.save_user_segment(project, name.strip(), definition)


def list_user_segments(project: Project) -> dict[str, dict]:
    """name -> definition of every user-defined segment, by name."""
    from phdesk.store.queries import user_segments

    return user_segments(project)


def delete_user_segment(project: Project, name: str) -> bool:
    """Delete a user-defined segment; False if there was none of that name."""
    from phdesk.store import records

    return records.delete_user_segment(project, name)
