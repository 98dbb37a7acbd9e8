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
    each ethnic group imported (population rows with group_type ``ethnicity``);
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

import json
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from phdesk.core.errors import UserError

if TYPE_CHECKING:
    from phdesk.store.project import Project

ALL = "All"
CORE20 = "Core20"
QUINTILES = ["IMD Q1 (most deprived)", "IMD Q2", "IMD Q3", "IMD Q4", "IMD Q5"]
ETHNICITY_PREFIX = "Ethnicity: "
MAX_RAW_AGE_BANDS = 25  # more bands than this (single years) are shown as broad groups only
USER_KEYS = {"age_bands", "sex", "imd_deciles", "segments", "ethnicity"}
# broad age groups: (low, high) in years; high None = "and over"
BROAD_AGE_GROUPS = [(0, 4), (0, 15), (18, None), (65, None)]
AGE_TOLERANCE = 5  # years a broad group's edge may sit from its target (16+ for 18+, not 5+)
_TOTAL_NAME = re.compile(r"^\s*(all\b|total\b|all categories|registered population)", re.I)


@dataclass
class SegmentTable:
    """Segment populations in long form plus how they were made."""

    population: pd.DataFrame          # area_code, segment, population
    kinds: dict[str, str]             # segment -> all | imd | age | ethnicity | segment | user
    info: dict = field(default_factory=dict)   # base dataset, notes


# -- age bands -------------------------------------------------------------------------------
def parse_age_band(text: str) -> tuple[float, float] | None:
    """Ages (low, high) in whole years covered by a band label; high is inf for "85+".

    Understands ``0-4``, ``0 to 4``, ``Aged 0 to 4``, ``85+``, ``85 and over``, ``under 1``, ``7``.
    Returns None for ``all`` and for labels it cannot read.
    """
    t = str(text).strip().lower()
    if not t or t == "all":
        return None
    m = re.search(r"(\d+)\s*(?:-|–|to)\s*(\d+)", t)
    if m:
        return float(m.group(1)), float(m.group(2))
    m = re.search(r"(\d+)\s*(?:\+|plus|and over|or over|years and over|and older)", t)
    if m:
        return float(m.group(1)), math.inf
    m = re.search(r"under\s*(\d+)", t)
    if m:
        return 0.0, float(m.group(1)) - 1
    m = re.fullmatch(r"\D*(\d+)\D*", t)
    if m:
        return float(m.group(1)), float(m.group(1))
    return None


def _partition(bands: list[str]) -> list[tuple[str, float, float]]:
    """A set of disjoint bands covering the ages from 0 upwards (narrowest band at each step)."""
    parsed = sorted((lo, hi, b) for b in bands if (r := parse_age_band(b)) for lo, hi in [r])
    out, cursor = [], 0.0
    while True:
        starting = [(hi, b) for lo, hi, b in parsed if lo == cursor]
        if not starting:
            return out
        hi, b = min(starting)
        out.append((b, cursor, hi))
        if hi == math.inf:
            return out
        cursor = hi + 1


def age_label(lo: float, hi: float) -> str:
    """Segment name for ages lo..hi years: ``Age 0-4`` / ``Age 65+``."""
    return f"Age {int(lo)}+" if hi == math.inf else f"Age {int(lo)}-{int(hi)}"


def age_groups(bands: list[str]) -> dict[str, list[str]]:
    """Age segments available from the raw bands: segment name -> raw bands it adds up.

    Raw bands first (unless there are more than ``MAX_RAW_AGE_BANDS``), then the broad groups
    (children, adults, older people) made of whole bands, named for the ages really covered.
    """
    bands = [b for b in dict.fromkeys(bands) if str(b).strip().lower() != "all"]
    groups: dict[str, list[str]] = {}
    if len(bands) <= MAX_RAW_AGE_BANDS:
        for b in bands:
            r = parse_age_band(b)
            groups[age_label(*r) if r else f"Age {b}"] = [b]
    part = _partition(bands)
    if len(part) < 2:
        return groups
    for lo_t, hi_t in BROAD_AGE_GROUPS:
        if hi_t is None:  # "and over": start at the band boundary nearest the target age
            starts = [lo for _, lo, _ in part if lo > 0 and abs(lo - lo_t) <= AGE_TOLERANCE]
            if not starts:
                continue
            s = min(starts, key=lambda v: (abs(v - lo_t), v))
            chosen = [(b, lo, hi) for b, lo, hi in part if lo >= s]
        else:  # children: from 0 to the band boundary nearest the target age
            ends = [hi for _, _, hi in part if hi != math.inf and abs(hi - hi_t) <= AGE_TOLERANCE]
            if not ends:
                continue
            e = min(ends, key=lambda v: (abs(v - hi_t), v))
            chosen = [(b, lo, hi) for b, lo, hi in part if hi <= e]
        name = age_label(chosen[0][1], chosen[-1][2])
        groups.setdefault(name, [b for b, _, _ in chosen])
    return groups


