"""Disclosure control: the rule, primary and secondary suppression, checked by an attacker.

The attacker knows every relation (a total is the sum of its parts), the shown values and their
rounding intervals, that ``*`` from the primary rule is 1..threshold and from the secondary rule
above it, and solves linear programmes for the smallest and largest value each hidden count can
take. A hidden count is safe when at least two whole values remain possible.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import linprog

from phdesk.core.disclosure import (
    PATIENT,
    PUBLIC,
    SUPPRESSED,
    DisclosureRule,
    protect,
    round_count,
    segment_classes,
)
from phdesk.core.errors import UserError


def attack(values, relations, p, rule):
    """{hidden primary key: (min, max)} the attacker can prove from what is shown."""
    keys = list(values)
    pos = {k: i for i, k in enumerate(keys)}
    a_eq, b_eq = [], []
    for total, parts in relations:
        row = np.zeros(len(keys))
        row[pos[total]] = 1
        for q in parts:
            row[pos[q]] -= 1
        a_eq.append(row)
        b_eq.append(0.0)
    half = rule.rounding_base / 2 if rule.rounding_base > 1 else 0.0
    bounds = []
    for k in keys:
        if k in p.primary:
            bounds.append((1, rule.threshold))
        elif k in p.secondary:
            bounds.append((rule.threshold + 1, None))
        elif p.shown[k] == 0:
            bounds.append((0, 0))
        else:
            bounds.append((max(p.shown[k] - half, rule.threshold + 1), p.shown[k] + half))
    out = {}
    for k in p.primary:
        c = np.zeros(len(keys))
        c[pos[k]] = 1
        lo = linprog(c, A_eq=a_eq or None, b_eq=b_eq or None, bounds=bounds)
        hi = linprog(-c, A_eq=a_eq or None, b_eq=b_eq or None, bounds=bounds)
        assert lo.status == 0 and hi.status == 0, "the true values must be feasible"
        out[k] = (lo.fun, -hi.fun)
    return out


def assert_safe(values, relations, rule):
    p = protect(values, relations, rule)
    for k, (lo, hi) in attack(values, relations, p, rule).items():
        assert math.floor(hi + 1e-6) - math.ceil(lo - 1e-6) >= 1, (k, lo, hi, values[k])
    return p


def test_primary_rule_hides_1_to_7_and_rounds_the_rest_to_5():
    values = {k: float(k) for k in (0, 1, 5, 7, 8, 12, 13, 102)}
    p = protect(values, [], DisclosureRule())
    assert [p.value(k) for k in values] == [0, SUPPRESSED, SUPPRESSED, SUPPRESSED, 10, 10, 15,
                                            100]
    assert p.primary == {1, 5, 7}


def test_rule_settings_threshold_base_and_off():
    values = {k: float(k) for k in (3, 9, 12, 23)}
    p = protect(values, [], DisclosureRule(threshold=10, rounding_base=10))
    assert [p.value(k) for k in values] == [SUPPRESSED, SUPPRESSED, 10, 20]
    p = protect(values, [], DisclosureRule(threshold=2, rounding_base=1))
    assert [p.value(k) for k in values] == [3, 9, 12, 23]
    off = DisclosureRule(enabled=False, reason="counts already published by the ICB")
    assert [protect(values, [], off).value(k) for k in values] == [3, 9, 12, 23]
    assert "OFF" in off.statement() and "already published" in off.statement()
    assert "1 to 7" in DisclosureRule().statement() and "nearest 5" in DisclosureRule().statement()


@pytest.mark.parametrize("kwargs", [dict(enabled=False), dict(enabled=False, reason="  "),
                                    dict(threshold=-1), dict(rounding_base=0),
                                    dict(threshold=2.5)])
def test_rule_refuses_bad_settings(kwargs):
    with pytest.raises(UserError):
        DisclosureRule(**kwargs)


def test_round_count_never_rounds_a_count_to_zero():
    assert round_count(8, 5) == 10 and round_count(12, 5) == 10 and round_count(13, 5) == 15
    assert round_count(8, 100) == 100 and round_count(0, 5) == 0


def test_one_hidden_part_of_a_shown_total_hides_another():
    values = {"total": 20.0, "a": 3.0, "b": 17.0}
    rule = DisclosureRule(rounding_base=1)
    p = assert_safe(values, [("total", ["a", "b"])], rule)
    assert p.hidden("a") and (p.hidden("b") or p.hidden("total"))
    assert p.secondary


def test_two_hidden_parts_pinned_by_their_bounds_hide_a_third():
    # a + b = 10 - 8 = 2 and each is >= 1: both would be known to be 1
    values = {"total": 10.0, "a": 1.0, "b": 1.0, "c": 8.0}
    rule = DisclosureRule(rounding_base=1)
    p = assert_safe(values, [("total", ["a", "b", "c"])], rule)
    assert p.hidden("c") or p.hidden("total")


def test_hidden_total_with_all_parts_shown_hides_a_part():
    values = {"total": 6.0, "a": 0.0, "b": 6.0}   # b hidden; total = b would be the same value
    p = assert_safe(values, [("total", ["a", "b"])], DisclosureRule(rounding_base=1))
    assert p.hidden("total") and p.hidden("b") and p.value("a") == 0


@pytest.mark.parametrize("base", [1, 5])
@pytest.mark.parametrize("seed", range(12))
def test_attacker_cannot_pin_any_hidden_count_in_a_table_with_margins(seed, base):
    """Areas within neighbourhoods within a borough, covered and not covered, and a scenario
    whose covered counts differ from the baseline's by a change cell."""
    rng = np.random.default_rng(seed)
    values, rel = {}, []
    nbs = []
    for n in range(4):
        areas = []
        for a in range(int(rng.integers(2, 6))):
            values[("area", n, a)] = float(rng.choice([0, 1, 2, 3, 5, 7, 8, 9, 12, 20, 40]))
            areas.append(("area", n, a))
        values[("nb", n)] = sum(values[k] for k in areas)
        rel.append((("nb", n), areas))
        cov_b = [k for k in areas if rng.random() < 0.5]
        cov_s = sorted(set(cov_b) | {k for k in areas if rng.random() < 0.3})
        for tag, cov in (("b", cov_b), ("s", cov_s)):
            unc = [k for k in areas if k not in cov]
            values[("cov", tag, n)] = sum(values[k] for k in cov)
            values[("unc", tag, n)] = sum(values[k] for k in unc)
            rel += [(("cov", tag, n), cov), (("unc", tag, n), unc),
                    (("nb", n), [("cov", tag, n), ("unc", tag, n)])]
        values[("chg", n)] = values[("cov", "s", n)] - values[("cov", "b", n)]
        rel.append((("cov", "s", n), [("cov", "b", n), ("chg", n)]))
        nbs.append(("nb", n))
    values["borough"] = sum(values[k] for k in nbs)
    rel.append(("borough", nbs))
    rel = [(t, parts) for t, parts in rel if parts]
    p = assert_safe(values, rel, DisclosureRule(rounding_base=base))
    assert all(p.hidden(k) for k, v in values.items() if 1 <= v <= 7)


