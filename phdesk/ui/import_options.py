"""Import options as controls on the wizard's pages, and messages that name those controls.

The importers share their messages with the command line, where an option is written
``option vintage=YEAR`` or ``--kind``. In the window every option a message mentions is a field
on the page (:class:`OptionsBox`: the kind's usual options, plus any other a message names), and
:func:`plain_message` rewrites the command-line wording into the field's name.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from PySide6 import QtCore, QtWidgets

if TYPE_CHECKING:
    from phdesk.ui.import_wizard import ImportWizard

# option key -> (label of its field, placeholder)
OPTION_LABELS: dict[str, tuple[str, str]] = {
    "vintage": ("Boundary year", "e.g. 2021"),
    "edition": ("Deprivation edition", "2019 or 2025"),
    "extract_date": ("Extract date", "YYYY-MM-DD"),
    "dataset": ("Dataset name", "e.g. Census 2021: general health"),
    "area": ("Area code column", "column name"),
    "count": ("Count column", "column name"),
    "neighbourhood": ("Neighbourhood name column", "column name"),
    "layer": ("Layer", "layer name in the file"),
    "epsg": ("Coordinate system (EPSG code)", "e.g. 27700"),
    "level": ("Area level", "e.g. LSOA"),
    "icb": ("ICB codes", "comma-separated, e.g. QWE"),
    "commissioner": ("Commissioner codes", "comma-separated"),
    "category": ("Category", "e.g. GP practice"),
    "flags": ("Condition flag columns", "comma-separated column names"),
    "group_type": ("Kind of groups", "e.g. age, ethnicity"),
    "segment": ("Segment column", "column name"),
    "person": ("Person id column", "column name"),
    "name": ("Name column", "column name"),
}
# the options each kind is usually given (more appear when a message names them)
KIND_OPTIONS: dict[str, tuple[str, ...]] = {
    "boundaries": ("vintage", "neighbourhood"),
    "deprivation": ("edition",),
    "gp-registrations": ("extract_date",),
    "population": ("dataset",),
    "segments": ("dataset",),
    "census-topic": ("dataset",),
    "ods": ("icb", "commissioner", "category"),
}
_OPTION = re.compile(r"(?:the |use |give one with |choose (?:one|them) with )*"
                     r"option (\w+)=(?:…|\.\.\.|[^\s),;]*)")
_KIND = re.compile(r"(?:;\s*)?use --kind to say what it is|--kind(?: \w+)?")


def mentioned_options(text: str) -> list[str]:
    """Option keys a message mentions (``option vintage=YEAR`` -> ``vintage``), in order."""
    out: list[str] = []
    for key in _OPTION.findall(text or ""):
        if key not in out:
            out.append(key)
    return out


def option_label(key: str) -> str:
    return OPTION_LABELS.get(key, (key.replace("_", " ").capitalize(), ""))[0]


def plain_message(text: str) -> str:
    """A core message as the window says it: fields on the page instead of command-line
    options ("use option vintage=YEAR" -> "use the Boundary year field on this page")."""
    if not text:
        return text
    out = _OPTION.sub(lambda m: f"use the '{option_label(m.group(1))}' field on this page",
                      text)
    return _KIND.sub(lambda m: "; choose the kind in the 'Kind' list on this page"
                     if m.group(0).startswith((";", "use")) else "the 'Kind' list on this page",
                     out)


class OptionsBox(QtWidgets.QGroupBox):
    """The current kind's options as fields; a change checks the file again."""

    def __init__(self, wizard: ImportWizard, parent: QtWidgets.QWidget) -> None:
        super().__init__("&Options", parent)
        self.wiz = wizard
        self.setAccessibleName("Import options")
        self.form = QtWidgets.QFormLayout(self)
        self.edits: dict[str, QtWidgets.QLineEdit] = {}
        self.hide()

    def keys_for(self, kind: str | None, messages: list[str]) -> list[str]:
        keys = list(KIND_OPTIONS.get(kind or "", ()))
        for text in messages:
            keys += [k for k in mentioned_options(text) if k not in keys]
        return keys

    def refresh(self, kind: str | None, messages: list[str]) -> None:
        keys = self.keys_for(kind, messages)
        if keys != list(self.edits):
            while self.form.rowCount():
                self.form.removeRow(0)
            self.edits = {}
            for key in keys:
                label, hint = OPTION_LABELS.get(key, (option_label(key), ""))
                edit = QtWidgets.QLineEdit(self)
                edit.setPlaceholderText(hint)
                edit.setAccessibleName(label)
                edit.editingFinished.connect(self._changed)
                self.edits[key] = edit
                self.form.addRow(f"{label}:", edit)
        for key, edit in self.edits.items():
            if not edit.hasFocus():
                edit.setText(str(self.wiz.options.get(key) or ""))
        self.setVisible(bool(self.edits))

    def values(self) -> dict[str, str]:
        return {k: e.text().strip() for k, e in self.edits.items() if e.text().strip()}

    def _changed(self) -> None:
        if self.wiz.busy:
            return
        options = {k: v for k, v in self.wiz.options.items() if k not in self.edits}
        options.update(self.values())
        if options != self.wiz.options:
            kind = self.wiz.kind   # still detected, unless the user chose the kind
            QtCore.QTimer.singleShot(0, self, lambda: self.wiz.prepare(kind, options))
