"""Drawing a bundle's map and charts with QPainter onto any paint device (PDF page, image).

Rendered from the data, not grabbed from widgets, so the report and PNG exports work offscreen
and look the same at any size or resolution. Colours: the colour-blind-safe ramps and
categorical palette of ``phdesk.ui.palettes``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from PySide6 import QtCore, QtGui

from phdesk.core.disclosure import SUPPRESSED
from phdesk.core.rings import RingArrays, ring_arrays
from phdesk.core.study_area import study_mask
from phdesk.ui import palettes
from phdesk.ui.map_paths import grouped_paths

INK = QtGui.QColor(palettes.TEXT)
MUTED = QtGui.QColor(palettes.MUTED_TEXT)


def draw_marker(p: QtGui.QPainter, style: tuple[str, str], centre: QtCore.QPointF, r: float,
                outline: QtGui.QColor) -> None:
    """One asset marker: ``style`` = (colour, pyqtgraph symbol name) as the window's map draws
    it (``palettes.category_styles``), ``r`` its half-size in pixels, outlined in ``outline``."""
    from pyqtgraph.graphicsItems.ScatterPlotItem import Symbols

    colour, symbol = style
    p.save()
    p.translate(centre)
    p.scale(2 * r, 2 * r)   # the symbols are paths about 1 unit across
    p.setPen(QtGui.QPen(outline, 0.6 / (2 * r) * max(1.0, r * 0.5)))
    p.setBrush(QtGui.QColor(colour))
    p.drawPath(Symbols.get(symbol, Symbols["o"]))
    p.restore()


def _rings(g) -> list:
    if g is None or g.is_empty:
        return []
    polys = g.geoms if g.geom_type == "MultiPolygon" else [g]
    return [p for p in polys if p.geom_type == "Polygon"]


def _path(poly, tf) -> QtGui.QPainterPath:
    path = QtGui.QPainterPath()
    for ring in [poly.exterior, *poly.interiors]:
        xy = np.asarray(ring.coords)
        pts = [tf(x, y) for x, y in xy]
        path.moveTo(pts[0])
        for p in pts[1:]:
            path.lineTo(p)
        path.closeSubpath()
    path.setFillRule(QtCore.Qt.FillRule.OddEvenFill)
    return path


def _fill_areas(p: QtGui.QPainter, geoms: np.ndarray, cls: np.ndarray, in_focus: np.ndarray,
                colours: list, view: tuple, to_page) -> None:
    """Fill the areas that reach into ``view`` (xmin, ymin, xmax, ymax metres), one path per
    colour class and focus (faded outside it), edged in white. Building the paths from numpy
    arrays, not vertex by vertex, and leaving out areas off the page matters: a neighbourhood
    page of a London-wide project drew 4,994 areas point by point (49 s for a 19-neighbourhood
    report)."""
    visible = shapely.intersects(geoms, shapely.box(*view))
    rings = ring_arrays(geoms[visible])
    if not len(rings.x):
        return
    x, y = to_page(rings.x, rings.y)
    rings = RingArrays(x, y, rings.connect, rings.start, rings.count)
    keys = (cls[visible].astype(np.int64) + 1) * 2 + (~in_focus[visible]).astype(np.int64)
    p.setPen(QtGui.QPen(QtGui.QColor("#ffffff"), 0.4))
    for k, path in grouped_paths(rings, keys):
        c, faded = k // 2 - 1, k % 2
        colour = QtGui.QColor(colours[c] if c >= 0 else palettes.NO_DATA)
        if faded:
            colour.setAlpha(70)
        p.setBrush(colour)
        p.drawPath(path)


def draw_map(p: QtGui.QPainter, rect: QtCore.QRectF, areas: pd.DataFrame,
             assets: pd.DataFrame | None = None, focus: str | None = None,
             font_pt: float = 7.0, shading=None) -> None:
    """Areas shaded by IMD decile (1 = most deprived, darkest) or by ``shading`` (a
    ``report_shading.Shading``), the focus neighbourhood outlined, assets as dots coloured by
    category, a legend below the map."""
    geoms = areas["geometry"].to_numpy(dtype=object)
    # the whole map shows the study area; context areas around it are drawn faded where they
    # fall, as the areas of other neighbourhoods are on a neighbourhood's page
    in_focus = (study_mask(areas["neighbourhood"]) if focus is None
                else (areas["neighbourhood"] == focus).to_numpy(bool))
    shown = areas[in_focus]
    box = shapely.total_bounds([g for g in shown["geometry"] if g is not None])
    if not np.all(np.isfinite(box)):
        return
    cats = sorted(assets["category"].astype(str).unique()) if assets is not None else []
    ramp = palettes.sequential(10, "cividis")[::-1]   # decile 1 (most deprived) darkest
    if shading is None:
        deciles = pd.to_numeric(areas["imd_decile"], errors="coerce").to_numpy(dtype=float)
        cls = np.where(np.isfinite(deciles), np.nan_to_num(deciles, nan=0).astype(int) - 1, -1)
        key = ("IMD decile: 1 (most deprived)", ramp, ["10 (least)"])
    else:
        cls, key = shading.classes, (shading.title, shading.colours, shading.labels)
    legend_h = _map_legend(p, QtCore.QRectF(rect.x(), 0, rect.width(), 0), key, cats, font_pt,
                           draw=False)
    frame = QtCore.QRectF(rect.x(), rect.y(), rect.width(), rect.height() - legend_h)
    w, h = max(box[2] - box[0], 1.0), max(box[3] - box[1], 1.0)
    scale = min(frame.width() / w, frame.height() / h) * 0.95
    ox = frame.x() + (frame.width() - w * scale) / 2
    oy = frame.y() + (frame.height() + h * scale) / 2

    def tf(x: float, y: float) -> QtCore.QPointF:
        return QtCore.QPointF(ox + (x - box[0]) * scale, oy - (y - box[1]) * scale)

    p.save()
    p.setClipRect(frame)
    p.fillRect(frame, QtGui.QColor("#ffffff"))
    _fill_areas(p, geoms, np.asarray(cls), in_focus, key[1],
                (box[0] - (ox - frame.x()) / scale, box[1] - (frame.bottom() - oy) / scale,
                 box[0] + (frame.right() - ox) / scale, box[1] + (oy - frame.y()) / scale),
                lambda x, y: (ox + (x - box[0]) * scale, oy - (y - box[1]) * scale))
    if not in_focus.all():
        outline = shapely.union_all([g for g in shown["geometry"] if g is not None])
        p.setPen(QtGui.QPen(QtGui.QColor("#d55e00"), 2.0))
        p.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        for poly in _rings(outline):
            p.drawPath(_path(poly, tf))
    if assets is not None and len(assets):
        r = max(1.5, font_pt * 0.35)
        styles = palettes.category_styles(cats)   # as on the window's map, by name
        placed = assets.dropna(subset=["easting", "northing"])
        for x, y, cat in zip(placed["easting"], placed["northing"],
                             placed["category"].astype(str), strict=True):
            draw_marker(p, styles[cat], tf(x, y), r, QtGui.QColor("#ffffff"))  # seen on dark
    p.restore()
    _map_legend(p, QtCore.QRectF(rect.x(), frame.bottom() + 2, rect.width(), legend_h - 2),
                key, cats, font_pt)


def _map_legend(p, rect, key, cats, font_pt, draw: bool = True) -> float:
    """Draw the legend (or only measure it); returns its height. ``key``: (title, colours,
    labels); for the IMD deciles one label ("10 (least)") after a row of swatches, else one
    label per colour, flowing in rows."""
    f = p.font()
    f.setPointSizeF(font_pt)
    p.setFont(f)
    p.setPen(INK)
    fm = QtGui.QFontMetricsF(f, p.device())
    x, y = rect.x(), rect.y()
    sw = fm.height()
    title, colours, labels = key
    if draw:
        p.drawText(QtCore.QPointF(x, y + fm.ascent()), title)
    if len(labels) == 1:   # the deciles' ramp, on the title's line
        x += fm.horizontalAdvance(title + " ") + 2
        if draw:
            for c in colours:
                p.fillRect(QtCore.QRectF(x, y, sw, sw * 0.8), QtGui.QColor(c))
                x += sw
            p.drawText(QtCore.QPointF(x + 3, y + fm.ascent()), labels[0])
    else:
        y += fm.height() * 1.2
        for c, label in zip(colours, labels, strict=True):
            need = sw * 1.3 + fm.horizontalAdvance(label) + sw
            if x + need > rect.right() and x > rect.x():
                x, y = rect.x(), y + fm.height() * 1.2
            if draw:
                p.fillRect(QtCore.QRectF(x, y, sw, sw * 0.8), QtGui.QColor(c))
                p.drawText(QtCore.QPointF(x + sw * 1.3, y + fm.ascent()), label)
            x += need
    x, y = rect.x(), y + fm.height() * 1.4
    styles = palettes.category_styles(cats)
    for c in cats:
        need = sw + fm.horizontalAdvance(c) + sw * 0.8
        if x + need > rect.right() and x > rect.x():
            x, y = rect.x(), y + fm.height() * 1.2
        if draw:
            draw_marker(p, styles[c], QtCore.QPointF(x + sw / 3, y + fm.height() / 2), sw / 3,
                        INK)
            p.setPen(INK)
            p.drawText(QtCore.QPointF(x + sw, y + fm.ascent()), c)
        x += need
    return y + fm.height() * 1.3 - rect.y()


def draw_bars(p: QtGui.QPainter, rect: QtCore.QRectF, title: str, labels: list[str],
              values: list, unit: str = "", font_pt: float = 7.0,
              colour: str = palettes.CATEGORICAL[4], top: float | None = None) -> None:
    """A horizontal bar chart; a hidden value (``*``) is labelled, not drawn. ``top``: the
    scale's end when it is fixed (100 for percentages)."""
    f = QtGui.QFont(p.font())
    f.setPointSizeF(font_pt)
    f.setBold(False)
    p.setFont(f)
    fm = QtGui.QFontMetricsF(f, p.device())
    p.setPen(INK)
    bold = QtGui.QFont(f)
    bold.setBold(True)
    p.setFont(bold)
    p.drawText(QtCore.QPointF(rect.x(), rect.y() + fm.ascent()), title)
    p.setFont(f)
    if not labels:
        p.setPen(MUTED)
        p.drawText(QtCore.QPointF(rect.x(), rect.y() + fm.height() * 2.2), "no data")
        return
    nums = [float(v) for v in values if not isinstance(v, str) and pd.notna(v)]
    lo, hi = min([0.0, *nums]), max([0.0, *nums, top or 0.0]) or 1.0   # top: e.g. 100 %
    label_w = min(rect.width() * 0.45, max(fm.horizontalAdvance(t) for t in labels) + 6)
    y0 = rect.y() + fm.height() * 1.5
    row_h = min(fm.height() * 1.5, (rect.bottom() - y0) / len(labels))
    span = max(hi - lo, 1e-9)
    widest = max([fm.horizontalAdvance(f"{v:,.1f}{unit}") for v in nums] + [0.0])
    plot_x = rect.x() + label_w
    plot_w = rect.width() - label_w - max(widest, fm.horizontalAdvance("* (hidden)")) - 6
    zero = plot_x + (0 - lo) / span * plot_w
    for i, (lab, v) in enumerate(zip(labels, values, strict=True)):
        y = y0 + i * row_h
        p.setPen(INK)
        p.drawText(QtCore.QRectF(rect.x(), y, label_w - 4, row_h),
                   int(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter),
                   fm.elidedText(lab, QtCore.Qt.TextElideMode.ElideRight, label_w - 4))
        if isinstance(v, str) or pd.isna(v):
            p.setPen(MUTED)
            p.drawText(QtCore.QPointF(zero + 3, y + row_h / 2 + fm.ascent() / 2 - 1),
                       "* (hidden)" if v == SUPPRESSED else "–")
            continue
        x0, x1 = sorted((zero, plot_x + (float(v) - lo) / span * plot_w))
        p.fillRect(QtCore.QRectF(x0, y + row_h * 0.15, max(x1 - x0, 0.5), row_h * 0.7),
                   QtGui.QColor(colour))
        p.setPen(INK)
        p.drawText(QtCore.QPointF(max(x1, zero) + 3, y + row_h / 2 + fm.ascent() / 2 - 1),
                   f"{float(v):,.1f}{unit}")
    p.setPen(QtGui.QPen(MUTED, 0.5))
    p.drawLine(QtCore.QPointF(zero, y0), QtCore.QPointF(zero, y0 + row_h * len(labels)))
