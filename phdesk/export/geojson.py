"""GeoJSON (RFC 7946): areas and neighbourhoods with their measures, assets as points.

Coordinates are longitude/latitude in EPSG:4326 (RFC 7946 allows no other CRS, so there is no
``crs`` member), 6 decimals (~0.1 m), exterior rings anticlockwise. Each feature has ``layer``
(area | neighbourhood | asset). Measures are for the ``All`` segment, one property per category
(``<measure> (<category>)``); a hidden value is ``null`` and its property is named in the
feature's ``suppressed`` list. The collection carries the disclosure statement as
``disclosure``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from phdesk.core.disclosure import SUPPRESSED
from phdesk.core.errors import UserError
from phdesk.export.bundle import ExportBundle

AREA_MEASURES = ("assets_within", "nearest_m", "access_2sfca")
NB_MEASURES = ("coverage_pct", "access_2sfca", "gap_score")


def _to_wgs84(geoms: np.ndarray) -> np.ndarray:
    from pyproj import Transformer

    tr = Transformer.from_crs(27700, 4326, always_xy=True)
    out = shapely.transform(geoms, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
    out = shapely.set_precision(out, 1e-6)
    return np.array([shapely.geometry.polygon.orient(g, 1.0)
                     if g is not None and g.geom_type == "Polygon" else
                     (shapely.MultiPolygon([shapely.geometry.polygon.orient(p, 1.0)
                                            for p in g.geoms])
                      if g is not None and g.geom_type == "MultiPolygon" else g)
                     for g in out], dtype=object)


def _value(v):
    if hasattr(v, "item") and not isinstance(v, str):
        v = v.item()
    if v is None or v is pd.NA or (isinstance(v, float) and not np.isfinite(v)):
        return None
    return round(v, 6) if isinstance(v, float) else v


def _props(base: dict, measures: dict) -> dict:
    hidden = [k for k, v in measures.items() if v == SUPPRESSED]
    props = {k: _value(v) for k, v in base.items()}
    props.update({k: (None if v == SUPPRESSED else _value(v)) for k, v in measures.items()})
    if hidden:
        props["suppressed"] = hidden
    return props


def features(bundle: ExportBundle) -> list[dict]:
    areas = bundle.areas[bundle.areas["neighbourhood"].isin(bundle.neighbourhoods)]
    aa = bundle.tables["area_access"]
    aa = aa[aa["segment"].astype(str) == "All"]
    per_area: dict[str, dict] = {}
    for r in aa.itertuples(index=False):
        m = per_area.setdefault(str(r.area_code), {"population": r.population})
        for col in AREA_MEASURES:
            m[f"{col} ({r.category})"] = getattr(r, col)
    feats = []
    geoms = _to_wgs84(areas["geometry"].to_numpy(dtype=object))
    for (_, a), g in zip(areas.iterrows(), geoms, strict=True):
        if g is None:
            continue
        base = {"layer": "area", "area_code": a["code"], "name": a["name"],
                "neighbourhood": a["neighbourhood"], "imd_decile": _value(a["imd_decile"])}
        feats.append({"type": "Feature", "geometry": shapely.geometry.mapping(g),
                      "properties": _props(base, per_area.get(str(a["code"]), {}))})
    ns = bundle.tables["neighbourhood_segments"]
    ns = ns[ns["segment"].astype(str) == "All"]
    nb_geom = areas.groupby("neighbourhood")["geometry"].agg(
        lambda s: shapely.union_all([g for g in s if g is not None]))
    nb_wgs = _to_wgs84(nb_geom.to_numpy(dtype=object))
    for name, g in zip(nb_geom.index, nb_wgs, strict=True):
        mine = ns[ns["neighbourhood"].astype(str) == name]
        m = {"population": mine["population"].iloc[0] if len(mine) else None}
        for r in mine.itertuples(index=False):
            for col in NB_MEASURES:
                m[f"{col} ({r.category})"] = getattr(r, col)
        feats.append({"type": "Feature", "geometry": shapely.geometry.mapping(g),
                      "properties": _props({"layer": "neighbourhood", "neighbourhood": name},
                                           m)})
    assets = bundle.tables["assets"]
    assets = assets[assets["neighbourhood"].isin(bundle.neighbourhoods)
                    & assets["easting"].notna()]
    pts = _to_wgs84(shapely.points(assets["easting"].to_numpy(float),
                                   assets["northing"].to_numpy(float)))
    for (_, a), g in zip(assets.iterrows(), pts, strict=True):
        feats.append({"type": "Feature", "geometry": shapely.geometry.mapping(g),
                      "properties": {"layer": "asset", "asset_id": _value(a["asset_id"]),
                                     "name": a["name"], "category": a["category"],
                                     "source_id": _value(a["source_id"]),
                                     "area_code": a["area_code"],
                                     "neighbourhood": a["neighbourhood"]}})
    return feats


def write(bundle: ExportBundle, path: Path, **_options) -> list[Path]:
    doc = {"type": "FeatureCollection", "name": bundle.title,
           "disclosure": bundle.statement, "run_date": bundle.run_date,
           "features": features(bundle)}
    try:
        path.write_text(json.dumps(doc, ensure_ascii=False, allow_nan=False,
                                   default=_default), encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{path}: cannot write ({exc.strerror})") from None
    return [path]


def _default(v):
    if isinstance(v, np.generic):
        return v.item()
    if v is pd.NA:
        return None
    return str(v)
