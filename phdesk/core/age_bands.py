"""Age bands: reading band labels ("0-4", "Aged 5 to 9", "85+") and building broad age groups.

Broad groups (children 0-4 and 0-15, adults 18+, older people 65+) are made of whole bands of the
data and named for the ages they really cover: with 5-year bands, "adults" is ``Age 20+``.
"""

from __future__ import annotations

import math
import re

MAX_RAW_AGE_BANDS = 25  # more bands than this (single years) are shown as broad groups only
# broad age groups: (low, high) in years; high None = "and over"
BROAD_AGE_GROUPS = [(0, 4), (0, 15), (18, None), (65, None)]
AGE_TOLERANCE = 5  # years a broad group's edge may sit from its target (16+ for 18+, not 5+)


# -- age bands -------------------------------------------------------------------------------
def parse_age_band(text: str) -> tuple[float, float] | None:
    """Ages (low, high) in whole years covered by a band label; high is inf for "85+".

    Understands ``0-4``, ``0 to 4``, ``Aged 0 to 4``, ``85+``, ``85 and over``, ``under 1``, ``7``.
    Returns None for ``all`` and for labels it cannot read.
    """
    t = str(text).strip().lower()
    if not t or t == "all":
        return None
    m = re.search(r"(\d+)\s*(?:-|–|to)\s*(\d+)", t)
    if m:
        return float(m.group(1)), float(m.group(2))
    m = re.search(r"(\d+)\s*(?:\+|plus|and over|or over|years and over|and older)", t)
    if m:
        return float(m.group(1)), math.inf
    m = re.search(r"under\s*(\d+)", t)
    if m:
        return 0.0, float(m.group(1)) - 1
    m = re.fullmatch(r"\D*(\d+)\D*", t)
    if m:
        return float(m.group(1)), float(m.group(1))
    return None


def _partition(bands: list[str]) -> list[tuple[str, float, float]]:
    """A set of disjoint bands covering the ages from 0 upwards (narrowest band at each step)."""
    parsed = sorted((lo, hi, b) for b in bands if (r := parse_age_band(b)) for lo, hi in [r])
    out, cursor = [], 0.0
    while True:
        starting = [(hi, b) for lo, hi, b in parsed if lo == cursor]
        if not starting:
            return out
        hi, b = min(starting)
        out.append((b, cursor, hi))
        if hi == math.inf:
            return out
        cursor = hi + 1


def age_label(lo: float, hi: float) -> str:
    """Segment name for ages lo..hi years: ``Age 0-4`` / ``Age 65+`` / ``Age 15`` (one year
    of age, as the ONS estimates' band "15" between 10-14 and 16-17: not "Age 15-15")."""
    if hi == math.inf:
        return f"Age {int(lo)}+"
    return f"Age {int(lo)}" if int(lo) == int(hi) else f"Age {int(lo)}-{int(hi)}"


def age_groups(bands: list[str]) -> dict[str, list[str]]:
    """Age segments available from the raw bands: segment name -> raw bands it adds up.

    Raw bands first (unless there are more than ``MAX_RAW_AGE_BANDS``), then the broad groups
    (children, adults, older people) made of whole bands, named for the ages really covered.
    """
    bands = [b for b in dict.fromkeys(bands) if str(b).strip().lower() != "all"]
    groups: dict[str, list[str]] = {}
    if len(bands) <= MAX_RAW_AGE_BANDS:
        for b in bands:
            r = parse_age_band(b)
            groups[age_label(*r) if r else f"Age {b}"] = [b]
    part = _partition(bands)
    if len(part) < 2:
        return groups
    for lo_t, hi_t in BROAD_AGE_GROUPS:
        if hi_t is None:  # "and over": start at the band boundary nearest the target age
            starts = [lo for _, lo, _ in part if lo > 0 and abs(lo - lo_t) <= AGE_TOLERANCE]
            if not starts:
                continue
            s = min(starts, key=lambda v: (abs(v - lo_t), v))
            chosen = [(b, lo, hi) for b, lo, hi in part if lo >= s]
        else:  # children: from 0 to the band boundary nearest the target age
            ends = [hi for _, _, hi in part if hi != math.inf and abs(hi - hi_t) <= AGE_TOLERANCE]
            if not ends:
                continue
            e = min(ends, key=lambda v: (abs(v - hi_t), v))
            chosen = [(b, lo, hi) for b, lo, hi in part if hi <= e]
        name = age_label(chosen[0][1], chosen[-1][2])
        groups.setdefault(name, [b for b, _, _ in chosen])
    return groups
