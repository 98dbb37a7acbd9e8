"""The mapping engine's first stages: areas and population, and placement (the category
rules, the stage after: ``phdesk.core.mapping_rules``).

Each stage is a plain function over small work objects (arrays, not long frames), so the engine
can keep the ones that did not change (``phdesk.core.mapping_engine``): :class:`AreaWork` depends
only on the areas, population and lookup (cached while they are unchanged); :class:`AssetWork`
on the asset register; the category rules on the settings and parameters.

Study area (docs/mapping.md, "Study area and edges"): the areas with a neighbourhood (from the
lookup, or the neighbourhood polygon they overlap most); when no area has one, every area. Areas
outside it are context: their residents count as demand in the first step of 2SFCA, but they are
not reported, ranked or charted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from phdesk.core.errors import UserError
from phdesk.core.mapping_access import (
    PointGrid,
    area_points,
    overlay_largest,
    points_in_polygons,
    polygon_tree,
)
from phdesk.core.mapping_population import segment_matrix
from phdesk.core.mapping_reuse import same_as, same_rows
from phdesk.core.mapping_threads import workers
from phdesk.core.measures import is_core20

NO_NEIGHBOURHOOD = "(no neighbourhood)"


@dataclass
class AreaWork:
    """Areas, their points, neighbourhoods and segment populations (EPSG:27700 metres).

    ``nb``: index into ``nb_list`` per area, -1 for context areas (outside the study area);
    ``pop``: residents, areas x ``segments`` (``All`` first); ``nb_names``: the neighbourhood
    name per area (``NO_NEIGHBOURHOOD`` for areas in none).
    """

    codes: np.ndarray
    geoms: np.ndarray
    ax: np.ndarray
    ay: np.ndarray
    point_src: np.ndarray
    nb_names: np.ndarray
    nb: np.ndarray
    nb_list: list[str]
    has_lookup: bool
    decile: np.ndarray
    segments: list[str]
    pop: np.ndarray
    nbh_names: np.ndarray | None
    nbh_geoms: np.ndarray | None
    notes: list[str] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        return len(self.codes)

    @property
    def study(self) -> np.ndarray:
        return self.nb >= 0

    @property
    def core20(self) -> np.ndarray:
        return is_core20(self.decile)

    def points(self) -> np.ndarray:
        """The area points as shapely geometries (built once)."""
        if "pts" not in self._cache:
            self._cache["pts"] = shapely.points(self.ax, self.ay)
        return self._cache["pts"]

    def grid(self, radius: float) -> PointGrid:
        """The area points in cells at least ``radius`` metres wide (built once per radius)."""
        grids = self._cache.setdefault("grids", {})
        if radius not in grids:
            grids[radius] = PointGrid(self.ax, self.ay, radius)
        return grids[radius]

    def place(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Area index containing each point (-1: none), point in polygon (lowest index on a
        shared edge), remembered per point so a what-if places only the sites that moved."""
        memo = self._cache.setdefault("placed", {})
        keys = list(zip(x.tolist(), y.tolist(), strict=True))
        if not memo:   # the first run: every point is new (no per-point lookups)
            found = points_in_polygons(x, y, self.prepared_polygons(),
                                       threads=self.warm_polygons())
            memo.update(zip(keys, found.tolist(), strict=True))
            return found.astype(np.int64)
        new = [k for k in dict.fromkeys(keys) if k not in memo]
        if new:
            nx, ny = np.array([k[0] for k in new]), np.array([k[1] for k in new])
            if "polytree" not in self._cache:
                self._cache["polytree"] = polygon_tree(self.geoms)
            found = points_in_polygons(nx, ny, self.geoms, tree=self._cache["polytree"])
            for k, v in zip(new, found.tolist(), strict=True):
                memo[k] = v
        return np.array([memo[k] for k in keys], dtype=np.int64)

    def prepared_polygons(self) -> np.ndarray:
        """The area polygons, prepared for point tests (``shapely.prepare``, in place: GEOS
        indexes each polygon's edges once and keeps the index with the geometry), so placing
        the sites and the catchment edge test share one preparation."""
        if "prepared" not in self._cache:
            shapely.prepare(self.geoms[np.array([g is not None for g in self.geoms],
                                                dtype=bool)])
            self._cache["prepared"] = True
        return self.geoms

    def warm_polygons(self) -> bool:
        """True when the prepared polygons may be tested on the engine's threads: with more
        than one, GEOS builds each polygon's point index first, in parts on the threads (each
        polygon in one part), because it builds them lazily and not safely from two threads
        at once (docs/ARCHITECTURE.md, "The mapping engine"). False with one thread."""
        w = workers()
        if "warm" not in self._cache and w.threads > 1:
            geoms = self.prepared_polygons()
            has = np.flatnonzero(np.array([g is not None for g in geoms], dtype=bool))
            b = shapely.bounds(geoms[has])
            # a point inside each box (its centre) reaches GEOS's point index, not only the
            # box test; each polygon once, in one part
            cx, cy = (b[:, 0] + b[:, 2]) / 2, (b[:, 1] + b[:, 3]) / 2
            w.map(lambda s: shapely.intersects_xy(geoms[has[s]], cx[s], cy[s]),
                  w.chunks(len(has)))
            self._cache["warm"] = True
        return "warm" in self._cache and w.threads > 1

    def populated_polygons(self) -> np.ndarray | None:
        """The polygons of the areas with residents (None when there are none), prepared."""
        if "populated" not in self._cache:
            geoms = self.prepared_polygons()
            has = np.array([g is not None for g in geoms], dtype=bool) & (self.pop[:, 0] > 0)
            self._cache["populated"] = geoms[has] if has.any() else None
        return self._cache["populated"]


