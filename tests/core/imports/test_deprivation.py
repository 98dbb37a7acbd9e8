"""Deprivation importer on fixtures in the published IoD layouts."""

from __future__ import annotations

import pandas as pd
import pytest

from phdesk.core.errors import UserError
from phdesk.core.imports import commit_import, detect, prepare_import, run_import
from phdesk.core.imports.report import (
    DUPLICATE_KEY,
    MALFORMED_AREA_CODE,
    NOT_A_NUMBER,
    ImportRejected,
)
from phdesk.core.progress import Cancelled
from tests.core.imports import fixtures_a as fx


def dep(project, domain="imd"):
    return project.query("SELECT * FROM deprivation WHERE domain = ? ORDER BY area_code",
                         (domain,))


def test_file7_csv_stores_scores_ranks_deciles_for_ten_domains(project, tmp_path):
    path = fx.write_file7_csv(tmp_path / "File_7.csv")
    rep = run_import(project, path)
    assert rep.kind == "deprivation"
    assert "File 7" in rep.reason and "IoD 2019" in rep.reason
    assert rep.rows_read == rep.rows_accepted == len(fx.CODES)
    df = project.query("SELECT * FROM deprivation")
    assert sorted(df["domain"].unique()) == sorted(
        ["imd", "income", "employment", "education", "health", "crime", "barriers",
         "living_environment", "idaci", "idaopi"])  # sub-domains are not stored
    assert len(df) == 10 * len(fx.CODES)
    assert set(df["edition"]) == {2019}
    src = fx.file7_frame(2019)
    imd = dep(project)
    assert imd["score"].tolist() == src["Index of Multiple Deprivation (IMD) Score"].tolist()
    ranks = src[f"Index of Multiple Deprivation (IMD) Rank {fx.WHERE}"].str.replace(",", "")
    assert imd["rank"].tolist() == ranks.astype(int).tolist()  # "4,500" -> 4500
    idaci = dep(project, "idaci")
    assert idaci["score"].tolist() == src[
        "Income Deprivation Affecting Children Index (IDACI) Score (rate)"].tolist()


def test_file7_xlsx_2025_with_notes_sheet_first(project, tmp_path):
    path = fx.write_file7_xlsx(tmp_path / "File_7_IoD2025.xlsx", 2025)
    rep = run_import(project, path)
    assert rep.details["edition"] == 2025
    assert "IoD 2025" in rep.reason
    assert set(project.query("SELECT DISTINCT edition FROM deprivation")["edition"]) == {2025}
    assert project.scalar("SELECT count(*) FROM deprivation") == 10 * len(fx.CODES)


@pytest.mark.parametrize("encoding,delimiter,title", [
    ("utf-8-sig", ",", None), ("cp1252", ";", None), ("utf-8", ",", "IoD2019 – Domains"),
])
def test_file2_variants(project, tmp_path, encoding, delimiter, title):
    header, rows = fx.file2_rows()
    rows[0][1] = "Lewisham 001A – Café"  # a non-ASCII name, written in the file's encoding
    path = fx.write_csv(tmp_path / "File_2.csv", header, rows, encoding, delimiter, title)
    rep = run_import(project, path)
    assert "File 2 layout" in rep.reason
    assert rep.rows_accepted == len(fx.CODES)
    assert project.scalar("SELECT count(DISTINCT domain) FROM deprivation") == 8
    crime = dep(project, "crime")
    assert crime["decile"].tolist() == [int(r[4 + 2 * 5 + 1]) for r in rows]
    assert crime["score"].isna().all()


def test_file1_thousands_separators(project, tmp_path):
    header = ["LSOA code (2011)", "LSOA name (2011)", "Local Authority District code (2019)",
              "Local Authority District name (2019)", "Index of Multiple Deprivation (IMD) Rank",
              "Index of Multiple Deprivation (IMD) Decile"]
    rows = [[c, "x", "E09000001", "City", f"{29199 - i:,}", 9] for i, c in enumerate(fx.CODES)]
    path = fx.write_csv(tmp_path / "File_1.csv", header, rows)
    kind, reason = detect(path)
    assert kind == "deprivation" and "File 1" in reason
    run_import(project, path)
    assert dep(project)["rank"].tolist() == [29199 - i for i in range(len(fx.CODES))]


