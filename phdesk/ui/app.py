"""Start-up of the desktop app: the QApplication, crash hygiene, and the first window.

Qt's own messages go to the log (``qInstallMessageHandler``); an uncaught exception is logged and
shown in a dialog naming the log file (``sys.excepthook``). Fonts and colours are the system's:
phdesk sets no pixel font sizes and no palette, so the user's text size and high-contrast theme
apply. ``phdesk`` with no project opens the last one, or the demo project (written on first run).

Start-up imports only PySide6 and phdesk's light modules before the main window shows: the window
appears with placeholders and opens its project once it has painted
(:meth:`~phdesk.ui.main_window.MainWindow.open_later`), so pandas, shapely and pyqtgraph load
while the user already sees the window.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
from pathlib import Path

from PySide6 import QtCore, QtGui, QtWidgets

from phdesk import __version__, paths
from phdesk.core.errors import UserError
from phdesk.ui import gc_guard

log = logging.getLogger(__name__)
qt_log = logging.getLogger("qt")

SCREENSHOT_SIZE = (1440, 900)   # logical pixels
_QT_LEVELS = {
    QtCore.QtMsgType.QtDebugMsg: logging.DEBUG,
    QtCore.QtMsgType.QtInfoMsg: logging.INFO,
    QtCore.QtMsgType.QtWarningMsg: logging.WARNING,
    QtCore.QtMsgType.QtCriticalMsg: logging.ERROR,
    QtCore.QtMsgType.QtFatalMsg: logging.CRITICAL,
}


# Harmless platform chatter that would otherwise fill the log at WARNING level
_QT_NOISE = ("does not support propagateSizeHints",)


def qt_message_handler(mode: QtCore.QtMsgType, context: QtCore.QMessageLogContext,
                       message: str) -> None:
    """Route Qt's warnings into phdesk's log."""
    where = f" ({context.file}:{context.line})" if context.file else ""
    level = _QT_LEVELS.get(mode, logging.WARNING)
    if any(noise in message for noise in _QT_NOISE):
        level = logging.DEBUG
    qt_log.log(level, "%s%s", message, where)


def excepthook(exc_type, exc, tb) -> None:
    """Log an uncaught exception and tell the user where the log is."""
    if issubclass(exc_type, KeyboardInterrupt):
        sys.__excepthook__(exc_type, exc, tb)
        return
    log.critical("uncaught exception", exc_info=(exc_type, exc, tb))
    app = QtWidgets.QApplication.instance()
    if app is None:
        sys.__excepthook__(exc_type, exc, tb)
        return
    from phdesk.ui.errors import show_error

    exc.__traceback__ = tb
    try:
        show_error(app.activeWindow(), "Unexpected error", exc)
    except Exception:  # noqa: BLE001 - never raise from the hook itself
        log.exception("could not show the error dialog")


_R = QtGui.QPalette.ColorRole
# (text, background) colour roles read together; each pair needs 4.5:1 (WCAG 2.2 AA, normal text)
TEXT_PAIRS = [(_R.Text, _R.Base), (_R.Text, _R.AlternateBase), (_R.WindowText, _R.Window),
              (_R.ButtonText, _R.Button), (_R.HighlightedText, _R.Highlight),
              (_R.ToolTipText, _R.ToolTipBase)]
AA_NORMAL_TEXT = 4.5


def _luminance(c: QtGui.QColor) -> float:
    def ch(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    return 0.2126 * ch(c.redF()) + 0.7152 * ch(c.greenF()) + 0.0722 * ch(c.blueF())


def contrast_ratio(a: QtGui.QColor, b: QtGui.QColor) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def accessible_palette(palette: QtGui.QPalette) -> QtGui.QPalette:
    """The system palette, with any text/background pair under 4.5:1 fixed.

    Only failing pairs change: the background moves away from the text in lightness, keeping its
    hue (e.g. the Fusion selection blue #308cc6 under white text becomes a darker blue), so a
    Windows high-contrast or dark theme is kept as it is.
    """
    out = QtGui.QPalette(palette)
    for group in (QtGui.QPalette.ColorGroup.Active, QtGui.QPalette.ColorGroup.Inactive):
        for fg_role, bg_role in TEXT_PAIRS:
            fg, bg = out.color(group, fg_role), out.color(group, bg_role)
            if contrast_ratio(fg, bg) >= AA_NORMAL_TEXT:
                continue
            darker = _luminance(fg) > _luminance(bg)
            h, s, lightness, a = bg.getHslF()
            for _ in range(100):
                lightness = max(0.0, lightness - 0.01) if darker else min(1.0, lightness + 0.01)
                bg = QtGui.QColor.fromHslF(max(h, 0.0), s, lightness, a)
                if contrast_ratio(fg, bg) >= AA_NORMAL_TEXT:
                    break
            out.setColor(group, bg_role, bg)
    return out


def app_icon() -> QtGui.QIcon:
    icon = QtGui.QIcon()
    for name in ("phdesk.svg", "phdesk.ico"):
        path = paths.resources_dir() / name
        if path.exists():
            icon.addFile(str(path))
    return icon


def make_app(argv: list[str] | None = None) -> QtWidgets.QApplication:
    """The QApplication (created once), with logging, the exception hook and the icon."""
    app = QtWidgets.QApplication.instance()
    if app is None:
        # Fractional scaling (125%, 150% on laptops) without rounding: crisp, right-sized text.
        QtGui.QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
            QtCore.Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QtWidgets.QApplication(argv or ["phdesk"])
    gc_guard.install(app)   # cyclic garbage (closed widgets) freed on the GUI thread only
    QtCore.qInstallMessageHandler(qt_message_handler)
    sys.excepthook = excepthook
    app.setApplicationName("phdesk")
    app.setApplicationDisplayName("phdesk")
    app.setApplicationVersion(__version__)
    app.setOrganizationName("phdesk")
    app.setWindowIcon(app_icon())
    fixed = accessible_palette(app.palette())
    if fixed != app.palette():   # set only when needed: a set palette stops following the theme
        app.setPalette(fixed)
    if sys.platform == "win32":
        _set_app_user_model_id()
    return app


def _set_app_user_model_id() -> None:
    """Group phdesk's windows under its own taskbar icon (not python.exe's)."""
    try:
        import ctypes

        ctypes.windll.shell32.SetCurrentProcessExplicitAppUserModelID("phdesk.phdesk")
    except (OSError, AttributeError) as exc:
        log.info("no AppUserModelID: %s", exc)


def ensure_demo() -> Path:
    """The demo project's path, writing it on first use."""
    path = paths.demo_project()
    if not path.exists():
        from phdesk.core.demo import write_demo

        log.info("writing the demo project to %s", path)
        write_demo(path)
    return path


