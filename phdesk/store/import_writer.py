"""Writing an import into the project: the one transaction, its provenance row, the rows.

Why it exists: SQL against the project schema lives in ``phdesk.store`` (docs/ARCHITECTURE.md,
"Persistence"). An importer's ``prepare`` validates a file into row frames and arrays and writes
nothing; its commit step hands them to an :class:`ImportWriter` (the ``TableWriter`` protocol of
``phdesk.core.imports.contract``), whose methods hold the SQL. :func:`import_transaction` opens
the transaction and inserts the provenance row first, so every row written can name it, and a
failure or a cancel anywhere inside rolls everything back, provenance included.

Every row an ``ImportWriter`` writes carries this import's provenance id (``provenance_id``);
callers never pass it. ``prog`` is called between batches (fraction 0–1, message), so a cancel
stops the import there and the transaction rolls back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import repeat
from typing import Any

import numpy as np
import pandas as pd
import sqlite_utils

from phdesk.store import vintages
from phdesk.store.project import Project, dumps

BATCH = 20_000
BIG_CACHE_KIB = 262_144   # page cache for the index updates of big tables (256 MB), restored after
ProgFn = Callable[[float, str], None]


def _quiet(_fraction: float, _message: str) -> None:
    """No progress wanted."""


def plain_rows(frame: pd.DataFrame) -> Iterable[tuple]:
    """Rows as tuples of Python values, NaN/NA as None (what sqlite3 binds)."""
    out = frame.astype(object).where(frame.notna(), None)
    return out.itertuples(index=False, name=None)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


@contextmanager
def import_transaction(project: Project, provenance: dict[str, Any]) -> Iterator[ImportWriter]:
    """One transaction: the provenance row (columns of ``provenance``), then whatever the block
    writes through the yielded writer. Any exception rolls it all back."""
    with project.transaction() as db:
        pid = int(db["provenance"].insert(provenance).last_pk)
        yield ImportWriter(db, pid)


class ImportWriter:
    """The rows of one import, written inside its open transaction (see module docstring)."""

    def __init__(self, db: sqlite_utils.Database, provenance_id: int) -> None:
        self.db = db
        self.conn = db.conn
        self.provenance_id = provenance_id

    # -- provenance and generic rows -------------------------------------------------------
    def set_warnings(self, warnings: Sequence[str]) -> None:
        """Replace the provenance row's warnings (for warnings found while writing)."""
        self.db["provenance"].update(self.provenance_id, {"warnings": dumps(list(warnings))})

    def set_meta(self, values: dict[str, str]) -> None:
        """Upsert project settings (``meta`` key/value text)."""
        self.db["meta"].upsert_all([{"key": k, "value": v} for k, v in values.items()],
                                   pk="key")

    def insert(self, table: str, frame: pd.DataFrame, prog: ProgFn = _quiet, *,
               replace: bool = False, message: str = "writing", batch: int = BATCH) -> None:
        """Insert ``frame`` (columns named as the table's, plus provenance_id) in batches;
        ``replace``: INSERT OR REPLACE, the upsert on the table's key when every column of the
        row is given."""
        frame = frame.assign(provenance_id=self.provenance_id)
        cols = list(frame.columns)
        verb = "INSERT OR REPLACE" if replace else "INSERT"
        sql = (f'{verb} INTO "{table}" ({", ".join(f"[{c}]" for c in cols)}) '
               f'VALUES ({", ".join("?" * len(cols))})')
        n = len(frame)
        for start in range(0, n, batch):
            self.conn.executemany(sql, list(plain_rows(frame.iloc[start:start + batch])))
            prog(min(1.0, (start + batch) / max(n, 1)), message)

    def _delete_in(self, table: str, column: str, values: Iterable, where: str = "",
                   params: tuple = ()) -> None:
        """``DELETE FROM table WHERE column IN (values) [AND where]``, 500 values at a time."""
        vals = list(dict.fromkeys(values))
        extra = f" AND {where}" if where else ""
        for start in range(0, len(vals), 500):
            chunk = vals[start:start + 500]
            marks = ",".join("?" * len(chunk))
            self.conn.execute(f'DELETE FROM "{table}" WHERE [{column}] IN ({marks}){extra}',
                              (*chunk, *params))

    @contextmanager
    def _big_cache(self) -> Iterator[None]:
        """A bigger page cache for the index updates of millions of rows (restored after)."""
        cache = self.conn.execute("PRAGMA cache_size").fetchone()[0]
        self.conn.execute(f"PRAGMA cache_size = -{BIG_CACHE_KIB}")
        try:
            yield
        finally:
            self.conn.execute(f"PRAGMA cache_size = {int(cache)}")

    # -- areas, boundaries and neighbourhoods ----------------------------------------------
    def upsert_areas(self, frame: pd.DataFrame, prog: ProgFn = _quiet, batch: int = 1_000
                     ) -> None:
        """Upsert areas by code (geometry as WKB); columns not given (pw_centroid_*) keep what
        is stored."""
        recs = frame.assign(provenance_id=self.provenance_id)
        total = len(recs)
        for start in range(0, total, batch):
            self.db["areas"].upsert_all(_records(recs.iloc[start:start + batch]), pk="code")
            prog(min(1.0, (start + batch) / max(total, 1)), "writing boundaries")

    def set_pw_centroids(self, codes: Sequence[str], easting: np.ndarray, northing: np.ndarray
                         ) -> None:
        """Population-weighted centroids (EPSG:27700 metres) of stored areas, by code."""
        self.conn.executemany(
            "UPDATE areas SET pw_centroid_e = ?, pw_centroid_n = ? WHERE code = ?",
            list(zip(np.asarray(easting, float).tolist(), np.asarray(northing, float).tolist(),
                     list(codes), strict=True)))

    def write_bridge_areas(self, frame: pd.DataFrame) -> None:
        """Boundaries of the other vintage, kept for bridging only (code, vintage, level, name,
        geometry WKB)."""
        vintages.write_bridge_areas(self.db, frame.assign(provenance_id=self.provenance_id))

    def retire_older_lsoas(self, vintage: int, keep: set[str]) -> int:
        """Move the LSOAs of every vintage before ``vintage`` whose codes are not in ``keep`` to
        the bridging table. Returns how many moved."""
        older = [v for (v,) in self.conn.execute(
            "SELECT DISTINCT vintage FROM areas WHERE level = 'lsoa' AND vintage < ?",
            (int(vintage),))]
        return sum(vintages.retire_lsoas_of_vintage(self.db, int(v), keep) for v in older)

    def has_real_neighbourhoods(self) -> bool:
        """True when a lookup or outlines made neighbourhoods (not the MSOA defaults)."""
        return vintages.has_real_neighbourhoods(self.db)

    def default_neighbourhoods(self, codes: list[str], names: list[str]) -> None:
        """A neighbourhood per MSOA name (made if missing) and the areas' assignments to it."""
        vintages.write_default_neighbourhoods(self.db, codes, names, self.provenance_id)

    def link_neighbourhoods(self, area_codes: Sequence[str], names: Sequence[str],
                            prog: ProgFn = _quiet) -> None:
        """A neighbourhood lookup: drop the MSOA defaults, make the neighbourhoods not held
        (matched whatever their capitals) and assign each area to its neighbourhood."""
        vintages.drop_default_neighbourhoods(self.db)
        existing = {n.lower() for (n,) in self.conn.execute("SELECT name FROM neighbourhoods")}
        new = [h for h in dict.fromkeys(names) if h.lower() not in existing]
        self.conn.executemany("INSERT INTO neighbourhoods (name, provenance_id) VALUES (?, ?)",
                              [(h, self.provenance_id) for h in new])
        prog(0.3, "creating neighbourhoods")
        ids = {n.lower(): i for n, i in self.conn.execute("SELECT name, id FROM neighbourhoods")}
        self.conn.executemany(
            "INSERT OR REPLACE INTO area_neighbourhood (area_code, neighbourhood_id, "
            "provenance_id) VALUES (?, ?, ?)",
            [(c, ids[h.lower()], self.provenance_id)
             for c, h in zip(area_codes, names, strict=True)])
        prog(1.0, "writing the lookup")

    def upsert_neighbourhood_outlines(self, names: Sequence[str], wkb: Sequence[bytes]) -> None:
        """Neighbourhood polygons (EPSG:27700 WKB) by name: made, or their outline replaced."""
        self.conn.executemany(
            """INSERT INTO neighbourhoods (name, geometry, provenance_id) VALUES (?, ?, ?)
               ON CONFLICT(name) DO UPDATE SET geometry = excluded.geometry,
               provenance_id = excluded.provenance_id""",
            [(nm, g, self.provenance_id) for nm, g in zip(names, wkb, strict=True)])

    # -- population, deprivation, lookups --------------------------------------------------
    def replace_population(self, dataset: str, frame: pd.DataFrame, prog: ProgFn = _quiet
                           ) -> None:
        """Replace ``dataset``'s rows for the areas in ``frame`` (columns dataset, area_code,
        age_band, sex, group_type, group_name, count)."""
        self._delete_in("population", "area_code", frame["area_code"].unique().tolist(),
                        "dataset = ?", (dataset,))
        prog(0.1, "replacing earlier rows of this dataset")
        self.insert("population", frame, prog, message="writing population")

    def replace_segment_rows(self, dataset: str, frame: pd.DataFrame, prog: ProgFn = _quiet,
                             batch: int = 50_000) -> int:
        """Replace every segment row of ``dataset`` with ``frame`` (area_code, age_band, sex,
        group_name, count). Returns how many rows were replaced."""
        old = self.conn.execute("DELETE FROM population WHERE dataset = ? AND group_type = "
                                "'segment'", (dataset,)).rowcount
        sql = ("INSERT INTO population (dataset, area_code, age_band, sex, group_type, "
               "group_name, count, provenance_id) VALUES (?, ?, ?, ?, 'segment', ?, ?, ?)")
        part_cols = ["area_code", "age_band", "sex", "group_name", "count"]
        with self._big_cache():
            for lo in range(0, len(frame), batch):
                part = frame.iloc[lo:lo + batch]
                self.conn.executemany(sql, zip(
                    repeat(dataset, len(part)), *(part[c].tolist() for c in part_cols),
                    repeat(self.provenance_id, len(part)), strict=True))
                prog(min(1.0, (lo + batch) / max(len(frame), 1)), "writing segments")
        return int(old)

    def prefer_population(self, dataset: str, first: bool = True) -> list[str]:
        """Put ``dataset`` first (or last) in the planner's population order."""
        return vintages.prefer_dataset(self.db, dataset, first=first)

    def upsert_deprivation(self, frame: pd.DataFrame, prog: ProgFn = _quiet) -> None:
        """Rows (area_code, edition, domain, score, rank, decile): every column is given, so
        INSERT OR REPLACE is the upsert on (area, edition, domain)."""
        self.insert("deprivation", frame, prog, replace=True, message="writing deprivation")

    def replace_lsoa_lookup(self, fit: str, frame: pd.DataFrame, prog: ProgFn = _quiet) -> None:
        """The LSOA 2011 -> 2021 lookup of one fit (``exact``/``best``), replaced whole."""
        self.conn.execute("DELETE FROM lsoa_lookup WHERE fit = ?", (fit,))
        self.insert("lsoa_lookup", frame, prog, message="writing the LSOA lookup")

    def upsert_postcodes(self, postcode: np.ndarray, easting: np.ndarray, northing: np.ndarray,
                         lsoa_code: np.ndarray, prog: ProgFn = _quiet, batch: int = 100_000
                         ) -> None:
        """Upsert postcodes (EPSG:27700 metres; NaN/None where unknown): a value not given keeps
        the stored one."""
        sql = ("INSERT INTO postcodes (postcode, easting, northing, lsoa_code, provenance_id) "
               "VALUES (?, ?, ?, ?, ?) ON CONFLICT(postcode) DO UPDATE SET "
               "easting = coalesce(excluded.easting, easting), "
               "northing = coalesce(excluded.northing, northing), "
               "lsoa_code = coalesce(excluded.lsoa_code, lsoa_code), "
               "provenance_id = excluded.provenance_id")
        total = len(postcode)
        with self._big_cache():
            for lo in range(0, total, batch):
                hi = min(lo + batch, total)
                self.conn.executemany(sql, zip(
                    postcode[lo:hi].tolist(), easting[lo:hi].tolist(), northing[lo:hi].tolist(),
                    np.asarray(lsoa_code[lo:hi].astype(object)).tolist(),
                    repeat(self.provenance_id)))
                prog(hi / max(total, 1), f"writing postcodes {hi:,}")

    def upsert_gp_registrations(self, frame: pd.DataFrame, prog: ProgFn = _quiet,
                                batch: int = 50_000) -> int:
        """Rows (practice_code, area_code, age_band, sex, count, extract_date,
        practice_postcode, practice_name), upserted on (practice, area, age band, sex); an
        older (or undated) extract never replaces a newer one. Returns how many values were
        kept from a newer extract."""
        sql = ("INSERT INTO gp_registrations (practice_code, area_code, age_band, sex, count, "
               "extract_date, practice_postcode, practice_name, provenance_id) "
               "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
               "ON CONFLICT(practice_code, area_code, age_band, sex) DO UPDATE SET "
               "count = excluded.count, extract_date = excluded.extract_date, "
               "practice_postcode = excluded.practice_postcode, "
               "practice_name = excluded.practice_name, "
               "provenance_id = excluded.provenance_id "
               "WHERE gp_registrations.extract_date IS NULL "
               "OR excluded.extract_date >= gp_registrations.extract_date")
        cols = ["practice_code", "area_code", "age_band", "sex", "count", "extract_date",
                "practice_postcode", "practice_name"]
        recs = frame[cols].assign(provenance_id=self.provenance_id)
        before = self.conn.total_changes
        for lo in range(0, len(recs), batch):
            self.conn.executemany(sql, plain_rows(recs.iloc[lo:lo + batch]))
            prog(min(1.0, (lo + batch) / max(len(recs), 1)), "writing registrations")
        return len(recs) - (self.conn.total_changes - before)

    # -- assets and notes --------------------------------------------------------------------
    def upsert_assets(self, frame: pd.DataFrame, updated_at: str, prog: ProgFn = _quiet
                      ) -> tuple[int, int]:
        """An asset register (name, category, easting, northing, postcode, capacity, address,
        source_id, source): rows whose (source, source_id) is held are updated, the rest added.
        Returns (updated, added)."""
        recs = frame.assign(provenance_id=self.provenance_id, updated_at=updated_at)
        existing: set = set()
        sources = recs.loc[recs["source_id"].notna(), "source"].dropna().unique().tolist()
        for source in sources:
            existing |= {(source, r[0]) for r in self.conn.execute(
                "SELECT source_id FROM assets WHERE source = ? AND source_id IS NOT NULL",
                (source,))}
        keys = zip(recs["source"], recs["source_id"], strict=True)
        upd = np.fromiter((k in existing for k in keys), bool, len(recs))
        cols = ["name", "category", "easting", "northing", "postcode", "capacity", "address",
                "provenance_id", "updated_at"]
        if upd.any():
            sets = ", ".join(f"{c} = ?" for c in cols)
            self.conn.executemany(f"UPDATE assets SET {sets} WHERE source = ? AND source_id = ?",
                                  plain_rows(recs.loc[upd, cols + ["source", "source_id"]]))
        prog(0.5, "writing assets")
        self.db["assets"].insert_all(_records(recs.loc[~upd]), batch_size=1000)
        prog(1.0, "assets written")
        return int(upd.sum()), int((~upd).sum())

    def upsert_ods_assets(self, frame: pd.DataFrame, updated_at: str, closed_codes: set[str],
                          prog: ProgFn = _quiet) -> tuple[int, int, int]:
        """NHS organisations (ODS) as assets, keyed by ODS code (``source_id``) among the assets
        of earlier ODS imports: those held are updated, the rest added, and held codes in
        ``closed_codes`` that this file does not list are removed. Returns (updated, added,
        removed)."""
        ods_ids = "SELECT id FROM provenance WHERE kind = 'ods'"
        existing = {r[0] for r in self.conn.execute(
            f"SELECT source_id FROM assets WHERE provenance_id IN ({ods_ids})")}
        recs = frame.assign(provenance_id=self.provenance_id, updated_at=updated_at)
        upd = recs["source_id"].isin(existing).to_numpy()
        cols = ["name", "category", "easting", "northing", "postcode", "address", "source",
                "provenance_id", "updated_at"]
        self.conn.executemany(
            f"UPDATE assets SET {', '.join(c + ' = ?' for c in cols)} WHERE source_id = ? "
            f"AND provenance_id IN ({ods_ids})", plain_rows(recs.loc[upd, cols + ["source_id"]]))
        prog(0.4, "updating organisations")
        self.db["assets"].insert_all(_records(recs.loc[~upd]), batch_size=1000)
        closed = sorted((set(closed_codes) & existing) - set(frame["source_id"]))
        self._delete_in("assets", "source_id", closed, f"provenance_id IN ({ods_ids})")
        prog(1.0, "organisations written")
        return int(upd.sum()), int((~upd).sum()), len(closed)

    def add_notes(self, frame: pd.DataFrame) -> None:
        """Notes (created_at, source_kind, author, text, tags, area_code, easting, northing and
        ``neighbourhood`` by name, matched whatever its capitals; None when not held)."""
        ids = {name.casefold(): i
               for i, name in self.conn.execute("SELECT id, name FROM neighbourhoods")}
        recs = frame.assign(
            neighbourhood_id=[ids.get(str(x).casefold()) if pd.notna(x) else None
                              for x in frame["neighbourhood"]],
            provenance_id=self.provenance_id).drop(columns="neighbourhood")
        self.db["notes"].insert_all(_records(recs))
