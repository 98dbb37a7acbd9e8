"""The import wizard: pick files, check what they are, map columns, review the report, import.

Every file goes through ``ProjectService.prepare_import`` (read and validate, write nothing) and
then ``commit_import`` (one transaction); both run on the task runner's DB worker with progress
and cancel, so the window never freezes, and a cancelled import leaves the project as it was.
Several files are queued and imported one after another. The pages live in
:mod:`phdesk.ui.import_pages`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6 import QtCore, QtWidgets

from phdesk.core.errors import UserError
from phdesk.core.imports import Sample, importer
from phdesk.ui import import_pages as pages
from phdesk.ui.errors import error_text
from phdesk.ui.import_pages import (
    PAGE_DONE,
    PAGE_FILES,
    PAGE_KIND,
    PAGE_MAPPING,
    PAGE_REPORT,
    mapping_fields,
)

log = logging.getLogger(__name__)
PRESET_TITLES = {"notes": "Import survey or workshop comments"}
PRESET_HINTS = {"notes": (
    "A CSV or Excel file of comments from a survey or a workshop, one comment a row: a column "
    "such as Comment, Response or Feedback; and, if you have them, who it came from (resident, "
    "VCSE, clinician, council), tags or themes, a date, and where it is about: a postcode, an "
    "area (LSOA) code or a neighbourhood name. Each becomes a note pinned to its place.")}


@dataclass
class Outcome:
    """What happened to one queued file (for the summary page)."""

    path: Path
    report: Any | None    # ImportReport; None when the user skipped the file


class ImportWizard(QtWidgets.QWizard):
    """Import one or more files into the open project.

    Parameters
    ----------
    service
        The ``ProjectService`` (``prepare_import``, ``commit_import``).
    tasks
        The window's ``TaskRunner``.
    paths
        Files to start with (more can be dropped or picked on the first page).
    kind
        Read every file as this kind instead of detecting it (the notes panel's "Import
        comments…" gives ``notes``); the kind page still lets the user change it.
    """

    imported = QtCore.Signal(object)   # ImportReport, after each committed file
    busy_changed = QtCore.Signal(bool)
    prepared_changed = QtCore.Signal()

    def __init__(self, service, tasks, paths: list[Path] | None = None,
                 parent: QtWidgets.QWidget | None = None, kind: str | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.tasks = tasks
        self.preset_kind = kind
        self.setWindowTitle(PRESET_TITLES.get(kind, "Import files"))
        self.files_hint = PRESET_HINTS.get(kind, "")   # what to choose, on the files page
        self.setWizardStyle(QtWidgets.QWizard.WizardStyle.ClassicStyle)
        self.setOption(QtWidgets.QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QtWidgets.QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        # "Skip this file": with several files queued, one bad file must not block the rest
        self.setOption(QtWidgets.QWizard.WizardOption.HaveCustomButton1, True)
        self.setButtonText(QtWidgets.QWizard.WizardButton.CustomButton1, "S&kip this file")
        self.button(QtWidgets.QWizard.WizardButton.CustomButton1).setAccessibleName(
            "Skip this file and go on with the next one")
        self.button(QtWidgets.QWizard.WizardButton.CustomButton1).clicked.connect(
            lambda: self.skip_file())
        self.currentIdChanged.connect(lambda _id: self._update_skip())
        self.currentIdChanged.connect(
            lambda _id: QtCore.QTimer.singleShot(0, self, self.focus_primary))
        self.queue: list[Path] = []
        self.position = 0                       # index in queue of the file being imported
        self.outcomes: list[Outcome] = []
        self.kind: str | None = kind            # forced by the user; None = detect
        self.options: dict[str, Any] = {}
        self.prepared = None
        self.columns: list[str] = []
        self.error = ""
        self.committed = None
        self.busy = False
        self._task = None
        self._cancel = threading.Event()
        self._closing = False

        self.files_page = pages.FilesPage(self)
        self.kind_page = pages.KindPage(self)
        self.mapping_page = pages.MappingPage(self)
        self.report_page = pages.ReportPage(self)
        self.done_page = pages.DonePage(self)
        for pid, page in [(PAGE_FILES, self.files_page), (PAGE_KIND, self.kind_page),
                          (PAGE_MAPPING, self.mapping_page), (PAGE_REPORT, self.report_page),
                          (PAGE_DONE, self.done_page)]:
            self.setPage(pid, page)
        self.setStartId(PAGE_FILES)
        line = self.fontMetrics().height()   # sized in text lines: no fixed pixels or fonts
        self.resize(line * 60, line * 36)
        if paths:
            self.add_files(paths)
            # start on the kind page straight away: the user has already chosen the files
            QtCore.QTimer.singleShot(0, self, self._skip_files_page)

    # -- the queue -----------------------------------------------------------------------------
    def add_files(self, paths: list[Path | str]) -> None:
        """Queue files (duplicates of queued files are ignored)."""
        for p in paths:
            p = Path(p)
            if p.is_file() and p not in self.queue[self.position:]:
                self.queue.append(p)
        self.files_page.refresh()

    def remove_file(self, path: Path) -> None:
        if path in self.queue[self.position:]:
            self.queue.remove(path)
        self.files_page.refresh()

    @property
    def current_path(self) -> Path | None:
        return self.queue[self.position] if self.position < len(self.queue) else None

    def remaining(self) -> list[Path]:
        """Queued files after the current one."""
        return self.queue[self.position + 1:]

    def _skip_files_page(self) -> None:
        if self.currentId() == PAGE_FILES and self.current_path is not None:
            self.next()

    def start_next_file(self) -> None:
        """After one file is done: go on with the next queued file."""
        if not self.remaining():
            return
        self.position += 1
        self._reset_file()
        self.restart()
        self.next()

    def skip_file(self) -> None:
        """Leave the current file out and go on with the next queued one."""
        if self.busy or not self.remaining():
            return
        self.outcomes.append(Outcome(self.current_path, None))
        self.start_next_file()

    def _update_skip(self) -> None:
        button = self.button(QtWidgets.QWizard.WizardButton.CustomButton1)
        button.setVisible(bool(self.remaining()) and self.currentId() in
                          (PAGE_KIND, PAGE_MAPPING, PAGE_REPORT))
        button.setEnabled(not self.busy)

    def _reset_file(self) -> None:
        self.kind, self.options, self.prepared, self.columns = self.preset_kind, {}, None, []
        self.error, self.committed = "", None

    def focus_primary(self) -> None:
        """Give the keyboard focus to the button Enter should press on this page, unless a
        visible control has it. A finished job hides the Stop button that held the focus (the
        Import button had been disabled under it): Enter then did nothing at all."""
        fw = QtWidgets.QApplication.focusWidget()
        if (fw is not None and self.isAncestorOf(fw) and fw.isVisible() and fw.isEnabled()
                and not isinstance(fw, QtWidgets.QAbstractButton)):
            return   # the user is in a field (a column combo, the filter): leave them there
        page = self.currentPage()
        wb = QtWidgets.QWizard.WizardButton
        candidates = [getattr(page, "next_button", None)] + [
            self.button(b) for b in (wb.CommitButton, wb.NextButton, wb.FinishButton)]
        for button in candidates:
            if button is not None and button.isVisible() and button.isEnabled():
                button.setFocus(QtCore.Qt.FocusReason.OtherFocusReason)
                return

    # -- jobs ----------------------------------------------------------------------------------
    def _run(self, fn: Callable[[Any, Any], Any], on_done: Callable[[Any], None], label: str
             ) -> None:
        """Run ``fn(progress, cancelled)`` on the DB worker; the wizard's Cancel stops it too."""
        self._cancel = threading.Event()
        flag = self._cancel
        self._set_busy(True)

        def job(progress, cancelled):
            return fn(progress, lambda: cancelled() or flag.is_set())

        self._task = task = self.tasks.run(job, on_done, label, on_error=self._on_error)
        task.progressed.connect(self._on_progress)
        task.finished.connect(self._on_finished)

    def _on_progress(self, fraction: float, message: str) -> None:
        page = self.currentPage()
        if hasattr(page, "strip"):
            page.strip.show_progress(fraction, message)

    def _on_finished(self, status: str) -> None:
        self._task = None
        self._set_busy(False)
        QtCore.QTimer.singleShot(0, self, self.focus_primary)   # after the buttons' states update
        if status == "cancelled":
            self.error = "Cancelled; nothing was changed."
            self.prepared_changed.emit()
        if self._closing:
            super().reject()

    def _on_error(self, exc: BaseException) -> None:
        if not isinstance(exc, UserError):
            log.error("import step failed", exc_info=(type(exc), exc, exc.__traceback__))
        text, info = error_text(exc)
        self.error = f"{text} {info}".strip()
        self.prepared_changed.emit()

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        # every page's strip: a commit ends after the wizard has moved on to the last page
        for pid in self.pageIds():
            strip = getattr(self.page(pid), "strip", None)
            if strip is not None:
                strip.set_running(busy and self.page(pid) is self.currentPage())
        self.busy_changed.emit(busy)
        self._update_skip()

    def cancel_job(self) -> None:
        """Ask the running prepare/commit to stop (the core rolls back a commit)."""
        self._cancel.set()
        if self._task is not None:
            self._task.cancel()

    def prepare(self, kind: str | None = None, options: dict[str, Any] | None = None) -> None:
        """Read and check the current file (again), with a forced kind and column options."""
        path = self.current_path
        if path is None:
            return
        self.kind = kind
        self.options = dict(options or {})
        self.prepared, self.error = None, ""
        self.prepared_changed.emit()
        service = self.service

        def job(progress, cancelled):
            prepared = service.prepare_import(path, kind=kind, options=self.options or None,
                                              progress=progress, cancelled=cancelled)
            cols = []
            kind_module = importer(prepared.report.kind)
            if mapping_fields(prepared.report.kind):
                # GeoJSON too: its feature properties are the columns to map
                cols = (kind_module.mappable_columns(path)
                        if hasattr(kind_module, "mappable_columns")
                        else [c for c in Sample(path).columns if not str(c).startswith("__")])
            return prepared, cols

        def done(result) -> None:
            self.prepared, self.columns = result
            self.prepared_changed.emit()

        self._run(job, done, f"Checking {path.name}")

    def commit(self) -> None:
        """Import the checked file's accepted rows."""
        prepared = self.prepared
        if prepared is None or self.busy or prepared.report.rows_accepted == 0:
            return
        partial = prepared.report.rows_rejected > 0
        service = self.service

        def job(progress, cancelled):
            return service.commit_import(prepared, accept_partial=partial, progress=progress,
                                         cancelled=cancelled)

        def done(report) -> None:
            self.committed = report
            self.outcomes.append(Outcome(prepared.path, report))
            self.imported.emit(report)
            self.next()

        self._run(job, done, f"Importing {prepared.path.name}")

    # -- closing -------------------------------------------------------------------------------
    def reject(self) -> None:
        """Cancel: stop a running job first (nothing is written), then close."""
        if self.busy:
            self._closing = True
            self.cancel_job()
            return
        super().reject()


def _preview() -> int:  # pragma: no cover - manual preview
    """``python -m phdesk.ui.import_wizard [PNG]``: import a small asset CSV into the demo."""
    import sys
    import tempfile

    from phdesk.core.demo import write_demo
    from phdesk.services.project_service import ProjectService
    from phdesk.ui.tasks import TaskRunner

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv)
    folder = Path(tempfile.mkdtemp())
    write_demo(folder / "demo.phdesk")
    csv = folder / "community_assets.csv"
    csv.write_text(pages.SAMPLE_CSV, encoding="utf-8")
    service = ProjectService.open(folder / "demo.phdesk")
    window = QtWidgets.QMainWindow()
    tasks = TaskRunner(window)
    wizard = ImportWizard(service, tasks, [csv], window)
    wizard.show()
    if len(sys.argv) > 1:
        def shoot() -> None:
            tasks.wait()
            while wizard.currentId() < PAGE_REPORT:
                wizard.next()
                tasks.wait()
            wizard.grab().save(sys.argv[1])
            app.quit()
        QtCore.QTimer.singleShot(500, shoot)
    return app.exec()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_preview())
