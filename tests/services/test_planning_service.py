"""The planning service: results kept per scenario and parameters, reach filled, the demo."""

from __future__ import annotations

import pandas as pd
import pytest

from phdesk.core.mapping import MappingParams
from phdesk.services.project_service import ProjectService
from phdesk.store import planning as pl

A, B = "A: GP branch on Mill Road", "B: GP branch at the station"


@pytest.fixture
def svc(demo_path):
    s = ProjectService.open(demo_path)
    yield s
    s.close()


def test_demo_holds_scenarios_notes_of_each_kind_and_decided_ideas(svc):
    plan = svc.planning
    assert set(plan.scenarios()["name"]) == {A, B}
    notes = plan.notes()
    assert set(notes["source_kind"]) == set(pl.SOURCE_KINDS)
    assert len(notes) >= 8
    assert notes["area_code"].notna().any() and notes["asset_id"].notna().any()
    assert notes["scenario"].notna().any() and notes["idea_id"].notna().any()
    assert "Residents say the nearest GP is two bus rides away" in " ".join(notes["text"])
    ideas = plan.ideas()
    assert set(ideas["decision"].dropna()) == {"agreed", "parked", "rejected"}
    ranked = plan.ranked_ideas()
    assert ranked["rank"].notna().all() and ranked["total"].is_monotonic_decreasing
    reach = plan.scores().query("criterion == 'reach' and source == 'scenario'")
    assert len(reach) == 2 and (reach["value"] > 0).all()


def _register(svc) -> list:
    return [svc.project.query(f"SELECT * FROM {t} ORDER BY 1").to_csv()
            for t in ("assets", "category_settings", "mapping_runs")]


def test_results_are_kept_per_scenario_and_parameters(svc):
    plan = svc.planning
    params = MappingParams(sii_repetitions=1000)
    register = _register(svc)
    base = plan.result(None, params)
    a = plan.result(A, params)
    plan.compare(B, A, params)
    assert _register(svc) == register   # nothing written by what-if work
    assert plan.result(None, MappingParams(sii_repetitions=1000)) is base   # same key: cached
    assert plan.result(A, params) is a
    assert len(a.assets) == len(base.assets) + 1
    wider = plan.result(A, MappingParams(sii_repetitions=1000, default_radius_m=1500,
                                         radius_override=True))
    assert wider is not a
    # changing the scenario or the register makes a new result
    plan.add_change(A, {"action": "close", "asset": int(base.assets["asset_id"].iloc[0])})
    a2 = plan.result(A, params)
    assert a2 is not a and len(a2.assets) == len(base.assets)
    removed = plan.remove_change(A, 1)
    assert removed["action"] == "close" and len(plan.scenario_changes(A)) == 1
    svc.update_asset(int(base.assets["asset_id"].iloc[0]), {"capacity": 50.0})
    assert plan.result(None, params) is not base


def test_compare_and_fill_reach(svc):
    plan = svc.planning
    params = MappingParams(categories=["GP practice"], sii_repetitions=1000)
    cmp = plan.compare(B, A, params)
    assert cmp.base == A and cmp.other == B
    assert set(cmp.assets["status"]) == {"added", "closed"}   # A's site gone, B's added
    iid = int(plan.ideas().set_index("title").loc["GP branch surgery on Mill Road", "id"])
    plan.set_score(iid, "reach", None)
    score = plan.fill_reach(iid, params)
    assert 0 < score <= 5
    got = plan.scores().query("idea_id == @iid and criterion == 'reach'")
    assert got["value"].tolist() == [score] and got["source"].tolist() == ["scenario"]
    no_scenario = plan.add_idea(title="Leaflets")
    assert plan.fill_reach(no_scenario, params) is None
    assert pd.isna(plan.ideas().set_index("id").loc[no_scenario, "scenario"])


def test_notes_filters_and_the_you_said_we_did_record(svc):
    plan = svc.planning
    east = plan.notes(neighbourhood="Eastfield")
    assert len(east) >= 5 and set(east["neighbourhood"]) == {"Eastfield"}
    transport = plan.notes(tag="Transport")
    assert len(transport) >= 2
    assert all("transport" in t.split(", ") for t in transport["tags"])
    assert set(plan.notes(source_kind="VCSE")["source_kind"]) == {"VCSE"}
    assert len(plan.notes(text="mill road")) >= 2
    record = plan.decisions()
    assert set(record["decision"]) == {"agreed", "parked", "rejected"}
    mill = record.set_index("title").loc["GP branch surgery on Mill Road"]
    assert mill["notes"] == 1 and mill["you_said"].startswith("council: The Mill Road unit")
    assert mill["decided_at"] == "2026-11-20" and "Core20" in mill["decision_reason"]


