"""The demo project: a deterministic synthetic borough, made by phdesk's own code.

"Kingsbridge" (fictional) has eight neighbourhoods and about 150 LSOA-like small areas with
wiggly polygon boundaries in EPSG:27700, population by age band and sex, ethnic group and needs
segment, IMD 2019-style deciles with a believable spatial pattern (a deprived river corridor and
east side, an affluent west), about 250 assets in a dozen categories (with a few deliberate gaps
and overlaps to find), and planning content (``phdesk.core.demo_planning``: scenarios, notes of
every kind, scored ideas with decisions). Good enough to rehearse a workshop on. Codes use the
``E01990…`` range, which no real LSOA uses, so demo data can never be mistaken for real data.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from phdesk import __version__
from phdesk.store.import_writer import import_transaction
from phdesk.store.project import Project, ProjectError, dumps, utc_now

BOROUGH = "Kingsbridge"
CENTRE = (531_000.0, 179_000.0)  # metres, EPSG:27700 (a synthetic place; the numbers are arbitrary)
SEED = 20261122
# in the order of the hubs they grow from: the centre, then anticlockwise from east-north-east
# (so Eastfield is in the deprived east, Northgate in the north, Westcombe in the west)
NEIGHBOURHOODS = ["Kingsmead", "Eastfield", "Northgate", "Millbrook", "Westcombe",
                  "Hollins Park", "St Anne's", "Riverside"]
AGE_BANDS = ["0-4", "5-15", "16-24", "25-44", "45-64", "65-74", "75-84", "85+"]
# share of residents per age band in an affluent (index 0) and a deprived (index 1) area
AGE_SHARE = np.array([[0.050, 0.120, 0.090, 0.260, 0.270, 0.110, 0.070, 0.030],
                      [0.080, 0.160, 0.140, 0.310, 0.210, 0.055, 0.035, 0.010]])
ETHNIC_GROUPS = ["White", "Asian", "Black", "Mixed", "Other"]
# (category, count, capacity range, where: "centres" | "spread" | "deprived" | "affluent")
ASSET_PLAN = [
    ("GP practice", 28, (3, 12), "centres"),
    ("Pharmacy", 42, (1, 1), "centres"),
    ("Dentist", 18, (1, 4), "affluent"),
    ("Family hub", 6, (1, 1), "deprived"),
    ("Children's centre", 7, (1, 1), "spread"),
    ("Social prescribing", 12, (1, 3), "centres"),
    ("VCSE group", 48, (1, 1), "deprived"),
    ("Library", 9, (1, 1), "spread"),
    ("Leisure centre", 6, (1, 1), "affluent"),
    ("Food bank", 12, (1, 1), "deprived"),
    ("Advice service", 15, (1, 2), "centres"),
    ("Community centre", 22, (1, 1), "spread"),
    ("Older people's service", 14, (1, 1), "affluent"),
]
STREETS = ["High Street", "Station Road", "Church Lane", "Mill Road", "Park Avenue", "Queen's Road",
           "Victoria Street", "Market Square", "London Road", "Green Lane", "Bridge Street"]


def _outline(rng: np.random.Generator) -> shapely.Polygon:
    """An irregular borough outline, about 10 km by 8 km."""
    t = np.linspace(0, 2 * np.pi, 240, endpoint=False)
    r = 1 + 0.08 * np.sin(3 * t + 0.4) + 0.05 * np.sin(7 * t + 1.3) + 0.03 * np.sin(13 * t)
    x = CENTRE[0] + 5200 * r * np.cos(t)
    y = CENTRE[1] + 4100 * r * np.sin(t)
    return shapely.Polygon(np.column_stack([x, y]))


def _seeds(outline: shapely.Polygon, rng: np.random.Generator, n: int = 150) -> np.ndarray:
    """Area seed points: a jittered grid, denser towards the centre (like real LSOAs)."""
    minx, miny, maxx, maxy = outline.bounds
    side = np.sqrt(outline.area / n)
    gx, gy = np.meshgrid(np.arange(minx, maxx, side), np.arange(miny, maxy, side))
    pts = np.column_stack([gx.ravel(), gy.ravel()]) + rng.uniform(-0.35, 0.35, (gx.size, 2)) * side
    # pull points towards the centre a little: inner areas are smaller
    d = pts - np.array(CENTRE)
    pts = np.array(CENTRE) + d * (0.85 + 0.15 * np.hypot(*(d / [5200, 4100]).T))[:, None]
    inside = shapely.contains_xy(outline, pts[:, 0], pts[:, 1])
    return pts[inside]


def _wiggle(geoms: np.ndarray) -> np.ndarray:
    """Make straight Voronoi edges look like streets and streams.

    The displacement is a smooth function of position, so an edge shared by two areas moves the
    same way in both and the areas still tile the borough without gaps.
    """
    geoms = shapely.segmentize(geoms, 90.0)

    def shift(xy: np.ndarray) -> np.ndarray:
        x, y = xy[:, 0] - CENTRE[0], xy[:, 1] - CENTRE[1]
        dx = 45 * np.sin(y / 310.0) + 25 * np.sin((x + y) / 170.0)
        dy = 45 * np.sin(x / 290.0) + 25 * np.cos((x - y) / 190.0)
        return np.column_stack([xy[:, 0] + dx, xy[:, 1] + dy])

    return shapely.make_valid(shapely.transform(geoms, shift))


def _areas(rng: np.random.Generator) -> pd.DataFrame:
    outline = _outline(rng)
    seeds = _seeds(outline, rng)
    voronoi = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=outline)
    cells = shapely.get_parts(voronoi)
    cells = shapely.intersection(cells, outline)
    # match each cell back to its seed
    tree = shapely.STRtree(cells)
    seed_idx, cell_idx = tree.query(shapely.points(seeds), predicate="within")
    order = np.argsort(seed_idx)
    cells, seeds = cells[cell_idx[order]], seeds[seed_idx[order]]
    geoms = _wiggle(cells)
    cent = shapely.centroid(geoms)
    # codes and names numbered from north-west to south-east, as ONS numbers them roughly
    cx, cy = shapely.get_x(cent), shapely.get_y(cent)
    rank = np.lexsort((cx, -np.round(cy / 1500)))
    geoms, seeds, cx, cy = geoms[rank], seeds[rank], cx[rank], cy[rank]
    n = len(geoms)
    # neighbourhoods: nearest of eight seed points spread around the borough
    ang = np.linspace(0, 2 * np.pi, 7, endpoint=False) + 0.3
    hubs = np.vstack([[CENTRE], np.column_stack([CENTRE[0] + 3300 * np.cos(ang),
                                                  CENTRE[1] + 2600 * np.sin(ang)])])
    nb = np.argmin(np.hypot(cx[:, None] - hubs[:, 0], cy[:, None] - hubs[:, 1]), axis=1)
    msoa = np.zeros(n, dtype=int)
    for k in range(len(hubs)):  # number areas within a neighbourhood like MSOA-based LSOA names
        msoa[nb == k] = np.arange((nb == k).sum())
    names = [f"{BOROUGH} {nb_i * 3 + m // 5 + 1:03d}{'ABCDE'[m % 5]}" for nb_i, m in zip(nb, msoa)]
    pw = np.column_stack([cx, cy]) + 0.3 * (seeds - np.column_stack([cx, cy]))
    inside = shapely.contains_xy(geoms, pw[:, 0], pw[:, 1])
    pw[~inside] = np.column_stack([cx, cy])[~inside]
    return pd.DataFrame({
        "code": [f"E01990{i + 1:03d}" for i in range(n)], "name": names,
        "geometry": geoms, "centroid_e": cx, "centroid_n": cy,
        "pw_centroid_e": pw[:, 0], "pw_centroid_n": pw[:, 1],
        "neighbourhood": [NEIGHBOURHOODS[k] for k in nb], "hub": nb,
    })


def _deprivation(areas: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """IMD score field: a deprived river corridor crossing the borough, worse to the east."""
    x = (areas["centroid_e"].to_numpy() - CENTRE[0]) / 5200
    y = (areas["centroid_n"].to_numpy() - CENTRE[1]) / 4100
    river = np.exp(-((y - 0.35 * np.sin(2.2 * x)) / 0.28) ** 2)
    score = 18 + 22 * river + 12 * x + rng.normal(0, 5, len(x))
    return np.clip(score, 3, 75)


def _population(areas: pd.DataFrame, depriv01: np.ndarray, rng: np.random.Generator
                ) -> pd.DataFrame:
    n = len(areas)
    total = rng.integers(1150, 2000, n).astype(float) * (1 + 0.25 * depriv01)
    shares = AGE_SHARE[0] + np.outer(depriv01, AGE_SHARE[1] - AGE_SHARE[0])
    shares *= rng.uniform(0.85, 1.15, shares.shape)
    shares /= shares.sum(axis=1, keepdims=True)
    by_age = np.round(total[:, None] * shares)
    female_share = np.array([0.49, 0.49, 0.50, 0.50, 0.51, 0.52, 0.55, 0.64])
    female = np.round(by_age * female_share)
    rows = []
    for sex, counts in (("female", female), ("male", by_age - female)):
        frame = pd.DataFrame(counts, columns=AGE_BANDS)
        frame["area_code"] = areas["code"].to_numpy()
        long = frame.melt(id_vars="area_code", var_name="age_band", value_name="count")
        long["sex"] = sex
        rows.append(long)
    pop = pd.concat(rows, ignore_index=True)
    pop["dataset"] = "Demo population estimates (synthetic)"
    pop["group_type"], pop["group_name"] = "none", ""
    return pop


def _ethnicity(areas: pd.DataFrame, totals: np.ndarray, depriv01: np.ndarray,
               rng: np.random.Generator) -> pd.DataFrame:
    x = (areas["centroid_e"].to_numpy() - CENTRE[0]) / 5200
    base = np.column_stack([0.70 - 0.30 * depriv01, 0.10 + 0.15 * (x > 0) + 0.05 * depriv01,
                            0.08 + 0.12 * depriv01, 0.05 + 0.02 * rng.random(len(x)),
                            0.03 + 0.02 * rng.random(len(x))])
    base = np.clip(base * rng.uniform(0.8, 1.2, base.shape), 0.005, None)
    base /= base.sum(axis=1, keepdims=True)
    counts = pd.DataFrame(np.round(totals[:, None] * base), columns=ETHNIC_GROUPS)
    counts["area_code"] = areas["code"].to_numpy()
    long = counts.melt(id_vars="area_code", var_name="group_name", value_name="count")
    long["dataset"] = "Demo ethnic group (synthetic)"
    long["age_band"], long["sex"], long["group_type"] = "all", "all", "ethnicity"
    return long


def _segments(pop: pd.DataFrame, depriv01: pd.Series) -> pd.DataFrame:
    """Needs segments from age and deprivation: prevalence rises with both."""
    older = pop["age_band"].isin(["65-74", "75-84", "85+"])
    adult = ~pop["age_band"].isin(["0-4", "5-15"])
    d = pop["area_code"].map(depriv01).to_numpy()
    c = pop["count"].to_numpy()
    rates = {
        "Long-term condition": np.where(adult, np.where(older, 0.55, 0.18), 0.04) * (1 + 0.5 * d),
        "Multiple long-term conditions": np.where(older, 0.38, np.where(adult, 0.06, 0.0))
        * (1 + 0.7 * d),
        "Frailty": np.where(pop["age_band"].isin(["75-84", "85+"]), 0.30,
                            np.where(older, 0.08, 0.0)) * (1 + 0.4 * d),
        "Severe mental illness": np.where(adult, 0.011, 0.0) * (1 + 1.2 * d),
        "Learning disability": np.full(len(c), 0.005) * (1 + 0.3 * d),
    }
    parts = []
    for name, rate in rates.items():
        seg = pop[["area_code", "age_band", "sex"]].copy()
        seg["count"] = np.round(c * rate)
        seg["group_name"] = name
        parts.append(seg)
    seg = pd.concat(parts, ignore_index=True)
    seg = seg.groupby(["area_code", "group_name"], as_index=False)["count"].sum()
    seg["dataset"] = "Demo needs segments (synthetic)"
    seg["age_band"], seg["sex"], seg["group_type"] = "all", "all", "segment"
    return seg


def _assets(areas: pd.DataFrame, depriv01: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    geoms = areas["geometry"].to_numpy()
    pw = areas[["pw_centroid_e", "pw_centroid_n"]].to_numpy()
    weights = {
        "spread": np.ones(len(areas)),
        "deprived": 0.3 + depriv01 ** 1.5,
        "affluent": 1.3 - depriv01,
        # town centres: areas near each neighbourhood's hub, except Eastfield (a deliberate gap)
        "centres": _centrality(areas) * np.where(areas["neighbourhood"] == "Eastfield", 0.35, 1.0),
    }
    rows = []
    for category, count, (lo, hi), where in ASSET_PLAN:
        w = weights[where] / weights[where].sum()
        picks = rng.choice(len(areas), size=count, p=w)
        offset = rng.normal(0, 160, (count, 2))
        pts = pw[picks] + offset
        ok = shapely.contains_xy(geoms[picks], pts[:, 0], pts[:, 1])
        pts[~ok] = pw[picks][~ok]  # keep each asset inside the area it was placed in
        for i, (e, n) in enumerate(pts):
            street = STREETS[rng.integers(len(STREETS))]
            rows.append({
                "name": _asset_name(category, areas["neighbourhood"].iat[picks[i]], i),
                "category": category, "easting": round(float(e), 1),
                "northing": round(float(n), 1), "capacity": float(rng.integers(lo, hi + 1)),
                "source_id": f"DEMO{len(rows) + 1:04d}", "source": "demo",
                "address": f"{rng.integers(1, 200)} {street}, {BOROUGH}",
            })
    return pd.DataFrame(rows)


def _centrality(areas: pd.DataFrame) -> np.ndarray:
    """Closeness of each area to its neighbourhood's centre (1 at the centre, falls off)."""
    e, n = areas["centroid_e"], areas["centroid_n"]
    ce = e.groupby(areas["hub"]).transform("mean")
    cn = n.groupby(areas["hub"]).transform("mean")
    return np.exp(-np.hypot(e - ce, n - cn).to_numpy() / 900.0)


def _asset_name(category: str, neighbourhood: str, i: int) -> str:
    stems = {
        "GP practice": ["Medical Centre", "Surgery", "Health Centre", "Family Practice"],
        "Pharmacy": ["Pharmacy", "Chemist"],
        "Dentist": ["Dental Practice", "Dental Care"],
        "Family hub": ["Family Hub"], "Children's centre": ["Children's Centre"],
        "Social prescribing": ["Social Prescribing Service", "Link Workers"],
        "VCSE group": ["Community Trust", "Residents' Association", "Wellbeing Group",
                       "Walking Club", "Carers' Circle", "Youth Project"],
        "Library": ["Library"], "Leisure centre": ["Leisure Centre", "Sports Centre"],
        "Food bank": ["Food Bank", "Community Pantry"],
        "Advice service": ["Advice Centre", "Money Advice", "Citizens Advice Point"],
        "Community centre": ["Community Centre", "Neighbourhood Hall"],
        "Older people's service": ["Day Centre", "Lunch Club", "Memory Café"],
    }[category]
    suffix = "" if i < len(stems) else f" {i // len(stems) + 1}"
    return f"{neighbourhood} {stems[i % len(stems)]}{suffix}"


NOTES = [
    ("Eastfield", "Residents say the nearest GP is two bus rides away; check the Mill Road site."),
    ("Riverside", "Food bank demand up since spring; VCSE partners want a shared referral route."),
    ("Northgate", "Three advice services on the same street: room to combine opening hours?"),
    ("Millbrook", "Family hub consultation planned for next quarter."),
]


