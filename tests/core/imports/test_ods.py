"""ODS organisation files: headerless 27-column layout, active organisations placed by postcode."""

from __future__ import annotations

import pandas as pd
import pytest

from phdesk.core.errors import UserError
from phdesk.core.imports import ImportRejected, detect, ods, run_import
from phdesk.core.imports.report import (
    DUPLICATE_KEY,
    MALFORMED_POSTCODE,
    MISSING_VALUE,
    POSTCODE_NOT_FOUND,
)

POSTCODES = {"N10AA": (530920.0, 183630.0), "N10AB": (530950.0, 183700.0),
             "E10AA": (535267.0, 181084.0), "E10AD": (535042.0, 181124.0)}


def ods_row(code, name, postcode, icb="QMJ", status="A", close="", setting="4",
            commissioner="93C", subtype="B"):
    cells = [code, name, "Y56", icb, "THE HEALTH CENTRE", "1 HIGH STREET", "LONDON", "", "",
             postcode, "19740401", close, status, subtype, commissioner, "20200401", "",
             "020 7000 0000", "", "", "", "0", "", commissioner, "", setting, ""]
    assert len(cells) == 27
    return ",".join(f'"{c}"' for c in cells)


def write(path, rows):
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def with_postcodes(project):
    with project.transaction() as db:
        db["postcodes"].insert_all([{"postcode": k, "easting": e, "northing": n}
                                    for k, (e, n) in POSTCODES.items()])
    return project


@pytest.fixture
def epraccur(tmp_path):
    return write(tmp_path / "epraccur.csv", [
        ods_row("F83004", "ST JOHN'S SURGERY AND HEALTH CENTRE", "N1 0AA"),
        ods_row("F83005", "BARNSBURY MEDICAL PRACTICE", "N1 0AB"),
        ods_row("F83006", "CLOSED PRACTICE", "N1 0AA", status="C", close="20200101"),
        ods_row("Y01234", "NHS OUT OF HOURS SERVICE", "N1 0AA", setting="2"),
        ods_row("F84001", "THE SPITALFIELDS PRACTICE", "E1 0AA", icb="QMF", commissioner="A3A8R"),
        ods_row("A81001", "THE DENSHAM SURGERY", "TS18 1HU", icb="QHM", commissioner="16C"),
    ])


def assets(project):
    return project.query("SELECT * FROM assets ORDER BY source_id").set_index("source_id")


def test_detected_as_ods(epraccur):
    kind, reason = detect(epraccur)
    assert kind == "ods" and "27 columns" in reason


def test_active_gp_practices_placed_by_postcode(with_postcodes, epraccur):
    rep = run_import(with_postcodes, epraccur)
    a = assets(with_postcodes)
    assert list(a.index) == ["F83004", "F83005", "F84001"]
    assert (rep.rows_read, rep.rows_accepted, rep.rows_rejected) == (6, 3, 0)
    assert a.loc["F83004", "name"] == "St John's Surgery and Health Centre"
    assert a.loc["F83005", "name"] == "Barnsbury Medical Practice"
    assert set(a["category"]) == {"GP practice"}
    assert a.loc["F84001", ["easting", "northing"]].tolist() == list(POSTCODES["E10AA"])
    assert a.loc["F83004", "postcode"] == "N1 0AA"
    assert a.loc["F83004", "address"] == "The Health Centre, 1 High Street, London, N1 0AA"
    assert a.loc["F83004", "source"] == "epraccur.csv"
    text = " | ".join(rep.warnings)
    assert "1 organisations outside the project's postcode lookup were skipped" in text
    assert "1 closed, dormant or proposed organisations were skipped" in text
    assert "1 active organisations are not GP practices" in text


def test_icb_filter_rejects_unknown_postcodes(with_postcodes, epraccur, tmp_path):
    rep = run_import(with_postcodes, epraccur, options={"icb": "QMJ"})
    assert sorted(assets(with_postcodes).index) == ["F83004", "F83005"]
    assert rep.details["skipped_outside_icb"] == 2
    # with a filter, an organisation whose postcode is missing is a rejection, not a skip
    f = write(tmp_path / "epraccur2.csv", [ods_row("F83007", "NEW SURGERY", "N7 9ZZ"),
                                           ods_row("F83008", "OLD SURGERY", "N1 0AB")])
    with pytest.raises(ImportRejected) as err:
        run_import(with_postcodes, f, options={"commissioner": "93C"})
    assert err.value.report.sorted_rejections()["reason"].tolist() == [POSTCODE_NOT_FOUND]
    with pytest.raises(UserError, match="no active organisations match icb QXX"):
        run_import(with_postcodes, f, options={"icb": "QXX"})


def test_without_postcode_table_or_overlap_gives_clear_errors(project, with_postcodes, tmp_path):
    f = write(tmp_path / "epraccur.csv", [ods_row("A81001", "THE DENSHAM SURGERY", "TS18 1HU")])
    with with_postcodes.transaction() as db:
        db.conn.execute("DELETE FROM postcodes")
    with pytest.raises(UserError, match="no postcode lookup"):
        run_import(project, f)
    with project.transaction() as db:
        db["postcodes"].insert({"postcode": "N10AA", "easting": 1.0, "northing": 2.0})
    with pytest.raises(UserError, match="none of the 1 active organisations"):
        run_import(project, f)
    assert project.counts()["assets"] == 0 and project.counts()["provenance"] == 0


