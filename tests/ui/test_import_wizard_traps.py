"""The wizard without traps: a typed category stays as typed, GeoJSON registers get the column
page, closed rows and category maps are controls, messages name fields, not command-line text."""

from __future__ import annotations

import json

from PySide6 import QtCore, QtTest

from phdesk.ui.import_options import mentioned_options, plain_message
from phdesk.ui.import_wizard import PAGE_DONE, PAGE_MAPPING
from tests.ui.test_import_wizard import WizardButton, click, env, make_wizard

__all__ = ["env"]   # the fixture, used by name

# the Trafford pharmacy list's header (trafford_pharmacies.csv), shortened, with lat/lon added
PHARMACIES = ("pharmacy_name,address,postcode,organisation_data_service_code,ward_name,"
              "Latitude,Longitude\n"
              "Boots,1 High St,M33 7ZF,FA001,Sale Central,53.42,-2.32\n"
              "Well Pharmacy,2 Low St,M32 8AP,FA002,Stretford,53.44,-2.31\n")


def test_typed_category_is_never_completed_into_a_column(qtbot, env, tmp_path):
    """Typing 'Pharmacy' where a 'pharmacy_name' column exists: one category, as typed."""
    _, tasks, _, _ = env
    csv = tmp_path / "trafford_pharmacies.csv"
    csv.write_text(PHARMACIES, encoding="utf-8")
    wiz = make_wizard(qtbot, env, [csv])
    click(wiz, WizardButton.NextButton, tasks)
    assert wiz.currentId() == PAGE_MAPPING
    page = wiz.mapping_page
    assert not page.combos["category"].isEditable()   # columns are chosen, never typed
    edit = page.category_edit
    edit.setFocus()
    QtTest.QTest.keyClicks(edit, "Pharmacy")
    QtTest.QTest.keyClick(edit, QtCore.Qt.Key.Key_Tab)   # Tab used to accept a completion
    assert tasks.wait(10_000)
    assert edit.text() == "Pharmacy"
    assert set(wiz.prepared.preview["category"]) == {"Pharmacy"}
    click(wiz, WizardButton.NextButton, tasks)
    click(wiz, WizardButton.CommitButton, tasks)
    assert wiz.currentId() == PAGE_DONE
    cats = wiz.service.project.query("SELECT DISTINCT category FROM assets")["category"]
    assert cats.tolist() == ["Pharmacy"]


def geojson_libraries(path):
    """Trafford's libraries GeoJSON layout: capitalised properties, category in Type."""
    features = [{"type": "Feature", "properties": {"Name": n, "Type": t, "Postcode": "M33 7ZF"},
                 "geometry": {"type": "Point", "coordinates": [lon, 53.42]}}
                for n, t, lon in [("Sale", "Local authority run library", -2.32),
                                  ("Hale", "Partnership run library", -2.34)]]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_geojson_register_shows_the_column_page_and_maps_categories(qtbot, env, tmp_path):
    service, tasks, _, _ = env
    with service.project.transaction() as db:
        db["assets"].insert({"name": "Old", "category": "Library", "easting": 378000.0,
                             "northing": 392000.0, "capacity": 1.0, "source": "x"})
    wiz = make_wizard(qtbot, env, [geojson_libraries(tmp_path / "libraries.geojson")])
    click(wiz, WizardButton.NextButton, tasks)
    assert wiz.currentId() == PAGE_MAPPING
    page = wiz.mapping_page
    assert page.combos["category"].currentText() == "Type"
    assert page.combos["latitude"].isHidden()            # placed by the geometry
    table = page.category_map
    assert table.isVisibleTo(page)
    assert {c: b.currentText() for c, b in table.combos.items()} == {
        "Local authority run library": "Library", "Partnership run library": "Library"}
    assert set(wiz.prepared.preview["category"]) == {"Library"}
    # keep one as it is
    box = table.combos["Partnership run library"]
    box.setCurrentIndex(0)
    box.activated.emit(0)
    assert tasks.wait(10_000)
    assert set(wiz.prepared.preview["category"]) == {"Library", "Partnership run library"}


