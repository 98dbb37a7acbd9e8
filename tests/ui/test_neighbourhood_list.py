"""The neighbourhood list: headline gaps, and a category no one in the study area can reach said
once under the list rather than as every neighbourhood's gap."""

from __future__ import annotations

import pandas as pd

from phdesk.core.gap_ranking import Headlines
from phdesk.ui.neighbourhood_panel import NeighbourhoodPanel


def _summary() -> pd.DataFrame:
    return pd.DataFrame({"neighbourhood": ["Eastfield", "Westbrook"], "areas": [3, 4],
                         "population": [5000.0, 4000.0], "core20_pct": [40.0, 5.0],
                         "assets": [2, 3]})


def test_categories_absent_everywhere_are_named_once_under_the_list(qtbot):
    panel = NeighbourhoodPanel()
    qtbot.addWidget(panel)
    gaps = pd.DataFrame({"neighbourhood": ["Eastfield", "Westbrook"],
                         "segment": ["Core20", "Age 65+"], "category": ["GP", "Pharmacy"],
                         "gap_score": [3.0, 1.0], "sites": pd.array([12, 2], dtype="Int64")})
    panel.set_data(_summary(), Headlines(gaps, ["Archive", "Mobile Library"]))
    assert panel.gap_text("Eastfield") == "GP · Core20"
    assert panel.gap_text("Westbrook") == "Pharmacy · Age 65+ (2 sites)"
    text = panel.caption.text()
    assert text.startswith("No site within reach of anyone in the study area: "
                           "Archive, Mobile Library.")
    assert "Gap: the asset category" in text
    panel.set_data(_summary(), Headlines(gaps))          # nothing absent: no such line
    assert panel.caption.text().startswith("Gap: the asset category")


def test_categories_with_too_few_sites_are_named_once_under_the_list(qtbot):
    panel = NeighbourhoodPanel()
    qtbot.addWidget(panel)
    gaps = pd.DataFrame({"neighbourhood": ["Eastfield", "Westbrook"],
                         "segment": ["Core20", "Age 65+"], "category": ["GP", "Pharmacy"],
                         "gap_score": [3.0, 1.0]})
    panel.set_data(_summary(), Headlines(gaps, ["Archive"], [("School library", 1),
                                                             ("Hospice", 2)]))
    lines = panel.caption.text().splitlines()
    assert lines[0] == "No site within reach of anyone in the study area: Archive."
    assert lines[1] == ("Fewer than 3 sites, so not a neighbourhood's headline: "
                        "School library (1 site), Hospice (2 sites).")
    assert lines[2].startswith("Gap: the asset category")
