"""The category a register's file name names (docs/mapping.md, "Asset categories").

Councils publish one file per kind of site, named after the place and the kind:
``trafford_food_banks.csv``, ``trafford_places_of_worship.geojson``. A file without a category
column gives its sites the kind its name says, without the place, as one site is called:
"Food bank", "Place of worship", "Pharmacy" (before: "Trafford Food Banks", which never met
Lewisham's "Food bank" in one project). When a category column's values all name that kind
("Local authority run library", "Partnership run library" in ``trafford_libraries.csv``: how
each library is run), the import says so and how to merge them (the category map, or *Rename or
merge category…* later); it does not merge them itself, since "Lunch club" and "Breakfast club"
in a clubs file are two kinds of site.

Place names come from the project's LSOA names ("Trafford 025A" → "trafford", "Waltham Forest
012B" → "waltham forest"), so no gazetteer is needed and a borough the project does not hold is
left in the name. A place is taken out only as a whole name: with all of London held,
``forest_school_sites`` stays "Forest school site" (Waltham Forest's "forest" alone is no place).
"""

from __future__ import annotations

import re

from phdesk.core.imports.asset_rules import category_words

SPLIT = re.compile(r"[\s_\-.]+")
# joining words of place names ("Kingston upon Thames", "City of London"): never a place word
JOINERS = {"and", "of", "the", "upon", "on", "in", "with", "by"}
VOWELS = set("aeiouy")


def place_words(area_names: list[str]) -> set[tuple[str, ...]]:
    """The places in LSOA-style names ("Barking and Dagenham 001A"): each name without its last
    token (the MSOA number and letter), lower case, as a tuple of its words without joiners
    (``("barking", "dagenham")``)."""
    out: set[tuple[str, ...]] = set()
    for name in area_names:
        words = str(name).split()
        if len(words) < 2 or not any(ch.isdigit() for ch in words[-1]):
            continue
        place = tuple(w.casefold() for w in words[:-1] if w.casefold() not in JOINERS)
        if place:
            out.add(place)
    return out


def _without_places(words: list[str], places: set[tuple[str, ...]]) -> list[str]:
    """``words`` with every whole place name taken out (joining words inside it too:
    "barking and dagenham", "kingston upon thames"), longest places first."""
    low = [w.casefold() for w in words]
    keep = [True] * len(words)
    content = [i for i, w in enumerate(low) if w not in JOINERS]
    for place in sorted(places, key=len, reverse=True):
        n = len(place)
        for k in range(len(content) - n + 1):
            at = content[k:k + n]
            if all(keep[i] for i in at) and tuple(low[i] for i in at) == place:
                for i in range(at[0], at[-1] + 1):
                    keep[i] = False
    return [w for w, k in zip(words, keep, strict=True) if k]


def _singular(word: str) -> str:
    low = word.casefold()
    if low.endswith("ies") and len(low) > 4:
        return word[:-3] + "y"
    if low.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if low.endswith("s") and not low.endswith(("ss", "us", "is")) and len(low) > 3:
        return word[:-1]
    return word


def _cased(word: str, first: bool) -> str:
    if len(word) <= 3 and not (set(word.casefold()) & VOWELS):
        return word.upper()                         # "gp" -> "GP"
    if word.casefold() == "childrens":
        return "Children's" if first else "children's"
    if word[1:] != word[1:].lower():
        return word                                 # "NHS", "McCarthy": as written
    return word.capitalize() if first else word.lower()


def file_category(stem: str, places: set[tuple[str, ...]]) -> str:
    """The kind of site a file's name names, without its places (``place_words``), the head noun
    singular ("trafford_places_of_worship" → "Place of worship", "GP_practices" → "GP
    practice"). A name of places only is title-cased whole, as before."""
    words = [w for w in SPLIT.split(stem) if w]
    kind = [w for w in _without_places(words, places) if not w.isdigit()]   # 2024: a date
    while kind and kind[0].casefold() in JOINERS:   # "barking_and_dagenham_churches"
        kind.pop(0)
    if not kind or not any(ch.isalpha() for w in kind for ch in w):
        return " ".join(words).title()
    low = [w.casefold() for w in kind]
    head = low.index("of") - 1 if "of" in low[1:] else len(kind) - 1
    kind[head] = _singular(kind[head])
    return " ".join(_cased(w, i == 0) for i, w in enumerate(kind))


def all_name(categories: list[str], kind: str) -> bool:
    """True when the file's categories are several and every one names ``kind`` (all its words,
    plurals folded): "Local authority run library", "Partnership run library" in a libraries
    file. Only a hint: "Lunch club" and "Breakfast club" in a clubs file name a club each and
    are still two kinds of site, so nothing is merged without the user."""
    want = category_words(kind)
    return (bool(want) and len(set(categories)) >= 2
            and all(want <= category_words(c) for c in categories))
