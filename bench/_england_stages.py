"""Where phdesk's England run spends its time, stage by stage, and its 2SFCA stage alone.

``breakdown`` runs ``compute_mapping`` once (then the tables the benchmark reads) with the
engine's stage functions wrapped in timers, so the seconds are those of a real run (the wrappers
cost microseconds; a stage function called inside another, such as the catchment pairs the
nearest-site search queries, counts as the outer stage's time). ``twosfca`` times only what
baseline (b) computes, with phdesk's own pieces: the areas' segment matrix
(``prepare_areas``), then per category the catchment pairs at the radius (``PointGrid``) and
2SFCA and E2SFCA (``fca``) for each demand group, on assets placed beforehand (untimed).
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from unittest import mock

import numpy as np

from phdesk.core import mapping_access, mapping_engine, mapping_kernels
from phdesk.core.mapping import MappingParams, compute_mapping
from phdesk.core.mapping_access import fca, step_weights
from phdesk.core.mapping_stages import place_assets, prepare_areas

# (label, module, attribute): the stage functions timed in a run
STAGES = (
    ("areas and population", mapping_engine, "prepare_areas"),
    ("placement", mapping_engine, "place_assets"),
    ("category rules", mapping_engine, "category_rules"),
    ("catchment pairs (1.5 x radius)", mapping_access.PointGrid, "pairs"),
    ("2SFCA + E2SFCA", mapping_kernels, "fca"),
    ("nearest site", mapping_kernels, "nearest_distance"),
    ("catchment edges", mapping_engine, "fill_edges"),
    ("neighbourhood measures", mapping_engine, "neighbourhood_arrays"),
    ("inequality (SII simulations)", mapping_engine, "inequality_rows"),
)


def breakdown(inputs, radius: float) -> tuple[dict[str, float], float]:
    """({stage: seconds}, total seconds) of one run plus its neighbourhood, cold-spot and
    inequality tables; "other" is the rest of the run (kernel sums, assembly, tables)."""
    spent = {label: 0.0 for label, _, _ in STAGES}
    active: list[str] = []   # a stage called inside another counts as the outer one's time

    def timed(label, fn):
        def wrapper(*args, **kwargs):
            if active:
                return fn(*args, **kwargs)
            active.append(label)
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - t0
                active.pop()
        return wrapper

    with ExitStack() as stack:
        for label, owner, name in STAGES:
            stack.enter_context(mock.patch.object(owner, name,
                                                  timed(label, getattr(owner, name))))
        t0 = time.perf_counter()
        # on one thread: the timers add up one stage at a time (docs/ARCHITECTURE.md)
        result = compute_mapping(inputs, MappingParams(default_radius_m=radius), threads=1)
        result.neighbourhood_segments, result.cold_spots, result.inequality  # noqa: B018
        total = time.perf_counter() - t0
    spent["other"] = total - sum(spent.values())
    return spent, total


def twosfca_setup(inputs):
    """The assets placed (untimed) for :func:`twosfca`."""
    area = prepare_areas(inputs.areas, inputs.segments, inputs.neighbourhoods, None)
    return place_assets(area, inputs.assets, None)


def twosfca(inputs, assets, rules: dict, radius: float
            ) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
    """phdesk's 2SFCA and E2SFCA per category and demand group (``rules``: the run's
    ``summary["categories"]``), per 1,000 residents: {(category, group): (2SFCA, E2SFCA)}."""
    area = prepare_areas(inputs.areas, inputs.segments, inputs.neighbourhoods, None)
    grid = area.grid(radius)
    out = {}
    for c, cat in enumerate(assets.categories):
        demand = rules[cat]["demand"]
        pop = area.pop[:, [area.segments.index(s) for s in demand]]
        sites = np.flatnonzero(assets.cat_codes == c)
        i, j, d = grid.pairs(assets.bx[sites], assets.by[sites], radius)
        cap = assets.capacity[sites]
        a2 = fca(pop, cap, i, j, np.ones(len(d)))
        a3 = fca(pop, cap, i, j, step_weights(d, radius, (1.0, 0.68, 0.22)))
        for k, s in enumerate(demand):
            out[(cat, s)] = (a2[:, k], a3[:, k])
    return out
