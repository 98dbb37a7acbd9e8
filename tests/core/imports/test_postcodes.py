"""Postcode directories: ONSPD/NSPL-shaped, Code-Point Open, lon/lat extracts, LSOA-only lookups."""

from __future__ import annotations

import numpy as np
import pytest

from phdesk.core import geo
from phdesk.core.imports import (
    ImportRejected,
    commit_import,
    detect,
    postcodes,
    prepare_import,
    run_import,
)
from phdesk.core.imports.report import (
    DUPLICATE_KEY,
    MALFORMED_AREA_CODE,
    MALFORMED_POSTCODE,
    NOT_A_NUMBER,
    OUTSIDE_GB,
    SWAPPED_LATLON,
)
from phdesk.core.progress import Cancelled

ONSPD_HEADER = "pcd,pcd2,pcds,dointr,doterm,oseast1m,osnrth1m,osgrdind,lsoa11,lsoa21,lat,long"


def onspd_row(pc: str, e, n, lsoa21="E01000001", doterm="", lat="51.5", lon="-0.1"):
    return (f'"{pc:<7}","{pc:<8}","{pc}","198001","{doterm}",{e},{n},1,"E01000099",'
            f'"{lsoa21}",{lat},{lon}')


def write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def table(project):
    return project.query("SELECT * FROM postcodes ORDER BY postcode").set_index("postcode")


@pytest.fixture
def codepoint(tmp_path):
    return write(tmp_path / "n.csv", [
        '"N1  0AA",10,530920,183630,"E92000001","E19000003","E18000007","","E09000019","E05000368"',
        '"N1  0AB",10,530950,183700,"E92000001","E19000003","E18000007","","E09000019","E05000368"',
        '"EC1A1AA",10,531900,181500,"E92000001","E19000003","E18000007","","E09000001","E05009300"',
        '"N1  9ZZ",90,0,0,"E92000001","","","","",""',
    ])


def test_codepoint_headerless_is_detected_and_imported(project, codepoint):
    kind, reason = detect(codepoint)
    assert kind == "postcodes" and "Code-Point" in reason
    rep = run_import(project, codepoint)
    assert (rep.rows_read, rep.rows_accepted, rep.rows_rejected) == (4, 4, 0)
    t = table(project)
    assert t.loc["N10AA", ["easting", "northing"]].tolist() == [530920, 183630]
    assert t.loc["EC1A1AA", "easting"] == 531900
    # PQ 90 / 0,0 = no grid reference: kept without coordinates, with a warning
    assert np.isnan(t.loc["N19ZZ", "easting"])
    assert any("no grid reference" in w for w in rep.warnings)
    assert t["lsoa_code"].isna().all()


def test_onspd_columns_terminated_and_rejections(project, tmp_path):
    f = write(tmp_path / "ONSPD_extract.csv", [
        ONSPD_HEADER,
        onspd_row("N1 0AA", 530920, 183630, "E01002704"),
        onspd_row("N1 0AB", 530950, 183700, "E01002705", doterm="201506"),   # terminated
        onspd_row("N1 0XX1", 530950, 183700),                                # malformed postcode
        onspd_row("N1 0AD", "abc", 183700),                                  # not a number
        onspd_row("N1 0AE", 950000, 183700),                                 # outside GB
        onspd_row("N1 0AF", 530950, 183700, "E0100270"),                     # malformed LSOA
        onspd_row("N1 0AA", 530921, 183631, "E01002704"),                    # duplicate
        onspd_row("GY1 1AA", "", "", "L99999999", lat="99.999999", lon="0"),  # no grid, pseudo
    ])
    assert detect(f)[0] == "postcodes"
    prepared = prepare_import(project, f)
    rep = prepared.report
    rej = rep.sorted_rejections()
    assert rep.rows_read == 8
    assert dict(zip(rej["row"], rej["reason"], strict=True)) == {
        4: MALFORMED_POSTCODE, 5: NOT_A_NUMBER, 6: OUTSIDE_GB, 7: MALFORMED_AREA_CODE,
        8: DUPLICATE_KEY}
    assert any("1 terminated postcodes were skipped" in w for w in rep.warnings)
    assert any("pseudo LSOA" in w for w in rep.warnings)
    with pytest.raises(ImportRejected):
        commit_import(project, prepared)
    assert project.counts()["postcodes"] == 0 and project.counts()["provenance"] == 0
    commit_import(project, prepared, accept_partial=True)
    t = table(project)
    assert sorted(t.index) == ["GY11AA", "N10AA"]
    # lsoa21 preferred when the project has no 2011 areas; the first of duplicates wins
    assert t.loc["N10AA", "lsoa_code"] == "E01002704"
    assert t.loc["N10AA", "easting"] == 530920
    assert t.loc["GY11AA", ["easting", "lsoa_code"]].isna().all()


