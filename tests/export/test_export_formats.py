"""Each export format's content: workbook, CSV, GeoJSON; safe text; suppression in the files."""

from __future__ import annotations

import json
import math

import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
from scipy.optimize import linprog

from phdesk.core.disclosure import DisclosureRule
from phdesk.export import export
from tests.export.conftest import FORMULA_NAME, SMALL


def sheet_frame(ws) -> pd.DataFrame:
    rows = list(ws.values)
    return pd.DataFrame(rows[1:], columns=rows[0])


@pytest.fixture(scope="module")
def workbook(exported):
    out = exported["folder"] / "results.xlsx"
    export(exported["service"], out, result=exported["result"])
    return openpyxl.load_workbook(out)


def test_workbook_readme_lists_every_sheet_and_states_the_rule(workbook, exported):
    readme = workbook["Read me"]
    first_column = [readme.cell(r, 1).value for r in range(1, readme.max_row + 1)]
    assert all(name in first_column for name in workbook.sheetnames)
    text = " ".join(str(c.value) for row in readme.iter_rows() for c in row if c.value)
    assert DisclosureRule().statement() in text
    assert "Demo population estimates (synthetic)" in text          # source and edition
    assert "English Indices of Deprivation 2019" in text
    assert "default_radius_m" in text and SMALL in text             # parameters, classes
    assert workbook.sheetnames[:6] == ["Read me", "Neighbourhoods", "Areas", "Cold spots",
                                       "Inequality", "Assets"]
    assert {"Notes", "Ideas and decisions", "Provenance", "Columns"} <= set(workbook.sheetnames)


