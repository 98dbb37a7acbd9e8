"""The workbook: a read-me sheet first, then one sheet per table, provenance and columns.

Numbers are numbers (with a display format), text is always a text cell (never a formula, even
when it starts with ``=``: see ``phdesk.core.safe_text``), hidden values are the text ``*``,
header rows are frozen and columns fitted. The file's dates are the run's date and the zip
entries carry that date too, so one run exports to the same bytes from the window and the CLI.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import zipfile
from pathlib import Path

import pandas as pd

from phdesk.core.errors import UserError
from phdesk.core.safe_text import is_formula_like
from phdesk.export.bundle import ExportBundle
from phdesk.export.formats import number_format
from phdesk.export.xlsx_rows import FAST_ROWS, ILLEGAL, fill_rows

MAX_ROWS = 1_048_000   # Excel's limit is 1,048,576 rows a sheet
WIDTH_MIN, WIDTH_MAX = 8, 60


def sheets_of(bundle: ExportBundle) -> list[tuple[str, str, pd.DataFrame]]:
    """(sheet name, what it holds, frame) for every data sheet, in order."""
    from phdesk.core.disclosure_compare import COMPARISON_DESCRIPTIONS  # noqa: F401

    t = bundle.tables
    out = [
        ("Neighbourhoods", "Mapping results per neighbourhood, population segment and asset "
         "category: population, coverage, access, overlap, gap score.",
         t["neighbourhood_segments"]),
        ("Areas", "Mapping results per area (LSOA), segment and asset category, every "
         "segment: residents, assets within reach, distance to the nearest, access. "
         "Patient-derived segments' residents are protected and their access hidden (see "
         "Disclosure control above).", t["area_access"]),
        ("Cold spots", "Areas outside every catchment of a category, with population and IMD "
         "decile.", t["cold_spots"]),
        ("Inequality", "Slope and relative index of inequality across IMD deciles.",
         t["inequality"]),
        ("Assets", "The assets mapped, with their area and neighbourhood.", t["assets"]),
        *[(_sheet_name(k), f"The run's {k.replace('_', ' ')} table (columns: see Columns).",
           frame) for k, frame in t.items() if k not in SHEETS],
        ("Notes", "Insight notes recorded in the project.", bundle.notes),
        ("Ideas and decisions", "Change ideas with their scores and decisions.", bundle.ideas),
    ]
    if bundle.comparison is not None:
        out.append(("Scenario comparison",
                    f"Scenario '{bundle.scenario}' against "
                    f"{repr(bundle.against) if bundle.against else 'the current register'}: "
                    "people covered, coverage, access and gap per neighbourhood, segment and "
                    "category; changes are differences of the shown values.", bundle.comparison))
    if bundle.extra.get("reach") is not None:
        out.append(("Reach changes",
                    "Residents newly within reach and no longer within reach of each category "
                    "in the scenario, by segment and neighbourhood (the total over all "
                    "neighbourhoods first; Core20 and the PLUS groups first).",
                    bundle.extra["reach"]))
    out.append(("Provenance", "Every file imported into the project: when, rows read and "
                "accepted, checksum.", _provenance(bundle.provenance)))
    out.append(("Columns", "What every column of every sheet means.", _columns(bundle)))
    return out


SHEETS = {"neighbourhood_segments": "Neighbourhoods", "area_access": "Areas",
          "cold_spots": "Cold spots", "inequality": "Inequality", "assets": "Assets"}


def _sheet_name(table: str) -> str:
    return SHEETS.get(table, table.replace("_", " ").capitalize()[:31])


def _provenance(p: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in ("id", "kind", "file_name", "imported_at", "rows_read", "rows_accepted",
                        "rows_rejected", "sha256", "phdesk_version") if c in p]
    return p[cols].reset_index(drop=True)


def _columns(bundle: ExportBundle) -> pd.DataFrame:
    from phdesk.core.disclosure_compare import COMPARISON_DESCRIPTIONS, REACH_DESCRIPTIONS
    from phdesk.core.mapping_output import DESCRIPTIONS

    rows = [(_sheet_name(t), c, d) for t, cols in DESCRIPTIONS.items() for c, d in cols.items()]
    if bundle.comparison is not None:
        rows += [("Scenario comparison", c, d) for c, d in COMPARISON_DESCRIPTIONS.items()]
    if bundle.extra.get("reach") is not None:
        rows += [("Reach changes", c, d) for c, d in REACH_DESCRIPTIONS.items()]
    return pd.DataFrame(rows, columns=["sheet", "column", "meaning"])


def write(bundle: ExportBundle, path: Path, **_options) -> list[Path]:
    """Write the workbook to ``path``; UserError if it cannot be written."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)   # far quicker for big sheets (no lxml in the bundle)
    readme = wb.create_sheet("Read me")
    data = sheets_of(bundle)
    _readme(readme, bundle, data)
    big = {}   # zip entry -> (rows, note): written by xlsx_rows after openpyxl (speed)
    for i, (name, _, frame) in enumerate(data, start=2):
        rows = _sheet(wb.create_sheet(name), frame, style_row_only=len(frame) > FAST_ROWS)
        if rows is not None:
            big[f"xl/worksheets/sheet{i}.xml"] = rows
    when = _run_datetime(bundle)
    wb.properties.creator = f"phdesk {bundle.version}"
    wb.properties.title = f"{bundle.title}: mapping results"
    wb.properties.created = wb.properties.modified = when
    wb.properties.lastModifiedBy = f"phdesk {bundle.version}"
    try:
        wb.save(path)
        _fix_zip_dates(path, when, big)
    except OSError as exc:
        raise UserError(f"{path}: cannot write ({exc.strerror})") from None
    return [path]


