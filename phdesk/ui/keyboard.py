"""Keyboard use of the main window: a focus chain that stays on screen, a visible focus ring on
every widget, each panel's main control, and undo/redo of register edits from anywhere.

* **Tab skips what cannot be seen.** Docks tabbed behind another dock keep their widgets
  "visible" to Qt, so Tab walked through 20+ controls of panels the user could not see.
  :func:`next_focus` moves on until the focus lands in a dock (or the centre) that is on screen.
  A control inside a scroll area is scrolled into view when it gets the focus.
* **A focus ring everywhere.** Native styles draw no focus indicator on some widgets (the map
  canvas, charts, scroll areas): :class:`FocusRing` draws a 2-pixel frame in the palette's
  highlight colour around whatever has the focus, on top of it, not taking the mouse.
* **Main controls.** Ctrl+1…6 land on the panel's main control: the map canvas (arrows pan,
  +/- zoom), the table of a table panel, the first chart.
* **Undo/redo from anywhere.** Ctrl+Z in a text field with nothing of its own to undo goes to the
  asset register's undo stack instead of doing nothing.

See docs/ARCHITECTURE.md, "The window".
"""

from __future__ import annotations

from PySide6 import QtCore, QtGui, QtWidgets

Qt = QtCore.Qt
_TEXT = (QtWidgets.QLineEdit, QtWidgets.QAbstractSpinBox, QtWidgets.QPlainTextEdit,
         QtWidgets.QTextEdit)


def _dock_of(widget: QtWidgets.QWidget) -> QtWidgets.QDockWidget | None:
    w = widget
    while w is not None:
        if isinstance(w, QtWidgets.QDockWidget):
            return w
        w = w.parentWidget()
    return None


def on_screen(widget: QtWidgets.QWidget | None) -> bool:
    """Whether the user can see the panel holding ``widget``: it is visible, and its dock is not
    tabbed behind another one (such a dock has no visible region)."""
    if widget is None or not widget.isVisible():
        return False
    dock = _dock_of(widget)
    return dock is None or (dock.isVisible() and not dock.visibleRegion().isEmpty())


def next_focus(window: QtWidgets.QMainWindow, forward: bool, step) -> bool:
    """Move the focus like Tab (``step(forward)`` = Qt's own move) until it is on screen."""
    start = QtWidgets.QApplication.focusWidget()
    for _ in range(200):   # the chain is finite; never loop for ever on an odd layout
        if not step(forward):
            return False
        now = QtWidgets.QApplication.focusWidget()
        if now is None or now is start or on_screen(now):
            return True
    return True


def main_control(panel: QtWidgets.QWidget) -> QtWidgets.QWidget | None:
    """The control Ctrl+1…6 should land on in ``panel``: its ``main_control()`` when it has one,
    else its first visible item view (a table), else its first focusable widget."""
    own = getattr(panel, "main_control", None)
    if callable(own):
        target = own()
        if target is not None:
            return target
    view = getattr(panel, "view", None)
    if isinstance(view, QtWidgets.QWidget) and view.focusPolicy() & Qt.FocusPolicy.TabFocus:
        return view
    for child in panel.findChildren(QtWidgets.QAbstractItemView):
        if child.isVisible() and child.focusPolicy() & Qt.FocusPolicy.TabFocus:
            return child
    return None


class FocusRing(QtWidgets.QWidget):
    """A frame drawn around the focused widget (see the module docstring)."""

    WIDTH = 2   # pixels

    def __init__(self, window: QtWidgets.QWidget) -> None:
        super().__init__(window)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAccessibleName("Keyboard focus indicator")
        self.target: QtWidgets.QWidget | None = None
        self._window = window
        self.hide()
        QtWidgets.QApplication.instance().focusChanged.connect(self._focus_changed)

    def _focus_changed(self, _old, new) -> None:
        if self.target is not None:
            try:
                self.target.removeEventFilter(self)
            except RuntimeError:   # already deleted
                pass
        self.target = new if isinstance(new, QtWidgets.QWidget) else None
        if self.target is not None and self.target.window() is self._window:
            self.target.installEventFilter(self)
            _scroll_into_view(self.target)
        self.follow()

    def eventFilter(self, obj, event) -> bool:
        if event.type() in (QtCore.QEvent.Type.Move, QtCore.QEvent.Type.Resize,
                            QtCore.QEvent.Type.Show, QtCore.QEvent.Type.Hide):
            QtCore.QTimer.singleShot(0, self, self.follow)
        return False

    def follow(self) -> None:
        """Put the ring around the focused widget (hidden when it is in another window)."""
        t = self.target
        try:
            ok = t is not None and t.window() is self._window and on_screen(t)
        except RuntimeError:
            ok = False
        if not ok:
            self.hide()
            return
        w = self.WIDTH
        top_left = t.mapTo(self._window, QtCore.QPoint(0, 0))
        self.setGeometry(QtCore.QRect(top_left, t.size()).adjusted(-w, -w, w, w))
        self.raise_()
        self.show()
        self.update()

    def paintEvent(self, _event) -> None:
        p = QtGui.QPainter(self)
        colour = self.palette().color(QtGui.QPalette.ColorRole.Highlight)
        pen = QtGui.QPen(colour, self.WIDTH)
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        p.setPen(pen)
        half = self.WIDTH / 2
        p.drawRect(QtCore.QRectF(self.rect()).adjusted(half, half, -half, -half))
        p.end()


def _scroll_into_view(widget: QtWidgets.QWidget) -> None:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QtWidgets.QScrollArea) and parent.widget() is not None \
                and parent.widget().isAncestorOf(widget):
            parent.ensureWidgetVisible(widget)
            return
        parent = parent.parentWidget()


class UndoAnywhere(QtCore.QObject):
    """Lets Ctrl+Z / Ctrl+Y reach the window's Undo/Redo when the focused text field has nothing
    of its own to undo (an application event filter on the shortcut-override event)."""

    def __init__(self, window: QtWidgets.QWidget) -> None:
        super().__init__(window)
        self._window = window

    def eventFilter(self, obj, event) -> bool:
        if event.type() != QtCore.QEvent.Type.ShortcutOverride or not isinstance(obj, _TEXT):
            return False
        if obj.window() is not self._window:
            return False
        undo = event.matches(QtGui.QKeySequence.StandardKey.Undo)
        redo = event.matches(QtGui.QKeySequence.StandardKey.Redo)
        if not (undo or redo):
            return False
        if _own_history(obj, undo):
            return False          # the field undoes its own typing first
        event.ignore()            # not taken by the field: the window's shortcut fires
        return True


def _own_history(widget: QtWidgets.QWidget, undo: bool) -> bool:
    if isinstance(widget, QtWidgets.QLineEdit):
        return not widget.isReadOnly() and (widget.isUndoAvailable() if undo
                                            else widget.isRedoAvailable())
    if isinstance(widget, (QtWidgets.QPlainTextEdit, QtWidgets.QTextEdit)):
        doc = widget.document()
        return not widget.isReadOnly() and (doc.isUndoAvailable() if undo
                                            else doc.isRedoAvailable())
    return False


def install(window: QtWidgets.QMainWindow) -> None:
    """Give ``window`` the focus ring and undo-from-anywhere (called once it is built)."""
    window.focus_ring = FocusRing(window)
    window.undo_anywhere = UndoAnywhere(window)
    QtWidgets.QApplication.instance().installEventFilter(window.undo_anywhere)
