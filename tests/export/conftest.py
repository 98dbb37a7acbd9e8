"""An exported project: the demo plus a small segment extract (counts of 0-12 per area, the
aggregated layout ``lsoa_code,segment,count``) served by GP practices, and an asset whose name
is formula-like text. Mapped once per module (1,000 SII draws keep it quick)."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

FORMULA_NAME = '=HYPERLINK("http://example.invalid","Click")'
SMALL = "Rare condition"


@pytest.fixture(scope="module")
def exported(demo_template, tmp_path_factory):
    from phdesk.api import open_project
    from phdesk.core.imports import run_import
    from phdesk.core.mapping import MappingParams

    folder = tmp_path_factory.mktemp("export")
    path = folder / "demo.phdesk"
    shutil.copy(demo_template, path)
    project = open_project(path)
    service = project.service
    codes = service.areas()["code"].astype(str).tolist()
    rng = np.random.default_rng(11)
    extract = folder / "segment_extract.csv"
    pd.DataFrame({"lsoa_code": codes, "segment": SMALL,
                  "count": rng.choice([0, 1, 2, 3, 5, 6, 9, 12], len(codes))}).to_csv(
        extract, index=False)
    run_import(service.project, extract, kind="segments")
    service.invalidate()
    gp = service.assets().query("category == 'GP practice'").iloc[0]
    service.add_asset({"name": FORMULA_NAME, "category": "GP practice",
                       "easting": float(gp["easting"]) + 50, "northing": float(gp["northing"])})
    cs = service.category_settings()
    cs["serves"] = [list(dict.fromkeys([*sv, SMALL, "Frailty"])) if c == "GP practice" else sv
                    for c, sv in zip(cs["category"], cs["serves"], strict=True)]
    service.save_category_settings(cs)
    result = service.run_mapping(MappingParams(sii_repetitions=1000))
    yield {"project": project, "service": service, "result": result, "folder": folder,
           "path": path}
    project.close()
