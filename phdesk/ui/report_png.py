"""PNG export: the map (or a chart) rendered from the data at a stated size and resolution.

``what``: ``map`` (areas by IMD decile, neighbourhood outline when one is asked, assets) or
``gaps`` (the biggest gaps chart). ``width``/``height`` in pixels (default 1600 x 1200),
``dpi`` the resolution written in the file and used for text sizes (default 150).
"""

from __future__ import annotations

from pathlib import Path

from PySide6 import QtCore, QtGui

from phdesk.core.errors import UserError
from phdesk.core.gap_ranking import biggest_gaps, gap_label, scarce_categories
from phdesk.export.bundle import ExportBundle
from phdesk.ui.report_draw import INK, draw_bars, draw_map
from phdesk.ui.report_shading import shading

WHAT = ("map", "gaps")


def render(bundle: ExportBundle, what: str = "map", width: int = 1600, height: int = 1200,
           dpi: int = 150, measure: str | None = None, level: str | None = None,
           category: str | None = None, segment: str | None = None) -> QtGui.QImage:
    """The picture as a QImage (no file), white background, title and disclosure line. A map
    is shaded by IMD decile unless ``measure`` (with ``level``, ``category``, ``segment``:
    ``report_shading.shading``) says otherwise."""
    if what not in WHAT:
        raise UserError(f"PNG: 'what' must be one of {', '.join(WHAT)}, not {what!r}")
    if not (100 <= width <= 20000 and 100 <= height <= 20000 and 36 <= dpi <= 1200):
        raise UserError("PNG: width and height must be 100-20000 pixels, dpi 36-1200")
    shade = None
    if what == "map" and measure not in (None, "imd_decile"):
        shade = shading(bundle, measure, level, category, segment)   # refuses before drawing
    img = QtGui.QImage(width, height, QtGui.QImage.Format.Format_ARGB32)
    # drawn at 72 dpi, where a point is a pixel and sizes below are scaled by dpi / 72; the
    # stated resolution is written once the drawing is done
    img.setDotsPerMeterX(round(72 / 0.0254))
    img.setDotsPerMeterY(round(72 / 0.0254))
    img.fill(QtGui.QColor("#ffffff"))
    p = QtGui.QPainter(img)
    try:
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        pt = dpi / 72.0                       # pixels per point
        font = QtGui.QFont("DejaVu Sans")
        font.setPixelSize(max(8, round(11 * pt)))
        font.setBold(True)
        p.setFont(font)
        p.setPen(INK)
        focus = bundle.neighbourhoods[0] if len(bundle.neighbourhoods) == 1 else None
        title = f"{bundle.title}" + (f": {focus}" if focus else "") + \
            (" — biggest gaps" if what == "gaps" else "")
        margin = 12 * pt
        p.drawText(QtCore.QPointF(margin, margin + 11 * pt), title)
        # the footer's height measured, not assumed: at 1200 px wide the statement takes three
        # lines and its last one fell off the picture
        small = QtGui.QFont(font)
        small.setBold(False)
        small.setPixelSize(max(6, round(6.5 * pt)))
        footer_text = f"Mapping run of {bundle.run_date}, phdesk {bundle.version}. " \
            f"{bundle.statement}"
        wrap = int(QtCore.Qt.TextFlag.TextWordWrap)
        footer_h = QtGui.QFontMetricsF(small, img).boundingRect(
            QtCore.QRectF(0, 0, width - 2 * margin, height), wrap, footer_text).height()
        footer = QtCore.QRectF(margin, height - margin - footer_h, width - 2 * margin, footer_h)
        top = margin + 20 * pt
        body = QtCore.QRectF(margin, top, width - 2 * margin,
                             max(10.0, footer.top() - 6 * pt - top))
        if what == "map":
            assets = bundle.tables["assets"]
            if focus:
                assets = assets[assets["neighbourhood"].astype(str) == focus]
            draw_map(p, body, bundle.areas, assets, focus=focus, font_pt=8 * pt,
                     shading=shade)
        else:
            ns = bundle.tables["neighbourhood_segments"]
            ns = ns[ns["neighbourhood"].astype(str).isin(bundle.neighbourhoods)]
            # the one ranking (core/gap_ranking): a category once per neighbourhood, small
            # segments and categories of too few sites after the others
            g = biggest_gaps(ns, 15, scarce_categories(bundle.tables.get("category_rules")))
            draw_bars(p, body, "Gap score, percentage points (> 0 = more need than provision)",
                      [gap_label(r, where=True) for r in g.itertuples()],
                      list(g["gap_score"]), " pp", font_pt=8 * pt)
        p.setFont(small)
        p.drawText(footer, wrap, footer_text)
    finally:
        p.end()
    img.setDotsPerMeterX(round(dpi / 0.0254))
    img.setDotsPerMeterY(round(dpi / 0.0254))
    return img


def write(bundle: ExportBundle, path: Path, what: str = "map", width: int = 1600,
          height: int = 1200, dpi: int = 150, measure: str | None = None,
          level: str | None = None, category: str | None = None, segment: str | None = None,
          **_options) -> list[Path]:
    img = render(bundle, what, width, height, dpi, measure, level, category, segment)
    if not img.save(str(path), "PNG"):
        raise UserError(f"{path}: cannot write the PNG (is the folder writable?)")
    return [path]
