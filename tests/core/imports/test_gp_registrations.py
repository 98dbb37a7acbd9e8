"""GP registrations: practice totals, by LSOA, by age (single year, quinary) and list sizes."""

from __future__ import annotations

import pytest

from phdesk.core.imports import ImportRejected, detect, run_import
from phdesk.core.imports.gp_registrations import (
    BAD_AGE,
    MALFORMED_PRACTICE,
    UNKNOWN_SEX,
)
from phdesk.core.imports.report import (
    DUPLICATE_KEY,
    MALFORMED_AREA_CODE,
    MISSING_VALUE,
    NEGATIVE_COUNT,
    NOT_A_NUMBER,
)

ALL_HEADER = ("PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,"
              "NUMBER_OF_PATIENTS")
LSOA_HEADER = ("PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,LSOA_CODE,SEX,"
               "NUMBER_OF_PATIENTS")
QUIN_HEADER = ("PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,ORG_CODE,POSTCODE,SEX,"
               "AGE_GROUP_5,NUMBER_OF_PATIENTS")


def write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def regs(project):
    return project.query("SELECT practice_code, area_code, age_band, sex, count, extract_date "
                         "FROM gp_registrations ORDER BY 1, 2, 3, 4")


def test_practice_totals(project, tmp_path):
    f = write(tmp_path / "gp-reg-pat-prac-all.csv", [
        ALL_HEADER,
        "GP_PRAC_PAT_LIST,01May2022,GP,93C,E38000240,F83004,N1 0AA,ALL,ALL,5983",
        "GP_PRAC_PAT_LIST,01May2022,GP,93C,E38000240,F83005,N1 0AB,ALL,ALL,\"12,097\"",
        "GP_PRAC_PAT_LIST,01May2022,CCG,93C,E38000240,93C,,ALL,ALL,18080",
    ])
    kind, reason = detect(f)
    assert kind == "gp-registrations" and "by sex and age" in reason
    rep = run_import(project, f)
    assert rep.rows_read == 3 and rep.rows_accepted == 2
    assert any("TYPE other than GP" in w for w in rep.warnings)
    assert regs(project).values.tolist() == [
        ["F83004", "", "all", "all", 5983.0, "2022-05-01"],
        ["F83005", "", "all", "all", 12097.0, "2022-05-01"]]


def test_by_lsoa(project, tmp_path):
    with project.transaction() as db:
        db["areas"].insert({"code": "E01000001", "level": "lsoa"})
    f = write(tmp_path / "gp-reg-pat-prac-lsoa-all.csv", [
        LSOA_HEADER,
        "GP_PRAC_PAT_LIST,01-Apr-2024,F83004,ST JOHN'S,E01000001,ALL,120",
        "GP_PRAC_PAT_LIST,01-Apr-2024,F83004,ST JOHN'S,E01000002,ALL,30",
        "GP_PRAC_PAT_LIST,01-Apr-2024,F83005,BARNSBURY,E01000001,ALL,7",
    ])
    kind, reason = detect(f)
    assert kind == "gp-registrations" and "LSOA" in reason
    rep = run_import(project, f, options={"extract_date": "2024-04-01"})
    got = regs(project)
    assert got["area_code"].tolist() == ["E01000001", "E01000002", "E01000001"]
    assert got["count"].tolist() == [120.0, 30.0, 7.0]
    assert set(got["extract_date"]) == {"2024-04-01"}
    assert any("1 LSOA codes are not among the project's areas" in w for w in rep.warnings)


def test_quinary_and_single_year_ages(project, tmp_path):
    quin = write(tmp_path / "gp-reg-pat-prac-quin-age.csv", [
        QUIN_HEADER,
        "GP_PRAC_PAT_LIST,01Jan2024,GP,93C,E38000240,F83004,N1 0AA,MALE,0_4,50",
        "GP_PRAC_PAT_LIST,01Jan2024,GP,93C,E38000240,F83004,N1 0AA,FEMALE,95+,3",
        "GP_PRAC_PAT_LIST,01Jan2024,GP,93C,E38000240,F83004,N1 0AA,ALL,ALL,900",
    ])
    single = write(tmp_path / "gp-reg-pat-prac-sing-age-female.csv", [
        ALL_HEADER.replace(",CODE,", ",ORG_CODE,"),
        "GP_PRAC_PAT_LIST,01Jan2024,GP,93C,E38000240,F83005,N1 0AB,FEMALE,37,12",
        "GP_PRAC_PAT_LIST,01Jan2024,GP,93C,E38000240,F83005,N1 0AB,FEMALE,95+,1",
    ])
    assert detect(quin)[0] == detect(single)[0] == "gp-registrations"
    run_import(project, quin)
    run_import(project, single)
    got = regs(project)[["practice_code", "age_band", "sex", "count"]].values.tolist()
    assert got == [["F83004", "0-4", "male", 50.0], ["F83004", "95+", "female", 3.0],
                   ["F83004", "all", "all", 900.0], ["F83005", "37", "female", 12.0],
                   ["F83005", "95+", "female", 1.0]]


