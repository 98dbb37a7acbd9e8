"""The project file: one SQLite database per piece of work, opened through :class:`Project`.

One writer: every write goes through :meth:`Project.transaction`, which holds the project's lock and
wraps the work in ``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on any exception, including
cancellation), so an import that fails or is interrupted leaves the file exactly as it was. The
rollback journal (not WAL) keeps the file complete on its own whenever phdesk is closed, so a user
can copy or email just the ``.phdesk``.

Nothing is written that nobody asked for (see docs/ARCHITECTURE.md, "Reliability"): a file that
cannot be written (read-only file, folder or drive) opens read-only and says so; the first write
of a session runs ``PRAGMA quick_check`` and refuses a damaged file; a writer waits for another
phdesk's lock with a message, then refuses clearly; a file left in WAL mode is recovered with a
message and a backup; a full disk rolls back and says so, keeping the original error.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import sqlite_utils

from phdesk import __version__
from phdesk.core.atomic import disk_full, is_disk_full, sqlite_uri
from phdesk.core.errors import UserError
from phdesk.store import schema
from phdesk.store.project_files import SUFFIX, backups_of, restore_hint, why_read_only

LOCK_WAIT_S = 10.0     # how long a writer waits for another phdesk's lock before refusing
LOCK_NOTICE_S = 1.0    # after this, say that it is waiting
log = logging.getLogger(__name__)


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


class ProjectLocked(ProjectError):
    """Another phdesk held the project's lock for longer than LOCK_WAIT_S."""


