"""What every output holds, gathered once: the protected tables, the rule, the sources.

:func:`build_bundle` takes a mapping result (and optionally a scenario and its baseline), applies
the project's disclosure rule once for all of them, and collects the project's sources, notes and
ideas and the geometries the report and the GeoJSON need. Every writer reads only the bundle, so
a workbook, a report and a GeoJSON of one run show the same protected figures.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from phdesk import __version__
from phdesk.core.compare import ALL_NEIGHBOURHOODS
from phdesk.core.disclosure import DisclosureRule, segment_classes
from phdesk.core.errors import UserError
from phdesk.core.gap_ranking import biggest_gaps, scarce_categories
from phdesk.core.mapping_stages import NO_NEIGHBOURHOOD
from phdesk.core.study_area import study_mask

if TYPE_CHECKING:
    from phdesk.core.mapping import MappingResult
    from phdesk.services.project_service import ProjectService

QUINTILES_TOTAL = "All"
REPORT_GAPS = 5   # biggest gaps charted on a neighbourhood's page


@dataclass
class ExportBundle:
    """Everything an output shows; every figure already protected."""

    title: str
    project_file: str
    run_date: str                          # YYYY-MM-DD of the run (outputs carry no clock time)
    rule: DisclosureRule
    classes: dict[str, str]                # segment -> patient | public
    tables: dict[str, pd.DataFrame]        # the five mapping tables, protected
    parameters: dict
    summary: dict
    provenance: pd.DataFrame
    areas: pd.DataFrame                    # code, name, neighbourhood, imd_decile, geometry
    neighbourhoods: list[str]              # the neighbourhoods reported (all unless asked)
    notes: pd.DataFrame
    ideas: pd.DataFrame
    scenario: str | None = None
    against: str | None = None
    comparison: pd.DataFrame | None = None
    version: str = __version__
    extra: dict = field(default_factory=dict)

    @property
    def statement(self) -> str:
        return self.rule.statement()

    def sources(self) -> list[tuple[str, str]]:
        """(what, where from) lines: datasets and editions used by the run."""
        s = self.summary
        out = [("Population", f"{s.get('population_dataset') or 'none'}"
                              f" ({s.get('population_source') or 'no population'})")]
        if s.get("imd_edition"):
            out.append(("Deprivation", f"English Indices of Deprivation {s['imd_edition']}"))
        for _, r in self.provenance.iterrows():
            out.append((str(r.get("kind")), f"{r.get('file_name')} (imported "
                                            f"{str(r.get('imported_at'))[:10]})"))
        return out


def classes_of(result: MappingResult, service: ProjectService | None) -> dict[str, str]:
    """Segment classes from the run's summary (written by the segment table), else the project."""
    s = result.summary or {}
    kinds = s.get("segment_kinds")
    users = s.get("user_segments_from_extracts", [])
    source = s.get("population_source")
    if kinds is None and service is not None:
        from phdesk.core.segments import project_segments

        table = project_segments(service.project)
        kinds, source = table.kinds, table.info.get("population_source")
        users = table.info.get("user_segments_from_extracts", [])
    if kinds is None:   # no record of where segments came from: protect every segment
        segs = set(result.area_access["segment"].astype(str))
        return dict.fromkeys(sorted(segs), "patient")
    return segment_classes(kinds, source, users)


def sum_candidates(service: ProjectService | None) -> dict[str, list[str]]:
    """Segments that may be sums of others (checked against the data before use)."""
    from phdesk.core.segments import CORE20, QUINTILES, list_user_segments

    out = {QUINTILES_TOTAL: list(QUINTILES), CORE20: [QUINTILES[0]]}
    if service is not None:
        for name, d in list_user_segments(service.project).items():
            if d.get("segments") and set(d) == {"segments"}:
                out[name] = list(d["segments"])
    return out


