"""The import wizard end to end: files, kind, column mapping, report, import, cancel."""

from __future__ import annotations

import importlib
import threading

import pandas as pd
import pytest
from PySide6 import QtCore, QtGui, QtTest, QtWidgets

from phdesk.core.imports import IMPORTERS
from phdesk.services.project_service import ProjectService
from phdesk.store.project import Project
from phdesk.ui.import_wizard import (
    PAGE_DONE,
    PAGE_FILES,
    PAGE_KIND,
    PAGE_MAPPING,
    PAGE_REPORT,
    ImportWizard,
)
from phdesk.ui.provenance_panel import ProvenancePanel
from phdesk.ui.tasks import TaskRunner

WizardButton = QtWidgets.QWizard.WizardButton

ASSETS_CSV = """Site name,Type,Latitude,Longitude,Places,Other name
Kingsbridge Library,Library,51.4930,-0.1290,1,Lib A
Riverside Food Bank,Food bank,51.4962,-0.1201,2,Food B
St Anne's Family Hub,Family hub,51.4895,-0.1350,1,Hub C
Millbrook Advice Centre,Advice,151.49,-0.13,1,Adv D
Eastfield Youth Club,Youth,51.5010,-0.1105,lots,Youth E
"""
CLEAN_CSV = """Name,Category,Latitude,Longitude
Northgate Pharmacy,Pharmacy,51.4950,-0.1250
Westcombe Pharmacy,Pharmacy,51.4900,-0.1400
"""


def _all_importers_present() -> bool:
    try:
        for mod in IMPORTERS.values():
            importlib.import_module(mod)
    except ImportError:
        return False
    return True


@pytest.fixture
def env(qtbot, tmp_path):
    service = ProjectService.create(tmp_path / "w.phdesk")
    window = QtWidgets.QMainWindow()
    qtbot.addWidget(window)
    tasks = TaskRunner(window)
    yield service, tasks, window, tmp_path
    tasks.shutdown()
    service.close()


def make_wizard(qtbot, env, files):
    service, tasks, window, _ = env
    wiz = ImportWizard(service, tasks, files, window)
    qtbot.addWidget(wiz)
    wiz.show()
    qtbot.waitUntil(lambda: wiz.currentId() == PAGE_KIND)
    assert tasks.wait(10_000)
    return wiz


def choose_kind(wiz, tasks, kind):
    """Force a kind through the combo, as the user would."""
    combo = wiz.kind_page.kind_combo
    combo.setCurrentIndex(combo.findData(kind))
    combo.activated.emit(combo.currentIndex())
    assert tasks.wait(10_000)


def click(wiz, which, tasks):
    button = wiz.button(which)
    assert button.isEnabled(), f"{button.text()} is disabled"
    button.click()
    assert tasks.wait(10_000)


def counts(path):
    with Project(path) as p:
        return p.counts()


def test_imports_asset_csv_end_to_end(qtbot, env, tmp_path):
    service, tasks, _, _ = env
    csv = tmp_path / "community_assets.csv"
    csv.write_text(ASSETS_CSV, encoding="utf-8")
    reports = []
    wiz = make_wizard(qtbot, env, [csv])
    wiz.imported.connect(reports.append)
    choose_kind(wiz, tasks, "assets")
    page = wiz.kind_page
    assert "Asset register" in page.reason_label.text()
    assert "latitude/longitude" in page.reason_label.text()       # the reason, from the importer
    assert page.preview.model.rowCount() == 3                     # accepted rows preview

    click(wiz, WizardButton.NextButton, tasks)
    assert wiz.currentId() == PAGE_MAPPING
    mapping = wiz.mapping_page
    assert mapping.combos["name"].currentText() == "Site name"    # the importer's suggestion
    # why rows are rejected is said here already, not only on the next page
    reasons = set(wiz.prepared.report.rejections["reason"])
    assert any(f"Most often: {r} (1 row)" in mapping.summary.text() for r in reasons)
    assert mapping.combos["capacity"].currentText() == "Places"

    click(wiz, WizardButton.NextButton, tasks)
    assert wiz.currentId() == PAGE_REPORT
    report = wiz.report_page
    assert "5 rows read, 3 accepted, 2 rejected" in report.counts.text()
    assert wiz.button(WizardButton.CommitButton).text() == "Import 3 good rows"
    assert counts(service.path)["assets"] == 0                    # nothing written yet

    click(wiz, WizardButton.CommitButton, tasks)
    assert wiz.currentId() == PAGE_DONE
    assert "3 rows imported as assets" in wiz.done_page.summary.text()
    assert [r.rows_accepted for r in reports] == [3]
    after = counts(service.path)
    assert after["assets"] == 3 and after["provenance"] == 1

    prov = ProvenancePanel(service)
    qtbot.addWidget(prov)
    prov.set_frame(service.provenance())
    shown = prov.frame()
    assert len(shown) == 1
    row = shown.iloc[0]
    assert row["file_name"] == "community_assets.csv" and row["kind"] == "assets"
    assert (row["rows_read"], row["rows_accepted"], row["rows_rejected"]) == (5, 3, 2)
    import hashlib
    assert row["sha256"] == hashlib.sha256(csv.read_bytes()).hexdigest()


