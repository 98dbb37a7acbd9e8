"""The planning records: scenarios, notes, ideas, criteria, scores and decisions in the file."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from phdesk.core.errors import UserError
from phdesk.core.ideas import rank_ideas, reach_score
from phdesk.store import planning as pl
from phdesk.store.project import Project

V1 = Path(__file__).parents[1] / "data" / "project_v1.phdesk"


@pytest.fixture
def proj(project):
    with project.transaction() as db:
        db["neighbourhoods"].insert_all([{"name": "Eastfield"}, {"name": "Westcombe"}])
    return project


def _changes(rows):
    return pd.DataFrame(rows, columns=pl.CHANGE_COLUMNS)


def test_save_replace_list_delete_restore_scenario(proj):
    ch = _changes([["add", None, "New GP", "GP practice", 530000.0, 180000.0, 2.0, None],
                   ["close", 7, None, None, None, None, None, None]])
    sid = pl.save_scenario(proj, "A", ch, "two changes")
    got = pl.scenario_changes(proj, "A")
    assert got["action"].tolist() == ["add", "close"]
    assert got["asset"].iloc[1] == 7 and pd.isna(got["asset"].iloc[0])
    assert got["easting"].iloc[0] == 530000.0
    listed = pl.scenarios(proj)
    assert listed[["name", "description", "n_changes"]].values.tolist() == [["A", "two changes", 2]]
    # replacing keeps the id (so notes and ideas stay linked)
    note = pl.add_note(proj, text="about A", scenario="A")
    assert pl.save_scenario(proj, "A", ch.iloc[:1]) == sid
    assert pl.scenarios(proj)["n_changes"].tolist() == [1]
    row = pl.delete_scenario(proj, "A")
    assert pl.scenarios(proj).empty
    assert pd.isna(pl.notes(proj).set_index("id").loc[note, "scenario"])
    pl.restore_scenario(proj, row)
    assert pl.scenario_changes(proj, "A")["action"].tolist() == ["add"]
    assert pl.notes(proj).set_index("id").loc[note, "scenario"] == "A"


def test_scenario_errors(proj):
    with pytest.raises(UserError, match="no scenario called 'B'"):
        pl.scenario_changes(proj, "B")
    with pytest.raises(UserError, match="needs a name"):
        pl.save_scenario(proj, "  ", _changes([]))
    with pytest.raises(UserError, match="unknown scenario action demolish"):
        pl.save_scenario(proj, "X", _changes([["demolish", 1] + [None] * 6]))
    assert pl.scenarios(proj).empty


def test_notes_add_update_undo_delete_restore(proj):
    nid = pl.add_note(proj, text=" Two buses to the GP ", source_kind="vcse",
                      tags="Transport; cost, transport", neighbourhood="eastfield",
                      author="Youth forum", easting=531000, northing=181000)
    row = pl.notes(proj).set_index("id").loc[nid]
    assert row["text"] == "Two buses to the GP" and row["source_kind"] == "VCSE"
    assert row["tags"] == "transport, cost" and row["neighbourhood"] == "Eastfield"
    assert pl.split_tags(row["tags"]) == ["transport", "cost"]
    old = pl.update_note(proj, nid, text="Three buses", neighbourhood="Westcombe")
    assert old == {"text": "Two buses to the GP", "neighbourhood": "Eastfield"}
    after = pl.notes(proj).set_index("id").loc[nid]
    assert after["text"] == "Three buses" and after["updated_at"]
    pl.update_note(proj, nid, **old)   # undo
    assert pl.notes(proj).set_index("id").loc[nid, "neighbourhood"] == "Eastfield"
    stored = pl.delete_note(proj, nid)
    assert pl.notes(proj).empty
    assert pl.restore_note(proj, stored) == nid
    assert pl.notes(proj).set_index("id").loc[nid, "tags"] == "transport, cost"


@pytest.mark.parametrize("fields, message", [
    ({"text": ""}, "needs some text"),
    ({"text": "x", "source_kind": "GP"}, "not one of: resident, VCSE"),
    ({"text": "x", "neighbourhood": "Atlantis"}, "no neighbourhood called 'Atlantis'"),
    ({"text": "x", "scenario": "none"}, "no scenario called"),
    ({"text": "x", "colour": "red"}, "not a note field: colour"),
])
def test_bad_notes_change_nothing(proj, fields, message):
    with pytest.raises(UserError, match=message):
        pl.add_note(proj, **fields)
    assert pl.notes(proj).empty


def test_ideas_scores_decisions_and_ranking(proj):
    pl.save_scenario(proj, "GP east", _changes([]))
    a = pl.add_idea(proj, title="GP branch in Eastfield", neighbourhood="Eastfield",
                    scenario="GP east")
    b = pl.add_idea(proj, title="Pop-up advice", neighbourhood="Westcombe")
    c = pl.add_idea(proj, title="Not scored yet")
    for key, value in {"reach": 5, "inequality": 4, "feasibility": 2, "cost": 4,
                       "evidence": 3}.items():
        pl.set_score(proj, a, key, value)
    for key, value in {"reach": 2, "inequality": 2, "feasibility": 5, "cost": 1,
                       "evidence": 3}.items():
        pl.set_score(proj, b, key, value)
    crit = pl.criteria(proj)
    assert crit["key"].tolist() == ["reach", "inequality", "feasibility", "cost", "evidence"]
    ranked = rank_ideas(pl.ideas(proj), pl.scores(proj), crit)
    # equal weights: a = (5+4+2+(5-4)+3)/5 = 3.0; b = (2+2+5+(5-1)+3)/5 = 3.2
    assert ranked["id"].tolist() == [b, a, c]
    assert ranked["total"].tolist()[:2] == pytest.approx([3.2, 3.0])
    assert ranked["rank"].tolist()[:2] == [1, 2] and pd.isna(ranked["rank"].iloc[2])
    assert ranked.set_index("id").loc[a, "impact"] == pytest.approx(4.0)   # (5+4+3)/3
    assert ranked.set_index("id").loc[a, "effort"] == pytest.approx(3.5)   # 5-(2+1)/2
    # the group weights reach more: a comes first
    old = pl.set_criterion(proj, "reach", weight=4)
    assert old == {"weight": 1.0}
    ranked = rank_ideas(pl.ideas(proj), pl.scores(proj), pl.criteria(proj))
    assert ranked["id"].tolist()[:2] == [a, b]   # a: (20+4+2+1+3)/8=3.75; b: (8+14)/8=2.75
    assert ranked["total"].tolist()[:2] == pytest.approx([3.75, 2.75])
    # decision with reason and date; undo through update_idea
    before = pl.set_decision(proj, a, "Agreed", "fills the GP gap", "2026-11-30")
    row = pl.ideas(proj).set_index("id").loc[a]
    assert (row["decision"], row["decision_reason"], row["decided_at"]) == \
        ("agreed", "fills the GP gap", "2026-11-30")
    assert row["scenario"] == "GP east" and row["neighbourhood"] == "Eastfield"
    pl.update_idea(proj, a, **before)
    assert pd.isna(pl.ideas(proj).set_index("id").loc[a, "decision"])
    with pytest.raises(UserError, match="not one of: agreed, parked, rejected"):
        pl.set_decision(proj, a, "maybe", "")
    with pytest.raises(UserError, match="between 0 and 5"):
        pl.set_score(proj, a, "cost", 7)
    with pytest.raises(UserError, match="not a date"):
        pl.set_decision(proj, a, "parked", "later", "next week")
    # delete with scores and linked notes, restore all of it
    note = pl.add_note(proj, text="for the idea", idea_id=a)
    stored = pl.delete_idea(proj, a)
    assert a not in set(pl.scores(proj)["idea_id"])
    assert pd.isna(pl.notes(proj).set_index("id").loc[note, "idea_id"])
    pl.restore_idea(proj, stored)
    assert (pl.scores(proj)["idea_id"] == a).sum() == 5
    assert pl.notes(proj).set_index("id").loc[note, "idea_id"] == a


def test_reach_score():
    assert reach_score(0, 1000) == 0.0
    assert reach_score(100, 1000) == 2.5     # 10% of 20%
    assert reach_score(900, 1000) == 5.0
    assert reach_score(10, 0) == 0.0


def test_v1_file_migrates_with_planning_tables(tmp_path):
    path = tmp_path / "old.phdesk"
    shutil.copy(V1, path)
    con = sqlite3.connect(path)   # a v1 note, as v1 wrote it
    with con:
        con.execute("INSERT INTO notes (created_at, author, text, easting, northing) "
                    "VALUES ('2025-01-02T00:00:00+00:00', 'me', 'old note', 530000, 180000)")
    con.close()
    with Project(path) as p:
        assert p.schema_version == 2
        assert len(pl.criteria(p)) == 5
        old_notes = pl.notes(p)
        assert old_notes[["text", "author", "source_kind", "tags", "easting"]].values.tolist() \
            == [["old note", "me", "other", "", 530000.0]]
        sid = pl.save_scenario(p, "S", _changes([]))
        nid = pl.add_note(p, text="new", scenario="S", tags=["language"])
        assert pl.notes(p).set_index("id").loc[nid, "scenario"] == "S" and sid
    assert (tmp_path / "old.v1-backup.phdesk").exists()
