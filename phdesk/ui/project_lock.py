"""One project, one window: a lock file beside the project while a window has it open; and
what a window lets go of when it switches to another project (:func:`forget_project`).

Two windows on one project both wrote to it without a word (nothing was lost, but each showed
stale counts). A window takes a ``QLockFile`` (``<project>.window-lock``, holding the process id
and host) when it opens a project; a second window, in this process or another phdesk, finds it
taken and says so, naming the other process, and shows the project **read-only**: importing,
running mapping and editing the register are switched off. Qt removes a lock left by a process
that died (same host). The store's own writer locking is separate (docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtWidgets

# the window's commands that write to the project
WRITING_COMMANDS = ("file.import", "analysis.run")


def lock_path(project: str | Path) -> Path:
    project = Path(project)
    return project.with_name(project.name + ".window-lock")


class ProjectLock:
    """The window's claim on one project file."""

    def __init__(self, project: str | Path) -> None:
        self.path = lock_path(project)
        self.lock = QtCore.QLockFile(str(self.path))
        self.lock.setStaleLockTime(0)   # never stale by age: only when its process is gone

    def acquire(self) -> bool:
        """Take the lock if it is free (or left by a process that has died)."""
        try:
            return self.lock.tryLock(0)
        except OSError:   # a read-only folder: no lock, but the window still opens
            return True

    def holder(self) -> str:
        """Who holds it, as the user should read it."""
        info = self.lock.getLockInfo()   # PySide6: (pid, host, app); empty when unreadable
        if not isinstance(info, tuple) or len(info) < 2 or not info[0]:
            return "another phdesk window"
        pid, host = info[-3], info[-2]
        where = f" on {host}" if host and host != QtCore.QSysInfo.machineHostName() else ""
        return f"another phdesk window (process {pid}{where})"

    def release(self) -> None:
        if self.lock.isLocked():
            self.lock.unlock()


def claim(window, project: str | Path) -> bool:
    """Release ``window``'s lock on its previous project and claim ``project``. Returns True
    when the window may write; False: it shows the project read-only and has said why."""
    old = getattr(window, "project_lock", None)
    if old is not None:
        old.release()
    lock = ProjectLock(project)
    window.project_lock = lock
    free = lock.acquire()
    window.read_only = not free
    set_read_only(window, not free)
    if not free:
        service = getattr(window, "service", None)
        if service is not None:   # every write refuses, whichever panel tries it
            service.make_read_only("open in another phdesk window")
        text = (f"{Path(project).name} is already open in {lock.holder()}. It is shown here "
                "read-only: importing, running mapping and editing the asset register are off, "
                "so the two windows cannot overwrite each other. Close the other window and "
                "open the project again to edit it here.")
        window.statusBar().showMessage("Read-only: this project is open in another window")
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Information,
                                    "Project already open", text,
                                    QtWidgets.QMessageBox.StandardButton.Ok, window)
        box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()   # not modal-blocking: the window opens behind it
        window.read_only_message = box
    return free


def set_read_only(window, read_only: bool) -> None:
    """Switch the window's writing commands and the register's editing off (or on again)."""
    commands = getattr(window, "commands", None)
    for name in WRITING_COMMANDS:
        if commands is not None:
            try:
                commands[name].setEnabled(not read_only)
            except KeyError:
                pass
    panel = getattr(window, "asset_panel", None)
    setter = getattr(panel, "set_read_only", None)
    if callable(setter):
        setter(read_only)


def forget_project(window) -> None:
    """After a project switch: drop what the panels hold of the previous project at once (its
    result can be hundreds of MB; it was kept until the new project's first refresh) and clear
    the map's details box, which showed the old project's selection."""
    import gc

    results = getattr(window, "results_panel", None)
    if hasattr(results, "set_result"):
        results.set_result(None)
    details = getattr(getattr(window, "map_panel", None), "details", None)
    if isinstance(details, QtWidgets.QLabel):
        details.setText("Click an area, neighbourhood or asset for details.")
    help_window = getattr(window, "_help_window", None)
    if help_window is not None:   # its worked examples were the old project's
        try:
            help_window.close()
        except RuntimeError:      # already closed and deleted
            pass
        window._help_window = None
    gc.collect()