def test_workbook_has_no_formula_and_keeps_formula_like_text_as_text(workbook):
    cells = [c for ws in workbook for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    named = [c for c in cells if c.value == FORMULA_NAME]
    assert named and all(c.data_type == "s" for c in named)


def test_workbook_types_headers_and_widths(workbook):
    ws = workbook["Neighbourhoods"]
    assert ws.freeze_panes == "A2"
    df = sheet_frame(ws)
    public = df[df["segment"] == "All"]
    assert public["population"].map(lambda v: isinstance(v, int | float)).all()
    assert public["coverage_pct"].map(lambda v: isinstance(v, int | float)).all()
    assert ws.column_dimensions["B"].width >= len("Multiple long-term conditions")
    assert ws["D2"].number_format == "#,##0"


def test_public_figures_are_never_altered(workbook, exported):
    df = sheet_frame(workbook["Neighbourhoods"])
    exact = exported["result"].neighbourhood_segments
    for seg in ("All", "Core20", "Age 65+"):
        a = df[df["segment"] == seg].sort_values(["neighbourhood", "category"])
        b = exact[exact["segment"] == seg].sort_values(["neighbourhood", "category"])
        assert np.allclose(a["population"].astype(float), b["population"])
        assert np.allclose(a["access_2sfca"].astype(float), b["access_2sfca"], equal_nan=True)


def test_small_counts_are_stars_and_rates_on_them_hidden(workbook):
    areas = sheet_frame(workbook["Areas"])
    small = areas[areas["segment"] == SMALL]
    assert (small["population"] == "*").any()
    shown = small.loc[small["population"] != "*", "population"]
    assert all(v == 0 or (v % 5 == 0 and v >= 10) for v in shown)
    assert (small["access_2sfca"] == "*").all()          # patient-derived ratios never shown
    nbs = sheet_frame(workbook["Neighbourhoods"])
    rows = nbs[nbs["segment"] == SMALL]
    for _, r in rows.iterrows():
        if r["population"] == "*":
            assert r["coverage_pct"] == "*" and r["assets_per_10k"] == "*"
        else:
            assert r["population"] % 5 == 0


def test_no_hidden_area_count_can_be_derived_from_the_workbook(workbook):
    """The attacker's arithmetic on the published sheet: areas add up to neighbourhoods, the
    covered and not-covered areas to the neighbourhood's covered count (coverage_pct x
    population), each shown count is its value +/- 2; each hidden count is 1-7 or above."""
    areas = sheet_frame(workbook["Areas"])
    nbs = sheet_frame(workbook["Neighbourhoods"])
    small = areas[(areas["segment"] == SMALL) & (areas["category"] == "GP practice")]
    for nb, grp in small.groupby("neighbourhood"):
        row = nbs[(nbs["neighbourhood"] == nb) & (nbs["segment"] == SMALL)
                  & (nbs["category"] == "GP practice")].iloc[0]
        n = len(grp)
        bounds = [(1, None) if v == "*" else (max(v - 2, 8), v + 2) if v else (0, 0)
                  for v in grp["population"]]
        a_eq, b_lo, b_hi = [], [], []
        if row["population"] != "*":
            a_eq.append(np.ones(n))
            b_lo.append(max(row["population"] - 2, 8))
            b_hi.append(row["population"] + 2)
        a_ub = [a for a in a_eq] + [-a for a in a_eq]
        b_ub = b_hi + [-x for x in b_lo]
        for i in np.flatnonzero((grp["population"] == "*").to_numpy()):
            c = np.zeros(n)
            c[i] = 1
            lo = linprog(c, A_ub=a_ub or None, b_ub=b_ub or None, bounds=bounds).fun
            hi = -linprog(-c, A_ub=a_ub or None, b_ub=b_ub or None, bounds=bounds).fun
            assert math.floor(hi) - math.ceil(lo) >= 1, (nb, i, lo, hi)


def test_csv_tables_are_protected_and_text_is_safe(exported):
    paths = export(exported["service"], exported["folder"] / "tables.csv",
                   result=exported["result"])
    from phdesk.core.mapping_output import COLUMNS

    names = sorted(p.name for p in paths)
    assert names == sorted([f"tables_{t}.csv" for t in COLUMNS] + ["tables_readme.txt"])
    assets = pd.read_csv(exported["folder"] / "tables_assets.csv")
    assert ("'" + FORMULA_NAME) in set(assets["name"])
    assert not assets["name"].astype(str).str.match(r"^[=+\-@]").any()
    area = pd.read_csv(exported["folder"] / "tables_area_access.csv", dtype=str)
    assert (area.loc[area["segment"] == SMALL, "population"] == "*").any()
    readme = (exported["folder"] / "tables_readme.txt").read_text(encoding="utf-8")
    assert DisclosureRule().statement() in readme


def test_geojson_is_rfc7946_in_england_with_nulls_for_hidden(exported):
    out = exported["folder"] / "map.geojson"
    export(exported["service"], out, result=exported["result"])
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    assert doc["disclosure"] == DisclosureRule().statement()
    layers = {"area": 0, "neighbourhood": 0, "asset": 0}
    for f in doc["features"]:
        g = shapely.geometry.shape(f["geometry"])
        assert g.is_valid and not g.is_empty
        x0, y0, x1, y1 = g.bounds
        assert -6.5 <= x0 <= x1 <= 2.0 and 49.8 <= y0 <= y1 <= 55.9    # England, lon/lat
        layers[f["properties"]["layer"]] += 1
        if f["geometry"]["type"] == "Polygon":     # RFC 7946: exterior ring anticlockwise
            assert shapely.Polygon(f["geometry"]["coordinates"][0]).exterior.is_ccw
        for k in f["properties"].get("suppressed", []):
            assert f["properties"][k] is None
    assert layers["area"] == 148 and layers["neighbourhood"] == 8 and layers["asset"] >= 239
    assets = [f for f in doc["features"] if f["properties"]["layer"] == "asset"]
    assert all(f["geometry"]["type"] == "Point" for f in assets)


def test_the_rule_setting_changes_every_output_and_off_needs_a_reason(exported):
    project = exported["project"]
    try:
        project.set_disclosure_rule(DisclosureRule(threshold=10, rounding_base=10))
        out = exported["folder"] / "tens.xlsx"
        export(exported["service"], out, result=exported["result"])
        wb = openpyxl.load_workbook(out)
        areas = sheet_frame(wb["Areas"])
        shown = areas.loc[(areas["segment"] == SMALL) & (areas["population"] != "*"),
                          "population"]
        assert all(v == 0 or v % 10 == 0 for v in shown)
        assert "1 to 10" in str(wb["Read me"]["B7"].value)
        off = DisclosureRule(enabled=False, reason="figures agreed for release by the IG lead")
        project.set_disclosure_rule(off)
        out = exported["folder"] / "off.xlsx"
        export(exported["service"], out, result=exported["result"])
        wb = openpyxl.load_workbook(out)
        areas = sheet_frame(wb["Areas"])
        assert not (areas["population"] == "*").any()
        assert "OFF" in str(wb["Read me"]["B7"].value)
        log = exported["service"].project.query("SELECT * FROM disclosure_rule_log")
        assert log["reason"].tolist()[-1] == off.reason
    finally:
        project.set_disclosure_rule(DisclosureRule())


def test_only_the_neighbourhoods_asked_for(exported):
    out = exported["folder"] / "east.xlsx"
    export(exported["service"], out, result=exported["result"], neighbourhoods=["eastfield"])
    wb = openpyxl.load_workbook(out)
    assert set(sheet_frame(wb["Neighbourhoods"])["neighbourhood"]) == {"Eastfield"}
    assert set(sheet_frame(wb["Areas"])["neighbourhood"]) == {"Eastfield"}


def test_a_png_map_shaded_by_a_measure_reads_the_protected_tables(exported, tmp_path):
    """A PNG map shaded by a run's measure takes its values from the export's protected
    tables: an area whose figure the rule hides (``*``) is drawn as no data, every other area
    in the class of its shown value; an unknown measure or a missing category is refused."""
    from phdesk.core.errors import UserError
    from phdesk.export.bundle import build_bundle
    from phdesk.ui.report_shading import shading

    bundle = build_bundle(exported["service"], exported["result"])
    aa = bundle.tables["area_access"]
    mine = aa[(aa["category"] == "GP practice") & (aa["segment"] == SMALL)]
    shown = pd.to_numeric(mine.set_index("area_code")["population"], errors="coerce")
    hidden = set(mine.loc[mine["population"].astype(str) == "*", "area_code"])
    assert hidden and shown.notna().any()
    # "population" with a category: the run's segment population, not the profile's
    shade = shading(bundle, "population", "areas", "GP practice", SMALL)
    codes = bundle.areas["code"].astype(str).to_numpy()
    for code, c in zip(codes, shade.classes, strict=True):
        assert (c == -1) == (code in hidden or code not in shown.index
                             or np.isnan(shown[code])), code
    assert SMALL in shade.title and len(shade.colours) == len(shade.labels) >= 1
    everyone = shading(bundle, "access_2sfca", "areas", "GP practice")
    assert (everyone.classes >= 0).all()   # a public segment: nothing hidden
    with pytest.raises(UserError, match="is per category"):
        shading(bundle, "access_2sfca")
    with pytest.raises(UserError, match="no map measure"):
        shading(bundle, "happiness")


def test_a_small_png_keeps_its_whole_footer_inside_the_margin(exported, qapp):
    """At 1200 x 900 the disclosure statement wraps to three lines; all of it is drawn above
    the bottom margin (its last line used to fall off the picture)."""
    from phdesk.export.bundle import build_bundle
    from phdesk.ui.report_png import render

    img = render(build_bundle(exported["service"], exported["result"]), "map", 1200, 900, 150)
    margin = round(12 * 150 / 72)
    white = img.pixel(0, 0)
    bottom = {img.pixel(x, y) for x in range(0, 1200, 3) for y in range(900 - margin + 2, 900)}
    assert bottom == {white}
    above = {img.pixel(x, y) for x in range(0, 1200, 2)
             for y in range(900 - 3 * margin, 900 - margin)}
    assert len(above) > 1   # the footer's text is there
