"""The measure catalogue: one entry per measure, every table column described, display rounding."""

import pytest

from phdesk.core import measures as cat
from phdesk.core.mapping_output import DESCRIPTIONS, IDENTIFIERS


def test_every_measure_column_of_every_table_is_in_the_catalogue():
    for table, cols in DESCRIPTIONS.items():
        for col, text in cols.items():
            assert text, (table, col)
            if col not in IDENTIFIERS and col in cat.MEASURES:
                assert text.startswith(cat.measure(col).description), (table, col)


def test_fields_are_valid_and_labels_unique_per_level():
    for m in cat.MEASURES.values():
        assert m.label and m.unit and len(m.description) > 20, m.key
        assert m.level in cat.LEVELS and m.disclosure in cat.DISCLOSURE
        assert m.decimals >= 0
    for level in cat.LEVELS:
        labels = [m.label for m in cat.measures_for(level)]
        assert len(labels) == len(set(labels)), level


def test_people_counts_are_disclosure_count_and_rates_derived():
    assert cat.measure("population").disclosure == "count"
    assert cat.measure("coverage_pct").disclosure == "derived"
    assert cat.measure("nearest_m").disclosure == "none"


def test_measures_for_includes_shared_columns_at_both_levels():
    area = {m.key for m in cat.measures_for("area")}
    nbhd = {m.key for m in cat.measures_for("neighbourhood")}
    assert "access_2sfca" in area and "access_2sfca" in nbhd
    assert "gap_score" in nbhd and "gap_score" not in area
    with pytest.raises(ValueError, match="level"):
        cat.measures_for("borough")
    with pytest.raises(KeyError, match="nope"):
        cat.measure("nope")


def test_format_rounds_for_display():
    assert cat.measure("coverage_pct").format(47.3449) == "47.3"
    assert cat.measure("population").format(12345.6) == "12,346"
    assert cat.measure("population").format(float("nan")) == ""
    assert cat.measure("access_2sfca").format(None) == ""


def test_bad_level_is_refused():
    with pytest.raises(ValueError, match="level"):
        cat.Measure("x", "X", "count", "borough", "A description long enough.", "none", 0)