def test_scenario_change_of_three_people_is_hidden_and_not_recoverable():
    # baseline covers 40, the scenario 43: the change (3 people) must not be shown nor derivable
    values = {"pop": 60.0, "cov_b": 40.0, "cov_s": 43.0, "unc_b": 20.0, "unc_s": 17.0,
              "chg": 3.0}
    rel = [("pop", ["cov_b", "unc_b"]), ("pop", ["cov_s", "unc_s"]), ("cov_s", ["cov_b", "chg"])]
    for base in (1, 5):
        p = assert_safe(values, rel, DisclosureRule(rounding_base=base))
        assert p.hidden("chg")
        if base == 1:
            assert p.secondary & {"cov_b", "cov_s", "unc_b", "unc_s", "pop"}


def test_segment_classes():
    kinds = {"All": "all", "Core20": "imd", "Age 65+": "age", "Ethnicity: Asian": "ethnicity",
             "Frailty": "segment", "Mine": "user", "Old frail": "user"}
    c = segment_classes(kinds, "population", patient_segments=["Old frail"])
    assert c == {"All": PUBLIC, "Core20": PUBLIC, "Age 65+": PUBLIC, "Ethnicity: Asian": PUBLIC,
                 "Frailty": PATIENT, "Mine": PUBLIC, "Old frail": PATIENT}
    c = segment_classes(kinds, "segment extract total (All patients)")
    assert c["All"] == c["Core20"] == c["Mine"] == PATIENT and c["Ethnicity: Asian"] == PUBLIC
