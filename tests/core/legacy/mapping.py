"""Asset mapping: which assets serve which people, per neighbourhood, and where the gaps are.

:func:`run_mapping` reads a project, calls the pure :func:`compute_mapping` (plain frames and
shapely geometries in, a :class:`MappingResult` out, so tests and benchmarks need no project) and
records the run in ``mapping_runs``. :func:`write_outputs` writes the five CSV tables.

Method in brief (details in docs/mapping.md): assets are placed in areas by point in polygon; each
area is represented by its population-weighted centroid (else its polygon centroid); an area is in
an asset's catchment when that point is within the category's radius (metres, EPSG:27700,
inclusive). Coverage, overlap, 2SFCA/E2SFCA accessibility and gap scores follow
``phdesk.core.mapping_measures`` and ``phdesk.core.mapping_access``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import numbers
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from phdesk import __version__
from phdesk.core.categories import DEFAULT_RADIUS_M, category_table
from phdesk.core.errors import UserError
from phdesk.core.progress import CancelFn, Cancelled, Progress, ProgressFn, as_progress
from phdesk.core.segments import ALL
from tests.core.legacy.mapping_access import (
    area_points,
    fca,
    nearest_distance,
    overlay_largest,
    pairs_within,
    points_in_polygons,
    step_weights,
)
from tests.core.legacy.mapping_measures import inequality_block, neighbourhood_block
from tests.core.legacy.mapping_output import (
    COLUMNS,
    area_table,
    frame_of,
    neighbourhood_table,
    write_outputs,
)

if TYPE_CHECKING:
    from phdesk.store.project import Project

NO_NEIGHBOURHOOD = "(no neighbourhood)"
SII_SEED = 20031  # fixed, so a run's inequality limits are reproducible


@dataclass
class MappingParams:
    """What to map and how. Radii in metres (straight line, EPSG:27700)."""

    default_radius_m: float = DEFAULT_RADIUS_M
    radius_m: dict[str, float] = field(default_factory=dict)   # per-category override (metres)
    radius_override: bool = False      # CLI --radius: default_radius_m for every category
    categories: list[str] | None = None   # None = all
    segments: list[str] | None = None     # None = all available
    e2sfca_weights: tuple[float, float, float] = (1.0, 0.68, 0.22)
    sii_repetitions: int = 10_000      # simulation draws for the SII/RII limits


@dataclass
class MappingResult:
    """The tables of one mapping run (columns: see ``phdesk.core.mapping_output.COLUMNS``).

    The text columns of ``area_access`` (area_code, neighbourhood, segment, category) are pandas
    categoricals (England: 1M+ rows); compare them with strings as usual.
    """

    params: MappingParams
    neighbourhood_segments: pd.DataFrame
    area_access: pd.DataFrame
    assets: pd.DataFrame
    cold_spots: pd.DataFrame
    inequality: pd.DataFrame
    run_id: int | None
    finished_at: str
    summary: dict = field(default_factory=dict)   # counts, population dataset used, notes


@dataclass
class MappingInputs:
    """Everything :func:`compute_mapping` needs, as plain frames (EPSG:27700 metres).

    areas: code, neighbourhood (or None), geometry (shapely or None), centroid_e/n,
    pw_centroid_e/n, imd_decile (optional), level (optional).
    assets: id, name, category, easting, northing, capacity, source_id.
    segments: area_code, segment, population.
    neighbourhoods: name, geometry (optional; for areas missing from the lookup).
    settings: saved category settings: category, radius_m, serves (list).
    info: where the population came from (copied into the summary).
    """

    areas: pd.DataFrame
    assets: pd.DataFrame
    segments: pd.DataFrame
    neighbourhoods: pd.DataFrame | None = None
    settings: pd.DataFrame | None = None
    info: dict = field(default_factory=dict)


def load_inputs(project: Project) -> MappingInputs:
    """Read a project's areas, assets, segments and settings through ``phdesk.store.queries``."""

    from phdesk.core.segments import project_segments
    from phdesk.store import queries

    areas = queries.areas_frame(project)
    dep = queries.deprivation_frame(project, "imd")
    areas["imd_decile"] = areas["code"].map(
        pd.Series(dep["decile"].to_numpy(dtype=float), index=dep["area_code"].astype(str)))
    table = project_segments(project)
    nbh = queries.neighbourhood_polygons(project)
    return MappingInputs(areas=areas, assets=queries.assets_frame(project),
                         segments=table.population, neighbourhoods=nbh,
                         settings=queries.category_settings(project), info=dict(table.info))


