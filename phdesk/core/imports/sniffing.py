"""Finding how a text table is laid out: its encoding, delimiter and header row.

Split from :mod:`phdesk.core.imports.reading`, which re-exports these names: planners' files come
from Excel (Windows-1252, UTF-16 "Unicode text", title rows above the header), so each guess is
made from the first records only and checked against the rows below it.
"""

from __future__ import annotations

import codecs
import csv
import io
import re

DELIMITERS = [",", ";", "\t", "|"]


def detect_encoding(raw: bytes) -> str:
    """``utf-8-sig`` if the bytes decode as UTF-8 (BOM or not), else ``cp1252``."""
    try:
        raw.decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError as exc:
        # the sample may end inside a multi-byte character
        if exc.start >= len(raw) - 3:
            return "utf-8-sig"
        return "cp1252"


def utf16_encoding(head: bytes) -> str | None:
    """``utf-16`` for a UTF-16 file (with a BOM, or text whose every other byte is zero)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    pairs = len(head) // 2
    if pairs < 2:
        return None
    odd_zero = head[1:2 * pairs:2].count(0) / pairs
    even_zero = head[0:2 * pairs:2].count(0) / pairs
    if odd_zero > 0.9 and even_zero < 0.1:
        return "utf-16-le"
    if even_zero > 0.9 and odd_zero < 0.1:
        return "utf-16-be"
    return None


def first_records(text: str, delimiter: str, limit: int = 60) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    out = []
    try:
        for rec in reader:
            out.append(rec)
            if len(out) >= limit:
                break
    except csv.Error:
        pass
    return out


def choose_delimiter(text: str) -> str:
    best, best_score = ",", -1.0
    for d in DELIMITERS:
        recs = [r for r in first_records(text, d, 40) if any(c.strip() for c in r)]
        if len(recs) > 1:
            recs = recs[:-1]  # the last sampled record may be cut short
        if not recs:
            continue
        widths = [len(r) for r in recs]
        common = max(set(widths), key=widths.count)
        if common < 2:
            continue
        score = common * widths.count(common) / len(widths)
        if score > best_score:
            best, best_score = d, score
    return best


def header_index(rows: list[list[str]]) -> int:
    """Index of the header among the first rows: the first row as wide as the table's body.

    A title row ("Table 1: ...") above the header has one or two filled cells; the header has as
    many filled cells as the data rows below it.
    """
    filled = [sum(1 for c in r if str(c).strip()) for r in rows]
    if not filled:
        return 0
    body = sorted(filled[-min(len(filled), 20):])
    width = body[len(body) // 2]
    for i, f in enumerate(filled[:15]):
        if f >= max(2, int(width * 0.8)):
            return i
    return 0


# cells that only ever appear in data rows: a postcode, a GSS code, a yyyymmdd date
_DATA_CELL = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]? *[0-9][A-Z]{2}|[EWSN][0-9]{8}|(19|20)[0-9]{6}")
# an ONS column name ("LSOA11CD", "MSOA21NM", "LAD22NM") is never a value: its row is a header,
# even beside a name shaped like a postcode ("WD22NM" reads as Watford's "WD2 2NM")
_ONS_HEADER = re.compile(r"(LSOA|MSOA|LAD|LTLA|UTLA|CCG|ICB|OA)[0-9]{2}(CD|NM|NMW|CODE|NAME)")


def _is_number(cell: str) -> bool:
    return cell.replace(",", "").replace(".", "", 1).replace("-", "", 1).isdigit()


def looks_like_header(row: list[str], below: list[list[str]] | None = None) -> bool:
    """False when a first row is data (headerless ODS / Code-Point files): codes, numbers, dates.

    A row is a header when some column has text in it above numbers in every row below (the
    Trafford population header names columns "0" … "89", and ONS lookups have "WD19CD", which is
    shaped like a postcode, above numbers in "FID").
    """
    cells = [c.strip() for c in row if c.strip()]
    if not cells:
        return False
    below = [r for r in (below or []) if any(c.strip() for c in r)][:20]
    if below:
        for j, cell in enumerate(row):
            cell = cell.strip()
            if not cell or _is_number(cell) or _DATA_CELL.fullmatch(cell.upper()):
                continue
            col = [r[j].strip() for r in below if j < len(r) and r[j].strip()]
            if len(col) >= min(3, len(below)) and all(_is_number(c) for c in col):
                return True
    # one postcode-shaped name among many (ONS's "OA11CD") is still a header; data rows of
    # headerless files have several such cells (postcode + dates or GSS codes) or few cells
    if any(_ONS_HEADER.fullmatch(c.upper()) for c in cells):
        return True
    data_cells = sum(1 for c in cells if _DATA_CELL.fullmatch(c.upper()))
    if data_cells >= 2 or (data_cells and len(cells) <= 3):
        return False
    numeric = sum(1 for c in cells if _is_number(c))
    return numeric / len(cells) < 0.25


def clean_columns(cols: list[str]) -> list[str]:
    """Strip whitespace/BOM, name blanks ``column_N``, make duplicates unique (``name_2``)."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, c in enumerate(cols):
        name = str(c).replace("\ufeff", "").strip() if c is not None else ""
        if not name or name.lower().startswith("unnamed:") or name.lower() == "nan":
            name = f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
        out.append(name)
    return out
