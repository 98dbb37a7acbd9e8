"""What the project's figures stand on: how many areas and residents have no IMD decile or no
population, Core20 and the IMD quintiles — one summary read by import reports (CLI and window),
mapping run summaries and outputs (docs/ARCHITECTURE.md, "Imports and vintages")."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from phdesk.core.vintage_population import bridge_population
from phdesk.core.vintages import (
    AreaDeprivation,
    bridge_deprivation,
    codeset,
    infer_vintage,
    other_vintage,
)

if TYPE_CHECKING:
    from phdesk.store.project import Project


def project_inputs(project: Project) -> tuple[pd.DataFrame, AreaDeprivation, list[str],
                                              list[str], dict]:
    """Population rows bridged onto the project's areas, IMD per area, the planner's dataset
    order, notes, and the per-dataset bridging counts (everything read once)."""
    from phdesk.store import vintages as sv
    from phdesk.store.queries import population_rows

    areas = sv.lsoa_areas(project)
    pairs = sv.lookup_pairs(project)
    vintage = infer_vintage(areas, pairs)
    geoms = sv.bridge_geometries(project, other_vintage(vintage)) if vintage else None
    pop = population_rows(project)
    pop, notes, bridged = bridge_population(pop, areas, vintage, pairs, geoms)
    dep = bridge_deprivation(areas, sv.deprivation_editions(project), pairs, geoms,
                             extra_codes=codeset(pop["area_code"]))
    return pop, dep, sv.population_order(project), dep.notes + notes, bridged


def counts(codes: pd.Index, table, dep: AreaDeprivation) -> dict:
    """Coverage of the project's LSOA areas ``codes`` by a segment table and bridged IMD."""
    from phdesk.core.segments import CORE20, QUINTILES

    out: dict = {"areas": len(codes)}
    if not len(codes):
        return out
    seg = table.population
    names = set(seg["segment"].astype(str))

    def per_area(name: str) -> np.ndarray:
        s = seg[(seg["segment"] == name).to_numpy()]
        return (pd.Series(s["population"].to_numpy(float), index=s["area_code"].astype(str))
                .reindex(codes).fillna(0.0).to_numpy())

    everyone = per_area("All") if "All" in names else np.zeros(len(codes))
    dec = pd.Series(dep.frame["decile"].to_numpy(dtype=float),
                    index=dep.frame["area_code"].astype(str))
    no_dec = ~np.isfinite(dec.reindex(codes).to_numpy(dtype=float))
    out.update({"residents": float(everyone.sum()),
                "areas_without_decile": int(no_dec.sum()),
                "residents_without_decile": float(everyone[no_dec].sum()),
                "areas_without_population": int((everyone <= 0).sum()),
                "imd_edition": dep.edition,
                "population_dataset": table.info.get("population_dataset")})
    for name in [CORE20, *QUINTILES]:
        if name in names:
            out[name] = float(per_area(name).sum())
    return out


def coverage(project: Project) -> dict:
    """Counts for the project as it stands: areas (LSOAs), areas and residents without an IMD
    decile, areas without population, residents, Core20 and IMD quintile residents, the IMD
    edition and population datasets used, and the notes explaining them."""
    from phdesk.core.segments import project_segments

    info = project_segments(project).info
    notes = [n for n in info.get("notes", []) if n != info.get("coverage_note")]
    inside = _enclosed_note(project)
    return {**info.get("coverage", {"areas": 0}),
            "notes": notes + ([info["population_note"]] if info.get("population_note") else [])
            + ([inside] if inside else [])}


def _enclosed_note(project: Project) -> str | None:
    """Areas with no neighbourhood inside the study area (``study_area.enclosed``), said after
    the import that left them so (a lookup on LSOA 2011 codes before the 2011 boundaries)."""
    from phdesk.core.study_area import enclosed, enclosed_note
    from phdesk.store.queries import areas_frame

    areas = areas_frame(project)
    return enclosed_note(areas["code"].to_numpy()[enclosed(areas["geometry"],
                                                            areas["neighbourhood"])])


def _areas(count: int) -> str:
    """``"1 area"``, ``"139 areas"``."""
    return f"{count:,} area{'' if count == 1 else 's'}"


def coverage_sentence(cov: dict) -> str:
    """One line for run notes: areas and residents without a decile or population, Core20."""
    ed = cov.get("imd_edition")
    core = f"; Core20 {cov['Core20']:,.0f} residents" if "Core20" in cov else ""
    return (f"{_areas(cov['areas'])}, {cov.get('residents', 0):,.0f} residents: "
            f"{_areas(cov.get('areas_without_decile', 0))} "
            f"({cov.get('residents_without_decile', 0):,.0f} residents) without an IMD decile"
            f"{f' (IoD {ed})' if ed else ''}, {_areas(cov.get('areas_without_population', 0))} "
            f"without population{core}")


def coverage_lines(cov: dict) -> list[str]:
    """The coverage summary as short lines for the terminal and the window."""
    if not cov.get("areas"):
        return ["project: no LSOA areas yet"]
    lines = [f"project: {_areas(cov['areas'])}, {cov.get('residents', 0):,.0f} residents"
             + (f" ({cov['population_dataset']})" if cov.get("population_dataset") else "")]
    ed = cov.get("imd_edition")
    lines.append(f"  no IMD decile{f' (IoD {ed})' if ed else ''}: "
                 f"{_areas(cov['areas_without_decile'])}, {cov['residents_without_decile']:,.0f} "
                 f"residents; no population: {_areas(cov['areas_without_population'])}")
    if "Core20" in cov:
        q = [f"Q{k} {cov[name]:,.0f}" for k, name in enumerate(_quintiles(), start=1)
             if name in cov]
        lines.append(f"  Core20 residents {cov['Core20']:,.0f}; IMD quintiles {', '.join(q)}")
    lines += [f"  note: {n}" for n in cov.get("notes", [])]
    return lines


def _quintiles() -> list[str]:
    from phdesk.core.segments import QUINTILES

    return QUINTILES


def attach_coverage(project: Project, report) -> None:
    """Put the project's coverage after an import into the report (``details["coverage"]`` and
    the lines ``details["coverage_text"]`` that the terminal and the window show)."""
    from phdesk.core.errors import UserError

    try:
        cov = coverage(project)
    except UserError as exc:       # a summary never turns a committed import into a failure
        report.details["coverage_text"] = [f"project summary not available: {exc}"]
        return
    except KeyboardInterrupt:      # Ctrl+C after the commit: the import is saved, say so
        report.details["coverage_text"] = ["project summary skipped (interrupted after the "
                                           "import was saved)"]
        return
    report.details["coverage"] = cov
    report.details["coverage_text"] = coverage_lines(cov)
