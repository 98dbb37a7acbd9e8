"""The charts panel's "All neighbourhoods" tab: the gap chart (need against access, labelled
quadrants), coverage with 95% confidence intervals, and the slope index of inequality.

Why it exists: ``charts.py`` holds the panel, its choices and the "This neighbourhood" charts;
the charts across neighbourhoods are drawn here, as a mixin :class:`ChartsPanel` inherits (it
reads the panel's ``_result``, ``_profile`` and selection). The colours of need and provision
live here for both tabs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyqtgraph as pg
from PySide6 import QtCore

from phdesk.ui import chart_items as ci
from phdesk.ui import palettes

NEED = palettes.CATEGORICAL[4]        # blue: population / need
PROVISION = palettes.CATEGORICAL[0]   # orange: assets / access
RUN_FIRST = "Run mapping to see {what}."


class AcrossCharts:
    """The three charts across neighbourhoods, for :class:`~phdesk.ui.charts.ChartsPanel`."""

    def _draw_gap(self) -> None:
        box = self.gap_chart
        if self._result is None:
            box.show_message(RUN_FIRST.format(what="the gap chart (need against access)"))
            return
        nb, seg, cat = self._selection()
        df = self._ns(seg, cat).dropna(subset=["access_2sfca"])
        if df.empty:
            box.show_message("No results for this segment and category.")
            return
        if df["neighbourhood"].nunique() < 2:
            # one point on degenerate axes ("236301 236301 236301") compares nothing
            box.show_message(
                f"The gap chart compares neighbourhoods; this mapping run has only one "
                f"({df['neighbourhood'].iloc[0]}). Import a neighbourhood lookup (File ▸ Import "
                "data…) and run mapping again to compare them.")
            return
        totals = _nb_totals(self._result, self._profile, cat)
        share = 100 * df["population"].to_numpy(float) / df["neighbourhood"].map(totals).to_numpy(
            float)
        if np.all(np.isfinite(share)) and np.ptp(share) > 1e-9:
            x, x_label = share, f"Need: {seg} as % of residents"
        else:
            x, x_label = df["population"].to_numpy(float), f"Need: {seg} population (people)"
        y = df["access_2sfca"].to_numpy(float)
        plot = box.new_plot(f"Gaps: need against access to {cat}", x_label,
                            "Access (2SFCA: capacity per 1,000 residents)")
        names = df["neighbourhood"].astype(str).tolist()
        sel = np.array([n == nb for n in names])
        plot.addItem(pg.ScatterPlotItem(x=x[~sel], y=y[~sel], size=11, symbol="o",
                                        brush=pg.mkBrush(NEED), pen=pg.mkPen("#1a1a1a")))
        plot.addItem(pg.ScatterPlotItem(x=x[sel], y=y[sel], size=15, symbol="d",
                                        brush=pg.mkBrush(PROVISION), pen=pg.mkPen("#1a1a1a")))
        mx, my = float(np.median(x)), float(np.median(y))
        for line in (pg.InfiniteLine(mx, angle=90), pg.InfiniteLine(my, angle=0)):
            line.setPen(pg.mkPen("#666666", style=QtCore.Qt.PenStyle.DashLine))
            plot.addItem(line)
        x0, x1 = float(x.min()), float(x.max())
        y0, y1 = float(y.min()), float(y.max())
        dx, dy = (x1 - x0) or 1.0, (y1 - y0) or 1.0
        # a label goes to the left of its point when another point sits just to its right
        near = (np.abs(y[:, None] - y[None, :]) < 0.05 * dy) & \
            ((x[None, :] - x[:, None]) > 0) & ((x[None, :] - x[:, None]) < 0.25 * dx)
        for name, px, py, left in zip(names, x, y, near.any(axis=1), strict=True):
            ci.text(plot, f"{name} " if left else f" {name}", px, py,
                    anchor=(1, 0.5) if left else (0, 0.5), bold=(name == nb))
        plot.setXRange(x0 - 0.08 * dx, x1 + 0.30 * dx, padding=0)
        plot.setYRange(y0 - 0.12 * dy, y1 + 0.12 * dy, padding=0)
        muted = palettes.MUTED_TEXT
        ci.text(plot, "High need, low provision", x1 + 0.30 * dx, y0 - 0.12 * dy, (1, 1),
                True, muted)
        ci.text(plot, "High need, high provision", x1 + 0.30 * dx, y1 + 0.12 * dy, (1, 0),
                False, muted)
        ci.text(plot, "Low need, low provision", x0 - 0.08 * dx, y0 - 0.12 * dy, (0, 1),
                False, muted)
        ci.text(plot, "Low need, high provision", x0 - 0.08 * dx, y1 + 0.12 * dy, (0, 0),
                False, muted)

    def _draw_coverage(self) -> None:
        box = self.coverage_chart
        if self._result is None:
            box.show_message(RUN_FIRST.format(what="coverage and how it moves with the radius"))
            return
        _, seg, cat = self._selection()
        df = self._ns(seg, cat).sort_values("coverage_pct", ascending=False)
        if df.empty:
            box.show_message("No results for this segment and category.")
            return
        # a count of all residents, not a sample: the whiskers show the figure at half and 1.5
        # times the radius instead of a confidence interval
        plot = box.new_plot(f"Coverage of {seg} by {cat} (whiskers: radius 0.5× to 1.5×)",
                            "Residents within a catchment (%)")
        labels = df["neighbourhood"].astype(str).tolist()
        ci.hbars(plot, labels, df["coverage_pct"], NEED, height=0.6, value_labels=False,
                 percent=True)
        ci.hintervals(plot, df["coverage_pct"], df["coverage_pct_r050"], df["coverage_pct_r150"])
        plot.setXRange(0, 100, padding=0.02)

    def _draw_sii(self) -> None:
        box = self.sii_chart
        if self._result is None:
            box.show_message(RUN_FIRST.format(what="the slope index of inequality"))
            return
        if getattr(self._result, "inequality_pending", False):
            # a what-if's SII simulations run now, off the GUI thread: say so, never show the
            # figure of another run meanwhile
            box.show_message("Slope index of inequality: being computed for these results "
                             "(the chart appears here when its simulations are done).")
            self._deferred.request(self._result, self._inequality_built)
            return
        _, seg, _ = self._selection()
        ineq = self._result.inequality
        df = ineq[ineq["segment"] == seg] if seg is not None else ineq
        notes = df["note"].dropna().astype(str) if "note" in df else pd.Series(dtype=str)
        df = df.dropna(subset=["sii"])
        if df.empty:
            if len(notes) and notes.iloc[0]:
                box.show_message(f"No slope index of inequality for {seg}: {notes.iloc[0]}.")
                return
            box.show_message(f"No slope index of inequality for {seg or 'this segment'} in "
                             "this mapping run (it needs areas across several IMD deciles).")
            return
        measure = str(df["measure"].iloc[0])
        df = df[df["measure"] == measure].sort_values("sii")
        plot = box.new_plot(f"Slope index of inequality: {measure} ({seg}, 95% CI)",
                            # short: a longer axis title was cut off in a half-width chart
                            f"SII ({measure}): above 0 = less deprived areas better served")
        labels = df["category"].astype(str).tolist()
        y = np.arange(len(labels), dtype=float)
        ci.hintervals(plot, df["sii"], df["sii_lower"], df["sii_upper"], y)
        plot.addItem(pg.ScatterPlotItem(x=df["sii"].to_numpy(float), y=y, size=10, symbol="s",
                                        brush=pg.mkBrush(PROVISION), pen=pg.mkPen("#1a1a1a")))
        zero = pg.InfiniteLine(0, angle=90, pen=pg.mkPen("#666666",
                                                         style=QtCore.Qt.PenStyle.DashLine))
        plot.addItem(zero)
        ci.set_row_labels(plot, labels)
        plot.setYRange(-0.6, len(labels) - 0.4, padding=0)
        lo = np.nanmin(np.r_[df["sii_lower"].to_numpy(float), df["sii"].to_numpy(float), 0])
        hi = np.nanmax(np.r_[df["sii_upper"].to_numpy(float), df["sii"].to_numpy(float), 0])
        plot.setXRange(lo, hi, padding=0.08)


def _nb_totals(result, profile: pd.DataFrame, category: str | None) -> pd.Series:
    """Residents per neighbourhood: the "All" segment if the result has it, else the profile."""
    ns = result.neighbourhood_segments
    allseg = ns[(ns["segment"] == "All") & (ns["category"] == category)]
    if len(allseg):
        return allseg.groupby("neighbourhood")["population"].sum()
    return pd.to_numeric(profile["population"], errors="coerce").groupby(
        profile["neighbourhood"]).sum()
