"""Renaming a neighbourhood from the window (F2 in the neighbourhood list, or its context menu).

Why it exists: a neighbourhood lookup of codes only (Lewisham's ward file names its wards
E05013714…) fills every list, label and report with codes no one in a workshop can read. A
rename is saved at once, on the DB worker, as one command on the window's undo stack; every
cached frame and result names the neighbourhood, so the window reads the project again and
maps it again with the last run's settings (docs/ARCHITECTURE.md, "The window").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6 import QtGui, QtWidgets

from phdesk.store.edits import NAME_MAX
from phdesk.ui.planning_access import planning_for

if TYPE_CHECKING:
    from phdesk.ui.main_window import MainWindow


class RenameNeighbourhood(QtGui.QUndoCommand):
    """Rename ``old`` to ``new``; undo renames it back."""

    def __init__(self, win: MainWindow, old: str, new: str) -> None:
        super().__init__(f"Rename neighbourhood {old} to {new}")
        self.win, self.old, self.new = win, old, new

    def redo(self) -> None:
        _apply(self.win, self.old, self.new)

    def undo(self) -> None:
        _apply(self.win, self.new, self.old)


def _apply(win: MainWindow, old: str, new: str) -> None:
    service = win.service
    planning_for(win, service).run(lambda s: s.planning.rename_neighbourhood(old, new),
                                   lambda saved: _renamed(win, service, old, saved),
                                   f"Renaming {old}")


def _renamed(win: MainWindow, service, old: str, new: str) -> None:
    """Saved: read the project again (and map it again), keeping the selection on the new name."""
    if service is not win.service:   # another project meanwhile
        return
    selected = win.view_state.neighbourhood == old
    win.scenario_results.clear()
    if selected:   # the old name is about to vanish from every panel
        win.view_state.set(neighbourhood=None)

    def reselect() -> None:
        win.project_loaded.disconnect(reselect)
        if selected:
            win.view_state.set(neighbourhood=new)

    win.project_loaded.connect(reselect)
    win.reload(rerun_mapping=True)


def rename(win: MainWindow, old: str, new: str) -> str | None:
    """Check ``new`` against the other names and push the rename; the reason it was refused,
    or None when it was pushed (or nothing changed)."""
    new = " ".join(new.split())
    if not new:
        return "A neighbourhood needs a name."
    if len(new) > NAME_MAX:
        return f"A neighbourhood's name is at most {NAME_MAX} characters."
    if new == old:
        return None
    if new in win.neighbourhood_panel.names():
        return f"There is already a neighbourhood called “{new}”."
    win.undo_stack.push(RenameNeighbourhood(win, old, new))
    return None


def ask_and_rename(win: MainWindow, old: str) -> None:
    """The dialog: the new name, asked again with the reason while it is refused."""
    if win.service is None or win.read_only:
        win.statusBar().showMessage("This project is open read-only: nothing can be renamed.",
                                    6000)
        return
    dialog = QtWidgets.QInputDialog(win)
    dialog.setWindowTitle("Rename neighbourhood")
    dialog.setLabelText(f"New name for the neighbourhood “{old}”:")
    dialog.setTextValue(old)
    dialog.setMinimumWidth(max(dialog.sizeHint().width(),
                               40 * dialog.fontMetrics().averageCharWidth()))
                               # the title in full, room for a long name
    while dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted:
        refused = rename(win, old, dialog.textValue())
        if refused is None:
            return
        dialog.setLabelText(f"{refused}\nNew name for the neighbourhood “{old}”:")
