"""The layer list's All / None / Only this, and category styles that follow the name, not the
category's place in the project's list."""

from __future__ import annotations

from PySide6 import QtCore, QtWidgets

from phdesk.ui import palettes
from phdesk.ui.layer_list import make_layer_buttons, only_this, set_all

Checked, Unchecked = QtCore.Qt.CheckState.Checked, QtCore.Qt.CheckState.Unchecked


def test_a_category_keeps_its_style_across_projects():
    one = palettes.category_styles(["Pharmacy", "GP practice", "Library"])
    two = palettes.category_styles(["Food bank", "Pharmacy", "Youth club", "Advice", "Library"])
    assert one["Pharmacy"] == two["Pharmacy"] and one["Library"] == two["Library"]
    many = palettes.category_styles([f"Category {i}" for i in range(40)])
    assert len(set(many.values())) == 40   # distinct within a project, collisions resolved
    assert palettes.category_styles(["pharmacy"])["pharmacy"] == one["Pharmacy"]


def test_layer_list_all_none_only_this(qtbot):
    host = QtWidgets.QWidget()
    qtbot.addWidget(host)
    layers = QtWidgets.QListWidget(host)
    for name in ("GP practice", "Library", "Pharmacy"):
        item = QtWidgets.QListWidgetItem(name, layers)
        item.setData(QtCore.Qt.ItemDataRole.UserRole, name)
        item.setFlags(item.flags() | QtCore.Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Checked)
    buttons = make_layer_buttons(layers, host)
    states = lambda: [layers.item(i).checkState() for i in range(layers.count())]  # noqa: E731
    layers.setCurrentRow(1)
    only_this(layers)
    assert states() == [Unchecked, Checked, Unchecked]
    set_all(layers, Checked)
    assert states() == [Checked] * 3
    by_name = {b.text().replace("&", ""): b for b in buttons.findChildren(QtWidgets.QPushButton)}
    by_name["None"].click()
    assert states() == [Unchecked] * 3
    by_name["All"].click()
    assert states() == [Checked] * 3
    layers.setCurrentRow(2)
    by_name["Only this"].click()
    assert states() == [Unchecked, Unchecked, Checked]
