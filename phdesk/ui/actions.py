"""A plain registry of the window's QActions, so menus, toolbars, tests and the shortcut list
share one definition of each command (text with mnemonic, shortcut, tooltip)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from PySide6 import QtGui, QtWidgets

Shortcut = str | QtGui.QKeySequence.StandardKey | None


class ActionRegistry:
    """Named actions owned by one window.

    ``add("file.open", "&Open project…", slot, shortcut=QKeySequence.Open)`` creates the action
    once; menus and tests look it up by name with ``registry["file.open"]``.
    """

    def __init__(self, owner: QtWidgets.QWidget) -> None:
        self._owner = owner
        self._actions: dict[str, QtGui.QAction] = {}

    def add(self, name: str, text: str, slot: Callable | None = None, shortcut: Shortcut = None,
            tip: str = "", checkable: bool = False) -> QtGui.QAction:
        """Create and register an action; its tooltip shows the shortcut."""
        if name in self._actions:
            raise KeyError(f"action {name!r} registered twice")
        action = QtGui.QAction(text, self._owner)
        action.setObjectName(name)
        if shortcut is not None:
            action.setShortcut(QtGui.QKeySequence(shortcut))
        plain = text.replace("&", "").rstrip("…")
        keys = action.shortcut().toString(QtGui.QKeySequence.SequenceFormat.NativeText)
        action.setToolTip(f"{tip or plain} ({keys})" if keys else (tip or plain))
        action.setStatusTip(tip or plain)
        action.setCheckable(checkable)
        if slot is not None:
            action.triggered.connect(slot)
        self._owner.addAction(action)  # shortcuts work even when the menu bar is hidden
        self._actions[name] = action
        return action

    def __getitem__(self, name: str) -> QtGui.QAction:
        return self._actions[name]

    def __contains__(self, name: str) -> bool:
        return name in self._actions

    def __iter__(self) -> Iterator[tuple[str, QtGui.QAction]]:
        return iter(self._actions.items())

    def shortcut_table(self) -> list[tuple[str, str]]:
        """(command, shortcut) for every action that has a shortcut, in registration order."""
        native = QtGui.QKeySequence.SequenceFormat.NativeText
        return [(a.text().replace("&", "").rstrip("…"), a.shortcut().toString(native))
                for _, a in self if not a.shortcut().isEmpty()]
