"""V2_STORAGE: the postcode directory and the deprivation table keyed by their natural keys
(WITHOUT ROWID), on a new file and as the upgrade of a version-1 file (rows kept)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from phdesk.store.project import Project

V1 = Path(__file__).resolve().parents[1] / "data" / "project_v1.phdesk"
POSTCODES = [("N10AA", 530000.0, 190000.0, "E01000001", None),
             ("SE64RU", 537500.5, 173000.0, "E01003189", None),
             ("M320RT", 378000.0, 395000.0, None, None)]
DEPRIVATION = [("E01000001", 2019, "imd", 12.5, 20000, 7, None),
               ("E01000001", 2025, "imd", 11.0, 21000, 7, None),
               ("E01003189", 2019, "income", 0.3, 400, 1, None)]


def _lean(conn: sqlite3.Connection, table: str) -> bool:
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    return "WITHOUT ROWID" in sql.upper()


def test_a_new_project_stores_postcodes_and_deprivation_without_rowid(tmp_path):
    with Project.create(tmp_path / "new.phdesk") as p:
        assert _lean(p._conn, "postcodes") and _lean(p._conn, "deprivation")
        with p.transaction() as db:
            db.conn.executemany("INSERT INTO postcodes VALUES (?, ?, ?, ?, ?)", POSTCODES)
            # the postcode importer's upsert still works on the natural key
            db.conn.execute("INSERT INTO postcodes (postcode, easting) VALUES ('N10AA', 1.0) "
                            "ON CONFLICT(postcode) DO UPDATE SET easting = excluded.easting")
        assert p.scalar("SELECT easting FROM postcodes WHERE postcode = 'N10AA'") == 1.0
        with pytest.raises(sqlite3.IntegrityError), p.transaction() as db:
            db.conn.execute("INSERT INTO deprivation (area_code, edition, domain) "
                            "VALUES ('E01000001', 2019, 'imd'), ('E01000001', 2019, 'imd')")


def test_upgrading_a_v1_file_keeps_postcode_and_deprivation_rows(tmp_path):
    copy = tmp_path / "old.phdesk"
    shutil.copy(V1, copy)
    conn = sqlite3.connect(copy)          # still schema 1: fill its big tables the v1 way
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("1",)
    assert not _lean(conn, "postcodes")
    conn.executemany("INSERT INTO postcodes VALUES (?, ?, ?, ?, ?)", POSTCODES)
    conn.executemany("INSERT INTO deprivation VALUES (?, ?, ?, ?, ?, ?, ?)", DEPRIVATION)
    conn.commit()
    conn.close()
    with Project(copy) as p:
        assert p.schema_version >= 2
        assert _lean(p._conn, "postcodes") and _lean(p._conn, "deprivation")
        rows = p._conn.execute("SELECT * FROM postcodes ORDER BY postcode").fetchall()
        assert rows == sorted(POSTCODES)
        dep = p._conn.execute("SELECT * FROM deprivation ORDER BY area_code, edition, domain")
        assert dep.fetchall() == sorted(DEPRIVATION)
        assert p.counts()["postcodes"] == 3
    backups = list(tmp_path.glob("old.v1-backup*.phdesk"))
    assert len(backups) == 1                # the upgrade backed the file up first
    with sqlite3.connect(backups[0]) as old:
        assert old.execute("SELECT count(*) FROM postcodes").fetchone() == (3,)


def test_the_kept_map_borders_table_is_made_new_and_by_the_v1_upgrade(tmp_path):
    import numpy as np

    from phdesk.store import border_cache

    copy = tmp_path / "old.phdesk"
    shutil.copy(V1, copy)
    for path in (copy, tmp_path / "new.phdesk"):
        with Project(path, create=not path.exists()) as p:
            assert p.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'map_borders'") == 1
            arrays = (np.array([0, 2], dtype=np.int64), np.array([1.5, 2.5]),
                      np.array([3.0, 4.0]), np.array([3, 0], dtype=np.int8))
            border_cache.write(p, "sig", ["N"], [], *arrays)
            got = border_cache.read(p, "sig")
            assert got["names"] == ["N"] and got["fallback"] == []
            for key, want in zip(("offsets", "x", "y", "code"), arrays, strict=True):
                assert np.array_equal(got[key], want) and got[key].dtype == want.dtype
            assert border_cache.read(p, "other") is None