# -- collapsing long rows without double counting ---------------------------------------------
def collapse(rows: pd.DataFrame, keys: list[str], bands: list[str] | None = None,
             sex: str | None = None) -> pd.Series:
    """Sum ``count`` per ``keys`` using the most aggregated rows available per key.

    With no filter: ``all``/``all`` rows where present, else age bands (sex ``all``), else sexes
    (age ``all``), else age × sex. With ``bands``/``sex``: only rows for them, preferring
    ``all`` for the dimension not asked about.
    """
    age_all = rows["age_band"].astype(str).str.lower().eq("all").to_numpy()
    sex_l = rows["sex"].astype(str).str.lower()
    sex_all = sex_l.eq("all").to_numpy()
    group = list(keys)
    if bands is None and sex is None:
        prio = np.select([age_all & sex_all, ~age_all & sex_all, age_all & ~sex_all], [0, 1, 2], 3)
        keep = np.ones(len(rows), dtype=bool)
    elif sex is None:
        keep = rows["age_band"].isin(bands).to_numpy()
        prio = np.where(sex_all, 0, 1)
        group.append("age_band")
    elif bands is None:
        keep = sex_l.eq(sex.lower()).to_numpy()
        prio = np.where(age_all, 0, 1)
    else:
        keep = rows["age_band"].isin(bands).to_numpy() & sex_l.eq(sex.lower()).to_numpy()
        prio = np.zeros(len(rows), dtype=int)
    r = rows.loc[keep, [*group, "count"]].assign(_p=prio[keep])
    if r.empty:
        return pd.Series(dtype=float, index=pd.MultiIndex.from_arrays([[]] * len(keys),
                                                                      names=keys))
    r = r[r["_p"] == r.groupby(group)["_p"].transform("min")]
    return r.groupby(keys)["count"].sum().astype(float)


def _latest(rows: pd.DataFrame, per: list[str]) -> pd.DataFrame:
    """Rows of the most recently imported dataset per ``per`` (by provenance id)."""
    if rows.empty:
        return rows
    pid = rows["provenance_id"].fillna(-1)
    if not per:
        return rows[pid == pid.max()]
    best = rows.assign(_pid=pid).groupby(per)["_pid"].transform("max")
    return rows[pid.to_numpy() == best.to_numpy()]


def _top_level_groups(names: pd.Series) -> pd.Series:
    """Mask of group names to add up: not totals, and not sub-groups ("Asian: Indian") of a
    group that is also present ("Asian")."""
    uniq = set(names.unique())
    sub = {n for n in uniq if ":" in n and n.split(":")[0].strip() in uniq}
    ok = {n for n in uniq if not _TOTAL_NAME.match(n) and n not in sub}
    return names.isin(ok)


def base_population(population: pd.DataFrame) -> tuple[pd.Series, dict]:
    """Base population per area (Series indexed by area_code) and where it came from.

    Population rows with group_type ``none`` of the most recently imported dataset; without any,
    the sum of the (latest) ethnic groups; without those, a total row of a segment extract.
    """
    info: dict = {}
    none = population[population["group_type"] == "none"]
    if not none.empty:
        pid = none["provenance_id"].fillna(-1)
        latest = none.loc[pid == pid.max(), "dataset"].iloc[0]
        rows = none[none["dataset"] == latest]
        info.update(population_dataset=str(latest), population_source="population")
        if none["dataset"].nunique() > 1:
            info["population_note"] = (f"{none['dataset'].nunique()} population datasets; "
                                       f"used the most recently imported: {latest}")
        return collapse(rows, ["area_code"]), info
    eth = _latest(population[population["group_type"] == "ethnicity"], ["group_name"])
    if not eth.empty:
        eth = eth[_top_level_groups(eth["group_name"])]
        info.update(population_dataset=", ".join(sorted(eth["dataset"].unique())),
                    population_source="sum of ethnic groups")
        return collapse(eth, ["area_code", "group_name"]).groupby(level=0).sum(), info
    seg = population[population["group_type"] == "segment"]
    seg = _latest(seg[seg["group_name"].map(lambda n: bool(_TOTAL_NAME.match(n)))], [])
    if not seg.empty:
        first = seg["group_name"].iloc[0]
        seg = seg[seg["group_name"] == first]
        info.update(population_dataset=str(seg["dataset"].iloc[0]),
                    population_source=f"segment extract total ({first})")
        return collapse(seg, ["area_code"]), info
    return pd.Series(dtype=float, name="count"), {"population_dataset": None,
                                                   "population_source": None}