def fill_neighbourhoods(names: np.ndarray, geoms: np.ndarray, nbh_names: np.ndarray,
                        nbh_geoms: np.ndarray) -> tuple[np.ndarray, int]:
    """Neighbourhood names per area with the areas missing from the lookup given the
    neighbourhood polygon they overlap most (the one overlay rule: the engine and the
    window's summary and map use it). Returns the names and how many were filled."""
    names = np.asarray(names, dtype=object).copy()
    missing = pd.isna(names)
    if not missing.any() or not len(nbh_geoms):
        return names, 0
    best = overlay_largest(np.asarray(geoms, dtype=object)[missing], nbh_geoms)
    names[missing] = np.where(best >= 0, np.asarray(nbh_names, dtype=object)[np.maximum(best, 0)],
                              None)
    return names, int((best >= 0).sum())


def prepare_areas(areas: pd.DataFrame, seg: pd.DataFrame, neighbourhoods: pd.DataFrame | None,
                  wanted_segments: list[str] | None) -> AreaWork:
    """Areas, neighbourhoods (lookup, else largest overlap), deciles and the segment matrix.

    Raises UserError when there are no areas or no population in them.
    """
    notes: list[str] = []
    summary: dict = {}
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
    names = (areas["neighbourhood"].to_numpy(dtype=object, copy=True)
             if "neighbourhood" in areas else np.full(n, None, dtype=object))
    nbh_names = nbh_geoms = None
    if (neighbourhoods is not None and len(neighbourhoods) and "geometry" in neighbourhoods
            and neighbourhoods["geometry"].notna().any()):
        nbh_geoms = neighbourhoods["geometry"].to_numpy(dtype=object)
        nbh_names = neighbourhoods["name"].to_numpy(dtype=object)
        names, k = fill_neighbourhoods(names, geoms, nbh_names, nbh_geoms)
        if k:
            summary["areas_assigned_by_overlay"] = k
    in_nb = ~pd.isna(names)
    has_lookup = bool(in_nb.any())
    nb_names = np.where(in_nb, names, NO_NEIGHBOURHOOD).astype(str)
    if has_lookup:
        cat = pd.Categorical(nb_names[in_nb])
        nb = np.full(n, -1, dtype=np.int64)
        nb[in_nb] = cat.codes
        nb_list = [str(c) for c in cat.categories]
    else:   # no lookup: the whole project is the study area, one unnamed neighbourhood
        nb, nb_list = np.zeros(n, dtype=np.int64), [NO_NEIGHBOURHOOD]
    decile = (pd.to_numeric(areas["imd_decile"], errors="coerce").to_numpy(dtype=float)
              if "imd_decile" in areas else np.full(n, np.nan))
    segments, pop = segment_matrix(seg, codes, wanted_segments, notes)
    work = AreaWork(codes, geoms, ax, ay, point_src, nb_names, nb, nb_list, has_lookup, decile,
                    segments, pop, nbh_names, nbh_geoms, notes, summary)
    _study_notes(work)
    return work


