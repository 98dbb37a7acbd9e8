"""Issue 10: survey or workshop comments are imported from the window (the notes panel's
Import comments… opens the import wizard reading them as notes), with the usual report, and
the notes list shows them at once; nothing mapping reads is changed, so mapping is not rerun."""

from __future__ import annotations

from PySide6 import QtWidgets

from phdesk.ui.import_pages import PAGE_DONE, PAGE_KIND, PAGE_REPORT
from phdesk.ui.import_wizard import ImportWizard

WizardButton = QtWidgets.QWizard.WizardButton

# the layout of a survey export: strong column names, one comment per row
COMMENTS_CSV = """Response,Respondent type,Neighbourhood,Themes,Date submitted
The 47 bus stops at 6pm: no evening clinics,Local resident,Eastfield,transport,2025-03-04
Leaflets only in English; many families here read Bengali,VCSE group,Westcombe,language,2025-03-05
,Local resident,Eastfield,cost,2025-03-06
Food bank queue is long on Mondays,Council officer,Nowhere Town,cost,2025-03-06
"""


def test_notes_panel_imports_comments_through_the_wizard(make_main_window, qtbot, tmp_path):
    win = make_main_window()
    panel = win.notes_panel
    qtbot.waitUntil(lambda: len(panel.notes) > 0, timeout=10_000)
    before = len(panel.notes)
    had_result = win.service.last_result
    csv = tmp_path / "survey.csv"
    csv.write_text(COMMENTS_CSV, encoding="utf-8")

    assert panel.import_button.isEnabled()
    panel.import_button.click()
    wiz = win.findChild(ImportWizard)
    assert wiz is not None and wiz.isVisible()
    assert "comments" in wiz.windowTitle() and "postcode" in wiz.files_hint
    wiz.add_files([csv])
    wiz.next()
    qtbot.waitUntil(lambda: wiz.currentId() == PAGE_KIND, timeout=5000)
    assert win.tasks.wait(30_000)
    report = wiz.prepared.report
    assert report.kind == "notes"
    wiz.button(WizardButton.NextButton).click()
    assert win.tasks.wait(30_000)
    assert wiz.currentId() == PAGE_REPORT
    counts = wiz.report_page.counts.text()
    assert "4 rows read, 2 accepted, 2 rejected" in counts
    reasons = set(wiz.prepared.report.rejections["reason"])
    assert any("neighbourhood" in r for r in reasons)      # the place not found, said so
    wiz.button(WizardButton.CommitButton).click()
    assert win.tasks.wait(30_000)
    assert wiz.currentId() == PAGE_DONE
    assert "2 rows imported" in wiz.done_page.summary.text()

    qtbot.waitUntil(lambda: len(panel.notes) == before + 2, timeout=15_000)
    assert win.tasks.wait(30_000)
    texts = panel.notes["text"].tolist()
    assert any(t.startswith("The 47 bus") for t in texts)
    new = panel.notes[panel.notes["text"].str.startswith("Leaflets")].iloc[0]
    assert new["neighbourhood"] == "Westcombe" and new["source_kind"] == "VCSE"
    assert win.service.last_result is had_result           # insight only: no mapping rerun
    wiz.close()


def test_an_empty_notes_list_says_how_to_fill_it(make_main_window, tmp_path, qtbot):
    from phdesk.ui.notes_panel import NO_NOTES

    win = make_main_window()
    assert win.open_path(tmp_path / "new.phdesk", create=True)
    assert win.tasks.wait(30_000)
    qtbot.waitUntil(lambda: win.notes_panel.count_label.text() == NO_NOTES, timeout=10_000)
    assert "Import comments" in NO_NOTES


def test_import_comments_is_off_when_read_only(make_main_window, demo_path):
    first = make_main_window(demo_path)
    second = make_main_window(demo_path)
    second.read_only_message.close()
    assert not second.notes_panel.import_button.isEnabled()
    assert "Read-only" in second.notes_panel.import_button.toolTip()
    second.notes_panel.open_import()                        # even if called: refused, said
    assert second.findChild(ImportWizard) is None
    assert "Read-only" in second.statusBar().currentMessage()
    second.close()
    first.close()
