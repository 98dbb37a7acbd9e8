"""Patient-level data is never taken for an asset register and never echoed (issue 12, item 1)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from phdesk.core.errors import UserError
from phdesk.core.imports import detect, patient_level, run_import
from phdesk.core.imports.persons import person_role
from phdesk.store.project import Project
from tests.hostile.helpers import (
    SURNAMES,
    assert_refused,
    digest,
    patient_extract,
    patient_list,
    run_cli,
)


@pytest.mark.parametrize("header", ["NHS No", "NHSNumber", "nhs_number", "pseudo_nhs_id",
                                    "NHS_NUMBER", "Pseudonymised NHS Number", "patient_id"])
def test_patient_list_is_never_an_asset_register(tmp_path, capsys, header):
    proj = tmp_path / "p.phdesk"
    Project.create(proj).close()
    before = digest(proj)
    f = tmp_path / "list.csv"
    df = patient_list(200, header)
    df.to_csv(f, index=False)
    with pytest.raises(UserError, match="patient-level data"):
        detect(f)
    status, out, err = run_cli(["import", proj, f], capsys)
    assert_refused(status, err, "patient-level", header)
    assert digest(proj) == before
    for value in [*SURNAMES, *df[header].head(20), "SE13"]:
        assert value not in out + err
    # naming the kind does not get round it
    status, out, err = run_cli(["import", proj, f, "--kind", "assets"], capsys)
    assert_refused(status, err, "cannot be imported as assets")
    assert digest(proj) == before


@pytest.mark.parametrize("header", ["NHS No", "NHSNumber", "pseudo_nhs_id"])
def test_extract_with_bad_rows_is_reported_as_patient_level_without_values(tmp_path, capsys,
                                                                           header):
    proj = tmp_path / "p.phdesk"
    Project.create(proj).close()
    before = digest(proj)
    f = tmp_path / "extract.csv"
    df = patient_extract(500, header, bad_share=0.2)
    df.to_csv(f, index=False)
    kind, reason = detect(f)
    assert kind == "segments" and "patient-level" in reason
    status, out, err = run_cli(["import", proj, f, "--json"], capsys)
    assert status == 2 and "Traceback" not in err
    assert "rows rejected" in err and "malformed area code" in out
    bad = df.loc[~df["lsoa_code"].str.startswith("E01"), "lsoa_code"]
    assert len(bad) > 50
    for value in [*bad.unique(), *df[header].head(50), "SE1"]:
        assert value not in out and value not in err
    assert digest(proj) == before


@pytest.mark.parametrize("name,role", [("NHS No", "NHS number"), ("DOB", "date of birth"),
                                       ("Surname", "name"), ("pseudo_id", "pseudonymised id")])
def test_person_roles(name, role):
    assert person_role(name) == role


@pytest.mark.parametrize("name", ["Name", "Organisation name", "NHS Trust", "ODS code", "id",
                                  "Patients", "list size", "NHS England region code"])
def test_place_columns_are_not_person_columns(name):
    assert person_role(name) is None


def test_more_than_1024_age_band_labels_are_counted_right(project, tmp_path, monkeypatch):
    """The packed (area, band, sex) key once had 10 bits for bands: label 1,024 became another
    area's label 0, silently."""
    monkeypatch.setattr(patient_level, "CHUNK", 700)
    rng = np.random.default_rng(5)
    n = 3000
    labels = [f"{a}-{b}" for a in range(2) for b in range(1000)][:1500]
    df = pd.DataFrame({
        "patient_id": [f"P{i:07d}" for i in range(n)],
        "lsoa_code": rng.choice(["E01000001", "E01000002", "E01000003"], n),
        "age_band": rng.choice(labels, n), "sex": rng.choice(["M", "F"], n),
        "segment": rng.choice(["Frailty", "Healthy"], n),
    })
    f = tmp_path / "bands.csv"
    df.to_csv(f, index=False)
    rep = run_import(project, f)
    assert rep.rows_accepted == n
    got = project.query("SELECT area_code, age_band, sex, group_name, count FROM population")
    want = (df.assign(sex=df["sex"].map({"M": "male", "F": "female"}))
            .groupby(["lsoa_code", "age_band", "sex", "segment"]).size()
            .rename("count").reset_index())
    want.columns = ["area_code", "age_band", "sex", "group_name", "count"]
    assert df["age_band"].nunique() > 1024
    merged = got.merge(want, on=["area_code", "age_band", "sex", "group_name"], how="outer",
                       suffixes=("_got", "_want"), indicator=True)
    assert (merged["_merge"] == "both").all()
    assert (merged["count_got"] == merged["count_want"]).all()


