"""The command line: the same jobs as the desktop app, through the same core functions.

Exit status: 0 success; 2 bad input or usage (a short message on stderr, with the validation report
where rows were rejected); 1 unexpected fault (the log file's path; the traceback goes to the log).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from phdesk import __version__
from phdesk.core.errors import UserError

log = logging.getLogger(__name__)

COMMANDS = ("new", "demo", "import", "map")

# Commands added by other parts of phdesk: each module has ``register(sub) -> {name: handler}``,
# adding its subparsers to ``sub`` (an argparse subparsers action). Keep one module per area so
# the areas do not edit each other's commands.
COMMAND_MODULES = ("phdesk.cli_planning", "phdesk.cli_export")


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so usage errors share our exit path."""

    def error(self, message: str) -> None:  # type: ignore[override]
        # main() prefixes "phdesk: "; name the subcommand only ("import: the following …")
        sub = self.prog.removeprefix("phdesk").strip()
        raise UserError(f"{sub}: {message}" if sub else message)


def _progress_printer(quiet: bool):
    if quiet or not sys.stderr.isatty():
        return None

    def show(fraction: float, message: str) -> None:
        sys.stderr.write(f"\r{fraction * 100:5.1f}% {message[:60]:<60}")
        if fraction >= 1.0:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def build_parser(handlers: dict | None = None) -> argparse.ArgumentParser:
    """The command parser; ``handlers`` (if given) receives the command modules' handlers."""
    p = _Parser(prog="phdesk", description="Neighbourhood health and care planning, offline.")
    p.add_argument("--version", action="version", version=f"phdesk {__version__}")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    s = sub.add_parser("new", help="create an empty project")
    s.add_argument("project", type=Path)

    s = sub.add_parser("demo", help="write the demo project (a synthetic borough)")
    s.add_argument("project", type=Path)
    s.add_argument("--force", action="store_true", help="overwrite an existing file")

    s = sub.add_parser("import", help="import files into a project (kind detected from content)")
    s.add_argument("project", type=Path)
    s.add_argument("files", type=Path, nargs="+")
    s.add_argument("--kind", help="force the kind of every file")
    s.add_argument("--accept-partial", action="store_true",
                   help="import the good rows of a file that has rejected rows")
    s.add_argument("--json", action="store_true", help="print the reports as JSON on stdout")
    s.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="importer option, e.g. name=Organisation, category=Library, dataset=…")

    s = sub.add_parser("map", help="run asset mapping and write CSV tables")
    s.add_argument("project", type=Path)
    s.add_argument("--out", type=Path, required=True, help="folder for the CSV files")
    s.add_argument("--radius", type=float, help="catchment radius in metres for every category")
    s.add_argument("--category", action="append", default=[], help="only this category (repeat)")
    s.add_argument("--scenario", metavar="NAME",
                   help="as if the scenario's changes were made (see phdesk scenario)")
    s.add_argument("--quiet", action="store_true")
    if handlers is not None:
        handlers.update(_module_commands(sub))
    else:
        _module_commands(sub)
    return p


def _module_commands(sub) -> dict:
    import importlib

    found: dict = {}
    for name in COMMAND_MODULES:
        found.update(importlib.import_module(name).register(sub))
    return found


def build_gui_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="phdesk", description="Open the desktop app (the demo project if none given).")
    p.add_argument("--version", action="version", version=f"phdesk {__version__}")
    p.add_argument("project", type=Path, nargs="?", help="a .phdesk project file")
    p.add_argument("--screenshot", type=Path, metavar="FILE.png",
                   help="render the main window to a PNG file and exit")
    p.add_argument("--selfcheck", action="store_true",
                   help="build the demo, run mapping, render the window offscreen; "
                        "exit 0 if all of it worked")
    return p


def _notice(message: str) -> None:
    """A note on stderr while a command runs (waiting for a lock, opened read-only…)."""
    print(f"phdesk: {message}", file=sys.stderr, flush=True)


def _open_service(path: Path, read_only: bool = False):
    """The project through the service layer, the one door the window uses too."""
    from phdesk.services.project_service import ProjectService

    return ProjectService.open(path, read_only=read_only, notice=_notice)