def test_report_lists_rejected_rows_and_saves_them(qtbot, env, tmp_path):
    _, tasks, _, _ = env
    csv = tmp_path / "assets.csv"
    csv.write_text(ASSETS_CSV, encoding="utf-8")
    wiz = make_wizard(qtbot, env, [csv])
    choose_kind(wiz, tasks, "assets")
    click(wiz, WizardButton.NextButton, tasks)
    click(wiz, WizardButton.NextButton, tasks)
    table = wiz.report_page.rejected
    assert table.model.rowCount() == 2
    frame = table.visible_frame()
    assert list(frame.columns) == ["row", "column", "value", "reason"]
    out = wiz.report_page.save_rejected(tmp_path / "rejected.csv")
    saved = pd.read_csv(out)
    assert list(saved["row"]) == [5, 6]                  # spreadsheet rows (header is row 1)
    assert "outside Great Britain" in saved["reason"].iloc[0]
    assert saved["value"].iloc[1] == "lots"


def test_changing_the_mapping_prepares_again(qtbot, env, tmp_path):
    _, tasks, _, _ = env
    csv = tmp_path / "assets.csv"
    csv.write_text(ASSETS_CSV, encoding="utf-8")
    wiz = make_wizard(qtbot, env, [csv])
    choose_kind(wiz, tasks, "assets")
    click(wiz, WizardButton.NextButton, tasks)
    combo = wiz.mapping_page.combos["name"]
    combo.setCurrentIndex(combo.findText("Other name"))
    combo.activated.emit(combo.currentIndex())
    assert tasks.wait(10_000)
    chosen = {k: v for k, v in wiz.options.items() if v}
    assert chosen == {"name": "Other name", "category": "Type", "latitude": "Latitude",
                      "longitude": "Longitude", "capacity": "Places"}
    assert wiz.prepared.report.details["mapping"]["name"] == "Other name"
    assert set(wiz.mapping_page.preview.model.frame()["name"]) == {"Lib A", "Food B", "Hub C"}
    # a fixed category typed instead of a column
    cat = wiz.mapping_page.category_edit
    cat.setText("Community venue")
    cat.editingFinished.emit()
    assert tasks.wait(10_000)
    assert set(wiz.prepared.preview["category"]) == {"Community venue"}


