"""``phdesk --selfcheck``: prove that this installation works, without a display.

Builds the demo project in a temporary folder, runs asset mapping and writes its CSV tables,
opens the main window offscreen and renders it to a PNG, and exports the map as a PNG. Each step
prints ``selfcheck: <step> ok``; the last line is ``phdesk ready``. Exit status 0 only if every
step worked and no sign of a broken bundle (a missing module, a Qt plugin that could not be
loaded, a traceback) appeared in Qt's messages, on stderr or in the log. Used by the build
(``build_scripts/build.py``), by CI on the frozen and the installed app, and by IT after a
deployment.

Windowed Windows builds have no stdout (``sys.stdout is None``): the lines also go to the log
and, if ``PHDESK_SELFCHECK_LOG`` names a file, to that file. ``PHDESK_SELFCHECK_DIR`` keeps the
outputs (project, CSVs, PNGs) in that folder instead of a temporary one that is deleted.
"""

from __future__ import annotations

import importlib
import io
import logging
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

log = logging.getLogger(__name__)

# Signs of a broken frozen bundle (Friture's smoke test greps for the same).
FATAL_MARKERS = (
    "ModuleNotFoundError",
    "No module named",
    "could not find or load",
    "Could not load the Qt platform plugin",
    "DLL load failed",
    "Traceback (most recent call last)",
)
READY = "phdesk ready"
MODULES_MANIFEST = "phdesk_modules.txt"  # written into the bundle by build_scripts/phdesk.spec
WINDOW_SIZE = (1280, 800)


class SelfcheckFailed(Exception):
    """A step did not produce what it should."""


class _Tee(io.TextIOBase):
    """Keeps what is written to stderr (to scan for markers) and passes it on if there is one."""

    def __init__(self, target) -> None:
        self.target = target
        self.parts: list[str] = []

    def write(self, s: str) -> int:
        self.parts.append(s)
        if self.target is not None:
            self.target.write(s)
        return len(s)

    def flush(self) -> None:
        if self.target is not None:
            self.target.flush()

    def text(self) -> str:
        return "".join(self.parts)