def _select_categories(assets: pd.DataFrame, wanted: list[str] | None) -> pd.DataFrame:
    if not wanted:
        return assets
    # casefold -> every spelling in the register ("Pharmacy" and "pharmacy" are both selected)
    present: dict[str, list] = {}
    for c in assets["category"].dropna().unique():
        present.setdefault(str(c).casefold(), []).append(c)
    unknown = [w for w in wanted if w.casefold() not in present]
    if unknown:
        raise UserError(f"no assets in categor{'y' if len(unknown) == 1 else 'ies'} "
                        f"{', '.join(map(repr, unknown))}; categories are: "
                        f"{', '.join(sorted(str(c) for cs in present.values() for c in cs))}")
    keep = {c for w in wanted for c in present[w.casefold()]}
    return assets[assets["category"].isin(keep)]


def _check_params(params: MappingParams) -> None:
    radii = {"default": params.default_radius_m, **params.radius_m}
    bad = [f"{k} ({v!r})" for k, v in radii.items()
           if isinstance(v, bool) or not isinstance(v, numbers.Real)
           or not 0 < float(v) < float("inf")]
    if bad:
        raise UserError(f"catchment radius must be a positive number of metres: {', '.join(bad)}")
    # plain floats from here on (numpy numbers would be saved as strings in the run record)
    params.default_radius_m = float(params.default_radius_m)
    params.radius_m = {k: float(v) for k, v in params.radius_m.items()}
    w = params.e2sfca_weights
    if len(w) != 3 or any(not 0 <= float(x) < float("inf") for x in w) or not any(w):
        raise UserError(f"E2SFCA weights must be three numbers >= 0, not all 0 (got {w!r})")


