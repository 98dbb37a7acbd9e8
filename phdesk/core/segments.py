"""Population segments: who lives in each area, by the groups planners care about.

Built-in segments (when the data allows them):

``All``
    the base population (see :func:`base_population`);
``Core20``
    residents of areas in national IMD deciles 1–2 (latest edition present);
``IMD Q1 (most deprived)`` … ``IMD Q5``
    residents by national IMD quintile of their area;
``Age <band>``
    each age band present in the base population (e.g. ``Age 0-4``, ``Age 65+``), plus broad groups
    built from whole bands (children ``Age 0-4``/``Age 0-15``, adults ``Age 18+``, older people
    ``Age 65+``; named for the ages the bands really cover, e.g. ``Age 16+``);
``Ethnicity: <group>``
    each ethnic group imported (population rows with group_type ``ethnicity``), plus the broad
    groups of census sub-groups ("Asian, Asian British or Asian Welsh: Indian" -> "Asian, …");
``<segment>``
    each segment of an imported extract (group_type ``segment``), under its own name.

User-defined segments are saved in the project (``user_segments``: name + JSON definition)::

    {"age_bands": ["65-74", "75-84", "85+"],   # raw bands or built-in age segment names
     "sex": "female",                           # male | female
     "imd_deciles": [1, 2],                     # keep only residents of these deciles
     "segments": ["Frailty"],                   # count people in these extract segments …
     "ethnicity": ["Asian"]}                    # … or in these ethnic groups
Every key is optional. Counts in several listed extract segments are added up (an extract that
counts a person in two segments counts them twice: say so to users when they combine segments).

Never double counting: where a dataset holds totals and breakdowns for the same area
(``all``/``all`` next to age × sex rows), the most aggregated rows
are used and the breakdowns ignored.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from phdesk.core.age_bands import age_groups, parse_age_band
from phdesk.core.measures import is_core20
from phdesk.core.segment_rows import PopulationRows
from phdesk.core.user_segments import USER_KEYS as USER_KEYS  # saved user segments: public here
from phdesk.core.user_segments import delete_user_segment as delete_user_segment
from phdesk.core.user_segments import list_user_segments as list_user_segments
from phdesk.core.user_segments import save_user_segment as save_user_segment
from phdesk.core.user_segments import validate_definition as validate_definition
from phdesk.core.vintage_population import choose_datasets, default_order

if TYPE_CHECKING:
    from phdesk.store.project import Project

ALL = "All"
CORE20 = "Core20"
QUINTILES = ["IMD Q1 (most deprived)", "IMD Q2", "IMD Q3", "IMD Q4", "IMD Q5"]
ETHNICITY_PREFIX = "Ethnicity: "
_TOTAL_NAME = re.compile(r"^\s*(all\b|total\b|all categories|registered population)", re.I)


@dataclass
class SegmentTable:
    """Segment populations in long form plus how they were made."""

    population: pd.DataFrame          # area_code, segment, population
    kinds: dict[str, str]             # segment -> all | imd | age | ethnicity | segment | user
    info: dict = field(default_factory=dict)   # base dataset, notes


# -- sums without double counting (see phdesk.core.segment_rows) -------------------------------
def collapse(rows: pd.DataFrame, keys: list[str], bands: list[str] | None = None,
             sex: str | None = None) -> pd.Series:
    """Sum ``count`` per area (``keys=["area_code"]``) or per area and group
    (``["area_code", "group_name"]``), using the most aggregated rows available for each.

    With no filter: ``all``/``all`` rows where present, else age bands (sex ``all``), else sexes
    (age ``all``), else age × sex. With ``bands``/``sex``: only rows for them, preferring
    ``all`` for the dimension not asked about.
    """
    areas = pd.Index(pd.unique(rows["area_code"].astype(str)))
    r = PopulationRows(rows, areas)
    if keys == ["area_code"]:
        return pd.Series(r.total(bands, sex), index=areas.rename("area_code"))
    wide = pd.DataFrame(r.by_group(bands, sex)[:, :len(r.group_names)], index=areas,
                        columns=r.group_names)
    return wide.rename_axis(index="area_code", columns="group_name").stack()


def _latest(rows: pd.DataFrame, per_group: bool) -> pd.DataFrame:
    """Rows of the dataset with the most recent figures (per group name if asked): the latest
    year in its name, then the newest import (``vintage_population.default_order``).

    "Dataset" is the label, not the import: two boroughs' files of one dataset are two imports
    (provenance ids) whose rows together make the dataset, so both are kept.
    """
    if rows.empty:
        return rows
    pid = rows["provenance_id"].fillna(-1).to_numpy(dtype=float)
    if "dataset" in rows:
        ds, names = pd.factorize(rows["dataset"].astype(str))
        newest = pd.Series(pid).groupby(ds).max().set_axis(names)
        place = {d: k for k, d in enumerate(default_order(newest))}
        rank = np.array([place[n] for n in names])[ds]   # 0 = the most recent figures
    else:
        ds = pid.astype(np.int64)
        rank = -pid
    if not per_group:
        return rows[ds == ds[np.argmin(rank)]]
    codes, _ = pd.factorize(rows["group_name"].astype(str))
    best_rank = pd.Series(rank).groupby(codes).transform("min").to_numpy()
    best = pd.Series(np.where(rank == best_rank, ds, -1)).groupby(codes).transform("max")
    return rows[ds == best.to_numpy()]


def _top_level(names: list[str]) -> np.ndarray:
    """Which group names to add up: not totals, and not sub-groups ("Asian: Indian") of a group
    that is also present ("Asian")."""
    present = set(names)
    return np.array([not _TOTAL_NAME.match(n) and
                     not (":" in n and n.split(":")[0].strip() in present) for n in names],
                    dtype=bool)


def _by_type(population: pd.DataFrame) -> dict[str, pd.DataFrame]:
    codes, uniques = pd.factorize(population["group_type"].astype(str))  # one pass, not three
    lookup = {str(u): k for k, u in enumerate(uniques)}
    return {t: population[codes == lookup.get(t, -2)] for t in ("none", "ethnicity", "segment")}


def base_population(population: pd.DataFrame, areas: pd.Index | None = None,
                    order: list[str] | None = None) -> tuple[pd.Series, dict]:
    """Base population per area (Series indexed by area_code) and where it came from.

    Population rows with group_type ``none``, one dataset per area (``order``: the planner's
    preferred datasets first, else the most recent figures); without any,
    the sum of the (latest) ethnic groups; without those, a total row of a segment extract.
    """
    if "provenance_id" not in population:
        population = population.assign(provenance_id=np.nan)
    if areas is None:
        areas = pd.Index(pd.unique(population["area_code"].astype(str)))
    parts = _by_type(population)
    values, info, _ = _base(parts, areas, order)
    return pd.Series(values, index=areas.rename("area_code")), info


def _base(parts: dict[str, pd.DataFrame], areas: pd.Index, order: list[str] | None = None
          ) -> tuple[np.ndarray | None, dict, pd.DataFrame]:
    """Base population array, its description, and the base dataset's rows (for age bands)."""
    none = parts["none"]
    if not none.empty:
        # one dataset per area: datasets for different places combine (core/vintage_population)
        rows, info = choose_datasets(none, order)
        return PopulationRows(rows, areas).total(), info, rows
    eth = _latest(parts["ethnicity"], per_group=True)
    if not eth.empty:
        r = PopulationRows(eth, areas)
        keep = _top_level(r.group_names)
        info = {"population_dataset": ", ".join(sorted(eth["dataset"].astype(str).unique())),
                "population_source": "sum of ethnic groups"}
        return r.by_group()[:, :len(keep)][:, keep].sum(axis=1), info, none
    seg = parts["segment"]
    seg = _latest(seg[seg["group_name"].astype(str).str.match(_TOTAL_NAME).to_numpy()], False)
    if not seg.empty:
        first = seg["group_name"].iloc[0]
        seg = seg[(seg["group_name"] == first).to_numpy()]
        info = {"population_dataset": str(seg["dataset"].iloc[0]),
                "population_source": f"segment extract total ({first})"}
        return PopulationRows(seg, areas).total(), info, none
    return None, {"population_dataset": None, "population_source": None}, none