# -- building the segment table ---------------------------------------------------------------
def build_segments(population: pd.DataFrame, deciles: pd.Series | None = None,
                   user_segments: dict[str, dict] | None = None) -> SegmentTable:
    """Segment populations from long population rows (pure; no project).

    Parameters
    ----------
    population
        dataset, area_code, age_band, sex, group_type, group_name, count, provenance_id.
    deciles
        national IMD decile (1 = most deprived) per area_code (latest edition).
    user_segments
        name -> definition (see the module docstring).
    """
    if "provenance_id" not in population:
        population = population.assign(provenance_id=np.nan)
    deciles = deciles if deciles is not None else pd.Series(dtype=float)
    base, info = base_population(population)
    parts: list[pd.Series] = []
    kinds: dict[str, str] = {}
    notes: list[str] = []

    def add(name: str, kind: str, values: pd.Series) -> None:
        if name in kinds:
            notes.append(f"segment {name!r} defined twice; kept the first")
            return
        kinds[name] = kind
        parts.append(values.rename(name))

    if base.empty:
        return SegmentTable(_long(parts), kinds, {**info, "notes": notes})
    add(ALL, "all", base)
    dec = deciles.reindex(base.index)
    if dec.notna().any():
        add(CORE20, "imd", base.where(dec <= 2, 0.0))
        quint = np.ceil(dec / 2)
        for q, name in enumerate(QUINTILES, start=1):
            add(name, "imd", base.where(quint == q, 0.0))
    none = population[population["group_type"] == "none"]
    if info.get("population_source") == "population":
        none = none[none["dataset"] == info["population_dataset"]]
        bands = sorted(none.loc[none["age_band"].str.lower() != "all", "age_band"].unique(),
                       key=lambda b: (parse_age_band(b) or (math.inf, math.inf), b))
        for name, members in age_groups(bands).items():
            add(name, "age", collapse(none, ["area_code"], bands=members))
    eth = _latest(population[population["group_type"] == "ethnicity"], ["group_name"])
    if not eth.empty:
        # Census tables list sub-groups ("Asian, Asian British…: Indian"); where the broad group
        # has no row of its own, it is the sum of its sub-groups
        head = eth["group_name"].str.split(":").str[0].str.strip()
        names = set(eth["group_name"])
        broad = {h for h, n in zip(head, eth["group_name"], strict=True) if h != n} - names
        for g in sorted(names | broad):
            rows = eth[(head == g) & (eth["group_name"] != g)] if g in broad else \
                eth[eth["group_name"] == g]
            values = collapse(rows, ["area_code", "group_name"]).groupby(level=0).sum()
            add(f"{ETHNICITY_PREFIX}{g}", "ethnicity", values)
    seg = _latest(population[population["group_type"] == "segment"], ["group_name"])
    for g, rows in seg.groupby("group_name", sort=True):
        add(str(g), "segment", collapse(rows, ["area_code"]))
    for name, definition in (user_segments or {}).items():
        values, note = _user_segment(definition, none, eth, seg, deciles, base.index)
        if note:
            notes.append(f"{name}: {note}")
        add(name, "user", values)
    info["notes"] = notes
    return SegmentTable(_long(parts), kinds, info)


