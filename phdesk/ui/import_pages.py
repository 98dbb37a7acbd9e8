"""The pages of the import wizard (see :mod:`phdesk.ui.import_wizard`, which holds the state).

Pages only show the wizard's state and pass the user's choices back to it; all reading, checking
and writing is done by the wizard's jobs on the DB worker.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets

from phdesk.core.errors import UserError
from phdesk.core.imports import KINDS, importer
from phdesk.ui import import_mapping
from phdesk.ui.import_choices import ChoicesBox
from phdesk.ui.import_options import OptionsBox, plain_message
from phdesk.ui.tables import FrameView

if TYPE_CHECKING:
    from phdesk.ui.import_wizard import ImportWizard

Qt = QtCore.Qt
WizardButton = QtWidgets.QWizard.WizardButton
FILE_FILTER = ("Data files (*.csv *.tsv *.txt *.xlsx *.xlsm *.geojson *.json *.shp *.zip *.gpkg);;"
               "All files (*)")
SAMPLE_CSV = """Name,Type,Latitude,Longitude,Places
Kingsbridge Library,Library,51.4930,-0.1290,1
Riverside Food Bank,Food bank,51.4962,-0.1201,2
St Anne's Family Hub,Family hub,51.4895,-0.1350,1
Millbrook Advice Centre,Advice,151.49,-0.13,1
Eastfield Youth Club,Youth,51.5010,-0.1105,lots
"""


PAGE_FILES, PAGE_KIND, PAGE_MAPPING, PAGE_REPORT, PAGE_DONE = range(5)


def kind_labels() -> dict[str, str]:
    """kind -> human label, for the importers that are installed."""
    out = {}
    for kind in KINDS:
        try:
            out[kind] = str(getattr(importer(kind), "LABEL", kind))
        except ImportError:   # an importer not written yet: leave it out of the list
            continue
    return out


def mapping_fields(kind: str) -> list[tuple[str, str, bool]] | None:
    """``(field, label, required)`` for importers that map columns (``FIELDS`` and
    ``suggest_mapping``), else None."""
    try:
        mod = importer(kind)
    except (ImportError, UserError):
        return None
    fields = getattr(mod, "FIELDS", None)
    if not fields or not callable(getattr(mod, "suggest_mapping", None)):
        return None
    if isinstance(fields, dict):
        return [(str(k), str(v), False) for k, v in fields.items()]
    out = []
    for f in fields:
        if isinstance(f, str):
            out.append((f, f, False))
        else:
            f = tuple(f)
            out.append((str(f[0]), str(f[1]) if len(f) > 1 else str(f[0]),
                        bool(f[2]) if len(f) > 2 else False))
    return out


class JobStrip(QtWidgets.QWidget):
    """Progress of the wizard's running job, with a Stop button."""

    def __init__(self, wizard: ImportWizard, parent: QtWidgets.QWidget) -> None:
        super().__init__(parent)
        self.label = QtWidgets.QLabel(self)
        self.bar = QtWidgets.QProgressBar(self)
        self.bar.setRange(0, 1000)
        self.bar.setAccessibleName("Progress")
        self.stop = QtWidgets.QPushButton("&Stop", self)
        self.stop.setAccessibleName("Stop the running step")
        self.stop.clicked.connect(wizard.cancel_job)
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.bar, 1)
        lay.addWidget(self.stop)
        self.hide()

    def set_running(self, running: bool) -> None:
        self.bar.setValue(0)
        self.label.setText("Working…" if running else "")
        self.setVisible(running)

    def show_progress(self, fraction: float, message: str) -> None:
        self.bar.setValue(int(fraction * 1000))
        if message:
            self.label.setText(message)