def test_lsoa11_preferred_when_project_areas_are_2011(project, tmp_path):
    with project.transaction() as db:
        db["areas"].insert({"code": "E01000099", "level": "lsoa", "vintage": 2011})
    f = write(tmp_path / "nspl.csv", [ONSPD_HEADER, onspd_row("N1 0AA", 530920, 183630)])
    run_import(project, f)
    assert table(project).loc["N10AA", "lsoa_code"] == "E01000099"


def test_lonlat_extract_is_projected_and_swaps_rejected(project, tmp_path):
    f = write(tmp_path / "trafford_postcodes.csv", [
        "postcode,ward_code,ward_name,msoa_code,lsoa_code,lsoa_name,la_code,la_name,lon,lat",
        "M15 4AB,E05015247,Gorse Hill,E02001259,E01034001,Trafford 001H,E08000009,Trafford,"
        "-2.26046,53.465578",
        "M15 4AD,E05015253,Old Trafford,E02001259,E01006112,Trafford 001D,E08000009,Trafford,"
        "53.464903,-2.260757",
        "M15 4AE,E05015253,Old Trafford,E02001259,E01006112,Trafford 001D,E08000009,Trafford,"
        "2.35,48.85",
        "M15 4AF,E05015253,Old Trafford,E02001259,E01006112,Trafford 001D,E08000009,Trafford,"
        "west,53.46",
    ])
    assert detect(f)[0] == "postcodes"
    rep = run_import(project, f, accept_partial=True)
    assert rep.sorted_rejections()["reason"].tolist() == [SWAPPED_LATLON, OUTSIDE_GB,
                                                          NOT_A_NUMBER]
    t = table(project)
    e, n = geo.lonlat_to_bng(np.array([-2.26046]), np.array([53.465578]))
    assert t.loc["M154AB", "easting"] == pytest.approx(e[0], abs=0.01)
    assert t.loc["M154AB", "northing"] == pytest.approx(n[0], abs=0.01)
    # Manchester: about 383 km east, 397 km north of the grid's origin
    assert 380_000 < t.loc["M154AB", "easting"] < 386_000
    assert t.loc["M154AB", "lsoa_code"] == "E01034001"


def test_lsoa_only_lookup_keeps_existing_coordinates(project, tmp_path, codepoint):
    run_import(project, codepoint)
    lookup = write(tmp_path / "lbl_postcode_lookup.csv", [
        "Postcode7,Postcode8,PostcodeNatural,IntroductionDate,TerminationDate,Usertype,OA11CD,"
        "LSOA11CD,MSOA11CD,LAD19CD,WD22CD_proposed",
        "N1  0AA,N1   0AA,N1 0AA,198001,,0,E00000001,E01002704,E02000001,E09000019,E05000001",
        "SE6 1AA,SE6  1AA,SE6 1AA,198001,,0,E00000002,E01003320,E02000002,E09000023,E05000002",
        "SE6 1AB,SE6  1AB,SE6 1AB,198001,200001,0,E00000002,E01003320,E02000002,E09000023,"
        "E05000002",
    ])
    kind, reason = detect(lookup)
    assert kind == "postcodes" and "LSOA" in reason
    rep = run_import(project, lookup)
    assert rep.rows_accepted == 2
    assert any("terminated" in w for w in rep.warnings)
    t = table(project)
    assert t.loc["N10AA", ["easting", "lsoa_code"]].tolist() == [530920, "E01002704"]
    assert np.isnan(t.loc["SE61AA", "easting"]) and t.loc["SE61AA", "lsoa_code"] == "E01003320"
    assert "SE61AB" not in t.index
    # and Code-Point again (no LSOA) keeps the LSOA learnt from the lookup
    run_import(project, codepoint)
    assert table(project).loc["N10AA", "lsoa_code"] == "E01002704"