def test_key_budget_is_checked():
    with pytest.raises(UserError, match="too many distinct values"):
        patient_level._check_budget(2**40, 2**30)


# -- every byte written ---------------------------------------------------------------------------
def _identifiers(df: pd.DataFrame, id_col: str) -> list[bytes]:
    bad = df.loc[~df["lsoa_code"].str.startswith("E01"), "lsoa_code"]
    values = [*df[id_col].astype(str), *bad.astype(str)]
    return sorted({v.encode() for v in values})


def _strace_writes(log: Path) -> bytes:
    """The bytes of every write(2)-family call in an strace log written with -xx."""
    import codecs
    import re

    out = bytearray()
    pattern = re.compile(r'(?:write|pwrite64|writev|pwritev2?)\(\d+, (?:\[\{iov_base=)?"((?:[^"\\]'
                         r'|\\.)*)"')
    for line in log.read_text(errors="replace").splitlines():
        for m in pattern.finditer(line):
            out += codecs.escape_decode(m.group(1).encode())[0]
    return bytes(out)


def _files_bytes(*folders: Path) -> bytes:
    out = bytearray()
    for folder in folders:
        for p in folder.rglob("*"):
            if p.is_file() and not p.name.endswith(".csv"):  # the inputs themselves
                out += p.read_bytes()
    return bytes(out)


@pytest.mark.parametrize("header", ["NHS No", "pseudo_nhs_id"])
def test_no_identifier_in_any_byte_written(tmp_path, header):
    """Import a patient-level extract (rejected rows, then accepted partially, as JSON) and a
    patient list, and search every byte phdesk wrote — the project, its journal, logs, temp
    files, stdout and stderr — for the NHS numbers and the identifying values of bad rows.
    With strace the search covers every write(2) the process made (deleted journal and temp
    files included); without it, every file left behind."""
    import os
    import shutil
    import subprocess
    import sys

    work = tmp_path / "work"
    home, tmp = tmp_path / "home", tmp_path / "tmp"
    for d in (work, home, tmp):
        d.mkdir()
    df = patient_extract(800, header, bad_share=0.2, seed=9)
    extract = work / "extract.csv"
    df.to_csv(extract, index=False)
    plist = patient_list(100, header)
    listing = work / "list.csv"
    plist.to_csv(listing, index=False)
    proj = work / "p.phdesk"
    Project.create(proj).close()
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root), "PHDESK_HOME": str(home), "TMPDIR": str(tmp)}
    strace = shutil.which("strace")
    written = bytearray()
    runs = [["import", proj, extract], ["import", proj, extract, "--json"],
            ["import", proj, extract, "--accept-partial"], ["import", proj, listing],
            ["import", proj, listing, "--kind", "assets"],
            ["map", proj, "--out", work / "out"]]
    for i, argv in enumerate(runs):
        cmd = [sys.executable, "-m", "phdesk", *map(str, argv)]
        log = tmp_path / f"strace{i}.log"
        if strace:
            cmd = [strace, "-f", "-qq", "-e", "trace=write,pwrite64,writev,pwritev,pwritev2",
                   "-s", "10000000", "-xx", "-o", str(log), *cmd]
        res = subprocess.run(cmd, env=env, capture_output=True, timeout=300)
        written += res.stdout + res.stderr
        if strace:
            written += _strace_writes(log)
    written += _files_bytes(work, home, tmp)
    with Project(proj) as p:
        assert p.counts()["population"] > 0  # the good rows were imported
    assert b"malformed area code" in written  # the rejection report was written…
    if strace:  # the project's pages and journal went through the captured writes
        assert b"SQLite format 3" in _strace_writes(tmp_path / "strace2.log")
    leaks = [v for v in _identifiers(df, header) + _identifiers(plist.assign(
        lsoa_code="E01000001"), header) if v in written]
    for name in SURNAMES:
        if name.encode() in written:
            leaks.append(name.encode())
    assert not leaks, leaks[:5]  # …and no identifier anywhere
