"""Importers for the files planners download, recognised by content, not by file name.

Each importer is a module with:

``KIND``
    the name used by ``--kind`` (``deprivation``, ``boundaries``, …);
``LABEL``
    a human name for the wizard;
``detect(sample: Sample) -> str | None``
    the reason the file is of this kind (shown to the user), or None;
``prepare(path: Path, ctx: ImportContext) -> Prepared``
    read and validate the whole file, writing nothing; returns the report and a ``write`` function
    that hands the prepared rows to the store's writer.

The contract is typed in :mod:`.contract` (``Importer``, ``TableWriter``); importers hold no SQL
(the store's ``import_writer`` and ``import_queries`` do; docs/ARCHITECTURE.md, "Persistence").

:func:`prepare_import` + :func:`commit_import` are what the wizard calls (preview, then accept);
:func:`run_import` does both for the command line. An import is one transaction: a failure or a
cancel inside ``write`` rolls everything back, provenance included.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pandas as pd

from phdesk import __version__
from phdesk.core.errors import UserError
from phdesk.core.imports import file_once, limits
from phdesk.core.imports.contract import Importer, WriteFn
from phdesk.core.imports.reading import EXCEL_SUFFIXES, Table, read_table
from phdesk.core.imports.report import ImportRejected, ImportReport
from phdesk.core.progress import CancelFn, Progress, ProgressFn, as_progress

if TYPE_CHECKING:
    from phdesk.store.project import Project

# Detection order: the most specific layouts first; the asset register (any columns) last.
IMPORTERS = {
    "boundaries": "phdesk.core.imports.boundaries",
    "lsoa-lookup": "phdesk.core.imports.lsoa_lookup",
    "centroids": "phdesk.core.imports.centroids",
    "deprivation": "phdesk.core.imports.deprivation",
    "ods": "phdesk.core.imports.ods",
    "postcodes": "phdesk.core.imports.postcodes",
    "gp-registrations": "phdesk.core.imports.gp_registrations",
    "population": "phdesk.core.imports.population",
    "segments": "phdesk.core.imports.segments",
    "notes": "phdesk.core.imports.notes",   # survey/workshop comments (strong column names)
    # after population (which reads the age and ethnic-group tidy tables): any other topic
    "census-topic": "phdesk.core.imports.census_topics",
    "neighbourhoods": "phdesk.core.imports.neighbourhoods",
    "assets": "phdesk.core.imports.assets",
}
KINDS = list(IMPORTERS)
PATIENT_LEVEL_KIND = "segments"  # the only kind a file with person-level columns may be
GEO_SUFFIXES = {".geojson", ".json", ".shp", ".zip", ".gpkg"}
TABLE_SUFFIXES = {".csv", ".tsv", ".txt", *EXCEL_SUFFIXES}


def importer(kind: str) -> Importer:
    """The module implementing ``kind``."""
    if kind not in IMPORTERS:
        raise UserError(f"unknown kind '{kind}'; choose one of: {', '.join(KINDS)}")
    return cast(Importer, importlib.import_module(IMPORTERS[kind]))


@dataclass
class Sample:
    """What detection looks at: the file's suffix and, for tables, the first rows as text."""

    path: Path

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()

    @cached_property
    def table(self) -> Table | None:
        """First 50 rows (None for spatial files)."""
        if self.suffix in GEO_SUFFIXES:
            return None
        return read_table(self.path, nrows=50)

    @cached_property
    def columns(self) -> list[str]:
        return list(self.table.df.columns) if self.table is not None else []

    @cached_property
    def person_columns(self) -> dict[str, str]:
        """Columns that identify or describe a person (see :mod:`.persons`), for tables and the
        attributes of spatial files alike."""
        from phdesk.core.imports.persons import person_columns

        if self.table is not None:
            return person_columns(self.columns)
        from phdesk.core.imports.geofiles import peek_geo

        peek = peek_geo(self.path)
        return person_columns(list(peek.columns)) if peek is not None else {}

    @property
    def headerless(self) -> bool:
        return self.table is not None and self.table.fmt.header_row == 0


@dataclass
class ImportContext:
    """What an importer may know of the project, and the user's options (column mapping etc.)."""

    project: Project | None = None
    options: dict[str, Any] = field(default_factory=dict)
    progress: Progress = field(default_factory=Progress)

    @cached_property
    def known_areas(self) -> set[str]:
        """Area codes already in the project (unknown codes are a warning, not a rejection)."""
        if self.project is None:
            return set()
        from phdesk.store.import_queries import area_codes

        return area_codes(self.project)

    def lookup_postcodes(self, normalised: pd.Series) -> pd.DataFrame:
        """Easting, northing (EPSG:27700) and LSOA for normalised postcodes, aligned to the input.

        Missing postcodes give NaN rows.
        """
        out = pd.DataFrame(index=normalised.index, columns=["easting", "northing", "lsoa_code"],
                           dtype=object)
        if self.project is None or normalised.dropna().empty:
            return out.astype({"easting": float, "northing": float})
        from phdesk.store.import_queries import postcode_points

        table = postcode_points(self.project, normalised.dropna().unique().tolist())
        table = table.set_index("postcode")
        res = table.reindex(normalised.values)
        res.index = normalised.index
        return res.astype({"easting": float, "northing": float})


@dataclass
class Prepared:
    """A validated file, ready to be written by :func:`commit_import`."""

    path: Path
    report: ImportReport
    write: WriteFn   # (store writer, progress): the commit step, inside the import's transaction
    preview: pd.DataFrame = field(default_factory=pd.DataFrame)


