"""A file is read from disk once per check: detection, the importer's parse and the checksum
share one read (core/imports/file_once.py)."""

from __future__ import annotations

import builtins
import hashlib
import io
from pathlib import Path

import pytest

from phdesk.core.imports import file_once, prepare_import
from tests.core.imports import fixtures_a as fx

LSOA11 = [{"LSOA11CD": c, "LSOA11NM": f"Lewisham {i:03d}A"} for i, c in enumerate(fx.CODES[:4])]


@pytest.fixture
def opens(monkeypatch):
    """Paths opened through open()/io.open (pandas, pathlib and json readers all use them)."""
    seen: list[Path] = []
    real_open, real_io_open = builtins.open, io.open

    def counting(real):
        def opener(file, *args, **kwargs):
            if isinstance(file, str | Path):
                seen.append(Path(file).resolve())
            return real(file, *args, **kwargs)
        return opener

    monkeypatch.setattr(builtins, "open", counting(real_open))
    monkeypatch.setattr(io, "open", counting(real_io_open))
    return seen


def _deprivation_csv(path: Path) -> Path:
    header, rows = fx.file2_rows()
    return fx.write_csv(path, header, rows)


def test_a_table_is_opened_once_per_check(project, tmp_path, opens):
    path = _deprivation_csv(tmp_path / "imd.csv")
    opens.clear()   # writing it was an open too
    prepared = prepare_import(project, path)   # detect, read, validate, checksum
    assert prepared.report.kind == "deprivation" and prepared.report.rows_accepted > 0
    assert opens.count(path.resolve()) == 1
    assert prepared.report.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_geojson_is_opened_once_per_check(project, tmp_path, opens):
    path = fx.write_geojson(tmp_path / "lsoa.json", [fx.to_lonlat(g) for g in fx.squares(4)],
                            LSOA11)
    opens.clear()
    prepared = prepare_import(project, path)
    assert prepared.report.kind == "boundaries" and prepared.report.rows_accepted == 4
    assert opens.count(path.resolve()) == 1


def test_a_changed_file_is_read_again_and_nothing_is_held_after_the_check(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"one")
    with file_once.one_read():
        assert file_once.sha256(path) == hashlib.sha256(b"one").hexdigest()
        path.write_bytes(b"second")   # another size: another key
        assert file_once.held_bytes(path) == b"second"
    assert file_once.held_bytes(path) is None   # outside a check nothing is held


def test_a_file_over_the_limit_is_not_held(tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    path.write_bytes(b"a,b\n1,2\n" + b"\x00")
    monkeypatch.setattr(file_once, "MAX_HELD_BYTES", 4)
    with file_once.one_read():
        assert file_once.held_bytes(path) is None
        assert file_once.has_nul(path)
        assert file_once.head(path, 3) == b"a,b"


def test_an_interrupted_parser_read_stays_an_interrupt(tmp_path):
    """pandas' C parser turns an exception in its source's read (a Ctrl+C among them) into
    this ParserError; it must not become 'cannot read as a table'."""
    import pandas as pd

    from phdesk.core.errors import UserError
    from phdesk.core.imports.reading import table_error

    swallowed = pd.errors.ParserError("Error tokenizing data. C error: Calling read(nbytes) on "
                                      "source failed. Try engine='python'.")
    path = tmp_path / "big.csv"
    path.write_bytes(b"a,b\n1,2\n")
    with pytest.raises(KeyboardInterrupt):
        table_error(path, swallowed)
    gone = table_error(tmp_path / "gone.csv", swallowed)   # the file cannot be read now
    assert isinstance(gone, UserError) and "gone.csv: cannot be read" in str(gone)