def test_list_sizes_and_age_columns(project, tmp_path):
    emis = write(tmp_path / "emis_list_size.csv", [
        "BOROUGH,CODE,GP_PRACTICE,LIST_SIZE,EXTRACT_DATE",
        "Barnet,E83003,OAKLEIGH ROAD HEALTH CENTRE,10552,25/02/2026",
    ])
    by_age = write(tmp_path / "gp-by-age.csv", [
        "PRACTICE_CODE,TOTAL,16OV,30_74,65OV,65OV%",
        "E83003,9000,7000,5000,1500,0.166",
        "A81001,4111,3345,2228,950,0.231",
    ])
    assert detect(emis) == ("gp-registrations", "GP practice list sizes (LIST_SIZE)")
    assert detect(by_age)[0] == "gp-registrations"
    run_import(project, emis)
    rep = run_import(project, by_age)
    got = regs(project).set_index(["practice_code", "age_band"])
    # the newer extract (25/02/2026) is kept; the undated file does not replace it
    assert got.loc[("E83003", "all"), ["count", "extract_date"]].tolist() == [10552.0,
                                                                               "2026-02-25"]
    assert rep.details["kept_newer"] == 1
    assert any("newer extract were kept" in w for w in rep.warnings)
    assert got.loc[("A81001", "all"), "count"] == 4111
    assert got.loc[("A81001", "16+"), "count"] == 3345
    assert got.loc[("A81001", "30-74"), "count"] == 2228
    assert got.loc[("A81001", "65+"), "count"] == 950
    assert "65OV%" not in rep.details["age_band_columns"]
    # an older dated extract does not replace a newer one either; a newer one does
    older = write(tmp_path / "emis_list_size_2021.csv", [
        "CODE,GP_PRACTICE,LIST_SIZE,EXTRACT_DATE", "E83003,OAKLEIGH,9999,01-Apr-21"])
    run_import(project, older)
    assert regs(project).set_index(["practice_code", "age_band"]).loc[
        ("E83003", "all"), "count"] == 10552
    newer = write(tmp_path / "emis_list_size_2027.csv", [
        "CODE,GP_PRACTICE,LIST_SIZE,EXTRACT_DATE", "E83003,OAKLEIGH,11000,01/01/2027"])
    run_import(project, newer)
    assert regs(project).set_index(["practice_code", "age_band"]).loc[
        ("E83003", "all"), "count"] == 11000


def test_every_rejection_reason(project, tmp_path):
    f = write(tmp_path / "gp-reg-pat-prac-lsoa-all.csv", [
        LSOA_HEADER,
        "P,01Apr2024,F83004,A,E01000001,MALE,10",     # good
        "P,01Apr2024,F83-04,A,E01000001,MALE,10",     # malformed practice code
        "P,01Apr2024,F83005,B,E0100001,MALE,10",      # malformed LSOA
        "P,01Apr2024,F83005,B,E01000001,OTHER,10",    # unknown sex
        "P,01Apr2024,F83005,B,E01000001,MALE,-3",     # negative
        "P,01Apr2024,F83005,B,E01000001,FEMALE,ten",  # not a number
        "P,01Apr2024,F83005,B,E01000002,FEMALE,",     # missing
        "P,01Apr2024,F83004,A,E01000001,MALE,11",     # duplicate of row 2
    ])
    with pytest.raises(ImportRejected) as err:
        run_import(project, f)
    rej = err.value.report.sorted_rejections()
    assert dict(zip(rej["row"], rej["reason"], strict=True)) == {
        3: MALFORMED_PRACTICE, 4: MALFORMED_AREA_CODE, 5: UNKNOWN_SEX, 6: NEGATIVE_COUNT,
        7: NOT_A_NUMBER, 8: MISSING_VALUE, 9: DUPLICATE_KEY}
    assert project.counts()["gp_registrations"] == 0
    assert project.counts()["provenance"] == 0
    rep = run_import(project, f, accept_partial=True)
    assert rep.rows_accepted == 1
    assert regs(project)["count"].tolist() == [10.0]


