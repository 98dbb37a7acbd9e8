"""One view state for the whole window: what every panel is showing.

Why it exists: the map, charts, tables, neighbourhood list, notes, ideas, scenarios and the
workshop screen all show the same thing at once (one scenario, one comparison, one category,
segment, neighbourhood and measure). Each panel reads and writes this one object instead of
copying combo-box texts between panels; a change is announced once, with exactly the fields
that changed, so a panel redraws only what it must. Panels are wired to it in one place, the
panel registry in :mod:`phdesk.ui.panels` (see docs/ARCHITECTURE.md, "The window").

Values are plain strings (or None: "baseline" for ``scenario``, "none" for ``comparison``,
"all" for ``neighbourhood``, "not chosen yet" for the rest). ``level`` is the map's Show
("areas" or "neighbourhoods"). The window keeps the fields per project (ui/view_memory.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6 import QtCore, QtWidgets

FIELDS = ("scenario", "comparison", "category", "segment", "neighbourhood", "measure", "level")
# an item's key for the view state when its text is not it (the map's level and measure items)
STATE_KEY_ROLE = QtCore.Qt.ItemDataRole.UserRole + 41
# the source of a change that is no one's choice: a combo filled for the first time took its
# first item (see bind_combo); the window does not save such a change (ui/view_memory.py)
DEFAULTED = "defaulted"


class ViewState(QtCore.QObject):
    """What the window shows. ``set(category="GP practice")`` updates and emits ``changed``.

    ``changed`` carries a dict ``{field: new value}`` of the fields that really changed (setting
    a field to the value it has emits nothing, so two panels echoing each other cannot loop).
    """

    changed = QtCore.Signal(dict)

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._values: dict[str, str | None] = dict.fromkeys(FIELDS)
        self.source: object | None = None   # who made the change being announced, if said

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("_values")
        if values is not None and name in values:
            return values[name]
        raise AttributeError(name)

    def get(self, name: str) -> str | None:
        return self._values[name]

    def snapshot(self) -> dict[str, str | None]:
        """All fields as a plain dict (a copy)."""
        return dict(self._values)

    def set(self, **fields: str | None) -> dict[str, str | None]:
        """Update some fields; emits ``changed`` once with those that differ. Returns them."""
        unknown = set(fields) - set(FIELDS)
        if unknown:
            raise KeyError(f"unknown view-state field(s): {', '.join(sorted(unknown))}")
        diff = {}
        for name, value in fields.items():
            value = None if value in ("", None) else str(value)
            if self._values[name] != value:
                self._values[name] = value
                diff[name] = value
        if diff:
            self.changed.emit(diff)
        return diff

    def set_from(self, source: object, **fields: str | None) -> dict[str, str | None]:
        """:meth:`set` on behalf of ``source`` (a panel): while ``changed`` is emitted,
        :attr:`source` is that panel, so it need not be told what it just showed itself."""
        outer, self.source = self.source, source
        try:
            return self.set(**fields)
        finally:
            self.source = outer

    def follow(self, name: str, slot: Callable[[str | None], Any],
               context: QtCore.QObject | None = None) -> None:
        """Call ``slot(value)`` whenever field ``name`` changes; with a ``context`` object the
        link ends when that object is destroyed (a panel replaced for another project)."""
        if name not in FIELDS:
            raise KeyError(name)
        if context is None:
            self.changed.connect(lambda diff: name in diff and slot(diff[name]))
            return
        follower = _Follower(name, slot, context)
        self.changed.connect(follower.on_changed)


class _Follower(QtCore.QObject):
    """A slot owned by a panel: Qt drops the connection when the panel is destroyed."""

    def __init__(self, name: str, slot: Callable[[str | None], Any],
                 parent: QtCore.QObject) -> None:
        super().__init__(parent)
        self.name, self.slot = name, slot

    @QtCore.Slot(dict)
    def on_changed(self, diff: dict) -> None:
        if self.name in diff:
            self.slot(diff[self.name])


def item_text(combo: QtWidgets.QComboBox, index: int) -> str:
    return combo.itemText(index)


def item_key(combo: QtWidgets.QComboBox, index: int) -> str:
    """The item's STATE_KEY_ROLE value if it has one, else the ``key`` of its data (the map's
    measure items hold a Measure), else its text."""
    key = combo.itemData(index, STATE_KEY_ROLE)
    if key:
        return str(key)
    data = combo.itemData(index)
    return str(getattr(data, "key", None) or combo.itemText(index))


class WhenShown(QtCore.QObject):
    """Runs callbacks when a hidden widget is next shown: a panel on a hidden dock tab (or in a
    window hidden behind the workshop) catches up with the state then, not on every change."""

    def __init__(self, widget: QtWidgets.QWidget) -> None:
        super().__init__(widget)
        self.widget = widget
        self.pending: dict[object, Callable[[], Any]] = {}
        widget.installEventFilter(self)

    @classmethod
    def of(cls, widget: QtWidgets.QWidget) -> WhenShown:
        found = widget.findChild(cls, options=QtCore.Qt.FindChildOption.FindDirectChildrenOnly)
        return found if found is not None else cls(widget)

    def run_or_defer(self, key: object, fn: Callable[[], Any]) -> None:
        """``fn()`` now if the widget is visible, else once when it is shown (the last one for
        each ``key``)."""
        if self.widget.isVisible():
            self.pending.pop(key, None)
            fn()
        else:
            self.pending[key] = fn

    def eventFilter(self, obj: QtCore.QObject, event: QtCore.QEvent) -> bool:  # noqa: N802
        if obj is self.widget and event.type() == QtCore.QEvent.Type.Show and self.pending:
            pending, self.pending = self.pending, {}
            for fn in pending.values():
                fn()
        return False


def bind_combo(state: ViewState, name: str, combo: QtWidgets.QComboBox,
               key: Callable[[QtWidgets.QComboBox, int], str] = item_text,
               owner: QtWidgets.QWidget | None = None) -> None:
    """Keep ``combo`` and field ``name`` in step, both ways.

    A user's choice sets the field; a change of the field selects the matching item (if the
    combo offers it). When the combo is refilled (new results, another category) the field's
    value is chosen again once the refill is over (deferred with a zero timer, as panels refill
    with signals blocked); a field with no value yet takes the combo's first choice. With an
    ``owner`` panel, changes made while it is hidden are applied when it is shown.
    """
    def find(value: str | None) -> int:
        for i in range(combo.count()):
            if key(combo, i) == value:
                return i
        return -1

    def from_combo(index: int) -> None:
        if index >= 0 and not combo.signalsBlocked():
            state.set(**{name: key(combo, index)})

    def to_combo(value: str | None) -> None:
        i = find(value)
        if i >= 0 and i != combo.currentIndex():
            combo.setCurrentIndex(i)

    timer = QtCore.QTimer(combo, singleShot=True, interval=0)

    def after_refill() -> None:
        value = state.get(name)
        if find(value) >= 0:
            to_combo(value)
        elif value is None and combo.currentIndex() >= 0:
            # nothing chosen yet: the state takes what this panel shows (a value this combo
            # does not offer is left alone, so one panel cannot reset the others)
            state.set_from(DEFAULTED, **{name: key(combo, combo.currentIndex())})

    timer.timeout.connect(after_refill)
    combo.currentIndexChanged.connect(from_combo)
    if owner is None:
        state.follow(name, to_combo, combo)
    else:
        shown = WhenShown.of(owner)
        state.follow(name, lambda _v: shown.run_or_defer(
            (combo, name), lambda: to_combo(state.get(name))), combo)
    model = combo.model()
    for sig in (model.rowsInserted, model.rowsRemoved, model.modelReset):
        sig.connect(lambda *_: timer.start())
    timer.start()
