"""The whole-project map of a report (cover page, PNG) frames the study area and fades the
context areas around it, as a neighbourhood's page fades the other neighbourhoods."""

from __future__ import annotations

import pandas as pd
import shapely
from PySide6 import QtCore, QtGui

from phdesk.ui.report_draw import draw_map


def _render(neighbourhoods: list) -> QtGui.QImage:
    areas = pd.DataFrame({
        "code": ["A", "B"], "neighbourhood": neighbourhoods, "imd_decile": [1.0, 1.0],
        "geometry": [shapely.box(0, 0, 1000, 1000), shapely.box(1000, 0, 2000, 1000)]})
    img = QtGui.QImage(600, 400, QtGui.QImage.Format.Format_ARGB32)
    img.fill(QtGui.QColor("#ffffff"))
    p = QtGui.QPainter(img)
    draw_map(p, QtCore.QRectF(0, 0, 600, 400), areas)
    p.end()
    return img


def _lightness(img: QtGui.QImage, x: int, y: int) -> int:
    return QtGui.QColor(img.pixel(x, y)).lightness()


def test_context_areas_are_faded_and_the_study_area_fills_the_frame(qapp):
    img = _render(["N1", None])              # B is context
    # the frame (600 x ~360 above the legend) fits A's 1 km square: A spans the middle third
    centre_a = _lightness(img, 300, 170)
    centre_b = _lightness(img, 560, 170)     # B, to the right of A, inside the frame
    assert centre_a < 80                     # decile 1: the darkest colour
    assert centre_b > centre_a + 60          # faded


def test_without_context_every_area_is_drawn_in_full(qapp):
    img = _render(["N1", "N2"])              # both in the study area: both framed, none faded
    assert abs(_lightness(img, 150, 170) - _lightness(img, 450, 170)) < 10
