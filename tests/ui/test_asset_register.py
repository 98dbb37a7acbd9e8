"""The asset register: edits, adds and deletes are saved to the file at once and undo restores it.

The test (not the UI) reads the project file back with ``Project`` to check what was saved.
"""

from __future__ import annotations

import pytest
from PySide6 import QtCore, QtWidgets

from phdesk.services.project_service import ProjectService
from phdesk.store import edits
from phdesk.store.project import Project
from phdesk.ui.asset_register import COLUMNS, AssetRegisterPanel
from phdesk.ui.tasks import TaskRunner

Qt = QtCore.Qt


@pytest.fixture
def setup(qtbot, tmp_path):
    path = tmp_path / "reg.phdesk"
    with Project.create(path) as p:
        edits.add_asset(p, {"name": "Hill Surgery", "category": "GP practice",
                            "easting": 531000.0, "northing": 179000.0, "capacity": 6})
        edits.add_asset(p, {"name": "Corner Pharmacy", "category": "Pharmacy",
                            "easting": 531500.0, "northing": 179200.0})
        edits.add_asset(p, {"name": "Food bank", "category": "Food bank",
                            "postcode": "SW1A 1AA"})
    service = ProjectService.open(path)
    window = QtWidgets.QMainWindow()
    qtbot.addWidget(window)
    tasks = TaskRunner(window)
    panel = AssetRegisterPanel(service, tasks, window)
    window.setCentralWidget(panel)
    assert tasks.wait(10_000)
    yield panel, tasks, path
    tasks.shutdown()
    service.close()


def saved(path, asset_id=None):
    """What the file holds (read by the test, not the UI)."""
    with Project(path) as p:
        if asset_id is None:
            return p.query("SELECT * FROM assets ORDER BY id")
        rows = p.query("SELECT * FROM assets WHERE id = ?", (asset_id,))
        return rows.iloc[0].to_dict() if len(rows) else None


def cell(panel, asset_id, field):
    row = panel.model.row_of(asset_id)
    src = panel.model.index(row, COLUMNS.index(field))
    return panel.table.proxy.mapFromSource(src)


def test_loads_register(setup):
    panel, _, _ = setup
    assert panel.model.rowCount() == 3
    assert panel.model.index(0, COLUMNS.index("name")).data() == "Hill Surgery"


def test_in_cell_edit_saved_and_undone(setup):
    panel, tasks, path = setup
    changes = []
    panel.assets_changed.connect(lambda: changes.append(1))
    idx = cell(panel, 1, "name")
    assert idx.flags() & Qt.ItemFlag.ItemIsEditable
    panel.table.proxy.setData(idx, "Hill Surgery (branch)")   # what the cell editor does
    assert tasks.wait(5000)
    assert saved(path, 1)["name"] == "Hill Surgery (branch)"
    assert cell(panel, 1, "name").data() == "Hill Surgery (branch)"
    assert changes == [1]

    panel.undo_stack.undo()
    assert tasks.wait(5000)
    assert saved(path, 1)["name"] == "Hill Surgery"
    assert cell(panel, 1, "name").data() == "Hill Surgery"
    panel.undo_stack.redo()
    assert tasks.wait(5000)
    assert saved(path, 1)["name"] == "Hill Surgery (branch)"


