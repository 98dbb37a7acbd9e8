"""Small widget factories shared by the panels, so controls look and read the same everywhere."""

from __future__ import annotations

from PySide6 import QtWidgets


def make_combo(name: str, tip: str, min_chars: int = 14) -> QtWidgets.QComboBox:
    """A combo box with an accessible name and tooltip, as wide as ``min_chars`` characters."""
    c = QtWidgets.QComboBox()
    c.setAccessibleName(name)
    c.setToolTip(tip)
    c.setSizeAdjustPolicy(
        QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    c.setMinimumContentsLength(min_chars)
    return c
