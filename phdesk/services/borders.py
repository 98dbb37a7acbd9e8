"""The map's neighbourhood borders for a project: read from the project file when kept there
for the same areas and lookup, else found (``core.borders``) and kept for the next load.

Why it exists: finding them is the longest part of a large map's first paint, and they change
only with the areas or the neighbourhood lookup (docs/ARCHITECTURE.md, map rendering). Runs
on a worker thread (the map's layer builder), never the GUI thread. Writing them is handed to a
thread of its own, so the paint never waits for it (a first write checks the file, and another
phdesk may hold the write lock). A read-only project gets them built in memory and nothing
written. Keeping them is a saving, never a condition: when the file cannot be read or written
they are built and the map is drawn all the same.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from phdesk.core.borders import BorderLines, border_signature, neighbourhood_border_lines
from phdesk.core.rings import RingArrays
from phdesk.store import border_cache
from phdesk.store.project import Project

log = logging.getLogger(__name__)
_WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="keep-borders")


class BorderKeeper:
    """The borders of one open project (``get``), the last write of them tracked (``wait``)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._writing: Future | None = None
        self._lock = threading.Lock()

    def get(self, rings: RingArrays, geoms: np.ndarray, groups: np.ndarray, tree
            ) -> BorderLines:
        """The borders of the areas (``rings`` and ``tree`` from ``geoms``, in the same order)
        grouped by ``groups`` (one neighbourhood name or None per area); ``tree`` an STRtree
        or a function returning it, called only when the borders must be found."""
        signature = border_signature(rings, groups)
        try:
            kept = border_cache.read(self.project, signature)
        except Exception:   # (a closed or damaged file) the borders are still found below
            log.warning("could not read the kept neighbourhood borders", exc_info=True)
            kept = None
        if kept is not None:
            return BorderLines(kept["names"], kept["offsets"], kept["x"], kept["y"],
                               kept["code"], kept["fallback"])
        lines = neighbourhood_border_lines(rings, geoms, groups, tree)
        if not self.project.read_only:
            with self._lock:
                self._writing = _WRITER.submit(self._keep, signature, lines)
        return lines

    def _keep(self, signature: str, lines: BorderLines) -> None:
        try:
            border_cache.write(self.project, signature, lines.names, lines.fallback,
                               lines.offsets, lines.x, lines.y, lines.code)
        except Exception:   # e.g. a full disk or a closed file: the next load builds them
            log.warning("could not keep the neighbourhood borders", exc_info=True)

    def wait(self) -> None:
        """Until the borders found last are written (or failed to be)."""
        with self._lock:
            writing = self._writing
        if writing is not None:
            writing.result()