class _LogCapture(logging.Handler):
    """Keeps warnings and errors logged during the check (with tracebacks) to scan for markers."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def text(self) -> str:
        return "\n".join(self.lines)


class _Reporter:
    """Writes report lines to stdout (if any), the log and ``PHDESK_SELFCHECK_LOG`` (if set)."""

    def __init__(self) -> None:
        out = os.environ.get("PHDESK_SELFCHECK_LOG")
        self.file = Path(out) if out else None
        if self.file is not None:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            self.file.write_text("", encoding="utf-8")

    def line(self, text: str) -> None:
        log.info("%s", text)
        if sys.stdout is not None:
            print(text, flush=True)
        if self.file is not None:
            with self.file.open("a", encoding="utf-8") as f:
                f.write(text + "\n")


def _scan(text: str, where: str) -> None:
    for marker in FATAL_MARKERS:
        if marker in text:
            line = next(ln for ln in text.splitlines() if marker in ln)
            raise SelfcheckFailed(f"{where} shows {marker!r}: {line.strip()[:300]}")


def _image_stats(img) -> tuple[int, int, int]:
    """(width, height, number of distinct colours in a 64x64 sample) of a QImage."""
    from PySide6 import QtCore, QtGui

    if img.isNull() or img.width() == 0 or img.height() == 0:
        return 0, 0, 0
    small = img.scaled(64, 64, QtCore.Qt.AspectRatioMode.IgnoreAspectRatio,
                       QtCore.Qt.TransformationMode.FastTransformation)
    small = small.convertToFormat(QtGui.QImage.Format.Format_RGB32)
    colours = {small.pixel(x, y) for x in range(small.width()) for y in range(small.height())}
    return img.width(), img.height(), len(colours)


def _check_image(img, what: str) -> str:
    w, h, n = _image_stats(img)
    if w == 0:
        raise SelfcheckFailed(f"{what}: the image is empty")
    if n < 2:
        raise SelfcheckFailed(f"{what}: the image is one flat colour ({w}x{h})")
    return f"{w}x{h}, {n} colours"


def _check_png(path: Path, what: str) -> str:
    from PySide6 import QtGui

    if not path.exists() or path.stat().st_size == 0:
        raise SelfcheckFailed(f"{what}: {path} was not written")
    return _check_image(QtGui.QImage(str(path)), what)


def phdesk_modules() -> list[str]:
    """Every phdesk module: from the list the build bundled (frozen), else from the source tree."""
    import phdesk

    root = Path(phdesk.__file__).resolve().parent
    manifest = root / MODULES_MANIFEST
    if getattr(sys, "frozen", False):
        if not manifest.exists():
            raise SelfcheckFailed(f"modules: {manifest} is missing from the bundle")
        return [n for n in manifest.read_text(encoding="utf-8").split() if n]
    names = []
    for f in sorted(root.rglob("*.py")):
        parts = ["phdesk", *f.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__main__":
            continue
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return names


def _settle(app, seconds: float) -> None:
    """Let queued events, timers and background tasks finish (up to ``seconds``)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def _run_steps(work: Path, report: _Reporter) -> str:
    """The checks themselves; returns the summary text. Raises on any failure."""
    t0 = time.monotonic()
    from PySide6 import QtCore, QtWidgets

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(["phdesk", "--selfcheck"])
    platform = QtWidgets.QApplication.platformName()
    report.line(f"selfcheck: qt ok (Qt {QtCore.qVersion()}, platform {platform})")

    names = phdesk_modules()
    for name in names:
        importlib.import_module(name)  # ModuleNotFoundError here = a module left out of the bundle
    report.line(f"selfcheck: modules ok ({len(names)} phdesk modules import)")

    # the project through the service layer, as the window and the CLI reach it
    from phdesk.services.project_service import ProjectService

    project_path = work / "selfcheck.phdesk"
    counts = ProjectService.write_demo(project_path)
    if not counts or not any(v for v in counts.values()):
        raise SelfcheckFailed(f"demo: wrote nothing ({counts})")
    report.line("selfcheck: demo ok (" + ", ".join(f"{v} {k}" for k, v in counts.items()) + ")")

    from phdesk.core.mapping import MappingParams
    from phdesk.export import write_map_tables  # the one export path (docs/ARCHITECTURE.md)

    service = ProjectService.open(project_path)
    try:
        result = service.run_mapping(MappingParams())
        rows = len(result.neighbourhood_segments)
        if rows == 0:
            raise SelfcheckFailed("mapping: no neighbourhood/segment rows")
        files = [Path(f) for f in write_map_tables(service.project, result, work / "mapping")]
    finally:
        service.close()
    empty = [f.name for f in files if not f.exists() or f.stat().st_size == 0]
    if not files or empty:
        raise SelfcheckFailed(f"mapping: CSV files missing or empty: {empty or 'none written'}")
    report.line(f"selfcheck: mapping ok ({rows} neighbourhood-segment rows, "
                f"{len(files)} CSV files)")

    from phdesk.ui.main_window import MainWindow

    service = ProjectService.open(project_path)
    win, shown = None, "?"
    try:
        try:
            from phdesk.settings import Settings

            win = MainWindow(service, Settings())
        except ImportError:
            win = MainWindow(service)
        win.resize(*WINDOW_SIZE)
        win.show()
        _settle(app, 1.5)
        shot = work / "window.png"
        img = win.grab().toImage()
        info = _check_image(img, "window")
        shown = f"{img.width()}x{img.height()}"
        if not img.save(str(shot)):
            raise SelfcheckFailed(f"window: could not save {shot}")
        report.line(f"selfcheck: window ok ({info})")

        map_info = _export_map(app, win, work / "map.png")
        report.line(f"selfcheck: export ok ({len(files)} CSV files; map {map_info})")
    finally:
        if win is not None:
            win.close()
            win.deleteLater()
            _settle(app, 0.2)
        service.close()
    return (f"demo {sum(int(v) for v in counts.values())} records, mapping {rows} rows, "
            f"window {shown}, {time.monotonic() - t0:.1f} s")


