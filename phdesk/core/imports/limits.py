"""Resource budgets for every reader, so that no input file, however small or strange, can take
more than about 1 GB of memory or run without progress and cancel.

A tiny file can describe an enormous one: a workbook whose one cell sits at ``XFD1048576``, a zip
that inflates a thousandfold, JSON nested a million deep or holding a 10,000-digit number, a
GeoPackage whose layer is a view computing ``zeroblob(3e9)``. Each reader checks the relevant
budget *before* allocating and refuses with a :class:`~phdesk.core.errors.UserError` naming the
file, the measure and the limit (see docs/RELIABILITY.md for the list and the tests).

Long reads report progress and honour cancel through :func:`reading_progress` (a context set by
:func:`phdesk.core.imports.prepare_import` around the importer) and :func:`tick`.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from phdesk.core.errors import UserError
from phdesk.core.progress import Progress

MiB = 1024 * 1024
# zip archives (XLSX workbooks, zipped shapefiles / GeoJSON / GeoPackages)
MAX_UNZIPPED_BYTES = 1024 * MiB      # all members together, as declared
MAX_MEMBER_BYTES = 768 * MiB         # one member
MAX_RATIO = 200                      # uncompressed / compressed, for members over RATIO_FROM
RATIO_FROM = 16 * MiB
# workbooks: cells held as text while reading (rows × widest row)
MAX_SHEET_CELLS = 30_000_000
MAX_SHEET_COLUMNS = 2_000
# JSON (GeoJSON): whole-document parsers hold several times the file in memory
MAX_JSON_BYTES = 200 * MiB
MAX_JSON_DIGITS = 40                 # integer literals longer than this are refused
# spatial files read whole (shapefile, GeoPackage table)
MAX_GEO_BYTES = 512 * MiB
MAX_FEATURES = 2_000_000
MAX_VERTICES = 2_000_000             # per geometry
MAX_TOTAL_VERTICES = 30_000_000      # per file
MAX_REPAIR_VERTICES = 200_000        # an invalid polygon above this is not repaired (GEOS time)
# SQLite reads of a GeoPackage: longest string or blob one value may have
MAX_SQL_VALUE_BYTES = 256 * MiB

_progress: ContextVar[Progress | None] = ContextVar("phdesk_read_progress", default=None)
_notes: ContextVar[list[str] | None] = ContextVar("phdesk_read_notes", default=None)


@contextmanager
def reading_progress(progress: Progress, notes: list[str] | None = None) -> Iterator[None]:
    """Let the readers deep inside an importer report progress, see a cancel and leave notes
    for the import report (``notes``: warnings such as Excel error values read as empty)."""
    token = _progress.set(progress)
    token2 = _notes.set(notes)
    try:
        yield
    finally:
        _progress.reset(token)
        _notes.reset(token2)


def note(message: str) -> None:
    """A warning for the current import's report (ignored outside an import)."""
    notes = _notes.get()
    if notes is not None and message not in notes:
        notes.append(message)


def tick(done: int, total: int | None, message: str) -> None:
    """Report ``done`` of ``total`` units read (total unknown: no fraction) and check cancel.

    Raises :class:`~phdesk.core.progress.Cancelled` when the user asked to stop.
    """
    prog = _progress.get()
    if prog is None:
        return
    fraction = min(done / total, 0.99) if total else 0.0
    prog(fraction, message)


def check_cancel() -> None:
    """Raise :class:`~phdesk.core.progress.Cancelled` if the user asked to stop (no progress)."""
    prog = _progress.get()
    if prog is not None:
        prog.check()


def refuse_size(path: Path, size: int, limit: int, what: str) -> None:
    """UserError when ``size`` bytes of ``what`` exceed ``limit``."""
    if size > limit:
        raise UserError(f"{path.name}: {what} is {_mb(size)}, more than phdesk reads "
                        f"({_mb(limit)}); nothing was imported")


def check_archive(path: Path, zf: zipfile.ZipFile, what: str = "the zip") -> None:
    """Refuse a zip whose declared sizes or compression ratio are beyond the budgets, or that is
    encrypted. ``zipfile`` never returns more than a member's declared size, so checking the
    declared sizes bounds what is read."""
    total = 0
    for info in zf.infolist():
        if info.flag_bits & 0x1:
            raise UserError(f"{path.name}: {what} is encrypted (password-protected); save an "
                            f"unprotected copy and import that")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UserError(f"{path.name}: {what} uses a compression method phdesk cannot read "
                            f"(method {info.compress_type}, e.g. Deflate64); re-zip it with "
                            f"ordinary compression")
        total += info.file_size
        refuse_size(path, info.file_size, MAX_MEMBER_BYTES,
                    f"{info.filename!r} in {what}, unpacked,")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FROM and ratio > MAX_RATIO:
            raise UserError(f"{path.name}: {info.filename!r} in {what} unpacks {ratio:,.0f} times "
                            f"larger than it is packed ({_mb(info.file_size)}); refused as a "
                            f"likely zip bomb")
    refuse_size(path, total, MAX_UNZIPPED_BYTES, f"{what}, unpacked,")


def open_zip(path: Path, what: str = "the zip") -> zipfile.ZipFile:
    """A checked :class:`zipfile.ZipFile` (see :func:`check_archive`); UserError if damaged."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        # NotImplementedError: a damaged "version needed" field (found by fuzzing)
        raise UserError(f"{path.name}: {what} is damaged or not a zip ({exc})") from None
    try:
        check_archive(path, zf, what)
    except BaseException:
        zf.close()
        raise
    return zf


def load_json(path: Path, what: str = "JSON") -> object:
    """Parse a JSON file within the budgets: size, nesting depth, integer length."""
    from phdesk.core.imports import file_once

    refuse_size(path, path.stat().st_size, MAX_JSON_BYTES, "the file")
    try:  # parsed once per check (see file_once); callers do not change the document
        return file_once.remembered(path, "json", lambda: json.loads(
            (file_once.held_bytes(path) or path.read_bytes()).decode("utf-8-sig"),
            parse_int=bounded_int))
    except RecursionError:
        raise UserError(f"{path.name}: the {what} is nested too deeply to read (a damaged or "
                        f"hostile file?)") from None
    except _HugeNumber as exc:
        raise UserError(f"{path.name}: the {what} holds a number {exc} digits long; phdesk "
                        f"reads numbers of at most {MAX_JSON_DIGITS} digits") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"{path.name}: cannot read as {what} ({first_line(exc)})") from None
    except OSError as exc:
        raise UserError(f"{path.name}: cannot read ({exc.strerror or exc})") from None


class _HugeNumber(ValueError):
    pass


def bounded_int(text: str) -> int:
    """``int(text)`` for JSON integer literals of at most MAX_JSON_DIGITS digits."""
    if len(text) > MAX_JSON_DIGITS:
        raise _HugeNumber(f"{len(text):,}")
    return int(text)


def first_line(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:160]


def _mb(n: int) -> str:
    return f"{n / MiB:,.0f} MB" if n >= MiB else f"{n:,} bytes"
