"""The main window's mapping commands: the mapping dialog filled from the project, and a run
off the GUI thread whose result reaches every panel.

Why it exists: main_window.py holds the window's project and panels; running mapping is one of
its jobs, kept here as a mixin :class:`~phdesk.ui.main_window.MainWindow` inherits (it uses the
window's ``service``, ``data``, ``tasks`` and ``_refresh_result_views``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6 import QtWidgets

from phdesk.ui.project_data import params_from_run

if TYPE_CHECKING:
    import pandas as pd


class WindowMapping:
    """File ▸ Run mapping… and the run itself, for :class:`MainWindow`."""

    def run_mapping(self, params, category_table: pd.DataFrame | None = None) -> None:
        """Run mapping in the background (saving the category table first, if given)."""
        service = self.service

        def job(progress, cancelled):
            if category_table is not None:
                service.save_category_settings(category_table)
            result = service.run_mapping(params, progress=progress, cancelled=cancelled)
            return result, service.last_run()

        def done(out) -> None:
            if service is not self.service:
                return
            result, run = out
            self.changed_since_run = False
            self.scenario_results.clear()   # scenarios are mapped with the baseline's settings
            if self.data is not None:
                self.data.last_run = run
                if category_table is not None:
                    self.data.category_settings = category_table
            self._refresh_result_views()
            self._update_status()
            self.statusBar().showMessage(
                f"Mapping finished; shown, not saved (read-only: {self.read_only_reason})."
                if self.read_only else "Mapping finished.", 8000)
            self.mapping_finished.emit(result)

        self.tasks.run(job, done, "Running mapping")

    def mapping_dialog(self):
        """The mapping dialog filled from the project (not shown)."""
        import pandas as pd

        from phdesk.ui.mapping_dialog import MappingChoices, MappingDialog

        d = self.data
        last = self.service.last_result.params if self.service.last_result else \
            params_from_run(d.last_run if d else None)
        choices = MappingChoices(
            categories=d.categories if d else [], segments=d.segments if d else [],
            settings=d.category_settings if d else pd.DataFrame(
                columns=["category", "radius_m", "serves"]))
        if last is not None:
            choices.default_radius_m = float(last.default_radius_m)
            choices.selected_categories = last.categories
            choices.selected_segments = last.segments
            choices.weights = tuple(last.e2sfca_weights)
        return MappingDialog(choices, self)

    def open_mapping_dialog(self) -> None:
        """File ▸ Run mapping…: choose parameters, then run."""
        if self.data is None:
            self.statusBar().showMessage("The project is still loading; try again shortly.", 5000)
            return
        dialog = self.mapping_dialog()
        if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            self.run_mapping(dialog.params(), dialog.category_table())