def compute_mapping(inputs: MappingInputs, params: MappingParams | None = None,
                    progress: ProgressFn | Progress | None = None) -> MappingResult:
    """Compute every mapping table from plain inputs (no project, nothing written).

    Raises UserError when there are no areas, no population or no placed assets.
    """
    params = params or MappingParams()
    _check_params(params)
    prog = as_progress(progress)
    t0 = time.perf_counter()
    notes: list[str] = []
    summary: dict = {k: v for k, v in inputs.info.items() if k != "notes"}
    notes += list(inputs.info.get("notes", []))
    prog(0.0, "Preparing areas")

    # -- areas and their neighbourhoods ---------------------------------------------------
    areas, seg = inputs.areas, inputs.segments
    if areas.empty:
        raise UserError("the project has no areas: import boundaries (LSOA polygons) first")
    if seg.empty:
        raise UserError("the project has no population: import population estimates first")
    if "level" in areas and areas["level"].nunique() > 1:
        lv = areas.loc[areas["code"].isin(set(seg["area_code"])), "level"].mode()
        if len(lv):
            notes.append(f"areas of level {lv.iloc[0]} used (the level the population is for)")
            areas = areas[areas["level"] == lv.iloc[0]]
    areas = areas.reset_index(drop=True)
    codes = areas["code"].astype(str).to_numpy()
    n = len(codes)
    geoms = (areas["geometry"].to_numpy(dtype=object) if "geometry" in areas
             else np.full(n, None, dtype=object))
    ax, ay, point_src = area_points(areas)
    nb_names = (areas["neighbourhood"].to_numpy(dtype=object, copy=True)
                if "neighbourhood" in areas else np.full(n, None, dtype=object))
    nb_missing = pd.isna(nb_names)
    nbh = inputs.neighbourhoods
    nb_geoms = None
    if nbh is not None and len(nbh) and "geometry" in nbh and nbh["geometry"].notna().any():
        nb_geoms = nbh["geometry"].to_numpy(dtype=object)
        if nb_missing.any():
            best = overlay_largest(geoms[nb_missing], nb_geoms)
            filled = np.where(best >= 0, nbh["name"].to_numpy(dtype=object)[best], None)
            nb_names[nb_missing] = filled
            summary["areas_assigned_by_overlay"] = int((best >= 0).sum())
    nb_names = np.where(pd.isna(nb_names), NO_NEIGHBOURHOOD, nb_names).astype(str)
    nb_cat = pd.Categorical(nb_names)
    nb, nb_list = nb_cat.codes.astype(np.int64), list(nb_cat.categories)
    n_nb = len(nb_list)
    decile = (pd.to_numeric(areas["imd_decile"], errors="coerce").to_numpy(dtype=float)
              if "imd_decile" in areas else np.full(n, np.nan))
    if not np.isfinite(decile).any():
        notes.append("no IMD deciles for the areas: no inequality (SII/RII) measures; "
                     "import the IMD to get them")
    elif not np.isfinite(decile).all():
        notes.append(f"{int((~np.isfinite(decile)).sum())} areas without an IMD decile are "
                     "left out of the inequality measures")

    # -- segment populations as an areas x segments matrix --------------------------------
    # factorise once: per-row Python work on the long frame (~700k rows for England) is slow
    # (categorical columns, as segment_population gives, factorise from their codes: no strings)
    seg_codes, seg_names = pd.factorize(seg["segment"])
    area_codes_f, area_uniques = pd.factorize(seg["area_code"])
    seg_names, area_uniques = pd.Index(seg_names).astype(str), pd.Index(area_uniques).astype(str)
    available = [str(s) for s in seg_names]
    if params.segments:
        unknown = [s for s in params.segments if s not in available]
        if unknown:
            notes.append(f"segments not in the data, skipped: {', '.join(unknown)}")
        wanted = [ALL] + [s for s in params.segments if s in available and s != ALL]
    else:
        wanted = available
    seg_pos = {s: k for k, s in enumerate(wanted)}
    a_pos = pd.Series(np.arange(n), index=codes)
    ri = a_pos.reindex(area_uniques).to_numpy(dtype=float)[area_codes_f]
    si = np.array([seg_pos.get(s, np.nan) for s in available], dtype=float)[seg_codes]
    ok = np.isfinite(ri) & np.isfinite(si)
    pop = np.bincount(ri[ok].astype(np.int64) * len(wanted) + si[ok].astype(np.int64),
                      weights=seg["population"].to_numpy(dtype=float)[ok],
                      minlength=n * len(wanted)).reshape(n, len(wanted))
    outside = int((~np.isfinite(a_pos.reindex(area_uniques).to_numpy(dtype=float))).sum())
    if outside:
        notes.append(f"population for {outside} areas without boundaries was left out")
    if ALL not in seg_pos or pop[:, seg_pos[ALL]].sum() <= 0:
        raise UserError("no population in the project's areas: import population estimates "
                        "for the same areas as the boundaries")

    # -- assets ---------------------------------------------------------------------------
    prog(0.05, "Placing assets")
    assets = _select_categories(inputs.assets, params.categories)
    bx_all = pd.to_numeric(assets["easting"], errors="coerce").to_numpy(dtype=float)
    by_all = pd.to_numeric(assets["northing"], errors="coerce").to_numpy(dtype=float)
    placed = np.isfinite(bx_all) & np.isfinite(by_all)
    if (~placed).any():
        examples = assets.loc[~placed, "name"].astype(str).head(5).tolist()
        summary["assets_skipped_no_coordinates"] = int((~placed).sum())
        notes.append(f"{int((~placed).sum())} assets without coordinates skipped "
                     f"(e.g. {', '.join(examples)})")
    unplaced = sorted(set(assets["category"].astype(str)) -
                      set(assets.loc[placed, "category"].astype(str)))
    if unplaced:
        notes.append(f"no assets with coordinates, not mapped: {', '.join(unplaced)}")
    assets = assets[placed].reset_index(drop=True)
    if assets.empty and params.categories and len(inputs.assets):
        raise UserError(f"no assets with coordinates in {', '.join(unplaced)}: give them "
                        "coordinates or postcodes (with a postcode directory)")
    if assets.empty:
        raise UserError("the project has no assets with coordinates to map: import an asset "
                        "register (with coordinates or postcodes and a postcode directory)")
    bx, by = bx_all[placed], by_all[placed]
    cap = pd.to_numeric(assets.get("capacity"), errors="coerce").to_numpy(dtype=float) \
        if "capacity" in assets else np.ones(len(assets))
    cap = np.clip(np.where(np.isfinite(cap), cap, 1.0), 0.0, None)
    a_pts, b_pts = shapely.points(ax, ay), shapely.points(bx, by)  # built once, used thrice
    in_area = points_in_polygons(bx, by, geoms, b_pts)
    asset_nb_name = np.where(in_area >= 0, nb_names[np.maximum(in_area, 0)], None)
    if nb_geoms is not None and (in_area < 0).any():  # outside every area: try the polygons
        out = np.flatnonzero(in_area < 0)
        k = points_in_polygons(bx[out], by[out], nb_geoms)
        asset_nb_name[out[k >= 0]] = nbh["name"].to_numpy(dtype=object)[k[k >= 0]]
    a_nb = pd.Series(asset_nb_name).map({name: k for k, name in enumerate(nb_list)})
    a_nb = a_nb.fillna(-1).to_numpy(dtype=np.int64)
    summary["assets_outside_areas"] = int((in_area < 0).sum())

    # -- categories: radius and segments served ----------------------------------------------
    cat_codes, categories = pd.factorize(assets["category"].astype(str), sort=True)
    table = category_table(list(categories), inputs.settings, wanted, params.default_radius_m)
    radius = np.array([params.default_radius_m if params.radius_override else
                       float(params.radius_m.get(c, r))
                       for c, r in zip(table["category"], table["radius_m"], strict=True)])
    serves = [[s for s in sv if s in seg_pos] for sv in table["serves"]]
    for c, sv in zip(table["category"], table["serves"], strict=True):
        missing = [s for s in sv if s not in seg_pos]
        if missing and params.segments is None:
            notes.append(f"{c}: serves segments not in the data: {', '.join(missing)}")

    # -- pairs within each category's radius (one STRtree over the asset points) -------------
    prog(0.1, "Finding catchments")
    pi, pj, pd_ = pairs_within(ax, ay, bx, by, radius[cat_codes], a_pts, b_pts)
    order = np.argsort(cat_codes[pj], kind="stable")
    pi, pj, pd_ = pi[order], pj[order], pd_[order]
    bounds = np.searchsorted(cat_codes[pj], np.arange(len(categories) + 1))

    area_parts: dict[str, list] = {k: [] for k in
                                   ("seg", "cat", "pop", "within", "near", "a2", "a3")}
    nb_parts: list[dict] = []
    cold_parts: list[pd.DataFrame] = []
    ineq_rows: list[dict] = []
    for c, cat in enumerate(categories):
        prog(0.1 + 0.85 * c / len(categories), f"Mapping {cat}")
        sl = slice(bounds[c], bounds[c + 1])
        i, j, d = pi[sl], pj[sl], pd_[sl]
        within = np.bincount(i, minlength=n)
        cols = [seg_pos[s] for s in serves[c]]
        p = pop[:, cols]
        a2 = fca(p, cap, i, j, np.ones(len(d)))
        a3 = fca(p, cap, i, j, step_weights(d, radius[c], params.e2sfca_weights))
        mine = cat_codes == c
        near = nearest_distance(ax, ay, bx[mine], by[mine], i, d, a_pts, b_pts[mine])
        inside = np.bincount(a_nb[mine & (a_nb >= 0)], minlength=n_nb).astype(float)
        for k, s in enumerate(serves[c]):
            for key, val in (("seg", np.full(n, seg_pos[s])), ("cat", np.full(n, c)),
                             ("pop", p[:, k]), ("within", within), ("near", near),
                             ("a2", a2[:, k]), ("a3", a3[:, k])):
                area_parts[key].append(val)
            block = neighbourhood_block(nb, n_nb, p[:, k], within, a2[:, k], a3[:, k], inside)
            block.update(neighbourhood=np.arange(n_nb), segment=s, category=cat)
            nb_parts.append(block)
            if s == ALL:
                cold = (within == 0) & (point_src != "none")
                cold_parts.append(pd.DataFrame({
                    "area_code": codes[cold], "neighbourhood": nb_names[cold], "category": cat,
                    "population": p[cold, k], "nearest_m": near[cold],
                    "imd_decile": decile[cold]}))
            for row in inequality_block(decile, p[:, k], within, a2[:, k],
                                        params.sii_repetitions, SII_SEED):
                ineq_rows.append({"category": cat, "segment": s, **row})

    prog(0.95, "Assembling tables")
    result = MappingResult(
        params=params,
        neighbourhood_segments=neighbourhood_table(nb_parts, nb_list),
        area_access=area_table(area_parts, codes, nb_cat, wanted, list(categories)),
        assets=pd.DataFrame({
            "asset_id": assets["id"].to_numpy(), "source_id": assets.get("source_id"),
            "name": assets["name"].to_numpy(), "category": assets["category"].to_numpy(),
            "area_code": np.where(in_area >= 0, codes[np.maximum(in_area, 0)], None),
            "neighbourhood": asset_nb_name, "easting": bx, "northing": by}),
        cold_spots=frame_of(cold_parts, COLUMNS["cold_spots"]),
        inequality=pd.DataFrame(ineq_rows, columns=COLUMNS["inequality"]),
        run_id=None, finished_at="", summary=summary)
    summary.update(
        areas=n, areas_without_location=int((point_src == "none").sum()),
        area_points={str(k): int(v) for k, v in zip(*np.unique(point_src, return_counts=True),
                                                     strict=True)},
        areas_without_imd_decile=int((~np.isfinite(decile)).sum()),
        neighbourhoods=n_nb, assets_mapped=len(assets), catchment_pairs=int(len(pi)),
        population_total=float(pop[:, seg_pos[ALL]].sum()), segments=wanted,
        categories={c: {"radius_m": float(r), "serves": sv, "assets": int((cat_codes == k).sum())}
                    for k, (c, r, sv) in enumerate(zip(categories, radius, serves, strict=True))},
        seconds=round(time.perf_counter() - t0, 3), notes=notes)
    prog(1.0, "Mapping done")
    return result


