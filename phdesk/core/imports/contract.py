"""The importer contract, typed: what an importer module provides (:class:`Importer`) and what its
commit step may write (:class:`TableWriter`).

Why protocols: an importer validates a file into row frames and arrays and holds no SQL; the
project's SQL lives in ``phdesk.store`` (docs/ARCHITECTURE.md, "Persistence"). The store's
``ImportWriter`` implements :class:`TableWriter` inside the import's single transaction, after
the provenance row, and stamps every row with its provenance id, so importers never pass it.
``prog`` arguments are ``(fraction 0–1, message)`` callables, called between batches so that a
cancel stops the import there (and the transaction rolls back).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from phdesk.core.imports import ImportContext, Prepared, Sample

ProgFn = Callable[[float, str], None]


class TableWriter(Protocol):
    """The rows of one import, written inside its open transaction (``store.import_writer``)."""

    provenance_id: int

    def set_warnings(self, warnings: Sequence[str]) -> None: ...

    def set_meta(self, values: dict[str, str]) -> None: ...

    def insert(self, table: str, frame: pd.DataFrame, prog: ProgFn = ..., *,
               replace: bool = False, message: str = "writing", batch: int = ...) -> None: ...

    def upsert_areas(self, frame: pd.DataFrame, prog: ProgFn = ..., batch: int = ...) -> None: ...

    def set_pw_centroids(self, codes: Sequence[str], easting: np.ndarray,
                         northing: np.ndarray) -> None: ...

    def write_bridge_areas(self, frame: pd.DataFrame) -> None: ...

    def retire_older_lsoas(self, vintage: int, keep: set[str]) -> int: ...

    def has_real_neighbourhoods(self) -> bool: ...

    def default_neighbourhoods(self, codes: list[str], names: list[str]) -> None: ...

    def link_neighbourhoods(self, area_codes: Sequence[str], names: Sequence[str],
                            prog: ProgFn = ...) -> None: ...

    def upsert_neighbourhood_outlines(self, names: Sequence[str],
                                      wkb: Sequence[bytes]) -> None: ...

    def replace_population(self, dataset: str, frame: pd.DataFrame,
                           prog: ProgFn = ...) -> None: ...

    def replace_segment_rows(self, dataset: str, frame: pd.DataFrame, prog: ProgFn = ...,
                             batch: int = ...) -> int: ...

    def prefer_population(self, dataset: str, first: bool = True) -> list[str]: ...

    def upsert_deprivation(self, frame: pd.DataFrame, prog: ProgFn = ...) -> None: ...

    def replace_lsoa_lookup(self, fit: str, frame: pd.DataFrame, prog: ProgFn = ...) -> None: ...

    def upsert_postcodes(self, postcode: np.ndarray, easting: np.ndarray, northing: np.ndarray,
                         lsoa_code: np.ndarray, prog: ProgFn = ...,
                         batch: int = ...) -> None: ...

    def upsert_gp_registrations(self, frame: pd.DataFrame, prog: ProgFn = ...,
                                batch: int = ...) -> int: ...

    def upsert_assets(self, frame: pd.DataFrame, updated_at: str,
                      prog: ProgFn = ...) -> tuple[int, int]: ...

    def upsert_ods_assets(self, frame: pd.DataFrame, updated_at: str, closed_codes: set[str],
                          prog: ProgFn = ...) -> tuple[int, int, int]: ...

    def add_notes(self, frame: pd.DataFrame) -> None: ...


# An importer's commit step: writes its prepared rows through the writer, nothing else.
WriteFn = Callable[[TableWriter, ProgFn], None]


class Importer(Protocol):
    """An importer module (``phdesk.core.imports.IMPORTERS``), recognised by content.

    ``detect`` gives the reason the file is of this kind (shown to the user) or None; ``prepare``
    reads and validates the whole file, writing nothing, and returns the report, a preview and
    the commit step (:data:`WriteFn`).
    """

    KIND: str
    LABEL: str

    def detect(self, sample: Sample) -> str | None: ...

    def prepare(self, path: Path, ctx: ImportContext) -> Prepared: ...