def _wrap_label(parent: QtWidgets.QWidget, text: str = "", name: str = "") -> QtWidgets.QLabel:
    label = QtWidgets.QLabel(text, parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        label.setAccessibleName(name)
    return label


class _Page(QtWidgets.QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        self.strip = JobStrip(wizard, self)
        wizard.busy_changed.connect(lambda _busy: self._on_prepared())
        wizard.prepared_changed.connect(self._on_prepared)

    def _on_prepared(self) -> None:
        if self.wiz.currentPage() is self:
            self.refresh()
        self.completeChanged.emit()

    def refresh(self) -> None:
        """Show the wizard's state."""


class FilesPage(_Page):
    """Page 1: drop files here or pick them; they are imported one after another."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.setTitle("Choose files")
        self.setSubTitle("Drop files on this page, or choose them. Several files are imported "
                         "one after another.")
        self.setAcceptDrops(True)
        self.list = QtWidgets.QListWidget(self)
        self.list.setAccessibleName("Files to import")
        self.add_button = QtWidgets.QPushButton("&Add files…", self)
        self.add_button.setAccessibleName("Add files to import")
        self.add_button.clicked.connect(self.pick_files)
        self.remove_button = QtWidgets.QPushButton("&Remove", self)
        self.remove_button.setAccessibleName("Remove the selected file from the list")
        self.remove_button.clicked.connect(self._remove_selected)
        hint = _wrap_label(self, wizard.files_hint or
                           "Deprivation indices, boundaries, census and GP registration "
                           "tables, ODS lists, postcode directories, your asset register "
                           "or a neighbourhood lookup: phdesk recognises them by content. "
                           "They are imported in this order: add boundaries and a postcode "
                           "directory first, as other files are placed with them.")
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        lay = QtWidgets.QVBoxLayout(self)
        lay.addWidget(hint)
        lay.addWidget(self.list, 1)
        lay.addLayout(buttons)

    def refresh(self) -> None:
        self.list.clear()
        for i, path in enumerate(self.wiz.queue):
            done = i < self.wiz.position
            item = QtWidgets.QListWidgetItem(("✓ " if done else "") + path.name, self.list)
            item.setToolTip(str(path))
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            if done:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.wiz.current_path is not None

    def pick_files(self) -> None:
        """Choose files with the system dialog."""
        names, _ = QtWidgets.QFileDialog.getOpenFileNames(self, "Files to import", "",
                                                          FILE_FILTER)
        self.wiz.add_files([Path(n) for n in names])

    def _remove_selected(self) -> None:
        for item in self.list.selectedItems():
            self.wiz.remove_file(Path(item.data(Qt.ItemDataRole.UserRole)))

    def dragEnterEvent(self, event: QtGui.QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QtGui.QDragMoveEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QtGui.QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        self.wiz.add_files(paths)
        event.acceptProposedAction()


class KindPage(_Page):
    """Page 2: what phdesk thinks the file is, and why; force another kind; a preview."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.setTitle("What is this file?")
        self.setSubTitle("phdesk recognises files by their content. If it is wrong, choose the "
                         "kind yourself.")
        self.file_label = _wrap_label(self, name="File being checked")
        self.reason_label = _wrap_label(self, name="Detected kind and reason")
        self.error_label = _wrap_label(self, name="Problem with the file")
        self.error_label.setForegroundRole(QtGui.QPalette.ColorRole.Highlight)
        self.kind_combo = QtWidgets.QComboBox(self)
        self.kind_combo.setAccessibleName("Kind of file")
        self.kind_combo.addItem("Detect automatically", None)
        for kind, label in kind_labels().items():
            self.kind_combo.addItem(f"{label} [{kind}]", kind)
        self.kind_combo.activated.connect(self._kind_chosen)
        self.preview = FrameView("Preview", save_label=None, parent=self)
        self.options_box = OptionsBox(wizard, self)
        preview_label = QtWidgets.QLabel("Rows as they will be imported (the first few):", self)
        form = QtWidgets.QFormLayout()
        kind_label = QtWidgets.QLabel("&Kind:", self)
        kind_label.setBuddy(self.kind_combo)
        form.addRow(kind_label, self.kind_combo)
        self.choices = ChoicesBox(self)   # vintage, edition, use, preferred dataset
        lay = QtWidgets.QVBoxLayout(self)
        for w in (self.file_label, self.reason_label, self.error_label):
            lay.addWidget(w)
        lay.addLayout(form)
        lay.addWidget(self.choices)
        lay.addWidget(self.options_box)
        lay.addWidget(preview_label)
        lay.addWidget(self.preview, 1)
        lay.addWidget(self.strip)

    def initializePage(self) -> None:
        wiz = self.wiz
        n, total = wiz.position + 1, len(wiz.queue)
        self.file_label.setText(f"File {n} of {total}: <b>{wiz.current_path.name}</b>"
                                if total > 1 else f"File: <b>{wiz.current_path.name}</b>")
        if wiz.prepared is None and not wiz.busy:
            wiz.prepare(wiz.kind, wiz.options)
        self.refresh()

    def _kind_chosen(self, index: int) -> None:
        kind = self.kind_combo.itemData(index)
        self.wiz.prepare(kind, {})   # another kind: its own columns, so no mapping options

    def refresh(self) -> None:
        prepared = self.wiz.prepared
        self.error_label.setText(plain_message(self.wiz.error))
        self.error_label.setVisible(bool(self.wiz.error))
        self.options_box.refresh(prepared.report.kind if prepared else self.wiz.kind,
                                 [self.wiz.error, *(prepared.report.warnings if prepared else [])])
        if prepared is None:
            self.reason_label.setText("Checking the file…" if self.wiz.busy else "")
            self.preview.set_frame(None)
            self.choices.show_for(None, {})
            return
        rep = prepared.report
        self.choices.show_for(rep.kind, self.wiz.options)
        label = kind_labels().get(rep.kind, rep.kind)
        how = "chosen by you" if self.wiz.kind else "detected"
        self.reason_label.setText(f"{label} — {how}: {rep.reason}")
        i = self.kind_combo.findData(rep.kind) if self.wiz.kind else 0
        self.kind_combo.setCurrentIndex(max(i, 0))
        self.preview.set_frame(prepared.preview)

    def isComplete(self) -> bool:
        return self.wiz.prepared is not None and not self.wiz.busy

    def nextId(self) -> int:
        prepared = self.wiz.prepared
        if prepared is not None and self.wiz.columns and mapping_fields(prepared.report.kind):
            return PAGE_MAPPING
        return PAGE_REPORT


class MappingPage(import_mapping.MappingPage):
    """Page 3: which column holds which field (see :mod:`phdesk.ui.import_mapping`)."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard, JobStrip(wizard, wizard))


class ReportPage(_Page):
    """Page 4: rows read/accepted/rejected, warnings, the rejected rows; then import."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.setTitle("Check the report")
        self.setSubTitle("Nothing has been written yet. Rejected rows are left out; save them to "
                         "fix them in the source file.")
        self.setCommitPage(True)
        self.counts = _wrap_label(self, name="Rows read, accepted and rejected")
        self.warnings_label = QtWidgets.QLabel("Warnings:", self)
        self.warnings = QtWidgets.QListWidget(self)
        self.warnings.setAccessibleName("Warnings")
        self.warnings.setWordWrap(True)
        self.warnings.setMaximumHeight(self.fontMetrics().height() * 5)
        self.error_label = _wrap_label(self, name="Problem with the import")
        self.rejected = FrameView("Rejected rows", save_label="Save rejected rows as CSV…",
                                  parent=self)
        self.options_box = OptionsBox(wizard, self)
        lay = QtWidgets.QVBoxLayout(self)
        lay.addWidget(self.counts)
        lay.addWidget(self.warnings_label)
        lay.addWidget(self.warnings)
        lay.addWidget(self.options_box)
        lay.addWidget(self.error_label)
        lay.addWidget(self.rejected, 1)
        # takes the spare height when there is no rejected-rows table; without it the labels
        # were spread over the whole page with big gaps between them
        self._filler = QtWidgets.QSpacerItem(0, 0, QtWidgets.QSizePolicy.Policy.Minimum,
                                             QtWidgets.QSizePolicy.Policy.Expanding)
        lay.addItem(self._filler)
        lay.addWidget(self.strip)

    def initializePage(self) -> None:
        self.wiz.error = ""
        self.refresh()

    def _fill_spare_height(self, fill: bool) -> None:
        policy = QtWidgets.QSizePolicy.Policy
        self._filler.changeSize(0, 0, policy.Minimum,
                                policy.Expanding if fill else policy.Fixed)
        self.layout().invalidate()

    def refresh(self) -> None:
        prepared = self.wiz.prepared
        self.error_label.setText(plain_message(self.wiz.error))
        self.error_label.setVisible(bool(self.wiz.error))
        if prepared is None:
            return
        rep = prepared.report
        # only the options a message names: the usual ones are on the "What is this file?" page
        self.options_box.refresh(None, [self.wiz.error, *rep.warnings])
        self.counts.setText(f"<b>{rep.file}</b> ({rep.kind}): {rep.rows_read:,} rows read, "
                            f"{rep.rows_accepted:,} accepted, {rep.rows_rejected:,} rejected.")
        self.warnings.clear()
        self.warnings.addItems([plain_message(w) for w in rep.warnings])
        self.warnings.setVisible(bool(rep.warnings))
        self.warnings_label.setText(f"Warnings ({len(rep.warnings)}):" if rep.warnings
                                    else "No warnings.")
        self.rejected.set_frame(rep.sorted_rejections())
        self.rejected.setVisible(rep.rows_rejected > 0)
        self._fill_spare_height(rep.rows_rejected == 0)
        text = (f"Import {rep.rows_accepted:,} good rows" if rep.rows_rejected
                and rep.rows_accepted else "Import")
        self.setButtonText(WizardButton.CommitButton, text)
        if rep.rows_accepted == 0:
            self.error_label.setText("No rows can be imported from this file.")
            self.error_label.show()

    def save_rejected(self, path: str | Path | None = None) -> Path | None:
        """Write the rejected rows (row, column, value, reason) to a CSV file."""
        return self.rejected.save_csv(path)

    def isComplete(self) -> bool:
        p = self.wiz.prepared
        return p is not None and p.report.rows_accepted > 0 and not self.wiz.busy

    def validatePage(self) -> bool:
        if self.wiz.committed is not None:
            return True
        self.wiz.commit()   # goes on to the last page when the import is done
        return False


class DonePage(_Page):
    """Page 5: what was imported; go on with the next queued file."""

    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__(wizard)
        self.setTitle("Done")
        self.setSubTitle("The project has been saved.")
        self.setFinalPage(True)
        self.summary = _wrap_label(self, name="Summary of the import")
        self.next_button = QtWidgets.QPushButton(self)
        self.next_button.setAccessibleName("Import the next file")
        self.next_button.clicked.connect(wizard.start_next_file)
        lay = QtWidgets.QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.next_button, 0, Qt.AlignmentFlag.AlignLeft)
        lay.addStretch(1)

    def initializePage(self) -> None:
        lines = []
        for o in self.wiz.outcomes:
            rep = o.report
            if rep is None:
                lines.append(f"• {o.path.name}: skipped, nothing imported")
                continue
            lines.append(f"• {o.path.name}: {rep.rows_accepted:,} rows imported as {rep.kind}"
                         + (f", {rep.rows_rejected:,} rejected rows left out"
                            if rep.rows_rejected else "")
                         + (f" ({len(rep.warnings)} warning"
                            f"{'s' if len(rep.warnings) != 1 else ''})" if rep.warnings else ""))
        # the project as it now stands: areas/residents without a decile or population, Core20
        done = [o.report for o in self.wiz.outcomes if o.report is not None]
        if done and done[-1].details.get("coverage_text"):
            lines += ["", *done[-1].details["coverage_text"]]
        self.summary.setText("\n".join(lines) if lines else "Nothing imported.")
        rest = self.wiz.remaining()
        self.next_button.setVisible(bool(rest))
        if rest:
            self.next_button.setText(f"Import the &next file: {rest[0].name} "
                                     f"({len(rest)} left)")

    def nextId(self) -> int:
        return -1

