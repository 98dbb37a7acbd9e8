"""Codes are ASCII only: look-alike digits and letters never become area codes, postcodes or
ODS codes (issue 12, item 3)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from phdesk.core import geo
from phdesk.core.imports import fastparse, run_import
from phdesk.core.imports.report import MALFORMED_AREA_CODE

FULL_WIDTH = "E０１０００００１"          # full-width digits
ARABIC_INDIC = "E٠١٠٠٠٠٠١"              # Arabic-Indic digits
DEVANAGARI = "E०१०००००१"
LONG_S = "ſ01000001"                    # 'ſ'.upper() == 'S'
LOOK_ALIKES = [FULL_WIDTH, ARABIC_INDIC, DEVANAGARI, LONG_S, "Ｅ01000001", "E01000001\u200b"]


@pytest.mark.parametrize("code", LOOK_ALIKES)
def test_look_alike_area_codes_are_malformed(code):
    assert not geo.valid_area_code(geo.clean_code(pd.Series([code]))).iloc[0]
    cat, bad, _ = fastparse.area_codes(np.array([code, "E01000001"], dtype=object))
    assert bad.tolist() == [True, False]
    assert pd.isna(cat[0]) and cat[1] == "E01000001"


@pytest.mark.parametrize("pc", ["ſW1A 1AA", "SW1A １AA", "SW1A ١AA", "ＳW1A 1AA", "SW1A 1ﬀ"])
def test_look_alike_postcodes_are_malformed(pc):
    assert not geo.valid_postcode(geo.normalise_postcode(pd.Series([pc]))).iloc[0]
    _, valid = fastparse.postcodes(np.array([pc, "sw1a 1aa"], dtype=object))
    assert valid.tolist() == [False, True]


def test_ods_code_shape_is_ascii():
    assert geo.ODS_CODE_RE.fullmatch("F83004")
    assert not geo.ODS_CODE_RE.fullmatch("F８３００４")
    assert not geo.ODS_CODE_RE.fullmatch("F٨٣٠٠٤")


def test_imported_codes_are_ascii(project, tmp_path):
    rows = ["lsoa_code,segment,count"] + [f"{c},Frailty,{i + 1}" for i, c in
                                          enumerate(["E01000001", *LOOK_ALIKES])]
    f = tmp_path / "seg.csv"
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    rep = run_import(project, f, kind="segments", accept_partial=True)
    assert rep.rows_accepted == 1 and rep.rows_rejected == len(LOOK_ALIKES)
    assert set(rep.rejections["reason"]) == {MALFORMED_AREA_CODE}
    stored = project.query("SELECT DISTINCT area_code FROM population")["area_code"]
    assert stored.tolist() == ["E01000001"]
    assert all(c.isascii() for c in stored)
