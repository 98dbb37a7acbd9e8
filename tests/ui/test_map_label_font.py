"""Labels measured in one font and drawn in another overran their boxes (workshop mode's style
sheet made the view's font 21 px after the labels were set): the boxes follow the view's font."""

from __future__ import annotations

from PySide6 import QtGui

from phdesk.ui.map_view import MapView


def _text_fits(view: MapView) -> bool:
    font = QtGui.QFont(view.font())
    font.setBold(True)
    fm = QtGui.QFontMetricsF(font)
    return all(w >= fm.horizontalAdvance(n) for n, (w, _h) in zip(view.labels.names,
                                                                 view.labels._size, strict=True))


def test_label_boxes_follow_a_style_sheet_font(qtbot):
    view = MapView()
    qtbot.addWidget(view)
    view.set_labels(["E05013721", "E05013714"], [0.0, 5000.0], [0.0, 0.0])
    small = view.labels._size[:, 0].copy()
    view.setStyleSheet("font-size: 30px;")
    view.show()
    qtbot.waitExposed(view)
    assert view.labels._font.pixelSize() == 30
    assert (view.labels._size[:, 0] > small).all()
    assert _text_fits(view)
    # the painter draws in exactly the measured font (no property left to the widget's)
    img = QtGui.QImage(10, 10, QtGui.QImage.Format.Format_ARGB32)
    p = QtGui.QPainter(img)
    p.setFont(view.labels._font)
    assert p.font().pixelSize() == 30 and p.font().bold()
    p.end()
