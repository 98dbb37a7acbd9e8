"""Where phdesk keeps its files: settings, logs and recent files in the user's data folders.

Never beside the executable (Program Files is read-only for users). Portable mode: a file called
``phdesk.portable`` next to the executable puts everything under ``<exe dir>/data`` instead.
``PHDESK_HOME`` overrides the folder (tests use it).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "phdesk"


def frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def install_dir() -> Path:
    """The folder of the executable (frozen) or of the package (from source)."""
    if frozen():
        return Path(sys.executable).resolve().parent
    return Path(__file__).resolve().parent


def resources_dir() -> Path:
    """Read-only resources shipped with phdesk (icons, style sheet)."""
    if frozen():
        return Path(getattr(sys, "_MEIPASS", install_dir())) / "phdesk" / "resources"
    return Path(__file__).resolve().parent / "resources"


def _base() -> Path | None:
    if os.environ.get("PHDESK_HOME"):
        return Path(os.environ["PHDESK_HOME"])
    if frozen() and (install_dir() / "phdesk.portable").exists():
        return install_dir() / "data"
    return None


def data_dir() -> Path:
    """Per-user data (recent files, the demo project): ``%LOCALAPPDATA%\\phdesk`` on Windows."""
    base = _base()
    if base is None:
        from platformdirs import user_data_dir

        base = Path(user_data_dir(APP, appauthor=False, roaming=False))
    base.mkdir(parents=True, exist_ok=True)
    return base


def config_dir() -> Path:
    base = _base()
    if base is None:
        from platformdirs import user_config_dir

        path = Path(user_config_dir(APP, appauthor=False, roaming=False))
    else:
        path = base / "config"
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    base = _base()
    if base is None:
        from platformdirs import user_log_dir

        path = Path(user_log_dir(APP, appauthor=False))
    else:
        path = base / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_file() -> Path:
    return log_dir() / "phdesk.log"


def demo_project() -> Path:
    """Where the demo project is written on first run."""
    return data_dir() / "demo.phdesk"
