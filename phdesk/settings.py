"""The user's settings, declared once with their defaults, kept as JSON in the user's config folder.

Never beside the program (Program Files is read-only on a managed laptop): the file is
``paths.config_dir() / "settings.json"`` (``PHDESK_HOME`` moves it for tests). A file written by an
older phdesk is migrated forwards by the functions in ``MIGRATIONS``; a damaged file is set aside
(renamed ``settings.json.bad``) and defaults are used, so a bad file never stops the app starting.
Window geometry and dock layout are Qt byte arrays, stored here as base64 text.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from phdesk import paths

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
MAX_RECENT = 10
FILE_NAME = "settings.json"


@dataclass
class Settings:
    """Everything phdesk remembers per user between sessions."""

    schema_version: int = SCHEMA_VERSION
    recent_files: list[str] = field(default_factory=list)   # most recent first
    last_project: str = ""
    window_geometry: str = ""    # base64 of QMainWindow.saveGeometry()
    window_state: str = ""       # base64 of QMainWindow.saveState() (docks, toolbars)
    last_import_dir: str = ""
    last_export_dir: str = ""
    # Repeat the project's last mapping run when it is opened, so the map shows results at once.
    rerun_mapping_on_open: bool = True

    # -- recent files ----------------------------------------------------------------------
    def add_recent(self, path: str | Path) -> None:
        """Put ``path`` first in the recent list (no duplicates, at most ``MAX_RECENT``)."""
        text = str(Path(path).resolve())
        self.recent_files = [text] + [p for p in self.recent_files if p != text]
        del self.recent_files[MAX_RECENT:]
        self.last_project = text

    def existing_recent(self) -> list[Path]:
        """The recent files that still exist."""
        return [Path(p) for p in self.recent_files if Path(p).exists()]

    def clear_recent(self) -> None:
        self.recent_files = []

    # -- persistence -----------------------------------------------------------------------
    def save(self, path: Path | None = None) -> Path:
        """Write atomically (a temp file, then replace) so a crash never leaves half a file."""
        path = path or settings_path()
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        """Read the settings; defaults where the file is missing, damaged or has bad values."""
        path = path or settings_path()
        if not path.exists():
            return cls()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError) as exc:
            log.warning("settings file %s unreadable (%s); using defaults", path, exc)
            try:
                os.replace(path, path.with_name(FILE_NAME + ".bad"))
            except OSError:
                pass
            return cls()
        return cls.from_dict(migrate(raw))

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Settings:
        """Build from a dict, keeping only known keys whose values have the default's type."""
        defaults = cls()
        values = {}
        for f in fields(cls):
            if f.name not in raw:
                continue
            value, default = raw[f.name], getattr(defaults, f.name)
            if isinstance(default, bool) != isinstance(value, bool) \
                    or not isinstance(value, type(default)):
                log.warning("setting %s: ignoring %r (expected %s)", f.name, value,
                            type(default).__name__)
                continue
            if isinstance(default, list):
                value = [str(v) for v in value]
            values[f.name] = value
        values["schema_version"] = SCHEMA_VERSION
        return cls(**values)


def settings_path() -> Path:
    return paths.config_dir() / FILE_NAME


def _v1_to_v2(raw: dict[str, Any]) -> dict[str, Any]:
    # v1 called the recent list "recent" and kept geometry under "geometry".
    raw = dict(raw)
    if "recent" in raw:
        raw.setdefault("recent_files", raw.pop("recent"))
    if "geometry" in raw:
        raw.setdefault("window_geometry", raw.pop("geometry"))
    return raw


# version -> function upgrading a dict from version-1 to version
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {2: _v1_to_v2}


def migrate(raw: dict[str, Any]) -> dict[str, Any]:
    """Bring a settings dict written by an older phdesk up to ``SCHEMA_VERSION``."""
    version = raw.get("schema_version", 1)
    if not isinstance(version, int) or version < 1:
        version = 1
    for target in range(version + 1, SCHEMA_VERSION + 1):
        raw = MIGRATIONS[target](raw)
    return raw
