"""Start-up hygiene shared by the command line and the desktop app: a rotating log file."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from phdesk import paths

_configured: Path | None = None


def setup_logging(level: int = logging.INFO) -> Path:
    """Log to ``paths.log_file()`` (rotating, 1 MB × 3); returns the log file path."""
    global _configured
    if _configured is not None:
        return _configured
    path = paths.log_file()
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=3,
                                                   encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)
    _configured = path
    return path
