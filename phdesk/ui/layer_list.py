"""The map's list of asset layers: tick boxes, plus All / None / Only this (buttons and the
right-click menu), so one category out of thirteen is two clicks or keys, not twelve."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

Checked, Unchecked = QtCore.Qt.CheckState.Checked, QtCore.Qt.CheckState.Unchecked


def set_all(layers: QtWidgets.QListWidget, state: QtCore.Qt.CheckState,
            except_row: int | None = None) -> None:
    """Tick (or untick) every layer; ``except_row`` gets the other state."""
    other = Unchecked if state == Checked else Checked
    for i in range(layers.count()):
        layers.item(i).setCheckState(other if i == except_row else state)


def only_this(layers: QtWidgets.QListWidget, row: int | None = None) -> None:
    """Show only the current (or given) layer."""
    row = layers.currentRow() if row is None else row
    if 0 <= row < layers.count():
        set_all(layers, Unchecked, except_row=row)


def make_layer_buttons(layers: QtWidgets.QListWidget, parent: QtWidgets.QWidget
                       ) -> QtWidgets.QWidget:
    """A row of All / None / Only this buttons for ``layers``, and its right-click menu."""
    row = QtWidgets.QWidget(parent)
    lay = QtWidgets.QHBoxLayout(row)
    lay.setContentsMargins(0, 0, 0, 0)
    for text, name, slot in (
            ("A&ll", "Show all asset layers", lambda: set_all(layers, Checked)),
            ("N&one", "Hide all asset layers", lambda: set_all(layers, Unchecked)),
            ("Onl&y this", "Show only the selected asset layer", lambda: only_this(layers))):
        button = QtWidgets.QPushButton(text, row)
        button.setAccessibleName(name)
        button.setToolTip(name)
        button.clicked.connect(slot)
        lay.addWidget(button)
    layers.setContextMenuPolicy(QtCore.Qt.ContextMenuPolicy.CustomContextMenu)

    def menu(pos: QtCore.QPoint) -> None:
        item = layers.itemAt(pos)
        m = QtWidgets.QMenu(layers)
        if item is not None:
            m.addAction(f"Only {item.data(QtCore.Qt.ItemDataRole.UserRole)}",
                        lambda: only_this(layers, layers.row(item)))
        m.addAction("Show all", lambda: set_all(layers, Checked))
        m.addAction("Hide all", lambda: set_all(layers, Unchecked))
        m.popup(layers.viewport().mapToGlobal(pos))
    layers.customContextMenuRequested.connect(menu)
    return row
