"""Two rules of the asset-register import: rows marked closed are left out, and the file's
categories are mapped onto the project's existing ones.

* **Status.** A status column (``status``, ``operational status``, or the latest of numbered
  columns such as ``operation_16`` … ``operation_23``) whose value reads as closed ("Closed",
  "Temporary Closure", "Inactive", "Ceased" …), or a closing-date column (``closed``,
  ``date closed``, ``end date``) holding a year or date not after today, leaves the row out. The
  user can change the status column, the list of values that mean closed, and the date column
  (wizard controls; options ``status``, ``closed_values``, ``closed_date``).
* **Categories.** A file category that names an existing project category differently ("Local
  authority run library" when the project has "Library") is mapped onto it when the match is
  unambiguous: every word of the existing category appears in the file's category (plurals
  folded). The user can change the map (option ``category_map``: ``{file category: project
  category}``); categories are renamed or merged later in the asset register.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from phdesk.core.imports.reading import find_column, normalise_header

STATUS_NAMES = ("status", "operational status", "current status", "site status",
                "organisation status", "service status", "open status", "state", "operation")
CLOSED_DATE_NAMES = ("closed", "closed date", "date closed", "closure date", "close date",
                     "closed on", "date of closure", "end date", "closing date")
CLOSED_PATTERN = re.compile(r"\b(closed?|closure|inactive|ceased|dormant|discontinued|"
                            r"terminated|defunct|decommissioned|not operating)\b", re.IGNORECASE)
TRUE_WORDS = {"yes", "y", "true", "1", "closed"}


def status_column(columns: list[str]) -> str | None:
    """The column saying whether a site is open; of numbered ones (``operation_23``) the latest."""
    col = find_column(columns, *STATUS_NAMES)
    if col is not None:
        return col
    numbered = []
    for c in columns:
        m = re.fullmatch(r"(?:operation|status|operational status) (\d{2,4})", normalise_header(c))
        if m:
            numbered.append((int(m.group(1)), c))
    return max(numbered)[1] if numbered else None


def closed_date_column(columns: list[str]) -> str | None:
    """A column holding the year or date a site closed."""
    return find_column(columns, *CLOSED_DATE_NAMES)


def closed_values(values: pd.Series) -> list[str]:
    """The distinct values of a status column that read as closed, sorted."""
    distinct = values.dropna().astype(str).str.strip().unique()
    return sorted(v for v in distinct if v and CLOSED_PATTERN.search(v))


def parse_closed_values(option) -> list[str] | None:
    """The ``closed_values`` option as a list (a comma-separated string or a list); None when not
    given (then the values are detected)."""
    if option is None:
        return None
    if isinstance(option, str):
        return [v.strip() for v in option.split(",") if v.strip()]
    return [str(v).strip() for v in option if str(v).strip()]


def closed_mask(df: pd.DataFrame, status_col: str | None, values: list[str],
                date_col: str | None, today: dt.date | None = None) -> np.ndarray:
    """True for rows marked closed: status in ``values`` (case-insensitive), or a closing year
    or date not after ``today``."""
    closed = np.zeros(len(df), bool)
    if status_col and values:
        wanted = {v.strip().lower() for v in values}
        closed |= df[status_col].astype("string").str.strip().str.lower().isin(wanted) \
            .fillna(False).to_numpy(bool)
    if date_col:
        today = today or dt.date.today()
        text = df[date_col].astype("string").str.strip().fillna("")
        year = pd.to_numeric(text.where(text.str.fullmatch(r"\d{4}")), errors="coerce")
        when = pd.to_datetime(text.where(year.isna() & text.ne("")), errors="coerce",
                              dayfirst=True, format="mixed")
        closed |= (year <= today.year).fillna(False).to_numpy(bool)
        closed |= (when <= pd.Timestamp(today)).fillna(False).to_numpy(bool)
        closed |= text.str.lower().isin(TRUE_WORDS).to_numpy(bool)
    return closed


def category_words(name: str) -> set[str]:
    """Words of a category, plurals folded (libraries -> library, centres -> centre)."""
    out = set()
    for w in normalise_header(str(name).replace("'", "")).split():
        if w.endswith("ies") and len(w) > 4:
            w = w[:-3] + "y"
        elif w.endswith("s") and not w.endswith("ss") and len(w) > 3:
            w = w[:-1]
        out.add(w)
    return out


MULTI_VALUE = re.compile(r"\s*[|;]\s*")   # open registers list several types: "Clinic|Dentist"


def _one_part_named(cat: str, names: list[str]) -> str | None:
    """The one category in ``names`` that a part of the multi-valued ``cat`` names (same
    words); None when no part does, or parts name different ones."""
    parts = [category_words(p) for p in MULTI_VALUE.split(str(cat)) if p.strip()]
    hits = {n for n in names if str(n).strip() and category_words(n) in parts}
    return hits.pop() if len(hits) == 1 else None


def suggest_category_map(file_categories: list[str], existing: list[str]) -> dict[str, str]:
    """{file category: existing category} for categories that name an existing one differently.

    Same words (any case, plural) map straight; otherwise an existing category all of whose
    words appear in the file's category, when exactly one (the longest wins a tie of nested
    names: "Family hub" over "Hub"). A multi-valued category ("Clinic|Dentist", "A; B") maps to
    the one existing category, or the one other category of the same file, that a part of it
    names ("Dentist"), when exactly one does.
    """
    out: dict[str, str] = {}
    existing_words = [(e, category_words(e)) for e in existing if str(e).strip()]
    single = [c for c in file_categories if not MULTI_VALUE.search(str(c))]
    for cat in file_categories:
        if cat in existing:
            continue
        if MULTI_VALUE.search(str(cat)):   # "Clinic|Dentist" in a dentists file -> "Dentist"
            target = _one_part_named(cat, [*existing, *single])
            if target is not None:
                out[cat] = target
                continue
        words = category_words(cat)
        same = [e for e, ew in existing_words if ew == words]
        if same:
            out[cat] = same[0]
            continue
        inside = [(e, ew) for e, ew in existing_words if ew and ew <= words]
        if not inside:
            continue
        longest = max(len(ew) for _, ew in inside)
        best = [e for e, ew in inside if len(ew) == longest]
        if len(best) == 1:
            out[cat] = best[0]
    return out


def apply_category_map(category: pd.Series, mapping: dict[str, str]) -> pd.Series:
    """Categories with the map applied (values not in the map unchanged; empty targets ignored)."""
    mapping = {k: v for k, v in mapping.items() if str(v).strip()}
    if not mapping:
        return category
    return category.map(lambda c: mapping.get(c, c) if isinstance(c, str) else c) \
        .astype("string")
