"""What-if through the planning service, the path the scenario panel and the workshop take.

Data: the demo project (written afresh), and the project named by ``PHDESK_BENCH_PROJECT`` when
set (e.g. a Trafford project imported from the public files; copied first, never changed).
The change: a scenario ``Live`` moving the first site of the largest category, to a new place
each repeat (saved untimed, as the window saves an edit before it asks for results).

phdesk: ``ProjectService.planning.result("Live")`` (the window's scenario results: the engine
kept live from the baseline, untimed first) and ``planning.compare("Live")`` (the scenario
panel's comparison with the baseline). Baseline: a full ``compute_mapping`` of the same changed
inputs (``with_changes``; the project's inputs read once, untimed): what a what-if costs without
the live engine. Goal (issue 9's, for the result): < 100 ms and <= 0.1 x the full run.
min/median/max of ``REPEATS``.
"""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
from pathlib import Path

import pandas as pd

from bench._timing import ratio_spread, spread

REPEATS = 7


def _one(path: Path, label: str) -> str:
    from phdesk.core.mapping import MappingParams, compute_mapping
    from phdesk.core.scenarios import with_changes
    from phdesk.services.project_service import ProjectService

    svc = ProjectService.open(path)
    try:
        plan, params = svc.planning, MappingParams()
        assets = svc.assets().dropna(subset=["easting", "northing"])
        cat = assets["category"].value_counts().index[0]
        site = assets[assets["category"] == cat].sort_values("id").iloc[0]
        plan.result(None, params)   # the baseline, as the window has it before any scenario
        inputs = plan.inputs()
        ours, cmp, full = [], [], []
        for k in range(REPEATS):
            plan.save_scenario("Live", pd.DataFrame([{
                "action": "move", "asset": int(site["id"]),
                "easting": float(site["easting"]) + 150.0 + 37.0 * k,
                "northing": float(site["northing"])}]))
            ours.append(_seconds(lambda: plan.result("Live", params)))
            cmp.append(_seconds(lambda: plan.compare("Live", None, params)))
            changed = with_changes(inputs, plan.scenario_changes("Live"))
            full.append(_seconds(lambda c=changed: compute_mapping(c, MappingParams())))
    finally:
        svc.close()
    med = statistics.median(ours)
    ratio = med / statistics.median(full)
    goal = "met" if med < 0.1 and ratio <= 0.1 else "NOT met"
    return (f"{label} ({len(inputs.areas):,} areas, {len(assets):,} sites, one {cat} moved): "
            f"result {spread(ours, 'ms', 1000, '.0f')}, compare {spread(cmp, 'ms', 1000, '.0f')}"
            f", baseline (full run) {spread(full, 'ms', 1000, '.0f')}, ratio "
            f"{ratio_spread(ours, full)} (goal < 100 ms and <= 0.1: {goal})")


def _seconds(fn) -> float:
    import time

    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def run(quick: bool = False) -> str:
    from phdesk.services.project_service import ProjectService

    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo.phdesk"
        ProjectService.write_demo(demo)
        lines.append(_one(demo, "demo"))
        given = os.environ.get("PHDESK_BENCH_PROJECT")
        if given and not quick:
            copy = Path(tmp) / "given.phdesk"
            shutil.copy(given, copy)
            lines.append(_one(copy, Path(given).stem))
    return f"min/median/max of {REPEATS}; " + "; ".join(lines)


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    print(f"whatif_service: {run(quick='--quick' in sys.argv)}")
