"""One project, one window: a lock file beside the project while a window has it open; and
what a window lets go of when it switches to another project (:func:`forget_project`).

Two windows on one project both wrote to it without a word (nothing was lost, but each showed
stale counts). A window takes a ``QLockFile`` (``<project>.window-lock``, holding the process id
and host) when it opens a project; a second window, in this process or another phdesk, finds it
taken and says so, naming the other process, and shows the project **read-only**: importing,
running mapping and every editing button are switched off (each says why in its tooltip), the
service refuses every write, and a banner above the map and the title say so. A project whose
file or folder is read-only is shown the same way, with its own reason. Qt removes a lock left
by a process that died (same host). The store's own writer locking is separate
(docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtWidgets

# the window's commands that write to the project
WRITING_COMMANDS = ("file.import", "analysis.run")
# the panels' buttons that write to the project (panel attribute on the window: buttons)
WRITING_BUTTONS = {
    "notes_panel": ("add_button", "edit_button", "delete_button", "import_button"),
    "ideas_panel": ("add_button", "delete_button", "decide_button"),
    "scenario_panel": ("new_button", "delete_button", "add_map_button", "add_postcode_button",
                       "move_button", "close_button", "capacity_button", "remove_button"),
}


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
    when the window may write; False: it shows the project read-only and has said why (another
    window has it, or the file or its folder is read-only)."""
    old = getattr(window, "project_lock", None)
    if old is not None:
        old.release()
    lock = ProjectLock(project)
    window.project_lock = lock
    free = lock.acquire()
    service = getattr(window, "service", None)
    if not free:
        holder = lock.holder()
        if service is not None:   # every write refuses, whichever panel tries it
            service.make_read_only(f"open in {holder}")
        text = (f"{Path(project).name} is already open in {holder}. It is shown here "
                "read-only: importing, running mapping and editing are off, "
                "so the two windows cannot overwrite each other. Close the other window and "
                "open the project again to edit it here.")
        box = QtWidgets.QMessageBox(QtWidgets.QMessageBox.Icon.Information,
                                    "Project already open", text,
                                    QtWidgets.QMessageBox.StandardButton.Ok, window)
        box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()   # not modal-blocking: the window opens behind it
        window.read_only_message = box
    reason = getattr(service, "read_only_reason", None) or (None if free else "open elsewhere")
    window.read_only = reason is not None
    window.read_only_reason = reason
    set_read_only(window, reason)
    return reason is None


def advice(reason: str) -> str:
    """What the user can do about a read-only project, for the banner."""
    if "window" in reason:
        return "Close the other window, then open the project again to edit it here."
    return ("To edit it, copy the file to a folder you can write to (such as Documents) and "
            "open the copy.")


def set_read_only(window, reason: str | None) -> None:
    """Switch the window's writing commands and the panels' editing off, each saying why (or
    on again, ``reason`` None); show or hide the read-only banner and status."""
    read_only = reason is not None
    why = f"Read-only: {reason}" if read_only else ""
    commands = getattr(window, "commands", None)
    for name in WRITING_COMMANDS:
        if commands is not None:
            try:
                action = commands[name]
            except KeyError:
                continue
            action.setEnabled(not read_only)
            action.setStatusTip(why or action.toolTip())
    panel = getattr(window, "asset_panel", None)
    setter = getattr(panel, "set_read_only", None)
    if callable(setter):
        setter(read_only)
    for attr, buttons in WRITING_BUTTONS.items():
        for name in buttons:
            button = getattr(getattr(window, attr, None), name, None)
            if isinstance(button, QtWidgets.QAbstractButton):
                StayDisabled.apply(button, why)
    banner = getattr(window, "read_only_banner", None)
    if banner is not None:
        banner.show_reason(reason)
    if read_only:
        window.statusBar().showMessage(f"{why}. Nothing can be saved here.", 15000)


class StayDisabled(QtCore.QObject):
    """Keeps a button disabled, with the reason as its tooltip, while the project is read-only
    (a panel that enables its buttons on a selection would otherwise turn them back on)."""

    @classmethod
    def apply(cls, button: QtWidgets.QAbstractButton, why: str) -> None:
        keeper = button.findChild(cls, options=QtCore.Qt.FindChildOption.FindDirectChildrenOnly)
        if keeper is None and not why:
            return   # never held: the panel's own rules stand
        if keeper is None:
            keeper = cls(button)
            keeper.tip = button.toolTip()
            button.installEventFilter(keeper)
        keeper.why = why
        button.setToolTip(why or keeper.tip)
        button.setEnabled(not why)

    def eventFilter(self, obj: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802
        if self.why and event.type() == QtCore.QEvent.Type.EnabledChange and obj.isEnabled():
            obj.setEnabled(False)
        return False


class ReadOnlyBanner(QtWidgets.QFrame):
    """Above the map while the project is read-only: why, what is off, what to do."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("read-only-banner")
        self.setFrameShape(QtWidgets.QFrame.Shape.StyledPanel)
        # dark text on pale amber: contrast above 7:1, and not a colour that means "error"
        self.setStyleSheet("#read-only-banner { background: #fff4ce; border: 1px solid #8a6d00; }"
                           " QLabel { color: #1f1f1f; }")
        self.text = QtWidgets.QLabel(self)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(8, 4, 8, 4)
        lay.addWidget(self.text, 1)
        self.hide()

    def show_reason(self, reason: str | None) -> None:
        if reason is None:
            self.hide()
            return
        self.text.setText(f"<b>Read-only</b> ({reason}): nothing you do here is saved. "
                          f"Importing, running mapping and editing assets, notes, ideas and "
                          f"scenarios are off. {advice(reason)}")
        self.text.setAccessibleName(f"Read-only: {reason}")
        self.setAccessibleName(f"Read-only: {reason}")
        self.show()


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
