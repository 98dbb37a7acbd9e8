"""Checks shared by the importers keyed on GSS area codes (deprivation, boundaries, population,
neighbourhoods): finding the code column, rejecting malformed and duplicate codes, warning about
codes the project does not know yet."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from phdesk.core import geo
from phdesk.core.errors import UserError
from phdesk.core.imports.reading import normalise_header
from phdesk.core.imports.report import DUPLICATE_KEY, MALFORMED_AREA_CODE, ImportReport

# Column names that hold an area code, most specific first (compared normalised: case and
# punctuation do not matter).
CODE_COLUMNS = [
    "LSOA21CD", "LSOA11CD", "LSOA code (2021)", "LSOA code (2011)", "LSOA_CODE", "lsoa_code",
    "lsoa21cd", "lsoa11cd", "LSOA", "MSOA21CD", "MSOA11CD", "msoa_code", "WD24CD", "WD23CD",
    "WD22CD", "WD21CD", "WD19CD", "LAD24CD", "LAD23CD", "LAD22CD", "LAD21CD", "LAD19CD",
    "area_code", "geography code", "geography_code", "area code", "gss_code", "code",
]
_CODE_RE = re.compile(r"^(lsoa|msoa|wd|lad|ltla|utla|oa)\s?(\d{2})\s?(?:cd|code)$")


def clean_codes(values: pd.Series) -> pd.Series:
    """Codes as upper-case text without surrounding spaces (NA stays NA)."""
    return geo.clean_code(values)


def find_code_column(columns: list[str], option: str | None = None) -> str | None:
    """The area-code column: ``option`` if given, else the first known name present."""
    if option:
        return option if option in columns else None
    norm = {normalise_header(c): c for c in reversed(columns)}
    for cand in CODE_COLUMNS:
        hit = norm.get(normalise_header(cand))
        if hit is not None:
            return hit
    for n, c in norm.items():
        if _CODE_RE.match(n):
            return c
    return None


def vintage_of_column(column: str) -> int | None:
    """2011 from ``LSOA11CD`` or ``LSOA code (2011)``, 2021 from ``LSOA21CD``; None otherwise."""
    n = normalise_header(column)
    m = _CODE_RE.match(n)
    if m:
        return 2000 + int(m.group(2))
    m = re.search(r"\b(20\d{2})\b", n)
    return int(m.group(1)) if m else None


def mostly_codes(values: pd.Series, share: float = 0.8) -> bool:
    """True when most non-empty values are GSS codes (detection)."""
    v = clean_codes(values).dropna()
    return len(v) > 0 and float(geo.valid_area_code(v).mean()) >= share


def reject_malformed(report: ImportReport, codes: pd.Series, rows: np.ndarray, column: str,
                     considered: np.ndarray | None = None) -> np.ndarray:
    """Reject ``considered`` rows whose code is not a GSS code; returns the mask of rows still
    accepted."""
    considered = np.ones(len(codes), dtype=bool) if considered is None else considered
    bad = ~geo.valid_area_code(codes).to_numpy() & considered
    report.reject(rows[bad], column, MALFORMED_AREA_CODE, codes[bad].to_numpy())
    return considered & ~bad


def reject_duplicates(report: ImportReport, keys: pd.DataFrame | pd.Series, rows: np.ndarray,
                      column: str, considered: np.ndarray, reason: str = DUPLICATE_KEY,
                      shown: pd.Series | None = None) -> np.ndarray:
    """Reject every row whose key occurs more than once among ``considered`` rows (which copy is
    right cannot be told, so none is kept). Returns the mask of rows still accepted."""
    frame = keys.to_frame() if isinstance(keys, pd.Series) else keys
    dup = frame.duplicated(keep=False).to_numpy() & considered
    values = (shown if shown is not None else frame.iloc[:, 0]).to_numpy()
    report.reject(rows[dup], column, reason, values[dup])
    return considered & ~dup


def warn_unknown(report: ImportReport, codes: pd.Series, known: set[str]) -> None:
    """Warn (not reject) about codes not among the project's areas, when it has any."""
    if not known:
        return
    unknown = pd.Series(codes.dropna().unique())
    unknown = unknown[~unknown.isin(known)]
    if len(unknown):
        examples = ", ".join(unknown.head(3))
        report.warn(f"{len(unknown)} area codes are not in the project's boundaries yet "
                    f"(e.g. {examples})")


def positions(mask: np.ndarray) -> np.ndarray:
    """Positional indices where ``mask`` is True."""
    return np.flatnonzero(np.asarray(mask, dtype=bool))


def check_option_columns(path_name: str, columns: list[str], options: dict,
                         keys: tuple[str, ...]) -> None:
    """UserError when a column-mapping option names a column the file does not have."""
    for key in keys:
        name = options.get(key)
        if name and name not in columns:
            raise UserError(f"{path_name}: option {key}={name}: no such column (columns: "
                            f"{', '.join(columns[:12])})")
