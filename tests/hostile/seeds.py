"""Small seed files in the real layouts (headers copied from the public files, as the importer
tests use them), one or more per importer, for the fuzz test to mutate."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.core.imports import fixtures_a as fx
from tests.core.imports.test_gp_registrations import LSOA_HEADER
from tests.core.imports.test_ods import ods_row
from tests.core.imports.test_postcodes import ONSPD_HEADER, onspd_row
from tests.hostile.helpers import patient_extract


def _text(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_seeds(folder: Path) -> dict[str, Path]:
    """``{name: path}`` of every seed, written into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    props = [{"LSOA21CD": c, "LSOA21NM": f"Lewisham {i:03d}A"} for i, c in enumerate(fx.CODES[:4])]
    seeds = {
        "deprivation_file7.csv": fx.write_file7_csv(folder / "file7.csv"),
        "deprivation_file7.xlsx": fx.write_file7_xlsx(folder / "file7.xlsx"),
        "boundaries.geojson": fx.write_geojson(folder / "areas.geojson", fx.squares(4), props,
                                               crs="EPSG:27700"),
        "boundaries.gpkg": fx.write_gpkg(folder / "areas.gpkg", fx.squares(4), props),
        "boundaries.zip": fx.zip_shapefile(
            fx.write_shapefile(folder / "areas.shp", fx.squares(4), props), folder / "shp.zip"),
        "postcodes_onspd.csv": _text(folder / "onspd.csv", [ONSPD_HEADER] + [
            onspd_row(f"SE{i} 6QT", 537000 + i, 172000 + i, c) for i, c in
            enumerate(fx.CODES)]),
        "ods_epraccur.csv": _text(folder / "epraccur.csv", [
            ods_row("F83004", "ST JOHN'S SURGERY", "SE1 6QT"),
            ods_row("F83005", "BARNSBURY MEDICAL PRACTICE", "SE2 6QT"),
            ods_row("V12345", "SMILE DENTAL", "SE3 6QT")]),
        "gp_registrations.csv": _text(folder / "gp_lsoa.csv", [LSOA_HEADER] + [
            f"GP_PRAC_PAT_LIST,2024-04-01,F8300{i},PRACTICE {i},{c},ALL,{100 + i}"
            for i, c in enumerate(fx.CODES)]),
        "segments_patient_level.csv": folder / "extract.csv",
        "assets.csv": _text(folder / "assets.csv", [
            "Name,Category,Postcode,Latitude,Longitude,Capacity",
            "Hither Green Library,Library,SE13 6QT,51.452,-0.003,1",
            "Lee Food Bank,Food bank,SE12 8RQ,51.451,0.012,2",
            "Catford Family Hub,Family hub,SE6 4RU,51.444,-0.021,1"]),
        "neighbourhoods.csv": _text(folder / "lookup.csv", ["LSOA21CD,Neighbourhood"] + [
            f"{c},{'North' if i % 2 else 'South'}" for i, c in enumerate(fx.CODES)]),
    }
    patient_extract(40, "pseudo_nhs_id", seed=5).to_csv(seeds["segments_patient_level.csv"],
                                                        index=False)
    pop = fx.ts007_frame()
    seeds["population_ts007.csv"] = folder / "ts007.csv"
    pop.to_csv(seeds["population_ts007.csv"], index=False)
    return seeds


def frame_of(path: Path) -> pd.DataFrame | None:
    """The seed as text cells, for cell-level mutations (None for binary seeds)."""
    if path.suffix.lower() != ".csv":
        return None
    return pd.read_csv(path, dtype=str, keep_default_na=False, header=None)
