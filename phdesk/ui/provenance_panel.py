"""Where the project's data came from: one row per import, with the file's SHA-256 checksum.

Planners are asked "which extract is this from?" in every workshop; this panel answers it from the
provenance table (file, kind, when, rows read/accepted/rejected, warnings, checksum).
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from PySide6 import QtCore, QtGui, QtWidgets

from phdesk.ui.tables import FrameView

SHOWN = ["imported_at", "file_name", "kind", "rows_read", "rows_accepted", "rows_rejected",
         "sha256", "warnings"]


def _json_list(text: Any) -> list[str]:
    if not isinstance(text, str) or not text:
        return []
    try:
        value = json.loads(text)
    except ValueError:
        return [text]
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def provenance_table(prov: pd.DataFrame) -> pd.DataFrame:
    """The columns shown: newest first; ``imported_at`` as 'YYYY-MM-DD HH:MM UTC'; warnings as
    their count and the first one."""
    if prov is None or prov.empty:
        return pd.DataFrame(columns=["id", *SHOWN])
    out = prov.reindex(columns=["id", *SHOWN]).copy()
    stamp = pd.to_datetime(out["imported_at"], errors="coerce", utc=True)
    out["imported_at"] = stamp.dt.strftime("%Y-%m-%d %H:%M UTC").fillna(out["imported_at"])
    warn = [_json_list(w) for w in prov.get("warnings", pd.Series([""] * len(prov)))]
    out["warnings"] = [f"{len(w)}: {w[0]}" if len(w) > 1 else (w[0] if w else "") for w in warn]
    return out.sort_values("id", ascending=False, kind="stable").reset_index(drop=True)


class ProvenancePanel(QtWidgets.QWidget):
    """A table of imports plus the full details of the selected one."""

    def __init__(self, service, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self._raw = pd.DataFrame()
        self.table = FrameView("Imports", parent=self)
        self.table.view.setSelectionMode(
            QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.details = QtWidgets.QPlainTextEdit(self)
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Details of the selected import")
        self.details.setMaximumBlockCount(500)
        self.details.setPlaceholderText("Select an import to see its details.")
        self.copy_button = QtWidgets.QPushButton("&Copy checksum", self)
        self.copy_button.setAccessibleName("Copy the SHA-256 checksum of the selected file")
        self.copy_button.setEnabled(False)
        self.copy_button.clicked.connect(self.copy_checksum)
        split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical, self)
        split.addWidget(self.table)
        lower = QtWidgets.QWidget(split)
        lay = QtWidgets.QVBoxLayout(lower)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.details, 1)
        lay.addWidget(self.copy_button, 0, QtCore.Qt.AlignmentFlag.AlignLeft)
        split.addWidget(lower)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(split)
        self.table.view.selectionModel().currentRowChanged.connect(self._show_details)

    def set_frame(self, raw: pd.DataFrame | None) -> None:
        """Show the provenance table (``service.provenance()``, read off the GUI thread: the
        window passes the copy its background load read)."""
        self._raw = raw if raw is not None else pd.DataFrame()
        self.table.set_frame(provenance_table(self._raw))
        self.details.clear()
        self.copy_button.setEnabled(False)

    def frame(self) -> pd.DataFrame:
        """The table as shown (newest import first)."""
        return self.table.model.frame()

    def selected_record(self) -> dict[str, Any] | None:
        index = self.table.view.currentIndex()
        if not index.isValid():
            return None
        row = self.table.proxy.mapToSource(index).row()
        pid = self.table.model.frame()["id"].iloc[row]
        match = self._raw[self._raw["id"] == pid]
        return match.iloc[0].to_dict() if len(match) else None

    def _show_details(self, *_: Any) -> None:
        rec = self.selected_record()
        self.copy_button.setEnabled(rec is not None)
        if rec is None:
            self.details.clear()
            return
        self.details.setPlainText(details_text(rec))

    def copy_checksum(self) -> None:
        """Put the selected file's SHA-256 on the clipboard."""
        rec = self.selected_record()
        if rec is not None:
            QtGui.QGuiApplication.clipboard().setText(str(rec["sha256"]))


def details_text(rec: dict[str, Any]) -> str:
    """Full text of one provenance record."""
    try:
        details = json.loads(rec.get("details") or "{}")
    except ValueError:
        details = {}
    lines = [f"File: {rec.get('file_name')}",
             f"Kind: {rec.get('kind')}" + (f" ({details['reason']})" if details.get("reason")
                                          else ""),
             f"Imported: {rec.get('imported_at')} by phdesk {rec.get('phdesk_version', '')}",
             f"Rows read {rec.get('rows_read')}, accepted {rec.get('rows_accepted')}, "
             f"rejected {rec.get('rows_rejected')}",
             f"SHA-256: {rec.get('sha256')}"]
    warnings = _json_list(rec.get("warnings"))
    lines += [f"Warning: {w}" for w in warnings]
    if details.get("mapping"):
        cols = ", ".join(f"{k} ← {v}" for k, v in details["mapping"].items())
        lines.append(f"Columns used: {cols}")
    return "\n".join(lines)


def _preview() -> int:  # pragma: no cover - manual preview
    """``python -m phdesk.ui.provenance_panel [PNG]``: the demo project's imports."""
    import sys
    import tempfile
    from pathlib import Path

    from phdesk.core.demo import write_demo
    from phdesk.services.project_service import ProjectService

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv)
    path = Path(tempfile.mkdtemp()) / "demo.phdesk"
    write_demo(path)
    service = ProjectService.open(path)
    panel = ProvenancePanel(service)
    panel.set_frame(service.provenance())
    panel.resize(900, 500)
    panel.show()
    if panel.table.model.rowCount():
        panel.table.view.setCurrentIndex(panel.table.proxy.index(0, 1))
    if len(sys.argv) > 1:
        QtCore.QTimer.singleShot(500, lambda: (panel.grab().save(sys.argv[1]), app.quit()))
    return app.exec()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_preview())
