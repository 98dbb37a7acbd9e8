"""The SII chart of a live what-if: "being computed" while its simulations run off the GUI
thread, then the what-if's own figures (never the baseline's meanwhile)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from phdesk.core.mapping import MappingEngine, MappingParams, compute_mapping
from phdesk.ui.charts import ChartsPanel
from tests.core.mapping_data import random_inputs


def _sii_x(panel):
    out = []
    for plot in panel.sii_chart.layout_widget.ci.items:
        if isinstance(plot, pg.PlotItem):
            out += [i for i in plot.items if isinstance(i, pg.ErrorBarItem)]
    (bars,) = out
    return np.asarray(bars.opts["x"], dtype=float)


def test_sii_of_a_whatif_says_pending_then_shows_its_own_figures(qtbot):
    inputs = random_inputs(7, n_areas=120, n_assets=40)
    inputs.areas["imd_decile"] = np.resize(np.arange(1, 11, dtype=float), len(inputs.areas))
    params = MappingParams(sii_repetitions=1000)
    engine = MappingEngine(inputs, params, live=True)
    base = engine.run()
    assert base.inequality_pending   # the run defers its simulations too
    assert len(base.inequality)      # ... built once asked for
    assert not base.inequality_pending
    assets = inputs.assets.copy()
    row = assets.index[assets["category"] == "GP practice"][0]
    assets.loc[row, "easting"] += 900.0
    live = engine.whatif(assets)
    assert live.inequality_pending   # the GP practices' simulations are new

    panel = ChartsPanel()
    qtbot.addWidget(panel)
    panel.resize(1200, 800)
    panel.set_data(live, None, None)
    panel.category_combo.setCurrentText("GP practice")
    panel.segment_combo.setCurrentText("All")
    panel.tabs.setCurrentIndex(1)
    assert panel.sii_chart.showing_message()
    assert "being computed" in panel.sii_chart.message.text()
    qtbot.waitUntil(lambda: not panel.sii_chart.showing_message(), timeout=30_000)
    assert not live.inequality_pending

    assets_changed = type(inputs)(**{**inputs.__dict__, "assets": assets})
    want = compute_mapping(assets_changed, params).inequality
    want = want[(want["segment"] == "All")]
    measure = want["measure"].iloc[0]
    want = want[want["measure"] == measure].sort_values("sii")
    assert np.allclose(_sii_x(panel), want["sii"].to_numpy(dtype=float), rtol=1e-12)


def test_on_screen_only_the_tab_shown_is_drawn_the_other_when_shown(qtbot):
    from tests.ui.map_fixtures import grid_profile, grid_result, grid_segment_population

    panel = ChartsPanel()
    qtbot.addWidget(panel)
    panel.resize(1200, 800)
    panel.show()
    qtbot.waitUntil(panel.isVisible)
    panel.tabs.setCurrentIndex(0)
    panel.set_data(grid_result(), grid_profile(), grid_segment_population())
    panel.category_combo.setCurrentText("GP practice")
    panel.segment_combo.setCurrentText("All")
    assert not panel.need_chart.showing_message()        # drawn: its tab is shown
    assert panel.gap_chart.message.text().startswith("Run mapping")   # not yet drawn
    panel.tabs.setCurrentIndex(1)
    assert not panel.gap_chart.showing_message() and not panel.sii_chart.showing_message()


def test_a_table_built_after_its_screen_closed_raises_nothing_on_the_worker(qtbot, monkeypatch):
    import threading
    import time

    from PySide6 import QtCore

    from phdesk.ui.pending import Deferred

    class Slow:
        def table(self, name):
            time.sleep(0.3)

    errors, finished = [], threading.Event()
    monkeypatch.setattr(threading, "excepthook", lambda a: errors.append(repr(a.exc_value)))
    parent = QtCore.QObject()
    deferred = Deferred("inequality", parent)
    original = deferred._work

    def work(result):
        try:
            original(result)
        finally:
            finished.set()
    monkeypatch.setattr(deferred, "_work", work)
    deferred.request(Slow(), lambda r, e: None)
    parent.deleteLater()
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
    assert finished.wait(10)
    assert errors == []