def build_bundle(service: ProjectService, result: MappingResult, *,
                 base: MappingResult | None = None, scenario: str | None = None,
                 against: str | None = None, neighbourhoods: list[str] | None = None
                 ) -> ExportBundle:
    """Protect ``result`` (and its comparison with ``base`` when given) and gather the rest."""
    from phdesk.core.disclosure_compare import compare_runs
    from phdesk.core.disclosure_tables import protect_result
    from phdesk.store.outputs import disclosure_rule

    rule = disclosure_rule(service.project)
    classes = classes_of(result, service)
    candidates = sum_candidates(service)
    comparison, reach = None, None
    if base is not None:
        reach, protected = protected_reach(service, base, result, classes, rule, candidates,
                                           against or "baseline", scenario or "scenario")
        tables, comparison = compare_runs(base, result, classes, rule, candidates, protected)
    else:
        tables = protect_result(result, classes, rule, candidates=candidates)
    all_nbs = sorted(set(result.neighbourhood_segments["neighbourhood"].astype(str)))
    chosen = _choose(neighbourhoods, all_nbs)
    if neighbourhoods:
        tables = {k: _only(v, chosen) for k, v in tables.items()}
        comparison = _only(comparison, chosen) if comparison is not None else None
        reach = _only(reach, [*chosen, ALL_NEIGHBOURHOODS]) if reach is not None else None
    areas = service.areas()[["code", "name", "neighbourhood", "geometry"]].copy()
    # the engine's name for the areas of a project with no neighbourhoods; context areas around
    # a study area keep none (never reported)
    nb = areas["neighbourhood"]
    whole = study_mask(nb) & nb.isna().to_numpy(bool)
    areas["neighbourhood"] = nb.astype(object).where(~whole, NO_NEIGHBOURHOOD)
    areas["imd_decile"] = service.imd_deciles().reindex(areas["code"].astype(str)).to_numpy()
    notes, ideas = planning_frames(service)
    return ExportBundle(
        title=service.title(), project_file=service.path.name,
        run_date=_run_date(result, base), rule=rule, classes=classes,
        tables=tables, parameters=dataclasses.asdict(result.params),
        summary=dict(result.summary or {}), provenance=service.provenance(), areas=areas,
        neighbourhoods=chosen, notes=notes, ideas=ideas, scenario=scenario, against=against,
        comparison=comparison,
        # the area profile: what a PNG map shaded by population or Core20 share reads
        extra={"profile": service.area_profile(),
               **({"reach": reach} if reach is not None else {})})


def protected_reach(service, base, result, classes, rule, candidates, base_name, name):
    """The residents newly / no longer within reach (every segment, every category) with the
    rule applied, and the protected cells the comparison table must share (one protection for
    both: docs/ARCHITECTURE.md, "Outputs and disclosure control")."""
    from phdesk.core.compare import compare
    from phdesk.core.disclosure_scenario import protect_comparison
    from phdesk.core.mapping import load_inputs

    segments = load_inputs(service.project).segments
    cmp = compare(base, result, base_name, name, segments=segments)
    cmp, protected = protect_comparison(cmp, base, result, classes, rule, candidates, segments)
    return cmp.reach, protected


def _run_date(result: MappingResult, base: MappingResult | None) -> str:
    """YYYY-MM-DD of the run (a scenario run is not recorded: the day it was computed)."""
    import datetime as dt

    for r in (result, base):
        if r is not None and r.finished_at:
            return r.finished_at[:10]
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")


def _choose(asked: list[str] | None, names: list[str]) -> list[str]:
    if not asked:
        return names
    fold = {n.casefold(): n for n in names}
    unknown = [a for a in asked if a.casefold() not in fold]
    if unknown:
        raise UserError(f"no neighbourhood {', '.join(map(repr, unknown))}; neighbourhoods "
                        f"are: {', '.join(names)}")
    return list(dict.fromkeys(fold[a.casefold()] for a in asked))


def _only(frame: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    if "neighbourhood" not in frame:
        return frame
    return frame[frame["neighbourhood"].astype(str).isin(names).to_numpy()].reset_index(
        drop=True)


NOTE_COLUMNS = ["created_at", "source_kind", "author", "neighbourhood", "area_code",
                "scenario", "tags", "text"]
IDEA_COLUMNS = ["title", "description", "neighbourhood", "scenario", "decision",
                "decision_reason", "decided_at"]


def planning_frames(service: ProjectService) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Insight notes and change ideas with their decisions (``phdesk.store.planning``)."""
    from phdesk.store import planning

    notes = planning.notes(service.project)
    notes = notes.reindex(columns=NOTE_COLUMNS)
    notes["created_at"] = notes["created_at"].astype(str).str[:10]
    ideas = planning.ideas(service.project).reindex(columns=IDEA_COLUMNS)
    return notes.reset_index(drop=True), ideas.reset_index(drop=True)


def key_figures(bundle: ExportBundle, neighbourhood: str) -> dict:
    """Population, Core20 share, biggest gaps and access by segment for one neighbourhood."""
    ns = bundle.tables["neighbourhood_segments"]
    mine = ns[ns["neighbourhood"].astype(str) == neighbourhood]
    pop = mine.loc[mine["segment"].astype(str) == "All", "population"]
    core = mine.loc[mine["segment"].astype(str) == "Core20", "population"]
    population = pop.iloc[0] if len(pop) else np.nan
    core20_pct = np.nan
    if len(core) and len(pop):
        try:
            core20_pct = 100 * float(core.iloc[0]) / float(population) if float(population) \
                else np.nan
        except (TypeError, ValueError):
            core20_pct = "*"
    gaps = biggest_gaps(mine, REPORT_GAPS,
                        scarce_categories(bundle.tables.get("category_rules")))
    return {"population": population, "core20_pct": core20_pct,
            "gaps": gaps[["segment", "category", "gap_score"]],
            "access": mine[["segment", "category", "population", "coverage_pct",
                            "access_2sfca"]]}
