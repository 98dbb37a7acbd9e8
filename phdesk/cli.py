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


def _open_project(path: Path):
    from phdesk.store.project import Project

    return Project(path)


def cmd_new(args: argparse.Namespace) -> int:
    from phdesk.store.project import Project

    Project.create(args.project).close()
    print(f"created {args.project}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from phdesk.core.demo import write_demo

    if args.project.exists():
        if not args.force:
            raise UserError(f"{args.project}: already exists (use --force to overwrite)")
        args.project.unlink()
    summary = write_demo(args.project)
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
    from phdesk.core.imports import ImportRejected, run_import

    options = _parse_options(args.option)
    project = _open_project(args.project)
    # each file is its own transaction: a file that fails leaves the project as it was and the
    # next files are still imported; the exit status says something failed
    reports: list[dict] = []
    status = 0
    try:
        for f in args.files:
            try:
                rep = run_import(project, f, kind=args.kind, accept_partial=args.accept_partial,
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
        project.close()
    if args.json:
        print(json.dumps(reports, ensure_ascii=False, indent=2, default=str))
    return status


def cmd_map(args: argparse.Namespace) -> int:
    from phdesk.core.mapping import MappingParams, run_mapping, write_outputs

    params = MappingParams(categories=args.category or None)
    if args.radius is not None:
        if args.radius <= 0:
            raise UserError("--radius must be a positive number of metres")
        params.default_radius_m = args.radius
        params.radius_override = True
    project = _open_project(args.project)
    try:
        if args.scenario:
            from phdesk.cli_planning import map_scenario

            result = map_scenario(project, args.scenario, params, _progress_printer(args.quiet))
        else:
            result = run_mapping(project, params, progress=_progress_printer(args.quiet))
    finally:
        project.close()
    files = write_outputs(result, args.out)
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
            args = parser.parse_args(argv)
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
        print(f"phdesk: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("phdesk: interrupted", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --version / --help
        return int(exc.code or 0)
    except Exception:
        path = setup_logging()
        log.exception("unexpected fault; argv=%s", argv)
        print(f"phdesk: unexpected fault; details are in {path}", file=sys.stderr)
        return 1
