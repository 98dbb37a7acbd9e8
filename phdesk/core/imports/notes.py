"""Insight notes from a CSV/XLSX of survey or workshop comments (kind ``notes``).

One note per row: the comment (``comment``, ``response``, ``feedback``, ``note``…), and optionally
who it came from (``source``: mapped to resident, VCSE, clinician, council or other), an author,
tags (``tags``/``themes``), a date, and where it is about: a ``postcode`` (placed at the postcode's
point, EPSG:27700 metres, and its LSOA), an area code (LSOA) or a neighbourhood name. The
neighbourhood of a postcode or area comes from the project's neighbourhood lookup. A place given
but not found rejects the row (row, column, reason); a comment with no place at all is kept for
the whole project (with a warning). Options: ``text=``, ``source=``, ``postcode=``, ``area=``,
``neighbourhood=``, ``tags=``, ``date=`` name the columns.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from phdesk.core import geo
from phdesk.core.errors import UserError
from phdesk.core.imports import ImportContext, Prepared, Sample
from phdesk.core.imports import area_codes as ac
from phdesk.core.imports.contract import TableWriter
from phdesk.core.imports.placing import POSTCODE_NAMES, lookup_coordinates
from phdesk.core.imports.reading import find_column, read_table
from phdesk.core.imports.report import (
    MALFORMED_POSTCODE,
    MISSING_VALUE,
    POSTCODE_NOT_FOUND,
    ImportReport,
)

KIND = "notes"
LABEL = "Insight notes (survey or workshop comments)"
TEXT_NAMES = ("comment", "comments", "response", "feedback", "what people said", "insight",
              "free text", "note", "notes", "text")
STRONG_TEXT = TEXT_NAMES[:7]   # names an asset register would not use for a column
SOURCE_NAMES = ("source", "source kind", "respondent type", "respondent", "who", "from",
                "stakeholder", "type of respondent")
# not "name": a survey's respondent names are personal data; take them only when asked
# (option author=COLUMN)
AUTHOR_NAMES = ("author", "recorded by", "organisation", "group")
TAG_NAMES = ("tags", "tag", "themes", "theme", "topics", "topic", "barriers")
DATE_NAMES = ("date", "created", "submitted", "created at", "date submitted", "timestamp")
NEIGHBOURHOOD_NAMES = ("neighbourhood", "neighborhood", "locality", "pcn", "area name")
UNKNOWN_AREA = "area code not among the project's areas"
UNKNOWN_NEIGHBOURHOOD = "no neighbourhood of this name in the project"
NOT_A_DATE = "not a date"
SOURCE_WORDS = [   # (pattern, kind): first match wins
    (r"vcse|voluntary|charit|community (?:group|org)|faith|third sector|vcs\b", "VCSE"),
    (r"council|local authority|\bla\b|officer|councillor|public health", "council"),
    (r"clinic|\bgp\b|doctor|nurse|pharmac|health professional|\bnhs\b|therapist|midwife",
     "clinician"),
    (r"resident|public|patient|service user|community member|carer|parent|local", "resident"),
]


def detect(sample: Sample) -> str | None:
    if sample.table is None or sample.headerless:
        return None
    cols = sample.columns
    strong = find_column(cols, *STRONG_TEXT)
    if strong:
        return f"comments ({strong}) to pin as insight notes"
    weak = find_column(cols, *TEXT_NAMES)
    if weak and find_column(cols, *SOURCE_NAMES[:3], *TAG_NAMES):
        return f"notes ({weak}) with their source or tags"
    return None


def source_kind(values: pd.Series) -> tuple[pd.Series, int]:
    """Canonical source kinds from free text; ``(kinds, how many fell back to 'other')``."""
    text = values.astype("string").str.strip().str.casefold()
    out = pd.Series("other", index=values.index, dtype=object)
    done = pd.Series(False, index=values.index)
    for pattern, kind in SOURCE_WORDS:
        hit = text.str.contains(pattern, regex=True).fillna(False).astype(bool) & ~done
        out[hit], done = kind, done | hit
    other = text.fillna("").str.fullmatch(r"other|").fillna(True).astype(bool)
    return out, int((~done & ~other).sum())


def _column(cols: list[str], options: dict, key: str, names: tuple[str, ...]) -> str | None:
    return options[key] if options.get(key) else find_column(cols, *names)


def prepare(path: Path, ctx: ImportContext) -> Prepared:
    table = read_table(path)
    df, rows = table.df.reset_index(drop=True), table.row_numbers()
    cols = list(df.columns)
    opt = ctx.options
    ac.check_option_columns(path.name, cols, opt, ("text", "source", "author", "tags", "date",
                                                   "postcode", "area", "neighbourhood"))
    c = {"text": _column(cols, opt, "text", TEXT_NAMES),
         "source": _column(cols, opt, "source", SOURCE_NAMES),
         "author": _column(cols, opt, "author", AUTHOR_NAMES),
         "tags": _column(cols, opt, "tags", TAG_NAMES),
         "date": _column(cols, opt, "date", DATE_NAMES),
         "postcode": _column(cols, opt, "postcode", POSTCODE_NAMES),
         "area": opt.get("area") or ac.find_code_column(cols) or find_column(cols, "area code"),
         "neighbourhood": _column(cols, opt, "neighbourhood", NEIGHBOURHOOD_NAMES)}
    if c["text"] is None:
        raise UserError(f"{path.name}: no comment column (expected e.g. comment, response, "
                        "feedback, note; or option text=COLUMN)")
    report = ImportReport(file=path.name, rows_read=len(df))

    def text(key: str) -> pd.Series:
        if c[key] is None:
            return pd.Series(pd.NA, index=df.index, dtype="string")
        s = df[c[key]].astype("string").str.strip()
        return s.where(s != "")

    body = text("text")
    ok = body.notna().to_numpy(dtype=bool).copy()
    report.reject(rows[~ok], c["text"], MISSING_VALUE)
    kinds, unknown = source_kind(text("source"))
    if unknown:
        report.warn(f"{unknown} rows have a source that is not resident, VCSE, clinician or "
                    "council; recorded as other")
    dates = _dates(text("date"), rows, c["date"], report, ok)
    place = _place(ctx, text("postcode"), text("area"), text("neighbourhood"), rows, c,
                   report, ok)
    if ok.any() and not (place["area_code"].notna() | place["neighbourhood"].notna())[ok].all():
        report.warn(f"{int((place['area_code'].isna() & place['neighbourhood'].isna())[ok].sum())}"
                    " comments have no place; they are kept for the whole project")
    from phdesk.store.planning import format_tags

    notes = pd.DataFrame({
        "created_at": dates, "source_kind": kinds, "author": text("author").astype(object),
        "text": body.astype(object), "tags": text("tags").map(format_tags, na_action="ignore"),
        **{k: place[k] for k in ("area_code", "easting", "northing", "neighbourhood")}})[ok]
    notes["tags"] = notes["tags"].fillna("")
    report.rows_accepted = int(ok.sum())
    report.details.update({"columns": {k: v for k, v in c.items() if v}, "notes": len(notes)})

    def write(w: TableWriter, prog) -> None:
        w.add_notes(notes)   # neighbourhoods matched by name, whatever their capitals
        prog(1.0, "writing notes")

    preview = notes[["source_kind", "neighbourhood", "area_code", "tags", "text"]].head(200)
    return Prepared(path, report, write, preview)


def _dates(values: pd.Series, rows: np.ndarray, col: str | None, report: ImportReport,
           ok: np.ndarray) -> pd.Series:
    """ISO 8601 dates (day first, as UK surveys write them); empty cells get the import time."""
    from phdesk.store.project import utc_now

    parsed = pd.to_datetime(values, errors="coerce", dayfirst=True, format="mixed")
    bad = (values.notna() & parsed.isna()).to_numpy() & ok
    report.reject(rows[bad], col or "date", NOT_A_DATE, values[bad])
    ok &= ~bad
    return pd.Series(np.where(parsed.notna(), parsed.dt.strftime("%Y-%m-%d"), utc_now()),
                     index=values.index, dtype=object)


def _place(ctx: ImportContext, postcode: pd.Series, area: pd.Series, hood: pd.Series,
           rows: np.ndarray, c: dict, report: ImportReport, ok: np.ndarray) -> pd.DataFrame:
    """area_code, easting, northing (metres), neighbourhood for each row; rejects what is given
    but not found. A postcode wins over an area code, which wins over a neighbourhood name."""
    out = pd.DataFrame({"area_code": area.str.upper().astype(object), "easting": np.nan,
                        "northing": np.nan, "neighbourhood": None}, index=postcode.index)
    norm = geo.normalise_postcode(postcode.str.replace(r"[^A-Za-z0-9\s]", "", regex=True))
    has_pc = postcode.notna().to_numpy() & ok
    valid = geo.valid_postcode(norm).fillna(False).to_numpy(dtype=bool)
    report.reject(rows[has_pc & ~valid], c["postcode"], MALFORMED_POSTCODE,
                  postcode[has_pc & ~valid])
    ok &= ~(has_pc & ~valid)
    todo = has_pc & valid
    if todo.any():
        found = lookup_coordinates(ctx, norm[todo])
        missing = ~found["found"].to_numpy()
        idx = np.flatnonzero(todo)
        report.reject(rows[idx[missing]], c["postcode"], POSTCODE_NOT_FOUND,
                      postcode[todo][missing])
        ok[idx[missing]] = False
        out.loc[out.index[idx], ["easting", "northing"]] = found[["easting", "northing"]].to_numpy()
        lsoa = found["lsoa_code"].to_numpy(dtype=object)
        have = pd.notna(lsoa)
        out.loc[out.index[idx[have]], "area_code"] = lsoa[have]
    lookup, centroids, names = _project_places(ctx)
    has_area = area.notna().to_numpy() & ok & ~todo
    if has_area.any():
        good = ac.reject_malformed(report, ac.clean_codes(area), rows, c["area"], has_area)
        ok &= good | ~has_area
        known = out["area_code"].isin(centroids.index).to_numpy()
        unknown = has_area & good & ~known
        if len(centroids):
            report.reject(rows[unknown], c["area"], UNKNOWN_AREA, area[unknown])
            ok &= ~unknown
        at = has_area & ok & known
        pts = centroids.reindex(out.loc[at, "area_code"])
        out.loc[at, "easting"], out.loc[at, "northing"] = pts["e"].to_numpy(), pts["n"].to_numpy()
    out["neighbourhood"] = out["area_code"].map(lookup)
    by_name = hood.notna().to_numpy() & ok & out["neighbourhood"].isna().to_numpy()
    if by_name.any():
        canon = hood.str.casefold().map({x.casefold(): x for x in names})
        missing = by_name & canon.isna().to_numpy()
        report.reject(rows[missing], c["neighbourhood"], UNKNOWN_NEIGHBOURHOOD, hood[missing])
        ok &= ~missing
        out.loc[by_name & ~missing, "neighbourhood"] = canon[by_name & ~missing]
    return out


def _project_places(ctx: ImportContext) -> tuple[pd.Series, pd.DataFrame, list[str]]:
    """area_code -> neighbourhood, area points (e, n metres), neighbourhood names."""
    if ctx.project is None:
        return pd.Series(dtype=object), pd.DataFrame(columns=["e", "n"]), []
    from phdesk.store import queries

    lk = queries.neighbourhood_lookup(ctx.project)
    areas = queries.areas_frame(ctx.project, with_geometry=False)
    pts = pd.DataFrame({"e": areas["pw_centroid_e"].fillna(areas["centroid_e"]).to_numpy(),
                        "n": areas["pw_centroid_n"].fillna(areas["centroid_n"]).to_numpy()},
                       index=areas["code"].astype(str))
    return (lk.set_index("area_code")["neighbourhood"], pts, queries.neighbourhoods(ctx.project))

