"""What-if in the window: a scenario's change saved, to its results shown in every panel.

Data: the demo project (written afresh), and the project named by ``PHDESK_BENCH_PROJECT`` when
set (copied first). The window (offscreen, 1440 x 900) has run mapping once and shows scenario
``Live``, which moves the first site of the largest category; each repeat moves it somewhere
new through the planning service (untimed), then the clock runs from the window being told the
scenario changed (``window_planning.refresh_scenario``, what the scenario panel's save does)
until the scenario's result is shown and the window's task runner is idle: the what-if off
the GUI thread through the service, then the map, charts and lists refreshed on it.
Baseline: *Run mapping* (F5) in the same window until idle: the full run the window would
otherwise make. min/median/max of ``REPEATS``; the ratio is a goal-less reading (issue 9's goal
is for the engine, see ``bench_whatif``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pandas as pd  # noqa: E402

from bench._timing import ratio_spread, spread  # noqa: E402

REPEATS = 5


def _until(app, done, timeout: float = 300.0) -> None:
    """Process events until ``done()`` (raises after ``timeout`` seconds)."""
    end = time.perf_counter() + timeout
    while not done():
        if time.perf_counter() > end:
            raise TimeoutError("the window did not finish in time")
        app.processEvents()
        time.sleep(0.0005)


def _one(app, path: Path, label: str) -> str:
    from phdesk.core.mapping import MappingParams
    from phdesk.services.project_service import ProjectService
    from phdesk.settings import Settings
    from phdesk.ui import window_planning
    from phdesk.ui.main_window import MainWindow

    win = MainWindow(ProjectService.open(path), Settings())
    win.resize(1440, 900)
    win.show()
    idle = lambda: not win.tasks.busy()  # noqa: E731
    try:
        _until(app, lambda: win.data is not None and idle())
        plan = win.service.planning
        assets = win.service.assets().dropna(subset=["easting", "northing"])
        cat = assets["category"].value_counts().index[0]
        site = assets[assets["category"] == cat].sort_values("id").iloc[0]

        def move(k: int) -> None:
            plan.save_scenario("Live", pd.DataFrame([{
                "action": "move", "asset": int(site["id"]),
                "easting": float(site["easting"]) + 150.0 + 37.0 * k,
                "northing": float(site["northing"])}]))

        full = []
        for _ in range(REPEATS):
            t0 = time.perf_counter()
            win.run_mapping(MappingParams())
            _until(app, lambda: not idle())
            _until(app, idle)
            full.append(time.perf_counter() - t0)
        move(-1)
        win.view_state.set(scenario="Live")
        _until(app, lambda: "Live" in win.scenario_results and idle())
        ours = []
        for k in range(REPEATS):
            move(k)
            t0 = time.perf_counter()
            window_planning.refresh_scenario(win)
            _until(app, lambda: "Live" in win.scenario_results and idle())
            app.processEvents()
            ours.append(time.perf_counter() - t0)
            assert win.current_result() is win.scenario_results["Live"]
    finally:
        win.close()
        win.service.close()
    return (f"{label} ({len(assets):,} sites, one {cat} moved): what-if shown "
            f"{spread(ours, 'ms', 1000, '.0f')}, baseline (F5 run shown) "
            f"{spread(full, 'ms', 1000, '.0f')}, ratio {ratio_spread(ours, full)}")


def run(quick: bool = False) -> str:
    from PySide6 import QtWidgets

    from phdesk.services.project_service import ProjectService

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo.phdesk"
        ProjectService.write_demo(demo)
        lines.append(_one(app, demo, "demo"))
        given = os.environ.get("PHDESK_BENCH_PROJECT")
        if given and not quick:
            copy = Path(tmp) / "given.phdesk"
            shutil.copy(given, copy)
            lines.append(_one(app, copy, Path(given).stem))
    return f"min/median/max of {REPEATS}; " + "; ".join(lines)


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    print(f"whatif_window: {run(quick='--quick' in sys.argv)}")
