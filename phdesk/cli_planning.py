"""Command-line commands for planning: ``phdesk scenario`` and ``phdesk compare``.

Imports nothing heavy at module level: ``phdesk.cli`` builds every parser on each start, the
desktop app's included.

``register(sub)`` adds this module's subparsers and returns their handlers; see
``phdesk.cli.COMMAND_MODULES``. ``phdesk map --scenario`` is in ``phdesk.cli`` (it is the map
command) and calls :func:`map_scenario` here. Insight notes are imported with
``phdesk import PROJECT comments.csv`` (the ``notes`` importer kind).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from phdesk.core.errors import UserError


def register(sub) -> dict:
    """Add this module's subcommands to ``sub``; return ``{command: handler(args) -> int}``."""
    s = sub.add_parser("scenario", help="create or replace a what-if scenario from a file of "
                                        "changes, or list the scenarios")
    s.add_argument("project", type=Path)
    s.add_argument("name", nargs="?", help="the scenario's name")
    s.add_argument("--changes", type=Path, metavar="CHANGES.csv",
                   help="the changes: action (add, close, move, capacity, radius), asset, name, "
                        "category, a location, capacity, radius_m")
    s.add_argument("--description", default=None, help="what the scenario is for")
    s.add_argument("--list", action="store_true", help="list scenarios with their changes")

    s = sub.add_parser("compare", help="differences between a scenario and the baseline "
                                       "(or another scenario), as CSV tables")
    s.add_argument("project", type=Path)
    s.add_argument("--scenario", required=True, metavar="NAME")
    s.add_argument("--against", metavar="NAME", help="another scenario (default: the baseline)")
    s.add_argument("--out", type=Path, required=True, help="folder for the CSV files")
    s.add_argument("--radius", type=float, help="catchment radius in metres for every category")
    s.add_argument("--category", action="append", default=[], help="only this category (repeat)")
    s.add_argument("--quiet", action="store_true")
    return {"scenario": cmd_scenario, "compare": cmd_compare}


def _open(path: Path):
    from phdesk.store.project import Project

    return Project(path)


def _params(args: argparse.Namespace):
    from phdesk.core.mapping import MappingParams

    params = MappingParams(categories=args.category or None)
    if args.radius is not None:
        if args.radius <= 0:
            raise UserError("--radius must be a positive number of metres")
        params.default_radius_m = args.radius
        params.radius_override = True
    return params


def cmd_scenario(args: argparse.Namespace) -> int:
    from phdesk.core.imports.report import ImportRejected
    from phdesk.core.scenario_file import read_changes
    from phdesk.store import planning

    if args.list == bool(args.changes):
        raise UserError("scenario: give NAME --changes CHANGES.csv, or --list")
    if args.changes and not args.name:
        raise UserError("scenario: give the scenario's NAME before --changes")
    with _open(args.project) as project:
        if args.list:
            print(_listing(project, args.name))
            return 0
        prepared = read_changes(args.changes, project)
        try:
            changes = prepared.checked()
        except ImportRejected as exc:
            print(exc.report.to_text(), file=sys.stderr)
            print(f"phdesk: {args.changes.name}: {exc.report.rows_rejected} of "
                  f"{exc.report.rows_read} rows rejected; scenario not saved", file=sys.stderr)
            return 2
        replacing = args.name in set(planning.scenarios(project)["name"])
        if args.description is None and replacing:
            desc = planning.scenarios(project).set_index("name").loc[args.name, "description"]
        else:
            desc = args.description or ""
        planning.save_scenario(project, args.name, changes, desc)
    print(f"{'replaced' if replacing else 'created'} scenario {args.name!r}: "
          f"{len(changes)} change{'s' if len(changes) != 1 else ''}")
    return 0


def _listing(project, only: str | None) -> str:
    from phdesk.core import scenario_file
    from phdesk.store import planning

    table = planning.scenarios(project)
    if only:
        planning.scenario_id(project, only)   # a clear error for an unknown name
        table = table[table["name"] == only]
    if table.empty:
        return "no scenarios"
    lines = []
    for sc in table.itertuples():
        lines.append(f"{sc.name}: {sc.n_changes} change{'s' if sc.n_changes != 1 else ''}"
                     + (f" - {sc.description}" if sc.description else ""))
        lines += [f"  {scenario_file.describe_change(ch)}" for ch in
                  planning.scenario_changes(project, sc.name).to_dict("records")]
    return "\n".join(lines)


def map_scenario(project, name: str, params, progress):
    """``phdesk map --scenario NAME``: the mapping result as if the changes were made (nothing
    is written to the project, not even the run log)."""
    from phdesk.core.scenarios import run_scenario

    return run_scenario(project, name, params, progress)


def _count(v) -> str:
    """A count as shown: ``*`` when hidden, else whole people with thousands separators."""
    return v if isinstance(v, str) else f"{float(v):,.0f}"


def protected_comparison(project, name: str, against: str | None, params):
    """Scenario ``name`` against ``against`` (None: the baseline), every segment counted, with
    the project's disclosure rule applied to the patient-derived rows
    (``phdesk.core.disclosure_scenario``); returns (comparison, rule)."""
    import dataclasses

    from phdesk.core.compare import compare
    from phdesk.core.disclosure_scenario import protect_comparison
    from phdesk.core.mapping import MappingParams, compute_mapping, load_inputs
    from phdesk.core.scenarios import with_changes
    from phdesk.export.bundle import classes_of, sum_candidates
    from phdesk.services.project_service import ProjectService
    from phdesk.store import planning
    from phdesk.store.outputs import disclosure_rule

    inputs = load_inputs(project)
    changes = {n: planning.scenario_changes(project, n) for n in (name, against) if n}
    params = params or MappingParams()
    base = compute_mapping(with_changes(inputs, changes[against]) if against else inputs,
                           dataclasses.replace(params))
    other = compute_mapping(with_changes(inputs, changes[name]), dataclasses.replace(params))
    cmp = compare(base, other, against or "baseline", name, segments=inputs.segments)
    service = ProjectService(project)
    rule = disclosure_rule(project)
    cmp, _ = protect_comparison(cmp, base, other, classes_of(other, service), rule,
                                sum_candidates(service), inputs.segments)
    return cmp, rule


def cmd_compare(args: argparse.Namespace) -> int:
    from phdesk.core.scenarios import write_comparison

    params = _params(args)
    with _open(args.project) as project:
        cmp, rule = protected_comparison(project, args.scenario, args.against, params)
    if rule.enabled and not args.quiet:
        sys.stderr.write(f"phdesk compare: {rule.statement()}\n")
    files = write_comparison(cmp, args.out)
    if not args.quiet:
        for cat, n in cmp.summary["core20_newly_within_reach"].items():
            lost = cmp.summary["core20_no_longer_within_reach"].get(cat, 0.0)
            sys.stderr.write(f"phdesk compare: {cat}: Core20 residents newly within reach "
                             f"{_count(n)}, no longer within reach {_count(lost)}\n")
    for f in files:
        print(f)
    return 0
