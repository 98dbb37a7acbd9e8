"""Palettes, class breaks and the WCAG contrast helper."""

from __future__ import annotations

import numpy as np
import pytest

from phdesk.ui import palettes


def test_contrast_ratio_known_pairs():
    assert palettes.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert palettes.contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    # order does not matter; #777777 on white is the classic just-fails-AA grey (4.48:1)
    assert palettes.contrast_ratio("#ffffff", "#777777") == pytest.approx(4.48, abs=0.01)
    assert palettes.contrast_ratio((0, 0, 0), "#fff") == pytest.approx(21.0)


def test_text_colours_pass_aa_on_white():
    for fg in (palettes.TEXT, palettes.MUTED_TEXT):
        assert palettes.contrast_ratio(fg, "#ffffff") >= 4.5


@pytest.mark.parametrize("name", list(palettes.SEQUENTIAL))
def test_sequential_gets_darker(name):
    light = [palettes.lightness(c) for c in palettes.sequential(9, name)]
    assert all(b < a for a, b in zip(light, light[1:], strict=False))


@pytest.mark.parametrize("name", list(palettes.DIVERGING))
def test_diverging_is_lightest_in_the_middle(name):
    light = [palettes.lightness(c) for c in palettes.diverging(7, name)]
    assert int(np.argmax(light)) == 3
    assert all(b > a for a, b in zip(light[:3], light[1:4], strict=True))
    assert all(b < a for a, b in zip(light[3:], light[4:], strict=False))


def test_categories_distinct_colour_and_shape():
    styles = [palettes.category_style(i) for i in range(12)]
    assert len({c for c, _ in styles}) == 12
    assert len({s for _, s in styles}) == 12
    assert len(set(palettes.category_style(i) for i in range(40))) == 40


@pytest.mark.parametrize("method", palettes.BREAK_METHODS)
def test_breaks_monotonic_and_cover_data(method):
    rng = np.random.default_rng(3)
    v = np.r_[rng.lognormal(2, 1, 500), np.nan]
    edges = palettes.class_breaks(v, 5, method)
    assert len(edges) == 6
    assert np.all(np.diff(edges) > 0)
    assert edges[0] == np.nanmin(v) and edges[-1] == np.nanmax(v)
    cls = palettes.classify(v, edges)
    assert cls[-1] == -1                       # NaN -> no data
    assert set(cls[:-1]) == set(range(5))      # every class used, every value classed
    # each value lies inside its class's edges
    ok = cls >= 0
    assert np.all(v[ok] >= edges[cls[ok]]) and np.all(v[ok] <= edges[cls[ok] + 1])


def test_quantile_breaks_split_counts_evenly():
    v = np.arange(1000, dtype=float)
    counts = np.bincount(palettes.classify(v, palettes.class_breaks(v, 4)), minlength=4)
    assert counts.tolist() == [250, 250, 250, 250]


def test_breaks_few_distinct_values_and_empty():
    edges = palettes.class_breaks([1, 1, 2, 3, 3], 5)
    assert len(edges) == 4   # three distinct values -> three classes
    assert palettes.classify([1, 2, 3], edges).tolist() == [0, 1, 2]
    assert palettes.class_breaks([np.nan], 5).size == 0
    assert palettes.classify([1.0], np.array([])).tolist() == [-1]


def test_natural_breaks_find_gaps():
    v = np.r_[np.full(50, 1.0) + np.linspace(0, 0.1, 50), np.full(50, 10.0), np.full(50, 100.0)]
    edges = palettes.class_breaks(v, 3, "natural")
    cls = palettes.classify(v, edges)
    assert cls[:50].tolist() == [0] * 50 and cls[50:100].tolist() == [1] * 50
    assert cls[100:].tolist() == [2] * 50
