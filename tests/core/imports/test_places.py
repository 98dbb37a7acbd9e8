"""Neighbourhoods and places: MSOA neighbourhoods by default, lookups across vintages,
population-weighted centroid point files."""

from __future__ import annotations

import numpy as np

from phdesk.core.imports import detect, run_import
from phdesk.core.mapping import load_inputs
from phdesk.store.queries import areas_frame, neighbourhood_lookup
from tests.core.imports import fixtures_a as fx
from tests.core.imports import fixtures_vintages as fv


def lookup(project) -> dict[str, str]:
    df = neighbourhood_lookup(project)
    return dict(zip(df["area_code"], df["neighbourhood"], strict=True))


def test_without_a_lookup_lsoas_are_grouped_into_msoas_from_their_names(project, tmp_path):
    # Trafford Data Lab layout: area_code, area_name ("Trafford 180A" -> MSOA "Trafford 180")
    rep = run_import(project, fv.write_boundaries(tmp_path / "lsoa21.geojson", 2021))
    assert rep.details["default_neighbourhoods"] == 4
    assert any("grouped into their 4 MSOAs" in w for w in rep.warnings)
    got = lookup(project)
    assert got == {c: fv.name(c)[:-1] for c in fv.GEOM21}


def test_msoa_name_column_of_the_boundary_file_is_used(project, tmp_path):
    # London layout: LSOA21CD, LSOA21NM, MSOA21CD, MSOA21NM, LAD22CD, LAD22NM
    props = [{"LSOA21CD": c, "LSOA21NM": f"Hackney 0{k}A", "MSOA21CD": "E02000360",
              "MSOA21NM": "Hackney 027" if k < 2 else "Hackney 028", "LAD22CD": "E09000012",
              "LAD22NM": "Hackney"} for k, c in enumerate(fx.CODES[:3])]
    run_import(project, fx.write_geojson(tmp_path / "lsoa.geojson", fx.squares(3), props,
                                         crs="EPSG:27700"))
    assert lookup(project) == {fx.CODES[0]: "Hackney 027", fx.CODES[1]: "Hackney 027",
                               fx.CODES[2]: "Hackney 028"}


def test_a_lookup_replaces_the_default_msoa_neighbourhoods(project, tmp_path):
    run_import(project, fv.write_boundaries(tmp_path / "lsoa21.geojson", 2021))
    path = fx.write_csv(tmp_path / "nbh.csv", ["LSOA21CD", "neighbourhood"],
                        [[fv.P1, "North"], [fv.C1, "South"]])
    run_import(project, path)
    assert lookup(project) == {fv.P1: "North", fv.C1: "South"}
    names = project.query("SELECT name FROM neighbourhoods ORDER BY name")["name"].tolist()
    assert names == ["North", "South"]          # no MSOA group left behind, none empty
    # and later boundaries do not bring the defaults back
    run_import(project, fv.write_boundaries(tmp_path / "again.geojson", 2021))
    assert lookup(project) == {fv.P1: "North", fv.C1: "South"}


def test_lookup_on_2011_codes_names_the_2021_areas_through_the_ons_lookup(project, tmp_path):
    run_import(project, fv.write_boundaries(tmp_path / "lsoa21.geojson", 2021))
    run_import(project, fv.write_exact_fit(tmp_path / "exact.csv"))
    path = fx.write_csv(tmp_path / "nbh.csv", ["LSOA11CD", "PCN"],
                        [[fv.P1, "North PCN"], [fv.P2, "South PCN"], [fv.P3, "East PCN"],
                         [fv.P4, "East PCN"], ["E01000001", "Elsewhere PCN"]])
    rep = run_import(project, path)
    assert lookup(project) == {fv.P1: "North PCN", fv.C1: "South PCN", fv.C2: "South PCN",
                               fv.M: "East PCN"}
    assert rep.details["carried_across_vintages"] == 3
    assert rep.details["skipped_not_in_project"] == 1


def test_population_weighted_centroids_point_file(project, tmp_path):
    run_import(project, fv.write_boundaries(tmp_path / "lsoa21.geojson", 2021))
    # Lewisham layout: objectid, LSOA11CD, LSOA11NM; points in lon/lat
    pts = {fv.P1: (537050.0, 172150.0), fv.C2: (537300.0, 172020.0), "E01000001": (1, 1)}
    props = [{"objectid": k, "LSOA11CD": c, "LSOA11NM": fv.name(c)}
             for k, c in enumerate(pts)]
    import shapely

    geoms = [fx.to_lonlat(shapely.Point(e + 537000 * (e < 10), n + 172000 * (n < 10)))
             for e, n in pts.values()]
    path = fx.write_geojson(tmp_path / "lbl_lsoa11_centroids.json", geoms, props)
    kind, reason = detect(path)
    assert kind == "centroids" and "'LSOA11CD'" in reason
    rep = run_import(project, path)
    assert rep.details["areas_updated"] == 2
    assert any("1 centroids are for areas not in the project" in w for w in rep.warnings)
    a = areas_frame(project).set_index("code")
    assert np.allclose(a.loc[fv.P1, ["pw_centroid_e", "pw_centroid_n"]].astype(float),
                       pts[fv.P1], atol=0.5)
    assert np.isnan(a.loc[fv.M, "pw_centroid_e"])
    # the mapping engine reads them
    inputs = load_inputs(project)
    row = inputs.areas.set_index("code").loc[fv.C2]
    assert abs(row["pw_centroid_e"] - 537300.0) < 0.5


