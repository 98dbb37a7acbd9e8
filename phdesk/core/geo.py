"""Coordinates and codes: British National Grid (EPSG:27700, metres) is the working CRS.

Everything stored in a project is in EPSG:27700. Input in WGS84 (EPSG:4326, longitude/latitude
degrees) is projected with PROJ through pyproj; without the OSTN15 grid file PROJ uses the
Helmert transformation, good to a few metres, which is ample for catchments of hundreds of metres.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

BNG = 27700
WGS84 = 4326

# Great Britain on the National Grid, with a margin for islands (metres)
GB_EASTING = (0.0, 700_000.0)
GB_NORTHING = (0.0, 1_300_000.0)
# Great Britain and Northern Ireland in degrees
GB_LON = (-8.7, 1.9)
GB_LAT = (49.8, 60.9)

# ASCII only: Python's \d also matches full-width and Arabic-Indic digits, which must never
# become codes (see docs/ARCHITECTURE.md, "Reliability")
AREA_CODE_RE = re.compile(r"^[EWSN][0-9]{8}$")
ODS_CODE_RE = re.compile(r"^[A-Z0-9]{3,8}$")
# upper case for ASCII letters only: str.upper() turns 'ſ' into 'S' and 'ﬆ' into 'ST', so a
# look-alike would pass as a code after it
ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
POSTCODE_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")

# GSS entity prefixes -> area level
LEVEL_BY_PREFIX = {
    "E01": "lsoa", "W01": "lsoa", "E02": "msoa", "W02": "msoa", "E05": "ward", "W05": "ward",
    "E06": "lad", "E07": "lad", "E08": "lad", "E09": "lad", "W06": "lad", "E00": "oa", "W00": "oa",
}


@lru_cache(maxsize=4)
def _transformer(src: int, dst: int):
    import pyproj  # imported lazily: keeps start-up fast

    # phdesk never downloads anything: PROJ would fetch grid files over the network if the
    # machine had PROJ_NETWORK=ON set (tests/core/test_no_network.py).
    pyproj.network.set_network_enabled(False)
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


def lonlat_to_bng(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project WGS84 longitude/latitude (degrees) to EPSG:27700 easting/northing (metres)."""
    e, n = _transformer(WGS84, BNG).transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(e, float), np.asarray(n, float)


def bng_to_lonlat(e: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`lonlat_to_bng`."""
    lon, lat = _transformer(BNG, WGS84).transform(np.asarray(e, float), np.asarray(n, float))
    return np.asarray(lon, float), np.asarray(lat, float)


def transform_coords(xy: np.ndarray, src_epsg: int, dst_epsg: int = BNG) -> np.ndarray:
    """Transform an (N, 2) array of coordinates between EPSG codes (x = easting/longitude)."""
    if src_epsg == dst_epsg:
        return np.asarray(xy, float)
    x, y = _transformer(src_epsg, dst_epsg).transform(xy[:, 0], xy[:, 1])
    return np.column_stack([x, y])


def in_gb_bng(e: np.ndarray, n: np.ndarray) -> np.ndarray:
    """True where easting/northing (metres) fall inside Great Britain's grid extent."""
    e, n = np.asarray(e, float), np.asarray(n, float)
    return (e > GB_EASTING[0]) & (e < GB_EASTING[1]) & (n > GB_NORTHING[0]) & (n < GB_NORTHING[1])


def in_gb_lonlat(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """True where longitude/latitude (degrees) fall inside Great Britain and Northern Ireland."""
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    return (lon >= GB_LON[0]) & (lon <= GB_LON[1]) & (lat >= GB_LAT[0]) & (lat <= GB_LAT[1])


def looks_swapped(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """True where a pair is outside GB as given but inside GB with lat/lon swapped."""
    return ~in_gb_lonlat(lon, lat) & in_gb_lonlat(lat, lon)


def normalise_postcode(values: pd.Series) -> pd.Series:
    """Upper case, no spaces: ``'n1  0aa'`` -> ``'N10AA'`` (the key of the postcodes table)."""
    return values.astype("string").str.translate(ASCII_UPPER).str.replace(r"\s+", "",
                                                                        regex=True)


def clean_code(values: pd.Series) -> pd.Series:
    """Codes as text without surrounding spaces, ASCII letters upper-cased (NA stays NA)."""
    return values.astype("string").str.strip().str.translate(ASCII_UPPER)


def valid_postcode(normalised: pd.Series) -> pd.Series:
    """True where a normalised postcode has the shape of a UK postcode."""
    return normalised.fillna("").str.fullmatch(POSTCODE_RE.pattern).astype(bool)


def valid_area_code(codes: pd.Series) -> pd.Series:
    """True where a value is a nine-character GSS code such as ``E01000001``."""
    return codes.astype("string").fillna("").str.fullmatch(AREA_CODE_RE.pattern).astype(bool)


def area_level(code: str) -> str:
    """``lsoa``, ``msoa``, ``ward``, ``lad``, ``oa`` or ``other`` from a GSS code's prefix."""
    return LEVEL_BY_PREFIX.get(code[:3], "other")
