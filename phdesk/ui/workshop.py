"""Workshop mode: the project on a projector, driven by a keyboard or a presentation clicker.

Why it exists: partners plan together in a room. Full screen, large type, high contrast and few
controls; one neighbourhood at a time (PageDown/PageUp or the arrow keys, as a clicker sends)
with the map, its key figures (population, Core20 share, the biggest gaps) and what people said
side by side; one key to capture a comment (N) or an idea (I), to switch scenario (A, B, 0), to
compare (C: shown scenario against the baseline; V: B against A), to rank and decide (R). It
shares the main window's view state, so leaving it (Esc or F11) leaves the window showing the
same place and scenario. Built for 1280x720 (docs/ARCHITECTURE.md, "The window").

Disclosure: every figure or table shown here passes through :func:`disclose` first; it shows
everything unless the outputs' disclosure rule is installed with :func:`set_disclosure`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
from PySide6 import QtCore, QtGui, QtWidgets

from phdesk.ui import workshop_pages as wp
from phdesk.ui.planning_access import planning_for
from phdesk.ui.scenario_panel import BASELINE_KEY

Qt = QtCore.Qt
Key = Qt.Key
HELP = ("PgDn/→ next · PgUp/← back · Home all · N note · I idea · A/B/0 scenario · "
        "G service · C compare · V B vs A · R rank · Esc leave")
MAP_MEASURE = ("nearest_m", "areas")   # distance to the nearest site: reads at a glance

_disclosure: Callable[[str, pd.DataFrame], pd.DataFrame] | None = None


def set_disclosure(rule: Callable[[str, pd.DataFrame], pd.DataFrame] | None) -> None:
    """Install the rule applied to every table the workshop shows: ``rule(kind, table)``
    returns the table as it may be shown (small numbers suppressed or rounded). ``kind`` is
    "figures", "gaps", "reach" or "ranking"."""
    global _disclosure
    _disclosure = rule


def disclose(kind: str, table: pd.DataFrame) -> pd.DataFrame:
    """``table`` as the installed disclosure rule allows it to be shown (unchanged if none)."""
    return table if _disclosure is None else _disclosure(kind, table)


class WorkshopWindow(QtWidgets.QWidget):
    """The full-screen workshop over a main window's project and view state."""

    def __init__(self, window) -> None:
        super().__init__(None, Qt.WindowType.Window)
        self.win = window
        self.state = window.view_state
        self.access = planning_for(window, window.service)
        self.setObjectName("workshop")
        self.setWindowTitle(f"Workshop — {window.service.title()}")
        self.setAccessibleName("Workshop mode")
        self.setStyleSheet(wp.STYLE)
        self.notes = pd.DataFrame(columns=["id", "text", "source_kind", "neighbourhood"])
        self.ideas = pd.DataFrame()
        self.ranked = pd.DataFrame(columns=["id", "title", "neighbourhood", "decision",
                                            "total", "rank", "impact", "effort"])
        self.criteria = pd.DataFrame()
        self.scenarios: list[str] = []   # by name: A is the first, B the second
        self.comparison = None
        self._shown_result = None

        self.title = QtWidgets.QLabel(objectName="title")
        self.position = QtWidgets.QLabel(objectName="position")
        self.scenario_label = QtWidgets.QLabel(objectName="scenario")
        head = QtWidgets.QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.scenario_label)
        head.addWidget(self.position)
        self.map = wp.workshop_map(window)
        self.pages = QtWidgets.QStackedWidget()
        self.overview = wp.OverviewPage()
        self.ideas_page = wp.IdeasPage()
        self.compare_page = wp.ComparePage()
        for page in (self.overview, self.ideas_page, self.compare_page):
            self.pages.addWidget(page)
        body = QtWidgets.QHBoxLayout()
        body.addWidget(self.map, 11)
        body.addWidget(self.pages, 10)
        self.help = QtWidgets.QLabel(HELP, objectName="help")
        self.help.setWordWrap(True)   # never wider than the screen
        self.help.setAccessibleName("Workshop keys")
        self.message = QtWidgets.QLabel(objectName="message")
        foot = QtWidgets.QHBoxLayout()
        foot.addWidget(self.help, 1)
        foot.addWidget(self.message)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(16, 8, 16, 8)
        lay.addLayout(head)
        lay.addLayout(body, 1)
        lay.addLayout(foot)
        for w in self.findChildren(QtWidgets.QWidget):
            w.setFocusPolicy(Qt.FocusPolicy.NoFocus)   # every key comes to the workshop
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self.state.changed.connect(self._on_state)
        self.access.changed.connect(self._reload)
        self.win.project_loaded.connect(self._refresh)
        self.win.results_shown.connect(self._on_results)

    # -- showing -----------------------------------------------------------------------------
    def start(self, full_screen: bool = True) -> None:
        """Show (full screen unless told otherwise) and read the notes and ideas."""
        if full_screen:
            self.showFullScreen()
            # the projector shows the workshop only; the window's panels catch up when it
            # comes back instead of redrawing behind it at every step
            self.win.hide()
        else:
            self.show()
        self.activateWindow()
        self.setFocus()
        self._refresh()
        if self.win.current_result() is not None:
            self.map.set_measure(*MAP_MEASURE)
        self._reload()

    def names(self) -> list[str]:
        """The neighbourhoods in the order the main window lists them."""
        panel = self.win.neighbourhood_panel
        return panel.names() if hasattr(panel, "names") else []

    def scenario_names(self) -> list[str]:
        return list(self.scenarios)

    def _reload(self, *_: object) -> None:
        self.access.read_many(("notes", "ideas", "criteria", "scores", "scenarios"),
                              self._loaded)

    def _loaded(self, frames: dict) -> None:
        from phdesk.core.ideas import rank_ideas

        self.notes, self.ideas = frames["notes"], frames["ideas"]
        self.criteria = frames["criteria"]
        self.scenarios = frames["scenarios"]["name"].astype(str).tolist()
        self.ranked = rank_ideas(self.ideas, frames["scores"], self.criteria)
        self._refresh()

    def _on_results(self, _result: object) -> None:
        self._refresh()

    def _on_state(self, diff: dict) -> None:
        if {"scenario", "comparison"} & set(diff):
            self.comparison = None
        if "scenario" in diff:
            self._show_sites(diff["scenario"])
        self._refresh()

    def _show_sites(self, name: str | None) -> None:
        """Mark the sites the scenario adds, moves or closes on the workshop map."""
        overlays = self.map.planning_overlays
        assets = self.win.data.assets if self.win.data is not None else None
        if name is None:
            overlays.set_sites(None, None)
            return
        self.access.run(lambda s: s.planning.scenario_changes(name),
                        lambda changes: self.state.scenario == name and
                        overlays.set_sites(changes, assets), "Reading the scenario")

    def _refresh(self) -> None:
        nb = self.state.neighbourhood
        names = self.names()
        self.title.setText(nb or "All neighbourhoods")
        pos = names.index(nb) + 1 if nb in names else 0
        self.position.setText(f"{pos} of {len(names)}" if pos else
                              f"{len(names)} neighbourhood{'s' if len(names) != 1 else ''}")
        scen = self.state.scenario or "Baseline"
        cat = f" · {self.state.category}" if self.state.category else ""
        self.scenario_label.setText(f"Scenario: {scen}{cat}")
        self.map.select_neighbourhood(nb)
        wp.zoom_to(self.map, nb)
        data = self.win.data
        if data is None:
            return
        result = self.win.current_result()
        if result is None and self.state.scenario is not None and self._shown_result is not None:
            self.say(f"Mapping scenario {self.state.scenario}…")   # keep the last map meanwhile
            result = self._shown_result
        figures = disclose("figures", wp.key_figures(data.summary, nb))
        gaps = wp.biggest_gaps(disclose("gaps", wp.gap_candidates(result, nb)), result=result)
        notes = self.notes[self.notes["neighbourhood"] == nb] if nb and len(self.notes) \
            else self.notes
        ideas = self.ranked[self.ranked["neighbourhood"] == nb] if nb and len(self.ranked) \
            else self.ranked
        self.overview.fill(figures, gaps, notes, disclose("ranking", ideas),
                           result is None, everywhere=nb is None)
        self.ideas_page.fill(disclose("ranking", ideas))
        if result is not self._shown_result:   # a new run or another scenario
            self._shown_result = result
            self.map.set_result(result)
        overlays = getattr(self.map, "planning_overlays", None)
        if overlays is not None:
            overlays.set_notes(notes)
        if self.comparison is not None:
            self.compare_page.fill(self.comparison, nb, self.state.category, disclose,
                                   getattr(data, "map_layers", None))

    def say(self, text: str) -> None:
        self.message.setText(text)
        QtCore.QTimer.singleShot(6000, self.message, lambda: self.message.text() == text and
                                 self.message.setText(""))

    # -- keys --------------------------------------------------------------------------------
    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:  # noqa: N802 (Qt override)
        k = event.key()
        text = event.text().lower()
        on_ideas = self.pages.currentWidget() is self.ideas_page
        if k in (Key.Key_PageDown, Key.Key_Right) or (k == Key.Key_Space and not on_ideas):
            self.step(1)
        elif k in (Key.Key_PageUp, Key.Key_Left):
            self.step(-1)
        elif k == Key.Key_Home:
            self.state.set(neighbourhood=None)
        elif on_ideas and k in (Key.Key_Up, Key.Key_Down):
            self.ideas_page.step(-1 if k == Key.Key_Up else 1)
        elif on_ideas and k in (Key.Key_Return, Key.Key_Enter):
            self.score_chosen()
        elif on_ideas and text in ("1", "2", "3"):
            self.decide_chosen(("agreed", "parked", "rejected")[int(text) - 1])
        elif text == "n":
            self.capture_note()
        elif text == "i":
            self.capture_idea()
        elif text in ("a", "b"):
            self.switch_scenario(0 if text == "a" else 1)
        elif text == "g":
            self.next_category()
        elif text == "0":
            self.state.set(scenario=None)
        elif text == "c":
            self.compare(self.state.scenario, None)
        elif text == "v":
            names = self.scenario_names()
            if len(names) >= 2:
                self.compare(names[1], names[0])
        elif text == "r":
            self.pages.setCurrentWidget(self.ideas_page)
            self.help.setText("↑/↓ choose idea · Enter score · 1 agreed · 2 parked · "
                              "3 rejected · I new idea · Esc back")
        elif k in (Key.Key_Escape, Key.Key_F11):
            if self.pages.currentIndex() != 0 and k == Key.Key_Escape:
                self.pages.setCurrentIndex(0)
                self.help.setText(HELP)
            else:
                self.close()
        else:
            super().keyPressEvent(event)

    def step(self, delta: int) -> None:
        """Next (+1) or previous (-1) neighbourhood, from "all" to the first or last."""
        names = self.names()
        if not names:
            return
        nb = self.state.neighbourhood
        i = names.index(nb) + delta if nb in names else (0 if delta > 0 else len(names) - 1)
        self.state.set(neighbourhood=names[max(0, min(len(names) - 1, i))])

    def next_category(self) -> None:
        """G: the next asset category (service) on the map, gaps and comparison."""
        combo = self.map.category_combo
        if combo.count():
            combo.setCurrentIndex((combo.currentIndex() + 1) % combo.count())
            if self.map.set_measure(*MAP_MEASURE):
                self.say(f"Showing distance to the nearest {combo.currentText()}")

    def switch_scenario(self, index: int) -> None:
        names = self.scenario_names()
        if index < len(names):
            self.state.set(scenario=names[index])
            self.say(f"Showing scenario {names[index]}")
        else:
            self.say("No such scenario: add scenarios in the Scenarios panel.")

    # -- capture -----------------------------------------------------------------------------
    def capture_note(self) -> str | None:
        """N: one line of what someone said, pinned to the neighbourhood shown (#words are
        tags: "#transport no bus after 7")."""
        text = wp.ask(self, "Note", "What was said (use #tags, e.g. #transport):")
        if text:
            tags = [w[1:] for w in text.split() if w.startswith("#") and len(w) > 1]
            body = " ".join(w for w in text.split() if not w.startswith("#")) or text
            self.access.add_note({"text": body, "tags": tags, "source_kind": "other",
                                  "neighbourhood": self.state.neighbourhood,
                                  "scenario": self.state.scenario})
            self.say("Note saved.")
        return text

    def capture_idea(self) -> str | None:
        """I: one line naming a change idea for the neighbourhood shown."""
        text = wp.ask(self, "Change idea", "The idea, in a few words:")
        if text:
            self.access.add_idea({"title": text, "neighbourhood": self.state.neighbourhood,
                                  "scenario": self.state.scenario})
            self.say("Idea saved.")
        return text

    def score_chosen(self) -> None:
        idea_id = self.ideas_page.chosen()
        if idea_id is None:
            return
        scores = wp.ask_scores(self, self.criteria, self.ranked, idea_id)
        for key, value in (scores or {}).items():
            self.access.set_score(idea_id, key, value)

    def decide_chosen(self, decision: str) -> None:
        idea_id = self.ideas_page.chosen()
        if idea_id is None:
            return
        reason = wp.ask(self, f"Decision: {decision}", "The reason, in a sentence:")
        if reason is not None:
            self.access.set_decision(idea_id, decision, reason, dt.date.today().isoformat())
            self.say(f"Decision recorded: {decision}.")

    # -- comparing ---------------------------------------------------------------------------
    def compare(self, name: str | None, against: str | None) -> None:
        """Compare scenario ``name`` with ``against`` (None: the baseline) and show it."""
        if name is None:
            self.say("Choose a scenario first (A or B).")
            return
        self.state.set(scenario=name, comparison=against or BASELINE_KEY)
        self.pages.setCurrentWidget(self.compare_page)
        self.compare_page.waiting(name, against)

        def done(cmp) -> None:
            self.comparison = cmp
            self._refresh()

        self.access.compare(name, against, self.win.mapping_params(), done)

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:  # noqa: N802 (Qt override)
        self.win.show()
        self.win.activateWindow()
        super().closeEvent(event)