class ReadOnlyProject(ProjectError):
    """A write was asked of a project opened read-only."""


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

    def __init__(self, path: str | Path, create: bool = False, read_only: bool = False,
                 notice: Callable[[str], None] | None = None) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        self.notice = notice or log.warning
        self._checked = False      # quick_check done (before the first write)
        self.read_only_reason: str | None = "asked to open read-only" if read_only else None
        if create:
            if self.path.exists():
                raise ProjectError(f"{self.path}: already exists; choose another name")
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise ProjectError(f"{self.path}: cannot create the folder "
                                   f"({exc.strerror or exc})") from None
            self._checked = True
        else:
            self._check_file()
            if self.read_only_reason is None:
                self.read_only_reason = why_read_only(self.path)
        try:
            self._connect(create)
        except sqlite3.DatabaseError as exc:
            raise self._open_error(exc) from None
        if self.read_only_reason and not create:
            self.notice(f"{self.path.name}: opened read-only ({self.read_only_reason}); "
                        "changes cannot be saved")
        if create:
            with self.transaction():
                schema.create(self._conn)
                now = utc_now()
                self._set_meta({"schema_version": str(schema.SCHEMA_VERSION), "created_at": now,
                                "created_by": __version__, "name": self.path.stem})
        else:
            try:
                self._check_and_migrate()
            except sqlite3.DatabaseError as exc:
                raise self._open_error(exc) from None

    def _check_file(self) -> None:
        """ProjectError for a missing, unreadable, empty or foreign file."""
        p = self.path
        if not p.exists():
            raise ProjectError(f"{p}: no such project file")
        if p.is_dir():
            raise ProjectError(f"{p}: is a folder, not a project file")
        try:
            with open(p, "rb") as fh:
                head = fh.read(100)
        except OSError as exc:
            raise ProjectError(f"{p}: cannot be read ({exc.strerror or exc})") from None
        if not head.startswith(b"SQLite format 3\x00"):
            if len(head) == 0 or not head.strip(b"\x00"):
                raise ProjectError(f"{p}: damaged (the file is empty or blank); "
                                   f"{restore_hint(p)}")
            raise ProjectError(f"{p}: not a phdesk project (not an SQLite database)")
        if len(head) < 100:
            raise ProjectError(f"{p}: damaged (truncated to {len(head)} bytes); "
                               f"{restore_hint(p)}")
        self._wal = head[18] == 2 or head[19] == 2

    def _connect(self, create: bool) -> None:
        mode = "ro" if self.read_only_reason else ("rwc" if create else "rw")
        self._conn = sqlite3.connect(sqlite_uri(self.path, mode), uri=True, timeout=LOCK_NOTICE_S,
                                     check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA foreign_keys = ON")
        self.db = sqlite_utils.Database(self._conn)
        if create:
            self._conn.execute("PRAGMA journal_mode = DELETE")
        elif getattr(self, "_wal", False):
            self._recover_wal()

    def _recover_wal(self) -> None:
        """A file left in WAL mode (by another tool, or a copy taken mid-write): SQLite has
        replayed the ``-wal`` file on opening; keep a backup, then return to the rollback
        journal so the ``.phdesk`` is complete on its own again."""
        if self.read_only_reason:
            self.notice(f"{self.path.name}: in WAL mode and read-only; opened as it is")
            return
        self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()  # replays the WAL
        dest = self.backup(self.path.with_name(f"{self.path.stem}.wal-backup{SUFFIX}"))
        self._conn.execute("PRAGMA journal_mode = DELETE")
        self.notice(f"{self.path.name}: was left in WAL mode; its pending changes were "
                    f"recovered and a copy saved as {dest.name}")

    def _open_error(self, exc: sqlite3.DatabaseError) -> ProjectError:
        with contextlib.suppress(Exception):
            self._conn.close()
        text = " ".join(str(exc).split())
        if "locked" in text or "busy" in text:
            return ProjectLocked(f"{self.path}: locked by another phdesk that is writing to it; "
                                 f"try again when it has finished")
        if "unable to open" in text or "readonly" in text:
            return ProjectError(f"{self.path}: cannot be opened ({text})")
        return ProjectError(f"{self.path}: damaged ({text}); {restore_hint(self.path)}")

    @property
    def read_only(self) -> bool:
        return self.read_only_reason is not None

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
    def transaction(self, what: str = "save changes") -> Iterator[sqlite_utils.Database]:
        """Run the block as one transaction; roll back on any exception (and re-raise it).

        Refuses (ProjectError) on a read-only or damaged project and after waiting LOCK_WAIT_S
        for another writer; a full disk becomes one clear UserError (see module docstring).
        """
        _accessed()
        with self._lock:
            if self._conn.in_transaction:  # nested: join the outer transaction
                yield self.db
                return
            if self.read_only_reason:
                raise ReadOnlyProject(f"{self.path}: opened read-only ({self.read_only_reason}); "
                                      f"cannot {what}")
            self._begin()
            try:
                yield self.db
                self._conn.execute("COMMIT")
            except BaseException as exc:
                self._rollback(exc)
                if is_disk_full(exc):
                    raise disk_full(self.path, exc) from exc
                if isinstance(exc, sqlite3.DatabaseError) and "malformed" in str(exc):
                    raise ProjectError(f"{self.path}: damaged ({exc}); nothing was changed; "
                                       f"{restore_hint(self.path)}") from exc
                raise

    def _begin(self) -> None:
        """BEGIN IMMEDIATE, after a quick_check on the first write; waits for another writer."""
        if not self._checked:
            self.check_integrity()
        start = time.monotonic()
        told = False
        while True:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    if is_disk_full(exc):
                        raise disk_full(self.path, exc) from exc
                    raise
            waited = time.monotonic() - start
            if waited >= LOCK_WAIT_S:
                raise ProjectLocked(
                    f"{self.path}: another phdesk has been writing to it for more than "
                    f"{LOCK_WAIT_S:.0f} s (an import or a mapping run?); try again when it has "
                    f"finished; nothing was changed")
            if not told:
                self.notice(f"{self.path.name}: waiting for another phdesk that is writing to "
                            f"it…")
                told = True

    def _rollback(self, original: BaseException) -> None:
        """ROLLBACK; if that fails too (a full disk can do it), log it and keep the original."""
        if not self._conn.in_transaction:
            return
        try:
            self._conn.execute("ROLLBACK")
        except sqlite3.Error as exc:
            with contextlib.suppress(Exception):
                log.error("ROLLBACK failed after %s: %s", type(original).__name__, exc)

    def check_integrity(self) -> None:
        """``PRAGMA quick_check``; ProjectError naming the backup when the file is damaged."""
        with self._lock:
            try:
                rows = self._conn.execute("PRAGMA quick_check(5)").fetchall()
            except sqlite3.DatabaseError as exc:
                rows = [(str(exc),)]
            if [r[0] for r in rows] != ["ok"]:
                first = " ".join(str(rows[0][0]).split())[:160] if rows else "unknown"
                raise ProjectError(f"{self.path}: damaged ({first}); nothing was changed; "
                                   f"{restore_hint(self.path)}")
            self._checked = True

    # -- reads -------------------------------------------------------------------------------
    def query(self, sql: str, params: tuple | dict = ()) -> pd.DataFrame:
        """Run a read query and return a data frame."""
        _accessed()

        def run():
            cur = self._conn.execute(sql, params)
            cols = [d[0] for d in cur.description] if cur.description else []
            return pd.DataFrame(cur.fetchall(), columns=cols)
        return self._read(run)

    def scalar(self, sql: str, params: tuple | dict = ()) -> Any:
        _accessed()

        def run():
            row = self._conn.execute(sql, params).fetchone()
            return row[0] if row else None
        return self._read(run)

    def _read(self, run: Callable[[], Any]) -> Any:
        """Run a read, waiting up to LOCK_WAIT_S while another phdesk commits (a writer's
        exclusive lock), then refusing clearly; a damaged page is a ProjectError."""
        start, told = time.monotonic(), False
        with self._lock:
            while True:
                try:
                    return run()
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) and "busy" not in str(exc):
                        raise
                if time.monotonic() - start >= LOCK_WAIT_S:
                    raise ProjectLocked(f"{self.path}: another phdesk has been writing to it "
                                        f"for more than {LOCK_WAIT_S:.0f} s; try again when it "
                                        f"has finished")
                if not told:
                    self.notice(f"{self.path.name}: waiting for another phdesk that is "
                                f"writing to it…")
                    told = True

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
            if "malformed" in str(exc) or "disk I/O" in str(exc):
                raise self._open_error(exc) from None
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
            if self.read_only_reason:
                self._conn.close()
                raise ProjectError(f"{self.path}: needs upgrading to schema "
                                   f"{schema.SCHEMA_VERSION} but is read-only "
                                   f"({self.read_only_reason}); copy it to a folder you can "
                                   f"write to")
            self.check_integrity()
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


def dumps(value: Any) -> str:
    """JSON for the text columns (warnings, details, parameters)."""
    return json.dumps(value, ensure_ascii=False, default=str)


__all__ = ["Project", "ProjectError", "ProjectLocked", "ReadOnlyProject", "SUFFIX", "utc_now",
           "dumps", "backups_of"]