def test_keyboard_undo_redo(setup, qtbot):
    panel, tasks, path = setup
    panel.window().show()
    panel.edit_asset(2, "capacity", "3.5")
    assert tasks.wait(5000)
    assert saved(path, 2)["capacity"] == 3.5
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert tasks.wait(5000)
    assert saved(path, 2)["capacity"] == 1.0
    qtbot.keyClick(panel.view, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert tasks.wait(5000)
    assert saved(path, 2)["capacity"] == 3.5


@pytest.mark.parametrize(("field", "value", "words"), [
    ("name", "  ", "name"),
    ("capacity", "-2", "0 or more"),
    ("capacity", "lots", "number"),
    ("easting", "950000", "outside Great Britain"),
    ("northing", "-5", "outside Great Britain"),
    ("postcode", "NOT A CODE", "postcode"),
])
def test_invalid_edit_rejected_with_message(setup, field, value, words):
    panel, tasks, path = setup
    before = saved(path)
    panel.table.proxy.setData(cell(panel, 1, field), value)
    assert tasks.wait(5000)
    assert words in panel.message_label.text()
    assert not panel.message_label.isHidden()
    assert panel.undo_stack.count() == 0
    after = saved(path)
    assert after.equals(before)


def test_add_then_undo_removes_it(setup):
    panel, tasks, path = setup
    ok = panel.add_asset({"name": "Library", "category": "Library", "easting": "530000",
                          "northing": "180000"})
    assert ok and tasks.wait(5000)
    rows = saved(path)
    assert len(rows) == 4
    new = rows[rows["name"] == "Library"].iloc[0]
    assert new["easting"] == 530000.0 and new["capacity"] == 1.0
    assert panel.model.rowCount() == 4

    panel.undo_stack.undo()
    assert tasks.wait(5000)
    assert len(saved(path)) == 3 and panel.model.rowCount() == 3
    panel.undo_stack.redo()           # comes back with the same id
    assert tasks.wait(5000)
    assert saved(path, int(new["id"]))["name"] == "Library"


def test_add_rejects_asset_without_location(setup):
    panel, tasks, path = setup
    assert not panel.add_asset({"name": "Somewhere", "category": "Library"})
    assert "easting" in panel.message_label.text()
    assert len(saved(path)) == 3


def test_delete_key_then_undo_restores_same_id(setup, qtbot):
    panel, tasks, path = setup
    panel.window().show()
    full = saved(path, 2)
    panel.view.setFocus()
    # select through the selection model: selectRow() depends on the keyboard modifiers that
    # an earlier test's key clicks may have left behind
    flags = (QtCore.QItemSelectionModel.SelectionFlag.ClearAndSelect
             | QtCore.QItemSelectionModel.SelectionFlag.Rows)
    panel.view.selectionModel().select(cell(panel, 2, "name"), flags)
    qtbot.keyClick(panel.view, Qt.Key.Key_Delete)
    assert tasks.wait(5000)
    assert saved(path, 2) is None
    assert panel.model.row_of(2) is None and panel.model.rowCount() == 2

    panel.undo_stack.undo()
    assert tasks.wait(5000)
    back = saved(path, 2)
    assert back == full           # same id, same values (updated_at included)
    assert panel.model.row_of(2) is not None


def test_delete_several_is_one_undo_step(setup):
    panel, tasks, path = setup
    panel.delete_assets([1, 3])
    assert tasks.wait(5000)
    assert list(saved(path)["id"]) == [2]
    assert panel.undo_stack.count() == 1
    panel.undo_stack.undo()
    assert tasks.wait(5000)
    assert list(saved(path)["id"]) == [1, 2, 3]


def test_category_editor_offers_known_categories(setup):
    panel, tasks, _ = setup
    delegate = panel.view.itemDelegateForColumn(COLUMNS.index("category"))
    editor = delegate.createEditor(panel.view, None, cell(panel, 1, "category"))
    items = [editor.itemText(i) for i in range(editor.count())]
    assert items == ["Food bank", "GP practice", "Pharmacy"]
    assert editor.isEditable()     # free text for a new category


def test_insert_key_opens_add_dialog_which_checks_values(setup, qtbot):
    from phdesk.ui.asset_register import AddAssetDialog

    panel, tasks, path = setup
    panel.window().show()
    seen = []

    def fill_dialog():
        dialog = panel.findChild(AddAssetDialog)
        dialog.name.setText("Youth club")
        dialog.category.setCurrentText("Youth")
        dialog.easting.setText("531200")
        dialog.northing.setText("9999999")          # outside GB: refused, dialog stays open
        dialog.accept()
        seen.append(dialog.error.text())
        assert dialog.isVisible()
        dialog.northing.setText("179100")
        dialog.accept()

    QtCore.QTimer.singleShot(0, fill_dialog)
    qtbot.keyClick(panel.view, Qt.Key.Key_Insert)
    assert tasks.wait(5000)
    assert "outside Great Britain" in seen[0]
    rows = saved(path)
    added = rows[rows["name"] == "Youth club"].iloc[0]
    assert (added["category"], added["northing"]) == ("Youth", 179100.0)


def test_filter_by_column_in_register(setup):
    panel, _, _ = setup
    combo = panel.table.column_combo
    assert combo.count() == len(COLUMNS) + 1
    combo.setCurrentIndex(combo.findText("category"))
    panel.table.filter_edit.setText("pharm")
    assert panel.table.proxy.rowCount() == 1
    assert cell(panel, 2, "name").data() == "Corner Pharmacy"


def test_validate_tidies_values():
    from phdesk.ui.asset_table import InvalidEdit, validate, validate_new

    assert validate({"postcode": "sw1a1aa"}) == {"postcode": "SW1A 1AA"}
    assert validate({"name": "  Hub "}) == {"name": "Hub"}
    assert validate({"capacity": "1,200"}) == {"capacity": 1200.0}
    # a new easting is checked with the asset's current northing
    with pytest.raises(InvalidEdit, match="outside Great Britain"):
        validate({"easting": "531000"}, {"northing": 5_000_000.0})
    assert validate({"easting": "531000"}, {"northing": 179000.0}) == {"easting": 531000.0}
    with pytest.raises(InvalidEdit, match="both an easting and a northing"):
        validate_new({"name": "A", "category": "B", "easting": "531000"})
    assert validate_new({"name": "A", "category": "B", "postcode": "N1 0AA"})["capacity"] == 1.0


@pytest.mark.slow
def test_undo_in_main_window_after_its_reload(make_main_window, demo_path, qtbot):
    """The window re-reads the project after every edit; the undo history must survive that."""
    win = make_main_window()
    panel = win.asset_panel
    asset_id = panel.model.asset_id(0)
    old = saved(demo_path, asset_id)["name"]
    panel.edit_asset(asset_id, "name", "Renamed in a workshop")
    assert win.tasks.wait(30_000)
    assert saved(demo_path, asset_id)["name"] == "Renamed in a workshop"
    assert panel.undo_stack.canUndo()
    undo = next(a for a in win.edit_menu.actions() if "Undo" in a.text())
    undo.trigger()
    assert win.tasks.wait(30_000)
    assert saved(demo_path, asset_id)["name"] == old
    # Ctrl+Z / Ctrl+Shift+Z on the table still work inside the window (its Edit menu has the
    # same keys; two shortcuts on one key would be ambiguous and do nothing)
    win.activateWindow()
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert win.tasks.wait(30_000)
    assert saved(demo_path, asset_id)["name"] == "Renamed in a workshop"
    qtbot.keyClick(panel.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert win.tasks.wait(30_000)
    assert saved(demo_path, asset_id)["name"] == old


def test_add_dialog_has_room_for_a_real_name_and_says_how_to_place(qtbot):
    """The dialog was about 20 characters wide (title cut to "Add asse…") and did not say that
    a postcode alone places the asset."""
    from phdesk.ui.asset_table import AddAssetDialog

    dialog = AddAssetDialog(["GP practice"])
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    fm = dialog.name.fontMetrics()
    assert dialog.name.width() >= fm.horizontalAdvance("Shay Lane Medical Centre (Kelman)")
    texts = " ".join(label.text() for label in dialog.findChildren(QtWidgets.QLabel))
    assert "postcode" in texts and "easting and northing" in texts
