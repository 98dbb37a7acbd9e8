"""File ▸ Export: every output format for what the window shows (its last mapping run, the
scenario shown, the neighbourhood selected), written by ``phdesk.export`` off the GUI thread
with progress and cancel, so the window and ``phdesk export`` write the same files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtWidgets

if TYPE_CHECKING:
    from phdesk.ui.main_window import MainWindow
    from phdesk.ui.tasks import Task

# (action key, menu text, extension, file-dialog filter, tip)
FORMATS = [
    ("xlsx", "&Workbook (Excel)…", ".xlsx", "Excel workbook (*.xlsx)",
     "Every table, notes, ideas and sources in one workbook, with a read-me sheet"),
    ("pdf", "&Report (PDF)…", ".pdf", "PDF report (*.pdf)",
     "A report with a page or two per neighbourhood: map, key figures, gaps, notes, ideas"),
    ("geojson", "Map &data (GeoJSON)…", ".geojson", "GeoJSON (*.geojson)",
     "Areas, neighbourhoods and assets with their measures, for GIS (EPSG:4326)"),
    ("png", "Map &image (PNG)…", ".png", "PNG image (*.png)",
     "The map rendered at 1600 x 1200 pixels, 150 dpi"),
    ("csv", "&Tables (CSV)…", ".csv", "CSV tables (*.csv)",
     "The five mapping tables as CSV files"),
]


def add_to_menu(win: MainWindow, menu: QtWidgets.QMenu) -> None:
    """Add one action per format to ``menu`` (File ▸ Export)."""
    for key, text, ext, flt, tip in FORMATS:
        action = win.commands.add(f"file.export.{key}", text,
                                  lambda _=False, e=ext, f=flt: ask_and_export(win, e, f),
                                  tip=tip)
        menu.addAction(action)
    menu.addSeparator()
    menu.addAction(win.commands.add(
        "file.export.disclosure", "Disclosure &rule…", lambda: edit_disclosure_rule(win),
        tip="Set how patient-derived counts are protected in every output"))


def current_view(win: MainWindow) -> tuple[str | None, str | None]:
    """(neighbourhood selected or None, scenario shown or None)."""
    panel = getattr(win, "neighbourhood_panel", None)
    nb = panel.selected() if panel is not None and hasattr(panel, "selected") else None
    state = getattr(win, "view_state", None)
    scenario = getattr(state, "scenario", None) if state is not None else None
    return nb or None, scenario or None


def ask_and_export(win: MainWindow, ext: str, flt: str) -> Task | None:
    nb, scenario = current_view(win)
    stem = Path(win.service.path).stem
    suffix = "-".join(s for s in (scenario, nb) if s)
    start = Path(win.settings.last_export_dir or Path.home()) / \
        f"{stem}{'-' + suffix if suffix else ''}{ext}"
    chosen, _ = QtWidgets.QFileDialog.getSaveFileName(win, "Export", str(start), flt)
    if not chosen:
        return None
    path = Path(chosen)
    if path.suffix.lower() != ext:
        path = path.with_name(path.name + ext)
    return export_view(win, path)


def export_view(win: MainWindow, path: str | Path, **options) -> Task:
    """Export what the window shows to ``path`` in the background; returns the task."""
    from phdesk.export import export

    service = win.service
    nb, scenario = current_view(win)
    fresh = service.last_result is not None and not getattr(win, "changed_since_run", False)
    result = service.last_result if fresh and scenario is None else None
    path = Path(path)

    def job(progress, cancelled):
        return export(service, path, result=result, scenario=scenario,
                      neighbourhoods=[nb] if nb else None, progress=progress,
                      cancelled=cancelled, **options)

    def done(paths) -> None:
        win.settings.last_export_dir = str(path.parent)
        shown = paths[0] if len(paths) == 1 else f"{len(paths)} files in {path.parent}"
        win.statusBar().showMessage(f"Exported {shown}", 10_000)

    return win.tasks.run(job, done, f"Exporting {path.name}")


class DisclosureDialog(QtWidgets.QDialog):
    """File ▸ Export ▸ Disclosure rule: the project's threshold and rounding, or off with a
    reason (saved in the project, stated on every output)."""

    def __init__(self, rule, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Disclosure rule")
        self.enabled = QtWidgets.QCheckBox("&Protect patient-derived counts in every output")
        self.enabled.setChecked(rule.enabled)
        self.threshold = QtWidgets.QSpinBox(minimum=0, maximum=100, value=rule.threshold)
        self.threshold.setAccessibleName("Hide counts from 1 up to")
        self.base = QtWidgets.QSpinBox(minimum=1, maximum=100, value=rule.rounding_base)
        self.base.setAccessibleName("Round other counts to the nearest")
        self.reason = QtWidgets.QLineEdit(rule.reason)
        self.reason.setAccessibleName("Reason for turning disclosure control off")
        self.reason.setPlaceholderText("required to turn it off; recorded in the project")
        self.reason.setMinimumWidth(self.reason.fontMetrics().horizontalAdvance(
            self.reason.placeholderText()) + 24)
        self.reason.setEnabled(not rule.enabled)
        self.enabled.toggled.connect(lambda on: self.reason.setEnabled(not on))
        form = QtWidgets.QFormLayout(self)
        form.addRow(self.enabled)
        form.addRow("&Hide counts from 1 up to:", self.threshold)
        form.addRow("&Round other counts to the nearest:", self.base)
        form.addRow("Reason if &off:", self.reason)
        form.addRow(QtWidgets.QLabel(
            "Census, ONS estimates and the IoD are never altered. The rule is stated on every "
            "output.", wordWrap=True))
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Ok
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def rule(self):
        """The rule as set (UserError if off without a reason)."""
        from phdesk.core.disclosure import DisclosureRule

        return DisclosureRule(threshold=self.threshold.value(),
                              rounding_base=self.base.value(),
                              enabled=self.enabled.isChecked(),
                              reason="" if self.enabled.isChecked() else self.reason.text())


def edit_disclosure_rule(win: MainWindow) -> None:
    from phdesk.core.errors import UserError
    from phdesk.ui.errors import show_error

    dialog = DisclosureDialog(win.service.disclosure_rule(), win)
    while dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted:
        try:
            saved = win.service.set_disclosure_rule(dialog.rule())
        except UserError as exc:
            show_error(win, "Disclosure rule", exc, modal_wait=True)
            continue
        win.statusBar().showMessage(saved.statement()[:120], 10_000)
        return
