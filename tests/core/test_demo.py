"""The demo project: deterministic, complete, believable."""

from __future__ import annotations

import hashlib

import shapely

from phdesk.core.demo import NEIGHBOURHOODS, write_demo
from phdesk.store import queries
from phdesk.store.project import Project

TABLES = ["areas", "neighbourhoods", "area_neighbourhood", "deprivation", "population", "assets",
          "notes"]


def _digest(path) -> str:
    with Project(path) as p:
        h = hashlib.sha256()
        for t in TABLES:
            cols = [c for c in p.db[t].columns_dict if c not in ("updated_at", "created_at")]
            df = p.query(f"SELECT {', '.join(cols)} FROM {t} ORDER BY 1, 2")
            h.update(df.to_csv(index=False).encode())
        return h.hexdigest()


def test_demo_is_deterministic(tmp_path):
    write_demo(tmp_path / "a.phdesk")
    write_demo(tmp_path / "b.phdesk")
    assert _digest(tmp_path / "a.phdesk") == _digest(tmp_path / "b.phdesk")


def test_demo_contents(tmp_path):
    counts = write_demo(tmp_path / "d.phdesk")
    assert counts["neighbourhoods"] == 8
    assert 130 <= counts["areas"] <= 170
    assert 220 <= counts["assets"] <= 280
    with Project(tmp_path / "d.phdesk") as p:
        areas = queries.areas_frame(p)
        assert sorted(areas["neighbourhood"].unique()) == sorted(NEIGHBOURHOODS)
        geoms = areas["geometry"].to_numpy()
        assert shapely.is_valid(geoms).all()
        # the areas tile the borough: no overlaps (sum of areas equals the area of the union)
        union = shapely.union_all(geoms)
        assert abs(shapely.area(geoms).sum() - union.area) / union.area < 1e-6
        assert areas["code"].str.fullmatch(r"E01990\d{3}").all()
        # every asset lies inside the borough, in metres (EPSG:27700)
        assets = queries.assets_frame(p)
        assert shapely.contains_xy(union.buffer(1), assets["easting"], assets["northing"]).all()
        assert assets["category"].nunique() >= 12
        # deprivation covers every decile, with a deprived skew
        dep = queries.deprivation_frame(p)
        assert set(dep["decile"]) == set(range(1, 11))
        assert (dep["decile"] <= 2).sum() > (dep["decile"] >= 9).sum()
        pop = queries.population_frame(p)
        base = pop[pop["group_type"] == "none"]
        eth = pop[pop["group_type"] == "ethnicity"]
        # ethnic group counts add up to the base population within rounding
        assert abs(base["count"].sum() - eth["count"].sum()) / base["count"].sum() < 0.01
        assert set(pop["group_type"]) == {"none", "ethnicity", "segment"}
        assert p.counts()["notes"] >= 3


def test_demo_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    import pytest

    import phdesk.core.demo as demo

    def boom(*args, **kwargs):
        raise RuntimeError("killed half-way")

    monkeypatch.setattr(demo, "_assets", boom)
    target = tmp_path / "demo.phdesk"
    with pytest.raises(RuntimeError):
        demo.write_demo(target)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []
