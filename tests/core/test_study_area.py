"""The one study-area rule: areas with a neighbourhood; everything when none has one."""

from __future__ import annotations

import numpy as np

from phdesk.core.study_area import study_mask


def test_areas_with_a_neighbourhood_are_the_study_area():
    nb = ["N1", None, np.nan, "  ", "N2"]
    assert study_mask(nb).tolist() == [True, False, False, False, True]


def test_no_neighbourhood_at_all_makes_everything_the_study_area():
    assert study_mask([None, np.nan, ""]).tolist() == [True, True, True]
    assert study_mask(["N1", "N2"]).tolist() == [True, True]
    assert study_mask([]).tolist() == []
