"""Neighbourhood labels that never overlap: after every pan or zoom, a label whose box would
cover one already placed is hidden until there is room (zoom in and it comes back).

Greedy in priority order (the bigger neighbourhood first when sizes are known); the boxes are
the labels' on-screen rectangles, so the rule holds at any zoom and any font size.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6 import QtCore

MARGIN = 2.0   # pixels kept clear between two labels


def visible_labels(rects: Sequence[QtCore.QRectF], order: Sequence[int] | None = None
                   ) -> list[bool]:
    """Which labels to show: walking ``order`` (default: as given), keep a label unless its
    rectangle (grown by MARGIN) meets one already kept."""
    order = list(range(len(rects))) if order is None else list(order)
    kept: list[QtCore.QRectF] = []
    show = [False] * len(rects)
    for i in order:
        r = QtCore.QRectF(rects[i]).adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)
        if r.isEmpty() or any(r.intersects(k) for k in kept):
            continue
        kept.append(r)
        show[i] = True
    return show


def install_declutter(view, enabled, sizes: Sequence[float] | None = None) -> None:
    """Hide colliding labels of ``view`` (a MapView with ``labels`` and ``vb``) whenever its
    range changes; ``enabled()`` says whether labels are switched on at all."""
    def update(*_) -> None:
        labels = list(getattr(view, "labels", []))
        if not labels:
            return
        if not enabled():
            for t in labels:
                t.setVisible(False)
            return
        # a TextItem keeps its on-screen size by a transform it updates only while visible
        # (when painted or on a range change): a label hidden at a smaller size kept a stale,
        # huge rectangle and stayed hidden for good, so each is measured as shown.
        for t in labels:
            t.setVisible(True)
            t.updateTransform(force=True)
        rects = [t.mapRectToScene(t.boundingRect()) for t in labels]
        order = None
        if sizes is not None and len(sizes) == len(labels):
            order = sorted(range(len(labels)), key=lambda i: -float(sizes[i]))
        for t, on in zip(labels, visible_labels(rects, order), strict=True):
            t.setVisible(on)
    view.vb.sigRangeChanged.connect(update)
    view.declutter_labels = update
