"""England-scale asset mapping: phdesk's compute_mapping against (a) geopandas + PySAL access and
(b) a bare STRtree + numpy 2SFCA kernel, on the same in-memory frames in the same process; and,
beside them, (c) a second floor: a bare STRtree + numpy kernel of the same per-area and
neighbourhood measures phdesk computes (bench/_england_peers.py ``measures``; goal (b) is not
changed by it).

Data: bench/_england_data.py (33,755 areas, 50,000 assets, 12 categories x 20 segments = 240
blocks, 1,000 m). Baselines and checks: bench/_england_peers.py. Each side runs ``REPEATS`` times;
the line gives min/median/max seconds and the ratios (min/median/max, phdesk over baseline).
phdesk's time is the full run with the neighbourhood, cold-spot and inequality tables; the line
also gives the part before the inequality table was asked for (the engine defers the SII
simulations until then) and the inequality table alone, each against (b), and phdesk's 2SFCA
stage alone (bench/_england_stages.py) against (b). Then phdesk's peak memory: the peak resident
size (VmHWM) of a child process that loads the pickled inputs and runs ``compute_mapping`` once
(the size after loading the inputs in brackets), and one run's seconds by stage. Before timing is
reported, phdesk's tables are checked against (a) to 1e-9, (b)'s kernels against (a)'s and
phdesk's 2SFCA stage against (b)'s, phdesk's arrays against (c)'s. Goals (issue 9): <= 0.5 x
(a), <= 1.5 x (b), peak <= 1 GB.
Quick mode: one eighth of the size.
"""

from __future__ import annotations

import pickle
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from bench import _england_peers as peers
from bench import _england_stages as stages
from bench._england_data import RADIUS, make_inputs
from bench._timing import child_peak, ratio_spread, repeat, spread
from phdesk.core.mapping import MappingParams, compute_mapping
from phdesk.core.mapping_threads import thread_count

REPEATS = 3
GOALS = {"pysal": 0.5, "kernel": 1.5, "peak_mb": 1024.0}

CHILD = """
import pickle, sys
from phdesk.core.mapping import MappingParams, compute_mapping
with open(sys.argv[1], "rb") as f:
    inputs = pickle.load(f)
loaded = hwm_mb()
result = compute_mapping(inputs, MappingParams(default_radius_m=float(sys.argv[2])))
n = len(result.neighbourhood_segments) + len(result.inequality) + len(result.cold_spots)
print(loaded)
print(hwm_mb(), n)
"""


def timed_runs(inputs, times: int, threads: int | None = None
               ) -> tuple[list[float], list[float], object]:
    """Seconds of each full run, the part of it before the inequality table was asked for
    (the engine defers the SII simulations until then), and the last result. ``threads``:
    the engine's (None: its default, every usable processor up to 4; 1: none)."""
    full, before, result = [], [], None
    for _ in range(times):
        t0 = time.perf_counter()
        result = compute_mapping(inputs, MappingParams(default_radius_m=RADIUS),
                                 threads=threads)
        result.neighbourhood_segments, result.cold_spots  # noqa: B018
        t1 = time.perf_counter()
        result.inequality  # noqa: B018
        full.append(time.perf_counter() - t0)
        before.append(t1 - t0)
    return full, before, result


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def peak_memory(inputs) -> tuple[float, float]:
    """(peak MB of a child running compute_mapping once, MB after it loaded the inputs)."""
    with tempfile.TemporaryDirectory(prefix="phdesk-bench-") as tmp:
        path = Path(tmp) / "inputs.pickle"
        with open(path, "wb") as f:
            pickle.dump(inputs, f, protocol=pickle.HIGHEST_PROTOCOL)
        peak, out = child_peak(CHILD, str(path), str(RADIUS))
    return peak, float(out.splitlines()[0])


