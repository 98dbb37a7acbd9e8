"""Which areas are the study area (docs/mapping.md, "Study area and edges"): the one rule the
engine, the map's opening view, the charts and the reports share.

The study area is the areas with a neighbourhood; the others are *context* (their residents count
as demand, they are never reported). With no neighbourhood at all the whole project is the study
area, one unnamed neighbourhood. The engine's ``AreaWork.study`` is this mask.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def study_mask(neighbourhoods) -> np.ndarray:
    """True for each area in the study area, given each area's neighbourhood name (None, NaN or
    blank: none)."""
    nb = pd.Series(np.asarray(neighbourhoods, dtype=object))
    has = (nb.notna() & (nb.astype(str).str.strip() != "")).to_numpy(dtype=bool)
    return has if has.any() else np.ones(len(has), dtype=bool)