def _long(parts: list[pd.Series]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame({"area_code": pd.Series(dtype=str), "segment": pd.Series(dtype=str),
                             "population": pd.Series(dtype=float)})
    wide = pd.concat(parts, axis=1).fillna(0.0)
    wide.index.name = "area_code"
    out = wide.reset_index().melt(id_vars="area_code", var_name="segment",
                                  value_name="population")
    return out.astype({"area_code": str, "segment": str, "population": float})


def _user_segment(definition: dict, none: pd.DataFrame, eth: pd.DataFrame, seg: pd.DataFrame,
                  deciles: pd.Series, index: pd.Index) -> tuple[pd.Series, str | None]:
    """One user-defined segment per area, and a note when the data cannot honour a filter."""
    sex = definition.get("sex")
    bands = definition.get("age_bands")
    note = None
    if bands:  # built-in age segment names stand for their raw bands
        raw_groups = age_groups(list(none["age_band"].unique()) if not none.empty else [])
        bands = [b for x in bands for b in raw_groups.get(x, [x])]
    if definition.get("segments"):
        rows = seg[seg["group_name"].isin(definition["segments"])]
    elif definition.get("ethnicity"):
        rows = eth[eth["group_name"].isin(definition["ethnicity"])]
    else:
        rows = none.assign(group_name="")
    if rows.empty:
        note = "no population rows match its groups"
        values = pd.Series(0.0, index=index)
    else:
        values = collapse(rows, ["area_code", "group_name"], bands=bands or None, sex=sex)
        values = values.groupby(level=0).sum() if len(values) else pd.Series(0.0, index=index)
        if (bands or sex) and values.sum() == 0:
            note = "the data has no age/sex breakdown for its groups"
    values = values.reindex(index, fill_value=0.0)
    if definition.get("imd_deciles"):
        keep = deciles.reindex(index).isin([int(d) for d in definition["imd_deciles"]])
        values = values.where(keep.to_numpy(), 0.0)
    return values, note


# -- the project's saved user segments ------------------------------------------------------------
def validate_definition(name: str, definition: dict) -> dict:
    """Check a user segment definition; raise UserError naming the problem."""
    if not str(name).strip():
        raise UserError("a segment needs a name")
    if not isinstance(definition, dict):
        raise UserError(f"segment {name!r}: the definition must be a JSON object")
    unknown = set(definition) - USER_KEYS
    if unknown:
        raise UserError(f"segment {name!r}: unknown keys {sorted(unknown)} "
                        f"(allowed: {sorted(USER_KEYS)})")
    sex = definition.get("sex")
    if sex is not None and str(sex).lower() not in ("male", "female"):
        raise UserError(f"segment {name!r}: sex must be 'male' or 'female', not {sex!r}")
    for key in ("age_bands", "segments", "ethnicity", "imd_deciles"):
        if key in definition and not isinstance(definition[key], list):
            raise UserError(f"segment {name!r}: {key} must be a list")
    bad = [d for d in definition.get("imd_deciles", []) if d not in range(1, 11)]
    if bad:
        raise UserError(f"segment {name!r}: IMD deciles must be 1–10, not {bad}")
    return definition


def save_user_segment(project: Project, name: str, definition: dict) -> None:
    """Save (or replace) a user-defined segment."""
    validate_definition(name, definition)
    with project.transaction() as db:
        db["user_segments"].upsert({"name": name.strip(), "definition": json.dumps(definition)},
                                   pk="name")


def list_user_segments(project: Project) -> dict[str, dict]:
    """name -> definition of every user-defined segment, by name."""
    df = project.query("SELECT name, definition FROM user_segments ORDER BY name")
    return {n: json.loads(d) for n, d in zip(df["name"], df["definition"], strict=True)}


def delete_user_segment(project: Project, name: str) -> bool:
    """Delete a user-defined segment; False if there was none of that name."""
    with project.transaction() as db:
        cur = db.execute("DELETE FROM user_segments WHERE name = ?", [name])
        return cur.rowcount > 0


def project_segments(project: Project) -> SegmentTable:
    """The segment table of a project (population, latest IMD deciles, saved user segments)."""
    from phdesk.store import queries

    pop = project.query("""SELECT dataset, area_code, age_band, sex, group_type, group_name,
                                  count, provenance_id FROM population""")
    dep = queries.deprivation_frame(project, "imd")
    deciles = pd.Series(dep["decile"].to_numpy(dtype=float), index=dep["area_code"].astype(str))
    table = build_segments(pop, deciles, list_user_segments(project))
    if not dep.empty:
        table.info["imd_edition"] = int(dep["edition"].iloc[0])
    return table


def segment_population(project: Project) -> pd.DataFrame:
    """area_code, segment, population for every segment available in the project."""
    return project_segments(project).population
