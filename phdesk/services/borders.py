"""The map's neighbourhood borders for a project: read from the project file when kept there
for the same areas and lookup, else found (``core.borders``) and kept for the next load.

Why it exists: finding them is the longest part of a large map's first paint, and they change
only with the areas or the neighbourhood lookup (docs/ARCHITECTURE.md, map rendering). Runs
on a worker thread (the map's layer builder), never the GUI thread. A read-only project gets
them built in memory and nothing written. Keeping them is a saving, never a condition: when
the file cannot be read or written they are built and the map is drawn all the same.
"""

from __future__ import annotations

import logging

import numpy as np

from phdesk.core.borders import BorderLines, border_signature, neighbourhood_border_lines
from phdesk.core.rings import RingArrays
from phdesk.store import border_cache
from phdesk.store.project import Project

log = logging.getLogger(__name__)


def project_borders(project: Project, rings: RingArrays, geoms: np.ndarray, groups: np.ndarray,
                    tree) -> BorderLines:
    """The borders of the areas (``rings`` and ``tree`` from ``geoms``, in the same order)
    grouped by ``groups`` (one neighbourhood name or None per area); ``tree`` an STRtree or a
    function returning it, called only when the borders must be found."""
    signature = border_signature(rings, groups)
    try:
        kept = border_cache.read(project, signature)
    except Exception:   # (a closed or damaged file) the borders are still found below
        log.warning("could not read the kept neighbourhood borders", exc_info=True)
        kept = None
    if kept is not None:
        return BorderLines(kept["names"], kept["offsets"], kept["x"], kept["y"], kept["code"],
                           kept["fallback"])
    lines = neighbourhood_border_lines(rings, geoms, groups, tree)
    if not project.read_only:
        try:
            border_cache.write(project, signature, lines.names, lines.fallback, lines.offsets,
                               lines.x, lines.y, lines.code)
        except Exception:   # e.g. a full disk or another writer: the next load builds them
            log.warning("could not keep the neighbourhood borders", exc_info=True)
    return lines
