"""Outputs appear whole or not at all (phdesk.core.atomic), and SQLite URIs are escaped."""

from __future__ import annotations

import errno
import sqlite3

import pytest

from phdesk.core.atomic import atomic_path, atomic_write, sqlite_uri
from phdesk.core.errors import UserError


def test_atomic_write_replaces_only_when_complete(tmp_path):
    target = tmp_path / "assets.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_write(target) as fh:
        fh.write("half a fi")
        raise RuntimeError("failed mid-write")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["assets.csv"]  # no temporary left
    with atomic_write(target) as fh:
        fh.write("new\n")
    assert target.read_text() == "new\n"


def test_disk_full_is_one_user_error_and_the_old_file_stays(tmp_path):
    target = tmp_path / "map.png"
    target.write_bytes(b"old png")
    with pytest.raises(UserError, match="no space left on the drive holding"), \
            atomic_path(target) as tmp:
        tmp.write_bytes(b"\x89PNG trunc")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert target.read_bytes() == b"old png"
    assert [p.name for p in tmp_path.iterdir()] == ["map.png"]


@pytest.mark.parametrize("folder", ["Project #3", "100%25 sure", "what?now", "spaces and ü"])
def test_sqlite_uri_opens_the_named_file_and_creates_nothing_else(tmp_path, folder):
    d = tmp_path / folder
    d.mkdir()
    db = d / "x.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE t (v)")
    con.execute("INSERT INTO t VALUES (42)")
    con.commit()
    con.close()
    ro = sqlite3.connect(sqlite_uri(db, "ro"), uri=True)
    assert ro.execute("SELECT v FROM t").fetchone() == (42,)
    ro.close()
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted([folder, "x.db"])
