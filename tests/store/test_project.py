"""The project file: creation, reopening, transactions, versions, backups, edits."""

from __future__ import annotations

import sqlite3

import pytest

from phdesk.store import schema
from phdesk.store.edits import add_asset, delete_asset, restore_asset, update_asset
from phdesk.store.project import Project, ProjectError


def test_new_project_has_schema_version_and_empty_tables(tmp_path):
    path = tmp_path / "a.phdesk"
    with Project.create(path) as p:
        assert p.schema_version == schema.SCHEMA_VERSION
        assert set(p.counts().values()) == {0}
    with Project(path) as p:
        assert p.meta("name") == "a"


def test_create_refuses_to_overwrite(tmp_path):
    path = tmp_path / "a.phdesk"
    Project.create(path).close()
    with pytest.raises(ProjectError, match="already exists"):
        Project.create(path)


def test_not_a_project(tmp_path):
    bogus = tmp_path / "b.phdesk"
    bogus.write_text("hello")
    with pytest.raises(ProjectError, match="not a phdesk project"):
        Project(bogus)
    other = tmp_path / "c.phdesk"
    sqlite3.connect(other).execute("CREATE TABLE t(x)").connection.close()
    with pytest.raises(ProjectError, match="not a phdesk project"):
        Project(other)


def test_transaction_rolls_back_on_error(project):
    with pytest.raises(RuntimeError):
        with project.transaction() as db:
            db["neighbourhoods"].insert({"name": "North"})
            raise RuntimeError("boom")
    assert project.counts()["neighbourhoods"] == 0


def test_file_from_newer_phdesk_is_refused(tmp_path):
    path = tmp_path / "n.phdesk"
    with Project.create(path) as p:
        p.set_meta(schema_version=str(schema.SCHEMA_VERSION + 1))
    with pytest.raises(ProjectError, match="newer phdesk"):
        Project(path)


def test_migration_backs_up_first(tmp_path, monkeypatch):
    path = tmp_path / "old.phdesk"
    with Project.create(path) as p:
        p.db["neighbourhoods"].insert({"name": "Kept"})
    target = schema.SCHEMA_VERSION + 1
    ran = []

    def upgrade(conn):
        ran.append(True)
        conn.execute("ALTER TABLE notes ADD COLUMN pinned INTEGER DEFAULT 0")

    monkeypatch.setattr(schema, "SCHEMA_VERSION", target)
    monkeypatch.setitem(schema.MIGRATIONS, target, upgrade)
    with Project(path) as p:
        assert ran and p.schema_version == target
        assert "pinned" in p.db["notes"].columns_dict
    backups = list(tmp_path.glob("old.v*-backup.phdesk"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as conn:
        version = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]
        assert int(version) == target - 1
        assert conn.execute("SELECT name FROM neighbourhoods").fetchone()[0] == "Kept"


def test_asset_edits_are_saved_and_undoable(tmp_path):
    path = tmp_path / "e.phdesk"
    with Project.create(path) as p:
        aid = add_asset(p, {"name": "Library", "category": "Library", "easting": 530000.0,
                            "northing": 180000.0})
        before = update_asset(p, aid, {"name": "Central Library"})
        assert before == {"name": "Library"}
    with Project(path) as p:  # saved at once, visible after reopening
        assert p.db["assets"].get(aid)["name"] == "Central Library"
        row = delete_asset(p, aid)
        assert p.counts()["assets"] == 0
        restore_asset(p, row)
        assert p.db["assets"].get(aid)["name"] == "Central Library"


def test_asset_needs_name_and_category(project):
    with pytest.raises(ValueError, match="name and a category"):
        add_asset(project, {"name": "", "category": "GP"})
