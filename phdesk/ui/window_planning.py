"""The window's planning wiring: scenario results follow the view state, the Planning menu,
and workshop mode (F11).

Why it exists: switching the scenario in any panel (or with one key in workshop mode) must
show that scenario's results everywhere. The window keeps the result of each scenario it has
shown (``MainWindow.scenario_results``); a scenario not yet mapped is mapped off the GUI thread
through the planning service (which caches results), with the baseline's parameters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from phdesk.ui.main_window import MainWindow


def planning_for(win, service):
    """The window's planning access (imported when first used: pandas is not loaded at
    start-up, see ``phdesk.ui.main_window``)."""
    from phdesk.ui.planning_access import planning_for as make

    return make(win, service)


def wire(win: MainWindow) -> None:
    """Once per window: results follow the view state's scenario; then :func:`connect`."""
    win.view_state.follow("scenario", lambda name: scenario_changed(win, name))
    connect(win)


def switch_project(win: MainWindow, service) -> None:
    """Another project in the window: its undo history, scenario results and choices go; the
    panels that hold a project are made anew for ``service``."""
    from phdesk.ui import panels

    win.undo_stack.clear()
    win.scenario_results.clear()
    win.view_state.set(scenario=None, comparison=None, neighbourhood=None)
    panels.rebuild_project_panels(win, service)
    connect(win)


def current_result(win: MainWindow):
    """The mapping result of the scenario in the view state (the baseline: the last run); None
    until that scenario has been mapped."""
    name = win.view_state.scenario
    return win.service.last_result if name is None else win.scenario_results.get(name)


def connect(win: MainWindow) -> None:
    """Wire the view state's scenario to the window's results (once per project)."""
    access = planning_for(win, win.service)
    access.changed.connect(lambda kind: kind == "scenarios" and refresh_scenario(win))
    access.failed.connect(lambda text: win.statusBar().showMessage(text, 10000))


def scenario_changed(win: MainWindow, name: str | None) -> None:
    """Show scenario ``name``'s results (mapping it first if the window has none)."""
    if name is None or name in win.scenario_results or win.service is None:
        win._refresh_result_views()
        return
    if win.data is None or mapping_params(win) is None:
        win.statusBar().showMessage("Run mapping first (F5): a scenario is mapped with the "
                                    "same settings as the baseline.", 8000)
        win._refresh_result_views()
        return

    def done(result, name=name) -> None:
        win.scenario_results[name] = result
        if win.view_state.scenario == name:
            win._refresh_result_views()

    planning_for(win, win.service).result(name, mapping_params(win), done)


def refresh_scenario(win: MainWindow) -> None:
    """A scenario's changes were edited: its old results no longer hold."""
    win.scenario_results.clear()
    if win.view_state.scenario is not None:
        scenario_changed(win, win.view_state.scenario)


def mapping_params(win: MainWindow):
    """The baseline's mapping parameters (the last run's), None before any run."""
    from phdesk.ui.project_data import params_from_run

    service = win.service
    if service is not None and service.last_result is not None:
        return service.last_result.params
    return params_from_run(win.data.last_run if win.data is not None else None)


def open_workshop(win: MainWindow) -> None:
    """View ▸ Workshop mode (F11): the full-screen workshop over this window's project."""
    if win.service is None or win.data is None:
        win.statusBar().showMessage("The project is still loading; try again shortly.", 5000)
        return
    from phdesk.ui.workshop import WorkshopWindow

    existing = getattr(win, "workshop", None)
    if existing is not None:
        if existing.isVisible():
            existing.close()
            return
        existing.deleteLater()   # a closed workshop: a fresh one shows the current project
    win.workshop = WorkshopWindow(win)
    win.workshop.start()
