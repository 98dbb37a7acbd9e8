"""What-if at ICB scale: one site moved, recomputed, against a full mapping run.

Data: the synthetic England of bench/_england_data.py at ICB size (scale 0.05: 1,687 areas,
68 neighbourhoods), 2,000 assets in 12 categories, 20 segments, each category serving its default
segments, 1,000 m. The change: the first GP practice moved 800 m east.

phdesk: ``MappingEngine(live=True).whatif`` when ``phdesk.core.mapping`` has it (the engine
prepared once with a full run, outside the timing, keeping its catchment pairs as the planning
service's engine does; the what-if result is checked against a full ``compute_mapping`` of the
moved inputs to 1e-9). Until it exists, the only way to see a change is a full
``compute_mapping`` of the changed inputs, which is what is timed then (the line says so).
Baseline: a full ``compute_mapping`` of the unchanged inputs. Goals (issue 9): < 100 ms and
<= 0.1 x the full run. min/median/max of ``REPEATS``.
"""

from __future__ import annotations

import statistics

import numpy as np

from bench._england_data import RADIUS, make_inputs
from bench._timing import ratio_spread, repeat, spread
from phdesk.core import mapping
from phdesk.core.mapping import MappingInputs, MappingParams, compute_mapping

REPEATS = 7
SCALE, N_ASSETS, MOVE_M = 0.05, 2_000, 800.0


def moved(inputs: MappingInputs, asset_id: int) -> MappingInputs:
    """The inputs with one asset moved MOVE_M metres east."""
    assets = inputs.assets.copy()
    assets.loc[assets["id"] == asset_id, "easting"] += MOVE_M
    return MappingInputs(areas=inputs.areas, assets=assets, segments=inputs.segments,
                         neighbourhoods=inputs.neighbourhoods, settings=inputs.settings,
                         info=inputs.info)


def _same(a, b) -> None:
    """Two results' neighbourhood tables agree to 1e-9."""
    key = ["category", "segment", "neighbourhood"]
    x = a.neighbourhood_segments.set_index(key).sort_index()
    y = b.neighbourhood_segments.set_index(key).sort_index()
    assert x.index.equals(y.index), "different neighbourhood rows"
    for col in ("coverage_pct", "access_2sfca", "access_e2sfca", "gap_score"):
        assert np.allclose(x[col].astype(float), y[col].astype(float), equal_nan=True,
                           rtol=1e-9, atol=1e-9), col


def run(quick: bool = False) -> str:
    inputs = make_inputs(SCALE, n_assets=N_ASSETS, all_segments=False)
    params = MappingParams(default_radius_m=RADIUS)
    site = int(inputs.assets.loc[inputs.assets["category"] == "GP practice", "id"].iloc[0])
    full, _ = repeat(lambda: compute_mapping(inputs, params), REPEATS)
    changed = moved(inputs, site)
    engine_cls = getattr(mapping, "MappingEngine", None)
    if engine_cls is not None and hasattr(engine_cls, "whatif"):
        engine = engine_cls(inputs, params, live=True)
        engine.run()   # the full run the workshop starts from (untimed)
        x = float(changed.assets.loc[changed.assets["id"] == site, "easting"].iloc[0])
        y = float(changed.assets.loc[changed.assets["id"] == site, "northing"].iloc[0])
        # a new place each repeat (the same place again would find its result kept); the last
        # repeat is the MOVE_M move itself, checked against a full run of those inputs
        step = iter(range(REPEATS - 1, -1, -1))
        ours, out = repeat(lambda: engine.whatif(move={site: (x - next(step), y)}), REPEATS)
        _same(out, compute_mapping(changed, params))
        how = "MappingEngine.whatif"
    else:
        ours, _ = repeat(lambda: compute_mapping(changed, params), REPEATS)
        how = "no MappingEngine.whatif yet: a full compute_mapping of the changed inputs"
    med = statistics.median(ours)
    ratio = med / statistics.median(full)
    goal = "met" if med < 0.1 and ratio <= 0.1 else "NOT met"
    return (f"phdesk {spread(ours, 'ms', 1000, '.0f')}, baseline (full run) "
            f"{spread(full, 'ms', 1000, '.0f')}, ratio {ratio_spread(ours, full)} "
            f"(goal < 100 ms and <= 0.1: {goal}; {how}); {len(inputs.areas):,} areas, "
            f"{len(inputs.assets):,} assets, min/median/max of {REPEATS}")


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    print(f"whatif: {run(quick='--quick' in sys.argv)}")
