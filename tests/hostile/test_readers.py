"""Bounded readers and damaged inputs: each hostile file is imported cleanly or refused with exit
2 and one specific line, the project unchanged, in under 1 GB and without a hang (issue 12,
items 2 and 4)."""

from __future__ import annotations

import pytest

from phdesk.core.imports import limits, run_import
from phdesk.store.project import Project
from tests.hostile import makers
from tests.hostile.helpers import assert_refused, digest, run_cli, run_isolated

MEMORY_MB = 1024
# (maker, words the one-line refusal must contain)
BOMBS = [
    (makers.xlsx_far_cell, "columns"),
    (makers.xlsx_whitespace_bomb, "zip bomb"),
    (makers.zip_geojson_bomb, "zip bomb"),
    (lambda d: makers.gpkg_view_layer(d, "SELECT 1 AS fid, zeroblob(3000000000) AS geom"),
     "is a view"),
    (lambda d: makers.gpkg_view_layer(
        d, "WITH RECURSIVE r(fid, geom) AS (SELECT 1, zeroblob(1000) UNION ALL SELECT fid + 1, "
           "geom FROM r) SELECT * FROM r"), "is a view"),
    (makers.gpkg_generated_blob, "too big"),
    (makers.deep_json, "nested too deeply"),
    (makers.huge_integer_json, "5,000 digits"),
]


@pytest.fixture
def proj(tmp_path):
    path = tmp_path / "p.phdesk"
    Project.create(path).close()
    return path


@pytest.mark.parametrize("make,words", BOMBS, ids=[
    "xlsx_far_cell", "xlsx_whitespace_bomb", "zip_geojson_bomb", "gpkg_view_zeroblob",
    "gpkg_view_recursive", "gpkg_generated_zeroblob", "deep_json", "huge_integer"])
def test_bombs_refused_in_bounded_memory(tmp_path, proj, make, words):
    f = make(tmp_path)
    before = digest(proj)
    status, err, peak_mb, seconds = run_isolated(["import", proj, f], timeout=120)
    assert_refused(status, err, words)
    assert len(err.strip().splitlines()) == 1, err
    assert peak_mb < MEMORY_MB, f"peak {peak_mb:.0f} MB"
    assert seconds < 60
    assert digest(proj) == before


DAMAGED = [
    (makers.encrypted_zip, "encrypted"),
    (makers.deflate64_zip, "compression method"),
    (makers.corrupt_zip, "cannot"),
    (makers.shifted_zip, "cannot unpack"),
    (makers.zip_version_99, "damaged or not a zip"),
    (makers.shp_count_mismatch, "4 shapes but the .dbf 3 records"),
    (makers.short_dbf, "shapefile"),
    (makers.xlsx_encrypted, "Excel workbook"),
    (lambda d: makers.gpkg_odd(d, "no_geometry_column"), "no column 'shape'"),
    (lambda d: makers.gpkg_odd(d, "bad_utf8"), "cannot read the GeoPackage layer"),
]


@pytest.mark.parametrize("make,words", DAMAGED, ids=[
    "encrypted_zip", "deflate64_zip", "corrupt_zip", "shifted_zip", "zip_version_99",
    "shp_dbf_count_mismatch",
    "short_dbf",
    "encrypted_xlsx", "gpkg_no_geometry_column", "gpkg_bad_utf8"])
def test_damaged_inputs_exit_2_with_one_line(tmp_path, proj, capsys, make, words):
    f = make(tmp_path)
    before = digest(proj)
    status, out, err = run_cli(["import", proj, f], capsys)
    assert_refused(status, err, words)
    assert len(err.strip().splitlines()) == 1, err
    assert digest(proj) == before


