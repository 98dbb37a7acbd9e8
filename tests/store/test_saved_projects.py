"""Saved project files from earlier versions must keep opening (glue's histogram_v0.glu idea).

``tests/data/project_v1.phdesk`` was written by phdesk 0.1.0 (schema 1): two neighbourhood rows
imported from a lookup and one asset added by hand. Never regenerate it; add a v2 file beside it
when the schema changes.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from phdesk.store import queries, schema
from phdesk.store.project import Project

V1 = Path(__file__).resolve().parents[1] / "data" / "project_v1.phdesk"


def test_v1_project_opens_and_reads(tmp_path):
    copy = tmp_path / "old.phdesk"
    shutil.copy(V1, copy)  # opening may migrate: never touch the checked-in file
    with Project(copy) as p:
        assert p.schema_version == schema.SCHEMA_VERSION
        assert queries.neighbourhoods(p) == ["North", "South"]
        assets = queries.assets_frame(p)
        assert assets["name"].tolist() == ["Central Library"]
        assert assets["easting"].iloc[0] == 384000.0
        prov = p.provenance()
        assert prov["kind"].tolist() == ["neighbourhoods"]
        assert prov["rows_accepted"].tolist() == [2]
