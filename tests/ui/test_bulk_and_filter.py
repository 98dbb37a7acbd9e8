"""Bulk work in seconds: deleting, editing and undoing many assets is one job, one transaction and
one refresh; filtering a big table runs off the GUI thread and never blocks typing."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest
from PySide6 import QtCore, QtTest, QtWidgets

from phdesk.services.project_service import ProjectService
from phdesk.store import edits
from phdesk.store.project import Project
from phdesk.ui.asset_register import AssetRegisterPanel
from phdesk.ui.tables import ASYNC_FILTER_ROWS, FrameView
from phdesk.ui.tasks import TaskRunner

N = 150


@pytest.fixture
def register(qtbot, tmp_path):
    path = tmp_path / "bulk.phdesk"
    with Project.create(path) as p, p.transaction() as db:
        db["assets"].insert_all([{"name": f"Site {i}", "category": "Hub" if i % 3 else "Library",
                                  "easting": 530000.0 + i, "northing": 179000.0, "capacity": 1.0,
                                  "source": "test"} for i in range(N)])
    service = ProjectService.open(path)
    window = QtWidgets.QMainWindow()
    qtbot.addWidget(window)
    tasks = TaskRunner(window)
    panel = AssetRegisterPanel(service, tasks, window)
    window.setCentralWidget(panel)
    window.show()
    assert tasks.wait(10_000)
    yield panel, tasks, service, path
    tasks.shutdown()
    service.close()


def _count_rows(path):
    with Project(path) as p:
        return int(p.scalar("SELECT count(*) FROM assets"))


def test_bulk_delete_of_many_rows_is_one_job_one_transaction_one_refresh(register, monkeypatch):
    panel, tasks, service, path = register
    jobs, commits, refreshes = [], [], []
    run = tasks.run
    monkeypatch.setattr(tasks, "run", lambda *a, **k: (jobs.append(a[2] if len(a) > 2 else ""),
                                                        run(*a, **k))[1])
    transaction = service.project.transaction

    def counted():
        commits.append(1)
        return transaction()
    monkeypatch.setattr(service.project, "transaction", counted)
    panel.assets_changed.connect(lambda: refreshes.append(1))
    panel.table.filter_edit.setText("Hub")   # the user deletes the filtered rows
    shown = panel.table.proxy.rowCount()
    assert shown == N - (N + 2) // 3   # every third is a Library
    panel.view.selectAll()
    ids = panel.selected_ids()
    assert len(ids) == shown > 90
    panel.delete_selected()
    assert tasks.wait(30_000)
    assert len(jobs) == 1 and len(commits) == 1 and len(refreshes) == 1
    assert _count_rows(path) == N - shown
    QtTest.QTest.qWait(20)
    # the filtered count is right at once (it was one off after a delete)
    assert panel.table.proxy.rowCount() == 0
    assert panel.table.count_label.text() == f"0 of {N - shown:,} rows"
    # undo: one job and one transaction too, every row back with its id
    jobs.clear(), commits.clear(), refreshes.clear()
    panel.undo_stack.undo()
    assert tasks.wait(30_000)
    assert len(jobs) == 1 and len(commits) == 1 and len(refreshes) == 1
    assert _count_rows(path) == N
    assert sorted(panel.model.frame()["id"].tolist()) == sorted(
        Project(path).query("SELECT id FROM assets")["id"].tolist())


def test_rename_and_merge_categories_in_one_step(register):
    panel, tasks, _, path = register
    assert panel.rename_category("Library", "Hub")     # a merge: every Library becomes Hub
    assert tasks.wait(30_000)
    with Project(path) as p:
        assert p.query("SELECT DISTINCT category FROM assets")["category"].tolist() == ["Hub"]
    assert panel.undo_stack.count() == 1 and "Merge" in panel.undo_stack.text(0)
    panel.undo_stack.undo()
    assert tasks.wait(30_000)
    with Project(path) as p:
        assert int(p.scalar("SELECT count(*) FROM assets WHERE category = 'Library'")) == 50
    assert set(panel.model.frame()["category"]) == {"Hub", "Library"}
    assert not panel.rename_category("Library", "")   # refused, with a message
    assert "give a new name" in panel.message_label.text()


def test_store_bulk_edits_are_one_transaction_each(project):
    with project.transaction() as db:
        db["assets"].insert_all([{"name": f"A{i}", "category": "X", "easting": 1.0,
                                  "northing": 2.0, "capacity": 1.0, "source": "t"}
                                 for i in range(1200)])   # more than one IN (...) chunk
    ids = project.query("SELECT id FROM assets")["id"].tolist()
    rows = edits.delete_assets(project, ids[:1000])
    assert len(rows) == 1000 and int(project.scalar("SELECT count(*) FROM assets")) == 200
    edits.restore_assets(project, rows)
    assert int(project.scalar("SELECT count(*) FROM assets")) == 1200
    before = edits.update_assets(project, {ids[0]: {"category": "Y"}, ids[1]: {"name": "B"}})
    assert before == {ids[0]: {"category": "X"}, ids[1]: {"name": "A1"}}


def test_filter_of_a_big_table_runs_off_the_gui_thread(qtbot):
    rows = 120_000
    assert rows > ASYNC_FILTER_ROWS
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"area_code": [f"E01{i:06d}" for i in range(rows)],
                          "segment": rng.choice(["All", "Age 65+", "Core20"], rows),
                          "category": rng.choice(["GP practice", "Library"], rows),
                          "access_2sfca": rng.random(rows)})
    view = FrameView("Big")
    qtbot.addWidget(view)
    view.set_frame(frame)
    view.show()
    model_match = view.model.matcher
    threads = []
    release = threading.Event()   # holds the worker mid-filter, so the check does not race

    def spying_matcher():
        match = model_match()

        def run(text, column=None):
            threads.append(threading.get_ident())
            release.wait(30)
            return match(text, column)
        return run
    view.model.matcher = spying_matcher
    view.filter_edit.setFocus()
    QtTest.QTest.keyClicks(view.filter_edit, "E0100012")   # typing: one filter a keystroke
    # Typing returned while a filter is still computing: the keystrokes did not wait for it.
    assert view.filter_pending()
    assert view.filter_edit.text() == "E0100012"
    beat = []   # the GUI event loop keeps running while the worker is held
    QtCore.QTimer.singleShot(0, lambda: beat.append(1))
    qtbot.waitUntil(lambda: bool(beat), timeout=10_000)
    assert view.filter_pending()
    release.set()
    qtbot.waitUntil(lambda: not view.filter_pending(), timeout=30_000)
    assert threads and threading.get_ident() not in threads   # computed on the worker
    expected = int(frame["area_code"].str.contains("e0100012", case=False).sum())
    assert view.proxy.rowCount() == expected == 10   # E01000120 … E01000129
    assert view.count_label.text() == f"{expected:,} of {rows:,} rows"
