"""The CLI and --selfcheck reach the project through ProjectService, like the window: a fault
planted in the service's methods shows in each command (exit 1 = a true bug, per the CLI's rule),
so none of them can have gone round it."""

from __future__ import annotations

import pytest

from phdesk.cli import main
from phdesk.services.project_service import ProjectService


class Planted(Exception):
    pass


def _plant(monkeypatch, name: str, calls: list[str], raise_it: bool = True) -> None:
    original = getattr(ProjectService, name)

    def spy(*args, **kwargs):
        calls.append(name)
        if raise_it:
            raise Planted(name)
        return original(*args, **kwargs)

    monkeypatch.setattr(ProjectService, name, spy if not isinstance(
        ProjectService.__dict__[name], (classmethod, staticmethod)) else staticmethod(spy))


@pytest.mark.parametrize("command, method", [
    (["new", "{p}"], "create"),
    (["demo", "{p}"], "write_demo"),
])
def test_cli_new_and_demo_go_through_the_service(tmp_path, monkeypatch, command, method):
    calls: list[str] = []
    _plant(monkeypatch, method, calls)
    path = tmp_path / "x.phdesk"
    assert main([a.format(p=path) for a in command]) == 1
    assert calls == [method]


def test_cli_import_and_map_go_through_the_service(tmp_path, monkeypatch, capsys):
    project = tmp_path / "demo.phdesk"
    assert main(["demo", str(project)]) == 0
    csv = tmp_path / "clubs.csv"
    csv.write_text("Name,Category,Easting,Northing\nClub,Lunch club,529000,178000\n")
    calls: list[str] = []
    _plant(monkeypatch, "run_import", calls, raise_it=False)
    _plant(monkeypatch, "run_mapping", calls, raise_it=False)
    assert main(["import", str(project), str(csv), "--kind", "assets"]) == 0
    assert main(["map", str(project), "--out", str(tmp_path / "out"), "--quiet"]) == 0
    assert calls == ["run_import", "run_mapping"]
    assert (tmp_path / "out").is_dir()
