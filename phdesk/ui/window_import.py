"""The main window's import and export commands: the import wizard (File ▸ Import…, dropped
files), one refresh after a batch of imports, and PNG export.

Why it exists: main_window.py holds the window's project and panels; bringing files in and
pictures out is its own job, kept here as a mixin :class:`~phdesk.ui.main_window.MainWindow`
inherits.
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtGui

from phdesk.ui import panels

INSIGHT_KINDS = {"notes"}   # imports that change nothing mapping reads


class WindowImport:
    """Import, export and drag-and-drop, for :class:`MainWindow`."""

    def open_import_wizard(self, files: list[Path] | None = None,
                           kind: str | None = None) -> None:
        """File ▸ Import…: the import wizard (for dropped files too); ``kind`` reads every file
        as that kind (the notes panel's Import comments…: ``notes``)."""
        if self.service is None:
            self.statusBar().showMessage("The project is still opening; try again shortly.", 5000)
            return
        if self.read_only:
            self.statusBar().showMessage(f"Read-only ({self.read_only_reason}): nothing can be "
                                         "imported here.", 8000)
            return
        wizard = panels.make_import_wizard(self.service, self.tasks, files, self, kind)
        if wizard is None:
            return
        imported = getattr(wizard, "imported", None)
        if imported is not None:
            imported.connect(self._after_import)
        if files:
            self.settings.last_import_dir = str(Path(files[0]).parent)
        wizard.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.open()

    def _after_import(self, report=None) -> None:
        """Refresh once the wizard has finished a batch (one refresh for several files)."""
        kind = getattr(report, "kind", "")
        self.imported_kinds = getattr(self, "imported_kinds", set()) | {kind}
        if kind not in INSIGHT_KINDS:
            self.changed_since_run = True
        self._import_refresh.start()

    def _refresh_after_import(self) -> None:
        kinds, self.imported_kinds = getattr(self, "imported_kinds", set()), set()
        panels.call(self.notes_panel, "reload")   # imported notes: the list and their pins
        if kinds and kinds <= INSIGHT_KINDS:      # nothing mapping reads changed: no rerun
            self.reload(refresh_register=False)
            return
        # The old result no longer matches the data: repeat the last run on the new data.
        had_result = self.service.last_result is not None
        self.service.invalidate()
        self.service.last_result = None
        self.reload(rerun_mapping=had_result)

    def export_png(self, which: str, path: str | Path | None = None):
        """File ▸ Export ▸ map or charts as PNG, rendered through the export path (never
        grabbed); returns the background task (None when nothing can be exported yet)."""
        from phdesk.ui import export_actions

        return export_actions.export_png(self, which, path)

    # -- drag and drop -----------------------------------------------------------------------------
    def dragEnterEvent(self, event: QtGui.QDragEnterEvent) -> None:
        if any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QtGui.QDropEvent) -> None:
        files = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.open_import_wizard(files)
