"""A brief fuzz of every importer in each test run (see tests/hostile/fuzz.py for the property
and the longer run)."""

from __future__ import annotations

import os

import pytest

from tests.hostile.fuzz import Counter, property_for
from tests.hostile.seeds import write_seeds

EXAMPLES = int(os.environ.get("PHDESK_FUZZ_EXAMPLES", "3"))
SEED_NAMES = ["deprivation_file7.csv", "deprivation_file7.xlsx", "boundaries.geojson",
              "boundaries.gpkg", "boundaries.zip", "postcodes_onspd.csv", "ods_epraccur.csv",
              "gp_registrations.csv", "segments_patient_level.csv", "assets.csv",
              "neighbourhoods.csv", "population_ts007.csv"]


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    return write_seeds(tmp_path_factory.mktemp("seeds"))


def test_every_seed_is_listed(seeds):
    assert sorted(seeds) == sorted(SEED_NAMES)


@pytest.mark.parametrize("name", SEED_NAMES)
def test_mutations_import_cleanly_or_are_refused(seeds, name, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    before = Counter.examples
    property_for(seeds[name], work, EXAMPLES)()
    assert Counter.examples - before >= 1
