"""The help window (F1): searchable sections in a text browser, beside the main window.

Sections come from :mod:`phdesk.ui.help_content` (measures from the catalogue with worked
examples from the open project's result, a glossary, the keyboard). The window is not modal: a
planner reads it while using the map. ``open_help(win, "measure-gap_score")`` opens at a topic.
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

from phdesk.ui import help_content

Qt = QtCore.Qt


class HelpWindow(QtWidgets.QDialog):
    """Search box, list of sections, and the section's text."""

    def __init__(self, sections: list[tuple[str, str, str]],
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("phdesk help")
        self.setModal(False)
        self.sections = sections
        self.search = QtWidgets.QLineEdit(self)
        self.search.setPlaceholderText("Search the help, e.g. 2SFCA, gap score, LSOA")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search the help")
        self.list = QtWidgets.QListWidget(self)
        self.list.setAccessibleName("Help sections")
        self.browser = QtWidgets.QTextBrowser(self)
        self.browser.setAccessibleName("Help text")
        self.browser.setOpenExternalLinks(False)
        self.browser.anchorClicked.connect(lambda url: self.show_topic(url.fragment()))
        label = QtWidgets.QLabel("&Search:", self)
        label.setBuddy(self.search)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(label)
        top.addWidget(self.search, 1)
        split = QtWidgets.QSplitter(self)
        split.addWidget(self.list)
        split.addWidget(self.browser)
        split.setStretchFactor(1, 3)
        self.list.setWordWrap(True)
        self.list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.list.setMinimumWidth(self.fontMetrics().averageCharWidth() * 34)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QtWidgets.QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(split, 1)
        lay.addWidget(buttons)
        self.search.textChanged.connect(self.filter)
        self.list.currentItemChanged.connect(self._show_item)
        self.filter("")
        line = self.fontMetrics().height()
        self.resize(line * 60, line * 36)

    def filter(self, text: str) -> None:
        """Keep the sections whose title or text contains ``text`` (case-insensitive)."""
        needle = text.strip().casefold()
        current = self.list.currentItem()
        keep = current.data(Qt.ItemDataRole.UserRole) if current else None
        self.list.blockSignals(True)
        self.list.clear()
        hits = []
        for anchor, title, body in self.sections:
            plain = QtGui.QTextDocumentFragment.fromHtml(body).toPlainText()
            if needle and needle not in title.casefold() and needle not in plain.casefold():
                continue
            # sections named after the term first: "Glossary: 2SFCA" before the long pages
            hits.append((0 if needle and needle in title.casefold() else 1, title, anchor))
        for _rank, title, anchor in sorted(hits, key=lambda h: h[0]):
            item = QtWidgets.QListWidgetItem(title, self.list)
            item.setToolTip(title)
            item.setData(Qt.ItemDataRole.UserRole, anchor)
        self.list.blockSignals(False)
        if self.list.count():
            found = [i for i in range(self.list.count())
                     if self.list.item(i).data(Qt.ItemDataRole.UserRole) == keep]
            self.list.setCurrentRow(found[0] if found else 0)
        else:
            self.browser.setHtml(f"<p>Nothing in the help mentions <b>{text}</b>.</p>")

    def shown_titles(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def _show_item(self, item: QtWidgets.QListWidgetItem | None, _old=None) -> None:
        if item is None:
            return
        anchor = item.data(Qt.ItemDataRole.UserRole)
        for a, title, body in self.sections:
            if a == anchor:
                self.browser.setHtml(f"<h2>{title}</h2>{body}")
                needle = self.search.text().strip()
                if needle:
                    self.browser.find(needle)
                return

    def show_topic(self, anchor: str) -> bool:
        """Show the section ``anchor`` (e.g. ``measure-gap_score``, ``term-lsoa``)."""
        if self.search.text():
            self.search.clear()
        for i in range(self.list.count()):
            if self.list.item(i).data(Qt.ItemDataRole.UserRole) == anchor:
                self.list.setCurrentRow(i)
                return True
        return False


def open_help(win, topic: str | None = None) -> HelpWindow:
    """Show the help for the main window ``win`` (built afresh: the examples follow its
    current result), at ``topic`` if given."""
    service = getattr(win, "service", None)
    result = getattr(service, "last_result", None) if service is not None else None
    commands = getattr(win, "commands", None)
    shortcuts = commands.shortcut_table() if commands is not None else []
    old = getattr(win, "_help_window", None)
    if old is not None:
        try:
            old.close()
        except RuntimeError:   # closed and deleted already
            pass
    dialog = HelpWindow(help_content.sections(result, shortcuts), win)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    win._help_window = dialog
    if topic:
        dialog.show_topic(topic)
    dialog.show()
    dialog.raise_()
    dialog.search.setFocus()
    return dialog
