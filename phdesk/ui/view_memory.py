"""The window's choices kept per project: the map's Show, Measure, Category and Segment and the
chosen neighbourhood reopen as they were left, and stay through imports.

Why it exists: they reset on reopening, so every session began with the first measure in the
list. The fields live in the one view state (ui/view_state.py); this object restores them when
a project's first read arrives (``ProjectData.view``, read on the DB worker) and saves them,
shortly after a user's change, through the service on the DB worker (the store keeps them in
the ``meta`` table, store/view_settings.py). A read-only project keeps them in memory only (the
service decides). Opening never writes: restoring, and a combo taking its first item when first
filled, are nobody's choice and are not saved; neither is anything while the window is only
viewing (``--screenshot``: ``persist_settings`` False).
"""

from __future__ import annotations

import logging

from PySide6 import QtCore

from phdesk.ui.view_state import DEFAULTED

log = logging.getLogger(__name__)

KEPT = ("level", "measure", "category", "segment", "neighbourhood")   # store/view_settings.KEYS
RESTORED = "restored"   # the source of the view state's change when a project's choices return
SAVE_AFTER_MS = 600     # one save for a burst of changes (arrow keys through a combo)


class ViewMemory(QtCore.QObject):
    """Restores and saves one window's view state for its project."""

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.service = None          # the project whose choices the view state now shows
        self.saved: dict[str, str] = {}
        self.dirty = False           # a user's change waits to be saved
        self.timer = QtCore.QTimer(self, singleShot=True, interval=SAVE_AFTER_MS)
        self.timer.timeout.connect(self.flush)
        window.view_state.changed.connect(self._changed)

    def restore(self, service, saved: dict[str, str] | None) -> bool:
        """Show ``service``'s saved choices (once per project: later reads leave the user's
        current choices alone). True if this was the project's first restore."""
        if service is self.service:
            return False
        self.timer.stop()
        self.dirty = False
        self.service, self.saved = service, dict(saved or {})
        values = {k: self.saved.get(k) for k in KEPT}
        values["level"] = values["level"] or "areas"
        self.window.view_state.set_from(RESTORED, **values)
        return True

    def current(self) -> dict[str, str]:
        state = self.window.view_state
        return {k: state.get(k) for k in KEPT if state.get(k)}

    def _changed(self, diff: dict) -> None:
        if self.service is None or self.window.view_state.source in (RESTORED, DEFAULTED):
            return
        if set(diff) & set(KEPT):
            self.dirty = True
            self.timer.start()

    def flush(self) -> None:
        """Save now if a change is waiting (before the project is closed or switched)."""
        self.timer.stop()
        service, win, dirty = self.service, self.window, self.dirty
        self.dirty = False
        if not dirty or service is None or service is not win.service or \
                not win.persist_settings:
            return
        values = self.current()
        if values == self.saved:
            return
        self.saved = values

        def failed(exc: BaseException) -> None:   # a view choice is not worth a dialog
            log.warning("could not keep the view's choices: %s", exc)

        win.tasks.run(lambda _p, _c: service.save_view_settings(values), lambda _r: None,
                      "Keeping the view's choices", on_error=failed, cancellable=False)

    def forget(self) -> None:
        """The window is leaving its project: save what waits, then follow no project."""
        self.flush()
        self.service = None