# -- building the segment table ---------------------------------------------------------------
def build_segments(population: pd.DataFrame, deciles: pd.Series | None = None,
                   user_segments: dict[str, dict] | None = None,
                   order: list[str] | None = None) -> SegmentTable:
    """Segment populations from long population rows (pure; no project).

    Parameters
    ----------
    population
        dataset, area_code, age_band, sex, group_type, group_name, count, provenance_id.
    deciles
        national IMD decile (1 = most deprived) per area_code (latest edition).
    user_segments
        name -> definition (see the module docstring).
    order
        the planner's preferred population datasets, first first (where two cover an area).
    """
    if "provenance_id" not in population:
        population = population.assign(provenance_id=np.nan)
    areas = pd.Index(pd.unique(population["area_code"].astype(str)), name="area_code")
    parts = _by_type(population)
    base, info, base_rows = _base(parts, areas, order)
    out = _Segments()
    if base is None:
        return SegmentTable(_long(areas, out.names, out.cols), out.kinds,
                            {**info, "notes": out.notes})
    out.add(ALL, "all", base)
    dec = (deciles if deciles is not None else pd.Series(dtype=float)).reindex(areas)
    dec = dec.to_numpy(dtype=float)
    _add_imd(out, base, dec)
    none = PopulationRows(base_rows, areas) if info.get("population_source") == "population" \
        else None
    age_map = _add_ages(out, none)
    eth = PopulationRows(_latest(parts["ethnicity"], per_group=True), areas)
    _add_ethnicity(out, eth)
    seg = PopulationRows(_latest(parts["segment"], per_group=True), areas)
    _add_extract_segments(out, seg)
    for name, definition in (user_segments or {}).items():
        values, note = _user_segment(definition, none, eth, seg, age_map, dec, len(areas))
        if note:
            out.notes.append(f"{name}: {note}")
        out.add(name, "user", values)
    info["notes"] = out.notes
    # carried into the mapping run's summary: which counts are patient-derived (disclosure)
    info["segment_kinds"] = dict(out.kinds)
    info["user_segments_from_extracts"] = sorted(
        n for n, d in (user_segments or {}).items() if d.get("segments") and n in out.kinds)
    return SegmentTable(_long(areas, out.names, out.cols), out.kinds, info)


