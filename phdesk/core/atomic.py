"""Files written and opened safely: SQLite URIs with escaped paths, and writes that appear only
when complete (:func:`atomic_write`). See docs/ARCHITECTURE.md, "Reliability"."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from urllib.parse import quote

from phdesk.core.errors import UserError


def sqlite_uri(path: str | Path, mode: str) -> str:
    """``file:`` URI for SQLite with the path percent-escaped, so that folder names such as
    ``Project #3``, ``100%25 sure`` or ``what?now`` reach SQLite intact (``mode``: ro, rw, rwc)."""
    posix = Path(path).absolute().as_posix()
    if not posix.startswith("/"):  # Windows: C:/… -> /C:/…
        posix = "/" + posix
    return f"file:{quote(posix, safe='/:')}?mode={mode}"


def is_disk_full(exc: BaseException) -> bool:
    """True for 'no space left' from the OS or from SQLite."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return "database or disk is full" in str(exc)


def disk_full(path: str | Path, exc: BaseException) -> UserError:
    """The one message for a full drive, keeping the original error."""
    folder = Path(path).absolute().parent
    return UserError(f"no space left on the drive holding {folder}; nothing was changed "
                     f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})")


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", encoding: str | None = "utf-8",
                 newline: str | None = None) -> Iterator[IO]:
    """Open a temporary file beside ``path``; move it into place only if the block completes.

    On any failure (a full disk, an exception, Ctrl+C) the temporary file is removed and an
    existing ``path`` is left as it was: a reader never sees half a CSV or a truncated PNG.
    A full drive becomes :func:`disk_full`'s UserError. Usage::

        with atomic_write(out / "assets.csv") as fh:
            frame.to_csv(fh, index=False)
    """
    path = Path(path)
    binary = "b" in mode
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **({} if binary else {"encoding": encoding,
                                                       "newline": newline})) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if is_disk_full(exc):
            raise disk_full(path, exc) from exc
        raise


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Like :func:`atomic_write` for writers that want a file name (Qt's ``QImage.save``): yields
    a temporary path beside ``path`` with the same suffix, moved into place on success."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".part{path.suffix}",
                               dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if is_disk_full(exc):
            raise disk_full(path, exc) from exc
        raise
