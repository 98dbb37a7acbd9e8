"""Deferred result tables built off the GUI thread, for screens that show "being computed".

A live what-if leaves its inequality table (the SII simulations) to be built when asked for
(``MappingResult.inequality_pending``). A screen that would show it asks :class:`Deferred` to
build it on a worker thread and says meanwhile that the figure is being computed; the callback
runs on the GUI thread when the table is ready, once per result however often it is asked.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6 import QtCore


class Deferred(QtCore.QObject):
    """Builds a result's table on a worker thread and calls back on the GUI thread."""

    _built = QtCore.Signal(object, str)   # result, error text ("" when built)

    def __init__(self, table: str, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.table = table
        self._waiting: dict[int, tuple[Any, list[Callable[[Any, str], None]]]] = {}
        self._built.connect(self._deliver)   # queued: emitted from the worker thread

    def request(self, result: Any, done: Callable[[Any, str], None]) -> None:
        """Build ``result``'s table off the GUI thread, then ``done(result, error)`` on it."""
        key = id(result)
        if key in self._waiting:
            self._waiting[key][1].append(done)
            return
        self._waiting[key] = (result, [done])
        threading.Thread(target=self._work, args=(result,), daemon=True,
                         name=f"phdesk-{self.table}").start()

    def _work(self, result: Any) -> None:
        try:
            result.table(self.table)
            error = ""
        except Exception as exc:  # noqa: BLE001 - shown in the chart, not lost on a thread
            error = str(exc) or type(exc).__name__
        try:
            self._built.emit(result, error)
        except RuntimeError:   # the screen closed while the table was built: nobody to tell
            pass

    def _deliver(self, result: Any, error: str) -> None:
        _, callbacks = self._waiting.pop(id(result), (None, []))
        for done in callbacks:
            done(result, error)