def sha256_of(path: Path) -> str:
    """SHA-256 of the file (hex); inside a check, from the bytes already read (file_once)."""
    return file_once.sha256(path)


@file_once.shares_reads
def detect(path: str | Path) -> tuple[str, str]:
    """``(kind, reason)`` for a file, from its content. Raises UserError when nothing fits."""
    path = _check_path(path)
    sample = Sample(path)
    if sample.person_columns:  # patient-level data: a segment extract or nothing
        reason = importer(PATIENT_LEVEL_KIND).detect(sample)
        if reason:
            return PATIENT_LEVEL_KIND, reason
        raise UserError(_patient_level_refusal(path, sample.person_columns))
    for kind in KINDS:
        reason = importer(kind).detect(sample)
        if reason:
            return kind, reason
    if sample.table is None:  # a spatial file: say why it could not be read, if it could not
        from phdesk.core.imports.geofiles import unreadable_reason

        why = unreadable_reason(path)
        if why:
            raise UserError(why)
    cols = ", ".join(sample.columns[:8]) if sample.columns else "no header"
    raise UserError(f"{path.name}: not a kind of file phdesk recognises (columns: {cols}); "
                    f"use --kind to say what it is")


@file_once.shares_reads
def prepare_import(project: Project | None, path: str | Path, kind: str | None = None,
                   options: dict[str, Any] | None = None, progress: ProgressFn | None = None,
                   cancelled: CancelFn | None = None) -> Prepared:
    """Read and validate a file; write nothing. ``kind`` None means detect it."""
    path = _check_path(path)
    prog = as_progress(progress, cancelled)
    if kind is None:
        kind, reason = detect(path)
    else:
        mod = importer(kind)
        sample = Sample(path)
        if sample.person_columns and kind != PATIENT_LEVEL_KIND:
            raise UserError(_patient_level_refusal(path, sample.person_columns, kind))
        reason = mod.detect(sample) or "kind given by the user"
    ctx = ImportContext(project, dict(options or {}), prog.sub(0.0, 0.9))
    notes: list[str] = []
    with limits.reading_progress(ctx.progress, notes):
        prepared = importer(kind).prepare(path, ctx)
    rep = prepared.report
    for message in notes:
        rep.warn(message)
    # an importer may name what it really read (e.g. the edition given as an option)
    rep.file, rep.kind, rep.reason = path.name, kind, rep.details.pop("reason", None) or reason
    rep.sha256 = sha256_of(path)
    if rep.rows_accepted == 0 and rep.rows_read > 0 and rep.rows_rejected == 0:
        rep.warn("no rows were accepted")
    if project is not None:
        from phdesk.store.import_queries import last_imported_at

        before = last_imported_at(project, rep.sha256, kind)
        if before is not None:
            rep.warn(f"this file was imported before, at {before}")
    prog(1.0, "checked")
    return prepared


def commit_import(project: Project, prepared: Prepared, accept_partial: bool = False,
                  progress: ProgressFn | None = None, cancelled: CancelFn | None = None
                  ) -> ImportReport:
    """Write a prepared import in one transaction, with its provenance row."""
    from phdesk.store.import_writer import import_transaction
    from phdesk.store.project import dumps, utc_now

    rep = prepared.report
    if rep.rows_rejected and not accept_partial:
        raise ImportRejected(rep)
    if rep.rows_accepted == 0:
        raise UserError(f"{rep.file}: no rows to import")
    prog = as_progress(progress, cancelled)
    provenance = {
        "file_name": rep.file, "sha256": rep.sha256, "kind": rep.kind,
        "rows_read": rep.rows_read, "rows_accepted": rep.rows_accepted,
        "rows_rejected": rep.rows_rejected, "warnings": dumps(rep.warnings),
        "details": dumps({"reason": rep.reason, **rep.details}),
        "imported_at": utc_now(), "phdesk_version": __version__,
    }
    with import_transaction(project, provenance) as writer:
        prepared.write(writer, prog)
        prog.check()  # a cancel during the last step still rolls back
    rep.committed = True
    from phdesk.core.vintage_coverage import attach_coverage

    attach_coverage(project, rep)   # areas/residents without decile or population, Core20
    return rep


def run_import(project: Project, path: str | Path, kind: str | None = None,
               accept_partial: bool = False, options: dict[str, Any] | None = None,
               progress: ProgressFn | None = None, cancelled: CancelFn | None = None
               ) -> ImportReport:
    """Detect, validate and import one file (what ``phdesk import`` does)."""
    prog = as_progress(progress, cancelled)
    prepared = prepare_import(project, path, kind, options, prog.sub(0, 0.6))
    return commit_import(project, prepared, accept_partial, prog.sub(0.6, 1.0))


def _patient_level_refusal(path: Path, found: dict[str, str], kind: str | None = None) -> str:
    """Why a file with person-level columns is not imported (column names only, no values)."""
    from phdesk.core.imports.persons import describe

    what = f"cannot be imported as {kind}" if kind else "not imported"
    return (f"{path.name}: patient-level data ({describe(found)}) {what}; phdesk takes such "
            f"files only as a segment extract aggregated on import (an LSOA code column, age or "
            f"age band, and a segment column or condition flags); nothing was imported")


def _check_path(path: str | Path) -> Path:
    path = Path(path)
    if not path.exists():
        raise UserError(f"{path}: no such file")
    if path.is_dir():
        raise UserError(f"{path}: is a folder; give a file")
    if path.stat().st_size == 0:
        raise UserError(f"{path.name}: the file is empty")
    return path


__all__ = ["KINDS", "ImportContext", "ImportRejected", "ImportReport", "Prepared", "Sample",
           "commit_import", "detect", "importer", "prepare_import", "run_import"]
