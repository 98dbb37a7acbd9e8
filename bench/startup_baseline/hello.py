"""The start-up baseline: the smallest PySide6 app of phdesk's kind (a main window with a menu,
a status bar and a label), frozen exactly like phdesk (``hello.spec`` reuses phdesk.spec's
options). ``bench/bench_startup.py`` times both from launch to the first painted window."""

import sys

from PySide6 import QtWidgets


def main() -> int:
    app = QtWidgets.QApplication(sys.argv[:1])
    win = QtWidgets.QMainWindow()
    win.setWindowTitle("hello")
    win.menuBar().addMenu("&File").addAction("&Quit", app.quit)
    win.setCentralWidget(QtWidgets.QLabel("Hello from a minimal PySide6 window"))
    win.statusBar().showMessage("ready")
    win.resize(1280, 800)
    win.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
