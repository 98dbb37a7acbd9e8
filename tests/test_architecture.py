"""The rule that keeps phdesk easy to change: core/store/services never import Qt; ui never SQL."""

from __future__ import annotations

import ast
import re
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "phdesk"
# a project's SQL entry points (STRtree.query and the like are fine)
SQL_CALL = re.compile(r"project\.(query|scalar|transaction|db)\b|\bSELECT\s+\w+.*\bFROM\b")
QT = ("PySide6", "pyqtgraph", "phdesk.ui", "shiboken6")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_store_services_do_not_import_qt():
    offenders = []
    for sub in ("core", "store", "services"):
        for f in (PKG / sub).rglob("*.py"):
            bad = [n for n in _imports(f) if n.startswith(QT)]
            if bad:
                offenders.append(f"{f.relative_to(PKG)}: {bad}")
    for f in (PKG / "stats.py",):
        if f.exists():
            assert not [n for n in _imports(f) if n.startswith(QT)]
    assert offenders == []


def test_ui_does_not_touch_sql():
    offenders = []
    for f in (PKG / "ui").rglob("*.py"):
        names = _imports(f)
        text = f.read_text(encoding="utf-8")
        if {"sqlite3", "sqlite_utils"} & names or "phdesk.store.project" in names \
                or SQL_CALL.search(text):
            offenders.append(str(f.relative_to(PKG)))
    assert offenders == []