def choose_project(project_path: Path | None, settings, write_demo: bool = True) -> Path:
    """The project to open: the one given, else the last one used, else the demo (written now
    unless ``write_demo`` is False: start-up writes it on the DB worker once the window shows)."""
    if project_path is not None:
        path = Path(project_path)
        if not path.exists():
            raise UserError(f"{path}: no such project file")
        return path
    if settings.last_project and Path(settings.last_project).exists():
        return Path(settings.last_project)
    return ensure_demo() if write_demo else paths.demo_project()


def _has_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def take_screenshot(window, path: Path, size: tuple[int, int] = SCREENSHOT_SIZE,
                    timeout_ms: int = 120_000) -> Path:
    """Show ``window`` with its map and charts filled (running mapping if needed), save a PNG.

    Waits for the project to open and for the background work; raises the opening error if the
    project could not be opened, ``RuntimeError`` if it does not finish in time.
    """
    app = QtWidgets.QApplication.instance()
    window.resize(*size)
    window.show()
    if not window.wait_until_loaded(timeout_ms):
        raise RuntimeError("the project did not load in time for the screenshot")
    if window.open_error is not None:
        raise window.open_error
    if window.service.last_result is None:
        from phdesk.core.mapping import MappingParams

        window.service.record_runs = False  # viewing never writes into the project
        window.run_mapping(MappingParams())
        if not window.tasks.wait(timeout_ms):
            raise RuntimeError("mapping did not finish in time for the screenshot")
    if window.service.last_result is None:
        raise RuntimeError("mapping failed; see the log")
    for _ in range(5):   # let layouts and repaints settle
        app.processEvents()
        QtCore.QThread.msleep(40)
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"{path.parent}: cannot create the folder ({exc.strerror})") from None
    from phdesk.core.atomic import atomic_path

    with atomic_path(path) as tmp:  # a PNG appears complete or not at all
        if not window.grab().save(str(tmp), "PNG"):
            raise UserError(f"{path}: could not write the PNG (folder read-only or disk full?)")
    return path


def run_app(project_path: Path | None, screenshot: Path | None = None) -> int:
    """Open the desktop app on ``project_path`` (None: the last project or the demo).

    With ``screenshot``, render the main window to that PNG file and return 0 without waiting
    for the user (offscreen when there is no display).
    """
    from phdesk.logging_setup import setup_logging
    from phdesk.settings import Settings
    from phdesk.ui.main_window import MainWindow

    setup_logging()
    if screenshot is not None and not _has_display():
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = make_app(sys.argv[:1])
    settings = Settings.load()
    # Opened from Explorer there is no console to read: a project that cannot be opened is
    # reported in a dialog, then the last project or the demo opens instead. Headless, or with
    # no project named, the command line reports it (exit status 2).
    fallback = None
    if screenshot is None and project_path is not None:
        def fallback() -> Path:
            return choose_project(None, settings, write_demo=False)
    try:
        path = choose_project(project_path, settings, write_demo=False)
    except UserError as exc:
        if fallback is None:
            raise
        from phdesk.ui.errors import show_error

        show_error(None, "Open project", exc, modal_wait=True)
        path, fallback = fallback(), None
    if screenshot is not None:
        # the default layout, and nothing of this run saved over the user's settings
        settings = dataclasses.replace(settings, window_geometry="", window_state="")
        settings.rerun_mapping_on_open = True
    # the window shows now; the project opens once it has painted (and is added to the recent
    # files then)
    window = MainWindow.open_later(path, settings, fallback)
    window.persist_settings = screenshot is None
    log.info("phdesk %s opening %s", __version__, path)
    if screenshot is not None:
        try:
            out = take_screenshot(window, Path(screenshot))
        finally:
            window.close()
        print(f"saved {out}")
        return 0
    if window.prefers_maximised:
        window.showMaximized()
    else:
        window.show()
    status = app.exec()
    if window.open_error is not None:   # no fallback: the command line reports it
        raise window.open_error
    return status
