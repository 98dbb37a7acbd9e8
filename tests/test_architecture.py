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


# SQL against the project schema lives in phdesk/store (docs/ARCHITECTURE.md, "Persistence").
# Allowed elsewhere, by file: the GeoPackage reader queries the user's own file (a GeoPackage is
# an SQLite database), never the project, through a read-only connection of its own; the CLI
# imports sqlite3 only to recognise its exception type.
ALLOWED = {"core/imports/geopackage.py": None, "cli.py": {"import sqlite3"}}
SQL_TEXT = re.compile(r"\b(SELECT\b.*\bFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\S+\s+SET|"
                      r"DELETE\s+FROM|CREATE\s+(TABLE|INDEX|VIEW|TRIGGER)|DROP\s+TABLE|"
                      r"ALTER\s+TABLE|PRAGMA|BEGIN|COMMIT|ROLLBACK)\b", re.S)
DB_CALLS = {"execute", "executemany", "executescript", "transaction", "insert_all", "upsert_all",
            "conn", "db", "_conn"}
PROJECT_READS = {"query", "scalar"}   # STRtree.query and the like are fine: only a project's


def _sql_in(source: str) -> list[str]:
    """What in ``source`` talks to a database: SQL in a string, sqlite imports, a project's
    connection or query methods, a sqlite-utils table (``db["table"]``)."""
    tree = ast.parse(source)
    found = [f"import {n}" for n in _imports_of(tree)
             if n.split(".")[0] in ("sqlite3", "sqlite_utils")]
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and SQL_TEXT.search(node.value):
            found.append(f"line {node.lineno}: SQL text {node.value[:40]!r}")
        elif isinstance(node, ast.Attribute) and (node.attr in DB_CALLS or (
                node.attr in PROJECT_READS and "project" in ast.unparse(node.value))):
            found.append(f"line {node.lineno}: .{node.attr}")
        elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) \
                and node.value.id == "db":
            found.append(f"line {node.lineno}: db[...]")
    return found


def _imports_of(tree: ast.AST) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_sql_detector_finds_each_way_of_writing_sql():
    bad = {
        'project.query("SELECT code FROM areas")': ".query",
        'db.conn.executemany(f"INSERT INTO {t} VALUES (?)", rows)': "SQL text",
        'db["assets"].insert_all(rows)': "db[...]",
        'import sqlite3': "sqlite3",
        'sql = "UPDATE areas SET name = ? WHERE code = ?"': "SQL text",
        'cur = con.execute("PRAGMA cache_size")': ".execute",
    }
    for source, what in bad.items():
        assert any(what in f for f in _sql_in(source)), source
    assert _sql_in('ctx.project.scalar("SELECT 1")') != []
    assert _sql_in('tree.query(points, predicate="intersects")') == []
    assert _sql_in('report.warn("no rows were selected from the file")') == []


def test_no_sql_outside_store():
    """core, services, export, the CLI and the API reach the project through phdesk.store."""
    offenders = []
    for f in sorted(PKG.rglob("*.py")):
        rel = f.relative_to(PKG).as_posix()
        if rel.startswith(("store/", "ui/")) or ALLOWED.get(rel, ...) is None:
            continue   # ui: test_ui_does_not_touch_sql
        allowed = ALLOWED.get(rel, set())
        offenders += [f"{rel}: {x}" for x in _sql_in(f.read_text(encoding="utf-8"))
                      if x not in allowed]
    assert offenders == []
