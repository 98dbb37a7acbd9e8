"""Run the benchmarks: every ``bench/bench_*.py`` module's ``run(quick: bool) -> str``.

Usage::

    python bench/run.py [--quick] [--only NAME]...

Prints one line per benchmark, ``NAME: phdesk X s, baseline Y s, ratio R`` (plus ``peak N MB``
where memory is a goal). NAME is the module name without ``bench_``. A benchmark that fails prints
``NAME: FAILED …`` and the exit status is 1. See bench/README.md for what each one measures.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def discover() -> dict[str, Path]:
    """Benchmark name -> module path, sorted by name."""
    return {p.stem.removeprefix("bench_"): p for p in sorted(HERE.glob("bench_*.py"))}


def load(path: Path):
    spec = importlib.util.spec_from_file_location(f"bench.{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (each under a minute)")
    ap.add_argument("--only", action="append", default=[], metavar="NAME",
                    help="run only this benchmark (repeatable; 'england' or 'bench_england')")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(HERE.parent))  # so bench modules can share helpers with the repo
    found = discover()
    wanted = [o.removeprefix("bench_").removesuffix(".py") for o in args.only]
    unknown = [w for w in wanted if w not in found]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(found)}",
              file=sys.stderr)
        return 2
    status = 0
    for name, path in found.items():
        if wanted and name not in wanted:
            continue
        t0 = time.perf_counter()
        try:
            module = load(path)
            if not callable(getattr(module, "run", None)):
                print(f"{name}: skipped (no run(quick) function; run {path.name} as a script)",
                      flush=True)
                continue
            line = module.run(quick=args.quick)
        except Exception as exc:  # report and go on with the others
            traceback.print_exc(file=sys.stderr)
            line = f"FAILED after {time.perf_counter() - t0:.1f} s: {exc}"
            status = 1
        print(f"{name}: {line}", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
