"""Start-up hygiene shared by the command line and the desktop app: a rotating log file.

The log never stands between the user and a clear message: a log folder that cannot be created
or a full drive leaves logging off (or drops the record) silently, never a traceback on the
terminal (see docs/ARCHITECTURE.md, "Reliability").
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
from pathlib import Path

from phdesk import paths

_configured: Path | None = None


class _QuietRotatingHandler(logging.handlers.RotatingFileHandler):
    """A record that cannot be written (disk full, folder gone) is dropped without the
    standard library's '--- Logging error ---' traceback on stderr."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        return None

    def flush(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            super().flush()

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            super().close()


def setup_logging(level: int = logging.INFO) -> Path | None:
    """Log to ``paths.log_file()`` (rotating, 1 MB × 3); returns the log file path, or None
    when it cannot be opened (logging is then off)."""
    global _configured
    if _configured is not None:
        return _configured
    root = logging.getLogger()
    try:
        path = paths.log_file()
        handler = _QuietRotatingHandler(path, maxBytes=1_000_000, backupCount=3,
                                        encoding="utf-8")
    except OSError:
        root.addHandler(logging.NullHandler())
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)
    _configured = path
    return path