def _study_notes(work: AreaWork) -> None:
    decile, study = work.decile, work.study
    if not np.isfinite(decile[study]).any():
        work.notes.append("no IMD deciles for the areas: no inequality (SII/RII) measures; "
                          "import the IMD to get them")
    elif not np.isfinite(decile[study]).all():
        k = ~np.isfinite(decile) & study
        work.notes.append(f"{int(k.sum())} area{'s' if k.sum() != 1 else ''} "
                          f"({work.pop[k, 0].sum():,.0f} residents) "
                          "without an IMD decile are left out of the inequality measures and "
                          "are not counted as Core20")
    context = ~study
    if context.any():
        work.notes.append(
            f"study area: {int(study.sum())} areas in {len(work.nb_list)} neighbourhoods "
            f"({work.pop[study, 0].sum():,.0f} residents); {int(context.sum()):,} "
            f"area{'s' if context.sum() != 1 else ''} "
            f"({work.pop[context, 0].sum():,.0f} residents) outside it are context: their "
            "residents count as demand for the sites they can reach, they are not reported")
    work.summary.update(study_areas=int(study.sum()), context_areas=int(context.sum()),
                        study_population=float(work.pop[study, 0].sum()))


@dataclass
class AssetWork:
    """The placed assets of a run: arrays in register order (placed ones only)."""

    frame: pd.DataFrame          # id, source_id, name, category (placed assets)
    bx: np.ndarray
    by: np.ndarray
    capacity: np.ndarray
    capacity_source: np.ndarray  # "list size" | "capacity" | "default"
    in_area: np.ndarray          # area index, -1 outside every area
    nb_name: np.ndarray          # neighbourhood containing the asset (None outside all)
    cat_codes: np.ndarray
    categories: list[str]
    notes: list[str] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    raw_capacity: np.ndarray | None = None   # the register's capacity column (NaN: none)

    @property
    def ids(self) -> np.ndarray:
        if "_ids" not in self.__dict__:
            self.__dict__["_ids"] = self.frame["id"].to_numpy()
        return self.__dict__["_ids"]


def select_categories(assets: pd.DataFrame, wanted: list[str] | None) -> pd.DataFrame:
    """The assets of the wanted categories, matched case-blind (every spelling is taken)."""
    if not wanted:
        return assets
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


