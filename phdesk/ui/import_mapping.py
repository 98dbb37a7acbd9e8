"""Page 3 of the import wizard: which column holds which field, and the asset register's rules.

Column choices are plain (non-editable) combo boxes, so nothing typed is ever completed into a
column name; a category for every row is typed into its own field. For asset registers the page
also shows the status rule (which values mean closed) and the map of the file's categories onto
the project's existing ones (see :mod:`phdesk.core.imports.asset_rules`). Every change prepares
the file again on the DB worker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6 import QtCore, QtWidgets

from phdesk.ui.tables import FrameView

if TYPE_CHECKING:
    from phdesk.ui.import_wizard import ImportWizard

AUTOMATIC = "(not used)"   # shown for fields the importer found no column for
KEEP = "(keep as it is)"   # category map: the file's category stays
LOCATION_FIELDS = ("latitude", "longitude", "easting", "northing")


def wrap_label(parent: QtWidgets.QWidget, text: str = "", name: str = "") -> QtWidgets.QLabel:
    label = QtWidgets.QLabel(text, parent)
    label.setWordWrap(True)
    label.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        label.setAccessibleName(name)
    return label


class CategoryMapTable(QtWidgets.QTableWidget):
    """File category -> one of the project's categories (or kept as it is)."""

    def __init__(self, parent: QtWidgets.QWidget) -> None:
        super().__init__(0, 2, parent)
        self.setHorizontalHeaderLabels(["Category in the file", "Import as"])
        self.horizontalHeader().setStretchLastSection(True)
        self.horizontalHeader().setSectionResizeMode(
            0, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        self.verticalHeader().hide()
        self.setAccessibleName("Map the file's categories onto the project's categories")
        self.setToolTip("Choose a category of the project for each category of the file, or "
                        "keep it as it is. Categories can be renamed or merged later in the "
                        "asset register.")
        self.combos: dict[str, QtWidgets.QComboBox] = {}

    def show_map(self, found: list[str], existing: list[str], chosen: dict[str, str],
                 on_change) -> None:
        """Rebuild when the categories change; otherwise only set the choices."""
        if list(self.combos) != found or getattr(self, "_existing", None) != existing:
            self.setRowCount(len(found))
            self.combos = {}
            self._existing = existing
            for row, cat in enumerate(found):
                item = QtWidgets.QTableWidgetItem(cat)
                item.setFlags(item.flags() & ~QtCore.Qt.ItemFlag.ItemIsEditable)
                self.setItem(row, 0, item)
                combo = QtWidgets.QComboBox(self)
                combo.addItem(KEEP)
                combo.addItems([e for e in existing if e != cat])
                # a project category, or a new name typed as it is (no completion)
                combo.setEditable(True)
                combo.setCompleter(None)
                combo.setInsertPolicy(QtWidgets.QComboBox.InsertPolicy.NoInsert)
                combo.setAccessibleName(f"Import category {cat} as")
                combo.activated.connect(lambda _i: on_change())
                combo.lineEdit().editingFinished.connect(on_change)
                self.setCellWidget(row, 1, combo)
                self.combos[cat] = combo
        for cat, combo in self.combos.items():
            if not combo.lineEdit().hasFocus():
                combo.setCurrentText(chosen.get(cat, KEEP))
        self.resizeRowsToContents()
        row = self.rowHeight(0) if self.rowCount() else self.verticalHeader().defaultSectionSize()
        self.setFixedHeight(row * min(len(found), 4) + self.horizontalHeader().sizeHint().height()
                            + 2 * self.frameWidth())

    def chosen(self) -> dict[str, str]:
        return {cat: c.currentText().strip() for cat, c in self.combos.items()
                if c.currentText().strip() not in (KEEP, "")}


class MappingPage(QtWidgets.QWizardPage):
    """Which column holds which field; every change checks the file again."""

    def __init__(self, wizard: ImportWizard, strip: QtWidgets.QWidget) -> None:
        super().__init__(wizard)
        self.wiz = wizard
        self.strip = strip
        strip.setParent(self)
        self.setTitle("Match the columns")
        self.setSubTitle("phdesk has guessed which column holds what. Change any guess; the file "
                         "is checked again at once.")
        self.form = QtWidgets.QGridLayout()   # two fields a row: the preview keeps its room
        self.combos: dict[str, QtWidgets.QComboBox] = {}
        self.labels: dict[str, QtWidgets.QLabel] = {}
        self.category_edit = QtWidgets.QLineEdit(self)   # no completer: typed text stays as typed
        self.category_edit.setPlaceholderText("e.g. Pharmacy (leave empty to use the column)")
        self.category_edit.setAccessibleName("One category for every row")
        self.category_edit.setToolTip("Type one category for every row of this file. It is "
                                      "used as typed; it is never matched to a column.")
        self.category_edit.editingFinished.connect(self._changed)
        self.closed_edit = QtWidgets.QLineEdit(self)
        self.closed_edit.setAccessibleName("Status values that mean closed")
        self.closed_edit.setToolTip("Rows whose status is one of these (comma-separated) are "
                                    "left out")
        self.closed_edit.editingFinished.connect(self._changed)
        self.category_map = CategoryMapTable(self)
        self.map_label = wrap_label(self, "Categories already in the project: match the file's "
                                          "categories to them (rename or merge later in the "
                                          "asset register).")
        self.summary = wrap_label(self, name="Result of the column mapping")
        self.error_label = wrap_label(self, name="Problem with the mapping")
        self.preview = FrameView("Rows as they will be imported", save_label=None, parent=self)
        self.preview.view.setMinimumHeight(self.fontMetrics().height() * 6)
        extra = QtWidgets.QFormLayout()
        cat_label = QtWidgets.QLabel("Or &type one category for every row:", self)
        cat_label.setBuddy(self.category_edit)
        self.closed_label = QtWidgets.QLabel("Status values that mean c&losed:", self)
        self.closed_label.setBuddy(self.closed_edit)
        extra.addRow(cat_label, self.category_edit)
        extra.addRow(self.closed_label, self.closed_edit)
        lay = QtWidgets.QVBoxLayout(self)
        lay.addLayout(self.form)
        lay.addLayout(extra)
        lay.addWidget(self.map_label)
        lay.addWidget(self.category_map)
        lay.addWidget(self.summary)
        lay.addWidget(self.error_label)
        lay.addWidget(self.preview, 1)
        lay.addWidget(self.strip)
        self._kind = None
        wizard.busy_changed.connect(lambda _busy: self._on_prepared())
        wizard.prepared_changed.connect(self._on_prepared)

    def _on_prepared(self) -> None:
        if self.wiz.currentPage() is self:
            self.refresh()
        self.completeChanged.emit()

    def initializePage(self) -> None:
        from phdesk.ui.import_pages import mapping_fields

        kind = self.wiz.prepared.report.kind
        if kind != self._kind or set(self._columns()) != set(self.wiz.columns):
            self._build(mapping_fields(kind) or [])
            self._kind = kind
        self.refresh()

    def _columns(self) -> list[str]:
        combo = next(iter(self.combos.values()), None)
        return [combo.itemText(i) for i in range(1, combo.count())] if combo else []

    def _build(self, fields: list[tuple[str, str, bool]]) -> None:
        while self.form.count():
            item = self.form.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.combos, self.labels = {}, {}
        for i, (field, label, required) in enumerate(fields):
            combo = QtWidgets.QComboBox(self)   # never editable: see the module docstring
            combo.addItem(AUTOMATIC)
            combo.addItems(self.wiz.columns)
            combo.setAccessibleName(f"Column for {label}")
            combo.activated.connect(self._changed)
            self.combos[field] = combo
            text = QtWidgets.QLabel(f"{label}{' (required)' if required else ''}:", self)
            text.setBuddy(combo)
            text.setWordWrap(True)
            self.labels[field] = text
            row, col = divmod(i, 2)
            self.form.addWidget(text, row, col * 2)
            self.form.addWidget(combo, row, col * 2 + 1)
        self.form.setColumnStretch(1, 1)
        self.form.setColumnStretch(3, 1)
        has_category = "category" in self.combos
        self.category_edit.setVisible(has_category)
        for w in (self.category_edit, self.closed_edit):
            w.clear()

    def mapping(self) -> dict[str, Any]:
        """The user's choices: every shown field ("" for not used), a typed category, the status
        values meaning closed, and the category map."""
        out: dict[str, Any] = {}
        for field, combo in self.combos.items():
            if combo.isHidden():
                continue
            text = combo.currentText()
            out[field] = "" if text == AUTOMATIC else text
        typed = self.category_edit.text().strip()
        if "category" in self.combos and typed:
            out["category_value"] = typed
            out.pop("category", None)
        if "status" in self.combos and not self.closed_edit.isHidden():
            out["closed_values"] = self.closed_edit.text()
        if self.category_map.combos and not self.category_map.isHidden():
            out["category_map"] = self.category_map.chosen()
        return out

    def _changed(self, *_: Any) -> None:
        if self.wiz.busy or self.wiz.prepared is None:
            return
        options = self.mapping()
        if options != self.wiz.options:
            self.wiz.prepare(self.wiz.prepared.report.kind, options)

    def refresh(self) -> None:
        from phdesk.ui.import_options import plain_message

        prepared = self.wiz.prepared
        self.error_label.setText(plain_message(self.wiz.error))
        self.error_label.setVisible(bool(self.wiz.error))
        if prepared is None:
            return
        details = prepared.report.details
        used = details.get("mapping") or {}
        geometry = bool(details.get("coordinates_from_geometry"))
        for field, combo in self.combos.items():
            hide = geometry and field in LOCATION_FIELDS   # GeoJSON: placed by its geometry
            combo.setHidden(hide)
            self.labels[field].setHidden(hide)
            col = used.get(field)
            i = combo.findText(str(col)) if col else 0
            combo.setCurrentIndex(max(i, 0))
        fixed = details.get("category_value")
        if fixed and not self.category_edit.hasFocus():
            self.category_edit.setText(str(fixed))
        self._show_status(details)
        self._show_category_map(details)
        self.summary.setText(self._summary(prepared, fixed, used))
        self.preview.set_frame(prepared.preview)

    def _show_status(self, details: dict) -> None:
        has_status = "status" in self.combos and bool(details.get("mapping", {}).get("status"))
        self.closed_label.setVisible(has_status)
        self.closed_edit.setVisible(has_status)
        if has_status and not self.closed_edit.hasFocus():
            self.closed_edit.setText(", ".join(details.get("closed_values") or []))
            values = details.get("status_values") or []
            self.closed_edit.setToolTip("Rows whose status is one of these (comma-separated) "
                                        "are left out. Values in the file: "
                                        + ", ".join(values[:30]))

    def _show_category_map(self, details: dict) -> None:
        found = details.get("file_categories") or []
        existing = details.get("existing_categories") or []
        kind = details.get("one_kind")   # the file's categories all name one kind of site
        if kind and kind not in existing:
            existing = [kind, *existing]
        # a file category column, or a suggested match: a category named after the file alone
        # is better fixed by typing one above
        has_column = bool((details.get("mapping") or {}).get("category"))
        show = (bool(existing) and bool(found) and len(found) <= 60
                and (has_column or bool(details.get("category_map"))))
        self.map_label.setVisible(show)
        self.category_map.setVisible(show)
        if show:
            self.category_map.show_map(found, existing, details.get("category_map") or {},
                                       self._changed)

    def _summary(self, prepared: Any, fixed: Any, used: dict) -> str:
        rep = prepared.report
        text = (f"With these columns: {rep.rows_accepted:,} of {rep.rows_read:,} "
                f"rows can be imported, {rep.rows_rejected:,} rejected.")
        closed = rep.details.get("left_out_closed")
        if closed:
            text += f" {closed:,} rows marked closed are left out."
        derived = _derived_category(prepared, "category" in self.combos and not fixed
                                    and not used.get("category"))
        if derived:
            text += (f" No category column: every row gets the category '{derived}' (from the "
                     "file name); type a better one above.")
        rej = rep.rejections
        reasons = (rej.groupby(rej["reason"].astype(str))["row"].nunique()
                   .sort_values(ascending=False, kind="stable") if rep.rows_rejected else None)
        if reasons is not None and len(reasons):
            # why, here: "0 of 57 rows" alone left the user guessing until the next page
            n = int(reasons.iloc[0])
            text += f" Most often: {reasons.index[0]} ({n:,} row{'s' if n != 1 else ''})."
        return text

    def isComplete(self) -> bool:
        return self.wiz.prepared is not None and not self.wiz.busy


def _derived_category(prepared: Any, applies: bool) -> str | None:
    """The category the importer made from the file name, when no column or typed value gave
    one (read from the preview, which shows the rows as they will be imported)."""
    preview = getattr(prepared, "preview", None)
    if not applies or preview is None or "category" not in preview or preview.empty:
        return None
    values = preview["category"].dropna().astype(str).unique()
    return str(values[0]) if len(values) == 1 else None
