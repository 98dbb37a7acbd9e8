"""The ideas panel: change ideas per neighbourhood, scored, weighted, ranked and decided.

Why it exists: a workshop turns gaps and insight into change ideas, then has to choose. Ideas are
scored 0-5 against criteria the group can edit (in the table), weighted (spin boxes the group
can change: the ranking updates at once), ranked (``phdesk.core.ideas.rank_ideas``), drawn on an
impact against effort chart, and decided (agreed, parked, rejected) with a reason and date. The
"You said, we did" tab lists the decisions with the notes that led to them. Every edit is an
undoable command saved at once (:mod:`phdesk.ui.planning_access`).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from PySide6 import QtCore, QtGui, QtWidgets

from phdesk.core.ideas import decisions_record, rank_ideas
from phdesk.store.planning import DECISIONS
from phdesk.ui import ideas_views
from phdesk.ui.planning_access import PlanningAccess, planning_for
from phdesk.ui.view_state import WhenShown

Qt = QtCore.Qt
ID_ROLE = Qt.ItemDataRole.UserRole + 1
KEY_ROLE = Qt.ItemDataRole.UserRole + 2
FIXED = ["Rank", "Idea", "Neighbourhood", "Total", "Decision"]


class IdeasPanel(QtWidgets.QWidget):
    """Ranked ideas with editable scores and weights, the impact/effort chart, decisions."""

    def __init__(self, service, window, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.planning: PlanningAccess = planning_for(window, service)
        self.state = getattr(window, "view_state", None)
        self.setAccessibleName("Ideas panel")
        self.ideas = pd.DataFrame()
        self.criteria = pd.DataFrame(columns=["key", "label", "weight"])
        self.scores = pd.DataFrame(columns=["idea_id", "criterion", "value"])
        self.notes = pd.DataFrame()
        self.ranked = pd.DataFrame()
        self._filling = False

        self.here_check = QtWidgets.QCheckBox("This neighbourhood only")
        self.here_check.setAccessibleName("Only ideas for the chosen neighbourhood")
        self.weights_box = QtWidgets.QHBoxLayout()
        self.weights: dict[str, QtWidgets.QDoubleSpinBox] = {}
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.here_check)
        top.addSpacing(12)
        top.addWidget(QtWidgets.QLabel("<b>Weights:</b>"))
        top.addLayout(self.weights_box)
        top.addStretch(1)

        self.model = QtGui.QStandardItemModel(self)
        self.view = QtWidgets.QTableView()
        self.view.setModel(self.model)
        self.view.setAccessibleName("Ranked ideas")
        self.view.setAccessibleDescription("Best first. Type a score from 0 to 5 in a "
                                           "criterion's column to change it.")
        self.view.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setTabKeyNavigation(False)
        self.view.verticalHeader().hide()
        self.view.setWordWrap(True)
        self.model.itemChanged.connect(self._on_item_changed)

        self.add_button = QtWidgets.QPushButton("Add idea…")
        self.delete_button = QtWidgets.QPushButton("Delete idea")
        self.decision_combo = QtWidgets.QComboBox()
        self.decision_combo.addItem("(undecided)", None)
        for d in DECISIONS:
            self.decision_combo.addItem(d.capitalize(), d)
        self.decision_combo.setAccessibleName("Decision")
        self.reason_edit = QtWidgets.QLineEdit()
        self.reason_edit.setPlaceholderText("Reason for the decision")
        self.reason_edit.setAccessibleName("Reason for the decision")
        self.date_edit = QtWidgets.QDateEdit(QtCore.QDate.currentDate())
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setAccessibleName("Date of the decision")
        self.decide_button = QtWidgets.QPushButton("Record decision")
        for b, name in ((self.add_button, "Add idea"), (self.delete_button, "Delete idea"),
                        (self.decide_button, "Record decision")):
            b.setAccessibleName(name)
        self.add_button.clicked.connect(self.open_add_dialog)
        self.delete_button.clicked.connect(self.delete_selected)
        self.decide_button.clicked.connect(self.record_decision)
        self.reason_edit.returnPressed.connect(self.record_decision)
        actions = QtWidgets.QHBoxLayout()
        for w in (self.add_button, self.delete_button, QtWidgets.QLabel("Decision"),
                  self.decision_combo, self.reason_edit, self.date_edit, self.decide_button):
            actions.addWidget(w, 1 if w is self.reason_edit else 0)

        ranked_page = QtWidgets.QWidget()
        lay = QtWidgets.QVBoxLayout(ranked_page)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addWidget(self.view, 1)
        lay.addLayout(actions)
        self.chart = ideas_views.ImpactEffortChart()
        self.said_did = QtWidgets.QTextBrowser()
        self.said_did.setAccessibleName("You said, we did")
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.setAccessibleName("Ideas pages")
        self.tabs.addTab(ranked_page, "Ranked ideas")
        self.tabs.addTab(self.chart, "Impact and effort")
        self.tabs.addTab(self.said_did, "You said, we did")
        outer = QtWidgets.QVBoxLayout(self)
        outer.addWidget(self.tabs)

        self.here_check.toggled.connect(self.redraw)
        self.view.selectionModel().currentRowChanged.connect(self._on_current)
        self.planning.changed.connect(lambda kind: kind in ("ideas", "notes") and self.reload())
        if self.state is not None:
            # only the filtered list depends on the neighbourhood; a hidden tab catches up later
            self.state.follow("neighbourhood", lambda _v: self.here_check.isChecked() and
                              WhenShown.of(self).run_or_defer("redraw", self.redraw), self)
        self.reload()

    # -- data --------------------------------------------------------------------------------
    def reload(self) -> None:
        self.planning.read_many(("ideas", "criteria", "scores", "notes"), self._loaded)

    def _loaded(self, frames: dict) -> None:
        self.ideas, self.criteria = frames["ideas"], frames["criteria"]
        self.scores, self.notes = frames["scores"], frames["notes"]
        self._fill_weights()
        self.redraw()

    def _fill_weights(self) -> None:
        for spin in self.weights.values():
            spin.blockSignals(True)   # showing the saved weights is not an edit
        for row in self.criteria.itertuples(index=False):
            spin = self.weights.get(row.key)
            if spin is None:
                spin = QtWidgets.QDoubleSpinBox()
                spin.setRange(0.0, 10.0)
                spin.setSingleStep(0.5)
                spin.setDecimals(1)
                spin.setKeyboardTracking(False)   # one save per value, not per keystroke
                spin.blockSignals(True)
                spin.valueChanged.connect(lambda v, k=row.key: self.planning.set_weight(k, v))
                self.weights[row.key] = spin
                lab = QtWidgets.QLabel(str(row.label))
                lab.setBuddy(spin)
                self.weights_box.addWidget(lab)
                self.weights_box.addWidget(spin)
            spin.setAccessibleName(f"Weight of {row.label}")
            spin.setToolTip(f"How much {row.label} counts in the total (0 = not at all)")
            spin.setValue(float(row.weight))
        for spin in self.weights.values():
            spin.blockSignals(False)

    def neighbourhood(self) -> str | None:
        return self.state.neighbourhood if self.state is not None else None

    def redraw(self, *_) -> None:
        if not len(self.ideas.columns):
            return
        ideas = self.ideas
        here = self.neighbourhood() if self.here_check.isChecked() else None
        if here:
            ideas = ideas[ideas["neighbourhood"] == here]
        self.ranked = rank_ideas(ideas, self.scores, self.criteria)
        self._fill_table()
        self.chart.set_ideas(self.ranked)
        self.said_did.setHtml(ideas_views.said_did_html(decisions_record(self.ideas,
                                                                         self.notes)))

    def _fill_table(self) -> None:
        chosen = self.selected_id()
        crit = list(self.criteria.itertuples(index=False))
        self._filling = True
        try:
            self.model.clear()
            self.model.setHorizontalHeaderLabels(FIXED + [str(c.label) for c in crit])
            for i, c in enumerate(crit):
                direction = "higher is better" if c.higher_is_better else "lower is better"
                self.model.setHeaderData(len(FIXED) + i, Qt.Orientation.Horizontal,
                                         f"{c.label}: score 0–5, {direction}; weight "
                                         f"{c.weight:g}", Qt.ItemDataRole.ToolTipRole)
            for r in self.ranked.itertuples(index=False):
                total = "–" if pd.isna(r.total) else f"{r.total:.2f}"
                rank = "–" if pd.isna(r.rank) else str(int(r.rank))
                cells = [rank, str(r.title), str(r.neighbourhood or "–"), total,
                         r.decision.capitalize() if isinstance(r.decision, str) else ""]
                items = [QtGui.QStandardItem(c) for c in cells]
                for it in items:
                    it.setEditable(False)
                items[0].setData(int(r.id), ID_ROLE)
                for c in crit:
                    v = getattr(r, c.key, float("nan"))
                    it = QtGui.QStandardItem("" if pd.isna(v) else f"{v:g}")
                    it.setData(c.key, KEY_ROLE)
                    it.setData(int(r.id), ID_ROLE)
                    it.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                    items.append(it)
                self.model.appendRow(items)
        finally:
            self._filling = False
        self.view.resizeColumnsToContents()
        self.view.setColumnWidth(1, min(max(self.view.columnWidth(1), 160), 320))
        if chosen is not None:
            self.choose(chosen)

    # -- selection ---------------------------------------------------------------------------
    def selected_id(self) -> int | None:
        rows = self.view.selectionModel().selectedRows(0) if self.view.selectionModel() else []
        return int(rows[0].data(ID_ROLE)) if rows else None

    def choose(self, idea_id: int) -> None:
        for r in range(self.model.rowCount()):
            if self.model.item(r, 0).data(ID_ROLE) == idea_id:
                self.view.selectRow(r)
                return

    def _on_current(self, current: QtCore.QModelIndex, _previous) -> None:
        if not current.isValid():
            return
        idea = self.ideas[self.ideas["id"] == self.model.item(current.row(), 0).data(ID_ROLE)]
        if idea.empty:
            return
        row = idea.iloc[0]
        self.decision_combo.setCurrentIndex(max(self.decision_combo.findData(
            row["decision"] if isinstance(row["decision"], str) else None), 0))
        self.reason_edit.setText(str(row["decision_reason"] or "")
                                 if isinstance(row["decision_reason"], str) else "")
        if isinstance(row["decided_at"], str) and row["decided_at"]:
            self.date_edit.setDate(QtCore.QDate.fromString(row["decided_at"][:10], "yyyy-MM-dd"))

    # -- edits -------------------------------------------------------------------------------
    def _on_item_changed(self, item: QtGui.QStandardItem) -> None:
        key = item.data(KEY_ROLE)
        if self._filling or key is None:
            return
        text = item.text().strip()
        try:
            value = None if not text else float(text)
        except ValueError:
            value = -1.0
        if value is not None and not 0.0 <= value <= 5.0:
            QtWidgets.QToolTip.showText(QtGui.QCursor.pos(), "A score is a number from 0 to 5.")
            self.redraw()
            return
        self.planning.set_score(int(item.data(ID_ROLE)), str(key), value)

    def open_add_dialog(self, title: str = "") -> None:
        names = sorted(set(self.ideas["neighbourhood"].dropna())) if len(self.ideas) else []
        dialog = ideas_views.IdeaDialog(names, self.neighbourhood(), title, self)
        if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted:
            values = dialog.values()
            if self.state is not None and self.state.scenario:
                values.setdefault("scenario", self.state.scenario)
            self.planning.add_idea(values)

    def delete_selected(self) -> None:
        idea_id = self.selected_id()
        if idea_id is not None:
            self.planning.delete_idea(idea_id)

    def record_decision(self) -> None:
        """Save the decision, reason and date shown for the selected idea."""
        idea_id = self.selected_id()
        if idea_id is None:
            return
        decision = self.decision_combo.currentData()
        date = self.date_edit.date().toString("yyyy-MM-dd") or dt.date.today().isoformat()
        self.planning.set_decision(idea_id, decision, self.reason_edit.text().strip(), date)
