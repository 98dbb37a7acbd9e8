"""``phdesk export`` / ``phdesk disclosure`` as documented, and the Python API."""

from __future__ import annotations

import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

from phdesk.cli import main

GP_EAST = ("action,asset,name,category,easting,northing,capacity\n"
           "add,,Mill Road Health Centre,GP practice,535620,180480,8\n")


def test_import_phdesk_is_light():
    code = ("import sys, phdesk; print(sorted(m for m in ('pandas', 'numpy', 'PySide6', "
            "'openpyxl', 'shapely', 'phdesk.api') if m in sys.modules)); "
            "print(callable(phdesk.open_project), callable(phdesk.export))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[0] == "[]"
    assert out[1] == "True True"


@pytest.mark.parametrize(("argv", "message"), [
    (["--out", "x.docx"], "cannot export to '.docx'"),
    (["--out", "x.xlsx", "--against", "A"], "--against needs --scenario"),
    (["--out", "x.xlsx", "--neighbourhood", "Atlantis"], "no neighbourhood 'Atlantis'"),
    (["--out", "x.xlsx", "--scenario", "Nope"], "Nope"),
    (["--out", "x.png", "--measure", "nonsense"], "no map measure 'nonsense'"),
    (["--out", "x.png", "--measure", "coverage_pct"], "is per category: give one of"),
    (["--out", "x.png", "--measure", "coverage_pct", "--category", "Spa"], "(not 'Spa')"),
    (["--out", "x.xlsx", "--measure", "population", "--width", "800"],
     "--width, --measure: only for a .png export, not x.xlsx"),
    (["--out", "x.png", "--category", "GP practice"], "choose what --measure shades"),
    (["--out", "x.png", "--png", "gaps", "--measure", "population"], "not --png gaps"),
])
def test_export_usage_errors_exit_2(demo_path, tmp_path, capsys, argv, message):
    argv = [a if not a.startswith("x.") else str(tmp_path / a) for a in argv]
    assert main(["export", str(demo_path), *argv]) == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.glob("x.*"))


def test_export_scenario_against_baseline_and_another(demo_path, tmp_path, capsys):
    changes = tmp_path / "c.csv"
    changes.write_text(GP_EAST, encoding="utf-8")
    assert main(["scenario", str(demo_path), "GP in Eastfield", "--changes", str(changes)]) == 0
    out = tmp_path / "s.xlsx"
    assert main(["export", str(demo_path), "--out", str(out), "--scenario", "GP in Eastfield",
                 "--neighbourhood", "Eastfield", "--quiet"]) == 0
    wb = openpyxl.load_workbook(out)
    assert "Scenario comparison" in wb.sheetnames
    rows = list(wb["Scenario comparison"].values)
    cmp = pd.DataFrame(rows[1:], columns=rows[0])
    gp_all = cmp[(cmp["segment"] == "All") & (cmp["category"] == "GP practice")].iloc[0]
    assert gp_all["neighbourhood"] == "Eastfield"
    assert gp_all["covered_change"] > 0            # the new practice brings people within reach
    assert gp_all["covered_change"] == pytest.approx(gp_all["covered_scenario"]
                                                     - gp_all["covered_base"])
    readme = [c.value for c in wb["Read me"]["A"]]
    assert "Scenario comparison" in readme
    # against another scenario: the same scenario compared with itself changes nothing
    out2 = tmp_path / "same.csv"
    assert main(["export", str(demo_path), "--out", str(out2), "--scenario", "GP in Eastfield",
                 "--against", "GP in Eastfield", "--quiet"]) == 0
    same = pd.read_csv(tmp_path / "same_scenario_comparison.csv", dtype=str)
    changes_shown = same["covered_change"][same["covered_change"] != "*"].astype(float).dropna()
    assert len(changes_shown)
    assert (changes_shown == 0).all()


def test_disclosure_command_sets_and_states_the_rule(demo_path, capsys):
    assert main(["disclosure", str(demo_path), "--off"]) == 2
    assert "stated reason" in capsys.readouterr().err
    assert main(["disclosure", str(demo_path), "--off", "--reason", "release agreed"]) == 0
    assert "OFF" in capsys.readouterr().out
    assert main(["disclosure", str(demo_path), "--on", "--threshold", "9"]) == 0
    assert "1 to 9" in capsys.readouterr().out
    assert main(["disclosure", str(demo_path), "--rounding", "0"]) == 2


def test_python_api_example(demo_path, tmp_path):
    import phdesk

    with phdesk.open_project(demo_path) as project:
        result = phdesk.run_mapping(project, radius_m=800)
        assert result.params.default_radius_m == 800
        tables = phdesk.results(project, result)
        exact = phdesk.results(project, result, protected=False)
        ns, raw = tables["neighbourhood_segments"], exact["neighbourhood_segments"]
        assert set(tables) == {"neighbourhood_segments", "area_access", "assets", "cold_spots",
                               "inequality", "category_rules"}
        assert (ns.loc[ns["segment"] == "Frailty", "access_2sfca"] == "*").all()
        assert raw.loc[raw["segment"] == "Frailty", "access_2sfca"].notna().all()
        paths = phdesk.export(project, tmp_path / "demo.geojson", result=result)
        assert paths == [tmp_path / "demo.geojson"] and paths[0].stat().st_size > 0
        assert project.disclosure_rule().threshold == 7


def test_map_out_and_the_engine_writer_share_one_csv_writer(demo_path, tmp_path):
    """With the rule off nothing is altered, so ``phdesk map --out`` (through the export path)
    and ``write_outputs`` (the engine's tables) write the same bytes: one CSV writer, lists as
    documented ('All; Core20'), all files or none."""
    from phdesk.core.disclosure import DisclosureRule
    from phdesk.core.mapping import MappingParams, run_mapping, write_outputs
    from phdesk.store.outputs import save_disclosure_rule
    from phdesk.store.project import Project

    with Project(demo_path) as p:
        save_disclosure_rule(p, DisclosureRule(enabled=False, reason="synthetic demo"))
    assert main(["map", str(demo_path), "--out", str(tmp_path / "cli"), "--quiet"]) == 0
    with Project(demo_path) as p:
        files = write_outputs(run_mapping(p, MappingParams()), tmp_path / "engine")
    assert len(files) == 6
    for f in files:
        assert (tmp_path / "cli" / f.name).read_bytes() == f.read_bytes(), f.name
    rules = pd.read_csv(tmp_path / "cli" / "category_rules.csv")
    assert rules["serves"].str.startswith("All; ").all()
