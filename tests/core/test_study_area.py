"""The one study-area rule: areas with a neighbourhood; everything when none has one."""

from __future__ import annotations

import numpy as np

from phdesk.core.study_area import study_mask


def test_areas_with_a_neighbourhood_are_the_study_area():
    nb = ["N1", None, np.nan, "  ", "N2"]
    assert study_mask(nb).tolist() == [True, False, False, False, True]


def test_no_neighbourhood_at_all_makes_everything_the_study_area():
    assert study_mask([None, np.nan, ""]).tolist() == [True, True, True]
    assert study_mask(["N1", "N2"]).tolist() == [True, True]
    assert study_mask([]).tolist() == []


def _grid(n: int = 3, size: float = 100.0) -> np.ndarray:
    import shapely

    return np.array([shapely.box(i * size, j * size, (i + 1) * size, (j + 1) * size)
                     for j in range(n) for i in range(n)], dtype=object)


def test_an_area_without_a_neighbourhood_inside_the_study_area_is_found():
    from phdesk.core.study_area import enclosed, enclosed_note

    geoms = _grid()                       # 3 x 3 squares; index 4 is the centre
    names = ["N1"] * 9
    names[4] = None
    assert list(enclosed(geoms, names)) == [4]
    names[0] = None                       # a corner beside the centre: neither is surrounded
    assert list(enclosed(geoms, names)) == []
    names = ["N1"] * 9
    names[0] = ""       # a corner on the project's edge beside named areas only: said too
    assert list(enclosed(geoms, names)) == [0]   # (Trafford's split LSOA is on its boundary)
    names[1] = None     # ... unless an area beside it has no neighbourhood either
    assert list(enclosed(geoms, names)) == []
    assert list(enclosed(geoms, [None] * 9)) == [] and list(enclosed(geoms, ["N"] * 9)) == []
    note = enclosed_note(["E01034000"])
    assert note.startswith("1 area has no neighbourhood though every area beside it has one")
    assert "E01034000" in note and "use=bridge" in note
    assert enclosed_note([]) is None
    many = enclosed_note([f"E0{i}" for i in range(7)])
    assert many.startswith("7 areas have no neighbourhood though every area beside them")
    assert "E04, …" in many and "E05" not in many


def test_a_sliver_between_generalised_boundaries_still_makes_neighbours():
    import shapely

    from phdesk.core.study_area import enclosed

    geoms = _grid()
    geoms[4] = shapely.box(102, 102, 198, 198)   # 2 m gaps all round (20 m generalisation)
    names = ["N1"] * 9
    names[4] = None
    assert list(enclosed(geoms, names)) == [4]


def test_the_run_and_the_import_summary_say_so_on_a_project(demo_path):
    from phdesk.core.mapping import load_inputs
    from phdesk.core.vintage_coverage import coverage
    from phdesk.store.project import Project

    with Project(demo_path) as project:
        assert not any("no neighbourhood though" in n for n in load_inputs(project).info["notes"])
        code = project.scalar("SELECT area_code FROM area_neighbourhood ORDER BY area_code "
                              "LIMIT 1 OFFSET 70")
        with project.transaction() as db:
            db.execute("DELETE FROM area_neighbourhood WHERE area_code = ?", (code,))
        notes = load_inputs(project).info["notes"]
        said = [n for n in notes if "no neighbourhood though" in n]
        assert len(said) == 1 and code in said[0]
        assert any(code in n for n in coverage(project)["notes"])


def test_names_tested_once_give_the_per_area_rule():
    """``has_name`` tests each distinct name once; the answer is the plain per-area test's."""
    import pandas as pd

    from phdesk.core.study_area import has_name

    rng = np.random.default_rng(3)
    pool = np.array(["N1", "N2", " N3 ", "", "  ", "\t", None, np.nan, pd.NA, 7, 0.0, "0"],
                    dtype=object)
    nb = pool[rng.integers(0, len(pool), 500)]
    plain = [not (v is None or v is pd.NA or (isinstance(v, float) and v != v))
             and str(v).strip() != "" for v in nb]
    assert has_name(nb).tolist() == plain
    assert has_name(pd.Series(nb)).tolist() == plain
    assert has_name(pd.Series(nb.astype(str)).astype("category")).tolist() == \
        [str(v).strip() != "" for v in nb]
    assert has_name([]).tolist() == []
