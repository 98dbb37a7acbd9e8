"""What serves whom: default segments per category, synonyms, saved settings."""

from __future__ import annotations

import pandas as pd
import pytest

from phdesk.core.categories import (
    category_table,
    default_serves,
    delete_category_settings,
    normalise_category,
    save_category_settings,
)
from phdesk.core.errors import UserError
from phdesk.store import queries

SEGMENTS = ["All", "Core20", "Age 0-4", "Age 5-15", "Age 0-15", "Age 16+", "Age 65+",
            "Long-term condition", "Frailty"]


def test_normalise_category():
    assert normalise_category("Children’s Centre") == "childrens centre"
    assert normalise_category("  GP-Practice ") == "gp practice"


@pytest.mark.parametrize("name", ["Family hub", "Children's centre", "CHILDRENS CENTRES",
                                  "Sure Start centre"])
def test_children_services_serve_the_youngest_band(name):
    assert default_serves(name, SEGMENTS) == ["All", "Age 0-4"]


def test_children_fall_back_to_the_nearest_band_the_data_has():
    assert default_serves("Family hub", ["All", "Age 0-15", "Age 16+"]) == ["All", "Age 0-15"]
    assert default_serves("Family hub", ["All"]) == ["All"]


def test_social_prescribing_uses_ltc_segments_else_adults():
    assert default_serves("Social prescribing", SEGMENTS) == ["All", "Long-term condition"]
    assert default_serves("Social Prescribing Link Workers",
                          ["All", "Age 16+", "Age 65+"]) == ["All", "Age 16+"]


def test_other_defaults():
    assert default_serves("Older people's service", SEGMENTS) == ["All", "Age 65+", "Frailty"]
    assert default_serves("Food bank", SEGMENTS) == ["All", "Core20"]
    assert "Age 65+" in default_serves("Pharmacy", SEGMENTS)
    assert "Age 65+" in default_serves("GP practice", SEGMENTS)
    assert default_serves("Bandstand", SEGMENTS) == ["All"]


def test_category_table_prefers_saved_settings():
    saved = pd.DataFrame({"category": ["Library"], "radius_m": [1600.0],
                          "serves": [["Age 5-15"]]})
    t = category_table(["Library", "Pharmacy"], saved, SEGMENTS, 900.0).set_index("category")
    assert t.loc["Library", "radius_m"] == 1600 and t.loc["Library", "source"] == "saved"
    assert t.loc["Library", "serves"] == ["All", "Age 5-15"]   # All is always served
    assert t.loc["Pharmacy", "radius_m"] == 900 and t.loc["Pharmacy", "source"] == "default"


def test_save_and_delete_category_settings(project):
    save_category_settings(project, pd.DataFrame({
        "category": ["Library", "Pharmacy"], "radius_m": [1500, 800.0],
        "serves": [["All", "Age 65+"], ["All"]]}))
    got = queries.category_settings(project).set_index("category")
    assert got.loc["Library", "serves"] == ["All", "Age 65+"]
    assert got.loc["Pharmacy", "radius_m"] == 800
    delete_category_settings(project, "Library")
    assert list(queries.category_settings(project)["category"]) == ["Pharmacy"]


@pytest.mark.parametrize("radius,serves,match", [(-5, ["All"], "positive"),
                                                 ("far", ["All"], "not a number"),
                                                 (500, "All", "serves")])
def test_bad_settings_are_refused_and_nothing_saved(project, radius, serves, match):
    with pytest.raises(UserError, match=match):
        save_category_settings(project, pd.DataFrame({
            "category": ["Good", "Bad"], "radius_m": [500, radius],
            "serves": [["All"], serves]}))
    assert queries.category_settings(project).empty


@pytest.mark.parametrize("name,universal", [
    ("GP practice", True), ("Pharmacy", True), ("Library", True), ("Leisure centre", True),
    ("Family hub", False), ("Children's Centre", False), ("Older people's day centre", False),
    ("Something new", True)])
def test_universal_or_targeted_by_default(name, universal):
    from phdesk.core.categories import default_universal

    assert default_universal(name) is universal
    table = category_table([name], None, ["All", "Age 0-4", "Age 65+"])
    assert bool(table["universal"].iloc[0]) is universal


def test_saved_universal_flag_wins_over_the_default():
    saved = pd.DataFrame({"category": ["Pharmacy"], "radius_m": [800.0],
                          "serves": [["All", "Age 65+"]], "universal": [False]})
    table = category_table(["Pharmacy"], saved, ["All", "Age 65+"])
    assert not table["universal"].iloc[0] and table["radius_m"].iloc[0] == 800