CLEAN_WITH_REJECTIONS = [
    (lambda d: makers.gpkg_odd(d, "text_geometry"), "empty or missing geometry"),
    (lambda d: makers.gpkg_odd(d, "garbage_blob"), "empty or missing geometry"),
    (lambda d: makers.gpkg_odd(d, "integer_geometry"), "empty or missing geometry"),
    (lambda d: makers.gpkg_odd(d, "null_type"), None),
    (lambda d: makers.gpkg_odd(d, "unknown_srs"), None),  # coordinates say BNG: a warning
    (makers.nan_geojson, "empty or missing geometry"),
    (makers.tangled_polygon, "too tangled"),
]


@pytest.mark.parametrize("make,reason", CLEAN_WITH_REJECTIONS, ids=[
    "gpkg_text_geometry", "gpkg_garbage_blob", "gpkg_integer_geometry", "gpkg_null_type",
    "gpkg_unknown_srs",
    "nan_coordinates", "tangled_20k_vertex_polygon"])
def test_odd_features_are_rejected_rows_not_faults(tmp_path, proj, capsys, make, reason):
    f = make(tmp_path)
    status, out, err = run_cli(["import", proj, f, "--kind", "boundaries", "--json"], capsys)
    assert "Traceback" not in err and status in (0, 2), err
    if reason is None:
        assert status == 0, err
    else:
        assert reason in out, out


def test_tangled_polygon_is_quick(tmp_path, proj):
    f = makers.tangled_polygon(tmp_path)
    status, err, peak_mb, seconds = run_isolated(["import", proj, f, "--accept-partial"])
    assert status == 0, err
    assert seconds < 60 and peak_mb < MEMORY_MB


def test_vertex_budget(tmp_path, project, monkeypatch):
    from phdesk.core.errors import UserError

    monkeypatch.setattr(limits, "MAX_VERTICES", 4)
    f = makers.gpkg_in_folder(tmp_path)
    with pytest.raises(UserError, match="vertices; phdesk reads at most 4"):
        run_import(project, f)


@pytest.mark.parametrize("folder", ["Project #3", "100%25 sure", "what?now", "a&b=c"])
def test_geopackage_in_awkward_folders(tmp_path, project, folder):
    d = tmp_path / folder
    d.mkdir()
    f = makers.gpkg_in_folder(d)
    before = sorted(p.name for p in d.iterdir())
    rep = run_import(project, f)
    assert rep.committed and rep.rows_accepted == 3
    assert sorted(p.name for p in d.iterdir()) == before  # nothing created beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [folder, "test.phdesk"])


def test_long_workbook_read_shows_progress_and_cancels(tmp_path, project, monkeypatch):
    """A big sheet is read row by row with progress; a cancel stops it, nothing written."""
    import openpyxl

    from phdesk.core.imports import prepare_import, workbook
    from phdesk.core.progress import Cancelled

    monkeypatch.setattr(workbook, "_TICK_ROWS", 500)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Data")
    ws.append(["LSOA code", "Neighbourhood"])
    for i in range(5000):
        ws.append([f"E01{i:06d}", f"Area {i % 7}"])
    f = tmp_path / "big.xlsx"
    wb.save(f)
    seen: list[str] = []

    def progress(fraction, message):
        seen.append(message)

    prepare_import(project, f, progress=progress)
    assert any("reading sheet 'Data'" in m for m in seen)
    before = project.counts()
    seen.clear()  # cancel once the second read has shown progress (mid-sheet)
    with pytest.raises(Cancelled):
        prepare_import(project, f, progress=progress,
                       cancelled=lambda: any("reading sheet" in m for m in seen))
    assert any("reading sheet" in m for m in seen)
    assert not any("5,000 rows" in m for m in seen)  # stopped before the end
    assert project.counts() == before


def test_population_header_with_a_400_digit_age(tmp_path, project):
    """Found by fuzzing: a header of 400 nines parsed as age inf, then int(inf) failed."""
    from tests.core.imports.fixtures_a import ts007_frame

    df = ts007_frame()
    df = df.rename(columns={df.columns[-1]: "9" * 400})
    f = tmp_path / "ts007.csv"
    df.to_csv(f, index=False)
    rep = run_import(project, f, kind="population", accept_partial=True)
    assert rep.committed
