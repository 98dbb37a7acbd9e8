"""Python's cyclic garbage collector runs only on the GUI thread (docs/ARCHITECTURE.md, "Known
traps").

An allocation on any thread may start a collection, and a collection frees whatever cyclic
garbage exists, including closed windows and panels whose Python wrappers sit in reference
cycles. Freed on a worker thread, a widget's destructor takes Qt's connection mutex and then
waits for the GIL, while the GUI thread holds the GIL and waits for that mutex in
``QObject::connect``: both stop for ever (seen in the test suite: a worker reading WKB started a
collection that destroyed an old map panel). So automatic collection is turned off and the GUI
thread collects on a timer, generation by generation, at the interpreter's own thresholds (the
technique pyqtgraph ships as ``GarbageCollector``).
"""

from __future__ import annotations

import gc

from PySide6 import QtCore

INTERVAL_MS = 1000


class GuiThreadCollector(QtCore.QObject):
    """Collects cyclic garbage on the thread that owns it (the GUI thread) every second."""

    def __init__(self, parent: QtCore.QObject) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        gc.disable()
        self.timer = QtCore.QTimer(self)
        self.timer.timeout.connect(self.check)
        self.timer.start(INTERVAL_MS)

    def check(self) -> None:
        """Collect the generations whose counts passed their thresholds, youngest first."""
        counts = gc.get_count()
        for generation in range(3):
            if counts[generation] <= self.threshold[generation]:
                break
            gc.collect(generation)


def install(app: QtCore.QCoreApplication) -> GuiThreadCollector:
    """Turn automatic collection off and collect on ``app``'s thread (once per application)."""
    existing = app.findChild(GuiThreadCollector)
    return existing if existing is not None else GuiThreadCollector(app)
