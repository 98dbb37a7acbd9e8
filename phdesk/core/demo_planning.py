"""The demo's planning content: two scenarios, insight notes of every kind, ranked change ideas.

Enough to rehearse a workshop on Kingsbridge's biggest gap (GP practices in Eastfield, the
deprived east): scenario A puts a GP branch on Mill Road, scenario B at the station; notes from
residents, VCSE partners, clinicians, the council and others pinned to neighbourhoods, an area,
an asset and points; ideas scored (reach filled from their scenario) with decisions. Written
inside the demo's transaction through ``phdesk.store.planning``, like any user's records.
"""

from __future__ import annotations

import pandas as pd

from phdesk.store import planning

# (name, description, [(name, category, easting, northing, capacity)]) - EPSG:27700 metres
SCENARIOS = [
    ("A: GP branch on Mill Road",
     "A branch surgery in the Mill Road unit, in the middle of Eastfield's GP gap",
     [("Mill Road Health Centre", "GP practice", 535620.0, 180480.0, 8.0)]),
    ("B: GP branch at the station",
     "The same branch at the station site, south-west of the estate",
     [("Eastfield Station Surgery", "GP practice", 535300.0, 179500.0, 8.0)]),
]
# (source kind, author, tags, text, pin); pin: ("area", code) | ("asset", category) |
# ("point", easting, northing) | ("neighbourhood",) ; all in Eastfield unless named
EXTRA_NOTES = [
    ("clinician", "Practice nurse", "language",
     "Many patients need an interpreter; appointments overrun and the list is closed to new "
     "patients.", ("asset", "GP practice")),
    ("resident", "Estate residents' meeting", "digital exclusion",
     "Booking is online only; older residents on the estate have no internet at home.",
     ("area", "E01990066")),
    ("VCSE", "Eastfield Community Trust", "transport, cost",
     "Mill Road is walkable for most of the estate; the station needs a bus fare many cannot "
     "afford.", ("point", 535620.0, 180480.0)),
    ("other", "Bus operator", "transport",
     "Route 12 runs hourly after 7pm and not at all on Sundays.", ("point", 535900.0, 179800.0)),
]
# (title, description, scenario index or None, scores, decision, reason, date)
IDEAS = [
    ("GP branch surgery on Mill Road", "Open a branch of an existing practice in the Mill Road "
     "unit (scenario A).", 0, {"inequality": 5, "feasibility": 3, "cost": 4, "evidence": 4},
     "agreed", "Closes the biggest GP gap and reaches the most Core20 residents of the options",
     "2026-11-20"),
    ("GP branch at the station", "The same branch at the station site (scenario B).", 1,
     {"inequality": 3, "feasibility": 4, "cost": 3, "evidence": 3},
     "parked", "The fallback if the Mill Road lease falls through", "2026-11-20"),
    ("Evening bus link to Riverside Medical Centre", "Ask the operator to run route 12 "
     "half-hourly until 10pm.", None,
     {"reach": 2, "inequality": 3, "feasibility": 1, "cost": 4, "evidence": 2},
     "rejected", "The operator cannot change route 12 before next year's tender", "2026-11-20"),
    ("Interpreters and translated leaflets", "Telephone interpreting and leaflets in the "
     "five most spoken community languages at Eastfield practices.", None,
     {"reach": 3, "inequality": 4, "feasibility": 5, "cost": 1, "evidence": 4}, None, "", None),
]
NOTE_KINDS = {   # the demo's first four notes: who they came from and their tags
    "Eastfield": ("resident", "transport"), "Riverside": ("VCSE", "cost"),
    "Northgate": ("council", ""), "Millbrook": ("council", ""),
}


def add_planning(project, areas: pd.DataFrame, assets: pd.DataFrame) -> dict[str, int]:
    """Write the scenarios, notes and ideas (inside the caller's transaction). ``areas``: the
    demo's areas (code, pw_centroid_e/n); ``assets``: the register as written (with ids)."""
    for name, desc, sites in SCENARIOS:
        changes = pd.DataFrame([{"action": "add", "name": n, "category": c, "easting": e,
                                 "northing": nn, "capacity": cap} for n, c, e, nn, cap in sites],
                               columns=planning.CHANGE_COLUMNS)
        planning.save_scenario(project, name, changes, desc)
    for nb, (kind, tags) in NOTE_KINDS.items():
        planning.set_kind_of_neighbourhood_notes(project, nb, kind, tags)
    for kind, author, tags, text, pin in EXTRA_NOTES:
        planning.add_note(project, source_kind=kind, author=author, tags=tags, text=text,
                          neighbourhood="Eastfield", **_pin(pin, areas, assets))
    ids = [_idea(project, *idea) for idea in IDEAS]
    planning.add_note(project, source_kind="council", author="Estates team", tags="cost",
                      text="The Mill Road unit is available from the spring; rent as for the "
                           "library next door.", neighbourhood="Eastfield",
                      scenario=SCENARIOS[0][0], idea_id=ids[0], easting=535620.0,
                      northing=180480.0)
    _fill_reach(project, ids)
    return {"scenarios": len(SCENARIOS), "ideas": len(IDEAS),
            "notes": len(NOTE_KINDS) + len(EXTRA_NOTES) + 1}


def _pin(pin: tuple, areas: pd.DataFrame, assets: pd.DataFrame) -> dict:
    if pin[0] == "area":
        row = areas.set_index("code").loc[pin[1]]
        return {"area_code": pin[1], "easting": float(row["pw_centroid_e"]),
                "northing": float(row["pw_centroid_n"])}
    if pin[0] == "asset":   # the largest practice in Eastfield
        mine = assets[(assets["category"] == pin[1]) & assets["name"].str.startswith("Eastfield")]
        row = mine.sort_values(["capacity", "id"], ascending=[False, True]).iloc[0]
        return {"asset_id": int(row["id"]), "easting": float(row["easting"]),
                "northing": float(row["northing"])}
    if pin[0] == "point":
        return {"easting": pin[1], "northing": pin[2]}
    return {}


def _idea(project, title, description, scenario, scores, decision, reason, date) -> int:
    iid = planning.add_idea(project, title=title, description=description,
                            neighbourhood="Eastfield",
                            scenario=None if scenario is None else SCENARIOS[scenario][0])
    for key, value in scores.items():
        planning.set_score(project, iid, key, value)
    if decision:
        planning.set_decision(project, iid, decision, reason, date)
    return iid


def _fill_reach(project, ids: list[int]) -> None:
    """Reach of the ideas with a scenario, from the mapping (GP practices only: all that
    changes; few SII draws: reach does not depend on them)."""
    from phdesk.core.compare import compare
    from phdesk.core.mapping import MappingParams, compute_mapping, load_inputs
    from phdesk.core.scenarios import core20_reach_score, with_changes

    params = MappingParams(categories=["GP practice"], sii_repetitions=1000)
    inputs = load_inputs(project)
    base = compute_mapping(inputs, params)
    for iid, (_, _, scenario, *_rest) in zip(ids, IDEAS, strict=True):
        if scenario is None:
            continue
        name = SCENARIOS[scenario][0]
        other = compute_mapping(with_changes(inputs, planning.scenario_changes(project, name)),
                                params)
        cmp = compare(base, other, "baseline", name, segments=inputs.segments)
        planning.set_score(project, iid, "reach", core20_reach_score(inputs, cmp, "Eastfield"),
                           source="scenario")
