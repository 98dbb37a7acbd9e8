"""Shared timing helpers for the benchmarks: repeats summarised as min/median/max, and a child
process's peak resident memory."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def repeat(fn: Callable[[], object], times: int) -> tuple[list[float], object]:
    """Seconds of each of ``times`` calls of ``fn`` and the last call's result."""
    seconds, out = [], None
    for _ in range(times):
        t0 = time.perf_counter()
        out = fn()
        seconds.append(time.perf_counter() - t0)
    return seconds, out


def spread(seconds: list[float], unit: str = "s", scale: float = 1.0, fmt: str = ".2f") -> str:
    """``min/median/max`` of the repeats, e.g. ``1.02/1.10/1.31 s``."""
    lo, med, hi = (scale * v for v in (min(seconds), statistics.median(seconds), max(seconds)))
    return f"{lo:{fmt}}/{med:{fmt}}/{hi:{fmt}} {unit}"


def ratio_spread(ours: list[float], theirs: list[float]) -> str:
    """Ratio of the medians, with the ratio of the minima and of the maxima either side."""
    lo = min(ours) / min(theirs)
    med = statistics.median(ours) / statistics.median(theirs)
    hi = max(ours) / max(theirs)
    return f"{lo:.3f}/{med:.3f}/{hi:.3f}"


HWM = """
def hwm_mb():
    # peak resident size of this process since exec (VmHWM; ru_maxrss would include the parent's
    # size, which Linux carries over a fork and exec)
    with open("/proc/self/status") as f:
        return next(int(x.split()[1]) for x in f if x.startswith("VmHWM")) / 1024
"""


def child_peak(script: str, *args: str) -> tuple[float, str]:
    """Run ``script`` (Python source; ``hwm_mb()`` defined for it) in a child process with the
    repository first on its path; return (peak resident MB of the child, its stdout).

    The script must print ``hwm_mb()`` first on its last line (the peak is read from there).
    Raises if the child fails."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen([sys.executable, "-c", HWM + script, *args], stdout=subprocess.PIPE,
                            text=True, env=env)
    out = proc.stdout.read()
    if proc.wait() != 0:
        raise RuntimeError(f"benchmark child failed (exit {proc.returncode})")
    out = out.strip()
    return float(out.splitlines()[-1].split()[0]), out