def test_clean_file_says_import_and_queue_goes_on(qtbot, env, tmp_path):
    service, tasks, _, _ = env
    first, second = tmp_path / "clean.csv", tmp_path / "more.csv"
    first.write_text(CLEAN_CSV, encoding="utf-8")
    second.write_text(ASSETS_CSV, encoding="utf-8")
    wiz = make_wizard(qtbot, env, [first, second])
    assert "File 1 of 2" in wiz.kind_page.file_label.text()
    choose_kind(wiz, tasks, "assets")
    click(wiz, WizardButton.NextButton, tasks)
    click(wiz, WizardButton.NextButton, tasks)
    assert wiz.button(WizardButton.CommitButton).text() == "Import"
    assert not wiz.report_page.rejected.isVisibleTo(wiz.report_page)
    click(wiz, WizardButton.CommitButton, tasks)
    assert counts(service.path)["assets"] == 2
    assert wiz.done_page.next_button.isVisibleTo(wiz.done_page)
    wiz.done_page.next_button.click()
    assert tasks.wait(10_000)
    assert wiz.currentId() == PAGE_KIND
    assert "File 2 of 2" in wiz.kind_page.file_label.text()
    assert wiz.current_path == second


def test_cancel_during_import_leaves_project_unchanged(qtbot, env, tmp_path):
    service, tasks, _, _ = env
    csv = tmp_path / "assets.csv"
    csv.write_text(ASSETS_CSV, encoding="utf-8")
    wiz = make_wizard(qtbot, env, [csv])
    choose_kind(wiz, tasks, "assets")
    click(wiz, WizardButton.NextButton, tasks)
    click(wiz, WizardButton.NextButton, tasks)
    before = counts(service.path)

    # hold the commit on the worker until the user has pressed Cancel
    gate, real_commit = threading.Event(), service.commit_import

    def held_commit(*args, **kwargs):
        assert gate.wait(10)
        return real_commit(*args, **kwargs)

    service.commit_import = held_commit
    wiz.button(WizardButton.CommitButton).click()
    assert wiz.busy
    wiz.button(WizardButton.CancelButton).click()     # asks the job to stop; closes after
    assert wiz.isVisible()
    gate.set()
    assert tasks.wait(10_000)
    assert not wiz.isVisible()
    assert wiz.result() == QtWidgets.QDialog.DialogCode.Rejected
    assert counts(service.path) == before
    assert service.provenance().empty


def test_drop_files_on_first_page(qtbot, env, tmp_path):
    service, tasks, window, _ = env
    csv = tmp_path / "dropped.csv"
    csv.write_text(CLEAN_CSV, encoding="utf-8")
    wiz = ImportWizard(service, tasks, None, window)
    qtbot.addWidget(wiz)
    wiz.show()
    assert wiz.currentId() == PAGE_FILES
    assert not wiz.button(WizardButton.NextButton).isEnabled()
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(csv))])
    page = wiz.files_page
    drop = QtGui.QDropEvent(QtCore.QPointF(10, 10), QtCore.Qt.DropAction.CopyAction, mime,
                            QtCore.Qt.MouseButton.LeftButton, QtCore.Qt.KeyboardModifier.NoModifier)
    page.dropEvent(drop)
    assert page.list.count() == 1 and page.list.item(0).text() == "dropped.csv"
    assert wiz.button(WizardButton.NextButton).isEnabled()


def test_unreadable_file_shows_reason(qtbot, env, tmp_path):
    _, tasks, _, _ = env
    bad = tmp_path / "notes.csv"
    bad.write_text("just,some\nwords,here\n", encoding="utf-8")
    wiz = make_wizard(qtbot, env, [bad])
    choose_kind(wiz, tasks, "assets")
    assert wiz.prepared is None
    assert "notes.csv" in wiz.kind_page.error_label.text()
    assert not wiz.button(WizardButton.NextButton).isEnabled()


@pytest.mark.skipif(not _all_importers_present(), reason="detection needs every importer module")
def test_kind_is_detected(qtbot, env, tmp_path):
    csv = tmp_path / "assets.csv"
    csv.write_text(CLEAN_CSV, encoding="utf-8")
    wiz = make_wizard(qtbot, env, [csv])
    assert wiz.prepared is not None and wiz.prepared.report.kind == "assets"
    assert "detected" in wiz.kind_page.reason_label.text()