def test_lewisham_simple_layout(project, tmp_path):
    path = fx.write_csv(tmp_path / "lbl_imd.csv",
                        ["LSOA11CD", "LSOA11NM", "LAD19CD", "LAD19NM", "IMD_rank", "IMD_decile",
                         "WD22CD_proposed"],
                        [[c, "n", "E09000023", "Lewisham", 3400 + i, 2, "E05013714"]
                         for i, c in enumerate(fx.CODES)])
    rep = run_import(project, path)
    assert rep.details["edition"] == 2019  # LSOA11CD -> IoD 2019
    assert dep(project)["decile"].tolist() == [2] * len(fx.CODES)


def test_hocl_lookup_skips_wales_with_warning(project, tmp_path):
    header = ["LSOA_CODE", "MSOA_CODE", "PCON_CODE", "PCON_NAME", "LAD_CODE", "LAD_NAME",
              "COUNTY_CONURBATION", "REGION", "IMD_INCOME", "IMD_OVERALL"]
    rows = [[c, "E02003277", "E14000801", "Luton South", "E06000032", "Luton", "Beds", "East",
             1 + i, 2 + i] for i, c in enumerate(fx.CODES)]
    rows += [["W01000001", "W02000001", "W07000041", "Ynys Môn", "W06000001", "Anglesey",
              "Wales", "Wales", "Wales", "Wales"]]
    path = fx.write_csv(tmp_path / "lsoa_geog_lookup.csv", header, rows)
    prepared = prepare_import(project, path)
    rep = prepared.report
    assert rep.rows_read == len(fx.CODES) + 1
    assert rep.rows_accepted == len(fx.CODES) and rep.rows_rejected == 0
    assert any("1 Welsh rows skipped" in w for w in rep.warnings)
    assert any("edition" in w for w in rep.warnings)  # not stated: 2019 assumed, said so
    commit_import(project, prepared)
    assert dep(project)["decile"].tolist() == [2 + i for i in range(len(fx.CODES))]
    assert dep(project, "income")["decile"].tolist() == [1 + i for i in range(len(fx.CODES))]
    assert project.scalar("SELECT count(*) FROM deprivation WHERE area_code LIKE 'W%'") == 0


def test_edition_option_overrides_and_is_checked(project, tmp_path):
    path = fx.write_file7_csv(tmp_path / "f7.csv")
    rep = run_import(project, path, options={"edition": "2025"})
    assert rep.details["edition"] == 2025
    with pytest.raises(UserError, match="edition must be 2019 or 2025"):
        prepare_import(project, path, options={"edition": "2020"})


def test_rejections_each_reason_with_row_numbers(project, tmp_path):
    header, rows = fx.file2_rows()
    rows[0][0] = "E0100318"           # row 2: malformed code
    rows[1][4] = "n/a"                # row 3: IMD rank not a number
    rows[2][5] = "11"                 # row 4: decile outside 1-10
    rows[3][5] = "0"                  # row 5: decile outside 1-10
    rows[5][0] = rows[4][0]           # rows 6 and 7: duplicate code
    path = fx.write_csv(tmp_path / "File_2.csv", header, rows)
    prepared = prepare_import(project, path)
    rej = prepared.report.sorted_rejections()
    got = {(int(r.row), r.reason) for r in rej.itertuples()}
    assert (2, MALFORMED_AREA_CODE) in got
    assert (3, NOT_A_NUMBER) in got
    assert (4, "decile outside 1-10") in got and (5, "decile outside 1-10") in got
    assert (6, DUPLICATE_KEY) in got and (7, DUPLICATE_KEY) in got
    assert prepared.report.rows_rejected == 6 and prepared.report.rows_accepted == 0
    with pytest.raises(ImportRejected):
        commit_import(project, prepared)
    assert project.counts()["deprivation"] == 0 and project.counts()["provenance"] == 0


def test_partial_import_keeps_good_rows(project, tmp_path):
    header, rows = fx.file2_rows()
    rows[0][5] = "12"
    path = fx.write_csv(tmp_path / "File_2.csv", header, rows)
    rep = run_import(project, path, accept_partial=True)
    assert rep.rows_accepted == len(fx.CODES) - 1
    assert fx.CODES[0] not in set(dep(project)["area_code"])