def test_category_from_codes_and_option(with_postcodes, tmp_path):
    dental = write(tmp_path / "egdpprac.csv", [
        ods_row("V00002", "DENTAL SURGERY", "N1 0AA", setting=""),
        ods_row("V00003", "CRABTREE ROAD DENTAL PRACTICE", "N1 0AB", setting="")])
    pharmacy = write(tmp_path / "edispensary.csv", [
        ods_row("FA123", "BOOTS THE CHEMIST", "E1 0AA", setting=""),
        ods_row("FQ456", "HIGH STREET PHARMACY", "E1 0AD", setting="")])
    run_import(with_postcodes, dental)
    run_import(with_postcodes, pharmacy)
    a = assets(with_postcodes)
    assert a.loc["V00002", "category"] == "Dentist"
    assert a.loc["FA123", "category"] == "Pharmacy"
    assert a.loc["FA123", "name"] == "Boots the Chemist"
    other = write(tmp_path / "other.csv", [ods_row("V00009", "A CLINIC", "N1 0AA", setting="")])
    run_import(with_postcodes, other, options={"category": "Community dental service"})
    assert assets(with_postcodes).loc["V00009", "category"] == "Community dental service"


def test_reimport_updates_and_removes_closed(with_postcodes, epraccur, tmp_path):
    run_import(with_postcodes, epraccur)
    ids = assets(with_postcodes)["id"]
    newer = write(tmp_path / "epraccur_new.csv", [
        ods_row("F83004", "ST JOHNS NEW NAME", "N1 0AB"),
        ods_row("F83005", "BARNSBURY MEDICAL PRACTICE", "N1 0AB", status="C", close="20240101"),
        ods_row("F84001", "THE SPITALFIELDS PRACTICE", "E1 0AA", icb="QMF"),
    ])
    rep = run_import(with_postcodes, newer)
    a = assets(with_postcodes)
    assert list(a.index) == ["F83004", "F84001"]
    assert a.loc["F83004", "id"] == ids["F83004"]          # updated in place, same asset
    assert a.loc["F83004", "name"] == "St Johns New Name"
    assert a.loc["F83004", "easting"] == POSTCODES["N10AB"][0]
    assert rep.details["updated"] == 2 and rep.details["removed_closed"] == 1
    assert any("closed since an earlier import were removed" in w for w in rep.warnings)
    stored = with_postcodes.provenance()["warnings"].iloc[-1]
    assert "closed since an earlier import" in stored
    # a user's own asset with the same code is left alone
    with with_postcodes.transaction() as db:
        db["assets"].insert({"name": "Mine", "category": "GP practice", "source_id": "F84001",
                             "source": "manual", "easting": 1.0, "northing": 1.0})
    run_import(with_postcodes, newer)
    mine = with_postcodes.query("SELECT name FROM assets WHERE source = 'manual'")
    assert mine["name"].tolist() == ["Mine"]


def test_rejections_malformed_postcode_and_duplicate_code(with_postcodes, tmp_path):
    f = write(tmp_path / "epraccur.csv", [
        ods_row("F83004", "A SURGERY", "N1 0AA"),
        ods_row("F83005", "B SURGERY", "NOT A PC"),
        ods_row("F83004", "A SURGERY AGAIN", "N1 0AA"),
        ods_row("F83009", "", "N1 0AA"),
    ])
    with pytest.raises(ImportRejected) as err:
        run_import(with_postcodes, f)
    rej = err.value.report.sorted_rejections()
    assert rej[["row", "reason"]].values.tolist() == [[2, MALFORMED_POSTCODE], [3, DUPLICATE_KEY],
                                                      [4, MISSING_VALUE]]
    assert with_postcodes.counts()["assets"] == 0
    rep = run_import(with_postcodes, f, accept_partial=True)
    assert rep.rows_accepted == 1 and assets(with_postcodes).loc["F83004", "name"] == "A Surgery"


def test_title_case_rules():
    names = pd.Series(["ST MARY'S NHS WALK-IN CENTRE", "THE GP PRACTICE OF THE VALLEY",
                       "DR SMITH AND PARTNERS (PCN)"])
    assert ods.title_case(names).tolist() == [
        "St Mary's NHS Walk-In Centre", "The GP Practice of the Valley",
        "Dr Smith and Partners (PCN)"]


def test_write_failure_rolls_back(with_postcodes, epraccur, monkeypatch):
    from phdesk.core.imports import commit_import, prepare_import

    prepared = prepare_import(with_postcodes, epraccur)
    original = prepared.write

    def broken(writer, prog):
        original(writer, prog)
        raise RuntimeError("boom")

    prepared.write = broken
    with pytest.raises(RuntimeError):
        commit_import(with_postcodes, prepared)
    assert with_postcodes.counts()["assets"] == 0
    assert with_postcodes.counts()["provenance"] == 0


def test_practices_outside_the_project_areas_are_warned_about(with_postcodes, tmp_path):
    import shapely

    project = with_postcodes
    with project.transaction() as db:   # one LSOA around the N1 postcodes only
        db["areas"].insert({"code": "E01002714", "level": "lsoa", "vintage": 2021,
                            "geometry": shapely.to_wkb(shapely.box(530800, 183500,
                                                                   531100, 183800))})
    path = write(tmp_path / "epraccur.csv", [ods_row("F83001", "INSIDE ONE", "N1 0AA"),
                                             ods_row("F83002", "INSIDE TWO", "N1 0AB"),
                                             ods_row("F84001", "OUTSIDE", "E1 0AA")])
    rep = run_import(project, path)
    assert rep.rows_accepted == 3
    assert rep.details["outside_project_areas"] == 1
    assert any("1 of 3 organisations are outside the project's areas (e.g. Outside)" in w
               for w in rep.warnings)
