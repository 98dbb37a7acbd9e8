#!/usr/bin/env python3
"""Set-up and run in one command, on a fresh machine (Linux, macOS or Windows).

    python3 tasks.py app [PROJECT]   create .venv if needed, install phdesk, check the system
                                     libraries Qt needs (Linux), open the app
    python3 tasks.py syslibs         check (and, as root or with sudo -n, install) those libraries
    python3 tasks.py test            create .venv if needed, install phdesk[test], lint and test
    python3 tasks.py build           install phdesk[build], build dist/phdesk and run --selfcheck

Uses only the standard library so it runs before anything is installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("PHDESK_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


def run(*cmd: str | Path, env: dict | None = None) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, env=env)


def ensure_venv(extra: str = "") -> None:
    if not PY.exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
        run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    target = f".[{extra}]" if extra else "."
    run(PY, "-m", "pip", "install", "--quiet", "-e", target)


# Shared library (as ldd names it) -> the Debian/Ubuntu package that ships it. Qt's xcb platform
# plugin (libqxcb.so) links these; a fresh desktop often lacks the xcb-util ones, and Qt then
# aborts naming only xcb-cursor0 whatever is missing. Packages for other systems: README.md.
DEBIAN_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0", "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1", "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0", "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-randr.so.0": "libxcb-randr0", "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-util.so.1": "libxcb-util1", "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1", "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-render.so.0": "libxcb-render0", "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb.so.1": "libxcb1", "libX11-xcb.so.1": "libx11-xcb1", "libX11.so.6": "libx11-6",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0", "libxkbcommon.so.0": "libxkbcommon0",
    "libGL.so.1": "libgl1", "libEGL.so.1": "libegl1", "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1", "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3", "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0", "libxcb-glx.so.0": "libxcb-glx0",
}


def qt_platform_plugin(venv_root: Path = VENV) -> Path | None:
    """The venv's Qt xcb platform plugin, or None (not Linux, or PySide6 not installed yet)."""
    pattern = "lib/python3*/site-packages/PySide6/Qt/plugins/platforms/libqxcb.so"
    hits = sorted(venv_root.glob(pattern))
    return hits[0] if hits else None


def missing_libraries(ldd_output: str) -> list[str]:
    """Shared libraries that ``ldd`` reports as ``not found``, in order, each once."""
    seen: list[str] = []
    for line in ldd_output.splitlines():
        name, sep, where = line.strip().partition(" => ")
        if sep and where.strip() == "not found" and name not in seen:
            seen.append(name)
    return seen


def packages_for(libraries: list[str]) -> tuple[list[str], list[str]]:
    """(Debian packages to install, libraries with no known package), each sorted and unique."""
    known = sorted({DEBIAN_PACKAGES[lib] for lib in libraries if lib in DEBIAN_PACKAGES})
    return known, sorted(lib for lib in libraries if lib not in DEBIAN_PACKAGES)


def _root_prefix() -> list[str] | None:
    """[] as root, ["sudo", "-n"] when sudo needs no password, else None (cannot install)."""
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"],
                                               capture_output=True).returncode == 0:
        return ["sudo", "-n"]
    return None


def check_system_libraries(install: bool = True) -> int:
    """Check that Qt's xcb platform can load; install what is missing where we may.

    Returns 0 when nothing is missing (or there is nothing to check on this system), else 3 after
    naming the exact packages. Linux only: Windows and macOS wheels carry their own libraries.
    """
    plugin = qt_platform_plugin()
    if not sys.platform.startswith("linux") or plugin is None or not shutil.which("ldd"):
        return 0
    missing = missing_libraries(subprocess.run(["ldd", str(plugin)], capture_output=True,
                                               text=True).stdout)
    if not missing:
        return 0
    packages, unknown = packages_for(missing)
    prefix = _root_prefix() if install and shutil.which("apt-get") else None
    if prefix is not None and packages and not unknown:
        print(f"phdesk: installing the system libraries Qt needs: {' '.join(packages)}", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run([*prefix, "apt-get", "update", "-qq"], env=env)
        done = subprocess.run([*prefix, "apt-get", "install", "-y", "-qq",
                               "--no-install-recommends", *packages], env=env)
        if done.returncode == 0 and not missing_libraries(
                subprocess.run(["ldd", str(plugin)], capture_output=True, text=True).stdout):
            return 0
    print("phdesk cannot open its window: Qt's xcb platform needs system libraries that are "
          f"missing: {', '.join(missing)}.", file=sys.stderr)
    if packages:
        print("On Debian or Ubuntu, install them with:\n"
              f"    sudo apt-get install {' '.join(packages)}", file=sys.stderr)
    if unknown:
        print(f"No known package for {', '.join(unknown)}: install the package that provides it.",
              file=sys.stderr)
    print("Other systems: see 'System prerequisites' in README.md.", file=sys.stderr)
    return 3


def main(argv: list[str]) -> int:
    task = argv[0] if argv else "app"
    if task == "app":
        ensure_venv()
        if (status := check_system_libraries()) != 0:
            return status
        return subprocess.call([str(PY), "-m", "phdesk", *argv[1:]], cwd=ROOT)
    if task == "syslibs":
        ensure_venv()
        return check_system_libraries()
    if task == "test":
        ensure_venv("test")
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        run(PY, "-m", "ruff", "check", "phdesk", "tests", "bench", "build_scripts", "tasks.py")
        run(BIN / ("lint-imports.exe" if os.name == "nt" else "lint-imports"), env=env)
        return subprocess.call([str(PY), "-m", "pytest", "-q", *argv[1:]], cwd=ROOT, env=env)
    if task == "build":
        ensure_venv("build")
        run(PY, "build_scripts/build.py", *argv[1:])
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
