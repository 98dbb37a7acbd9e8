"""The main window: neighbourhood list (left), map (centre), charts and tables in docks.

It holds no analysis: it asks the :class:`~phdesk.services.project_service.ProjectService` for
frames on the background DB worker (:class:`~phdesk.ui.tasks.TaskRunner`) and hands them to the
panels. Menus and commands are in :mod:`phdesk.ui.window_actions`; panels are built by
:mod:`phdesk.ui.panels`; mapping, import/export and the window's layout are mixins
(``window_mapping``, ``window_import``, ``window_layout``).

Start-up shows the window before its project is open (:meth:`MainWindow.open_later`): menus,
status bar and docks need only PySide6, so they appear at once with a placeholder in each panel;
once the window has painted, the project opens on the DB worker and the panels (pandas, pyqtgraph:
about a second of imports) are built and filled. This module therefore imports neither at the top.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui, QtWidgets

from phdesk.settings import Settings
from phdesk.ui import keyboard, panels, project_lock, window_actions, window_planning
from phdesk.ui.actions import ActionRegistry
from phdesk.ui.errors import show_error
from phdesk.ui.project_data import ProjectData, load_project_data, params_from_run
from phdesk.ui.tasks import TaskRunner
from phdesk.ui.view_memory import ViewMemory
from phdesk.ui.view_state import ViewState
from phdesk.ui.window_import import WindowImport
from phdesk.ui.window_layout import WindowLayout
from phdesk.ui.window_mapping import WindowMapping
from phdesk.ui.window_opening import WindowOpening

if TYPE_CHECKING:
    from phdesk.services.project_service import ProjectService

log = logging.getLogger(__name__)


class MainWindow(WindowMapping, WindowImport, WindowLayout, WindowOpening, QtWidgets.QMainWindow):
    """The window for one open project (File ▸ Open replaces the project, not the window)."""

    project_loaded = QtCore.Signal()
    mapping_finished = QtCore.Signal(object)   # MappingResult
    results_shown = QtCore.Signal(object)      # the result now on every panel (or None)

    def __init__(self, service: ProjectService | None = None,
                 settings: Settings | None = None) -> None:
        """The window on ``service``, built and filled as it opens. ``service=None``: the
        window's chrome only, with placeholders until :meth:`load` opens a project in it."""
        super().__init__()
        self.service: ProjectService | None = None
        self.settings = settings or Settings.load()
        self.data: ProjectData | None = None
        self.persist_settings = True    # False: leave the user's settings file alone
        self.prefers_maximised = False  # first run on a small screen
        self.open_error: BaseException | None = None   # load() failed with no fallback
        self.read_only = False   # nothing can be saved (ui/project_lock.py)
        self.read_only_reason: str | None = None   # why: another window, a read-only file…
        self._opening: Path | None = None              # the project load() is opening
        self.setObjectName("phdesk-main-window")
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)
        self.tasks = TaskRunner(self, self.statusBar())
        self.view_state = ViewState(self)   # what every panel shows (docs/ARCHITECTURE.md)
        self.view_memory = ViewMemory(self)   # ... kept per project (ui/view_memory.py)
        self.undo_stack = QtGui.QUndoStack(self)   # notes, ideas, scenario edits
        self.scenario_results: dict[str, object] = {}   # scenario name -> MappingResult

        for attr in panels.PANELS:
            setattr(self, attr, panels.LoadingPlaceholder("Opening the project…", self))
        self.empty_banner = panels.EmptyProjectBanner(self)
        self.read_only_banner = project_lock.ReadOnlyBanner(self)
        centre = QtWidgets.QWidget(self)
        self._centre_layout = QtWidgets.QVBoxLayout(centre)
        self._centre_layout.setContentsMargins(0, 0, 0, 0)
        self._centre_layout.addWidget(self.read_only_banner)
        self._centre_layout.addWidget(self.empty_banner)
        self._centre_layout.addWidget(self.map_panel, 1)
        self.setCentralWidget(centre)
        self.docks = panels.add_docks(self)
        self._results_stale = False
        self.changed_since_run = False   # an import or register edit after the last mapping run
        self._import_refresh = QtCore.QTimer(self, singleShot=True, interval=400)
        self._import_refresh.timeout.connect(self._refresh_after_import)
        self.docks["results"].visibilityChanged.connect(
            lambda visible: visible and QtCore.QTimer.singleShot(0, self._update_results_panel))

        self.counts_label = QtWidgets.QLabel(self)
        self.counts_label.setAccessibleName("Project contents")
        self.run_label = QtWidgets.QLabel(self)
        self.run_label.setAccessibleName("Last mapping run")
        # permanent (right-hand) so that passing messages on the left never hide them
        self.statusBar().insertPermanentWidget(0, self.counts_label)
        self.statusBar().insertPermanentWidget(1, self.run_label)

        self.commands = ActionRegistry(self)
        window_actions.build(self)
        keyboard.install(self)   # focus ring, undo/redo of register edits from text fields
        self._restore_layout()
        if service is not None:
            self._show_project(service)

    def _show_project(self, service: ProjectService) -> None:
        """Build the panels for the window's first project and read it in the background."""
        self.service = service
        panels.build_panels(self, service, self._centre_layout)
        self.size_docks_for_panels()
        project_lock.claim(self, service.path)   # read-only when another window has it
        window_actions.refresh_edit_menu(self)
        panels.resolve_mnemonic_clashes(self)
        self._connect_panels()
        self._update_title()
        self.reload(rerun_mapping=self.settings.rerun_mapping_on_open)

    # -- wiring --------------------------------------------------------------------------------
    def _connect_panels(self) -> None:
        # the panels follow self.view_state (wired by the registry in panels.py)
        changed = getattr(self.asset_panel, "assets_changed", None)
        if changed is not None:
            changed.connect(self._assets_changed)
        window_planning.wire(self)
        rename = getattr(self.neighbourhood_panel, "rename_requested", None)
        if rename is not None:
            from phdesk.ui.window_rename import ask_and_rename

            rename.connect(lambda name: ask_and_rename(self, name))

    def mapping_params(self):
        """The baseline's mapping parameters (scenarios are mapped with the same)."""
        return window_planning.mapping_params(self)

    def current_result(self):
        """The result of the scenario in the view state (see ``window_planning``)."""
        return window_planning.current_result(self)

    def _assets_changed(self) -> None:
        # the register made the change and shows it already: refresh the rest only
        self.changed_since_run = True
        self.reload(refresh_register=False)

    # -- loading -------------------------------------------------------------------------------
    def reload(self, rerun_mapping: bool = False, fresh: bool = False,
               refresh_register: bool = True) -> None:
        """Re-read the project in the background and refresh every panel.

        ``fresh`` drops the service's cached frames first (Analysis ▸ Reload project).
        """
        service = self.service
        if service is None:   # still opening: it is read as soon as it is open
            return

        def read(progress, cancelled) -> ProjectData:
            if fresh:
                service.invalidate()
            return load_project_data(service, build_layers)

        def done(data: ProjectData) -> None:
            if service is not self.service:   # the project was replaced meanwhile
                return
            self._apply_data(data, refresh_register)
            if rerun_mapping and service.last_result is None:
                params = params_from_run(data.last_run)
                if params is not None:
                    self.run_mapping(params)

        build_layers = panels.map_layer_builder(self.map_panel)
        self.tasks.run(read, done, "Reading the project", cancellable=False)

    def _apply_data(self, data: ProjectData, refresh_register: bool = True) -> None:
        self.data = data
        self.view_memory.restore(self.service, data.view)   # the project's first read only
        # one recolour for the whole load, not one per input (see MapPanel.held)
        with getattr(self.map_panel, "held", contextlib.nullcontext)():
            if data.map_layers is not None:
                self.map_panel.set_base_layers(data.map_layers)
            else:
                panels.call(self.map_panel, "set_base", data.areas, data.assets)
            panels.call(self.map_panel, "set_profile", data.area_profile)
            self._refresh_result_views()
        if refresh_register:
            panels.call(self.asset_panel, "reload")
        panels.call(self.provenance_panel, "set_frame", data.provenance)
        self._update_status()
        self.project_loaded.emit()

    def _refresh_result_views(self) -> None:
        if self.service is None:
            return
        result = self.current_result()
        if self.data is not None:
            self.neighbourhood_panel.set_data(self.data.summary, self.service.headlines())
            panels.call(self.charts_panel, "set_data", result, self.data.area_profile,
                        self.data.segment_population)
        panels.call(self.map_panel, "set_result", result)
        self._results_stale = True
        self._update_results_panel()
        self.results_shown.emit(result)
        chosen = self.view_state.neighbourhood
        if chosen:
            panels.call(self.map_panel, "select_neighbourhood", chosen)
            panels.call(self.charts_panel, "set_neighbourhood", chosen)
            panels.call(self.neighbourhood_panel, "select", chosen, False)

    def _update_results_panel(self, *_: object) -> None:
        """Fill the results tables when their tab is showing: filling them takes a while, and a
        hidden tab need not hold up the map and charts after every run."""
        dock = self.docks.get("results")
        if self._results_stale and (dock is None or not dock.visibleRegion().isEmpty()):
            self._results_stale = False
            panels.call(self.results_panel, "set_result", self.current_result())

    def _update_status(self) -> None:
        c = self.data.counts if self.data else {}
        self.empty_banner.setVisible(self.data is not None and not c.get("areas") and
                                     not c.get("assets"))
        parts = [f"{c.get('areas', 0):,} areas", f"{c.get('neighbourhoods', 0):,} neighbourhoods",
                 f"{c.get('assets', 0):,} assets", f"{c.get('provenance', 0):,} imports"]
        self.counts_label.setText(" · ".join(parts))
        run = self.data.last_run if self.data else None
        if run is None:
            self.run_label.setText("Mapping not run yet (F5)")
        else:
            when = str(run.get("finished_at") or run.get("started_at") or "")
            # after an import or an edit the results no longer match the data: say so
            stale = " · data changed since: run again (F5)" if self.changed_since_run else ""
            self.run_label.setText(f"Mapped {when.replace('T', ' ')[:16]} UTC{stale}")
            self.run_label.setToolTip("When mapping last ran on this project")

    def _update_title(self) -> None:
        if self.service is None:
            return
        reason = self.read_only_reason or ""
        short = "open in another window" if "window" in reason else reason
        suffix = f" (read-only: {short})" if self.read_only else ""
        self.setWindowTitle(f"{self.service.title()}{suffix} — phdesk")
        self.setWindowFilePath(str(self.service.path))

    # -- projects ------------------------------------------------------------------------------
    def set_service(self, service: ProjectService) -> None:
        """Show another project in this window (the old one, or one still opening, is closed)."""
        self._opening = None
        self.view_memory.forget()   # the old project's choices are saved first
        self.tasks.cancel_all()
        if not self.tasks.wait(60_000):
            show_error(self, "Open project", RuntimeError("a background job did not stop"))
            service.close()
            return
        first = self.service is None   # the window's first project had not opened yet
        if first:
            self._show_project(service)   # builds the panels and reads the project
        else:
            old, self.service = self.service, service
            old.close()
            project_lock.forget_project(self)
            window_planning.switch_project(self, service)   # new panels, a clean slate
            changed = getattr(self.asset_panel, "assets_changed", None)
            if changed is not None:
                changed.connect(self._assets_changed)
            project_lock.claim(self, service.path)
            self.data = None
        self.changed_since_run = False
        self.settings.add_recent(service.path)
        if self.persist_settings:
            self.settings.save()
        window_actions.refresh_recent_menu(self)
        if not first:
            window_actions.refresh_edit_menu(self)
            panels.resolve_mnemonic_clashes(self)
            self._update_title()
            self.reload(rerun_mapping=self.settings.rerun_mapping_on_open)

    def open_path(self, path: str | Path, create: bool = False):
        """Open (or create) a project file here, on the DB worker as at start-up (the file may
        need a migration, or wait behind a running job); a readable dialog if that fails.
        Returns the opening job (``tasks.wait()`` waits for it and the project's load)."""
        from phdesk.ui.window_opening import open_project_job

        path = Path(path)

        def job(progress, cancelled):
            if create:
                from phdesk.services.project_service import ProjectService

                return ProjectService.create(path)
            return open_project_job(path)(progress, cancelled)

        def failed(exc: BaseException) -> None:
            if self._opening == path:
                self._opening = None
            show_error(self, "Open project", exc)

        self.tasks.cancel_all()   # the running jobs are for the project being replaced
        self._opening = path      # supersedes a start-up open still under way
        return self.tasks.run(job, self.set_service, f"Opening {path.name}", cancellable=False,
                              on_error=failed)

    def focusNextPrevChild(self, forward: bool) -> bool:
        """Tab and Shift+Tab skip panels that are tabbed out of sight (see ui/keyboard.py)."""
        return keyboard.next_focus(self, forward, super().focusNextPrevChild)

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        self._opening = None   # a project still opening is closed as soon as it opens
        if self.persist_settings:
            self.save_layout()
            if self.service is not None:
                self.settings.add_recent(self.service.path)
            try:
                self.settings.save()
            except OSError as exc:
                log.warning("could not save settings: %s", exc)
        self.view_memory.flush()
        self.tasks.cancel_all()
        self.tasks.wait(30_000)
        self.tasks.shutdown()
        if self.service is not None:
            self.service.close()
        lock = getattr(self, "project_lock", None)
        if lock is not None:
            lock.release()
        super().closeEvent(event)
