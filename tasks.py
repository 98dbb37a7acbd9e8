#!/usr/bin/env python3
"""Set-up and run in one command, on a fresh machine (Linux, macOS or Windows).

    python3 tasks.py app [PROJECT]   create .venv if needed, install phdesk, open the app
    python3 tasks.py test            create .venv if needed, install phdesk[test], lint and test
    python3 tasks.py build           install phdesk[build], build dist/phdesk and run --selfcheck

Uses only the standard library so it runs before anything is installed.
"""

from __future__ import annotations

import os
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


def main(argv: list[str]) -> int:
    task = argv[0] if argv else "app"
    if task == "app":
        ensure_venv()
        return subprocess.call([str(PY), "-m", "phdesk", *argv[1:]], cwd=ROOT)
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
