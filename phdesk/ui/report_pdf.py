"""The neighbourhood report as PDF, with Qt's own PDF writer (QPdfWriter + QPainter).

A cover (study area, sources, the overview map, the disclosure statement), then two pages per
neighbourhood: (1) map, key figures and biggest gaps; (2) access by segment as a chart and a
table, then notes and ideas with decisions. Every page has the date of the run, its number and
the disclosure rule. A4 portrait, units are points (the writer's resolution is 72 dpi).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from PySide6 import QtCore, QtGui

from phdesk.core.errors import UserError
from phdesk.core.gap_ranking import gap_label
from phdesk.export.bundle import ExportBundle, key_figures
from phdesk.export.formats import shown
from phdesk.ui.report_draw import INK, MUTED, draw_bars, draw_map

W, H, M = 595.0, 842.0, 40.0          # A4 in points, margin
BODY = 9.0
ALIGN_WRAP = int(QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignTop
                 | QtCore.Qt.TextFlag.TextWordWrap)


class _Doc:
    def __init__(self, painter: QtGui.QPainter, writer: QtGui.QPdfWriter, bundle: ExportBundle,
                 pages: int) -> None:
        self.p, self.writer, self.b, self.pages, self.page = painter, writer, bundle, pages, 1

    def font(self, size: float = BODY, bold: bool = False) -> QtGui.QFontMetricsF:
        f = QtGui.QFont("DejaVu Sans")
        f.setPointSizeF(size)
        f.setBold(bold)
        self.p.setFont(f)
        return QtGui.QFontMetricsF(f)

    def text(self, x: float, y: float, w: float, s: str, size: float = BODY,
             bold: bool = False, colour: QtGui.QColor = INK) -> float:
        """Wrapped text at (x, y); returns the y below it."""
        self.font(size, bold)
        self.p.setPen(colour)
        r = self.p.boundingRect(QtCore.QRectF(x, y, w, H), ALIGN_WRAP, s)
        self.p.drawText(QtCore.QRectF(x, y, w, r.height() + 1), ALIGN_WRAP, s)
        return y + r.height()

    def footer(self) -> None:
        b = self.b
        y = H - M + 8
        self.p.setPen(QtGui.QPen(MUTED, 0.5))
        self.p.drawLine(QtCore.QPointF(M, y - 4), QtCore.QPointF(W - M, y - 4))
        self.text(M, y, W - 2 * M - 70, f"{b.title} · phdesk {b.version} · mapping run of "
                  f"{b.run_date} · {short_rule(b)}", 6.5, colour=MUTED)
        self.font(6.5)
        self.p.drawText(QtCore.QRectF(W - M - 70, y, 70, 12),
                        int(QtCore.Qt.AlignmentFlag.AlignRight),
                        f"page {self.page} of {self.pages}")

    def new_page(self) -> None:
        self.footer()
        self.writer.newPage()
        self.page += 1


def short_rule(b: ExportBundle) -> str:
    r = b.rule
    if not r.enabled:
        return "disclosure control OFF (reason on the cover)"
    return (f"patient-derived counts 1–{r.threshold} shown as *, others rounded to "
            f"{r.rounding_base}")


def write(bundle: ExportBundle, path: Path, **_options) -> list[Path]:
    """Write the report; UserError if the file cannot be written."""
    writer = QtGui.QPdfWriter(str(path))
    writer.setPageSize(QtGui.QPageSize(QtGui.QPageSize.PageSizeId.A4))
    writer.setPageMargins(QtCore.QMarginsF(0, 0, 0, 0))
    writer.setResolution(72)
    writer.setTitle(f"{bundle.title}: neighbourhood report")
    writer.setCreator(f"phdesk {bundle.version}")
    painter = QtGui.QPainter()
    if not painter.begin(writer):
        raise UserError(f"{path}: cannot write the PDF (is the folder writable?)")
    try:
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        doc = _Doc(painter, writer, bundle, 1 + 2 * len(bundle.neighbourhoods)
                   + (1 if bundle.comparison is not None else 0))
        _cover(doc)
        for nb in bundle.neighbourhoods:
            doc.new_page()
            _nb_first(doc, nb)
            doc.new_page()
            _nb_second(doc, nb)
        if bundle.comparison is not None:
            doc.new_page()
            _comparison(doc)
        doc.footer()
    finally:
        painter.end()
    if not path.exists():
        raise UserError(f"{path}: the PDF could not be written")
    _pin_dates(path, bundle.run_date)
    return [path]


def _pin_dates(path: Path, run_date: str) -> None:
    """Qt stamps the PDF with the clock time and a random document id: replace them (same
    lengths, so the file's offsets stay right) with the run's date and an id made from the
    content, so one run exports to the same bytes from the window and the command line."""
    import hashlib
    import re
    import uuid

    data = path.read_bytes()
    day = re.sub(r"\D", "", run_date)[:8].ljust(8, "0").encode()
    iso = (run_date[:10] if len(run_date) >= 10 else "2000-01-01").encode()
    data = re.sub(rb"D:\d{14}", b"D:" + day + b"000000", data)
    data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", iso + b"T00:00:00", data)
    pattern = rb"uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    id_pattern = rb"/ID \[ <[0-9a-fA-F]+> <[0-9a-fA-F]+> \]"
    stable = re.sub(id_pattern, b"", re.sub(pattern, b"uuid:", data))
    doc_id = str(uuid.UUID(hashlib.sha256(stable).hexdigest()[:32])).encode()
    data = re.sub(pattern, b"uuid:" + doc_id, data)
    # the trailer's /ID: Qt writes the document id's text in hex, twice
    data = re.sub(id_pattern,
                  b"/ID [ <" + doc_id.hex().encode() + b"> <" + doc_id.hex().encode() + b"> ]",
                  data)
    path.write_bytes(data)


def _cover(d: _Doc) -> None:
    b = d.b
    y = d.text(M, M, W - 2 * M, b.title, 22, bold=True)
    y = d.text(M, y + 2, W - 2 * M, "Neighbourhood report: population, assets, gaps", 12,
               colour=MUTED)
    s = b.summary
    scen = f" · scenario '{b.scenario}'" if b.scenario else ""
    y = d.text(M, y + 8, W - 2 * M,
               f"Mapping run of {b.run_date}{scen} · {s.get('areas', '?')} areas · "
               f"{len(b.neighbourhoods)} neighbourhoods · {s.get('assets_mapped', '?')} assets "
               f"· project file {b.project_file}")
    draw_map(d.p, QtCore.QRectF(M, y + 8, W - 2 * M, 330), b.areas, b.tables["assets"])
    y += 350
    y = d.text(M, y, W - 2 * M, "Study area", 11, bold=True)
    y = d.text(M, y + 2, W - 2 * M, "Neighbourhoods: " + ", ".join(b.neighbourhoods))
    y = d.text(M, y + 8, W - 2 * M, "Sources and editions", 11, bold=True)
    for k, v in b.sources()[:12]:
        y = d.text(M, y + 1, W - 2 * M, f"{k}: {v}", 8)
    y = d.text(M, y + 8, W - 2 * M, "Disclosure control", 11, bold=True)
    d.text(M, y + 2, W - 2 * M, b.statement, 8)


def _nb_first(d: _Doc, nb: str) -> None:
    b = d.b
    y = d.text(M, M, W - 2 * M, nb, 18, bold=True)
    draw_map(d.p, QtCore.QRectF(M, y + 6, W - 2 * M, 360), b.areas,
             _assets_in(b, nb), focus=nb)
    y += 380
    kf = key_figures(b, nb)
    areas = int((b.areas["neighbourhood"] == nb).sum())
    assets = int((b.tables["assets"]["neighbourhood"].astype(str) == nb).sum())
    figures = [("Population (all residents)", shown(kf["population"], "population")),
               ("Living in Core20 areas", shown(kf["core20_pct"], "coverage_pct") + " %"
                if kf["core20_pct"] != "*" else "*"),
               ("Areas (LSOAs)", f"{areas}"), ("Assets located here", f"{assets}")]
    y = d.text(M, y, W - 2 * M, "Key figures", 11, bold=True) + 4
    col = (W - 2 * M) / 4
    for i, (k, v) in enumerate(figures):
        d.text(M + i * col, y, col - 6, v, 15, bold=True)
        d.text(M + i * col, y + 20, col - 6, k, 7.5, colour=MUTED)
    y += 48
    y = d.text(M, y, W - 2 * M, "Biggest gaps (need share minus provision share, "
               "percentage points; > 0 = more need than provision)", 11, bold=True) + 2
    gaps = kf["gaps"]
    draw_bars(d.p, QtCore.QRectF(M, y, W - 2 * M, 150), "",
              [gap_label(r) for r in gaps.itertuples()],
              list(gaps["gap_score"]), " pp", font_pt=8)


def _assets_in(b: ExportBundle, nb: str) -> pd.DataFrame:
    a = b.tables["assets"]
    return a[a["neighbourhood"].astype(str) == nb]


def _main_category(acc: pd.DataFrame, assets: pd.DataFrame) -> str:
    """The category charted on a neighbourhood's second page: the one serving most segments,
    and among those the one with most sites in the study area (a one-site category, often a
    register's odd label such as "Clinic|Dentist", tied with the pharmacies and took the page
    by coming first in the alphabet)."""
    segments = acc["category"].astype(str).value_counts(sort=False)
    if segments.empty:
        return ""
    sites = assets["category"].astype(str).value_counts() if "category" in assets else None
    tied = sorted(c for c, n in segments.items() if n == segments.max())
    return max(tied, key=lambda c: 0 if sites is None else int(sites.get(c, 0)))


def _nb_second(d: _Doc, nb: str) -> None:
    b = d.b
    y = d.text(M, M, W - 2 * M, f"{nb}: access by segment", 14, bold=True)
    acc = key_figures(b, nb)["access"]
    main = _main_category(acc, b.tables["assets"])
    mine, more = _bars_for(acc[acc["category"].astype(str) == main])
    draw_bars(d.p, QtCore.QRectF(M, y + 6, W - 2 * M, 14 + 12 * max(len(mine), 1)),
              f"Coverage of each segment by {main} (% within the catchment radius)",
              list(mine["segment"].astype(str)), list(mine["coverage_pct"]), " %", font_pt=7.5,
              top=100.0)
    y += 30 + 12 * max(len(mine), 1)
    if more:
        y = d.text(M, y - 8, W - 2 * M, f"… {more} more segments (ethnic sub-groups, age "
                   "bands) in the workbook", 7, colour=MUTED) + 6
    y = d.text(M, y, W - 2 * M, "Access by segment and category", 11, bold=True) + 2
    # rows that fit above the notes (~170 pt kept for them) and the footer
    fits = max(0, int((H - M - 170 - y) / (d.font(7.0).height() * 1.25)) - 1)
    acc = acc.assign(_all=(acc["segment"].astype(str) != "All"))   # all residents first
    acc = acc.sort_values(["_all", "category"], kind="stable").drop(columns="_all")
    y = _table(d, y, acc.head(fits), ["segment", "category", "population", "coverage_pct",
                                      "access_2sfca"],
               ["Segment", "Category", "People", "Coverage %", "Access /1,000"],
               [0.34, 0.26, 0.12, 0.13, 0.15])
    if len(acc) > fits:
        y = d.text(M, y, W - 2 * M, f"… {len(acc) - fits} more rows in the workbook", 7,
                   colour=MUTED)
    y = d.text(M, y + 8, W - 2 * M, "Notes and ideas", 11, bold=True) + 2
    notes = _rows_for(b.notes, nb)
    ideas = _rows_for(b.ideas, nb)
    if notes.empty and ideas.empty:
        d.text(M, y, W - 2 * M, "No notes or ideas for this neighbourhood.", 8, colour=MUTED)
    for _, r in notes.iterrows():
        if y > H - M - 30:
            break
        who = ", ".join(str(v) for v in (r.get("source_kind"), r.get("author")) if _has(v))
        y = d.text(M, y + 2, W - 2 * M, f"Note ({r.get('created_at', '')}"
                   f"{'; ' + who if who else ''}): {r.get('text', '')}", 8)
    for _, r in ideas.iterrows():
        if y > H - M - 30:
            break
        decision = r.get("decision") if _has(r.get("decision")) else "not decided yet"
        why = f" ({r.get('decision_reason')})" if _has(r.get("decision_reason")) else ""
        y = d.text(M, y + 2, W - 2 * M, f"Idea: {r.get('title', '')} — decision: "
                   f"{decision}{why}", 8)


MAX_BARS = 22   # a page holds the chart, a table and the notes


def _bars_for(rows: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The segments charted (at most ``MAX_BARS``: sub-groups such as 'Ethnicity: White:
    Irish' and single-year age bands go first when there are too many) and how many were left
    out."""
    if len(rows) <= MAX_BARS:
        return rows, 0
    seg = rows["segment"].astype(str)
    detail = (seg.str.count(":") >= 2) | seg.str.fullmatch(r"Age \d+-\d+")
    keep = rows[~detail.to_numpy()] if (~detail).sum() else rows
    keep = keep.head(MAX_BARS)
    return keep, len(rows) - len(keep)


def _has(v) -> bool:
    return v is not None and not (isinstance(v, float) and v != v) and str(v).strip() != ""


def _rows_for(frame: pd.DataFrame, nb: str) -> pd.DataFrame:
    if frame is None or frame.empty or "neighbourhood" not in frame:
        return pd.DataFrame()
    return frame[frame["neighbourhood"].astype(str) == nb]


def _table(d: _Doc, y: float, frame: pd.DataFrame, cols: list[str], heads: list[str],
           widths: list[float], size: float = 7.0) -> float:
    total = W - 2 * M
    xs = [M + total * sum(widths[:i]) for i in range(len(widths))]
    fm = d.font(size, bold=True)
    row_h = fm.height() * 1.25
    d.p.setPen(INK)
    for x, h, w in zip(xs, heads, widths, strict=True):
        d.p.drawText(QtCore.QRectF(x, y, total * w - 4, row_h), 0, h)
    y += row_h
    fm = d.font(size)
    for i, (_, r) in enumerate(frame.iterrows()):
        if i % 2 == 0:
            d.p.fillRect(QtCore.QRectF(M, y, total, row_h), QtGui.QColor("#f2f2f2"))
        d.p.setPen(INK)
        for x, c, w in zip(xs, cols, widths, strict=True):
            s = fm.elidedText(shown(r[c], c), QtCore.Qt.TextElideMode.ElideRight, total * w - 4)
            d.p.drawText(QtCore.QRectF(x, y, total * w - 4, row_h), 0, s)
        y += row_h
    return y + 2


def _comparison(d: _Doc) -> None:
    b = d.b
    against = f"'{b.against}'" if b.against else "the current register"
    y = d.text(M, M, W - 2 * M, f"Scenario '{b.scenario}' against {against}", 14, bold=True)
    c = b.comparison
    changed = c["covered_change"].map(lambda v: v == "*" or (pd.notna(v) and float(v) != 0))
    moved = c[changed.astype(bool)]
    y = d.text(M, y + 4, W - 2 * M, "People within reach, where the scenario changes it "
               "(each segment):", 9)
    if moved.empty:
        y = d.text(M, y + 4, W - 2 * M, "The scenario changes no one's reach.", 9, colour=MUTED)
    room = max(0, int((H - M - 40 - y) / (d.font(7.0).height() * 1.25)) - 2)  # footer note
    y = _table(d, y + 4, moved.head(room), ["neighbourhood", "segment", "category",
                                          "covered_base", "covered_scenario", "covered_change",
                                          "coverage_change_pp"],
               ["Neighbourhood", "Segment", "Category", "Covered (base)", "Covered (scen.)",
                "Change", "Change (pp)"], [0.15, 0.22, 0.17, 0.13, 0.13, 0.1, 0.1])
    if len(moved) > room:
        y = d.text(M, y, W - 2 * M, f"… {len(moved) - room} more rows in the workbook", 7,
                   colour=MUTED)
    d.text(M, y + 4, W - 2 * M, "Every segment and category is in the workbook's Scenario "
           "comparison sheet. Changes are the differences of the values shown.", 7,
           colour=MUTED)
