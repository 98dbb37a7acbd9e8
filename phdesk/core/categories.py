"""What serves whom: asset categories, the population segments they serve, their catchment radius.

Defaults are matched on the category's name, case-insensitively and with synonyms ("Childrens
Centre", "Sure Start" and "Family Hubs" all count as children's services). A default names *roles*
(children, older people, long-term conditions…); the roles become segment names from the segments
the project actually has (``Age 0-4`` or, failing that, the nearest band the data has). ``All`` is
always served. Users edit and save the result in the project (``category_settings``).

Radii are straight-line catchment radii in metres (EPSG:27700), default 1,000 m.
"""

from __future__ import annotations

import json
import math
import re
from typing import TYPE_CHECKING

import pandas as pd

from phdesk.core.errors import UserError
from phdesk.core.segments import ALL, CORE20, parse_age_band

if TYPE_CHECKING:
    from phdesk.store.project import Project

DEFAULT_RADIUS_M = 1000.0

# (pattern on the normalised category name, roles served, universal). First match wins.
# Universal: open to everyone, so everyone competes for its capacity in the first step of 2SFCA
# and a segment's figure is that access averaged over the segment's residents (figures compare
# across segments). Targeted: only the roles' segments compete (family hubs for young children,
# older people's services); see docs/mapping.md, "What access means".
DEFAULT_RULES: list[tuple[str, tuple[str, ...], bool]] = [
    (r"family hub|child(ren)?s? cent|sure start|early years|nursery|health visit|baby|toddler",
     ("children",), False),
    (r"social prescri|link worker|health coach|care coordinat", ("ltc",), False),
    (r"older|elderly|senior|day cent|dementia|care home|age uk|memory|falls", ("older", "frailty"),
     False),
    (r"mental health|wellbeing cent|talking therap|iapt|crisis cafe", ("mental", "adults"), False),
    (GP_PATTERN := r"\bgp\b|general practi|surgery|medical cent|health cent|doctor",
     ("older", "ltc"), True),
    (r"pharmac|chemist", ("older", "ltc"), True),
    (r"dentist|dental", ("children_15",), True),
    (r"librar", ("children_15", "older"), True),
    (r"food bank|foodbank|food pantry|community fridge|soup kitchen", ("core20",), True),
    (r"advice|citizens|cab\b|welfare rights|debt|money", ("core20", "adults"), True),
    (r"leisure|sport|gym|swimming|pool|fitness", ("adults",), True),
    (r"community cent|community hall|village hall|neighbourhood cent", ("older", "core20"), True),
    (r"vcse|voluntary|charity|faith|church|mosque|community group", ("core20",), True),
    (r"school", ("children_15",), False),
    (r"youth", ("children_15",), False),
]
UNIVERSAL_BY_DEFAULT = True   # a category no rule matches is open to everyone


def normalise_category(name: str) -> str:
    """Lower case, apostrophes dropped, other punctuation as spaces: "Children's Centre" ->
    "childrens centre"."""
    t = str(name).lower().replace("'", "").replace("’", "")
    return re.sub(r"[^a-z0-9+]+", " ", t).strip()


def _age_segments(segments: list[str]) -> list[tuple[str, float, float]]:
    out = []
    for s in segments:
        if s.startswith("Age "):
            r = parse_age_band(s[4:])
            if r:
                out.append((s, *r))
    return out


def resolve_role(role: str, segments: list[str]) -> list[str]:
    """Segment names for a role, from the segments available (may be empty)."""
    ages = _age_segments(segments)
    lower = {s: s.lower() for s in segments}

    def nearest_child(target: float) -> list[str]:
        c = [(abs(hi - target), hi, s) for s, lo, hi in ages if lo == 0 and hi != math.inf]
        return [min(c)[2]] if c else []

    def nearest_over(target: float, lo_lim: float, hi_lim: float) -> list[str]:
        c = [(abs(lo - target), lo, s) for s, lo, hi in ages
             if hi == math.inf and lo_lim <= lo <= hi_lim]
        return [min(c)[2]] if c else []

    def named(*words: str) -> list[str]:
        return [s for s, lo in lower.items() if any(w in lo for w in words)]

    if role == "children":
        return nearest_child(4)
    if role == "children_15":
        return nearest_child(15)
    if role == "older":
        return nearest_over(65, 50, 80)
    if role == "adults":
        return nearest_over(18, 14, 25)
    if role == "core20":
        return [CORE20] if CORE20 in segments else []
    if role == "ltc":
        found = named("ltc", "long-term", "long term", "condition")
        return found or nearest_over(18, 14, 25)
    if role == "frailty":
        return named("frail")
    if role == "mental":
        return named("mental", "smi")
    return []


def default_serves(category: str, segments: list[str]) -> list[str]:
    """Default segments served by a category: ``All`` plus what its role(s) resolve to."""
    norm = normalise_category(category)
    out = [ALL]
    for pattern, roles, _ in DEFAULT_RULES:
        if re.search(pattern, norm):
            for role in roles:
                out += [s for s in resolve_role(role, segments) if s not in out]
            break
    return out