def test_stop_while_checking_shows_cancelled(qtbot, env, tmp_path):
    service, tasks, _, _ = env
    csv = tmp_path / "assets.csv"
    csv.write_text(CLEAN_CSV, encoding="utf-8")
    wiz = make_wizard(qtbot, env, [csv])
    gate, real_prepare = threading.Event(), service.prepare_import

    def held_prepare(*args, **kwargs):
        assert gate.wait(10)
        return real_prepare(*args, **kwargs)

    service.prepare_import = held_prepare
    combo = wiz.kind_page.kind_combo
    combo.setCurrentIndex(combo.findData("assets"))
    combo.activated.emit(combo.currentIndex())
    assert wiz.busy and not wiz.button(WizardButton.NextButton).isEnabled()
    wiz.kind_page.strip.stop.click()
    gate.set()
    assert tasks.wait(10_000)
    assert wiz.prepared is None and not wiz.busy
    assert "Cancelled" in wiz.kind_page.error_label.text()
    assert wiz.isVisible()


def test_skip_a_file_that_cannot_be_imported(qtbot, env, tmp_path):
    service, tasks, _, _ = env
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_text("Name,Category,Latitude,Longitude\nA,Library,151.0,-0.1\n", encoding="utf-8")
    good.write_text(CLEAN_CSV, encoding="utf-8")
    wiz = make_wizard(qtbot, env, [bad, good])
    choose_kind(wiz, tasks, "assets")
    click(wiz, WizardButton.NextButton, tasks)
    click(wiz, WizardButton.NextButton, tasks)
    assert wiz.currentId() == PAGE_REPORT
    assert not wiz.button(WizardButton.CommitButton).isEnabled()     # 0 rows accepted
    skip = wiz.button(WizardButton.CustomButton1)
    assert skip.isVisible() and skip.isEnabled()
    skip.click()
    assert tasks.wait(10_000)
    assert wiz.current_path == good and wiz.currentId() == PAGE_KIND
    assert not wiz.button(WizardButton.CustomButton1).isVisible()    # the last file
    choose_kind(wiz, tasks, "assets")
    click(wiz, WizardButton.NextButton, tasks)
    click(wiz, WizardButton.NextButton, tasks)
    click(wiz, WizardButton.CommitButton, tasks)
    text = wiz.done_page.summary.text()
    assert "bad.csv: skipped" in text and "good.csv: 2 rows imported" in text
    assert counts(service.path)["assets"] == 2
    assert not wiz.report_page.strip.isVisibleTo(wiz.report_page)    # no stale progress


def _press_return(qtbot, wiz):
    """Enter as the user presses it: on whichever widget has the keyboard focus."""
    qtbot.waitUntil(lambda: wiz.focusWidget() is not None and wiz.focusWidget().isVisible())
    QtTest.QTest.keyClick(wiz.focusWidget(), QtCore.Qt.Key.Key_Return)


def test_enter_imports_and_goes_on_to_the_next_file(qtbot, env, tmp_path):
    """After a job the focus must not stay on the hidden Stop button: Enter imports on the
    report page and, on the last page, goes on with the next queued file (not Finish)."""
    service, tasks, _, _ = env
    first, second = tmp_path / "clean.csv", tmp_path / "more.csv"
    first.write_text(CLEAN_CSV, encoding="utf-8")
    second.write_text(CLEAN_CSV.replace("Pharmacy", "Dentist"), encoding="utf-8")
    wiz = make_wizard(qtbot, env, [first, second])
    choose_kind(wiz, tasks, "assets")
    click(wiz, WizardButton.NextButton, tasks)
    click(wiz, WizardButton.NextButton, tasks)
    assert wiz.currentId() == PAGE_REPORT
    qtbot.waitUntil(lambda: wiz.focusWidget() is wiz.button(WizardButton.CommitButton))
    _press_return(qtbot, wiz)
    assert tasks.wait(10_000)
    qtbot.waitUntil(lambda: wiz.currentId() == PAGE_DONE)
    assert counts(service.path)["assets"] == 2
    qtbot.waitUntil(lambda: wiz.focusWidget() is wiz.done_page.next_button)
    _press_return(qtbot, wiz)
    assert tasks.wait(10_000)
    assert wiz.currentId() == PAGE_KIND and wiz.current_path == second
    assert wiz.isVisible()


