"""A tiny borough across two census vintages, in the published layouts (headers copied exactly).

LSOA 2011 (x from 537000 m, 200 m tall strips, EPSG:27700)::

    P1 0-200 unchanged | P2 200-400 split -> C1 200-260 (30%), C2 260-400 (70%)
    | P3 400-500 + P4 500-600 merged -> M 400-600

The best-fit lookup names only C2 for P2 (like Trafford's E01006185 -> E01034001, with
E01034000 left out); the exact-fit lookup names every pair with CHGIND.
"""

from __future__ import annotations

from pathlib import Path

import shapely

from tests.core.imports import fixtures_a as fx

P1, P2, P3, P4 = "E01006180", "E01006185", "E01006190", "E01006191"
C1, C2, M = "E01034000", "E01034001", "E01034100"
X0, Y0 = 537000.0, 172000.0
LAD = ("E08000009", "Trafford")


def strip(a: float, b: float) -> shapely.Polygon:
    return shapely.box(X0 + a, Y0, X0 + b, Y0 + 200)


GEOM11 = {P1: strip(0, 200), P2: strip(200, 400), P3: strip(400, 500), P4: strip(500, 600)}
GEOM21 = {P1: strip(0, 200), C1: strip(200, 260), C2: strip(260, 400), M: strip(400, 600)}

BEST_FIT_HEADER = ["ObjectId", "LSOA11CD", "LSOA11NM", "LSOA21CD", "LSOA21NM", "LAD22CD",
                   "LAD22NM", "LAD22NMW"]
EXACT_FIT_HEADER = ["LSOA11CD", "LSOA11NM", "LSOA21CD", "LSOA21NM", "CHGIND", "LAD22CD",
                    "LAD22NM", "LAD22NMW", "ObjectId"]
BEST = [(P1, P1), (P2, C2), (P3, M), (P4, M)]
EXACT = [(P1, P1, "U"), (P2, C1, "S"), (P2, C2, "S"), (P3, M, "M"), (P4, M, "M")]

FILE1_HEADER = ["LSOA code (2011)", "LSOA name (2011)", "Local Authority District code (2019)",
                "Local Authority District name (2019)",
                "Index of Multiple Deprivation (IMD) Rank",
                "Index of Multiple Deprivation (IMD) Decile"]
# IoD 2019 (LSOA 2011): rank, decile. P3 is the more deprived half of the merge.
IOD2019 = {P1: ("15,000", 5), P2: ("1,000", 1), P3: ("5,000", 2), P4: ("20,000", 7)}
# the short-heading re-publication of IoD 2025 (LSOA 2021)
DOMAINS_2025 = ["IMD", "Income", "Employment", "Education", "Health", "Crime",
                "Housing_and_Services", "Environment"]
IMD2025_HEADER = ["lsoa21_code", *[f"{d}_{m}" for m in ("decile", "rank", "score")
                                   for d in DOMAINS_2025]]
IOD2025 = {P1: (4, 13000, 20.1), C1: (2, 5500, 35.0), C2: (1, 900, 50.2), M: (6, 19000, 12.0)}

LONDON_POP_HEADER = ["LSOA11CD", "LSOA11NM", "MSOA11CD", "MSOA11NM", "LAD11CD", "LAD11NM",
                     "Persons_All-Ages", "Persons_0-15", "Persons_16-29", "Persons_30-44",
                     "Persons_45-64", "Persons_65+", "Males_All-Ages", "Males_0-15",
                     "Males_16-29", "Males_30-44", "Males_45-64", "Males_65+",
                     "Females_All-Ages", "Females_0-15", "Females_16-29", "Females_30-44",
                     "Females_45-64", "Females_65+"]
POP2020 = {P1: 1500, P2: 2000, P3: 700, P4: 900}   # persons, all ages


def name(code: str) -> str:
    return f"Trafford {code[-3:]}A"


def write_best_fit(path: Path) -> Path:
    rows = [[k + 1, a, name(a), b, name(b), *LAD, ""] for k, (a, b) in enumerate(BEST)]
    return fx.write_csv(path, BEST_FIT_HEADER, rows)          # UTF-8 with BOM, as published


def write_exact_fit(path: Path) -> Path:
    rows = [[a, name(a), b, name(b), c, *LAD, "", k + 1] for k, (a, b, c) in enumerate(EXACT)]
    return fx.write_csv(path, EXACT_FIT_HEADER, rows)


def write_boundaries(path: Path, vintage: int) -> Path:
    """Trafford Data Lab layout (area_code, area_name), CRS84 lon/lat, vintage in the name."""
    geoms = GEOM11 if vintage == 2011 else GEOM21
    props = [{"area_code": c, "area_name": name(c)} for c in geoms]
    return fx.write_geojson(path, [fx.to_lonlat(g) for g in geoms.values()], props,
                            crs="urn:ogc:def:crs:OGC:1.3:CRS84")


def write_iod2019(path: Path) -> Path:
    rows = [[c, name(c), *LAD, r, d] for c, (r, d) in IOD2019.items()]
    return fx.write_csv(path, FILE1_HEADER, rows)


def write_iod2025(path: Path) -> Path:
    # the IMD columns as given; every other domain gets decile 5, rank 16000, score 0.1
    rows = [[c, d, *[5] * 7, r, *[16000] * 7, s, *[0.1] * 7] for c, (d, r, s) in IOD2025.items()]
    return fx.write_csv(path, IMD2025_HEADER, rows, encoding="utf-8")


def write_london_pop(path: Path, pops: dict[str, int] = POP2020) -> Path:
    """ONS mid-2020 layout on LSOA 2011 codes: persons, males, females by broad band."""
    rows = []
    for c, total in pops.items():
        bands = [total // 5] * 4 + [total - 4 * (total // 5)]       # 0-15 … 65+
        half = [b // 2 for b in bands]
        other = [b - h for b, h in zip(bands, half, strict=True)]
        rows.append([c, name(c), "E02001259", "Trafford 001", *LAD, total, *bands,
                     sum(half), *half, sum(other), *other])
    return fx.write_csv(path, LONDON_POP_HEADER, rows, encoding="utf-8")
