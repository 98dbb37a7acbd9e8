"""What importers read of the project while they check a file (nothing here writes).

Why it exists: SQL against the project schema lives in ``phdesk.store`` (docs/ARCHITECTURE.md,
"Persistence"); the importers in ``phdesk.core.imports`` ask these functions instead.
"""

from __future__ import annotations

import pandas as pd

from phdesk.store.project import Project

SQL_PARAMS = 900   # values bound per query, under SQLite's parameter limit


def area_codes(project: Project) -> set[str]:
    """Every area code held (any level, any vintage)."""
    return set(project.query("SELECT code FROM areas")["code"])


def postcode_points(project: Project, postcodes: list[str]) -> pd.DataFrame:
    """postcode, easting, northing (EPSG:27700 metres), lsoa_code of the normalised
    ``postcodes`` held; postcodes not held are absent."""
    found = []
    for start in range(0, len(postcodes), SQL_PARAMS):
        chunk = list(postcodes[start:start + SQL_PARAMS])
        marks = ",".join("?" * len(chunk))
        found.append(project.query(f"SELECT postcode, easting, northing, lsoa_code FROM postcodes "
                                   f"WHERE postcode IN ({marks})", tuple(chunk)))
    if not found:
        return pd.DataFrame(columns=["postcode", "easting", "northing", "lsoa_code"])
    return pd.concat(found, ignore_index=True)


def has_postcodes(project: Project) -> bool:
    return bool(project.scalar("SELECT EXISTS (SELECT 1 FROM postcodes)"))


def last_imported_at(project: Project, sha256: str, kind: str) -> str | None:
    """When a file with this SHA-256 was last imported as ``kind`` (ISO 8601 UTC), or None."""
    return project.scalar("SELECT imported_at FROM provenance WHERE sha256 = ? AND kind = ? "
                          "ORDER BY id DESC LIMIT 1", (sha256, kind))


def main_lsoa_vintage(project: Project) -> int | None:
    """The census vintage (2011, 2021) of most of the project's LSOAs, or None."""
    v = project.scalar("SELECT vintage FROM areas WHERE level = 'lsoa' GROUP BY vintage "
                       "ORDER BY count(*) DESC LIMIT 1")
    return None if v is None else int(v)


def lsoa_vintages(project: Project) -> list[int]:
    """The vintages of the LSOAs held, ascending."""
    df = project.query("SELECT DISTINCT vintage FROM areas WHERE level = 'lsoa' "
                       "AND vintage IS NOT NULL")
    return sorted(int(v) for v in df["vintage"])


def areas_of_other_vintage(project: Project, vintage: int) -> pd.DataFrame:
    """code, vintage of the areas stored with a vintage other than ``vintage``."""
    return project.query("SELECT code, vintage FROM areas WHERE vintage IS NOT NULL "
                         "AND vintage != ?", (int(vintage),))


def has_real_neighbourhoods(project: Project) -> bool:
    """True when a lookup or outlines made neighbourhoods (not the MSOA defaults)."""
    from phdesk.store.vintages import REAL_NEIGHBOURHOODS_SQL

    return bool(project.scalar(REAL_NEIGHBOURHOODS_SQL))


def asset_categories(project: Project) -> list[str]:
    """The categories of the assets held (unordered)."""
    df = project.query("SELECT DISTINCT category FROM assets WHERE category IS NOT NULL")
    return df["category"].astype(str).tolist()


def area_names(project: Project) -> list[str]:
    """The names of the areas held (LSOA names such as "Trafford 025A"), without empties."""
    df = project.query("SELECT DISTINCT name FROM areas WHERE name IS NOT NULL AND name != ''")
    return df["name"].astype(str).tolist()


def area_centroid_box(project: Project) -> tuple[float, float, float, float] | None:
    """(min easting, max easting, min northing, max northing) of the area centroids, EPSG:27700
    metres; None when no area has a centroid."""
    box = project.query("SELECT min(centroid_e) e0, max(centroid_e) e1, min(centroid_n) n0, "
                        "max(centroid_n) n1 FROM areas")
    if box.empty or pd.isna(box["e0"].iloc[0]):
        return None
    b = box.iloc[0]
    return float(b.e0), float(b.e1), float(b.n0), float(b.n1)
