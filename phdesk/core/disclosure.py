"""Disclosure control: which counts are patient-derived, and how they are shown in outputs.

Pure functions (no project, no Qt). The rule (docs/ARCHITECTURE.md, "Outputs and disclosure
control"):

* **primary**: a patient-derived count of 1 to ``threshold`` (default 7) is shown as ``*``; other
  counts are rounded to the nearest ``rounding_base`` (default 5); 0 stays 0;
* **secondary**: counts are tied together by *relations* (a total is the sum of its parts: areas
  of a neighbourhood, covered + uncovered people, a scenario = the baseline + the difference). A
  relation in which a hidden count could be worked out from the shown ones (one hidden cell, or
  hidden cells whose possible range shrinks to one value given the rounding) gets another count
  hidden, the smallest non-zero part, until no relation gives one away;
* rates and percentages built on a hidden count are hidden too (see
  ``phdesk.core.disclosure_tables``).

Public statistics (census, ONS estimates, the IoD) are never altered. A count is patient-derived
when it comes from a segment extract (population rows with ``group_type = 'segment'``, aggregated
or patient-level), a user segment built on one, a base population taken from an extract's total,
or GP registrations by area (kept apart in ``gp_registrations``; no output shows them yet, and
one that does must treat them as patient-derived counts).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

SUPPRESSED = "*"
PATIENT, PUBLIC = "patient", "public"
# segment kinds (phdesk.core.segments.SegmentTable.kinds) whose counts are patient-derived
PATIENT_KINDS = frozenset({"segment"})


@dataclass(frozen=True)
class DisclosureRule:
    """The project's disclosure rule (saved in ``disclosure_rule``, see ``phdesk.store.outputs``).

    threshold: counts 1..threshold are hidden; rounding_base: other counts are rounded to the
    nearest multiple (1 = not rounded); enabled False only with a stated ``reason``.
    """

    threshold: int = 7
    rounding_base: int = 5
    enabled: bool = True
    reason: str = ""
    changed_at: str = ""

    def __post_init__(self) -> None:
        from phdesk.core.errors import UserError

        if isinstance(self.threshold, bool) or not isinstance(self.threshold, int) \
                or self.threshold < 0:
            raise UserError(f"disclosure threshold must be a whole number >= 0, "
                            f"not {self.threshold!r}")
        if isinstance(self.rounding_base, bool) or not isinstance(self.rounding_base, int) \
                or self.rounding_base < 1:
            raise UserError(f"rounding base must be a whole number >= 1, "
                            f"not {self.rounding_base!r}")
        if not self.enabled and not str(self.reason or "").strip():
            raise UserError("disclosure control can be turned off only with a stated reason")

    def statement(self) -> str:
        """One sentence stating the rule, printed on every output."""
        if not self.enabled:
            return ("Disclosure control OFF for this project: patient-derived counts are shown "
                    f"unaltered. Reason recorded: {self.reason.strip()}")
        rounding = (f"other counts rounded to the nearest {self.rounding_base}"
                    if self.rounding_base > 1 else "other counts not rounded")
        return (f"Disclosure control: patient-derived counts of 1 to {self.threshold} are shown "
                f"as {SUPPRESSED}, {rounding}; further counts are hidden where a total or a "
                "difference would reveal a hidden one, and rates and percentages built on a "
                "hidden count are hidden. Public statistics (census, ONS estimates, IoD) are "
                "not altered.")


def segment_classes(kinds: dict[str, str], population_source: str | None = None,
                    patient_segments: Iterable[str] = ()) -> dict[str, str]:
    """``patient`` or ``public`` for each segment.

    kinds: segment -> kind (``SegmentTable.kinds``); population_source: how the base population
    was made (``SegmentTable.info['population_source']``: a base taken from a segment extract's
    total makes ``All``, ``Core20``, the IMD quintiles and user segments patient-derived);
    patient_segments: user segments that count extract segments.
    """
    base_patient = str(population_source or "").startswith("segment extract")
    extra = set(patient_segments)
    out = {}
    for seg, kind in kinds.items():
        patient = (kind in PATIENT_KINDS or seg in extra
                   or (base_patient and kind in ("all", "imd", "age", "user")))
        out[seg] = PATIENT if patient else PUBLIC
    return out


def round_count(value: float, base: int) -> float:
    """``value`` rounded to the nearest multiple of ``base`` (halves up); never 0 for value > 0."""
    if base <= 1 or value == 0:
        return float(value)
    r = math.floor(value / base + 0.5) * base
    return float(max(r, base))


@dataclass
class Protected:
    """The outcome of :func:`protect`: what to show for each cell."""

    shown: dict[Hashable, float | None]            # None = hidden (shown as *)
    primary: set = field(default_factory=set)      # hidden for being 1..threshold
    secondary: set = field(default_factory=set)    # hidden so no relation reveals a hidden one

    def value(self, key: Hashable) -> float | str:
        """The shown value, or ``*``."""
        v = self.shown[key]
        return SUPPRESSED if v is None else v

    def hidden(self, key: Hashable) -> bool:
        return self.shown.get(key, 0.0) is None


Relation = tuple[Hashable, Sequence[Hashable]]     # (total, parts): total = sum(parts)


def _interval(p: Protected, key: Hashable, exact: float, rule: DisclosureRule
              ) -> tuple[float, float]:
    """What an attacker knows of a cell: its shown value's rounding interval, or for a hidden
    cell 1..threshold (primary) or threshold+1.. (secondary)."""
    if key in p.primary:
        return 1.0, float(rule.threshold)
    if key in p.secondary:
        return float(rule.threshold + 1), math.inf
    v = p.shown[key]
    if not v:
        return 0.0, 0.0
    half = rule.rounding_base / 2 if rule.rounding_base > 1 else 0.0
    return max(v - half, rule.threshold + 1.0), v + half


def _gives_away(rel: Relation, p: Protected, values: dict, rule: DisclosureRule) -> bool:
    """True if a primary-hidden cell of the relation is pinned to fewer than two whole values."""
    total, parts = rel
    members = [total, *parts]
    hidden = [k for k in members if p.shown[k] is None]
    if not hidden:
        return False
    if len(hidden) == 1:
        return True
    iv = {k: _interval(p, k, values[k], rule) for k in members}
    for k in hidden:
        if k not in p.primary:
            continue
        if k == total:
            lo = sum(iv[q][0] for q in parts)
            hi = sum(iv[q][1] for q in parts)
        else:
            others = [q for q in parts if q != k]
            lo = iv[total][0] - sum(iv[q][1] for q in others)
            hi = iv[total][1] - sum(iv[q][0] for q in others)
        lo, hi = max(lo, 1.0), min(hi, float(rule.threshold))
        if math.floor(hi + 1e-9) - math.ceil(lo - 1e-9) < 1:
            return True
    return False


def protect(values: dict[Hashable, float], relations: Sequence[Relation],
            rule: DisclosureRule, max_rounds: int = 100) -> Protected:
    """Primary and secondary suppression of patient-derived counts.

    values: exact count per cell key; relations: (total, parts) with total = sum of parts (all
    keys in ``values``). Returns what to show for every cell. With the rule off every value is
    shown as it is.
    """
    if not rule.enabled:
        return Protected({k: float(v) for k, v in values.items()})
    shown: dict[Hashable, float | None] = {}
    primary = set()
    for k, v in values.items():
        if 0 < v <= rule.threshold + 1e-9 or (0 < v < 1):
            shown[k], _ = None, primary.add(k)
        else:
            shown[k] = round_count(float(v), rule.rounding_base)
    p = Protected(shown, primary, set())
    by_cell: dict[Hashable, list[int]] = {}
    for i, (total, parts) in enumerate(relations):
        for k in (total, *parts):
            by_cell.setdefault(k, []).append(i)
    todo = set(range(len(relations)))
    for _ in range(max_rounds * max(1, len(relations))):
        if not todo:
            break
        i = todo.pop()
        rel = relations[i]
        if not _gives_away(rel, p, values, rule):
            continue
        pick = _next_to_hide(rel, p, values)
        if pick is None:
            continue
        p.shown[pick] = None
        p.secondary.add(pick)
        todo.update(by_cell.get(pick, ()))
        todo.add(i)
    return p


def _next_to_hide(rel: Relation, p: Protected, values: dict) -> Hashable | None:
    """The smallest shown non-zero part of the relation (the total only if no part is left)."""
    total, parts = rel
    visible = [k for k in parts if p.shown[k] is not None and values[k] > 0]
    if visible:
        return min(visible, key=lambda k: (values[k], str(k)))
    if p.shown[total] is not None and values[total] > 0:
        return total
    return None
