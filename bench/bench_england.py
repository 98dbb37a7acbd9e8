"""England-scale asset mapping: phdesk's compute_mapping against (a) geopandas + PySAL access and
(b) a bare STRtree + numpy 2SFCA kernel, on the same in-memory frames in the same process.

Data: bench/_england_data.py (33,755 areas, 50,000 assets, 12 categories x 20 segments = 240
blocks, 1,000 m). Baselines and checks: bench/_england_peers.py. Each side runs ``REPEATS`` times;
the line gives min/median/max seconds and the ratios (min/median/max, phdesk over baseline), then
phdesk's peak memory: the peak resident size (VmHWM) of a child process that loads the pickled
inputs and runs ``compute_mapping`` once (the size after loading the inputs in brackets). Before
timing is reported, phdesk's tables are checked against (a) to 1e-9 and (b)'s kernels against (a)'s.
Goals (issue 9): <= 0.5 x (a), <= 1.5 x (b), peak <= 1 GB. Quick mode: one eighth of the size.
"""

from __future__ import annotations

import pickle
import tempfile
import warnings
from pathlib import Path

from bench import _england_peers as peers
from bench._england_data import RADIUS, make_inputs
from bench._timing import child_peak, ratio_spread, repeat, spread
from phdesk.core.mapping import MappingParams, compute_mapping

REPEATS = 3
TABLES = ("area_access", "neighbourhood_segments", "cold_spots", "inequality")
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


def full_run(inputs):
    """phdesk's run with the tables the baseline makes too (neighbourhood measures, cold
    spots, inequality); the area x segment x category table stays arrays until written."""
    result = compute_mapping(inputs, MappingParams(default_radius_m=RADIUS))
    result.neighbourhood_segments, result.cold_spots, result.inequality  # noqa: B018
    return result


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
    ours, result = repeat(lambda: full_run(inputs), REPEATS)
    rules = result.summary["categories"]
    blocks = len(rules) * len(result.summary["segments"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PySAL access warns about areas outside catchments
        pysal, base = repeat(lambda: peers.pysal(inputs, rules, RADIUS,
                                                 MappingParams().sii_repetitions), REPEATS)
    floor_s, floor = repeat(lambda: peers.kernel(inputs, rules, RADIUS), REPEATS)
    peers.check_agree(result, base)
    peers.check_kernel(base, floor, rules)
    del base, floor, result
    peak, loaded = peak_memory(inputs)
    med = sorted(ours)[len(ours) // 2]
    r_a = med / sorted(pysal)[len(pysal) // 2]
    r_b = med / sorted(floor_s)[len(floor_s) // 2]
    return (f"phdesk {spread(ours)}, baseline (a) geopandas+PySAL {spread(pysal)}, "
            f"ratio {ratio_spread(ours, pysal)} (goal <= {GOALS['pysal']}: "
            f"{_met(r_a <= GOALS['pysal'])}); (b) STRtree+numpy kernel {spread(floor_s)}, "
            f"ratio {ratio_spread(ours, floor_s)} (goal <= {GOALS['kernel']}: "
            f"{_met(r_b <= GOALS['kernel'])}); peak {peak:.0f} MB (inputs loaded {loaded:.0f} MB; "
            f"goal <= {GOALS['peak_mb']:.0f}: {_met(peak <= GOALS['peak_mb'])}); "
            f"{len(inputs.areas):,} areas, {len(inputs.assets):,} assets, {blocks} blocks; "
            f"min/median/max of {REPEATS}")


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    print(f"england: {run(quick='--quick' in sys.argv)}")