def is_gp_category(category: str) -> bool:
    """True when a category's first matching default rule is the GP practice rule."""
    norm = normalise_category(category)
    first = next((pattern for pattern, _, _ in DEFAULT_RULES if re.search(pattern, norm)), None)
    return first == GP_PATTERN


def practice_codes_by_postcode(assets: pd.DataFrame, practices: pd.DataFrame) -> pd.DataFrame:
    """GP sites without a practice code take the code of the practice the GP registrations
    place at their postcode: the one with the same name, else the only one there (a health
    centre shared by several practices and unnamed stays unmatched). Their list size then
    becomes their capacity (docs/mapping.md, "What access means"). Returns a copy; the
    register itself is never changed."""
    if practices is None or practices.empty or assets.empty:
        return assets
    gp = assets["category"].map(is_gp_category).to_numpy(dtype=bool)
    code = assets["source_id"].astype("string").str.strip()
    need = gp & (code.isna() | code.eq("")).to_numpy(dtype=bool)
    if not need.any():
        return assets
    from phdesk.core.geo import normalise_postcode

    def key(postcode: pd.Series, name: pd.Series) -> pd.Series:
        return postcode.astype(str) + "|" + name.fillna("").map(normalise_category)

    named = pd.Series(practices["practice_code"].to_numpy(dtype=object),
                      index=key(practices["postcode"], practices["name"]))
    named = named[~named.index.duplicated(keep=False)]
    alone = practices.drop_duplicates("postcode", keep=False)
    by_postcode = pd.Series(alone["practice_code"].to_numpy(dtype=object),
                            index=alone["postcode"].astype(str))
    postcode = normalise_postcode(assets["postcode"].fillna("")).astype(str)
    found = key(postcode, assets["name"]).map(named).fillna(postcode.map(by_postcode))
    fill = need & found.notna().to_numpy(dtype=bool)
    out = assets.copy()
    out["source_id"] = out["source_id"].astype(object)
    out.loc[fill, "source_id"] = found[fill].to_numpy(dtype=object)
    return out


def default_universal(category: str) -> bool:
    """True when a category is open to everyone by default (see ``DEFAULT_RULES``)."""
    norm = normalise_category(category)
    for pattern, _, universal in DEFAULT_RULES:
        if re.search(pattern, norm):
            return universal
    return UNIVERSAL_BY_DEFAULT


def category_table(categories: list[str], saved: pd.DataFrame | None, segments: list[str],
                   default_radius_m: float = DEFAULT_RADIUS_M) -> pd.DataFrame:
    """Settings for each category: saved ones where present, else defaults.

    Returns category, radius_m, serves (list of segment names, ``All`` first), source
    (``saved`` | ``default``) and universal (True: everyone competes for the capacity; False:
    only the served segments other than ``All`` do). ``universal`` comes from the saved settings
    when they have that column, else from the category's name (``default_universal``).
    """
    saved_map = {}
    if saved is not None and not saved.empty:
        flags = (saved["universal"] if "universal" in saved
                 else pd.Series([None] * len(saved), index=saved.index))
        saved_map = {c: (float(r), list(s), u) for c, r, s, u in
                     zip(saved["category"], saved["radius_m"], saved["serves"], flags,
                         strict=True)}
    rows = []
    for c in dict.fromkeys(categories):
        if c in saved_map:
            radius, serves, universal = saved_map[c]
            serves = [ALL] + [s for s in serves if s != ALL]
            universal = default_universal(c) if universal is None or pd.isna(universal) \
                else bool(universal)
            rows.append((c, radius, serves, "saved", universal))
        else:
            rows.append((c, float(default_radius_m), default_serves(c, segments), "default",
                         default_universal(c)))
    return pd.DataFrame(rows, columns=["category", "radius_m", "serves", "source", "universal"])


def save_category_settings(project: Project, settings: pd.DataFrame) -> None:
    """Save category, radius_m (metres, > 0) and serves (list of segment names) for each row."""
    rows = []
    for i, (c, r, s) in enumerate(zip(settings["category"], settings["radius_m"],
                                      settings["serves"], strict=True), start=1):
        if not str(c).strip():
            raise UserError(f"category settings row {i}: the category has no name")
        try:
            radius = float(r)
        except (TypeError, ValueError):
            raise UserError(f"category {c!r}: radius {r!r} is not a number of metres") from None
        if not radius > 0 or math.isinf(radius):
            raise UserError(f"category {c!r}: radius must be a positive number of metres")
        if isinstance(s, str):
            try:
                s = json.loads(s)
            except ValueError:
                raise UserError(f"category {c!r}: serves must be a list of segment names, "
                                f"not {s!r}") from None
        if not isinstance(s, list) or not all(isinstance(x, str) for x in s):
            raise UserError(f"category {c!r}: serves must be a list of segment names")
        rows.append({"category": str(c), "radius_m": radius, "serves": json.dumps(s)})
    from phdesk.store import records

    records.save_category_settings(project, rows)


def delete_category_settings(project: Project, category: str) -> None:
    """Forget the saved settings of a category (its defaults apply again)."""
    from phdesk.store import records

    records.delete_category_settings(project, category)