def run(quick: bool = False) -> str:
    inputs = make_inputs(0.125 if quick else 1.0)
    ours, before, result = timed_runs(inputs, REPEATS)
    one, one_before, one_result = timed_runs(inputs, REPEATS, threads=1)
    threads = thread_count()
    check_same(result, one_result)
    del one_result
    rules = result.summary["categories"]
    blocks = len(rules) * len(result.summary["segments"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PySAL access warns about areas outside catchments
        pysal, base = repeat(lambda: peers.pysal(inputs, rules, RADIUS,
                                                 MappingParams().sii_repetitions), REPEATS)
    floor_s, floor = repeat(lambda: peers.kernel(inputs, rules, RADIUS), REPEATS)
    floor_t, floor_par = repeat(lambda: peers.kernel(inputs, rules, RADIUS, threads), REPEATS)
    peers.check_kernel(base, floor_par, rules)
    del floor_par
    same_s, same = repeat(lambda: peers.measures(inputs, rules, RADIUS), REPEATS)
    placed = stages.twosfca_setup(inputs)
    fca_s, fca = repeat(lambda: stages.twosfca(inputs, placed, rules, RADIUS), REPEATS)
    peers.check_agree(result, base)
    peers.check_kernel(base, floor, rules)
    check_twosfca(fca, floor)
    peers.check_measures(result, same)
    del base, floor, result, fca, same
    spent, total = stages.breakdown(inputs, RADIUS)
    peak, loaded = peak_memory(inputs)
    med = statistics.median(ours)
    r_a = med / statistics.median(pysal)
    r_b = med / statistics.median(floor_s)
    ineq = [f - b for f, b in zip(ours, before, strict=True)]
    parts = ", ".join(f"{k} {v:.2f}" for k, v in spent.items())
    return (f"phdesk {spread(ours)} on {threads} threads (one thread: {spread(one)}, before "
            f"the inequality table {spread(one_before)}; the same tables to the last bit), "
            f"baseline (a) geopandas+PySAL {spread(pysal)}, "
            f"ratio {ratio_spread(ours, pysal)} (goal <= {GOALS['pysal']}: "
            f"{_met(r_a <= GOALS['pysal'])}); (b) STRtree+numpy kernel {spread(floor_s)}, "
            f"ratio {ratio_spread(ours, floor_s)} (goal <= {GOALS['kernel']}: "
            f"{_met(r_b <= GOALS['kernel'])}; (b) is single-threaded: phdesk on one thread "
            f"to (b) {ratio_spread(one, floor_s)}; (b) on {threads} threads "
            f"{spread(floor_t)}, phdesk on {threads} to it {ratio_spread(ours, floor_t)}); "
            f"phdesk before the inequality table "
            f"{spread(before)}, ratio to (b) {ratio_spread(before, floor_s)}, the inequality "
            f"table (SII simulations, deferred until asked for) {spread(ineq)}; phdesk's 2SFCA "
            f"stage alone {spread(fca_s)}, ratio to (b) {ratio_spread(fca_s, floor_s)}; "
            f"(c) second floor, bare STRtree+numpy kernel of the same per-area and "
            f"neighbourhood measures (reach at 0.5/1/1.5 x radius, 2SFCA, E2SFCA, nearest "
            f"site, neighbourhood sums; no placement, edge test, ranks, SII or tables) "
            f"{spread(same_s)}, phdesk's full run to (c) {ratio_spread(ours, same_s)}, "
            f"before the inequality table to (c) {ratio_spread(before, same_s)}; "
            f"peak {peak:.0f} MB (inputs loaded {loaded:.0f} MB; "
            f"goal <= {GOALS['peak_mb']:.0f}: {_met(peak <= GOALS['peak_mb'])}); "
            f"{len(inputs.areas):,} areas, {len(inputs.assets):,} assets, {blocks} blocks; "
            f"min/median/max of {REPEATS}; one run by stage, on one thread "
            f"({total:.2f} s): {parts}")


def check_same(threaded, one) -> None:
    """The default (threaded) run's tables equal the one-thread run's, column by column,
    to the last bit."""
    for name in ("area_access", "neighbourhood_segments", "cold_spots", "inequality",
                 "assets", "category_rules"):
        a, b = threaded.table(name), one.table(name)
        assert list(a.columns) == list(b.columns) and len(a) == len(b), name
        for col in a.columns:
            u, v = a[col].to_numpy(), b[col].to_numpy()
            same = (np.array_equal(u, v, equal_nan=True) if u.dtype.kind == "f"
                    else bool((pd.Series(u) == pd.Series(v)).all()
                              or pd.Series(u).equals(pd.Series(v))))
            assert u.dtype == v.dtype and same, f"{name}.{col}: threads differ from one"


def check_twosfca(fca: dict, floor: dict) -> None:
    """phdesk's 2SFCA stage alone against baseline (b), block by block, to 1e-9."""
    assert set(fca) == set(floor), "different 2SFCA blocks"
    for key, (a2, a3) in fca.items():
        b2, b3 = floor[key]
        assert np.allclose(a2, b2, rtol=1e-9, atol=1e-9), f"2SFCA stage {key}"
        assert np.allclose(a3, b3, rtol=1e-9, atol=1e-9), f"E2SFCA stage {key}"


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    print(f"england: {run(quick='--quick' in sys.argv)}")