def test_categories_that_all_name_the_files_kind_are_offered_as_one(qtbot, env, tmp_path):
    """A first libraries file (no category in the project yet) whose Type column says how each
    library is run: the category map shows, offering "Library" for each, and changes nothing
    until the user picks it."""
    _, tasks, _, _ = env
    wiz = make_wizard(qtbot, env, [geojson_libraries(tmp_path / "libraries.geojson")])
    click(wiz, WizardButton.NextButton, tasks)
    page = wiz.mapping_page
    table = page.category_map
    assert table.isVisibleTo(page)
    assert set(wiz.prepared.preview["category"]) == {"Local authority run library",
                                                     "Partnership run library"}
    for box in table.combos.values():
        assert box.currentIndex() == 0 and box.itemText(1) == "Library"
        box.setCurrentIndex(1)
        box.activated.emit(1)
        assert tasks.wait(10_000)
    assert set(wiz.prepared.preview["category"]) == {"Library"}


def test_status_column_leaves_closed_rows_out_and_can_be_changed(qtbot, env, tmp_path):
    _, tasks, _, _ = env
    csv = tmp_path / "sites.csv"
    csv.write_text("Name,Type,Status,Latitude,Longitude\nA,Hub,Open,53.42,-2.32\n"
                   "B,Hub,Closed,53.43,-2.32\nC,Hub,Inactive,53.44,-2.32\n", encoding="utf-8")
    wiz = make_wizard(qtbot, env, [csv])
    click(wiz, WizardButton.NextButton, tasks)
    page = wiz.mapping_page
    assert page.combos["status"].currentText() == "Status"
    assert page.closed_edit.text() == "Closed, Inactive"
    assert "2 rows marked closed are left out" in page.summary.text()
    assert wiz.prepared.report.rows_accepted == 1
    page.closed_edit.setText("Closed")
    page.closed_edit.editingFinished.emit()
    assert tasks.wait(10_000)
    assert wiz.prepared.report.rows_accepted == 2


def test_messages_name_fields_on_the_page_not_command_line_options():
    text = "vintage 2021 taken from the file name (use option vintage=YEAR if that is wrong)"
    assert mentioned_options(text) == ["vintage"]
    got = plain_message(text)
    assert "option" not in got and "vintage=" not in got
    assert "'Boundary year' field on this page" in got
    assert "--kind" not in plain_message("x.csv: not a kind of file phdesk recognises "
                                         "(columns: a); use --kind to say what it is")
    got = plain_message("the file has no extract date (give one with the option extract_date=…)")
    assert "extract_date" not in got and "'Extract date' field" in got


def test_an_option_a_warning_mentions_is_a_field_that_works(qtbot, env, tmp_path):
    """GP list sizes without an extract date: the warning names the field, the field is on
    the page, and filling it in checks the file again with that date."""
    _, tasks, _, _ = env
    csv = tmp_path / "list_sizes.csv"
    csv.write_text("CODE,GP_PRACTICE,LIST_SIZE\nE83003,OAKLEIGH,9999\n", encoding="utf-8")
    wiz = make_wizard(qtbot, env, [csv])
    assert wiz.prepared.report.kind == "gp-registrations"
    assert any("extract_date=" in w for w in wiz.prepared.report.warnings)   # the core's text
    click(wiz, WizardButton.NextButton, tasks)
    if wiz.currentId() == PAGE_MAPPING:
        click(wiz, WizardButton.NextButton, tasks)
    page = wiz.report_page
    shown = [page.warnings.item(i).text() for i in range(page.warnings.count())]
    assert any("'Extract date' field on this page" in t for t in shown)
    assert not any("extract_date" in t or "option" in t for t in shown)
    edit = page.options_box.edits["extract_date"]
    assert page.options_box.isVisibleTo(page)
    edit.setText("2024-01-01")
    edit.editingFinished.emit()
    qtbot.waitUntil(lambda: wiz.options.get("extract_date") == "2024-01-01", timeout=5000)
    assert tasks.wait(10_000)
    assert not any("extract_date=" in w for w in wiz.prepared.report.warnings)
