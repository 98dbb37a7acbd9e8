"""The command line contract: exit 0 / 2 / 1, short messages, no tracebacks on the terminal."""

from __future__ import annotations

import pytest

from phdesk import __version__
from phdesk.cli import main


def test_version(capsys):
    assert main(["--version"]) == 0
    assert __version__ in capsys.readouterr().out


def test_new_then_new_again(tmp_path, capsys):
    f = tmp_path / "p.phdesk"
    assert main(["new", str(f)]) == 0
    assert f.exists()
    assert main(["new", str(f)]) == 2
    err = capsys.readouterr().err
    assert "already exists" in err and "Traceback" not in err


def test_usage_error_is_exit_2(capsys):
    assert main(["import"]) == 2
    assert "phdesk" in capsys.readouterr().err


def test_missing_file_and_project(tmp_path, capsys):
    f = tmp_path / "p.phdesk"
    assert main(["new", str(f)]) == 0
    assert main(["import", str(f), str(tmp_path / "nope.csv")]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["import", str(tmp_path / "none.phdesk"), str(f)]) == 2
    assert "no such project" in capsys.readouterr().err


def test_unrecognised_file_is_exit_2_and_project_unchanged(tmp_path, capsys):
    f = tmp_path / "p.phdesk"
    main(["new", str(f)])
    before = f.read_bytes()
    junk = tmp_path / "junk.csv"
    junk.write_text("foo,bar\n1,2\n")
    assert main(["import", str(f), str(junk)]) == 2
    err = capsys.readouterr().err
    assert "junk.csv" in err and "--kind" in err
    assert f.read_bytes() == before


def test_unexpected_fault_is_exit_1_with_log_path(tmp_path, capsys, monkeypatch):
    import phdesk.cli as cli

    def boom(args):
        raise RuntimeError("internal detail")

    monkeypatch.setattr(cli, "cmd_new", boom)
    assert main(["new", str(tmp_path / "x.phdesk")]) == 1
    err = capsys.readouterr().err
    assert "unexpected fault" in err and "phdesk.log" in err
    assert "Traceback" not in err and "internal detail" not in err


def test_demo_refuses_to_overwrite(tmp_path, capsys):
    f = tmp_path / "d.phdesk"
    assert main(["demo", str(f)]) == 0
    assert main(["demo", str(f)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["demo", str(f), "--force"]) == 0


@pytest.mark.parametrize("argv", [["map"], ["new"], ["demo"]])
def test_commands_need_a_project(argv, capsys):
    assert main(argv) == 2


def test_a_bad_file_does_not_stop_the_others(tmp_path, capsys):
    f = tmp_path / "p.phdesk"
    main(["new", str(f)])
    junk = tmp_path / "junk.csv"
    junk.write_text("foo,bar\n1,2\n")
    lookup = tmp_path / "n.csv"
    lookup.write_text("LSOA21CD,Neighbourhood\nE01005001,North\n")
    assert main(["import", str(f), str(junk), str(lookup)]) == 2
    out, err = capsys.readouterr()
    assert "junk.csv" in err and "n.csv" in out
    from phdesk.store.project import Project

    with Project(f) as p:
        assert p.counts()["neighbourhoods"] == 1


def test_usage_message_has_one_prefix(capsys):
    assert main(["--bogus"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("phdesk: ") and "phdesk: phdesk" not in err


def test_import_takes_files_after_an_option_and_refuses_unknown_options(tmp_path, capsys):
    f = tmp_path / "p.phdesk"
    main(["new", str(f)])
    one = tmp_path / "n1.csv"
    one.write_text("LSOA21CD,Neighbourhood\nE01005001,North\n")
    two = tmp_path / "n2.csv"
    two.write_text("LSOA21CD,Neighbourhood\nE01005002,South\n")
    assert main(["import", str(f), str(one), "--kind", "neighbourhoods", str(two)]) == 0
    out = capsys.readouterr().out
    assert "n1.csv" in out and "n2.csv" in out
    from phdesk.store.project import Project

    with Project(f) as p:
        assert p.counts()["neighbourhoods"] == 2
    assert main(["import", str(f), str(one), "--frobnicate"]) == 2
    assert "unrecognized arguments: --frobnicate" in capsys.readouterr().err