def asset_capacity(assets: pd.DataFrame, list_sizes: pd.Series | None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Capacity per asset and where it came from: the registered list size matched on the
    practice code (``source_id``) when the project holds GP registrations, else the register's
    capacity column, else 1. Negative values count as 0."""
    n = len(assets)
    cap = (pd.to_numeric(assets["capacity"], errors="coerce").to_numpy(dtype=float)
           if "capacity" in assets else np.full(n, np.nan))
    source = np.where(np.isfinite(cap), "capacity", "default").astype(object)
    if list_sizes is not None and len(list_sizes) and "source_id" in assets:
        keys = assets["source_id"].astype(object).where(assets["source_id"].notna(), None)
        listed = pd.Series(keys.to_numpy(dtype=object)).str.strip().str.upper().map(
            list_sizes).to_numpy(dtype=float)
        use = np.isfinite(listed)
        cap, source = np.where(use, listed, cap), np.where(use, "list size", source)
    cap = np.clip(np.where(np.isfinite(cap), cap, 1.0), 0.0, None)
    return cap, source


def place_assets(area: AreaWork, assets: pd.DataFrame, wanted: list[str] | None,
                 list_sizes: pd.Series | None = None, base: AssetWork | None = None
                 ) -> AssetWork:
    """Select, check and place the assets (point in polygon, else neighbourhood polygon).

    ``base``: the assets of an earlier run on the same areas; rows with the same id, place,
    capacity and code keep its placement and capacity (a what-if changes a few sites).
    Raises UserError when no asset has coordinates.
    """
    notes: list[str] = []
    summary: dict = {}
    selected = select_categories(assets, wanted)
    bx_all = pd.to_numeric(selected["easting"], errors="coerce").to_numpy(dtype=float)
    by_all = pd.to_numeric(selected["northing"], errors="coerce").to_numpy(dtype=float)
    placed = np.isfinite(bx_all) & np.isfinite(by_all)
    if (~placed).any():
        examples = selected.loc[~placed, "name"].astype(str).head(5).tolist()
        summary["assets_skipped_no_coordinates"] = int((~placed).sum())
        notes.append(f"{int((~placed).sum())} assets without coordinates skipped "
                     f"(e.g. {', '.join(examples)})")
    cat_all = selected["category"].to_numpy(dtype=object)
    unplaced = [] if placed.all() else sorted(set(map(str, cat_all))
                                              - set(map(str, cat_all[placed])))
    if unplaced:
        notes.append(f"no assets with coordinates, not mapped: {', '.join(unplaced)}")
    sel = selected[placed].reset_index(drop=True)
    if sel.empty and wanted and len(assets):
        raise UserError(f"no assets with coordinates in {', '.join(unplaced)}: give them "
                        "coordinates or postcodes (with a postcode directory)")
    if sel.empty:
        raise UserError("the project has no assets with coordinates to map: import an asset "
                        "register (with coordinates or postcodes and a postcode directory)")
    bx, by = bx_all[placed], by_all[placed]
    raw = (pd.to_numeric(sel["capacity"], errors="coerce").to_numpy(dtype=float)
           if "capacity" in sel else np.full(len(sel), np.nan))
    same_place, same_cap, pos = same_as(base, sel, bx, by, raw)
    cap = np.empty(len(sel))
    cap_source = np.empty(len(sel), dtype=object)
    if same_cap.any():
        cap[same_cap] = base.capacity[pos[same_cap]]
        cap_source[same_cap] = base.capacity_source[pos[same_cap]]
    new = ~same_cap
    if new.any():
        cap[new], cap_source[new] = asset_capacity(sel[new] if not new.all() else sel,
                                                   list_sizes)
    in_area = np.empty(len(sel), dtype=np.int64)
    nb_name = np.empty(len(sel), dtype=object)
    if same_place.any():
        in_area[same_place] = base.in_area[pos[same_place]]
        nb_name[same_place] = base.nb_name[pos[same_place]]
    new = ~same_place
    if new.any():
        in_area[new] = area.place(bx[new], by[new])
        nb_name[new] = neighbourhood_of(area, bx[new], by[new], in_area[new])
    summary["assets_outside_areas"] = int((in_area < 0).sum())
    if same_rows(base, sel, pos):   # a site moved or resized: the same rows otherwise
        return AssetWork(base.frame, bx, by, cap, cap_source, in_area, nb_name, base.cat_codes,
                         base.categories, notes, summary, raw)
    cat_codes, cats = pd.factorize(np.asarray(list(map(str, cat_all[placed])), dtype=object),
                                   sort=True)
    frame = pd.DataFrame({"id": sel["id"].to_numpy(), "source_id": sel.get("source_id"),
                          "name": sel["name"].to_numpy(), "category": sel["category"].to_numpy()})
    return AssetWork(frame, bx, by, cap, cap_source, in_area, nb_name, cat_codes.astype(np.int64),
                     [str(c) for c in cats], notes, summary, raw)


def neighbourhood_of(area: AreaWork, bx: np.ndarray, by: np.ndarray, in_area: np.ndarray
                      ) -> np.ndarray:
    """The neighbourhood containing each site: its area's, else the neighbourhood polygon it
    is in (None: outside all); ``NO_NEIGHBOURHOOD`` for sites in an area without a lookup."""
    nb_name = np.where(in_area >= 0, area.nb_names[np.maximum(in_area, 0)], None).astype(object)
    nb_name[(in_area >= 0) & (nb_name == NO_NEIGHBOURHOOD)] = None
    if area.nbh_geoms is not None and (in_area < 0).any():   # outside every area: polygons
        out = np.flatnonzero(in_area < 0)
        if "nbhtree" not in area._cache:
            area._cache["nbhtree"] = polygon_tree(area.nbh_geoms)
        k = points_in_polygons(bx[out], by[out], area.nbh_geoms, tree=area._cache["nbhtree"])
        nb_name[out[k >= 0]] = area.nbh_names[k[k >= 0]]
    if not area.has_lookup:
        nb_name[in_area >= 0] = NO_NEIGHBOURHOOD
    return nb_name
