"""Where a project's file and its backups live, and whether the file can be written.

Path rules only (no database): kept apart from :mod:`phdesk.store.project` so the opening code
there reads as the sequence of checks it is.
"""

from __future__ import annotations

import os
from pathlib import Path

SUFFIX = ".phdesk"


def why_read_only(path: Path) -> str | None:
    """Why a project cannot be written (the file, its folder — SQLite writes its journal beside
    it — or the drive), or None."""
    if not os.access(path, os.W_OK):
        return "the file is read-only"
    if not os.access(path.parent, os.W_OK):
        return "its folder is read-only"
    return None


def backups_of(path: Path) -> list[Path]:
    """Backups phdesk made of ``path`` (upgrade and WAL backups), newest first."""
    found = [p for p in path.parent.glob(f"{path.stem}.*backup*{SUFFIX}") if p != path]
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def restore_hint(path: Path) -> str:
    """How to get a damaged project back: the newest backup beside it, if phdesk made one."""
    try:
        found = backups_of(path)
    except OSError:
        found = []
    if found:
        return f"restore the backup {found[0].name} (beside it) or another copy"
    return "restore the backup (a copy of the file) if you have one"
