"""The project file: one SQLite database per piece of work, opened through :class:`Project`.

One writer: every write goes through :meth:`Project.transaction`, which holds the project's lock and
wraps the work in ``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on any exception, including
cancellation), so an import that fails or is interrupted leaves the file exactly as it was. The
rollback journal (not WAL) keeps the file complete on its own whenever phdesk is closed, so a user
can copy or email just the ``.phdesk``.
"""

from __future__ import annotations

import datetime as _dt
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import sqlite_utils

from phdesk import __version__
from phdesk.core.errors import UserError
from phdesk.store import schema

SUFFIX = ".phdesk"


class ProjectError(UserError):
    """The file is not a phdesk project, is newer than this phdesk, or cannot be opened."""


# Called (no arguments) before every read and write. None in the app; the UI tests install one
# that fails when the GUI thread touches the database (a read queued behind a long write there
# freezes the window). See docs/ARCHITECTURE.md (persistence).
_access_hook: Callable[[], None] | None = None


def set_access_hook(hook: Callable[[], None] | None) -> Callable[[], None] | None:
    """Install ``hook`` to run before every database access; returns the previous one."""
    global _access_hook
    previous, _access_hook = _access_hook, hook
    return previous


def _accessed() -> None:
    if _access_hook is not None:
        _access_hook()


def utc_now() -> str:
    """Current time, ISO 8601 UTC, seconds precision."""
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()


class Project:
    """An open project file.

    Parameters
    ----------
    path
        The ``.phdesk`` file.
    create
        Create a new, empty project; refuses to overwrite an existing file.
    """

    def __init__(self, path: str | Path, create: bool = False) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        if create:
            if self.path.exists():
                raise ProjectError(f"{self.path}: already exists; choose another name")
            self.path.parent.mkdir(parents=True, exist_ok=True)
        elif not self.path.exists():
            raise ProjectError(f"{self.path}: no such project file")
        elif not _looks_like_sqlite(self.path):
            raise ProjectError(f"{self.path}: not a phdesk project (not an SQLite database)")
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA foreign_keys = ON")
        self._conn.execute("PRAGMA journal_mode = DELETE")
        self.db = sqlite_utils.Database(self._conn)
        if create:
            with self.transaction():
                schema.create(self._conn)
                now = utc_now()
                self._set_meta({"schema_version": str(schema.SCHEMA_VERSION), "created_at": now,
                                "created_by": __version__, "name": self.path.stem})
        else:
            self._check_and_migrate()

    # -- lifecycle -------------------------------------------------------------------------
    @classmethod
    def create(cls, path: str | Path) -> Project:
        """Create a new empty project file."""
        return cls(path, create=True)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the one writer --------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """Run the block as one transaction; roll back on any exception (and re-raise it)."""
        _accessed()
        with self._lock:
            if self._conn.in_transaction:  # nested: join the outer transaction
                yield self.db
                return
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")

    # -- reads -------------------------------------------------------------------------------
    def query(self, sql: str, params: tuple | dict = ()) -> pd.DataFrame:
        """Run a read query and return a data frame."""
        _accessed()
        with self._lock:
            cur = self._conn.execute(sql, params)
            cols = [d[0] for d in cur.description] if cur.description else []
            return pd.DataFrame(cur.fetchall(), columns=cols)

    def scalar(self, sql: str, params: tuple | dict = ()) -> Any:
        _accessed()
        with self._lock:
            row = self._conn.execute(sql, params).fetchone()
            return row[0] if row else None

    def meta(self, key: str, default: str | None = None) -> str | None:
        value = self.scalar("SELECT value FROM meta WHERE key = ?", (key,))
        return default if value is None else value

    def set_meta(self, **values: str) -> None:
        with self.transaction():
            self._set_meta(values)

    def _set_meta(self, values: dict[str, str]) -> None:
        self.db["meta"].upsert_all([{"key": k, "value": v} for k, v in values.items()], pk="key")

    def counts(self) -> dict[str, int]:
        """Row counts of the main tables, for status bars and summaries."""
        tables = ["areas", "neighbourhoods", "assets", "population", "deprivation", "postcodes",
                  "gp_registrations", "notes", "provenance", "mapping_runs"]
        return {t: int(self.scalar(f"SELECT count(*) FROM {t}")) for t in tables}

    def provenance(self) -> pd.DataFrame:
        df = self.query("SELECT * FROM provenance ORDER BY id")
        return df

    # -- schema version ----------------------------------------------------------------------
    @property
    def schema_version(self) -> int:
        return int(self.meta("schema_version", "0") or 0)

    def _check_and_migrate(self) -> None:
        try:
            version = self.schema_version
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            raise ProjectError(f"{self.path}: not a phdesk project ({exc})") from None
        if version == 0:
            self._conn.close()
            raise ProjectError(f"{self.path}: not a phdesk project (no schema version)")
        if version > schema.SCHEMA_VERSION:
            self._conn.close()
            raise ProjectError(
                f"{self.path}: made by a newer phdesk (schema {version}, this phdesk reads up to "
                f"{schema.SCHEMA_VERSION}); please update phdesk")
        if version < schema.SCHEMA_VERSION:
            self.backup(self.path.with_name(f"{self.path.stem}.v{version}-backup{SUFFIX}"))
            with self.transaction():
                for target in range(version + 1, schema.SCHEMA_VERSION + 1):
                    schema.MIGRATIONS[target](self._conn)
                    self._set_meta({"schema_version": str(target)})
                self._set_meta({"migrated_at": utc_now(), "migrated_by": __version__})

    def backup(self, dest: str | Path) -> Path:
        """Copy the project, consistently, to ``dest`` (SQLite online backup)."""
        dest = Path(dest)
        if dest.exists():
            stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            dest = dest.with_name(f"{dest.stem}-{stamp}{dest.suffix}")
        with self._lock:
            target = sqlite3.connect(dest)
            try:
                self._conn.backup(target)
            finally:
                target.close()
        return dest


def _looks_like_sqlite(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def dumps(value: Any) -> str:
    """JSON for the text columns (warnings, details, parameters)."""
    return json.dumps(value, ensure_ascii=False, default=str)


__all__ = ["Project", "ProjectError", "SUFFIX", "utc_now", "dumps"]
