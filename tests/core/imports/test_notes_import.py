"""Insight notes imported from a CSV of survey or workshop comments (kind ``notes``)."""

from __future__ import annotations

import pandas as pd

from phdesk.cli import main
from phdesk.core.imports import detect
from phdesk.store import planning as pl
from phdesk.store.project import Project

COMMENTS = (
    "Date,Respondent type,Comment,Postcode,LSOA code,Neighbourhood,Themes\n"
    '03/11/2026,Resident,"The bus to the surgery only runs hourly",,E01990066,,transport\n'
    '04/11/2026,Voluntary sector,Leaflets only in English,,,eastfield,"language; Digital '
    'exclusion"\n'
    "05/11/2026,GP,Patients can't afford the bus fare,KB1 2AA,,,cost\n"
    "06/11/2026,Council officer,Library wifi is the only internet for many,,,,\n"
)
BAD = (
    "Date,Respondent type,Comment,Postcode,LSOA code,Neighbourhood\n"
    "07/11/2026,Resident,Unknown area,,E01999999,\n"
    "not a date,Resident,Hm,,,\n"
    "08/11/2026,Resident,,,,\n"
    "09/11/2026,Resident,No such place,,,Atlantis\n"
    "10/11/2026,Resident,Postcode missing,ZZ9 9ZZ,,\n"
    "11/11/2026,Resident,Bad postcode,NOT A PC,,\n"
)


def _with_postcode(path):
    with Project(path) as p, p.transaction() as db:
        db["postcodes"].insert({"postcode": "KB12AA", "easting": 533650.0,
                                "northing": 177500.0, "lsoa_code": "E01990120"})
        return p.query("SELECT n.name FROM area_neighbourhood an JOIN neighbourhoods n "
                       "ON n.id = an.neighbourhood_id WHERE an.area_code = 'E01990120'")[
            "name"].iloc[0]


def test_comments_are_pinned_by_postcode_area_or_neighbourhood(demo_path, tmp_path, capsys):
    hood = _with_postcode(demo_path)
    path = tmp_path / "comments.csv"
    path.write_text(COMMENTS, encoding="utf-8")
    assert detect(path)[0] == "notes"
    with Project(demo_path) as p:
        before = set(pl.notes(p)["id"])
    assert main(["import", str(demo_path), str(path)]) == 0
    out = capsys.readouterr().out
    assert "accepted 4, rejected 0" in out and "1 comments have no place" in out
    with Project(demo_path) as p:
        notes = pl.notes(p)
        prov = p.provenance()
    new = notes[~notes["id"].isin(before)].set_index("text")
    bus = new.loc["The bus to the surgery only runs hourly"]
    assert (bus["source_kind"], bus["area_code"], bus["neighbourhood"], bus["created_at"],
            bus["tags"]) == ("resident", "E01990066", "Eastfield", "2026-11-03", "transport")
    assert pd.notna(bus["easting"])
    leaflets = new.loc["Leaflets only in English"]
    assert (leaflets["source_kind"], leaflets["neighbourhood"], leaflets["tags"]) == \
        ("VCSE", "Eastfield", "language, digital exclusion")
    fare = new.loc["Patients can't afford the bus fare"]
    assert (fare["source_kind"], fare["area_code"], fare["neighbourhood"],
            fare["easting"], fare["northing"]) == \
        ("clinician", "E01990120", hood, 533650.0, 177500.0)
    wifi = new.loc["Library wifi is the only internet for many"]
    assert wifi["source_kind"] == "council" and pd.isna(wifi["neighbourhood"])
    assert prov["kind"].iloc[-1] == "notes" and prov["rows_accepted"].iloc[-1] == 4


def test_bad_comments_are_reported_and_nothing_imported(demo_path, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(BAD, encoding="utf-8")
    before = demo_path.read_bytes()
    assert main(["import", str(demo_path), str(path), "--kind", "notes"]) == 2
    err = capsys.readouterr().err
    for line in ("row 2, column LSOA code 'E01999999': area code not among the project's areas",
                 "row 3, column Date 'not a date': not a date",
                 "row 4, column Comment: required value is empty",
                 "row 5, column Neighbourhood 'Atlantis': no neighbourhood of this name",
                 "row 6, column Postcode 'ZZ9 9ZZ': postcode not found",
                 "row 7, column Postcode 'NOT A PC': malformed postcode"):
        assert line in err, line
    assert demo_path.read_bytes() == before


def test_asset_registers_are_not_taken_for_comments(tmp_path):
    path = tmp_path / "assets.csv"
    path.write_text("name,category,postcode,notes\nA Surgery,GP practice,KB1 2AA,open late\n",
                    encoding="utf-8")
    assert detect(path)[0] == "assets"


def test_respondent_names_are_not_kept_unless_asked(demo_path, tmp_path):
    path = tmp_path / "named.csv"
    path.write_text("Name,Comment,Neighbourhood\nJo Example,Buses are bad,Eastfield\n",
                    encoding="utf-8")
    assert main(["import", str(demo_path), str(path)]) == 0
    with Project(demo_path) as p:
        row = pl.notes(p).set_index("text").loc["Buses are bad"]
        assert pd.isna(row["author"]) and row["neighbourhood"] == "Eastfield"
    assert main(["import", str(demo_path), str(path), "--option", "author=Name"]) == 0
    with Project(demo_path) as p:
        assert "Jo Example" in set(pl.notes(p)["author"])
