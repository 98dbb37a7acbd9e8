"""The one ranking of the biggest gaps (workshop and reports)."""

from __future__ import annotations

import pandas as pd

from phdesk.core.gap_ranking import biggest_gaps


def test_ranked_by_the_shown_score_one_place_per_category_and_never_all():
    shown = pd.DataFrame({
        "neighbourhood": "N1",
        "category": ["Archive", "Archive", "GP", "Library", "Dentist", "GP"],
        "segment": ["Core20", "IMD Q1 (most deprived)", "All", "Age 65+", "Core20", "Age 65+"],
        "gap_score": [15.9, 15.9, 40.0, "*", 12.0, 14.0]}, index=[10, 11, 12, 13, 14, 15])
    top = biggest_gaps(shown, 5)
    # "All" has no gap; "*" (suppressed) takes no place; Archive once, with its first row
    assert list(top.index) == [10, 15, 14]
    assert list(top["category"]) == ["Archive", "GP", "Dentist"]
    assert len(biggest_gaps(shown, 2)) == 2
