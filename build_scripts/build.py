"""Build the frozen app for this system into ``dist/phdesk/`` and smoke-test it.

    python build_scripts/build.py                 build, then run dist/phdesk/phdesk --selfcheck
    python build_scripts/build.py --check EXE     only smoke-test an existing phdesk executable
                                                  (CI uses this on the installed app)

The smoke test runs ``EXE --selfcheck`` headless (``QT_QPA_PLATFORM=offscreen``) and fails loudly
unless it exits 0, prints ``phdesk ready`` and nothing in its output or log shows a missing module
or a Qt plugin that could not be loaded (the markers Friture's smoke test greps for). Then it
prints the bundle's size and file count. Exit status 0 only if all of that worked.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "build_scripts"))

from version_info import APP_NAME, read_version, write_version_file  # noqa: E402

SPEC = ROOT / "build_scripts" / "phdesk.spec"
DIST = ROOT / "dist"
WORK = ROOT / "build" / "pyinstaller"
BUNDLE = DIST / APP_NAME
EXE = BUNDLE / (f"{APP_NAME}.exe" if os.name == "nt" else APP_NAME)
READY = "phdesk ready"
# Signs of a broken bundle in the output or the log (as in phdesk.selfcheck.FATAL_MARKERS).
MARKERS = ("ModuleNotFoundError", "No module named", "could not find or load",
           "Could not load the Qt platform plugin", "DLL load failed",
           "Traceback (most recent call last)")
SELFCHECK_TIMEOUT_S = 600


def fail(message: str) -> int:
    bar = "!" * 72
    print(f"\n{bar}\nBUILD FAILED: {message}\n{bar}", file=sys.stderr, flush=True)
    return 1


def niced(cmd: list[str]) -> list[str]:
    """Run heavy steps at low priority where ``nice`` exists (the build machine is shared)."""
    nice = shutil.which("nice") if os.name != "nt" else None
    return [nice, "-n", "10", *cmd] if nice else cmd


def run_pyinstaller() -> None:
    cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
           "--distpath", str(DIST), "--workpath", str(WORK), "--log-level", "WARN", str(SPEC)]
    print("+", " ".join(cmd), flush=True)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}  # the spec may render the icon
    subprocess.run(niced(cmd), check=True, cwd=ROOT, env=env)


def bundle_size(folder: Path) -> tuple[float, int, list[tuple[str, float]]]:
    """(size in MB, number of files, the ten largest top-level parts in MB)."""
    total, count, parts = 0, 0, {}
    inner = folder / "_internal"
    for f in folder.rglob("*"):
        if f.is_file() and not f.is_symlink():
            size = f.stat().st_size
            total += size
            count += 1
            rel = f.relative_to(inner if inner in f.parents else folder)
            key = rel.parts[0] if len(rel.parts) > 1 else rel.name
            parts[key] = parts.get(key, 0) + size
    top = sorted(((k, v / 1e6) for k, v in parts.items()), key=lambda kv: -kv[1])[:10]
    return total / 1e6, count, top


def smoke_test(exe: Path) -> tuple[bool, str]:
    """Run ``exe --selfcheck`` headless; (passed, reason or summary)."""
    if not exe.exists():
        return False, f"{exe} does not exist"
    with tempfile.TemporaryDirectory(prefix="phdesk-smoke-", ignore_cleanup_errors=True) as tmp:
        report = Path(tmp) / "selfcheck.txt"
        home = Path(tmp) / "home"
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PHDESK_HOME": str(home),
               "PHDESK_SELFCHECK_LOG": str(report)}
        keep = os.environ.get("PHDESK_SELFCHECK_DIR")
        if keep:
            env["PHDESK_SELFCHECK_DIR"] = keep
        print(f"+ {exe} --selfcheck", flush=True)
        t0 = time.monotonic()
        try:
            proc = subprocess.run([str(exe), "--selfcheck"], capture_output=True, text=True,
                                  env=env, timeout=SELFCHECK_TIMEOUT_S, errors="replace")
        except subprocess.TimeoutExpired:
            return False, f"--selfcheck did not finish in {SELFCHECK_TIMEOUT_S} s"
        elapsed = time.monotonic() - t0
        # A windowed Windows exe may have no stdout: its report file and log say the same.
        report_text = report.read_text(encoding="utf-8", errors="replace") if report.exists() \
            else ""
        log_text = "".join(p.read_text(encoding="utf-8", errors="replace")
                           for p in home.rglob("*.log*") if p.is_file())
        for name, text in (("stdout", proc.stdout), ("stderr", proc.stderr),
                           ("report file", report_text)):
            if text.strip():
                print(f"--- {name} ---\n{text.rstrip()}")
        if log_text.strip():
            print("--- log (last 40 lines) ---\n" + "\n".join(log_text.splitlines()[-40:]))
        everything = "\n".join((proc.stdout, proc.stderr, report_text, log_text))
        for marker in MARKERS:
            if marker in everything:
                line = next(ln for ln in everything.splitlines() if marker in ln)
                return False, f"output shows {marker!r}: {line.strip()[:300]}"
        if proc.returncode != 0:
            return False, f"--selfcheck exited {proc.returncode}"
        if READY not in (proc.stdout + report_text):
            return False, f"--selfcheck exited 0 but never printed {READY!r}"
        return True, f"--selfcheck passed in {elapsed:.1f} s"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", type=Path, metavar="EXE",
                   help="only smoke-test this phdesk executable (no build)")
    p.add_argument("--no-selfcheck", action="store_true", help="build only")
    args = p.parse_args(argv)

    if args.check:
        ok, message = smoke_test(args.check.resolve())
        if not ok:
            return fail(f"{args.check}: {message}")
        print(f"smoke test: {message}")
        return 0

    version = read_version()
    print(f"phdesk {version}: building {BUNDLE} for {sys.platform} with Python "
          f"{sys.version.split()[0]}", flush=True)
    write_version_file()
    t0 = time.monotonic()
    try:
        run_pyinstaller()
    except subprocess.CalledProcessError as exc:
        return fail(f"PyInstaller exited {exc.returncode}")
    print(f"PyInstaller finished in {time.monotonic() - t0:.0f} s; warnings: "
          f"{WORK / APP_NAME / f'warn-{APP_NAME}.txt'}", flush=True)

    if not args.no_selfcheck:
        ok, message = smoke_test(EXE)
        if not ok:
            return fail(f"frozen smoke test: {message}")
        print(f"smoke test: {message}")

    size_mb, files, top = bundle_size(BUNDLE)
    print("largest parts: " + ", ".join(f"{k} {v:.1f}" for k, v in top) + " (MB)")
    print(f"bundle: {BUNDLE.relative_to(ROOT)} {size_mb:.1f} MB, {files} files "
          f"(phdesk {version}, {sys.platform})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
