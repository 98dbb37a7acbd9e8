"""Small dialogs of the Help menu: about phdesk (version, where files are kept) and the list of
keyboard shortcuts."""

from __future__ import annotations

import html
import platform

from PySide6 import QtCore, QtWidgets

from phdesk import __version__, paths


class AboutDialog(QtWidgets.QDialog):
    """Version, project file, and the folders phdesk writes to (settings, logs, demo)."""

    def __init__(self, project_path: str | None = None,
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About phdesk")
        rows = [("Version", __version__),
                ("Qt", QtCore.qVersion()),
                ("Python", platform.python_version()),
                ("Project", project_path or "none"),
                ("Settings", str(paths.config_dir())),
                ("Log file", str(paths.log_file())),
                ("Demo project", str(paths.demo_project()))]
        table = "".join(f"<tr><th align='left'>{html.escape(k)}&nbsp;</th>"
                        f"<td>{html.escape(v)}</td></tr>" for k, v in rows)
        text = QtWidgets.QLabel(
            "<h2>phdesk</h2><p>Neighbourhood health and care planning for England: population, "
            "assets, gaps and overlaps.</p><p>phdesk works offline: it opens no network "
            f"connection and sends nothing anywhere.</p><table>{table}</table>")
        text.setTextFormat(QtCore.Qt.TextFormat.RichText)
        text.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse
                                     | QtCore.Qt.TextInteractionFlag.TextSelectableByKeyboard)
        text.setWordWrap(True)
        text.setAccessibleName("About phdesk")
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        buttons.rejected.connect(self.reject)
        lay = QtWidgets.QVBoxLayout(self)
        lay.addWidget(text)
        lay.addWidget(buttons)


class ShortcutsDialog(QtWidgets.QDialog):
    """A table of every command that has a keyboard shortcut."""

    def __init__(self, rows: list[tuple[str, str]], parent: QtWidgets.QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.table = QtWidgets.QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels(["Command", "Shortcut"])
        self.table.setAccessibleName("Keyboard shortcuts")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        for r, (command, keys) in enumerate(rows):
            self.table.setItem(r, 0, QtWidgets.QTableWidgetItem(command))
            self.table.setItem(r, 1, QtWidgets.QTableWidgetItem(keys))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
        buttons.rejected.connect(self.reject)
        lay = QtWidgets.QVBoxLayout(self)
        lay.addWidget(self.table)
        lay.addWidget(buttons)
        self.resize(self.fontMetrics().averageCharWidth() * 60, self.fontMetrics().height() * 24)
