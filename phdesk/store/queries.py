"""Reading the project into plain data frames (shapely geometries, EPSG:27700 metres).

The mapping engine, the exports and the UI read the project through these functions only.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import shapely

from phdesk.store.project import Project


def areas_frame(project: Project, level: str | None = None, with_geometry: bool = True
                ) -> pd.DataFrame:
    """Areas with their neighbourhood.

    Columns: code, name, level, vintage, neighbourhood (name or None), centroid_e, centroid_n,
    pw_centroid_e, pw_centroid_n, and ``geometry`` (shapely, EPSG:27700) when asked for.
    """
    geom = ", a.geometry" if with_geometry else ""
    where = "WHERE a.level = ?" if level else ""
    df = project.query(
        f"""SELECT a.code, a.name, a.level, a.vintage, n.name AS neighbourhood,
                   a.centroid_e, a.centroid_n, a.pw_centroid_e, a.pw_centroid_n{geom}
            FROM areas a
            LEFT JOIN area_neighbourhood an ON an.area_code = a.code
            LEFT JOIN neighbourhoods n ON n.id = an.neighbourhood_id
            {where} ORDER BY a.code""", (level,) if level else ())
    if with_geometry:
        df["geometry"] = geometries(df["geometry"])
    return df


def geometries(blobs: pd.Series) -> np.ndarray:
    """Shapely geometries (EPSG:27700) from a column of WKB blobs; None where there is none."""
    values = blobs.to_numpy(dtype=object)
    have = np.array([b is not None for b in values], dtype=bool)
    out = np.full(len(values), None, dtype=object)
    if have.any():
        out[have] = shapely.from_wkb(values[have])
    return out


def neighbourhood_polygons(project: Project) -> pd.DataFrame:
    """name, geometry (shapely or None) of every neighbourhood, for assignment by overlay."""
    df = project.query("SELECT name, geometry FROM neighbourhoods ORDER BY name")
    df["geometry"] = geometries(df["geometry"])
    return df


def neighbourhood_lookup(project: Project) -> pd.DataFrame:
    """area_code, neighbourhood for every area assigned to a neighbourhood."""
    return project.query("""SELECT an.area_code, n.name AS neighbourhood
                            FROM area_neighbourhood an JOIN neighbourhoods n
                            ON n.id = an.neighbourhood_id ORDER BY an.area_code""")


def neighbourhoods(project: Project) -> list[str]:
    return project.query("SELECT name FROM neighbourhoods ORDER BY name")["name"].tolist()


def assets_frame(project: Project) -> pd.DataFrame:
    """The asset register: id, name, category, easting, northing, postcode, capacity, source_id,
    source, address (eastings/northings EPSG:27700 metres; NaN where not placed)."""
    return project.query("""SELECT id, name, category, easting, northing, postcode, capacity,
                                   source_id, source, address FROM assets ORDER BY id""")


def population_frame(project: Project, group_type: str | None = None) -> pd.DataFrame:
    """Long population: dataset, area_code, age_band, sex, group_type, group_name, count."""
    where = "WHERE group_type = ?" if group_type else ""
    return project.query(f"""SELECT dataset, area_code, age_band, sex, group_type, group_name,
                                    count FROM population {where}""",
                         (group_type,) if group_type else ())


def deprivation_frame(project: Project, domain: str = "imd", edition: int | None = None
                      ) -> pd.DataFrame:
    """area_code, edition, score, rank, decile for one domain; the latest edition by default."""
    if edition is None:
        edition = project.scalar("SELECT max(edition) FROM deprivation WHERE domain = ?", (domain,))
        if edition is None:
            return pd.DataFrame(columns=["area_code", "edition", "score", "rank", "decile"])
    return project.query("""SELECT area_code, edition, score, rank, decile FROM deprivation
                            WHERE domain = ? AND edition = ?""", (domain, int(edition)))


def gp_list_sizes(project: Project) -> pd.Series:
    """Registered patients per GP practice code (upper case): the practice totals of the
    ``gp_registrations`` table (all ages, both sexes), latest extract per practice."""
    df = project.query("""SELECT practice_code, count, extract_date FROM gp_registrations
                          WHERE area_code = '' AND age_band = 'all' AND sex = 'all'""")
    if df.empty:
        return pd.Series(dtype=float)
    df = df.sort_values("extract_date", na_position="first", kind="stable")
    key = df["practice_code"].astype(str).str.strip().str.upper()
    return pd.Series(df["count"].to_numpy(dtype=float), index=key).groupby(level=0).last()


def gp_practices_by_postcode(project: Project) -> pd.DataFrame:
    """postcode (no spaces, upper case), name, practice_code (upper case) of the practices the
    GP registrations name with a postcode: how a register without practice codes is matched."""
    df = project.query("""SELECT DISTINCT practice_postcode AS postcode,
                                 coalesce(practice_name, '') AS name, practice_code
                          FROM gp_registrations WHERE practice_postcode IS NOT NULL
                          AND practice_postcode != ''""")
    df["practice_code"] = df["practice_code"].astype(str).str.strip().str.upper()
    return df.drop_duplicates(["postcode", "practice_code"])


def category_settings(project: Project) -> pd.DataFrame:
    """category, radius_m, serves (list of segment names) as saved in the project."""
    df = project.query("SELECT category, radius_m, serves FROM category_settings ORDER BY category")
    df["serves"] = [json.loads(s) for s in df["serves"]]
    return df


def notes_frame(project: Project) -> pd.DataFrame:
    return project.query("SELECT * FROM notes ORDER BY id")


def last_mapping_run(project: Project) -> dict | None:
    df = project.query("SELECT * FROM mapping_runs ORDER BY id DESC LIMIT 1")
    if df.empty:
        return None
    row = df.iloc[0].to_dict()
    row["parameters"] = json.loads(row["parameters"])
    row["summary"] = json.loads(row["summary"]) if row.get("summary") else None
    return row