def test_changes_typed_in_the_window_are_checked(svc):
    from phdesk.core.errors import UserError

    plan = svc.planning
    with svc.project.transaction() as db:
        db["postcodes"].insert({"postcode": "KB12AA", "easting": 535620.0, "northing": 180480.0})
    e, n = plan.locate_postcode("kb1 2aa")
    assert (e, n) == (535620.0, 180480.0)
    for bad, message in [("KB9 9ZZ", "not found"), ("nonsense", "malformed postcode")]:
        with pytest.raises(UserError, match=message):
            plan.locate_postcode(bad)
    plan.add_change("C", {"action": "add", "name": "Clicked site", "category": "GP practice",
                          "easting": e, "northing": n})
    assert plan.scenario_changes("C")["name"].tolist() == ["Clicked site"]
    for change, message in [
        ({"action": "add", "name": "X", "category": "GP practice"}, "easting required"),
        ({"action": "add", "category": "GP practice", "easting": 1, "northing": 2},
         "needs a name and a category"),
        ({"action": "close", "asset": 99999}, "no asset with this id"),
        ({"action": "capacity", "asset": 1, "capacity": "many"}, "not a number"),
        ({"action": "radius", "category": "GP practice", "radius_m": -5}, "positive number"),
        ({"action": "demolish"}, "unknown action"),
    ]:
        with pytest.raises(UserError, match=message):
            plan.add_change("C", change)
    assert len(plan.scenario_changes("C")) == 1
    with pytest.raises(UserError, match="has 1 changes; no change 3"):
        plan.remove_change("C", 3)
    assert plan.remove_change("C", -1)["name"] == "Clicked site"
    assert plan.scenario_changes("C").empty


def test_live_what_if_equals_a_full_computation(svc, tmp_path, monkeypatch):
    """The service answers scenarios with MappingEngine.whatif (radius changes: in full); every
    table equals compute_mapping on the changed inputs, byte for byte as CSV."""
    from phdesk.core.mapping import compute_mapping, load_inputs, write_outputs
    from phdesk.core.scenarios import with_changes

    plan = svc.planning
    ids = svc.assets().sort_values("id")["id"].tolist()
    plan.add_change("Mixed", {"action": "close", "asset": ids[0]})
    plan.add_change("Mixed", {"action": "move", "asset": ids[5], "easting": 534000.0,
                              "northing": 181000.0})
    plan.add_change("Mixed", {"action": "capacity", "asset": ids[9], "capacity": 30})
    plan.add_change("Mixed", {"action": "add", "name": "Hub", "category": "Family hub",
                              "easting": 533500.0, "northing": 180200.0})
    plan.add_change("Radius", {"action": "radius", "category": "Pharmacy", "radius_m": 600})
    # moves only (one site twice: the last wins) take the engine's move path, no register copy
    plan.add_change("Moves", {"action": "move", "asset": ids[3], "easting": 533000.0,
                              "northing": 180500.0})
    plan.add_change("Moves", {"action": "move", "asset": ids[7], "easting": 534500.0,
                              "northing": 181500.0})
    plan.add_change("Moves", {"action": "move", "asset": ids[3], "easting": 533100.25,
                              "northing": 180400.5})
    params = MappingParams(sii_repetitions=1000)
    inputs = load_inputs(svc.project)
    plan.result(None, params)   # the baseline first, as the window does: its kernels are reused
    import phdesk.core.scenarios as scenarios

    applied = []
    real_apply = scenarios.apply_changes
    monkeypatch.setattr(scenarios, "apply_changes",
                        lambda *a, **k: applied.append(1) or real_apply(*a, **k))
    for name in (A, B, "Mixed", "Radius", "Moves"):
        applied.clear()
        live = plan.result(name, params)
        assert bool(applied) == (name != "Moves"), name
        full = compute_mapping(with_changes(inputs, plan.scenario_changes(name)),
                               MappingParams(sii_repetitions=1000))
        got = write_outputs(live, tmp_path / f"live-{name[:1]}")
        want = write_outputs(full, tmp_path / f"full-{name[:1]}")
        assert [p.read_bytes() for p in got] == [p.read_bytes() for p in want], name
