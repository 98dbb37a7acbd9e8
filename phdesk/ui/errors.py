"""Readable error dialogs: what went wrong in plain words, and where the log file is.

A :class:`~phdesk.core.errors.UserError` is shown as it is (it was written for the user). Anything
else is an unexpected fault: its traceback goes to the log and the dialog names the log file.
"""

from __future__ import annotations

import logging

from PySide6 import QtCore, QtGui, QtWidgets

from phdesk import paths
from phdesk.core.errors import UserError

log = logging.getLogger(__name__)


def error_text(exc: BaseException) -> tuple[str, str]:
    """(main text, informative text) for an exception."""
    if isinstance(exc, UserError):
        return str(exc), ""
    what = str(exc).strip() or type(exc).__name__
    return (f"Something went wrong: {what}",
            f"The details have been written to the log file:\n{paths.log_file()}\n\n"
            "Your project file has not been changed by the step that failed.")


def show_error(parent: QtWidgets.QWidget | None, title: str, exc: BaseException,
               modal_wait: bool = False) -> QtWidgets.QMessageBox:
    """Show ``exc`` in a message box; log unexpected faults with their traceback.

    The box is opened window-modal without blocking (``open()``) unless ``modal_wait``, so that
    background work keeps its results flowing; it deletes itself when closed.
    """
    if not isinstance(exc, UserError):
        log.error("%s: %s", title, exc, exc_info=(type(exc), exc, exc.__traceback__))
    text, info = error_text(exc)
    box = QtWidgets.QMessageBox(parent)
    box.setIcon(QtWidgets.QMessageBox.Icon.Warning)
    box.setWindowTitle(f"phdesk — {title}")
    box.setText(text)
    if info:
        box.setInformativeText(info)
        folder = box.addButton("Open log &folder", QtWidgets.QMessageBox.ButtonRole.ActionRole)
        folder.setAccessibleName("Open the folder holding the log file")
        folder.clicked.disconnect()  # keep the box open after opening the folder
        folder.clicked.connect(lambda: QtGui.QDesktopServices.openUrl(
            QtCore.QUrl.fromLocalFile(str(paths.log_dir()))))
    ok = box.addButton(QtWidgets.QMessageBox.StandardButton.Ok)
    box.setDefaultButton(ok)
    box.setEscapeButton(ok)   # Esc and the title bar's close button work
    box.setAccessibleName(f"Error: {title}")
    box.setAccessibleDescription(text)
    box.setAttribute(QtCore.Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
    if modal_wait:
        box.exec()
    else:
        box.open()
    return box
