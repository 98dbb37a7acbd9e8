"""Segment extracts: aggregated counts and patient-level files aggregated on import."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from phdesk.core.imports import ImportRejected, detect, patient_level, run_import
from phdesk.core.imports.patient_level import (
    BAD_BAND,
    BAD_FLAG,
    DUPLICATE_PERSON,
    IMPOSSIBLE_AGE,
    UNKNOWN_SEX,
    fingerprint,
)
from phdesk.core.imports.report import (
    DUPLICATE_KEY,
    MALFORMED_AREA_CODE,
    MISSING_VALUE,
    NEGATIVE_COUNT,
    NOT_A_NUMBER,
)
from phdesk.core.progress import Cancelled

FLAGS = ["diabetes", "copd", "hypertension"]


def write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def population(project):
    return project.query("SELECT dataset, area_code, age_band, sex, group_type, group_name, count "
                         "FROM population ORDER BY area_code, age_band, sex, group_name")


def patients(n: int, seed: int = 3, flag_values=("0", "1", "Y", "N")) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "patient_id": [f"PSEUDO{v:012d}" for v in rng.choice(10**12, n, replace=False)],
        "lsoa_code": rng.choice(["E01000001", "E01000002", "E01000003"], n),
        "age": rng.integers(0, 101, n),
        "sex": rng.choice(["M", "F", "Male", "female", "1", "2"], n),
        "practice": "F83004",
        **{f: rng.choice(list(flag_values), n) for f in FLAGS},
    })


def expected_counts(df: pd.DataFrame) -> pd.DataFrame:
    """The aggregation written out plainly with pandas, to check the importer against."""
    d = df.copy()
    top = patient_level.TOP_AGE
    lo = np.minimum(d["age"] // 5 * 5, top)
    d["age_band"] = np.where(lo >= top, f"{top}+", lo.astype(str) + "-" + (lo + 4).astype(str))
    d["sex"] = d["sex"].str.upper().map({"M": "male", "MALE": "male", "1": "male",
                                         "F": "female", "FEMALE": "female", "2": "female"})
    long = d.melt(id_vars=["lsoa_code", "age_band", "sex"], value_vars=FLAGS,
                  var_name="group_name", value_name="flag")
    long = long[long["flag"].isin(["1", "Y"])]
    out = long.groupby(["lsoa_code", "age_band", "sex", "group_name"]).size().reset_index(
        name="count")
    return out.rename(columns={"lsoa_code": "area_code"}).sort_values(
        ["area_code", "age_band", "sex", "group_name"]).reset_index(drop=True)


@pytest.mark.parametrize("flag_values", [("0", "1", "Y", "N"), ("0", "1")])
def test_patient_level_flags_aggregated_and_ids_never_stored(project, tmp_path, monkeypatch,
                                                              flag_values):
    monkeypatch.setattr(patient_level, "CHUNK", 97)  # several chunks
    df = patients(1000, flag_values=flag_values)  # 0/1 only: flags parsed as numbers
    f = tmp_path / "gp_extract_2024.csv"
    df.to_csv(f, index=False)
    kind, reason = detect(f)
    assert kind == "segments" and "patient-level" in reason and "diabetes" in reason
    rep = run_import(project, f)
    assert (rep.rows_read, rep.rows_accepted, rep.rows_rejected) == (1000, 1000, 0)
    got = population(project)
    assert set(got["dataset"]) == {"gp_extract_2024"} and set(got["group_type"]) == {"segment"}
    want = expected_counts(df)
    pd.testing.assert_frame_equal(
        got[["area_code", "age_band", "sex", "group_name", "count"]],
        want.assign(count=want["count"].astype(float)), check_dtype=False)
    assert any("columns not used: practice" in w for w in rep.warnings)
    assert rep.details["persons_in_no_segment"] == int(
        (~df[FLAGS].isin(["1", "Y"]).any(axis=1)).sum())
    project.close()
    raw = (tmp_path / "test.phdesk").read_bytes()
    for pid in df["patient_id"].sample(50, random_state=1):
        assert pid.encode() not in raw
    assert b"PSEUDO" not in raw


def test_segment_column_and_age_bands(project, tmp_path):
    f = write(tmp_path / "segments_people.csv", [
        "pseudo_id,lsoa11cd,age_band,gender,segment",
        "a1,E01000001,65-69,F,Frailty",
        "a2,E01000001,65_69,F,Frailty",
        "a3,E01000001,90 and over,M,Healthy",
        "a4,E01000002,0-4,M,Healthy",
    ])
    assert detect(f)[0] == "segments"
    run_import(project, f, options={"dataset": "Bridges 2024"})
    got = population(project)
    assert set(got["dataset"]) == {"Bridges 2024"}
    assert got[["area_code", "age_band", "sex", "group_name", "count"]].values.tolist() == [
        ["E01000001", "65-69", "female", "Frailty", 2.0],
        ["E01000001", "90+", "male", "Healthy", 1.0],
        ["E01000002", "0-4", "male", "Healthy", 1.0]]


def test_patient_level_rejections(project, tmp_path, monkeypatch):
    monkeypatch.setattr(patient_level, "CHUNK", 3)
    f = write(tmp_path / "extract.csv", [
        "nhs_number_pseudo,lsoa_code,age,sex,diabetes,copd",
        "p1,E01000001,40,M,1,0",      # 2 good
        "p2,E0100001,40,M,1,0",       # 3 malformed area
        "p3,E01000001,-1,F,1,0",      # 4 impossible age
        "p4,E01000001,121,F,0,1",     # 5 impossible age
        "p5,E01000001,old,F,0,1",     # 6 impossible age
        "p6,E01000001,40,X,0,1",      # 7 unknown sex
        "p1,E01000002,41,F,0,1",      # 8 duplicate of row 2 (another chunk)
        "p7,E01000001,40,F,maybe,1",  # 9 flag not recognised
        "p8,E01000001,40,F,0,1",      # 10 good
    ])
    with pytest.raises(ImportRejected) as err:
        run_import(project, f)
    rej = err.value.report.sorted_rejections()
    assert dict(zip(rej["row"], rej["reason"], strict=True)) == {
        3: MALFORMED_AREA_CODE, 4: IMPOSSIBLE_AGE, 5: IMPOSSIBLE_AGE, 6: IMPOSSIBLE_AGE,
        7: UNKNOWN_SEX, 8: DUPLICATE_PERSON, 9: BAD_FLAG}
    # the duplicate's id is not echoed in the report
    assert rej.loc[rej["row"] == 8, "value"].tolist() == [""]
    assert project.counts()["population"] == 0 and project.counts()["provenance"] == 0
    rep = run_import(project, f, accept_partial=True)
    assert rep.rows_accepted == 2
    got = population(project)
    assert got[["age_band", "sex", "group_name", "count"]].values.tolist() == [
        ["40-44", "female", "copd", 1.0], ["40-44", "male", "diabetes", 1.0]]


def test_aggregated_long_and_wide(project, tmp_path):
    with project.transaction() as db:
        db["areas"].insert({"code": "E01000001", "level": "lsoa"})
    f = write(tmp_path / "segment_counts.csv", [
        "lsoa_code,segment,age_band,sex,count",
        "E01000001,Frailty,65-74,Female,120",
        "E01000001,Frailty,65-74,Male,\"1,100\"",
        "E01000009,Long-term condition,all,all,30",
    ])
    kind, reason = detect(f)
    assert kind == "segments" and "counts per area and segment" in reason
    rep = run_import(project, f)
    got = population(project)
    assert got[["area_code", "age_band", "sex", "group_name", "count"]].values.tolist() == [
        ["E01000001", "65-74", "female", "Frailty", 120.0],
        ["E01000001", "65-74", "male", "Frailty", 1100.0],
        ["E01000009", "all", "all", "Long-term condition", 30.0]]
    assert any("1 area codes are not among the project's areas" in w for w in rep.warnings)
    wide = write(tmp_path / "wide.csv", ["area_code,Frailty,Carers", "E01000001,5,7"])
    run_import(project, wide, kind="segments", options={"dataset": "wide"})
    w = population(project).query("dataset == 'wide'")
    assert dict(zip(w["group_name"], w["count"], strict=True)) == {"Frailty": 5.0, "Carers": 7.0}


def test_aggregated_rejections(project, tmp_path):
    f = write(tmp_path / "segment_counts.csv", [
        "lsoa_code,segment,age_band,sex,count",
        "E01000001,Frailty,all,all,10",
        "E0100001,Frailty,all,all,10",
        "E01000002,Frailty,all,all,-1",
        "E01000003,Frailty,all,all,many",
        "E01000001,Frailty,all,all,12",
        "E01000004,Frailty,all,all,",
        "E01000005,,all,all,3",
        "E01000006,Frailty,elderly,all,3",
        "E01000007,Frailty,all,X,3",
    ])
    with pytest.raises(ImportRejected) as err:
        run_import(project, f, kind="segments")
    rej = err.value.report.sorted_rejections()
    assert dict(zip(rej["row"], rej["reason"], strict=True)) == {
        3: MALFORMED_AREA_CODE, 4: NEGATIVE_COUNT, 5: NOT_A_NUMBER, 6: DUPLICATE_KEY,
        7: MISSING_VALUE, 8: MISSING_VALUE, 9: BAD_BAND, 10: UNKNOWN_SEX}


def test_patient_level_missing_id_segment_and_bad_band(project, tmp_path):
    f = write(tmp_path / "people.csv", [
        "person_id,lsoa_code,age_band,sex,segment",
        "a,E01000001,65-69,F,Frailty",
        ",E01000001,65-69,F,Frailty",
        "c,E01000001,65-69,F,",
        "d,E01000001,old,F,Frailty",
        "e,E01000001,70-74,F,Frailty",
    ])
    rep = run_import(project, f, accept_partial=True)
    rej = rep.sorted_rejections()
    assert dict(zip(rej["row"], rej["reason"], strict=True)) == {
        3: MISSING_VALUE, 4: MISSING_VALUE, 5: BAD_BAND}
    assert population(project)[["age_band", "count"]].values.tolist() == [["65-69", 1.0],
                                                                          ["70-74", 1.0]]


def test_reimport_replaces_dataset(project, tmp_path):
    one = write(tmp_path / "seg.csv", ["lsoa_code,segment,count", "E01000001,A,1",
                                       "E01000002,A,2"])
    run_import(project, one)
    two = write(tmp_path / "seg2.csv", ["lsoa_code,segment,count", "E01000001,A,5"])
    rep = run_import(project, two, options={"dataset": "seg"})
    assert population(project)["count"].tolist() == [5.0]
    assert rep.details["replaced_rows"] == 2


def test_cancel_leaves_project_unchanged(project, tmp_path):
    f = tmp_path / "extract.csv"
    patients(50).to_csv(f, index=False)
    with pytest.raises(Cancelled):
        run_import(project, f, progress=lambda frac, msg: None,
                   cancelled=lambda: project.scalar("SELECT count(*) FROM population") > 0)
    assert project.counts()["population"] == 0 and project.counts()["provenance"] == 0


def test_fingerprint_tells_long_ids_apart():
    ids = np.array(["PATIENT-000000001", "PATIENT-000000002", "PATIENT-000000001", "short",
                    "a" * 64, "a" * 63 + "b"], dtype=object)
    h = fingerprint(ids)
    assert h[0] == h[2]
    assert len(set(h.tolist())) == 5
    accents = fingerprint(np.array(["Zoë", "Zoe", "Zoë"], dtype=object))
    assert accents[0] == accents[2] != accents[1]


def test_patient_level_workbook(project, tmp_path):
    f = tmp_path / "extract.xlsx"
    df = patients(40)
    df.to_excel(f, index=False)
    assert detect(f)[0] == "segments"
    rep = run_import(project, f)
    assert rep.rows_accepted == 40
    got = population(project)
    want = expected_counts(df)
    assert got["count"].sum() == want["count"].sum() and len(got) == len(want)


def test_numeric_flags_other_than_0_1_are_rejected():
    truth, bad = patient_level._flags(pd.Series([0, 1, 2, 1], dtype="uint8"))
    assert truth.tolist() == [False, True, False, True]
    assert bad.tolist() == [False, False, True, False]


def test_fingerprint_ignores_padding_and_input_type():
    one = fingerprint(np.array(["abc123456789"], dtype=object))[0]
    wide = fingerprint(np.array(["abc123456789", "x" * 40], dtype=object))[0]
    as_bytes = fingerprint(np.array([b"abc123456789"], dtype="S64"))[0]
    assert one == wide == as_bytes


def test_fast_path_numeric_flags_and_long_ids(project, tmp_path, monkeypatch):
    monkeypatch.setattr(patient_level, "CHUNK", 2)
    f = write(tmp_path / "numeric.csv", [
        "patient_id,lsoa_code,age,sex,diabetes,copd",
        "a,E01000001,40,M,1,0",
        "b,E01000001,40,M,0,1",
        "c,E01000001,40,M,2,0",      # 4: flag 2 is not a flag
        "a,E01000001,50,F,1,1",      # 5: duplicate of row 2, in another chunk
        "d,E01000001,40,M,0,0",
        "e,E01000001,40,M,0,0",
    ])
    rep = run_import(project, f, accept_partial=True)
    rej = rep.sorted_rejections()
    assert rej[["row", "reason"]].values.tolist() == [[4, BAD_FLAG], [5, DUPLICATE_PERSON]]
    assert population(project)[["group_name", "count"]].values.tolist() == [
        ["copd", 1.0], ["diabetes", 1.0]]
    assert rep.details["persons_in_no_segment"] == 2
    long_id = "L" * 80
    g = write(tmp_path / "long_ids.csv", [
        "patient_id,lsoa_code,age,sex,diabetes",
        f"{long_id}1,E01000001,40,M,1", f"{long_id}2,E01000001,40,M,1",
        f"{long_id}1,E01000001,41,M,1"])
    rep = run_import(project, g, accept_partial=True)
    assert rep.rows_accepted == 2
    assert rep.sorted_rejections()["reason"].tolist() == [DUPLICATE_PERSON]
    project.close()
    assert long_id.encode() not in (tmp_path / "test.phdesk").read_bytes()