def test_clean_report_keeps_its_lines_together(qtbot, env, tmp_path):
    """No rejected rows: the counts and the warnings line sit together at the top of the page,
    not spread over it with big gaps."""
    _, tasks, _, _ = env
    csv = tmp_path / "clean.csv"
    csv.write_text(CLEAN_CSV, encoding="utf-8")
    wiz = make_wizard(qtbot, env, [csv])
    wiz.resize(900, 700)
    choose_kind(wiz, tasks, "assets")
    click(wiz, WizardButton.NextButton, tasks)
    click(wiz, WizardButton.NextButton, tasks)
    page = wiz.report_page
    assert not page.rejected.isVisibleTo(page)
    line = page.fontMetrics().height()
    qtbot.waitUntil(lambda: page.counts.height() > 0)
    # each label is as tall as its text (a stretched label centres its line in a tall box)
    assert page.counts.height() < 3 * line and page.warnings_label.height() < 3 * line
    assert page.warnings_label.geometry().top() < 5 * line


def test_no_category_column_invites_typing_one(qtbot, env, tmp_path):
    """Without a category column every row gets a category made from the file name: the page
    says so, and the Category field is empty with a hint to type one (not "(not used)")."""
    _, tasks, _, _ = env
    csv = tmp_path / "trafford_general_practices.csv"
    csv.write_text(CLEAN_CSV.replace(",Category", "").replace(",Pharmacy", ""),
                   encoding="utf-8")
    wiz = make_wizard(qtbot, env, [csv])
    choose_kind(wiz, tasks, "assets")
    click(wiz, WizardButton.NextButton, tasks)
    page = wiz.mapping_page
    cat = page.category_edit
    derived = str(wiz.prepared.preview["category"].iloc[0])
    assert cat.text() == "" and "Pharmacy" in cat.placeholderText()
    assert f"every row gets the category '{derived}'" in page.summary.text()
    cat.setText("GP practice")
    cat.editingFinished.emit()
    assert tasks.wait(10_000)
    assert set(wiz.prepared.preview["category"]) == {"GP practice"}
    assert cat.text() == "GP practice"
    assert "every row gets" not in page.summary.text()


def test_importer_choices_are_controls_that_prepare_again(qtbot, env, tmp_path):
    from tests.core.imports import fixtures_vintages as fv

    service, tasks, _, _ = env
    path = tmp_path / "imd.csv"   # no vintage in the headers: the edition is a choice
    path.write_text("code,IMD_rank,IMD_decile\n" + f"{fv.P1},100,1\n", encoding="utf-8")
    wiz = make_wizard(qtbot, env, [path])
    assert wiz.prepared.report.kind == "deprivation"
    combo = wiz.kind_page.choices.combos["edition"]
    assert wiz.kind_page.choices.isVisibleTo(wiz.kind_page)
    assert combo.accessibleName() == "Edition"
    assert "(edition assumed)" in wiz.prepared.report.reason
    combo.setCurrentIndex(combo.findData("2025"))
    combo.activated.emit(combo.currentIndex())
    assert tasks.wait(10_000)
    assert wiz.options == {"edition": "2025"}
    assert wiz.prepared.report.details["edition"] == 2025
    assert "IoD 2025" in wiz.kind_page.reason_label.text()
    assert "(edition given by the user)" in wiz.kind_page.reason_label.text()


def test_done_page_shows_the_project_coverage(qtbot, env, tmp_path):
    from tests.core.imports import fixtures_vintages as fv

    service, tasks, _, _ = env
    path = fv.write_boundaries(tmp_path / "trafford_lsoa21.geojson", 2021)
    wiz = make_wizard(qtbot, env, [path])
    assert wiz.prepared.report.kind == "boundaries"
    click(wiz, WizardButton.NextButton, tasks)
    click(wiz, WizardButton.CommitButton, tasks)
    assert wiz.currentId() == PAGE_DONE
    text = wiz.done_page.summary.text()
    assert "project: 4 areas, 0 residents" in text
    assert "no population: 4 areas" in text