def _export_map(app, win, path: Path, wait_s: float = 120.0) -> str:
    """Export the map as PNG the way File ▸ Export map does (rendered by the export path on a
    background task) and check the file; waits up to ``wait_s`` seconds for the window's
    project to open and the export to finish."""
    end = time.monotonic() + wait_s
    while getattr(win, "service", None) is None and time.monotonic() < end:
        _settle(app, 0.1)
    task = win.export_png("map", path)
    if task is None:
        raise SelfcheckFailed("map export: the window had nothing to export")
    while task.running and time.monotonic() < end:
        _settle(app, 0.1)
    if task.status != "done":
        raise SelfcheckFailed(f"map export: the export task ended {task.status or 'late'}")
    return _check_png(path, "map export")


def selfcheck() -> int:
    """Run every step; print ``phdesk ready`` and return 0, or a reason and return 1."""
    # Before any QApplication exists: no display is needed (CI, IT's deployment checks).
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    report = _Reporter()
    qt_messages: list[str] = []
    saved_home = os.environ.get("PHDESK_HOME")
    saved_stderr = sys.stderr
    tee = _Tee(sys.stderr)
    sys.stderr = tee
    capture = _LogCapture()
    logging.getLogger().addHandler(capture)
    keep = os.environ.get("PHDESK_SELFCHECK_DIR")
    tmp = None if keep else tempfile.TemporaryDirectory(prefix="phdesk-selfcheck-",
                                                        ignore_cleanup_errors=True)
    # A kept folder gets a fresh subfolder per run, so repeated checks never meet old files.
    work = Path(keep) / time.strftime("run-%Y%m%d-%H%M%S") if keep else Path(tmp.name)
    while keep and work.exists():
        work = work.with_name(work.name + "x")
    work.mkdir(parents=True, exist_ok=True)
    # Settings and recent files written while checking go to the work folder, not the user's.
    os.environ["PHDESK_HOME"] = str(work / "home")
    status, handler_installed, previous_handler = 1, False, None
    try:
        from phdesk import __version__

        frozen = " (frozen)" if getattr(sys, "frozen", False) else ""
        report.line(f"selfcheck: phdesk {__version__}{frozen}, Python {sys.version.split()[0]}")
        from PySide6 import QtCore

        def on_qt_message(mode, context, message) -> None:  # noqa: ARG001
            qt_messages.append(message)
            log.info("qt: %s", message)

        previous_handler = QtCore.qInstallMessageHandler(on_qt_message)
        handler_installed = True
        summary = _run_steps(work, report)
        _scan("\n".join(qt_messages), "Qt messages")
        _scan(tee.text(), "stderr")
        _scan(capture.text(), "the log")
        report.line(f"selfcheck: summary {summary}")
        report.line(READY)
        status = 0
    except Exception as exc:  # every failure, whatever it is, is a failed check
        log.exception("selfcheck failed")
        report.line(f"selfcheck: FAILED: {type(exc).__name__}: {exc}")
        if sys.stdout is not None:
            traceback.print_exc(file=sys.stdout)
    finally:
        if handler_installed:
            from PySide6 import QtCore

            QtCore.qInstallMessageHandler(previous_handler)
        logging.getLogger().removeHandler(capture)
        sys.stderr = saved_stderr
        if saved_home is None:
            os.environ.pop("PHDESK_HOME", None)
        else:
            os.environ["PHDESK_HOME"] = saved_home
        if tmp is not None:
            tmp.cleanup()
    return status