class _Segments:
    """The segment columns in the order added (residents per area), each with its kind; a name
    added twice keeps its first column and gets a note."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.cols: list[np.ndarray] = []
        self.kinds: dict[str, str] = {}
        self.notes: list[str] = []

    def add(self, name: str, kind: str, values: np.ndarray) -> None:
        if name in self.kinds:
            self.notes.append(f"segment {name!r} defined twice; kept the first")
            return
        self.kinds[name] = kind
        self.names.append(name)
        self.cols.append(np.asarray(values, dtype=float))


def _add_extract_segments(out: _Segments, seg: PopulationRows) -> None:
    """A segment per segment of the imported extracts (latest dataset per name), by name."""
    if seg.group_names:
        m = seg.by_group()
        for k, g in sorted(enumerate(seg.group_names), key=lambda t: t[1]):
            out.add(g, "segment", m[:, k])


def _add_imd(out: _Segments, base: np.ndarray, dec: np.ndarray) -> None:
    """Core20 and the IMD quintiles: the base residents of areas in those national deciles
    (none when no area has a decile)."""
    if np.isfinite(dec).any():
        out.add(CORE20, "imd", np.where(is_core20(dec), base, 0.0))
        quint = np.ceil(dec / 2)
        for q, name in enumerate(QUINTILES, start=1):
            out.add(name, "imd", np.where(quint == q, base, 0.0))


def _add_ages(out: _Segments, none: PopulationRows | None) -> dict[str, list[str]]:
    """An age segment per band of the base population and the broad groups made of whole bands;
    returns segment name -> its raw bands (empty without a base population dataset)."""
    if none is None:
        return {}
    bands = sorted(none.bands(), key=lambda b: (parse_age_band(b) or (math.inf,) * 2, b))
    age_map = age_groups(bands)
    by_band = none.by_band()
    pos = {b: k for k, b in enumerate(none.band_names)}
    for name, members in age_map.items():
        out.add(name, "age", by_band[:, [pos[b] for b in members]].sum(axis=1))
    return age_map


def _add_ethnicity(out: _Segments, eth: PopulationRows) -> None:
    """A segment per ethnic group imported, plus each broad group that has no row of its own."""
    if not eth.group_names:
        return
    # Census tables list sub-groups ("Asian, Asian British…: Indian"); where the broad group
    # has no row of its own, it is the sum of its sub-groups
    m = eth.by_group()
    gpos = {g: k for k, g in enumerate(eth.group_names)}
    heads = {g: g.split(":")[0].strip() for g in eth.group_names}
    broad = {h for g, h in heads.items() if h != g} - set(gpos)
    for g in sorted(set(gpos) | broad):
        values = (m[:, [gpos[s] for s, h in heads.items() if h == g and s != g]].sum(axis=1)
                  if g in broad else m[:, gpos[g]])
        out.add(f"{ETHNICITY_PREFIX}{g}", "ethnicity", values)


def _long(areas: pd.Index, names: list[str], cols: list[np.ndarray]) -> pd.DataFrame:
    """area_code, segment, population; categorical text (England: ~2 million rows)."""
    n = len(areas)
    if not names:
        return pd.DataFrame({"area_code": pd.Series(dtype=str), "segment": pd.Series(dtype=str),
                             "population": pd.Series(dtype=float)})
    return pd.DataFrame({
        "area_code": pd.Categorical.from_codes(np.tile(np.arange(n), len(names)),
                                               categories=areas.astype(str)),
        "segment": pd.Categorical.from_codes(np.repeat(np.arange(len(names)), n),
                                             categories=names),
        "population": np.concatenate(cols)})


def _user_segment(definition: dict, none: PopulationRows | None, eth: PopulationRows,
                  seg: PopulationRows, age_map: dict[str, list[str]], deciles: np.ndarray,
                  n: int) -> tuple[np.ndarray, str | None]:
    """One user-defined segment per area, and a note when the data cannot honour a filter."""
    sex = definition.get("sex")
    bands = definition.get("age_bands") or None
    if bands:  # built-in age segment names stand for their raw bands
        bands = [b for x in bands for b in age_map.get(x, [x])]
    if definition.get("segments"):
        rows, wanted = seg, definition["segments"]
    elif definition.get("ethnicity"):
        # "Ethnicity: X" segment names work too; a broad group stands for its sub-groups
        asked = {str(g).removeprefix(ETHNICITY_PREFIX) for g in definition["ethnicity"]}
        rows = eth
        wanted = [g for g in eth.group_names if g in asked
                  or (g.split(":")[0].strip() in asked and g.split(":")[0].strip()
                      not in eth.group_names)]
    else:
        rows, wanted = none, None
    note = None
    if rows is None or (wanted is not None and not set(wanted) & set(rows.group_names)):
        values, note = np.zeros(n), "no population rows match its groups"
    elif wanted is None:
        values = rows.total(bands, sex)
    else:
        cols = [k for k, g in enumerate(rows.group_names) if g in set(wanted)]
        values = rows.by_group(bands, sex)[:, cols].sum(axis=1)
    if note is None and (bands or sex) and values.sum() == 0:
        note = "the data has no age/sex breakdown for its groups"
    if definition.get("imd_deciles"):
        keep = np.isin(deciles, [float(d) for d in definition["imd_deciles"]])
        values = np.where(keep, values, 0.0)
    return values, note


def project_segments(project: Project) -> SegmentTable:
    """The segment table of a project: population (other-vintage codes bridged, datasets for
    different places combined), IMD deciles bridged across vintages, saved user segments."""
    from phdesk.core.vintage_coverage import counts, coverage_sentence, project_inputs
    from phdesk.store.vintages import lsoa_areas

    pop, dep, order, notes, bridged = project_inputs(project)
    deciles = pd.Series(dep.frame["decile"].to_numpy(dtype=float),
                        index=dep.frame["area_code"].astype(str))
    table = build_segments(pop, deciles, list_user_segments(project), order)
    table.info["notes"] = notes + list(table.info.get("notes", []))
    if dep.edition is not None:
        table.info["imd_edition"] = int(dep.edition)
    table.info["deprivation"] = dep.summary
    if bridged:
        table.info["population_bridged"] = bridged
    codes = pd.Index(lsoa_areas(project)["code"].astype(str))
    table.info["coverage"] = cov = counts(codes, table, dep)   # no decile / no population
    if cov.get("areas"):
        table.info["coverage_note"] = coverage_sentence(cov)
        table.info["notes"] = [table.info["coverage_note"], *table.info["notes"]]
    return table


def segment_population(project: Project) -> pd.DataFrame:
    """area_code, segment, population for every segment available in the project.

    Segment-major order (every area for ``All``, then the next segment …); area_code and segment
    are categoricals (``frame["segment"].cat.categories`` lists the segments in order).
    """
    return project_segments(project).population
