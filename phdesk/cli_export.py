"""Command-line commands for outputs: ``phdesk export`` and ``phdesk disclosure``.

``register(sub)`` adds this module's subparsers and returns their handlers; see
``phdesk.cli.COMMAND_MODULES``.

    phdesk export PROJECT --out FILE [--scenario NAME] [--against NAME] [--neighbourhood NAME]...
    phdesk disclosure PROJECT [--threshold N] [--rounding N] [--on | --off --reason TEXT]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(sub) -> dict:
    """Add this module's subcommands to ``sub``; return ``{command: handler(args) -> int}``."""
    s = sub.add_parser("export", help="export results: .xlsx workbook, .pdf report, .geojson, "
                                      ".png map, .csv tables (by the file's extension)")
    s.add_argument("project", type=Path)
    s.add_argument("--out", type=Path, required=True,
                   help="output file; its extension chooses the format")
    s.add_argument("--scenario", help="export this scenario (compared with the current "
                                      "register, or with --against)")
    s.add_argument("--against", help="the scenario to compare --scenario with")
    s.add_argument("--neighbourhood", action="append", default=[], metavar="NAME",
                   help="only this neighbourhood (repeat for more)")
    s.add_argument("--png", choices=("map", "gaps"),
                   help="for .png: the map (default) or the biggest-gaps chart")
    s.add_argument("--width", type=int, help="for .png: width in pixels (default 1600)")
    s.add_argument("--height", type=int, help="for .png: height in pixels (default 1200)")
    s.add_argument("--dpi", type=int, help="for .png: resolution, dots per inch (default 150)")
    s.add_argument("--measure", metavar="KEY",
                   help="for a .png map: shade by this measure (e.g. coverage_pct, "
                        "access_2sfca, population) instead of the IMD decile")
    s.add_argument("--level", choices=("areas", "neighbourhoods"),
                   help="for --measure: areas or neighbourhoods (the first offered if omitted)")
    s.add_argument("--category", help="for --measure from a mapping run: the asset category")
    s.add_argument("--segment", help="for --measure from a mapping run: the segment "
                                     "(default All)")
    s.add_argument("--quiet", action="store_true")

    d = sub.add_parser("disclosure", help="show or set the project's disclosure rule")
    d.add_argument("project", type=Path)
    d.add_argument("--threshold", type=int, help="counts 1 to N are shown as * (default 7)")
    d.add_argument("--rounding", type=int, help="other counts rounded to the nearest N "
                                                "(default 5; 1 = not rounded)")
    on_off = d.add_mutually_exclusive_group()
    on_off.add_argument("--on", action="store_true", help="turn disclosure control on")
    on_off.add_argument("--off", action="store_true",
                        help="turn it off (needs --reason, recorded in the project)")
    d.add_argument("--reason", help="why disclosure control is off")
    return {"export": cmd_export, "disclosure": cmd_disclosure}


PNG_DEFAULTS = {"what": "map", "width": 1600, "height": 1200, "dpi": 150}


def cmd_export(args: argparse.Namespace) -> int:
    import phdesk
    from phdesk.cli import _progress_printer
    from phdesk.core.errors import UserError

    png = {"what": args.png, "width": args.width, "height": args.height, "dpi": args.dpi,
           "measure": args.measure, "level": args.level, "category": args.category,
           "segment": args.segment}
    given = [f"--{'png' if k == 'what' else k}" for k, v in png.items() if v is not None]
    if args.out.suffix.lower() != ".png" and given:
        raise UserError(f"{', '.join(given)}: only for a .png export, not {args.out.name}")
    if args.measure is None and (args.level or args.category or args.segment):
        raise UserError("--level, --category and --segment choose what --measure shades")
    if args.measure is not None and args.png == "gaps":
        raise UserError("--measure shades the map, not --png gaps")
    options = {}
    if args.out.suffix.lower() == ".png":
        options = {**PNG_DEFAULTS, **{k: v for k, v in png.items() if v is not None}}
    if args.out.suffix.lower() in (".pdf", ".png"):
        _ensure_gui_app()
    with phdesk.open_project(args.project) as project:
        paths = phdesk.export(project, args.out, scenario=args.scenario, against=args.against,
                              neighbourhoods=args.neighbourhood or None,
                              progress=_progress_printer(args.quiet), **options)
    for p in paths:
        print(p)
    return 0


def _ensure_gui_app() -> None:
    """The PDF and PNG renderers paint with Qt: they need a (headless) QGuiApplication."""
    import os

    from PySide6 import QtGui

    if QtGui.QGuiApplication.instance() is None:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY") \
                and sys.platform.startswith("linux"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        _ensure_gui_app.app = QtGui.QGuiApplication(["phdesk"])   # kept alive


def cmd_disclosure(args: argparse.Namespace) -> int:
    import dataclasses

    import phdesk
    from phdesk.core.errors import UserError

    with phdesk.open_project(args.project) as project:
        rule = project.disclosure_rule()
        changes = {}
        if args.threshold is not None:
            changes["threshold"] = args.threshold
        if args.rounding is not None:
            changes["rounding_base"] = args.rounding
        if args.off:
            changes.update(enabled=False, reason=args.reason or "")
        elif args.on:
            changes.update(enabled=True, reason="")
        elif args.reason:
            raise UserError("--reason goes with --off")
        if changes:
            rule = project.set_disclosure_rule(dataclasses.replace(rule, **changes))
    print(rule.statement())
    if rule.changed_at:
        print(f"(set {rule.changed_at})")
    return 0
