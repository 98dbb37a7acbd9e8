"""F1 help: every catalogue measure with unit, formula and a worked example from the demo; a
searchable glossary; plain-English column headers with tooltips."""

from __future__ import annotations

import pytest
from PySide6 import QtWidgets

from phdesk.core.measures import MEASURES
from phdesk.ui import help_content
from phdesk.ui.help import HelpWindow


def test_every_catalogue_measure_has_a_formula():
    assert sorted(set(MEASURES) - set(help_content.FORMULAS)) == []
    assert sorted(set(help_content.FORMULAS) - set(MEASURES)) == []   # no stale entries


def test_glossary_covers_the_jargon():
    terms = " ".join(t for t, _ in help_content.GLOSSARY)
    for word in ("Core20PLUS5", "LSOA", "2SFCA", "E2SFCA", "1.00 / 0.68 / 0.22", "SII", "RII",
                 "Gap score", "Disclosure"):
        assert word in terms


@pytest.fixture(scope="module")
def demo_result(tmp_path_factory):
    from phdesk.core.demo import write_demo
    from phdesk.core.mapping import MappingParams
    from phdesk.services.project_service import ProjectService

    path = tmp_path_factory.mktemp("help") / "demo.phdesk"
    write_demo(path)
    service = ProjectService.open(path)
    result = service.run_mapping(MappingParams())
    service.close()
    return result


def test_worked_examples_use_the_demo_numbers(demo_result):
    ex = help_content.pick_example(demo_result)
    assert ex is not None and ex.segment == "All"
    # the example is the neighbourhood with the biggest gap in its category
    assert ex.row["gap_score"] == ex.study["gap_score"].max()
    text = help_content.worked_example("coverage_pct", ex, demo_result)
    areas = demo_result.area_access
    sel = areas[(areas["neighbourhood"].astype(str) == ex.neighbourhood)
                & (areas["segment"].astype(str) == "All")
                & (areas["category"].astype(str) == ex.category)]
    covered = sel.loc[sel["covered"].astype(bool), "population"].sum()
    assert f"{covered:,.0f} of {sel['population'].sum():,.0f} residents" in text
    assert f"{ex.row['coverage_pct']:,.1f}" in text
    per10k = help_content.worked_example("assets_per_10k", ex, demo_result)
    assert f"{int(ex.row['assets_inside'])} sites inside" in per10k


def test_help_window_searches_sections(qtbot, demo_result):
    win = HelpWindow(help_content.sections(demo_result, [("Import data…", "Ctrl+I")]))
    qtbot.addWidget(win)
    win.show()
    titles = win.shown_titles()
    for key, m in MEASURES.items():
        assert f"Measure: {m.label}" in titles, key
    win.search.setText("2SFCA")
    shown = win.shown_titles()
    assert "Glossary: 2SFCA" in shown and "Getting started" not in shown
    assert "Places per 1,000 residents" in win.browser.toPlainText() or shown
    assert win.show_topic("measure-gap_score")
    text = win.browser.toPlainText()
    assert "percentage points" in text and "Example:" in text
    win.search.setText("no such words anywhere")
    assert win.shown_titles() == [] and "Nothing in the help" in win.browser.toPlainText()


def test_f1_opens_the_help_not_only_shortcuts(qtbot, make_main_window):
    from phdesk.core.mapping import MappingParams

    win = make_main_window()
    if win.service.last_result is None:
        win.run_mapping(MappingParams())
        assert win.tasks.wait(60_000)
    action = win.commands["help.contents"]
    assert action.shortcut().toString() == "F1"
    action.trigger()
    qtbot.waitUntil(lambda: getattr(win, "_help_window", None) is not None
                    and win._help_window.isVisible())
    help_win = win._help_window
    assert isinstance(help_win.browser, QtWidgets.QTextBrowser)
    assert any(t.startswith("Glossary:") for t in help_win.shown_titles())
    assert help_win.show_topic("measure-access_2sfca")
    assert "Example:" in help_win.browser.toPlainText()   # the demo's mapping result
    help_win.close()