def test_chunks_and_duplicates_across_chunks(project, tmp_path, monkeypatch):
    monkeypatch.setattr(postcodes, "CHUNK", 3)
    monkeypatch.setattr(postcodes, "BATCH", 2)
    rows = [onspd_row(f"N1 {i}AA", 530000 + i, 183000 + i) for i in range(8)]
    rows.append(onspd_row("N1 2AA", 1, 1))
    f = write(tmp_path / "onspd.csv", [ONSPD_HEADER, *rows])
    rep = run_import(project, f, accept_partial=True)
    assert rep.rows_read == 9 and rep.rows_accepted == 8
    assert rep.sorted_rejections()[["row", "reason"]].values.tolist() == [[10, DUPLICATE_KEY]]
    t = table(project)
    assert len(t) == 8 and t.loc["N12AA", "easting"] == 530002


def test_cancel_during_write_leaves_project_unchanged(project, tmp_path, codepoint, monkeypatch):
    run_import(project, codepoint)
    before = project.counts(), project.provenance()
    monkeypatch.setattr(postcodes, "BATCH", 1)
    f = write(tmp_path / "onspd.csv", [ONSPD_HEADER] + [
        onspd_row(f"E1 {i}AA", 535000 + i, 181000) for i in range(5)])
    state = {"writing": False}

    def progress(fraction, message):
        if message.startswith("writing postcodes 2"):
            state["writing"] = True

    with pytest.raises(Cancelled):
        run_import(project, f, progress=progress, cancelled=lambda: state["writing"])
    assert project.counts() == before[0]
    assert project.provenance().equals(before[1])


def test_failing_write_rolls_back(project, tmp_path, codepoint):
    prepared = prepare_import(project, codepoint)
    original = prepared.write

    def broken(writer, prog):
        original(writer, prog)
        raise OSError("disk full")

    prepared.write = broken
    with pytest.raises(OSError):
        commit_import(project, prepared)
    assert project.counts()["postcodes"] == 0 and project.counts()["provenance"] == 0


def test_no_postcode_column_is_a_user_error(project, tmp_path):
    from phdesk.core.errors import UserError

    f = write(tmp_path / "x.csv", ["code,easting,northing", "A,1,2"])
    with pytest.raises(UserError, match="no postcode column"):
        run_import(project, f, kind="postcodes")


def test_fast_postcode_check_matches_the_regex():
    import pandas as pd

    from phdesk.core.imports import fastparse

    rng = np.random.default_rng(7)
    alphabet = np.array(list("AB019 Z"))
    made = ["".join(rng.choice(alphabet, rng.integers(0, 10))) for _ in range(20_000)]
    real = ["N1 0AA", "EC1A 1BB", "W1A 0AX", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT",
            "n1  0aa", "GIR 0AA", "N1 0A", "1N 0AA", "N1AA 0AA", "AA9A9A", None, ""]
    values = np.array(made + real, dtype=object)
    norm, valid = fastparse.postcodes(values)
    slow = geo.normalise_postcode(pd.Series(values, dtype="string"))
    assert np.array_equal(valid, geo.valid_postcode(slow).to_numpy())
    assert valid[len(made):].tolist() == [True] * 8 + [False] * 7
    assert norm[len(made) + 7] == "N10AA"


def test_fast_numbers_fall_back_for_thousands_separators():
    from phdesk.core.imports import fastparse

    nums, bad = fastparse.numbers(np.array(["1", "2,500", " 3 ", "x", None, "4.5"], dtype=object))
    assert nums[:3].tolist() == [1.0, 2500.0, 3.0] and nums[5] == 4.5
    assert np.isnan(nums[4]) and bad.tolist() == [False, False, False, True, False, False]