def test_missing_code_column_names_file_and_column(project, tmp_path):
    path = fx.write_csv(tmp_path / "nocode.csv", ["Area", "IMD_rank", "IMD_decile"],
                        [["x", 1, 1]])
    with pytest.raises(UserError, match=r"nocode\.csv: no LSOA code column"):
        prepare_import(project, path, kind="deprivation")


def test_reimport_replaces_same_area_edition_domain(project, tmp_path):
    header, rows = fx.file2_rows()
    path = fx.write_csv(tmp_path / "a.csv", header, rows)
    run_import(project, path)
    rows[0][5] = "7"
    path2 = fx.write_csv(tmp_path / "b.csv", header, rows)
    run_import(project, path2)
    assert project.scalar("SELECT count(*) FROM deprivation") == 8 * len(fx.CODES)
    assert dep(project)["decile"].iloc[0] == 7
    assert set(dep(project)["provenance_id"]) == {2}


def test_cancel_during_write_rolls_back(project, tmp_path):
    run_import(project, fx.write_csv(tmp_path / "a.csv", *fx.file2_rows()))
    before = project.counts()
    prepared = prepare_import(project, fx.write_file7_csv(tmp_path / "f7.csv"))
    calls = []

    def cancelled():
        calls.append(1)
        return len(calls) > 1  # let the provenance row in, stop at the first batch

    with pytest.raises(Cancelled):
        commit_import(project, prepared, cancelled=cancelled)
    assert project.counts() == before
    assert len(project.provenance()) == 1


def test_detect_reasons_for_each_layout(tmp_path):
    header, rows = fx.file2_rows()
    f2 = fx.write_csv(tmp_path / "f2.csv", header, rows)
    f7 = fx.write_file7_csv(tmp_path / "f7.csv")
    assert detect(f2) == ("deprivation", "IoD 2019 File 2 layout: 'Index of Multiple "
                                         "Deprivation (IMD) Rank (where 1 is most deprived)' "
                                         "column")
    kind, reason = detect(f7)
    assert kind == "deprivation" and reason.startswith("IoD 2019 File 7 layout")
    # a LAD summary (no LSOA codes) is not this kind
    lad = fx.write_csv(tmp_path / "lad.csv", ["lad19cd", "index_domain", "average_rank"],
                       [["E09000023", "IMD", "1.5"]])
    from phdesk.core.imports import Sample, deprivation
    assert deprivation.detect(Sample(lad)) is None


def test_preview_is_long_form(project, tmp_path):
    prepared = prepare_import(project, fx.write_file7_csv(tmp_path / "f7.csv"))
    assert isinstance(prepared.preview, pd.DataFrame)
    assert {"area_code", "edition", "domain", "score", "rank", "decile"} <= set(
        prepared.preview.columns)


def test_2025_domain_wording(project, tmp_path):
    header = ["LSOA code (2021)", "LSOA name (2021)"]
    names = ["Index of Multiple Deprivation (IMD)", "Income Deprivation", "Employment Deprivation",
             "Living Environment Deprivation",
             "Income Deprivation Affecting Older People (IDAOPI)"]
    for d in names:
        header += [f"{d} Score", f"{d} Rank {fx.WHERE}", f"{d} Decile {fx.WHERE10}"]
    rows = [[c, "n", *[v for k in range(len(names)) for v in (1.5 + k, 100 + i, 1 + i)]]
            for i, c in enumerate(fx.CODES)]
    rep = run_import(project, fx.write_csv(tmp_path / "iod2025.csv", header, rows))
    assert rep.details["edition"] == 2025
    assert sorted(rep.details["domains"]) == sorted(
        ["imd", "income", "employment", "living_environment", "idaopi"])
    assert dep(project, "idaopi")["score"].tolist() == [5.5] * len(fx.CODES)


def test_short_headings_for_every_domain(project, tmp_path):
    header = ["lsoa21_code", "IMD_decile", "Income_decile", "Housing_and_Services_rank",
              "Environment_score"]
    rows = [[c, 3, 4, 500 + i, 0.25] for i, c in enumerate(fx.CODES)]
    rep = run_import(project, fx.write_csv(tmp_path / "imd2025_england_lsoa21.csv", header,
                                           rows))
    assert rep.details["edition"] == 2025  # lsoa21 codes
    assert dep(project, "barriers")["rank"].tolist() == [500 + i for i in range(len(fx.CODES))]
    assert dep(project, "living_environment")["score"].tolist() == [0.25] * len(fx.CODES)