def test_single_years_give_adults_18_plus_and_children_0_15(project, tmp_path):
    # Trafford mid-2022 layout: period, area_code, …, sex, all_ages, aged_0_to_15, …, 0 … 89, 90+
    header = ["period", "area_code", "area_name", "geography", "sex", "all_ages", "aged_0_to_15",
              "aged_16_to_64", "aged_65_and_over", *[str(a) for a in range(90)], "90+"]
    years = [10] * 90 + [5]
    rows = [["2022-06-30", fv.P1, "Trafford 180A", "LSOA", sex, sum(years), 160, 490, 255,
             *years] for sex in ("Females", "Males", "Persons")]
    run_import(project, fx.write_csv(tmp_path / "mid-year_2022_population_estimates_lsoa.csv",
                                     header, rows))
    from phdesk.core.segments import project_segments

    seg = project_segments(project).population
    got = dict(zip(seg["segment"].astype(str), seg["population"], strict=True))
    assert got["Age 18+"] == 2 * (72 * 10 + 5)     # ages 18-89 and 90+, both sexes
    assert got["Age 0-15"] == 2 * 160
    assert got["Age 65+"] == 2 * (25 * 10 + 5)


def test_generic_population_table_imports_without_options(project, tmp_path):
    path = fx.write_csv(tmp_path / "people.csv", ["LSOA code", "Population"],
                        [[fv.P1, 1500], [fv.C1, 600]])
    kind, reason = detect(path)
    assert kind == "population" and "'Population'" in reason
    rep = run_import(project, path)
    assert rep.rows_accepted == 2
    got = project.query("SELECT area_code, count FROM population ORDER BY area_code")
    assert got.values.tolist() == [[fv.P1, 1500.0], [fv.C1, 600.0]]


def test_deprivation_reason_names_the_edition_read(project, tmp_path):
    path = fv.write_iod2025(tmp_path / "imd2025_england_lsoa21.csv")
    rep = run_import(project, path)
    assert rep.reason.startswith("IoD 2025 File 7 short-heading re-publication layout")
    # no vintage in the headers: the edition given is the one named
    plain = fx.write_csv(tmp_path / "imd.csv", ["code", "IMD_rank", "IMD_decile"],
                         [[fv.P1, 100, 1]])
    rep = run_import(project, plain, options={"edition": "2025"})
    assert rep.reason == "IoD 2025 simple IMD rank/decile layout: 'IMD_rank' column " \
                         "(edition given by the user)"
    rep = run_import(project, fx.write_csv(tmp_path / "imd2.csv", ["code", "IMD_rank",
                                                                   "IMD_decile"],
                                           [[fv.P1, 100, 1]]))
    assert "IoD 2019" in rep.reason and "(edition assumed)" in rep.reason


def test_split_child_missing_from_the_best_fit_lookup_is_named_by_overlay(project, tmp_path):
    for f in [fv.write_boundaries(tmp_path / "lsoa21.geojson", 2021),
              fv.write_boundaries(tmp_path / "lsoa11.geojson", 2011),
              fv.write_best_fit(tmp_path / "best.csv")]:
        run_import(project, f)
    path = fx.write_csv(tmp_path / "nbh.csv", ["LSOA11CD", "PCN"],
                        [[fv.P1, "North PCN"], [fv.P2, "South PCN"], [fv.P3, "East PCN"],
                         [fv.P4, "East PCN"]])
    run_import(project, path)
    assert lookup(project) == {fv.P1: "North PCN", fv.C1: "South PCN", fv.C2: "South PCN",
                               fv.M: "East PCN"}


def _boundaries_2011(path, codes):
    """LSOA 2011 boundaries of ``codes`` as a generalised file draws them: P2 reaching 2 m
    over its western edge into P1 (two vintages' generalised lines never quite agree)."""
    geoms = {c: fv.strip(198, 400) if c == fv.P2 else fv.GEOM11[c] for c in codes}
    props = [{"area_code": c, "area_name": fv.name(c)} for c in geoms]
    return fx.write_geojson(path, [fx.to_lonlat(g) for g in geoms.values()], props,
                            crs="urn:ogc:def:crs:OGC:1.3:CRS84")


def test_one_boroughs_lookup_does_not_name_a_neighbour_through_a_sliver(project, tmp_path):
    """Lewisham's ward lookup (LSOA 2011) inside all of London's 2021 LSOAs had named a
    Southwark area after a Lewisham ward: the split parent's generalised 2011 polygon reached a
    few metres into it. Only P2's borough is in the lookup here; P1 is the neighbour."""
    for held in ([fv.P1, fv.P2, fv.P3, fv.P4], [fv.P2]):   # all of the region, or one borough
        for table in ("area_neighbourhood", "neighbourhoods", "lsoa_lookup", "bridge_areas",
                      "areas"):
            project.db.execute(f"DELETE FROM {table}")
        for f in [fv.write_boundaries(tmp_path / "lsoa21.geojson", 2021),
                  _boundaries_2011(tmp_path / "lsoa11.geojson", held),
                  fv.write_best_fit(tmp_path / "best.csv")]:
            run_import(project, f)
        run_import(project, fx.write_csv(tmp_path / "wards.csv", ["LSOA11CD", "WD22NM"],
                                         [[fv.P2, "Lewisham Central"], [fv.P3, "Catford"]]),
                   kind="neighbourhoods")
        got = lookup(project)
        assert got.get(fv.C1) == "Lewisham Central" and got.get(fv.C2) == "Lewisham Central"
        assert fv.P1 not in got or got[fv.P1] != "Lewisham Central", held
