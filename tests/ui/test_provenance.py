"""The provenance panel lists every import (file, kind, when, rows, warnings, SHA-256)."""

from __future__ import annotations

import hashlib

from PySide6 import QtGui

from phdesk.core.imports import run_import
from phdesk.services.project_service import ProjectService
from phdesk.ui.provenance_panel import ProvenancePanel

CSV = """Name,Category,Latitude,Longitude,Capacity
Library,Library,51.4930,-0.1290,1
Food bank,Food bank,51.4962,-0.1201,-4
"""


def test_lists_imports_newest_first_with_checksum(qtbot, tmp_path):
    service = ProjectService.create(tmp_path / "p.phdesk")
    panel = ProvenancePanel(service)
    qtbot.addWidget(panel)
    assert panel.table.model.rowCount() == 0

    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text(CSV, encoding="utf-8")
    second.write_text(CSV.replace("Library,Library", "Museum,Museum"), encoding="utf-8")
    run_import(service.project, first, kind="assets", accept_partial=True)
    run_import(service.project, second, kind="assets", accept_partial=True)
    panel.set_frame(service.provenance())

    shown = panel.frame()
    assert list(shown["file_name"]) == ["second.csv", "first.csv"]
    assert list(shown["rows_rejected"]) == [1, 1]
    assert shown["sha256"].iloc[1] == hashlib.sha256(first.read_bytes()).hexdigest()
    assert shown["imported_at"].iloc[0].endswith("UTC")

    # the details of the selected import, and its checksum to the clipboard
    panel.table.view.setCurrentIndex(panel.table.proxy.index(1, 1))
    text = panel.details.toPlainText()
    assert "File: first.csv" in text and "rejected 1" in text
    assert hashlib.sha256(first.read_bytes()).hexdigest() in text
    panel.copy_checksum()
    assert QtGui.QGuiApplication.clipboard().text() == shown["sha256"].iloc[1]
    service.close()


def test_warnings_shown(qtbot, tmp_path):
    service = ProjectService.create(tmp_path / "p.phdesk")
    csv = tmp_path / "a.csv"
    csv.write_text(CSV, encoding="utf-8")
    run_import(service.project, csv, kind="assets", accept_partial=True)
    run_import(service.project, csv, kind="assets", accept_partial=True)  # "imported before"
    panel = ProvenancePanel(service)
    qtbot.addWidget(panel)
    panel.set_frame(service.provenance())
    assert "imported before" in panel.frame()["warnings"].iloc[0]
    assert panel.frame()["warnings"].iloc[1] == ""
    service.close()
