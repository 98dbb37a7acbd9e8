"""The window's File ▸ Export: all formats, off the GUI thread, the same bytes as the CLI."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata

import pytest
from PySide6 import QtGui

from phdesk.cli import main
from phdesk.core.mapping import MappingParams
from phdesk.ui import export_actions

FORMATS = ("xlsx", "csv", "geojson", "pdf", "png")


def _wait(qtbot, task):
    with qtbot.waitSignal(task.finished, timeout=300_000) as blocker:
        pass
    assert blocker.args == ["done"], blocker.args


def test_window_and_cli_export_the_same_run_identically(make_main_window, qtbot, demo_path,
                                                         tmp_path):
    win = make_main_window()
    keys = {a.objectName() for a in win.findChildren(QtGui.QAction)}
    assert {f"file.export.{k}" for k in FORMATS} <= keys
    win.run_mapping(MappingParams(sii_repetitions=1000))
    assert win.tasks.wait(120_000)
    (tmp_path / "win").mkdir()
    (tmp_path / "cli").mkdir()
    for ext in FORMATS:
        _wait(qtbot, export_actions.export_view(win, tmp_path / "win" / f"out.{ext}"))
    for ext in FORMATS:
        assert main(["export", str(demo_path), "--out", str(tmp_path / "cli" / f"out.{ext}"),
                     "--quiet"]) == 0
    win_files = sorted(p.name for p in (tmp_path / "win").iterdir())
    assert win_files == sorted(p.name for p in (tmp_path / "cli").iterdir())
    from phdesk.core.mapping_output import COLUMNS

    assert len(win_files) == 4 + len(COLUMNS) + 1    # xlsx, geojson, pdf, png, tables, readme
    for name in win_files:
        win_bytes = (tmp_path / "win" / name).read_bytes()
        assert win_bytes == (tmp_path / "cli" / name).read_bytes(), name


def test_export_follows_the_selected_neighbourhood(make_main_window, qtbot, tmp_path):
    import openpyxl

    win = make_main_window()
    win.neighbourhood_panel.select("Riverside")
    assert export_actions.current_view(win)[0] == "Riverside"
    _wait(qtbot, export_actions.export_view(win, tmp_path / "r.xlsx"))
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx")["Neighbourhoods"]
    assert {r[0] for r in ws.iter_rows(min_row=2, values_only=True)} == {"Riverside"}


def test_png_has_the_stated_size_and_resolution(make_main_window, qtbot, tmp_path):
    win = make_main_window()
    out = tmp_path / "map.png"
    _wait(qtbot, export_actions.export_view(win, out, width=800, height=600, dpi=200))
    img = QtGui.QImage(str(out))
    assert (img.width(), img.height()) == (800, 600)
    assert img.dotsPerMeterX() == round(200 / 0.0254)
    # rendered, not blank: many distinct colours (areas by IMD decile, asset dots)
    colours = {img.pixel(x, y) for x in range(0, 800, 7) for y in range(0, 600, 7)}
    assert len(colours) > 20


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler's pdftotext")
def test_pdf_report_has_a_cover_and_two_pages_per_neighbourhood(make_main_window, qtbot,
                                                                tmp_path):
    win = make_main_window()
    out = tmp_path / "report.pdf"
    _wait(qtbot, export_actions.export_view(win, out))
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    pages = unicodedata.normalize("NFKC", text).split("\f")   # "ﬁ" ligatures -> "fi"
    names = win.service.neighbourhoods()
    assert len([p for p in pages if p.strip()]) == 1 + 2 * len(names)
    assert "Sources and editions" in pages[0] and "Disclosure control" in pages[0]
    for i, name in enumerate(names):
        first, second = pages[1 + 2 * i], pages[2 + 2 * i]
        assert first.strip().startswith(name) and "Key figures" in first
        assert "Biggest gaps" in first and "Access by segment" in second
        assert "Notes and ideas" in second
    for k, page in enumerate(p for p in pages if p.strip()):
        assert f"page {k + 1} of {1 + 2 * len(names)}" in page
        assert "shown as *" in page


def test_results_tables_save_as_csv_is_protected_and_safe(make_main_window, qtbot, tmp_path):
    import pandas as pd

    win = make_main_window()
    gp = win.service.assets().query("category == 'GP practice'").iloc[0]
    win.service.add_asset({"name": "=cmd|' /C calc'!A0", "category": "GP practice",
                           "easting": float(gp["easting"]), "northing": float(gp["northing"])})
    win.run_mapping(MappingParams(sii_repetitions=1000))
    assert win.tasks.wait(120_000)
    panel = win.results_panel
    panel.set_result(win.service.last_result)
    ns = pd.read_csv(panel.views["neighbourhood_segments"].save_csv(tmp_path / "ns.csv"),
                     dtype=str, encoding="utf-8-sig")
    frail = ns[ns["segment"] == "Frailty"]
    assert len(frail) and (frail["access_2sfca"] == "*").all()      # patient-derived ratio
    assert not (ns.loc[ns["segment"] == "All", "population"] == "*").any()
    view = panel.views["assets"]
    view.filter_edit.setText("calc")
    assets = pd.read_csv(view.save_csv(tmp_path / "a.csv"), dtype=str, encoding="utf-8-sig")
    assert assets["name"].tolist() == ["'=cmd|' /C calc'!A0"]


def test_disclosure_dialog_builds_the_rule(qtbot):
    from phdesk.core.disclosure import DisclosureRule
    from phdesk.core.errors import UserError

    dialog = export_actions.DisclosureDialog(DisclosureRule())
    qtbot.addWidget(dialog)
    dialog.threshold.setValue(10)
    dialog.base.setValue(10)
    assert dialog.rule() == DisclosureRule(threshold=10, rounding_base=10)
    dialog.enabled.setChecked(False)
    with pytest.raises(UserError):
        dialog.rule()
    dialog.reason.setText("published figures")
    assert not dialog.rule().enabled and dialog.rule().reason == "published figures"


def test_workshop_mode_shows_figures_under_the_rule(make_main_window, qtbot):
    import pandas as pd

    from phdesk.core.disclosure import SUPPRESSED
    from phdesk.ui import workshop

    win = make_main_window()
    qtbot.waitUntil(lambda: workshop._disclosure is not None, timeout=10_000)
    gaps = pd.DataFrame({"category": ["GP practice"], "segment": ["Frailty"],
                         "gap_score": [7.77], "coverage_pct": [55.5]})
    shown = workshop.disclose("gaps", gaps)
    assert shown.iloc[0]["coverage_pct"] == SUPPRESSED and shown.iloc[0]["gap_score"] == 8.0
    assert win.service is not None


def test_workshop_shows_the_exports_protected_figures(make_main_window, qtbot, demo_path):
    """Workshop mode's gaps and reach rows of patient-derived segments are the values the
    exports show (one protection of the whole result / comparison), and its pages render
    hidden values."""
    import numpy as np

    from phdesk.core.disclosure import SUPPRESSED, DisclosureRule
    from phdesk.core.disclosure_scenario import protect_comparison
    from phdesk.core.disclosure_tables import protect_result
    from phdesk.store.outputs import save_disclosure_rule
    from phdesk.store.project import Project
    from phdesk.ui import window_planning
    from phdesk.ui.scenario_compare import reach_table

    with Project(demo_path) as p:   # a high threshold: the demo extract's counts get hidden
        save_disclosure_rule(p, DisclosureRule(threshold=60, rounding_base=10))
    win = make_main_window()
    win.run_mapping(MappingParams(sii_repetitions=1000))
    assert win.tasks.wait(120_000)
    qtbot.waitUntil(lambda: getattr(win, "disclosure_cache", None) is not None
                    and win.disclosure_cache["rule"].threshold == 60, timeout=60_000)
    result = win.service.last_result
    classes, rule, sums = export_actions.protection(win, result)
    assert classes["Frailty"] == "patient"
    ns = result.neighbourhood_segments
    picked = ns[ns["segment"].isin(["Frailty", "Core20"])][
        ["category", "segment", "gap_score", "coverage_pct"]]
    shown = export_actions.screen_rule(win, "gaps", picked)
    want = protect_result(result, classes, rule, candidates=sums)["neighbourhood_segments"]
    frail = (picked["segment"] == "Frailty").to_numpy()
    for col in ("gap_score", "coverage_pct"):
        got, exp = shown.loc[frail, col].tolist(), want.loc[picked.index[frail], col].tolist()
        assert [str(v) for v in got] == [str(v) for v in exp]
    assert (shown.loc[frail, "coverage_pct"] == SUPPRESSED).any()
    assert np.allclose(shown.loc[~frail, "gap_score"].astype(float),
                       picked.loc[~frail, "gap_score"].astype(float), equal_nan=True)

    window_planning.open_workshop(win)
    ws = win.workshop
    ws.compare("A: GP branch on Mill Road", None)
    qtbot.waitUntil(lambda: ws.comparison is not None, timeout=300_000)
    cmp = ws.comparison
    table = reach_table(cmp)
    seen = export_actions.screen_rule(win, "reach", table)
    base, other = cmp.runs
    protected = protect_comparison(cmp, base, other, classes, rule, sums, cmp.segments)[0].reach
    extract = table["Segment"].isin(["Frailty", "Learning disability", "Severe mental illness"])
    assert extract.any()
    new = "Newly within reach (residents)"
    assert [str(v) for v in seen.loc[extract, new]] == \
        [str(v) for v in protected.loc[table.index[extract], "newly_within_reach"]]
    assert (seen.loc[extract, new] == SUPPRESSED).any() or \
        all(float(v) % 10 == 0 for v in seen.loc[extract, new])
    ws._refresh()   # the pages fill with hidden values (no formatting error)
    assert "against" in ws.compare_page.text.toPlainText()
    ws.close()


def test_the_report_charts_the_widest_category_with_most_sites_on_ties():
    """A neighbourhood's second page charts the category serving most segments; among ties,
    the one with most sites (a one-site odd label no longer wins by its place in the
    alphabet)."""
    import pandas as pd

    from phdesk.ui.report_pdf import _main_category

    acc = pd.DataFrame({"category": ["Clinic|Dentist"] * 3 + ["Pharmacy"] * 3 + ["Gym"] * 2})
    assets = pd.DataFrame({"category": ["Clinic|Dentist"] + ["Pharmacy"] * 4 + ["Gym"] * 9})
    assert _main_category(acc, assets) == "Pharmacy"   # Gym has more sites but serves fewer
    assert _main_category(acc.iloc[:0], assets) == ""
