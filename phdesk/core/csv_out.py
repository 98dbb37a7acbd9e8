"""The one CSV writer: every table phdesk writes as CSV goes through :func:`write_csv_files`.

What every CSV gets (docs/ARCHITECTURE.md, "Outputs and disclosure control"):

* written whole or not at all: each file goes to a temporary name and all are moved into place
  only when all are written, so a full disk or an error leaves the previous outputs, never a
  truncated CSV (the one disk-full message, ``phdesk.core.atomic.disk_full``);
* written chunk by chunk (a big table need not be one frame in memory);
* formula-safe: text starting ``= + - @``, tab or CR is prefixed (``phdesk.core.safe_text``);
* UTF-8 (with a BOM on request, for Excel's *open*), a header row, numbers to 6 decimals
  (``-0.0`` written ``0.0``), lists as ``a; b``, empty cells for missing values, ``*`` kept as
  text (hidden values).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from phdesk.core.atomic import atomic_path, disk_full, is_disk_full
from phdesk.core.errors import UserError
from phdesk.core.safe_text import safe_csv_frame

DECIMALS = 6

# (file name in the folder, the table as one frame or its chunks, columns or None for as is)
CsvFile = tuple[str, "pd.DataFrame | Iterable[pd.DataFrame]", "Sequence[str] | None"]


def tidy(frame: pd.DataFrame) -> pd.DataFrame:
    """Floats to 6 decimals (+ 0.0: -1e-9 is written 0.0, not -0.0), also in mixed columns
    (numbers beside ``*``); lists as 'a; b'."""
    frame = frame.copy()
    for c in frame.columns:
        col = frame[c]
        if col.dtype == float:
            frame[c] = col.round(DECIMALS) + 0.0
        elif col.dtype == object:
            frame[c] = [round(v, DECIMALS) + 0.0 if isinstance(v, float) else
                        "; ".join(map(str, v)) if isinstance(v, list) else v for v in col]
    return frame


def make_folder(folder: str | Path) -> Path:
    """``folder`` created if needed; UserError naming it if it cannot be."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{folder}: cannot create the output folder ({exc.strerror})") from None
    return folder


def write_csv_files(folder: str | Path, files: Iterable[CsvFile], bom: bool = False
                    ) -> list[Path]:
    """Write each ``(name, table or chunks, columns)`` as ``folder/name``, all or none.

    Returns the paths written, in order. UserError (file and reason) if one cannot be written;
    the one disk-full message on a full drive; then no file has been replaced.
    """
    folder = make_folder(folder)
    paths = []
    with contextlib.ExitStack() as stack:
        for name, table, columns in files:
            path = folder / name
            try:
                tmp = stack.enter_context(atomic_path(path))
                _write_one(tmp, table, columns, bom)
            except OSError as exc:
                if is_disk_full(exc):
                    raise disk_full(path, exc) from exc
                raise UserError(f"{path}: cannot write ({exc.strerror})") from None
            paths.append(path)
    return paths


def write_csv(path: str | Path, table, columns: Sequence[str] | None = None,
              bom: bool = False) -> Path:
    """One table as CSV at ``path`` (see :func:`write_csv_files`)."""
    path = Path(path)
    return write_csv_files(path.parent, [(path.name, table, columns)], bom)[0]


def _write_one(target: Path, table, columns: Sequence[str] | None, bom: bool) -> None:
    # the temporary file is created owner-only (mkstemp): give the CSV a normal file's mode
    with contextlib.suppress(OSError):
        os.chmod(target, 0o644)
    chunks = [table] if isinstance(table, pd.DataFrame) else table
    with open(target, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
        wrote = False
        for chunk in chunks:
            if columns is not None:
                chunk = chunk.reindex(columns=list(columns))
            safe_csv_frame(tidy(chunk)).to_csv(fh, index=False, header=not wrote)
            wrote = True
        if not wrote and columns is not None:   # no rows at all: still the header
            safe_csv_frame(pd.DataFrame(columns=list(columns))).to_csv(fh, index=False)
