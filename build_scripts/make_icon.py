"""Make a multi-size Windows icon (16-256 px, PNG-compressed entries) for the build.

Used only when ``phdesk/resources/phdesk.ico`` is missing: renders ``phdesk/resources/phdesk.svg``
if there is one, else draws a plain placeholder mark. The output goes to ``build/`` (never
committed). ICO entries hold PNG data, which Windows Vista and later read at every size.

    python build_scripts/make_icon.py [--out build/phdesk.ico]
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SIZES = (16, 24, 32, 48, 64, 128, 256)


def pack_ico(pngs: dict[int, bytes]) -> bytes:
    """An ICO file from PNG images keyed by their pixel size (square)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = 6 + 16 * len(pngs)
    entries, blobs = b"", b""
    for size, data in sorted(pngs.items()):
        dim = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        blobs += data
        offset += len(data)
    return header + entries + blobs


def render_pngs(svg: Path | None) -> dict[int, bytes]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import QtCore, QtGui

    app = QtGui.QGuiApplication.instance() or QtGui.QGuiApplication([])  # noqa: F841
    renderer = None
    if svg is not None:
        from PySide6 import QtSvg

        renderer = QtSvg.QSvgRenderer(str(svg))
        if not renderer.isValid():
            renderer = None
    out = {}
    for size in SIZES:
        img = QtGui.QImage(size, size, QtGui.QImage.Format.Format_ARGB32)
        img.fill(QtCore.Qt.GlobalColor.transparent)
        p = QtGui.QPainter(img)
        p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        if renderer is not None:
            renderer.render(p, QtCore.QRectF(0, 0, size, size))
        else:
            _placeholder(p, size, QtCore, QtGui)
        p.end()
        buf = QtCore.QBuffer()
        buf.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
        img.save(buf, "PNG")
        out[size] = bytes(buf.data())
    return out


def _placeholder(p, size: int, QtCore, QtGui) -> None:  # noqa: N803 (module objects)
    """A teal rounded square with three white 'neighbourhood' dots: legible at 16 px."""
    m = size * 0.06
    rect = QtCore.QRectF(m, m, size - 2 * m, size - 2 * m)
    p.setPen(QtCore.Qt.PenStyle.NoPen)
    p.setBrush(QtGui.QColor("#00796b"))
    p.drawRoundedRect(rect, size * 0.18, size * 0.18)
    p.setBrush(QtGui.QColor("#ffffff"))
    r = size * 0.11
    for fx, fy in ((0.33, 0.38), (0.67, 0.38), (0.5, 0.68)):
        p.drawEllipse(QtCore.QPointF(size * fx, size * fy), r, r)


def make_icon(out: Path) -> Path:
    svg = ROOT / "phdesk" / "resources" / "phdesk.svg"
    data = pack_ico(render_pngs(svg if svg.exists() else None))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=ROOT / "build" / "phdesk.ico")
    args = p.parse_args(argv)
    print(make_icon(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
