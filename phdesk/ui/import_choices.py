"""The import wizard's choices for an importer's options (vintage, edition, how boundaries are
used, which population dataset wins): combo boxes on the "What is this file?" page, built from the
importer's ``CHOICES``, so the options docs/mapping.md mentions are controls, not typed text."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6 import QtWidgets

from phdesk.core.errors import UserError
from phdesk.core.imports import importer

if TYPE_CHECKING:
    from phdesk.ui.import_pages import KindPage


def import_choices(kind: str | None) -> dict[str, tuple[str, list[tuple[str, str]]]]:
    """``option -> (label, [(value, text)…])`` an importer offers as choices (its ``CHOICES``):
    vintage, edition, how to use boundaries, which population dataset wins. Value "" = the
    importer decides (shown first)."""
    try:
        return dict(getattr(importer(kind), "CHOICES", {})) if kind else {}
    except (ImportError, UserError):
        return {}


class ChoicesBox(QtWidgets.QWidget):
    """The importer's choices as combo boxes; a change prepares the file again with it."""

    def __init__(self, page: KindPage) -> None:
        super().__init__(page)
        self.page = page
        self.form = QtWidgets.QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.combos: dict[str, QtWidgets.QComboBox] = {}
        self._kind: str | None = None

    def show_for(self, kind: str | None, options: dict[str, Any]) -> None:
        if kind != self._kind:
            while self.form.rowCount():
                self.form.removeRow(0)
            self.combos = {}
            for key, (label, values) in import_choices(kind).items():
                combo = QtWidgets.QComboBox(self)
                combo.setAccessibleName(label)
                for value, text in values:
                    combo.addItem(text, value)
                combo.activated.connect(self._changed)
                self.combos[key] = combo
                self.form.addRow(f"{label}:", combo)
            self._kind = kind
        for key, combo in self.combos.items():
            combo.setCurrentIndex(max(combo.findData(str(options.get(key) or "")), 0))
        self.setVisible(bool(self.combos))

    def _changed(self, *_: Any) -> None:
        wiz = self.page.wiz
        if wiz.busy or wiz.prepared is None:
            return
        options = {k: v for k, v in wiz.options.items() if k not in self.combos}
        options.update({k: c.currentData() for k, c in self.combos.items() if c.currentData()})
        if options != wiz.options:
            wiz.prepare(wiz.prepared.report.kind, options)
