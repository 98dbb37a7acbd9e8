"""Views of change ideas shared by the ideas panel and the workshop: the impact against effort
chart, the add-idea dialog and the "You said, we did" page.

Why it exists: the same chart and page are shown in the window and, larger, in workshop mode.
Decision colours are Okabe-Ito (colour-blind safe) and each point also carries its rank number,
so the chart never relies on colour alone.
"""

from __future__ import annotations

import html

import pandas as pd
import pyqtgraph as pg
from PySide6 import QtWidgets

from phdesk.ui import chart_items as ci
from phdesk.ui import palettes

SCORE_MAX = 5.0
DECISION_STYLE = {   # decision -> (colour, symbol, legend text)
    None: (palettes.CATEGORICAL[4], "o", "Undecided"),
    "agreed": (palettes.CATEGORICAL[2], "s", "Agreed"),
    "parked": (palettes.CATEGORICAL[0], "t", "Parked"),
    "rejected": (palettes.CATEGORICAL[5], "x", "Rejected"),
}
GLYPH = {"o": "●", "s": "■", "t": "▼", "x": "✕"}   # the symbols, as text for the key


class ImpactEffortChart(ci.ChartBox):
    """Ideas placed by effort (x, 0-5) and impact (y, 0-5), labelled with rank and title."""

    def __init__(self, parent: QtWidgets.QWidget | None = None, large: bool = False) -> None:
        super().__init__("Impact against effort", parent)
        self.large = large
        self.points = pd.DataFrame()

    def set_ideas(self, ranked: pd.DataFrame) -> None:
        """Ranked ideas (``rank_ideas``): those with both impact and effort scores are drawn."""
        df = ranked.dropna(subset=["impact", "effort"]) if len(ranked) else ranked
        self.points = df
        if not len(df):
            self.show_message("Score ideas on impact and effort criteria to place them on the "
                              "impact against effort chart.")
            return
        # the key goes under the axis title, never over a point or its label
        key = " &nbsp; ".join(f"<span style='color:{c}'>{GLYPH[s]}</span> {t}"
                              for c, s, t in DECISION_STYLE.values())
        plot = self.new_plot("Impact against effort (each idea by its rank)",
                             f"Effort (0 = easy and cheap, 5 = hard and costly)<br>{key}",
                             "Impact (0–5)")
        size = 22 if self.large else 15
        for decision, (colour, symbol, text) in DECISION_STYLE.items():
            part = df[df["decision"].isna()] if decision is None else \
                df[df["decision"] == decision]
            if len(part):
                plot.addItem(pg.ScatterPlotItem(
                    x=part["effort"].to_numpy(float), y=part["impact"].to_numpy(float),
                    size=size, symbol=symbol, brush=pg.mkBrush(colour),
                    pen=pg.mkPen(palettes.TEXT, width=1.2), name=text))
        mid = SCORE_MAX / 2
        for line in (pg.InfiniteLine(mid, angle=90), pg.InfiniteLine(mid, angle=0)):
            line.setPen(pg.mkPen("#666666", style=pg.QtCore.Qt.PenStyle.DashLine))
            plot.addItem(line)
        for r in df.itertuples(index=False):
            rank = "" if pd.isna(r.rank) else f"{int(r.rank)}. "
            ci.text(plot, f" {rank}{_short(r.title)}", float(r.effort), float(r.impact),
                    anchor=(0, 0.5))
        muted = palettes.MUTED_TEXT
        ci.text(plot, "High impact, low effort", -0.2, SCORE_MAX + 0.4, (0, 0), True, muted)
        ci.text(plot, "High impact, high effort", SCORE_MAX + 1.6, SCORE_MAX + 0.4, (1, 0),
                False, muted)
        ci.text(plot, "Low impact, low effort", -0.2, -0.4, (0, 1), False, muted)
        ci.text(plot, "Low impact, high effort", SCORE_MAX + 1.6, -0.4, (1, 1), False, muted)
        plot.setXRange(-0.2, SCORE_MAX + 1.6, padding=0)
        plot.setYRange(-0.4, SCORE_MAX + 0.4, padding=0)


class IdeaDialog(QtWidgets.QDialog):
    """A new change idea: title, description, neighbourhood."""

    def __init__(self, neighbourhoods: list[str], neighbourhood: str | None, title: str = "",
                 parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add change idea")
        self.title = QtWidgets.QLineEdit(title)
        self.title.setAccessibleName("Idea title")
        self.description = QtWidgets.QPlainTextEdit()
        self.description.setAccessibleName("Idea description")
        self.description.setTabChangesFocus(True)
        self.neighbourhood = QtWidgets.QComboBox()
        self.neighbourhood.setEditable(True)
        self.neighbourhood.addItem("", None)
        for name in sorted(set(neighbourhoods) | ({neighbourhood} if neighbourhood else set())):
            self.neighbourhood.addItem(name, name)
        self.neighbourhood.setCurrentText(neighbourhood or "")
        self.neighbourhood.setAccessibleName("Neighbourhood")
        form = QtWidgets.QFormLayout()
        form.addRow("&Title", self.title)
        form.addRow("&Description", self.description)
        form.addRow("&Neighbourhood", self.neighbourhood)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Save
                                             | QtWidgets.QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(lambda: self.title.text().strip() and self.accept())
        buttons.rejected.connect(self.reject)
        lay = QtWidgets.QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(buttons)

    def values(self) -> dict:
        return {"title": self.title.text().strip(),
                "description": self.description.toPlainText().strip(),
                "neighbourhood": self.neighbourhood.currentText().strip() or None}


def said_did_html(record: pd.DataFrame) -> str:
    """"You said, we did" as a page, from the record of decided ideas
    (``PlanningService.decisions()``: newest decision first, with the notes linked to each)."""
    if record is None or not len(record):
        return "<p>No decisions recorded yet. Choose an idea on the Ranked ideas page, pick a " \
               "decision, give the reason, and press Record decision.</p>"
    e = html.escape
    out = ["<h2>You said, we did</h2>"]
    for idea in record.itertuples(index=False):
        where = f" — {e(idea.neighbourhood)}" if isinstance(idea.neighbourhood, str) else ""
        out.append(f"<h3>{e(str(idea.title))}{where}</h3>")
        if idea.you_said:
            out.append("<p><b>You said:</b></p><ul>" + "".join(
                f"<li>{e(part)}</li>" for part in str(idea.you_said).split(" | ")) + "</ul>")
        else:
            out.append("<p><i>No notes are linked to this idea.</i></p>")
        reason = f": {e(str(idea.decision_reason))}" if isinstance(idea.decision_reason, str) \
            and idea.decision_reason else ""
        when = f" on {e(str(idea.decided_at)[:10])}" if isinstance(idea.decided_at, str) else ""
        out.append(f"<p><b>We decided</b>{when}: <b>{e(str(idea.decision))}</b>{reason}</p>")
    return "\n".join(out)


def _short(text, n: int = 28) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


__all__ = ["DECISION_STYLE", "IdeaDialog", "ImpactEffortChart", "said_did_html"]
