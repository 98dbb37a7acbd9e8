"""The pieces of workshop mode: its style, map, pages (overview, ideas, comparison), the
figures they show and the one-field dialogs used to capture what is said.

Why it exists: :mod:`phdesk.ui.workshop` holds the keys and the flow; this module holds what
is drawn, sized for a projector at 1280x720 (22 px body text, 36 px headings, black on white,
Okabe-Ito colours).
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import shapely
from PySide6 import QtCore, QtWidgets

from phdesk.core import gap_ranking
from phdesk.ui import palettes
from phdesk.ui.ideas_views import ImpactEffortChart
from phdesk.ui.scenario_compare import (
    DifferenceMap,
    neighbourhood_table,
    pick_segment,
    reach_table,
)
from phdesk.ui.view_state import bind_combo, item_key

FOCUS = palettes.CATEGORICAL[4]
STYLE = f"""
QWidget#workshop, QWidget#workshop QWidget {{ background: #ffffff; color: #000000;
    font-size: 21px; }}
QLabel#title {{ font-size: 38px; font-weight: bold; }}
QLabel#position, QLabel#scenario {{ font-size: 24px; padding: 0 12px; }}
QLabel#scenario {{ border: 3px solid #000000; border-radius: 6px; }}
QLabel#help {{ font-size: 17px; color: {palettes.MUTED_TEXT}; }}
QLabel#message {{ font-size: 19px; font-weight: bold; color: {FOCUS}; }}
QListWidget {{ border: 2px solid #000000; }}
QListWidget::item:selected {{ background: {FOCUS}; color: #ffffff; }}
QTextBrowser {{ border: none; }}
"""
GAPS_SHOWN = 3
NOTES_SHOWN = 3   # what fits beside the map at 1280x720 with the ideas below


def workshop_map(window):
    """A second map of the window's project for the workshop: no toolbar or layer list, the
    legend kept, its measure, category and segment those of the window's view state."""
    from phdesk.ui.map_overlays import MapOverlays
    from phdesk.ui.map_panel import MapPanel

    panel = MapPanel()
    data = window.data
    if data is not None and data.map_layers is not None:
        panel.set_base_layers(data.map_layers)
    elif data is not None:
        panel.set_base(data.areas, data.assets)
    if data is not None:
        panel.set_profile(data.area_profile)
    for w in panel.findChildren(QtWidgets.QWidget):
        if w is not panel.canvas and not panel.canvas.isAncestorOf(w):
            w.hide()   # the toolbar: the workshop changes what is shown with keys only
    for w in (panel.layer_list, panel.layer_buttons, panel.details):
        w.hide()   # the workshop shows layers by the category key (G); the buttons were left
    for label in panel.canvas.findChildren(QtWidgets.QLabel):
        if label.buddy() is panel.layer_list:
            label.hide()
    for field, combo, *key in (("category", panel.category_combo),
                               ("segment", panel.segment_combo),
                               ("measure", panel.measure_combo, item_key)):
        bind_combo(window.view_state, field, combo, *key)
    panel.labels_check.setChecked(True)
    side = panel.legend.parentWidget()
    if side is not None and side is not panel.canvas:
        side.setFixedWidth(230)   # the map gets the room; the legend keeps readable type
        # the legend at the top at its own height (alone in the column it was stretched to
        # the map's height, its five classes a screen apart)
        side.layout().addStretch(1)
        side.setStyleSheet("QLabel { font-size: 16px; }")
    panel.planning_overlays = MapOverlays(panel)
    window.view_state.follow("category", lambda cat: only_category(panel, cat), panel)
    only_category(panel, window.view_state.category)
    return panel


def only_category(map_panel, category: str | None) -> None:
    """Show the markers of one category only (all when none is chosen): a projected map with
    every service's symbol on it is unreadable."""
    for cat in map_panel.categories():
        map_panel.set_layer_visible(cat, category is None or cat == category)


def zoom_to(map_panel, neighbourhood: str | None) -> None:
    """Fit the map to a neighbourhood (None: the whole project)."""
    layers = getattr(map_panel, "_layers", None)
    if layers is None:
        return
    # its areas' bounds: the same box as the dissolved shape's, without dissolving
    members = (layers.areas["neighbourhood"] == neighbourhood).to_numpy() if neighbourhood \
        else np.zeros(len(layers.geoms), dtype=bool)
    have = members & ~shapely.is_missing(layers.geoms)
    if not have.any():
        map_panel.view.reset_view()
        return
    x0, y0, x1, y1 = shapely.total_bounds(layers.geoms[have])
    map_panel.view.vb.setRange(QtCore.QRectF(x0, y0, x1 - x0, y1 - y0), padding=0.08)


def figure_text(value, fmt: str) -> str:
    """A figure as shown: text (``*``, hidden under the disclosure rule) as it is."""
    return html.escape(value) if isinstance(value, str) else format(value, fmt)


def key_figures(summary: pd.DataFrame, neighbourhood: str | None) -> pd.DataFrame:
    """figure, value: population, share in Core20 areas, assets (for one neighbourhood or all)."""
    s = summary[summary["neighbourhood"] == neighbourhood] if neighbourhood else summary
    pop = float(pd.to_numeric(s["population"], errors="coerce").sum())
    pct = pd.to_numeric(s["core20_pct"], errors="coerce")
    weights = pd.to_numeric(s["population"], errors="coerce").fillna(0)
    core20 = float((pct * weights).sum() / weights.sum()) if weights.sum() > 0 and \
        pct.notna().any() else float("nan")
    return pd.DataFrame({"figure": ["Residents", "Living in Core20 areas", "Assets"],
                         "value": [f"{pop:,.0f}",
                                   "–" if np.isnan(core20) else f"{core20:.0f}%",
                                   f"{int(pd.to_numeric(s['assets']).sum()):,}"]})


def gap_candidates(result, neighbourhood: str | None) -> pd.DataFrame:
    """Every gap score (category · segment, not "All") of a neighbourhood (or anywhere), the
    result's index kept so that the disclosure rule can look its rows up."""
    cols = ["neighbourhood", "category", "segment", "population", "gap_score", "coverage_pct"]
    if result is None:
        return pd.DataFrame(columns=cols)
    ns = result.neighbourhood_segments
    ns = ns[ns["segment"] != "All"]
    if neighbourhood:
        ns = ns[ns["neighbourhood"] == neighbourhood]
    return ns.dropna(subset=["gap_score"])[cols]


def gap_text(gap, where: bool) -> str:
    """One line of the biggest gaps: "Archive · Core20: 0% within reach", led by the
    neighbourhood's name on the all-neighbourhoods page (a gap without its place told the room
    nothing)."""
    text = (f"{gap_ranking.gap_label(gap)}: {figure_text(gap.coverage_pct, '.0f')}% "
            f"within reach")
    return f"{gap.neighbourhood}: {text}" if where else text


def biggest_gaps(shown: pd.DataFrame, n: int = GAPS_SHOWN, result=None) -> pd.DataFrame:
    """The ``n`` biggest gaps of ``shown`` (``gap_candidates`` as the disclosure rule lets them
    be shown): ``phdesk.core.gap_ranking.biggest_gaps``, the run's (``result``) categories of
    too few sites after the others."""
    rules = None if result is None else result.category_rules
    return gap_ranking.biggest_gaps(shown, n, gap_ranking.scarce_categories(rules))


class OverviewPage(QtWidgets.QTextBrowser):
    """Key figures, the biggest gaps, what was said and the ideas so far."""

    def __init__(self) -> None:
        super().__init__()
        self.setAccessibleName("Key figures and notes")

    def fill(self, figures: pd.DataFrame, gaps: pd.DataFrame, notes: pd.DataFrame,
             ideas: pd.DataFrame, no_result: bool, everywhere: bool = False) -> None:
        """``everywhere``: the page is for all neighbourhoods, so each gap names its own."""
        e = html.escape
        rows = "".join(f"<tr><td>{e(f)}</td><td align='right'><b>{e(v)}</b></td></tr>"
                       for f, v in zip(figures["figure"], figures["value"], strict=True))
        out = [f"<table cellpadding='3' width='100%'>{rows}</table>", "<h3>Biggest gaps</h3>"]
        if no_result:
            out.append("<p>Run mapping (F5 in the main window) to find the gaps.</p>")
        elif gaps.empty:
            out.append("<p>No gaps found here.</p>")
        else:
            where = everywhere and "neighbourhood" in gaps
            out.append("<ol>" + "".join(f"<li>{e(gap_text(g, where))}</li>"
                                        for g in gaps.itertuples(index=False)) + "</ol>")
        out.append(f"<h3>What people said ({len(notes)})</h3>")
        if notes.empty:
            out.append("<p>Nothing yet: press <b>N</b> to capture a comment.</p>")
        shown = notes.head(NOTES_SHOWN)   # newest first; the rest are in the Notes panel
        out += [f"<p>“{e(str(t))}” <i>— {e(str(k or 'other'))}</i></p>"
                for t, k in zip(shown["text"], shown["source_kind"], strict=True)]
        if len(notes) > NOTES_SHOWN:
            out.append(f"<p><i>…and {len(notes) - NOTES_SHOWN} more.</i></p>")
        if len(ideas):
            out.append(f"<h3>Ideas ({len(ideas)})</h3><ol>" + "".join(
                f"<li>{e(str(t))}</li>" for t in ideas["title"].head(3)) + "</ol>")
        self.setHtml("".join(out))


class IdeasPage(QtWidgets.QWidget):
    """Ranked ideas (keyboard: up/down, Enter to score, 1/2/3 to decide) and the chart."""

    def __init__(self) -> None:
        super().__init__()
        self.list = QtWidgets.QListWidget()
        self.list.setAccessibleName("Ranked ideas")
        self.chart = ImpactEffortChart(large=True)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.list.setWordWrap(True)
        lay.addWidget(self.list, 1)
        lay.addWidget(self.chart, 2)

    def fill(self, ranked: pd.DataFrame) -> None:
        chosen = self.chosen()
        self.list.clear()
        for r in ranked.itertuples(index=False):
            rank = "–" if pd.isna(r.rank) else str(int(r.rank))
            total = "not scored" if pd.isna(r.total) else f"{r.total:.1f} / 5"
            decision = f" · {str(r.decision).upper()}" if isinstance(r.decision, str) else ""
            item = QtWidgets.QListWidgetItem(f"{rank}. {r.title} — {total}{decision}")
            item.setData(QtCore.Qt.ItemDataRole.UserRole, int(r.id))
            self.list.addItem(item)
        self.chart.set_ideas(ranked)
        ids = [self.list.item(i).data(QtCore.Qt.ItemDataRole.UserRole)
               for i in range(self.list.count())]
        self.list.setCurrentRow(ids.index(chosen) if chosen in ids else 0)

    def chosen(self) -> int | None:
        item = self.list.currentItem()
        return None if item is None else int(item.data(QtCore.Qt.ItemDataRole.UserRole))

    def step(self, delta: int) -> None:
        if self.list.count():
            self.list.setCurrentRow(max(0, min(self.list.count() - 1,
                                               self.list.currentRow() + delta)))


class ComparePage(QtWidgets.QWidget):
    """Who a scenario newly reaches (Core20 and PLUS groups first) and the difference map."""

    def __init__(self) -> None:
        super().__init__()
        self.text = QtWidgets.QTextBrowser()
        self.text.setAccessibleName("Scenario comparison")
        self.text.setMinimumHeight(300)   # the reach rows are the point: never scrolled away
        self.map = DifferenceMap()
        self.map.legend.setStyleSheet("QLabel { font-size: 15px; }")
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.text, 3)
        lay.addWidget(self.map, 2)

    def waiting(self, name: str, against: str | None) -> None:
        self.text.setHtml(f"<h3>Comparing {html.escape(name)} with "
                          f"{html.escape(against or 'the baseline')}…</h3>")

    def fill(self, cmp, neighbourhood, category, disclose, layers) -> None:
        e = html.escape
        reach = disclose("reach", reach_table(cmp, neighbourhood, category))
        where = neighbourhood or "all neighbourhoods"
        out = [f"<h3>{e(cmp.other)} against {e(cmp.base)}: {e(where)}</h3>"]
        if reach.empty:
            out.append("<p>Nobody gains or loses reach here.</p>")
        else:
            out.append("<table cellpadding='3'><tr><th align='left'>Residents</th><th></th>"
                       "<th align='right'>Newly in reach</th><th align='right'>Lost</th></tr>")
            for r in reach.head(7).itertuples(index=False):
                out.append(f"<tr><td>{e(str(r[1]))}</td><td>{e(str(r[2]))}</td>"
                           f"<td align='right'><b>{figure_text(r[3], ',.0f')}</b></td>"
                           f"<td align='right'>{figure_text(r[4], ',.0f')}</td></tr>")
            out.append("</table>")
        self.text.setHtml("".join(out))
        seg = pick_segment(cmp, category, ("Core20",))
        table = neighbourhood_table(cmp, seg, category)
        self.map.show_change(layers, table, f"Coverage change (points)\n{seg or ''} · "
                             f"{category or 'all'}")


def ask(parent: QtWidgets.QWidget, title: str, label: str) -> str | None:
    """One large text field; Enter saves, Esc cancels (None)."""
    dialog = QtWidgets.QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setStyleSheet("* { font-size: 24px; }")
    dialog.resize(900, 160)
    if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
        return None
    return dialog.textValue().strip() or None


def ask_scores(parent, criteria: pd.DataFrame, ranked: pd.DataFrame, idea_id: int
               ) -> dict[str, float] | None:
    """A form of 0-5 scores, one per criterion (Tab between, Enter saves); changed ones only."""
    dialog = QtWidgets.QDialog(parent)
    dialog.setWindowTitle("Score the idea (0–5)")
    dialog.setStyleSheet("* { font-size: 22px; }")
    form = QtWidgets.QFormLayout(dialog)
    row = ranked[ranked["id"] == idea_id].iloc[0]
    form.addRow(QtWidgets.QLabel(f"<b>{html.escape(str(row['title']))}</b>"))
    spins = {}
    for c in criteria.itertuples(index=False):
        spin = QtWidgets.QDoubleSpinBox()
        spin.setRange(0, 5)
        spin.setDecimals(0)
        old = row.get(c.key, np.nan)
        spin.setValue(0 if pd.isna(old) else float(old))
        spin.setAccessibleName(str(c.label))
        hint = "higher is better" if c.higher_is_better else "lower is better"
        form.addRow(f"{c.label} ({hint})", spin)
        spins[c.key] = (spin, old)
    buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Save
                                         | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    form.addRow(buttons)
    first = next(iter(spins.values()))[0] if spins else None
    if first is not None:   # typing a digit at once replaces the first score
        QtCore.QTimer.singleShot(0, lambda: (first.setFocus(), first.selectAll()))
    if dialog.exec() != QtWidgets.QDialog.DialogCode.Accepted:
        return None
    return {k: s.value() for k, (s, old) in spins.items() if pd.isna(old) or s.value() != old}
