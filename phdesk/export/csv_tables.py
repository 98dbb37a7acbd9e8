"""CSV output: the five mapping tables, protected, with formula-like text made safe.

``tables.csv`` writes ``tables_neighbourhood_segments.csv`` … beside it; ``phdesk map --out
FOLDER`` writes ``FOLDER/<table>.csv`` through :func:`write_tables`. A ``<name>_readme.txt``
states the disclosure rule and the sources. UTF-8 with a header row;
numbers with up to 6 decimals; hidden values ``*``; empty cells are missing values.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pandas as pd

from phdesk.core.atomic import atomic_path, disk_full, is_disk_full
from phdesk.core.errors import UserError
from phdesk.core.mapping_output import COLUMNS
from phdesk.core.safe_text import safe_csv_frame
from phdesk.export.bundle import ExportBundle


def write_frame(frame: pd.DataFrame, path: Path, bom: bool = False,
                target: Path | None = None) -> Path:
    """One frame as CSV (floats to 6 decimals, text safe) into ``target`` (default ``path``;
    a temporary name when the caller moves it into place); UserError if it cannot be written,
    the one disk-full message on a full drive."""
    frame = frame.copy()
    for c in frame.columns:
        if frame[c].dtype == float:
            frame[c] = frame[c].round(6) + 0.0
        elif frame[c].dtype == object:
            frame[c] = [round(v, 6) + 0.0 if isinstance(v, float) else v for v in frame[c]]
    try:
        safe_csv_frame(frame).to_csv(target or path, index=False,
                                     encoding="utf-8-sig" if bom else "utf-8")
    except OSError as exc:
        if is_disk_full(exc):
            raise disk_full(path, exc) from exc
        raise UserError(f"{path}: cannot write ({exc.strerror})") from None
    return path


def write_tables(tables: dict[str, pd.DataFrame], folder: Path, prefix: str = "") -> list[Path]:
    """The five tables as ``<prefix><name>.csv`` in ``folder`` (created if needed)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{folder}: cannot create the output folder ({exc.strerror})") from None
    # every table goes to a temporary name; all are moved into place only when all are written
    # (a full disk leaves the previous outputs, never a truncated CSV: docs/RELIABILITY.md)
    paths = []
    with contextlib.ExitStack() as stack:
        for name, cols in COLUMNS.items():
            if name not in tables:
                continue
            path = folder / f"{prefix}{name}.csv"
            write_frame(tables[name].reindex(columns=cols), path,
                        target=stack.enter_context(atomic_path(path)))
            paths.append(path)
    return paths


def write(bundle: ExportBundle, path: Path, **_options) -> list[Path]:
    """``name.csv`` -> ``name_<table>.csv`` for each table (and the comparison when asked)."""
    paths = write_tables(bundle.tables, path.parent, f"{path.stem}_")
    if bundle.comparison is not None:
        paths.append(write_frame(bundle.comparison, path.parent /
                                 f"{path.stem}_scenario_comparison.csv"))
    readme = path.parent / f"{path.stem}_readme.txt"
    write_readme(bundle, readme, paths)
    return paths + [readme]


def write_readme(bundle: ExportBundle, readme: Path, paths: list[Path]) -> Path:
    """A text file beside the tables: the run, the disclosure rule, the files, the sources."""
    lines = [f"{bundle.title}: mapping results of {bundle.run_date} (phdesk {bundle.version})",
             "", bundle.statement, "", "Files:"] + [f"  {p.name}" for p in paths] + \
        ["", "Sources:"] + [f"  {k}: {v}" for k, v in bundle.sources()]
    try:
        readme.write_text("\n".join(lines) + "\n", encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{readme}: cannot write ({exc.strerror})") from None
    return readme
