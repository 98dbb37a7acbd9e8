"""The map's neighbourhood borders kept in the project: read back equal to freshly built ones,
built again after the lookup changes, never written to a read-only project."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pandas as pd
import shapely

from phdesk.core import borders as core_borders
from phdesk.core.rings import ring_arrays
from phdesk.services import borders as svc_borders
from phdesk.services.project_service import ProjectService
from phdesk.store import border_cache


def _inputs(service):
    areas = service.areas()
    geoms = areas["geometry"].to_numpy(dtype=object)
    groups = areas["neighbourhood"].astype(object).where(areas["neighbourhood"].notna(), None)
    return ring_arrays(geoms), geoms, groups.to_numpy(), shapely.STRtree(geoms)


def _kept_rows(service) -> int:
    service.borders.wait()                        # (written on a thread of their own)
    return int(service.project.scalar("SELECT count(*) FROM map_borders"))


def _no_building(monkeypatch):
    def refuse(*_a, **_k):
        raise AssertionError("borders built although they were kept")
    monkeypatch.setattr(svc_borders, "neighbourhood_border_lines", refuse)


def test_borders_are_kept_once_built_and_read_back_equal(demo_path, monkeypatch):
    with _open(demo_path) as service:
        rings, geoms, groups, tree = _inputs(service)
        fresh = core_borders.neighbourhood_border_lines(rings, geoms, groups, tree)
        assert _kept_rows(service) == 0
        first = service.neighbourhood_borders(rings, geoms, groups, tree)
        assert first.equals(fresh) and _kept_rows(service) == 1
        assert len(fresh.names) > 1 and (fresh.code & core_borders.DRAWN).any()
    with _open(demo_path) as service:                     # a later load of the same file
        _no_building(monkeypatch)
        rings, geoms, groups, tree = _inputs(service)
        again = service.neighbourhood_borders(rings, geoms, groups, tree)
    assert again.equals(fresh)
    assert again.x.dtype == np.float64 and again.code.dtype == np.int8


def test_a_new_lookup_makes_the_kept_borders_stale_and_they_are_rebuilt(demo_path, tmp_path):
    with _open(demo_path) as service:
        rings, geoms, groups, tree = _inputs(service)
        before = service.neighbourhood_borders(rings, geoms, groups, tree)
        old_sig = core_borders.border_signature(rings, groups)
        codes = service.areas()["code"].tolist()
        path = tmp_path / "lookup.csv"
        pd.DataFrame({"LSOA21CD": codes, "Neighbourhood name":
                      ["East" if i % 2 else "West" for i in range(len(codes))]}
                     ).to_csv(path, index=False)
        service.run_import(path, kind="neighbourhoods")
        service.invalidate()
        rings, geoms, groups, tree = _inputs(service)
        assert set(groups) == {"East", "West"}
        assert border_cache.read(service.project, core_borders.border_signature(rings, groups)) \
            is None                                        # kept for the old lookup only
        after = service.neighbourhood_borders(rings, geoms, groups, tree)
        assert after.names == ["East", "West"] and not after.equals(before)
        assert after.equals(core_borders.neighbourhood_border_lines(rings, geoms, groups, tree))
        assert border_cache.read(service.project, old_sig) is None      # replaced
        assert _kept_rows(service) == 1


def test_a_read_only_project_gets_its_borders_and_nothing_is_written(demo_path):
    before = demo_path.read_bytes()
    with _open(demo_path, read_only=True) as service:
        assert service.project.read_only
        rings, geoms, groups, tree = _inputs(service)
        got = service.neighbourhood_borders(rings, geoms, groups, tree)
        assert got.equals(core_borders.neighbourhood_border_lines(rings, geoms, groups, tree))
        assert _kept_rows(service) == 0
    assert demo_path.read_bytes() == before


def test_a_file_without_the_table_reads_nothing_and_takes_the_borders(demo_path):
    with _open(demo_path) as service:
        with service.project.transaction() as db:    # as a file from an earlier version 2
            db.execute("DROP TABLE map_borders")
        rings, geoms, groups, tree = _inputs(service)
        assert border_cache.read(service.project, "x") is None
        service.neighbourhood_borders(rings, geoms, groups, tree)
        assert _kept_rows(service) == 1


@contextmanager
def _open(path, read_only: bool = False) -> Iterator[ProjectService]:
    service = ProjectService.open(path, read_only=read_only)
    try:
        yield service
    finally:
        service.close()