def run_mapping(project: Project, params: MappingParams | None = None,
                progress: ProgressFn | Progress | None = None,
                cancelled: CancelFn | None = None) -> MappingResult:
    """Read the project, compute the mapping and record the run in ``mapping_runs``.

    Raises UserError for a project without areas, population or placed assets, and
    ``Cancelled`` (nothing recorded) when ``cancelled()`` turns True.
    """
    from phdesk.store.project import dumps, utc_now

    params = params or MappingParams()
    prog = as_progress(progress, cancelled)
    started = utc_now()
    prog(0.0, "Reading the project")
    inputs = load_inputs(project)
    result = compute_mapping(inputs, params, prog.sub(0.05, 0.97))
    result.finished_at = utc_now()
    prog(0.98, "Recording the run")
    with project.transaction() as db:
        table = db["mapping_runs"]
        table.insert({"started_at": started, "finished_at": result.finished_at,
                      "parameters": dumps(dataclasses.asdict(params)),
                      "summary": dumps(result.summary), "phdesk_version": __version__})
        result.run_id = int(table.last_pk)
    # the run is recorded: a cancel pressed now is too late and must not hide the result
    with contextlib.suppress(Cancelled):
        prog(1.0, "Mapping done")
    return result


__all__ = ["MappingParams", "MappingResult", "MappingInputs", "compute_mapping", "load_inputs",
           "run_mapping", "write_outputs", "NO_NEIGHBOURHOOD"]
