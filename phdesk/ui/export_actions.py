"""File ▸ Export: every output format for what the window shows (its last mapping run, the
scenario shown, the neighbourhood selected), written by ``phdesk.export`` off the GUI thread
with progress and cancel, so the window and ``phdesk export`` write the same files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets

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
    ("png_gaps", "&Gap chart image (PNG)…", ".png", "PNG image (*.png)",
     "The biggest gaps chart rendered at 1600 x 1200 pixels, 150 dpi"),
    ("csv", "&Tables (CSV)…", ".csv", "CSV tables (*.csv)",
     "The five mapping tables as CSV files"),
]


def add_to_menu(win: MainWindow, menu: QtWidgets.QMenu) -> None:
    """Add one action per format to ``menu`` (File ▸ Export)."""
    for key, text, ext, flt, tip in FORMATS:
        options = {"what": "gaps"} if key == "png_gaps" else {}
        action = win.commands.add(
            f"file.export.{key}", text,
            lambda _=False, e=ext, f=flt, o=options: ask_and_export(win, e, f, **o), tip=tip)
        menu.addAction(action)
    # after the window shows (the workshop module is not needed to paint it)
    QtCore.QTimer.singleShot(0, win, lambda: install_screen_rule(win))
    menu.addSeparator()
    menu.addAction(win.commands.add(
        "file.export.disclosure", "Disclosure ru&le…", lambda: edit_disclosure_rule(win),
        tip="Set how patient-derived counts are protected in every output"))


def current_view(win: MainWindow) -> tuple[str | None, str | None]:
    """(neighbourhood selected or None, scenario shown or None)."""
    panel = getattr(win, "neighbourhood_panel", None)
    nb = panel.selected() if panel is not None and hasattr(panel, "selected") else None
    state = getattr(win, "view_state", None)
    scenario = getattr(state, "scenario", None) if state is not None else None
    return nb or None, scenario or None


def ask_and_export(win: MainWindow, ext: str, flt: str, **options) -> Task | None:
    nb, scenario = current_view(win)
    stem = Path(win.service.path).stem
    what = options.get("what")   # a PNG's picture: "map" or "gaps", named in the file name
    suffix = "-".join(s for s in (scenario, nb, what) if s)
    start = Path(win.settings.last_export_dir or Path.home()) / \
        f"{stem}{'-' + suffix if suffix else ''}{ext}"
    title = {"map": "Export the map", "gaps": "Export the gaps chart"}.get(what, "Export")
    chosen, _ = QtWidgets.QFileDialog.getSaveFileName(win, title, str(start), flt)
    if not chosen:
        return None
    path = Path(chosen)
    if path.suffix.lower() != ext:
        path = path.with_name(path.name + ext)
    return export_view(win, path, **options)


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


# the window's older "Export map / charts as PNG" commands (Ctrl+E, Ctrl+Shift+E) -> what the
# export path renders (never a grab of the screen: issue "rendered, not grabbed")
PNG_OF = {"map": "map", "charts": "gaps"}


def export_png(win: MainWindow, which: str, path: str | Path | None = None) -> Task | None:
    """File ▸ Export map / charts as PNG through the export path (rendered from the data at
    1600 x 1200 pixels, 150 dpi, under the disclosure rule); asks for a file name when none is
    given. Returns the background task (None when there is nothing to export yet)."""
    if getattr(win, "service", None) is None:
        win.statusBar().showMessage("The project is still opening; export when it has opened.",
                                    5000)
        return None
    what = PNG_OF.get(which, which)
    shade = map_shading(win) if what == "map" else {}
    if path is None:
        return ask_and_export(win, ".png", "PNG image (*.png)", what=what, **shade)
    path = Path(path)
    if path.suffix.lower() != ".png":
        path = path.with_name(path.name + ".png")
    return export_view(win, path, what=what, **shade)


def map_shading(win: MainWindow) -> dict:
    """The PNG map's shading options for what the window's map shows: its measure and level,
    and for a measure from the run, the category and segment (``report_shading.shading``)."""
    measure = getattr(win.map_panel, "current_measure", lambda: None)()
    if measure is None:
        return {}
    options = {"measure": measure.key, "level": measure.level}
    if measure.source == "result":
        state = win.view_state
        options.update(category=state.get("category"), segment=state.get("segment") or "All")
    return options


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
    """The rule dialog; the rule is saved on the DB worker (then read back for the screen)."""
    from phdesk.core.errors import UserError
    from phdesk.ui.errors import show_error

    _, current, _ = protection(win)
    dialog = DisclosureDialog(current, win)
    while dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted:
        try:
            rule = dialog.rule()
        except UserError as exc:
            show_error(win, "Disclosure rule", exc, modal_wait=True)
            continue
        service = win.service

        def done(saved) -> None:
            win.statusBar().showMessage(saved.statement()[:120], 10_000)
            refresh_disclosure(win)

        win.tasks.run(lambda progress, cancelled, s=service, r=rule: s.set_disclosure_rule(r),
                      done, "Saving the disclosure rule", cancellable=False)
        return


def refresh_disclosure(win: MainWindow) -> None:
    """Read the project's rule and segment classes on the DB worker into ``win`` (the screen's
    tables and *Save as CSV* use them on the GUI thread, which must not touch the database)."""
    service = win.service
    if service is None:
        return

    def job(progress, cancelled):
        from phdesk.core.disclosure import segment_classes
        from phdesk.core.segments import project_segments
        from phdesk.export.bundle import sum_candidates

        t = project_segments(service.project)
        classes = segment_classes(t.kinds, t.info.get("population_source"),
                                  t.info.get("user_segments_from_extracts", []))
        return {"service": service, "rule": service.disclosure_rule(), "classes": classes,
                "candidates": sum_candidates(service)}

    def done(cache) -> None:
        if cache["service"] is win.service:
            win.disclosure_cache = cache

    win.tasks.run(job, done, "Reading the disclosure rule", cancellable=False)


def protection(win: MainWindow, result=None) -> tuple[dict, object, dict]:
    """(segment classes, rule, segment sums) for what the window shows, without the database:
    the run's own record of its segments, the rule read by :func:`refresh_disclosure` (the
    default rule until it has been read)."""
    from phdesk.core.disclosure import DisclosureRule
    from phdesk.core.segments import CORE20, QUINTILES

    cache = getattr(win, "disclosure_cache", None)
    if cache is not None and cache["service"] is not win.service:
        cache = None
    classes = dict(cache["classes"]) if cache else {}
    summary = getattr(result, "summary", None) or {}
    if summary.get("segment_kinds") is not None:
        from phdesk.export.bundle import classes_of

        classes = classes_of(result, None)
    elif result is not None and not cache:   # nothing known: every segment is protected
        classes = dict.fromkeys(map(str, result.area_access["segment"].unique()), "patient")
    rule = cache["rule"] if cache else DisclosureRule()
    sums = cache["candidates"] if cache else {"All": list(QUINTILES), CORE20: [QUINTILES[0]]}
    return classes, rule, sums


def install_screen_rule(win: MainWindow) -> None:
    """Workshop mode shows its figures under the project's disclosure rule (the same rule as
    the exports; ``phdesk.core.disclosure_screen``)."""
    from phdesk.ui import workshop

    def rule(kind, table):
        return screen_rule(win, kind, table)

    workshop.set_disclosure(rule)
    refresh_disclosure(win)
    signal = getattr(win, "mapping_finished", None)
    if signal is not None:
        signal.connect(lambda *_: refresh_disclosure(win))


GAP_COLUMNS = {"gap_score": "gap_score", "coverage_pct": "coverage_pct",
               "population": "population"}   # the ranking puts small segments last


def screen_rule(win: MainWindow, kind: str, table):
    """What workshop mode may show of ``table``: the exports' protection of the whole result
    (gaps) or of the whole comparison (reach), the rows looked up by their index; figures by
    ``disclosure_screen.screen_table``. Protections are kept per result and rule."""
    from phdesk.core.disclosure_screen import LOST, NET, NEW, screen_from_protected, screen_table

    result = window_result(win)
    classes, rule, sums = protection(win, result)
    if not rule.enabled or table is None or table.empty:
        return table
    if kind == "gaps" and result is not None:
        ns = _protected(win, ("gaps", rule), result, lambda: _protect_result(
            result, classes, rule, sums))
        return screen_from_protected(table, ns, GAP_COLUMNS, classes)
    cmp = getattr(getattr(win, "workshop", None), "comparison", None)
    if kind == "reach" and cmp is not None and len(getattr(cmp, "runs", ())) == 2:
        reach = _protected(win, ("reach", rule), cmp, lambda: _protect_reach(
            cmp, classes, rule, sums))
        return screen_from_protected(table, reach, {
            "newly_within_reach": NEW, "no_longer_within_reach": LOST, "net_change": NET},
            classes)
    return screen_table(kind, table, classes, rule)


def window_result(win: MainWindow):
    """The result the window (and the workshop) shows: the scenario's, else the last run."""
    current = getattr(win, "current_result", None)
    result = current() if callable(current) else None
    return result if result is not None else getattr(win.service, "last_result", None)


def _protected(win: MainWindow, key: tuple, of, build):
    """``build()`` kept on the window per ``key`` while it is for the same object ``of`` (a
    result or a comparison: a new one is protected afresh)."""
    cache = getattr(win, "_screen_protection", None)
    if cache is None:
        cache = {}
        win._screen_protection = cache
    held = cache.get(key)
    if held is None or held[0] is not of:
        cache[key] = held = (of, build())
    return held[1]


def _protect_result(result, classes, rule, sums):
    from phdesk.core.disclosure_tables import protect_result

    return protect_result(result, classes, rule, candidates=sums)["neighbourhood_segments"]


def _protect_reach(cmp, classes, rule, sums):
    from phdesk.core.disclosure_scenario import protect_comparison

    base, other = cmp.runs
    return protect_comparison(cmp, base, other, classes, rule, sums, cmp.segments)[0].reach
