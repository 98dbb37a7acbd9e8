"""Start-up and size of the frozen phdesk against a minimal PySide6 window frozen the same way.

    python bench/bench_startup.py [--runs 5] [--build] [--importtime]

What is timed: the wall clock from launching the executable to its first main window having
painted, then exiting (``PHDESK_EXIT_AFTER_SHOW=1``, handled by the PyInstaller runtime hook
``build_scripts/rthook_exit_after_show.py`` that both bundles carry). phdesk opens the demo
project, as it does for a new user. Both run headless (``QT_QPA_PLATFORM=offscreen``) with a
fresh settings folder; one untimed warm-up run each (page cache), then the runs alternate
phdesk/baseline so that machine load hits both alike. The figures are warm-cache times (no cache
dropping). phdesk writes the demo project (first run) and opens it after its window has painted,
so no run gets that far. Goals: bundle < 150 MB, phdesk <= 1.5x baseline.

``--importtime`` also runs phdesk from source under ``python -X importtime`` to the same point and
lists the heaviest modules imported before the window shows.

Prints ``startup: phdesk X s, baseline Y s, ratio R`` (medians) and the two bundles' sizes.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "build_scripts"))

from build import bundle_size, niced  # noqa: E402

EXE_SUFFIX = ".exe" if os.name == "nt" else ""
PHDESK = ROOT / "dist" / "phdesk" / f"phdesk{EXE_SUFFIX}"
BASELINE_SPEC = ROOT / "bench" / "startup_baseline" / "hello.spec"
BASELINE_DIST = ROOT / "build" / "bench" / "dist"
BASELINE = BASELINE_DIST / "hello" / f"hello{EXE_SUFFIX}"
HOOK = ROOT / "build_scripts" / "rthook_exit_after_show.py"
SIZE_GOAL_MB = 150.0
RATIO_GOAL = 1.5
HEAVY = ("pandas", "shapely", "pyproj", "numpy", "sqlite_utils", "pyqtgraph", "openpyxl",
         "shapefile", "scipy", "geopandas")


def build_baseline() -> None:
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
           "--distpath", str(BASELINE_DIST), "--workpath", str(ROOT / "build" / "bench" / "work"),
           str(BASELINE_SPEC)]
    print("+", " ".join(cmd), flush=True)
    subprocess.run(niced(cmd), check=True, cwd=ROOT)


def time_once(exe: Path, home: Path) -> float:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PHDESK_EXIT_AFTER_SHOW": "1",
           "PHDESK_HOME": str(home)}
    t0 = time.perf_counter()
    proc = subprocess.run([str(exe)], env=env, capture_output=True, text=True, timeout=300)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{exe} exited {proc.returncode} (3 = no window painted):\n"
                         f"{proc.stdout}{proc.stderr}")
    return elapsed


def measure(runs: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"phdesk": [], "baseline": []}
    with tempfile.TemporaryDirectory(prefix="phdesk-bench-") as tmp:
        homes = {"phdesk": Path(tmp) / "phdesk", "baseline": Path(tmp) / "baseline"}
        exes = {"phdesk": PHDESK, "baseline": BASELINE}
        for name in times:  # warm-up: page cache
            time_once(exes[name], homes[name])
        for _ in range(runs):
            for name in times:
                times[name].append(time_once(exes[name], homes[name]))
    return times


def import_profile(top: int = 15) -> None:
    """Modules imported before phdesk's window shows (from source), heaviest first."""
    code = (f"exec(open({str(HOOK)!r}).read()); install(); import sys; sys.argv = ['phdesk']; "
            "from phdesk.__main__ import main; main()")
    with tempfile.TemporaryDirectory(prefix="phdesk-importtime-") as home:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PHDESK_HOME": home}
        subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=300)
        proc = subprocess.run([sys.executable, "-X", "importtime", "-c", code], env=env,
                              capture_output=True, text=True, timeout=300)
    rows = []
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if m:
            rows.append((int(m.group(2)), len(m.group(3)), m.group(4)))
    top_level = [(us, name) for us, depth, name in rows if depth <= 1]
    total = sum(us for us, _ in top_level)
    print(f"importtime (from source, to the first window): {len(rows)} modules, "
          f"{total / 1e6:.2f} s cumulative at top level")
    for us, name in sorted(top_level, reverse=True)[:top]:
        print(f"  {us / 1e6:6.3f} s  {name}")
    loaded = {name.split(".")[0] for _, _, name in rows}
    print("heavy packages imported before the window: "
          + (", ".join(h for h in HEAVY if h in loaded) or "none"))
    print("heavy packages not imported: " + (", ".join(h for h in HEAVY if h not in loaded)
                                            or "none"))


def run(quick: bool) -> str:
    """For bench/run.py: one line, ``phdesk X s, baseline Y s, ratio R, size N MB``.

    Builds whatever bundle is missing (about two minutes each), except in quick mode, where a
    missing phdesk bundle makes it say so instead.
    """
    if not PHDESK.exists():
        if quick:
            return "skipped (no dist/phdesk; build it: python3 tasks.py build)"
        subprocess.run([sys.executable, str(ROOT / "build_scripts" / "build.py")], check=True)
    if not BASELINE.exists():
        build_baseline()
    runs = 3 if quick else 7
    med = {k: statistics.median(v) for k, v in measure(runs).items()}
    size = bundle_size(PHDESK.parent)[0]
    return (f"phdesk {med['phdesk']:.2f} s, baseline {med['baseline']:.2f} s, "
            f"ratio {med['phdesk'] / med['baseline']:.2f}, size {size:.0f} MB "
            f"(median of {runs} launches to the first painted window)")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--build", action="store_true",
                   help="build dist/phdesk first (build_scripts/build.py)")
    p.add_argument("--rebuild-baseline", action="store_true")
    p.add_argument("--importtime", action="store_true")
    args = p.parse_args(argv)

    if args.build or not PHDESK.exists():
        subprocess.run([sys.executable, str(ROOT / "build_scripts" / "build.py")], check=True)
    if args.rebuild_baseline or not BASELINE.exists():
        build_baseline()

    times = measure(args.runs)
    med = {k: statistics.median(v) for k, v in times.items()}
    for name, values in times.items():
        print(f"{name}: " + ", ".join(f"{v:.2f}" for v in values) + " s")
    ratio = med["phdesk"] / med["baseline"]
    print(f"startup: phdesk {med['phdesk']:.2f} s, baseline {med['baseline']:.2f} s, "
          f"ratio {ratio:.2f} (median of {args.runs}; goal <= {RATIO_GOAL})")
    sizes = {}
    for name, exe in (("phdesk", PHDESK), ("baseline", BASELINE)):
        mb, files, _ = bundle_size(exe.parent)
        sizes[name] = mb
        print(f"size: {name} {mb:.1f} MB, {files} files")
    print(f"goals: size {'met' if sizes['phdesk'] < SIZE_GOAL_MB else 'NOT met'} "
          f"({sizes['phdesk']:.0f} MB vs {SIZE_GOAL_MB:.0f}), start-up "
          f"{'met' if ratio <= RATIO_GOAL else 'NOT met'} ({ratio:.2f}x vs {RATIO_GOAL}x)")
    if args.importtime:
        import_profile()
    return 0


if __name__ == "__main__":
    sys.exit(main())
