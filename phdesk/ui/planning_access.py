"""The window's door to the planning records (notes, ideas, criteria, scores, scenarios).

Why it exists: the notes, ideas and scenario panels and the workshop screen all read and edit
the same records. One :class:`PlanningAccess` per open project runs each read and save on the
task runner's DB worker (saves queue behind imports instead of freezing the window), puts every
edit on the window's undo stack as one command (saved at once, undone by saving the old values
back), and announces what changed so every panel showing it re-reads it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
from PySide6 import QtCore, QtGui


class _Api:
    """``api.notes(service)`` → ``service.planning.notes()``: every call names the service it
    runs on, so a job queued for a project that has since been closed cannot reach another."""

    def __getattr__(self, name: str):
        return lambda service, *args, **kw: getattr(service.planning, name)(*args, **kw)


api = _Api()
Job = Callable[[Any], Any]   # job(service) -> result, run on the DB worker


class PlanningEdit(QtGui.QUndoCommand):
    """One undoable edit. ``redo(service, memo)`` and ``undo(service, memo)`` each return the
    memo the other needs (an add returns the new id, a delete the stored row, an update the
    previous values), so redo after undo puts back exactly what was there."""

    def __init__(self, access: PlanningAccess, text: str, kind: str,
                 redo: Callable[[Any, Any], Any], undo: Callable[[Any, Any], Any],
                 memo: Any = None, done: Callable[[Any], None] | None = None) -> None:
        super().__init__(text)
        self.access, self.kind, self.memo = access, kind, memo
        self._redo, self._undo, self._done = redo, undo, done

    def _run(self, fn: Callable[[Any, Any], Any], label: str, first: bool) -> None:
        def job(service: Any) -> Any:
            # on the DB worker, which runs jobs in order: an undo queued straight after its
            # redo finds the redo's memo (the new id, the old values) already here
            self.memo = fn(service, self.memo)
            return self.memo

        def finished(memo: Any) -> None:
            if first and self._done is not None:
                self._done(memo)
            self.access.changed.emit(self.kind)

        self.access.run(job, finished, label)

    def redo(self) -> None:
        first = not getattr(self, "_ran", False)
        self._ran = True
        self._run(self._redo, self.text(), first)

    def undo(self) -> None:
        self._run(self._undo, f"Undo: {self.text()}", False)


class PlanningAccess(QtCore.QObject):
    """Reads and undoable saves of one project's planning records.

    ``changed(kind)`` says what to re-read: "notes", "ideas" (ideas, criteria, scores,
    decisions) or "scenarios".
    """

    changed = QtCore.Signal(str)
    failed = QtCore.Signal(str)

    def __init__(self, service, tasks=None, undo_stack: QtGui.QUndoStack | None = None,
                 parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.tasks = tasks
        self.undo_stack = undo_stack if undo_stack is not None else QtGui.QUndoStack(self)

    # -- running ---------------------------------------------------------------------------
    def run(self, job: Job, done: Callable[[Any], None], label: str = "Reading plans") -> None:
        """``job(service)`` on the DB worker, then ``done(result)`` on the GUI thread (at once
        when there is no task runner: previews and tests)."""
        service = self.service
        if self.tasks is None:
            try:
                result = job(service)
            except Exception as exc:  # noqa: BLE001 - reported as a message, like the runner
                self.failed.emit(f"{label}: {exc}")
                raise
            done(result)
            return
        self.tasks.run(lambda progress, cancelled: job(service), done, label,
                       cancellable=False)   # a failed save is shown as an error dialog

    def read(self, what: str, done: Callable[[Any], None]) -> None:
        """Read one frame ("notes", "ideas", "criteria", "scores", "scenarios",
        "neighbourhoods") and hand it to ``done``."""
        self.run(lambda s: getattr(api, what)(s), done, f"Reading {what}")

    def read_many(self, whats: tuple[str, ...], done: Callable[[dict], None]) -> None:
        """Several frames in one job: ``done({what: frame})``."""
        self.run(lambda s: {w: getattr(api, w)(s) for w in whats}, done, "Reading plans")

    # -- scenarios and their results --------------------------------------------------------
    def result(self, name: str | None, params, done: Callable[[Any], None]) -> None:
        """Mapping of scenario ``name`` under ``params`` off the GUI thread, with progress and
        Cancel in the status bar (the planning service caches results, so switching back is
        quick)."""
        self._long(lambda s, p, c: s.planning.result(name, params, p, c), done,
                   f"Mapping scenario {name}" if name else "Mapping the baseline")

    def compare(self, name: str, against: str | None, params, done: Callable[[Any], None]
                ) -> None:
        """Scenario ``name`` compared with ``against`` (None: baseline), off the GUI thread."""
        self._long(lambda s, p, c: s.planning.compare(name, against, params, p, c), done,
                   f"Comparing {name} with {against or 'the baseline'}")

    def _long(self, job, done, label: str) -> None:
        service = self.service
        if self.tasks is None:
            done(job(service, None, None))
            return
        self.tasks.run(lambda progress, cancelled: job(service, progress, cancelled), done,
                       label)

    def save_changes(self, name: str, changes, description: str, text: str) -> None:
        """Replace scenario ``name``'s changes (creating it), undoably: undo puts the old
        changes back, or deletes a scenario that did not exist."""
        def redo(s, _m):
            have = s.planning.scenarios()
            old = s.planning.scenario_changes(name) if name in set(have["name"]) else None
            s.planning.save_scenario(name, changes, description)
            return old

        def undo(s, old):
            if old is None:
                s.planning.delete_scenario(name)
            else:
                s.planning.save_scenario(name, old, description)
            return None

        self._push(text, "scenarios", redo, undo)

    def locate_postcode(self, postcode: str, category: str,
                        done: Callable[[tuple[float, float] | None], None]) -> None:
        """(easting, northing) metres of a postcode, placed exactly as a CHANGES.csv row is
        (the planning service checks a one-row change file); None and a message if unknown."""
        def job(s):
            import tempfile
            from pathlib import Path

            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "site.csv"
                pd.DataFrame([{"action": "add", "name": "site", "category": category,
                               "postcode": postcode}]).to_csv(path, index=False)
                prepared = s.planning.read_changes(path)
            ch = prepared.changes
            if not prepared.ok or ch.empty or pd.isna(ch["easting"].iloc[0]):
                return None
            return float(ch["easting"].iloc[0]), float(ch["northing"].iloc[0])

        def finished(xy):
            if xy is None:
                self.failed.emit(f"Postcode {postcode} was not found in this project's "
                                 "postcode lookup.")
            done(xy)

        self.run(job, finished, "Finding the postcode")

    def delete_scenario(self, name: str) -> None:
        self._push(f"Delete scenario {name}", "scenarios",
                   lambda s, m: s.planning.delete_scenario(name),
                   lambda s, m: s.planning.restore_scenario(m))

    # -- notes -----------------------------------------------------------------------------
    def add_note(self, fields: dict[str, Any], done: Callable[[int], None] | None = None
                 ) -> None:
        self._push(f"Add note '{_short(fields.get('text'))}'", "notes",
                   lambda s, m: api.add_note(s, **fields) if m is None else api.restore_note(s, m),
                   lambda s, m: api.delete_note(s, m), done=done)

    def update_note(self, note_id: int, fields: dict[str, Any]) -> None:
        self._push(f"Edit note {note_id}", "notes",
                   lambda s, m: api.update_note(s, note_id, **fields),
                   lambda s, m: api.update_note(s, note_id, **m))

    def delete_note(self, note_id: int) -> None:
        self._push(f"Delete note {note_id}", "notes",
                   lambda s, m: api.delete_note(s, note_id), lambda s, m: api.restore_note(s, m))

    # -- ideas -----------------------------------------------------------------------------
    def add_idea(self, fields: dict[str, Any], done: Callable[[int], None] | None = None
                 ) -> None:
        self._push(f"Add idea '{_short(fields.get('title'))}'", "ideas",
                   lambda s, m: api.add_idea(s, **fields) if m is None else api.restore_idea(s, m),
                   lambda s, m: api.delete_idea(s, m), done=done)

    def update_idea(self, idea_id: int, fields: dict[str, Any]) -> None:
        self._push(f"Edit idea {idea_id}", "ideas",
                   lambda s, m: api.update_idea(s, idea_id, **fields),
                   lambda s, m: api.update_idea(s, idea_id, **m))

    def delete_idea(self, idea_id: int) -> None:
        self._push(f"Delete idea {idea_id}", "ideas",
                   lambda s, m: api.delete_idea(s, idea_id), lambda s, m: api.restore_idea(s, m))

    # redo always saves the new value and returns the old one; undo saves the old one back
    def set_score(self, idea_id: int, criterion: str, value: float | None) -> None:
        self._push(f"Score idea {idea_id} on {criterion}", "ideas",
                   lambda s, m: api.set_score(s, idea_id, criterion, value),
                   lambda s, m: api.set_score(s, idea_id, criterion, m))

    def set_weight(self, key: str, weight: float) -> None:
        self._push(f"Weight of {key}", "ideas",
                   lambda s, m: api.set_criterion(s, key, weight=weight),
                   lambda s, m: api.set_criterion(s, key, weight=m["weight"]))

    def set_decision(self, idea_id: int, decision: str | None, reason: str,
                     date: str | None) -> None:
        self._push(f"Decision on idea {idea_id}: {decision or 'none'}", "ideas",
                   lambda s, m: api.set_decision(s, idea_id, decision, reason, date),
                   lambda s, m: api.update_idea(s, idea_id, **m))

    def _push(self, text: str, kind: str, redo, undo, done=None) -> None:
        self.undo_stack.push(PlanningEdit(self, text, kind, redo, undo, done=done))


def _short(text: Any, n: int = 30) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def planning_for(window, service) -> PlanningAccess:
    """The window's :class:`PlanningAccess` for ``service`` (made on first use; a new one when
    the window shows another project), using the window's task runner and undo stack."""
    access = getattr(window, "planning", None)
    if access is None or access.service is not service:
        if access is not None:
            access.deleteLater()
        access = PlanningAccess(service, getattr(window, "tasks", None),
                                getattr(window, "undo_stack", None), window)
        window.planning = access
    return access