def write_demo(path: str | Path) -> dict[str, int]:
    """Write the demo project to ``path`` (a new file). Deterministic: same input, same project.

    Returns counts of what was written (areas, neighbourhoods, assets, population rows, notes).
    The file appears whole or not at all: it is written beside ``path`` and renamed into place, so
    a first run killed half-way does not leave a broken demo that every later start trips over.
    """
    path = Path(path)
    if path.exists():
        raise ProjectError(f"{path}: already exists; choose another name")
    partial = path.with_name(f".{path.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        counts = _write(partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return counts


def _write(path: Path) -> dict[str, int]:
    rng = np.random.default_rng(SEED)
    areas = _areas(rng)
    score = _deprivation(areas, rng)
    # deciles as in an inner-city borough: skewed towards the deprived end
    pct = pd.Series(score).rank(pct=True).to_numpy()
    decile = np.clip(np.ceil((1 - pct) ** 1.4 * 10).astype(int), 1, 10)
    depriv01 = (10 - decile) / 9.0
    rank = ((decile - 1) * 3284.4 + rng.uniform(1, 3284, len(decile))).astype(int)
    pop = _population(areas, depriv01, rng)
    totals = pop.groupby("area_code")["count"].sum().reindex(areas["code"]).to_numpy()
    eth = _ethnicity(areas, totals, depriv01, rng)
    seg = _segments(pop, pd.Series(depriv01, index=areas["code"]))
    assets = _assets(areas, depriv01, rng)

    params = {"generator": "phdesk.core.demo", "seed": SEED, "borough": BOROUGH}
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()
    now = utc_now()
    provenance = {
        "file_name": "(demo generator)", "sha256": digest, "kind": "demo",
        "rows_read": len(areas), "rows_accepted": len(areas), "rows_rejected": 0,
        "warnings": dumps(["synthetic data for rehearsal: not a real place"]),
        "details": dumps(params), "imported_at": now, "phdesk_version": __version__}
    with Project.create(path) as project, import_transaction(project, provenance) as w:
        w.set_meta({"name": f"{BOROUGH} (demo)", "demo": "1"})
        w.insert("areas", pd.DataFrame({
            "code": areas["code"], "name": areas["name"], "level": "lsoa", "vintage": 2021,
            "geometry": list(shapely.to_wkb(areas["geometry"].to_numpy())),
            **{c: areas[c].astype(float) for c in
               ("centroid_e", "centroid_n", "pw_centroid_e", "pw_centroid_n")}}))
        w.insert("neighbourhoods", pd.DataFrame({"name": NEIGHBOURHOODS}))  # ids in this order
        w.link_neighbourhoods(areas["code"].tolist(), areas["neighbourhood"].tolist())
        w.insert("deprivation", pd.DataFrame({
            "area_code": areas["code"], "edition": 2019, "domain": "imd",
            "score": [round(float(s), 3) for s in score], "rank": rank.astype(int),
            "decile": decile.astype(int)}))
        for frame in (pop, eth, seg):
            w.insert("population", frame)
        w.insert("assets", assets.assign(updated_at=now))
        centroids = areas.groupby("neighbourhood")[["centroid_e", "centroid_n"]].mean()
        w.add_notes(pd.DataFrame({
            "created_at": now, "author": "demo", "text": [text for _, text in NOTES],
            "neighbourhood": [nb for nb, _ in NOTES],
            "easting": [float(centroids.loc[nb, "centroid_e"]) for nb, _ in NOTES],
            "northing": [float(centroids.loc[nb, "centroid_n"]) for nb, _ in NOTES]}))
        from phdesk.core.demo_planning import add_planning
        from phdesk.store.queries import assets_frame

        planned = add_planning(project, areas, assets_frame(project))
        counts = {"areas": len(areas), "neighbourhoods": len(NEIGHBOURHOODS),
                  "assets": len(assets), "population rows": len(pop) + len(eth) + len(seg),
                  "notes": planned["notes"], "scenarios": planned["scenarios"],
                  "ideas": planned["ideas"]}
    return counts
