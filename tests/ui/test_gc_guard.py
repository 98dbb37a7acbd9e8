"""Cyclic garbage is collected on the GUI thread only (phdesk.ui.gc_guard)."""

from __future__ import annotations

import gc
import threading

from PySide6 import QtCore

from phdesk.ui import gc_guard


class _Cycle(QtCore.QObject):
    pass


def test_a_worker_thread_never_frees_a_qobject_and_the_gui_thread_does(qapp, qtbot):
    collector = gc_guard.install(qapp)
    assert gc_guard.install(qapp) is collector and not gc.isenabled()
    freed_on = []
    obj = _Cycle()
    obj.me = obj   # a reference cycle: only the cyclic collector can free it
    obj.destroyed.connect(lambda *_: freed_on.append(threading.current_thread().name))
    del obj

    def allocate() -> None:   # enough allocations to start collections, were they automatic
        junk = [[i] for i in range(200_000)]
        del junk

    worker = threading.Thread(target=allocate, name="worker")
    worker.start()
    worker.join()
    assert freed_on == []
    saved, collector.threshold = collector.threshold, (0, 0, 0)   # collect every generation
    try:
        collector.check()
    finally:
        collector.threshold = saved
    assert freed_on == [threading.main_thread().name]
