"""Population-weighted centroids: a point file with one point per area code (ONS PWC layers,
council re-publications such as Lewisham's ``lbl_lsoa11_centroids.json``).

The points are stored as the areas' ``pw_centroid_e`` / ``pw_centroid_n`` (EPSG:27700 metres);
the mapping engine measures catchment distances from them instead of the polygon centroid
(docs/mapping.md). Points for codes that are not the project's areas are skipped and counted;
a later boundaries import keeps the centroids already stored.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from phdesk.core.errors import UserError
from phdesk.core.imports import GEO_SUFFIXES, ImportContext, Prepared, Sample
from phdesk.core.imports import area_codes as ac
from phdesk.core.imports.contract import TableWriter
from phdesk.core.imports.geofiles import peek_geo, read_geo
from phdesk.core.imports.report import ImportReport

KIND = "centroids"
LABEL = "Population-weighted centroids (one point per area)"
NOT_POINT = "not a point"
EMPTY = "empty or missing geometry"


def _code_column(attrs: pd.DataFrame) -> str | None:
    cols = list(attrs.columns)
    while cols:
        col = ac.find_code_column(cols)
        if col is None:
            return None
        if ac.mostly_codes(attrs[col]):
            return col
        cols.remove(col)
    return None


def detect(sample: Sample) -> str | None:
    if sample.suffix not in GEO_SUFFIXES:
        return None
    peek = peek_geo(sample.path)
    if peek is None or peek.geom_types != {"Point"}:
        return None
    code = _code_column(peek.sample)
    if code is None:
        return None
    codes = ac.clean_codes(peek.sample[code]).dropna()
    if codes.duplicated().any():
        return None          # several points per area: sites, not centroids
    return f"area centroids ({peek.fmt}): one point per code in '{code}'"


def prepare(path: Path, ctx: ImportContext) -> Prepared:
    data = read_geo(path)
    report = ImportReport(file=path.name, rows_read=len(data.geometries))
    attrs = data.attributes
    code_col = ctx.options.get("area") or _code_column(attrs)
    if code_col is None or code_col not in attrs.columns:
        raise UserError(f"{path.name}: no area code column (e.g. LSOA11CD, LSOA21CD, area_code)")
    rows = np.arange(1, len(attrs) + 1)
    geoms = data.geometries
    null = pd.isna(geoms)
    report.reject(rows[null], "geometry", EMPTY)
    ok = ~null
    types = np.full(len(geoms), -1)
    types[ok] = shapely.get_type_id(geoms[ok])
    notpoint = ok & (types != 0)
    report.reject(rows[notpoint], "geometry", NOT_POINT)
    ok &= ~notpoint
    codes = ac.clean_codes(attrs[code_col])
    ok = ac.reject_malformed(report, codes, rows, code_col, ok)
    ok = ac.reject_duplicates(report, codes, rows, code_col, ok)
    frame = pd.DataFrame({"code": codes[ok].to_numpy(),
                          "e": shapely.get_x(geoms[ok]), "n": shapely.get_y(geoms[ok])})
    report.rows_accepted = int(ok.sum())
    known = ctx.known_areas
    if ctx.project is not None:
        inside = frame["code"].isin(known)
        if (~inside).any():
            report.warn(f"{int((~inside).sum())} centroids are for areas not in the project "
                        "(skipped; import the boundaries first, or these are of another "
                        "vintage)")
        frame = frame[inside]
    report.details.update({"area_column": code_col, "areas_updated": len(frame),
                           "source_epsg": data.source_epsg})
    ctx.progress(1.0, "checked")

    def write(w: TableWriter, prog) -> None:
        w.set_pw_centroids(frame["code"].tolist(), frame["e"].to_numpy(float),
                           frame["n"].to_numpy(float))
        prog(1.0, "writing centroids")

    return Prepared(path, report, write, frame.head(200))