def _run_datetime(bundle: ExportBundle) -> dt.datetime:
    try:
        return dt.datetime.strptime(bundle.run_date, "%Y-%m-%d")
    except ValueError:
        return dt.datetime(2000, 1, 1)


def _fix_zip_dates(path: Path, when: dt.datetime, big: dict | None = None) -> None:
    """Rewrite the zip with every entry dated ``when`` (openpyxl stamps the current time) and
    the big sheets' rows filled in (``xlsx_rows.fill_rows``)."""
    with zipfile.ZipFile(path) as z:
        items = [(i, z.read(i.filename)) for i in z.infolist()]
    big = big or {}
    items = [(i, fill_rows(data, *big[i.filename]) if i.filename in big else data)
             for i, data in items]
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in items:
            if info.filename == "docProps/core.xml":   # openpyxl sets "modified" to now
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)", rb"\g<1>" + stamp + rb"\2",
                              data)
            fixed = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(fixed, data)


def _cell(ws, value, fmt: str | None = None, font=None):
    """One cell's value for a write-only sheet: numbers as numbers (with ``fmt``), anything
    else a text cell (never a formula, even for "=…"), None for missing."""
    from openpyxl.cell import WriteOnlyCell

    if value is None or value is pd.NA or value is pd.NaT or (
            isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item") and not isinstance(value, str):   # numpy scalars
        value = value.item()
    if isinstance(value, float) and math.isinf(value):
        value = str(value)
    if isinstance(value, bool | int | float):
        if fmt is None and font is None:
            return value
        cell = WriteOnlyCell(ws, value)
    else:
        text = value if isinstance(value, str) else (
            json.dumps(value) if isinstance(value, list | dict) else str(value))
        text = ILLEGAL.sub("", text)   # control characters XML cannot hold (would fail the save)
        if font is None and not is_formula_like(text):
            return text
        cell = WriteOnlyCell(ws, text)
        cell.data_type = "s"   # a text cell even for "=…": openpyxl would make it a formula
    if fmt is not None and not isinstance(value, str | bool):
        cell.number_format = fmt
    if font is not None:
        cell.font = font
    return cell


def _sheet(ws, frame: pd.DataFrame, style_row_only: bool = False):
    """Header and rows of ``frame``; with ``style_row_only`` only the header and a row that
    puts each column's number format in the workbook's styles, and returns (rows, note) for
    ``xlsx_rows.fill_rows`` to write after the save."""
    from openpyxl.styles import Font

    cols = [str(c) for c in frame.columns]
    values = frame.head(MAX_ROWS).astype(object).to_numpy()
    ws.freeze_panes = "A2"
    _fit(ws, cols, values)
    bold = Font(bold=True)
    ws.append([_cell(ws, c, font=bold) for c in cols])
    fmts = [number_format(c) for c in cols]
    note = (f"{len(frame) - MAX_ROWS:,} more rows not shown: export CSV for all rows"
            if len(frame) > MAX_ROWS else None)
    if style_row_only:
        ws.append([_cell(ws, 0, f) if f else None for f in fmts])
        return values, note
    for row in values:
        ws.append([_cell(ws, v, f) for v, f in zip(row, fmts, strict=True)])
    if note:
        ws.append([note])
    return None


def _fit(ws, cols: list[str], values) -> None:
    from openpyxl.utils import get_column_letter

    sample = values[:2000]
    for j, c in enumerate(cols, start=1):
        longest = max([len(c)] + [len(_shown(v)) for v in (r[j - 1] for r in sample)])
        ws.column_dimensions[get_column_letter(j)].width = max(WIDTH_MIN,
                                                               min(WIDTH_MAX, longest + 2))


def _shown(v) -> str:
    if isinstance(v, float):
        return "" if math.isnan(v) else f"{v:,.2f}"
    return "" if v is None else str(v)


def _readme(ws, bundle: ExportBundle, data) -> None:
    from openpyxl.styles import Alignment, Font

    from phdesk.core.disclosure_tables import protection_notes

    r = bundle.rule
    s = bundle.summary
    lines: list[tuple[str, object]] = [
        (f"{bundle.title}: neighbourhood mapping results", None),
        ("Project file", bundle.project_file),
        ("Mapping run date", bundle.run_date),
        ("Made with", f"phdesk {bundle.version}"),
        ("Neighbourhoods", ", ".join(bundle.neighbourhoods)),
        ("", None),
        ("Disclosure control", bundle.statement),
        ("Threshold (counts 1 to N hidden)", r.threshold if r.enabled else "off"),
        ("Rounding base", r.rounding_base if r.enabled else "off"),
        ("", None),
        ("What is protected, and how", None),
        *protection_notes(r, bundle.classes),
        ("", None),
        ("Sheets", None),
        ("Read me", "This sheet: the project, its sources, the run's parameters and the "
                    "disclosure rule."),
        *[(name, what) for name, what, _ in data],
        ("", None),
        ("Sources and editions", None),
        *bundle.sources(),
        ("", None),
        ("Run parameters", None),
        *[(k, v if isinstance(v, int | float | str) else json.dumps(v))
          for k, v in bundle.parameters.items()],
        ("Areas mapped", s.get("areas")),
        ("Assets mapped", s.get("assets_mapped")),
        *[(f"Category: {c}", f"radius {v.get('radius_m'):,.0f} m; serves "
                             f"{', '.join(v.get('serves', []))}; {v.get('assets')} assets")
          for c, v in (s.get("categories") or {}).items()],
        *[("Note", n) for n in s.get("notes", [])],
    ]
    bold = Font(bold=True)
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 110
    wrap = Alignment(wrap_text=True, vertical="top")
    for i, (k, v) in enumerate(lines, start=1):
        if v is None and k:
            ws.append([_cell(ws, k, font=Font(bold=True, size=13 if i == 1 else 11))])
            continue
        second = _cell(ws, v, font=Font())
        if second is not None:
            second.alignment = wrap
        ws.append([_cell(ws, k, font=bold), second])
