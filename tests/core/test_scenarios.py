"""Scenarios: results equal real changes; the register and baseline untouched; bad files."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from phdesk.cli import main
from phdesk.core.categories import category_table
from phdesk.core.mapping import MappingParams, compute_mapping, load_inputs
from phdesk.core.scenarios import apply_changes, compare, read_changes, with_changes
from phdesk.store import edits
from phdesk.store import planning as pl
from phdesk.store.project import Project

GP_EAST = ("action,asset,name,category,easting,northing,capacity\n"
           "add,,Mill Road Health Centre,GP practice,535620,180480,8\n")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _tables(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.csv"))}


def _register(path: Path) -> list:
    con = sqlite3.connect(path)
    try:
        return [con.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
                for t in ("assets", "category_settings", "mapping_runs")]
    finally:
        con.close()


def test_gp_in_eastfield_equals_adding_it_for_real(demo_path, tmp_path, capsys):
    changes = _write(tmp_path / "changes.csv", GP_EAST)
    assert main(["scenario", str(demo_path), "GP in Eastfield", "--changes", str(changes)]) == 0
    assert main(["map", str(demo_path), "--scenario", "GP in Eastfield", "--out",
                 str(tmp_path / "scenario"), "--quiet"]) == 0
    real = tmp_path / "real.phdesk"
    real.write_bytes(demo_path.read_bytes())
    with Project(real) as p:
        edits.add_asset(p, {"name": "Mill Road Health Centre", "category": "GP practice",
                            "easting": 535620.0, "northing": 180480.0, "capacity": 8})
    assert main(["map", str(real), "--out", str(tmp_path / "real"), "--quiet"]) == 0
    got, want = _tables(tmp_path / "scenario"), _tables(tmp_path / "real")
    assert len(want) == 6 and got == want   # byte-equal, asset ids included
    # and the comparison shows the Core20 residents of Eastfield newly within reach
    capsys.readouterr()
    assert main(["compare", str(demo_path), "--scenario", "GP in Eastfield", "--out",
                 str(tmp_path / "cmp")]) == 0
    assert "GP practice: Core20 residents newly within reach" in capsys.readouterr().err
    reach = pd.read_csv(tmp_path / "cmp" / "reach_changes.csv")
    first = reach.iloc[0]
    assert (first["neighbourhood"], first["segment"], first["category"]) == \
        ("(all neighbourhoods)", "Core20", "GP practice")
    east = reach[(reach["neighbourhood"] == "Eastfield") & (reach["segment"] == "Core20")]
    assert east["newly_within_reach"].sum() > 1000 and east["no_longer_within_reach"].sum() == 0
    # the Core20 count is the population of the newly covered Core20 areas, from the tables
    base_aa = pd.read_csv(tmp_path / "real" / "area_access.csv")   # scenario == real
    with Project(demo_path) as p:
        deciles = p.query("SELECT area_code, decile FROM deprivation").set_index("area_code")
    before = compute_mapping(load_inputs(Project(demo_path)), MappingParams()).area_access
    b = before[(before["segment"] == "All") & (before["category"] == "GP practice")]
    a = base_aa[(base_aa["segment"] == "All") & (base_aa["category"] == "GP practice")]
    m = b.astype({"area_code": str}).merge(a, on="area_code", suffixes=("_b", "_a"))
    newly = m[~m["covered_b"] & m["covered_a"]]
    core = newly[newly["area_code"].map(deciles["decile"]) <= 2]
    # (the CSV's population column is text: patient-derived segments' small counts are shown
    # as suppressed under the disclosure rule; segment All here is public, all numbers)
    assert east["newly_within_reach"].sum() == \
        pytest.approx(pd.to_numeric(core["population_a"], errors="raise").sum())
    assert asset_changes_added(tmp_path / "cmp") == ["Mill Road Health Centre"]


def asset_changes_added(folder: Path) -> list[str]:
    ac = pd.read_csv(folder / "asset_changes.csv")
    return ac.loc[ac["status"] == "added", "name_other"].tolist()


def test_every_action_equals_the_real_edits(demo_path, tmp_path):
    with Project(demo_path) as p:
        assets = p.query("SELECT id, source_id, category FROM assets ORDER BY id")
    pharm = assets[assets["category"] == "Pharmacy"]
    close_code, move_id, cap_id = pharm["source_id"].iloc[0], *pharm["id"].iloc[1:3]
    text = ("action,asset,name,category,easting,northing,capacity,radius_m\n"
            f"close,{close_code},,,,,,\n"
            f"move,{move_id},,,534000,181000,,\n"
            f"capacity,{cap_id},,,,,9,\n"
            "add,,New Hub,Family hub,533500,180200,,\n"
            "radius,,,pharmacy,,,,650\n")
    changes = _write(tmp_path / "all.csv", text)
    assert main(["scenario", str(demo_path), "All kinds", "--changes", str(changes)]) == 0
    assert main(["map", str(demo_path), "--scenario", "All kinds", "--out",
                 str(tmp_path / "s"), "--quiet"]) == 0
    real = tmp_path / "real.phdesk"
    real.write_bytes(demo_path.read_bytes())
    with Project(real) as p:
        close_id = int(p.scalar("SELECT id FROM assets WHERE source_id = ?", (close_code,)))
        edits.delete_asset(p, close_id)
        edits.update_asset(p, int(move_id), {"easting": 534000.0, "northing": 181000.0})
        edits.update_asset(p, int(cap_id), {"capacity": 9.0})
        edits.add_asset(p, {"name": "New Hub", "category": "Family hub", "easting": 533500.0,
                            "northing": 180200.0})
        from phdesk.core.categories import save_category_settings
        from phdesk.core.segments import segment_population

        segs = list(dict.fromkeys(segment_population(p)["segment"].astype(str)))
        row = category_table(["Pharmacy"], None, segs).assign(radius_m=650.0)
        save_category_settings(p, row)
    assert main(["map", str(real), "--out", str(tmp_path / "r"), "--quiet"]) == 0
    assert _tables(tmp_path / "s") == _tables(tmp_path / "r")


def test_register_and_baseline_unchanged_by_scenario_work(demo_path, tmp_path):
    assert main(["map", str(demo_path), "--out", str(tmp_path / "before"), "--quiet"]) == 0
    register = _register(demo_path)
    changes = _write(tmp_path / "c.csv", "action,asset,name,category,easting,northing,radius_m\n"
                     "add,,Mill Road,GP practice,535620,180480,\n"
                     f"close,{register[0][0][0]},,,,,\n"
                     "radius,,,GP practice,,,1500\n")
    assert main(["scenario", str(demo_path), "S", "--changes", str(changes)]) == 0
    assert main(["map", str(demo_path), "--scenario", "S", "--out", str(tmp_path / "s"),
                 "--quiet"]) == 0
    assert main(["compare", str(demo_path), "--scenario", "S", "--out", str(tmp_path / "c"),
                 "--quiet"]) == 0
    assert _register(demo_path) == register
    assert _tables(tmp_path / "s") != _tables(tmp_path / "before")
    # mapping_runs was part of the register check: run the baseline again into a new folder
    assert main(["map", str(demo_path), "--out", str(tmp_path / "after"), "--quiet"]) == 0
    assert _tables(tmp_path / "after") == _tables(tmp_path / "before")


def test_apply_changes_leaves_its_inputs_alone(demo_path):
    inputs = load_inputs(Project(demo_path))
    digest = hashlib.sha256(pd.util.hash_pandas_object(inputs.assets).to_numpy()).hexdigest()
    changes = pd.DataFrame([{"action": "close", "asset": int(inputs.assets["id"].iloc[0])},
                            {"action": "add", "name": "X", "category": "GP practice",
                             "easting": 533000.0, "northing": 180000.0}],
                           columns=pl.CHANGE_COLUMNS)
    assets, _ = apply_changes(inputs.assets, changes, inputs.settings)
    assert len(assets) == len(inputs.assets)
    assert assets["id"].iloc[-1] == inputs.assets["id"].max() + 1
    after = hashlib.sha256(pd.util.hash_pandas_object(inputs.assets).to_numpy()).hexdigest()
    assert after == digest


@pytest.mark.parametrize("text, row, column, reason", [
    ("action,asset\ndemolish,1\n", 2, "action", "unknown action"),
    ("action,asset\nclose,\n", 2, "asset", "required value is empty"),
    ("action,asset\nclose,NOPE99\n", 2, "asset", "no asset with this id or source code"),
    ("action,asset,capacity\ncapacity,1,lots\n", 2, "capacity", "not a number"),
    ("action,asset,capacity\ncapacity,1,-3\n", 2, "capacity", "must be zero or more"),
    ("action,name,category\nadd,New GP,GP practice\n", 2, "location",
     "no coordinates and no postcode"),
    ("action,name,category,easting,northing\nadd,,GP practice,533000,180000\n", 2, "name",
     "required value is empty"),
    ("action,name,category,easting,northing\nadd,X,GP practice,99999999,1\n", 2,
     "easting/northing", "outside Great Britain"),
    ("action,asset\nclose,1\nclose,1\n", 3, "asset", "closed by an earlier row"),
    ("action,category,radius_m\nradius,GP practice,0\n", 2, "radius_m", "positive number"),
    ("action,category,radius_m\nradius,Ferry port,500\n", 2, "category", "no assets of this"),
])
def test_bad_change_files_are_reported_and_nothing_saved(demo_path, tmp_path, capsys, text,
                                                         row, column, reason):
    path = _write(tmp_path / "bad.csv", text)
    before = demo_path.read_bytes()
    assert main(["scenario", str(demo_path), "Bad", "--changes", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"row {row}, column {column}" in err and reason in err
    assert "scenario not saved" in err
    assert demo_path.read_bytes() == before
    prepared = read_changes(path, Project(demo_path))
    rej = prepared.report.rejections
    assert not prepared.ok and reason in " ".join(rej["reason"])


def test_scenario_cli_usage_and_listing(demo_path, tmp_path, capsys):
    assert main(["scenario", str(demo_path), "--list"]) == 0
    listing = capsys.readouterr().out
    assert "A: GP branch on Mill Road: 1 change - A branch surgery" in listing
    assert "  add 'Eastfield Station Surgery' (GP practice) at 535300, 179500, capacity 8" \
        in listing
    with Project(demo_path) as p:
        for name in pl.scenarios(p)["name"]:
            pl.delete_scenario(p, name)
    assert main(["scenario", str(demo_path), "--list"]) == 0
    assert capsys.readouterr().out.strip() == "no scenarios"
    assert main(["scenario", str(demo_path), "X"]) == 2
    assert main(["scenario", str(demo_path), "--list", "--changes", "x.csv"]) == 2
    assert main(["scenario", str(demo_path), "A", "--changes", str(tmp_path / "none.csv")]) == 2
    changes = _write(tmp_path / "c.csv", GP_EAST)
    assert main(["scenario", str(demo_path), "A", "--changes", str(changes),
                 "--description", "one GP"]) == 0
    assert "created scenario 'A': 1 change" in capsys.readouterr().out
    assert main(["scenario", str(demo_path), "A", "--changes", str(changes)]) == 0
    assert "replaced scenario 'A'" in capsys.readouterr().out
    assert main(["scenario", str(demo_path), "--list"]) == 0
    out = capsys.readouterr().out
    assert "A: 1 change - one GP" in out
    assert "add 'Mill Road Health Centre' (GP practice) at 535620, 180480, capacity 8" in out
    assert main(["map", str(demo_path), "--scenario", "Nope", "--out", str(tmp_path / "o")]) == 2
    assert "no scenario called 'Nope'" in capsys.readouterr().err


def test_compare_two_scenarios(demo_path, tmp_path):
    inputs = load_inputs(Project(demo_path))
    gp = pd.DataFrame([{"action": "add", "name": "G", "category": "GP practice",
                        "easting": 535620.0, "northing": 180480.0}], columns=pl.CHANGE_COLUMNS)
    with Project(demo_path) as p:
        pl.save_scenario(p, "A", gp)
        pl.save_scenario(p, "B", gp.assign(easting=531000.0, northing=183000.0))
    assert main(["compare", str(demo_path), "--scenario", "B", "--against", "A", "--out",
                 str(tmp_path / "ab"), "--quiet", "--category", "GP practice"]) == 0
    reach = pd.read_csv(tmp_path / "ab" / "reach_changes.csv")
    assert set(reach["category"]) == {"GP practice"}
    assert set(pd.read_csv(tmp_path / "ab" / "neighbourhood_differences.csv")["category"]) == \
        {"GP practice"}
    assert main(["compare", str(demo_path), "--scenario", "B", "--against", "Nope", "--out",
                 str(tmp_path / "x")]) == 2
    # moving the new site from A's place to B's: Eastfield loses what A gave it
    east = reach[(reach["neighbourhood"] == "Eastfield") & (reach["segment"] == "Core20")]
    assert east["no_longer_within_reach"].sum() > 0
    a = compute_mapping(with_changes(inputs, gp), MappingParams())
    same = compare(a, a, "A", "A", segments=inputs.segments)
    assert same.reach.empty and same.areas.empty and same.assets.empty


def test_compare_protects_patient_derived_counts_under_the_rule(demo_path, tmp_path):
    """``phdesk compare`` keeps the extract's segments and applies the rule to them: counts
    hidden or rounded, access hidden, changes the differences of what is shown; public
    segments are exactly as with the rule off."""
    from phdesk.core.disclosure import DisclosureRule
    from phdesk.store.outputs import save_disclosure_rule

    name = "A: GP branch on Mill Road"
    with Project(demo_path) as p:   # a high threshold so the demo's counts get hidden
        save_disclosure_rule(p, DisclosureRule(threshold=60, rounding_base=10))
    assert main(["compare", str(demo_path), "--scenario", name, "--out", str(tmp_path / "on"),
                 "--quiet"]) == 0
    with Project(demo_path) as p:
        save_disclosure_rule(p, DisclosureRule(enabled=False, reason="synthetic demo data"))
    assert main(["compare", str(demo_path), "--scenario", name, "--out", str(tmp_path / "off"),
                 "--quiet"]) == 0
    extract = {"Frailty", "Long-term condition", "Multiple long-term conditions",
               "Severe mental illness", "Learning disability"}   # the demo's segment extract

    def read(folder, f):
        return pd.read_csv(tmp_path / folder / f, dtype=str, keep_default_na=False)

    def whole_tens_or_hidden(values):
        return all(v in ("*", "") or float(v) % 10 == 0 for v in values)

    reach, off = read("on", "reach_changes.csv"), read("off", "reach_changes.csv")
    mine = reach[reach["segment"].isin(extract)]
    assert set(mine["segment"]) == extract
    assert whole_tens_or_hidden(mine["newly_within_reach"])
    assert (mine["newly_within_reach"] == "*").any()
    shown = mine[(mine[["newly_within_reach", "no_longer_within_reach", "net_change"]]
                  != "*").all(axis=1)]
    assert (shown["net_change"].astype(float) == shown["newly_within_reach"].astype(float)
            - shown["no_longer_within_reach"].astype(float)).all()
    exact = off[off["segment"].isin(extract)].set_index(["neighbourhood", "segment", "category"])
    for k, r in mine.set_index(["neighbourhood", "segment", "category"]).iterrows():
        n = float(exact.loc[k, "newly_within_reach"])
        if 1 <= n <= 60:
            assert r["newly_within_reach"] == "*", k
    pd.testing.assert_frame_equal(reach[~reach["segment"].isin(extract)].reset_index(drop=True),
                                  off[~off["segment"].isin(extract)].reset_index(drop=True))
    areas = read("on", "area_differences.csv")
    rows = areas[areas["segment"].isin(extract)]
    assert len(rows) and whole_tens_or_hidden(rows["population"])
    assert (rows["population"] == "*").any() and (rows["access_2sfca_base"] == "*").all()
    nbs = read("on", "neighbourhood_differences.csv")
    rows = nbs[nbs["segment"].isin(extract)]
    assert len(rows) and whole_tens_or_hidden(rows["population"])
    assert (rows["access_2sfca_change"] == "*").all()
