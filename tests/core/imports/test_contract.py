"""The importer contract is typed: importer modules match ``Importer``, the store's writer
matches ``TableWriter`` (docs/ARCHITECTURE.md, "Persistence")."""

from __future__ import annotations

import inspect

import pandas as pd
import pytest

from phdesk.core.imports import IMPORTERS, importer
from phdesk.core.imports.contract import Importer, TableWriter
from phdesk.store.import_writer import ImportWriter, import_transaction
from phdesk.store.project import Project


def _protocol_members(proto: type) -> dict[str, object]:
    skip = set(dir(object)) | {"_is_protocol", "_is_runtime_protocol", "__protocol_attrs__",
                               "__non_callable_proto_members__", "_abc_impl"}
    return {k: v for k, v in vars(proto).items() if k not in skip and not k.startswith("__")}


@pytest.mark.parametrize("kind", list(IMPORTERS))
def test_every_importer_module_meets_the_protocol(kind):
    mod = importer(kind)
    assert mod.KIND == kind and isinstance(mod.LABEL, str) and mod.LABEL
    for name in ("detect", "prepare"):
        want = list(inspect.signature(getattr(Importer, name)).parameters)[1:]  # without self
        got = list(inspect.signature(getattr(mod, name)).parameters)
        assert got == want, f"{kind}.{name}{got}"


def test_store_writer_implements_every_method_of_the_protocol():
    members = _protocol_members(TableWriter)
    assert "upsert_postcodes" in members and "insert" in members
    for name, proto_fn in members.items():
        assert callable(proto_fn), name
        impl = getattr(ImportWriter, name, None)
        assert impl is not None, f"ImportWriter lacks {name}"
        want = inspect.signature(proto_fn).parameters
        got = inspect.signature(impl).parameters
        assert list(got) == list(want), name
        assert [p.kind for p in got.values()] == [p.kind for p in want.values()], name


def test_writer_stamps_rows_with_the_provenance_and_rolls_back_whole(tmp_path):
    project = Project.create(tmp_path / "p.phdesk")
    prov = {"file_name": "f.csv", "sha256": "0" * 64, "kind": "deprivation", "rows_read": 1,
            "rows_accepted": 1, "rows_rejected": 0, "imported_at": "2026-01-01T00:00:00+00:00",
            "phdesk_version": "test"}
    rows = pd.DataFrame({"area_code": ["E01000001"], "edition": [2019], "domain": ["imd"],
                         "score": [None], "rank": [5], "decile": [1]})
    with import_transaction(project, prov) as w:
        w.upsert_deprivation(rows)
        pid = w.provenance_id
    got = project.query("SELECT area_code, rank, provenance_id FROM deprivation")
    assert got.to_dict("records") == [{"area_code": "E01000001", "rank": 5, "provenance_id": pid}]
    with pytest.raises(RuntimeError), import_transaction(project, prov) as w:
        w.upsert_deprivation(rows.assign(rank=7))
        w.set_warnings(["late"])
        raise RuntimeError("interrupted")
    assert project.counts()["provenance"] == 1
    assert project.scalar("SELECT rank FROM deprivation") == 5
