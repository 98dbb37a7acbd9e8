"""CSV output: the five mapping tables, protected, with formula-like text made safe.

``tables.csv`` writes ``tables_neighbourhood_segments.csv`` … beside it; ``phdesk map --out
FOLDER`` writes ``FOLDER/<table>.csv`` through :func:`write_tables`. A ``<name>_readme.txt``
states the disclosure rule and the sources. UTF-8 with a header row;
numbers with up to 6 decimals; hidden values ``*``; empty cells are missing values.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from phdesk.core.csv_out import write_csv, write_csv_files
from phdesk.core.disclosure_tables import protection_notes
from phdesk.core.errors import UserError
from phdesk.core.mapping_output import COLUMNS
from phdesk.export.bundle import ExportBundle


def write_frame(frame: pd.DataFrame, path: Path, bom: bool = False) -> Path:
    """One frame as CSV at ``path`` through the one CSV writer (``phdesk.core.csv_out``:
    written whole or not at all, floats to 6 decimals, text safe, the disk-full message)."""
    return write_csv(path, frame, bom=bom)


def write_tables(tables: dict[str, pd.DataFrame], folder: Path, prefix: str = "") -> list[Path]:
    """The mapping tables as ``<prefix><name>.csv`` in ``folder`` (created if needed), all or
    none (a full disk leaves the previous outputs, never a truncated CSV: docs/RELIABILITY.md)."""
    return write_csv_files(folder, [(f"{prefix}{name}.csv", tables[name], cols)
                                    for name, cols in COLUMNS.items() if name in tables])


def write(bundle: ExportBundle, path: Path, **_options) -> list[Path]:
    """``name.csv`` -> ``name_<table>.csv`` for each table (and the scenario comparison and
    reach changes when asked), all or none, and ``name_readme.txt``."""
    files = [(f"{path.stem}_{name}.csv", bundle.tables[name], cols)
             for name, cols in COLUMNS.items() if name in bundle.tables]
    if bundle.comparison is not None:
        files.append((f"{path.stem}_scenario_comparison.csv", bundle.comparison, None))
    if bundle.extra.get("reach") is not None:
        files.append((f"{path.stem}_reach_changes.csv", bundle.extra["reach"], None))
    paths = write_csv_files(path.parent, files)
    readme = path.parent / f"{path.stem}_readme.txt"
    write_readme(bundle, readme, paths)
    return paths + [readme]


def write_readme(bundle: ExportBundle, readme: Path, paths: list[Path]) -> Path:
    """A text file beside the tables: the run, the disclosure rule, the files, the sources."""
    lines = [f"{bundle.title}: mapping results of {bundle.run_date} (phdesk {bundle.version})",
             "", bundle.statement, "", "What is protected, and how:"] + \
        [f"  {k}: {v}" for k, v in protection_notes(bundle.rule, bundle.classes)] + \
        ["", "Files:"] + [f"  {p.name}" for p in paths] + \
        ["", "Sources:"] + [f"  {k}: {v}" for k, v in bundle.sources()]
    try:
        readme.write_text("\n".join(lines) + "\n", encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{readme}: cannot write ({exc.strerror})") from None
    return readme
