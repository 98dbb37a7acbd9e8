"""The map's catchment circles use the radius the run used (saved settings included)."""

from __future__ import annotations

import pandas as pd

from phdesk.core.mapping import MappingParams, compute_mapping
from phdesk.ui.map_layers import catchment_radius
from tests.core.mapping_data import tiny_inputs


def test_circle_radius_is_the_saved_setting_the_run_used():
    inputs = tiny_inputs(second_category=True)
    inputs.settings = pd.DataFrame({"category": ["Pharmacy"], "radius_m": [600.0],
                                    "serves": [["All"]]})
    result = compute_mapping(inputs, MappingParams())      # params do not list Pharmacy
    assert catchment_radius(result, "Pharmacy") == 600.0   # was 1,000 m (the params' default)
    assert catchment_radius(result, "Library") == 1000.0
    assert catchment_radius(result, "Spaceport") == 0.0    # not mapped: no circles
    assert catchment_radius(None, "Pharmacy") == 0.0
    over = compute_mapping(inputs, MappingParams(default_radius_m=750.0, radius_override=True))
    assert catchment_radius(over, "Pharmacy") == 750.0