def cmd_new(args: argparse.Namespace) -> int:
    from phdesk.services.project_service import ProjectService

    ProjectService.create(args.project).close()
    print(f"created {args.project}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from phdesk.services.project_service import ProjectService

    if args.project.exists():
        if not args.force:
            raise UserError(f"{args.project}: already exists (use --force to overwrite)")
        args.project.unlink()
    summary = ProjectService.write_demo(args.project)
    what = ", ".join(f"{v} {k}" for k, v in summary.items())
    print(f"wrote demo project {args.project}: {what}")
    return 0


def _parse_options(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise UserError(f"--option {pair}: expected KEY=VALUE")
        k, v = pair.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def cmd_import(args: argparse.Namespace) -> int:
    from phdesk.core.imports import ImportRejected

    options = _parse_options(args.option)
    service = _open_service(args.project)
    # each file is its own transaction: a file that fails leaves the project as it was and the
    # next files are still imported; the exit status says something failed
    reports: list[dict] = []
    status = 0
    try:
        for f in args.files:
            try:
                rep = service.run_import(f, kind=args.kind, accept_partial=args.accept_partial,
                                         options=options, progress=_progress_printer(args.json))
            except ImportRejected as exc:
                reports.append(exc.report.to_dict())
                print(exc.report.to_text(), file=sys.stderr)
                print(f"phdesk: {exc}", file=sys.stderr)
                status = 2
                continue
            except UserError as exc:
                reports.append({"file": str(f), "committed": False, "error": str(exc)})
                print(f"phdesk: {exc}", file=sys.stderr)
                status = 2
                continue
            reports.append(rep.to_dict())
            if not args.json:
                print(rep.to_text())
    finally:
        service.close()
    if args.json:
        print(json.dumps(reports, ensure_ascii=False, indent=2, default=str))
    return status


def cmd_map(args: argparse.Namespace) -> int:
    from phdesk.core.mapping import MappingParams, record_run

    params = MappingParams(categories=args.category or None)
    if args.radius is not None:
        if args.radius <= 0:
            raise UserError("--radius must be a positive number of metres")
        params.default_radius_m = args.radius
        params.radius_override = True
    service = _open_service(args.project)
    try:
        if args.scenario:  # nothing recorded for a scenario (not even the run log)
            from phdesk.cli_planning import map_scenario

            result = map_scenario(service.project, args.scenario, params,
                                  _progress_printer(args.quiet))
        else:
            # outputs first, then the record: nothing is recorded for a run whose outputs failed
            service.record_runs = False
            result = service.run_mapping(params, progress=_progress_printer(args.quiet))
        from phdesk.export import write_map_tables  # the one export path (disclosure control)

        files = write_map_tables(service.project, result, args.out)
        if not args.scenario:
            if service.project.read_only:
                _notice("the run is not recorded in the project (opened read-only)")
            else:
                record_run(service.project, result, params)
    finally:
        service.close()
    if not args.quiet:  # what the run used and left out (also saved in the run's summary)
        s = result.summary
        lines = [f"population: {s.get('population_dataset')}"] + \
            ([s["population_note"]] if s.get("population_note") else []) + list(s.get("notes", []))
        sys.stderr.write("".join(f"phdesk map: {line}\n" for line in lines))
    for f in files:
        print(f)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point for ``phdesk``; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    from phdesk.logging_setup import setup_logging

    try:
        extra: dict = {}
        parser = build_parser(extra)
        if argv and (argv[0] in COMMANDS or argv[0] in extra) or argv[:1] in (["-h"], ["--help"]):
            setup_logging()
            args, rest = parser.parse_known_args(argv)
            if rest and args.command == "import" and not any(a.startswith("-") for a in rest):
                # files after an option (import P A.csv --option k=v B.csv) are files too
                args.files += [Path(a) for a in rest]
            elif rest:
                parser.parse_args(argv)   # the usual usage message, exit 2
            handler = {"new": cmd_new, "demo": cmd_demo, "import": cmd_import, "map": cmd_map,
                       **extra}
            if args.command is None:
                parser.print_help()
                return 0
            return handler[args.command](args)
        args = build_gui_parser().parse_args(argv)
        setup_logging()
        if args.selfcheck:
            from phdesk.selfcheck import selfcheck

            return selfcheck()
        from phdesk.ui.app import run_app

        return run_app(args.project, screenshot=args.screenshot)
    except UserError as exc:
        print(f"phdesk: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("phdesk: interrupted; nothing was changed", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --version / --help
        return int(exc.code or 0)
    except Exception as exc:
        expected = expected_failure(exc, argv)
        if expected is not None:
            log.info("refused: %s", expected)
            print(f"phdesk: {expected}", file=sys.stderr)
            return 2
        path = setup_logging()
        try:
            log.exception("unexpected fault; argv=%s", argv)
        except Exception:  # the log cannot be written either: still one line, no traceback
            path = None
        where = f"details are in {path}" if path else "the log could not be written"
        print(f"phdesk: unexpected fault ({type(exc).__name__}); {where}", file=sys.stderr)
        return 1


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split("\n"))


def expected_failure(exc: BaseException, argv: list[str]) -> str | None:
    """The message for a failure a user can cause (exit 2) that arrived as a library error:
    a full disk, a read-only or unreadable place, a cancelled job, memory. None: a true bug."""
    import errno
    import sqlite3

    from phdesk.core.atomic import is_disk_full
    from phdesk.core.progress import Cancelled

    if isinstance(exc, Cancelled):
        return "cancelled; nothing was changed"
    if is_disk_full(exc):
        where = getattr(exc, "filename", None) or next(
            (a for a in argv if a.endswith(".phdesk")), ".")
        return (f"no space left on the drive holding {Path(str(where)).absolute().parent}; "
                f"nothing was changed ({_one_line(exc)})")
    if isinstance(exc, OSError) and exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"cannot write {exc.filename or 'a file'}: {exc.strerror} (read-only?)"
    if isinstance(exc, sqlite3.DatabaseError):
        text = str(exc)
        if "readonly" in text:
            return f"the project cannot be written ({text}); is it read-only?"
        if "locked" in text or "busy" in text:
            return f"the project is locked by another phdesk ({text}); try again later"
        if "malformed" in text or "not a database" in text or "disk I/O" in text:
            return f"the project is damaged ({text}); restore the backup (a copy of the file)"
    if isinstance(exc, MemoryError):
        return "not enough memory for this file; nothing was changed"
    return None
