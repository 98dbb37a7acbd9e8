"""ChartsPanel: need, provision, gaps and inequality as charts, per neighbourhood and across them.

Why it exists: the charts planners take into a workshop. "This neighbourhood" shows need against
provision by segment, the segment mix and the deprivation profile; "All neighbourhoods" shows the
gap chart (need against access with labelled quadrants), coverage with 95% confidence intervals,
and the slope index of inequality by category. Charts that need a mapping run say so instead of
showing empty axes. Colours come from ``palettes`` (colour-blind safe). The "All
neighbourhoods" charts are drawn by the ``AcrossCharts`` mixin (charts_across.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PySide6 import QtCore, QtWidgets

from phdesk.core.study_area import study_mask
from phdesk.ui import chart_items as ci
from phdesk.ui import palettes
from phdesk.ui.chart_window import open_large, swap_and_draw
from phdesk.ui.charts_across import NEED, PROVISION, RUN_FIRST, AcrossCharts
from phdesk.ui.pending import Deferred
from phdesk.ui.widgets import make_combo

CHARTS = ("need_chart", "composition_chart", "decile_chart", "gap_chart", "coverage_chart",
          "sii_chart")


class ChartsPanel(AcrossCharts, QtWidgets.QWidget):
    """Charts of a MappingResult plus the area profile and segment populations."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setAccessibleName("Charts panel")
        self._result = None
        self._deferred = Deferred("inequality", self)
        self._profile = pd.DataFrame(columns=["area_code", "neighbourhood", "imd_decile",
                                              "population"])
        self._segpop = pd.DataFrame(columns=["area_code", "segment", "population"])
        self.neighbourhood_combo = self._combo("Neighbourhood", "Neighbourhood for the charts "
                                               "on the first tab")
        self.segment_combo = self._combo("Segment", "Population segment")
        self.category_combo = self._combo("Category", "Asset category")
        self.export_button = QtWidgets.QPushButton("Export PNG…")
        self.export_button.setAccessibleName("Export charts as PNG")
        bar = QtWidgets.QHBoxLayout()
        for label, w in (("Neighbourhood", self.neighbourhood_combo),
                         ("Category", self.category_combo), ("Segment", self.segment_combo)):
            lab = QtWidgets.QLabel(label)
            lab.setBuddy(w)
            bar.addWidget(lab)
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.export_button)
        self.need_chart = ci.ChartBox("Need against provision by segment", lines=20)
        self.composition_chart = ci.ChartBox("Segment composition")
        self.decile_chart = ci.ChartBox("Deprivation decile profile")
        self.gap_chart = ci.ChartBox("Gap chart")
        self.coverage_chart = ci.ChartBox("Coverage with confidence intervals")
        self.sii_chart = ci.ChartBox("Slope index of inequality")
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.setAccessibleName("Chart pages")
        self.tabs.addTab(_grid([self.need_chart, self.composition_chart, self.decile_chart]),
                         "This neighbourhood")
        self.tabs.addTab(_grid([self.gap_chart, self.coverage_chart, self.sii_chart]),
                         "All neighbourhoods")
        outer = QtWidgets.QVBoxLayout(self)
        outer.addLayout(bar)
        outer.addWidget(self.tabs, 1)
        self.neighbourhood_combo.currentIndexChanged.connect(self._on_neighbourhood)
        self.segment_combo.currentIndexChanged.connect(self.redraw)
        self.category_combo.currentIndexChanged.connect(self._on_category)
        self.export_button.hide()   # shown when a window gives it somewhere to export to
        self._resized = QtCore.QTimer(self, singleShot=True, interval=150)
        self._resized.timeout.connect(self.redraw)
        self._stale_tabs: set[int] = set()
        self.tabs.currentChanged.connect(self._on_tab)
        for attr in CHARTS:
            getattr(self, attr).open_large_requested.connect(
                lambda a=attr: open_large(self, a))
            getattr(self, attr).resized.connect(self._resized.start)
        self.redraw()

    def _inequality_built(self, result, error: str) -> None:
        if result is not self._result:
            return   # another result is shown now
        if error:
            self.sii_chart.show_message(f"No slope index of inequality: {error}.")
            return
        self._draw_sii()

    def draw_into(self, attr: str, box: ci.ChartBox) -> None:
        """Draw the chart held in ``attr`` (e.g. "gap_chart") into another box (opened large)."""
        self._on_tab(CHARTS.index(attr) // 3)   # its own tab drawn first, if it waited
        nb, _, cat = self._selection()
        draw = {"need_chart": lambda: self._draw_need(nb, cat),
                "composition_chart": lambda: self._draw_composition(nb),
                "decile_chart": lambda: self._draw_deciles(nb), "gap_chart": self._draw_gap,
                "coverage_chart": self._draw_coverage, "sii_chart": self._draw_sii}[attr]
        swap_and_draw(self, attr, box, draw)

    def main_control(self) -> QtWidgets.QWidget:
        """Where Ctrl+3 lands: the choice of neighbourhood the charts show."""
        return self.neighbourhood_combo

    def _combo(self, name: str, tip: str) -> QtWidgets.QComboBox:
        return make_combo(name, tip, 16)

    # ---- contract -------------------------------------------------------------------------
    def set_data(self, result, area_profile: pd.DataFrame | None,
                 segment_population: pd.DataFrame | None) -> None:
        """A MappingResult (or None), service.area_profile() and service.segment_population()."""
        self._result = result
        if area_profile is not None:
            self._profile = _name_unassigned(area_profile)
        if segment_population is not None:
            self._segpop = segment_population
        nbs = sorted(set(self._profile["neighbourhood"].dropna().astype(str)))
        cats = []
        if result is not None:
            ns = result.neighbourhood_segments
            nbs = sorted(set(nbs) | set(ns["neighbourhood"].dropna().astype(str)))
            cats = sorted(set(ns["category"].tolist()))
        for combo, items in ((self.neighbourhood_combo, nbs), (self.category_combo, cats),
                             (self.segment_combo, None)):
            items = self._segments_for(None) if items is None else items
            keep = combo.currentText()
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(items)
            if combo.findText(keep) >= 0:
                combo.setCurrentIndex(combo.findText(keep))
            combo.setEnabled(bool(items))
            combo.blockSignals(False)
        self.redraw()

    def _segments_for(self, category: str | None) -> list[str]:
        """Segments the result has for a category (a category serves only some segments)."""
        if self._result is None:
            return []
        ns = self._result.neighbourhood_segments
        cat = category or self.category_combo.currentText()
        return list(dict.fromkeys(ns.loc[ns["category"] == cat, "segment"].tolist()))

    def _on_category(self, *_) -> None:
        keep = self.segment_combo.currentText()
        self.segment_combo.blockSignals(True)
        self.segment_combo.clear()
        self.segment_combo.addItems(self._segments_for(None))
        self.segment_combo.setEnabled(self.segment_combo.count() > 0)
        if self.segment_combo.findText(keep) >= 0:
            self.segment_combo.setCurrentIndex(self.segment_combo.findText(keep))
        self.segment_combo.blockSignals(False)
        self.redraw()

    def set_neighbourhood(self, name: str | None) -> None:
        """Show the first tab's charts for this neighbourhood (and mark it on the gap chart)."""
        i = self.neighbourhood_combo.findText(name) if name else -1
        if i >= 0:
            self.neighbourhood_combo.setCurrentIndex(i)

    def set_export_handler(self, export) -> None:
        """Show the Export PNG button, which calls ``export()``: the window's one export path
        (rendered from the data at a stated size, under the disclosure rule), never a grab."""
        self.export_button.clicked.connect(lambda _checked=False: export())
        self.export_button.show()

    # ---- drawing --------------------------------------------------------------------------
    def redraw(self, *_) -> None:
        """Draw the charts; on screen, only the tab shown (each chart is a new pyqtgraph plot,
        most of a live what-if's time in the window): the other tab is drawn when shown."""
        self._stale_tabs = set()
        for tab, draw in enumerate((self._draw_neighbourhood, self._draw_across)):
            if self.isVisible() and self.tabs.currentIndex() != tab:
                self._stale_tabs.add(tab)
            else:
                draw()

    def _draw_across(self) -> None:
        self._draw_gap()
        self._draw_coverage()
        self._draw_sii()

    def _on_tab(self, tab: int) -> None:
        if tab in self._stale_tabs:
            self._stale_tabs.discard(tab)
            (self._draw_neighbourhood, self._draw_across)[tab]()

    def _selection(self) -> tuple[str | None, str | None, str | None]:
        return (self.neighbourhood_combo.currentText() or None,
                self.segment_combo.currentText() or None,
                self.category_combo.currentText() or None)

    def _ns(self, segment: str | None = None, category: str | None = None) -> pd.DataFrame:
        df = self._result.neighbourhood_segments
        keep = np.ones(len(df), dtype=bool)
        if segment is not None:
            keep &= (df["segment"] == segment).to_numpy(dtype=bool)
        if category is not None:
            keep &= (df["category"] == category).to_numpy(dtype=bool)
        return df[keep]

    def _on_neighbourhood(self, *_) -> None:
        self._draw_neighbourhood()
        self._draw_gap()   # the chosen neighbourhood is marked there too

    def _draw_neighbourhood(self, *_) -> None:
        nb, _, cat = self._selection()
        self._draw_need(nb, cat)
        self._draw_composition(nb)
        self._draw_deciles(nb)

    def _draw_need(self, nb: str | None, cat: str | None) -> None:
        box = self.need_chart
        if self._result is None:
            box.show_message(RUN_FIRST.format(what="need against provision by segment"))
            return
        df = self._ns(category=cat)
        df = df[df["neighbourhood"] == nb]
        total = float(df.loc[df["segment"] == "All", "population"].sum()) \
            if (df["segment"] == "All").any() else _nb_population(self._profile, nb)
        rows = box.max_rows(plots=2)   # as many as its height shows readably (more when large)
        df = df[df["segment"] != "All"].sort_values("population", ascending=False).head(rows)
        if df.empty or total <= 0:
            box.show_message(f"No segment results for {nb or 'this neighbourhood'}.")
            return
        labels = df["segment"].astype(str).tolist()
        # two plots stacked, the same rows in each: need above, provision below
        p1 = box.new_plot(f"Need: share of {nb} residents", "Population share (%)")
        ci.hbars(p1, labels, 100 * df["population"].to_numpy(float) / total, NEED, percent=True)
        p2 = box.new_plot(f"Provision: {cat} in {nb}", "Assets per 10,000 people in the segment",
                          row=1)
        ci.hbars(p2, labels, df["assets_per_10k"].to_numpy(float), PROVISION)
        p2.getAxis("left").setWidth(p1.getAxis("left").width())

    def _draw_composition(self, nb: str | None) -> None:
        box = self.composition_chart
        sp = self._segpop
        if sp.empty or nb is None:
            box.show_message("No segment populations in this project yet: import population "
                             "or segment data to see the segment mix.")
            return
        codes = self._profile.loc[self._profile["neighbourhood"] == nb, "area_code"]
        part = sp[sp["area_code"].isin(set(codes)) & (sp["segment"] != "All")]
        pop = part.groupby("segment", sort=False)["population"].sum()
        pop = pop[pop > 0].sort_values(ascending=False)
        if pop.empty:
            box.show_message(f"No segment populations for {nb}.")
            return
        x_label = "Population (people)"
        rows = box.max_rows()
        if len(pop) > rows:   # said under the chart: the title has little room
            x_label += f": largest {rows} of {len(pop)}"
        plot = box.new_plot(f"Segments in {nb}", x_label)
        ci.hbars(plot, pop.index[:rows].astype(str).tolist(), pop.to_numpy()[:rows], NEED)

    def _draw_deciles(self, nb: str | None) -> None:
        box = self.decile_chart
        p = self._profile[self._profile["neighbourhood"] == nb] if nb else self._profile
        dec = pd.to_numeric(p["imd_decile"], errors="coerce")
        if dec.notna().sum() == 0:
            box.show_message("No deprivation data yet: import IMD deciles to see the profile.")
            return
        pop = pd.to_numeric(p["population"], errors="coerce").fillna(0).groupby(dec).sum()
        pop = pop.reindex(np.arange(1, 11), fill_value=0.0)
        plot = box.new_plot(f"Deprivation profile of {nb or 'all areas'}",
                            "IMD decile (1 = most deprived 10% nationally)", "Population (people)")
        ci.vbars(plot, [str(d) for d in range(1, 11)], pop.to_numpy(float),
                 palettes.sequential(10)[::-1])


def _grid(boxes: list[ci.ChartBox]) -> QtWidgets.QWidget:
    """The three charts side by side: they fit the bottom dock of a 1366 x 768 window (stacked,
    two of them were below its fold); any chart opens large (phdesk.ui.chart_window)."""
    w = QtWidgets.QWidget()
    g = QtWidgets.QHBoxLayout(w)
    for box in boxes:
        g.addWidget(box, 1)
    return w


def _name_unassigned(profile: pd.DataFrame) -> pd.DataFrame:
    """Areas in no neighbourhood go by the mapping engine's name for them, so a project without
    a neighbourhood lookup still gets its segment mix and deprivation profile (the charts keyed
    by "(no neighbourhood)" found no areas and said there were no segment populations). When
    some areas have a neighbourhood, the others are context (docs/mapping.md, "Study area and
    edges"): never charted as a neighbourhood, so they keep no name (Lewisham's wards inside all
    of London's areas had opened the charts on "(no neighbourhood)", 6.9 million people)."""
    nb = profile["neighbourhood"]
    # unnamed yet in the study area: only when no area has a neighbourhood
    whole = (nb.isna() | (nb.astype("string").str.strip() == "")).to_numpy(bool) & study_mask(nb)
    if not whole.any():
        return profile
    # imported here: start-up does not load the mapping engine
    from phdesk.core.mapping import NO_NEIGHBOURHOOD
    return profile.assign(neighbourhood=nb.astype(object).where(~whole, NO_NEIGHBOURHOOD))


def _nb_population(profile: pd.DataFrame, nb: str | None) -> float:
    p = profile[profile["neighbourhood"] == nb]
    return float(pd.to_numeric(p["population"], errors="coerce").sum())


def _preview() -> int:
    import argparse
    import sys

    from phdesk.ui.preview_data import demo_inputs

    ap = argparse.ArgumentParser()
    ap.add_argument("--shot", help="save PNGs FILE (first tab) and FILE-2 (second tab), exit")
    ap.add_argument("--none", action="store_true", help="show the panel with no result")
    args = ap.parse_args()
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv)
    d = demo_inputs()
    panel = ChartsPanel()
    panel.resize(1400, 860)
    panel.set_data(None if args.none else d["result"], d["profile"], d["segment_population"])
    if not args.none:
        panel.category_combo.setCurrentIndex(max(0, panel.category_combo.findText("GP practice")))
        panel.segment_combo.setCurrentIndex(max(0, panel.segment_combo.findText("Age 65+")))
        panel.set_neighbourhood("Riverside")
    panel.show()
    if args.shot:
        for tab in range(2):
            panel.tabs.setCurrentIndex(tab)
            QtCore.QTimer.singleShot(300, app.quit)
            app.exec()
            shot = Path(args.shot)
            # a preview screenshot of the widget (a user's export renders: set_export_handler)
            panel.grab().save(str(shot if tab == 0 else shot.with_name(shot.stem + "-2.png")))
        return 0
    return app.exec()


if __name__ == "__main__":
    raise SystemExit(_preview())