def test_bad_age_is_rejected(project, tmp_path):
    f = write(tmp_path / "gp-reg-pat-prac-quin-age.csv", [
        QUIN_HEADER,
        "P,01Jan2024,GP,93C,E38000240,F83004,N1 0AA,MALE,0_4,50",
        "P,01Jan2024,GP,93C,E38000240,F83004,N1 0AA,MALE,young,5",
    ])
    rep = run_import(project, f, accept_partial=True)
    assert rep.sorted_rejections()[["row", "reason"]].values.tolist() == [[3, BAD_AGE]]


def test_cancel_rolls_back(project, tmp_path):
    from phdesk.core.progress import Cancelled

    f = write(tmp_path / "emis_list_size.csv", [
        "CODE,GP_PRACTICE,LIST_SIZE,EXTRACT_DATE", "E83003,A,10,25/02/2026"])
    with pytest.raises(Cancelled):
        run_import(project, f, progress=lambda frac, msg: None,
                   cancelled=lambda: project.counts()["gp_registrations"] > 0
                   or project.scalar("SELECT count(*) FROM provenance") > 0)
    assert project.counts()["gp_registrations"] == 0 and project.counts()["provenance"] == 0


# Trafford's published list sizes: name and postcode, beside a register with no practice codes
TRAFFORD_REGS = ("practice_code,practice_name,practice_postcode,registered_patients,ward_code,"
                 "ward_name,msoa_code,msoa_hcl_name,locality")


def test_a_register_without_codes_takes_list_sizes_by_postcode_and_name(project, tmp_path):
    import pandas as pd

    from phdesk.core.categories import practice_codes_by_postcode
    from phdesk.core.mapping_stages import asset_capacity
    from phdesk.store import queries

    f = write(tmp_path / "trafford_gp_patient_registrations.csv", [
        TRAFFORD_REGS,
        "P91008,Shay Lane Medical Centre (Kelman),WA15 8NZ,6233,E05015249,Hale,E02001,Hale,South",
        "P91011,Shay Lane Medical Centre (Patel),WA15 8NZ,5386,E05015249,Hale,E02001,Hale,South",
        "P91003,Park Medical Practice,WA15 7XR,7855,E05015257,Timperley,E02001,Tim,South",
        "P91019,Partington Central Surgery,M31 4FL,3835,E05015244,Bucklow,E02001,Part,West",
        "P91026,Partington Family Practice,M31 4FL,6683,E05015244,Bucklow,E02001,Part,West"])
    run_import(project, f)
    practices = queries.gp_practices_by_postcode(project)
    assert len(practices) == 5 and set(practices["postcode"]) == {"WA158NZ", "WA157XR", "M314FL"}
    assets = pd.DataFrame({
        "name": ["Shay Lane Medical Centre (Patel)", "Park Surgery", "Partington Health Centre",
                 "Boots", "Shay Lane Medical Centre (Kelman)"],
        "category": ["Trafford General Practices"] * 3 + ["Pharmacy", "GP practice"],
        "postcode": ["WA15 8NZ", "wa157xr", "M31 4FL", "WA15 7XR", "WA15 8NZ"],
        "source_id": [None, None, None, None, "P99999"], "capacity": [None] * 5})
    matched = practice_codes_by_postcode(assets, practices)
    # same postcode and name; the only practice at its postcode; a shared health centre with
    # another name stays unmatched; a pharmacy at a practice's postcode is not a practice; a
    # code the register gives is kept
    assert matched["source_id"].where(matched["source_id"].notna(), None).tolist() == [
        "P91011", "P91003", None, None, "P99999"]
    assert assets["source_id"].isna().sum() == 4                # the register is not changed
    cap, source = asset_capacity(matched, queries.gp_list_sizes(project))
    assert cap.tolist() == [5386.0, 7855.0, 1.0, 1.0, 1.0]
    assert source.tolist() == ["list size", "list size", "default", "default", "default"]
