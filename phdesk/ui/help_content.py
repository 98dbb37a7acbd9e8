"""What F1 shows: the measures (from the catalogue), a glossary, worked examples, the keyboard.

No Qt here: sections are ``(anchor, title, html)`` so the help dialog, tests and docs read the
same text. Measure names, units and descriptions come from :mod:`phdesk.core.measures`; this
module adds only how each is computed (``FORMULAS``, keyed by the catalogue's keys; a test checks
every catalogue measure has one) and the glossary of terms that are not measures. Worked examples
are computed from a mapping result (the demo's, on first start) so their numbers are real.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from phdesk.core.measures import MEASURES, Measure

# How each measure is computed, in words a planner can follow (keys: the catalogue's).
FORMULAS: dict[str, str] = {
    "population": "sum of the segment's residents over the areas (LSOAs) of the neighbourhood",
    "imd_decile": "the national IMD rank of the area, cut into tenths of England's areas",
    "core20_pct": "residents in IMD deciles 1–2 ÷ all residents × 100",
    "assets_within": "number of sites whose catchment circle (radius in metres) contains the "
                     "area's point",
    "nearest_m": "straight-line distance (EPSG:27700 metres) from the area's point to the "
                 "nearest site of the category",
    "covered": "assets within reach ≥ 1",
    "assets_inside": "number of the category's sites located inside the neighbourhood",
    "assets_per_10k": "sites inside ÷ residents × 10,000",
    "coverage_pct": "residents of areas with a site within reach ÷ all residents × 100",
    "coverage_pct_r050": "as coverage, with every radius × 0.5",
    "coverage_pct_r150": "as coverage, with every radius × 1.5",
    "choice_pct": "residents of areas with 2 or more sites within reach ÷ all residents × 100",
    "duplicated_pct": "capacity reached above the study area's rate per resident, where 2 or "
                      "more sites overlap ÷ capacity reached × 100",
    "access_2sfca": "step 1: each site's ratio R = capacity ÷ people within its radius; step 2: "
                    "an area's access = sum of R over the sites within reach × 1,000",
    "access_e2sfca": "as 2SFCA with distance weights: 1.00 in the nearest third of the radius, "
                     "0.68 in the middle third, 0.22 in the outer third, in both steps",
    "access_ratio": "neighbourhood 2SFCA access ÷ study-area 2SFCA access × 100",
    "no_site_pct": "100 − residents within reach (%)",
    "shortfall": "(study-area rate per resident × residents) − capacity reached, when positive",
    "gap_score": "neighbourhood's share of the study area's residents (%) − its share of the "
                 "capacity they reach (%)",
    "gap_rank": "rank of the gap score, 1 = the biggest",
    "sii": "slope of a weighted regression of the measure on the deprivation rank (0 = most "
           "deprived, 1 = least), population-weighted across IMD deciles",
    "sii_lower": "2.5th percentile of 100,000 simulated SIIs",
    "sii_upper": "97.5th percentile of 100,000 simulated SIIs",
    "rii": "(intercept + SII) ÷ intercept: least deprived end ÷ most deprived end",
    "rii_lower": "from the lower limit of the simulated SIIs",
    "rii_upper": "from the upper limit of the simulated SIIs",
    "intercept": "the regression's value at rank 0 (the most deprived end)",
    "capacity": "from the register (places, list size), else 1 per site",
    "easting": "metres east on the British National Grid (EPSG:27700)",
    "northing": "metres north on the British National Grid (EPSG:27700)",
}

GLOSSARY: list[tuple[str, str]] = [
    ("Core20PLUS5", "NHS England's approach to reducing health inequalities: the <b>Core20</b> "
     "(people living in the most deprived 20% of areas in England, IMD deciles 1–2), "
     "<b>PLUS</b> groups a system chooses (e.g. ethnic minority communities, carers, people "
     "with a learning disability) and <b>5</b> clinical areas (maternity, severe mental illness, "
     "chronic respiratory disease, early cancer diagnosis, hypertension)."),
    ("LSOA", "Lower layer Super Output Area: a small census area of about 1,500 residents "
     "(400–1,200 households). Boundaries changed in 2021: 2011 and 2021 codes both start with "
     "E01, so a lookup is needed to combine files of different years."),
    ("Neighbourhood", "A group of LSOAs the project treats as one place (a PCN footprint, a "
     "ward, a locality), from a neighbourhood lookup or a neighbourhood boundary file."),
    ("Segment", "A group of residents: everyone (All), an age band, Core20, an IMD quintile, "
     "an ethnic group, or a population-health segment imported from an extract or census "
     "table."),
    ("Catchment radius", "The straight-line distance (metres) within which a site counts as "
     "within reach; set per category in Run mapping (F5)."),
    ("2SFCA", "Two-step floating catchment area access. Step 1 shares each site's capacity "
     "among everyone within its radius; step 2 adds up the shares an area can reach. The "
     "result is places per 1,000 residents and accounts for crowding: a site shared by many "
     "people counts for less."),
    ("E2SFCA (enhanced 2SFCA)", "2SFCA with distance weights, so nearer people and sites "
     "count more."),
    ("Distance weights 1.00 / 0.68 / 0.22", "The E2SFCA weights for the inner, middle and "
     "outer thirds of the catchment radius (a Gaussian decay, as in Luo &amp; Qi 2009): a site "
     "in the outer third counts 22% as much as one nearby."),
    ("Gap score", "The neighbourhood's share of the study area's residents (of the segment) "
     "minus its share of the capacity they reach, in percentage points. Above 0: more need "
     "than provision, relative to the rest of the study area; the scores sum to 0."),
    ("SII (slope index of inequality)", "The modelled absolute difference in a measure between "
     "the most and least deprived ends of the IMD deciles, in the measure's own units."),
    ("RII (relative index of inequality)", "The same gradient as a ratio: the least deprived "
     "end divided by the most deprived end (1 = no gradient)."),
    ("95% limits (lower, upper)", "The range the SII or RII would fall in 95 times out of 100 "
     "(by simulation). A range that includes 0 (SII) or 1 (RII) is no clear gradient."),
    ("IMD / IoD", "The English Indices of Deprivation (2019 or 2025); the Index of Multiple "
     "Deprivation ranks every LSOA in England; decile 1 = most deprived 10%."),
    ("Disclosure", "Small numbers of people can identify them. Exports suppress or round "
     "counts of people and rates built on them below the safe threshold; counts of sites, "
     "distances and public statistics are not suppressed."),
    ("Cold spot", "An area with people but no site of a category within reach."),
    ("ODS code", "The NHS Organisation Data Service code of a practice or pharmacy."),
    ("EPSG:27700", "The British National Grid: coordinates in metres used for all distances."),
]


@dataclass
class Example:
    """Where a worked example comes from: one neighbourhood, segment and category of a result."""

    neighbourhood: str
    segment: str
    category: str
    row: pd.Series
    study: pd.DataFrame   # all neighbourhoods, same segment and category


def pick_example(result) -> Example | None:
    """The neighbourhood with the biggest gap for everyone (All), in the most common category."""
    table = getattr(result, "neighbourhood_segments", None)
    if table is None or table.empty or "gap_score" not in table:
        return None
    rows = table[table["segment"].astype(str) == "All"]
    rows = rows if len(rows) else table
    category = rows["category"].astype(str).value_counts().index[0]
    rows = rows[rows["category"].astype(str) == category]
    real = rows[rows["neighbourhood"].astype(str) != "(no neighbourhood)"]
    rows = real if len(real) else rows
    best = rows.sort_values("gap_score", ascending=False, kind="stable").iloc[0]
    return Example(str(best["neighbourhood"]), str(best["segment"]), category, best, rows)


def _num(value, m: Measure | None = None, decimals: int = 1) -> str:
    if m is not None:
        return m.format(value)
    v = float(value)
    return f"{v:,.0f}" if v.is_integer() else f"{v:,.{decimals}f}"


def worked_example(key: str, ex: Example | None, result=None) -> str:
    """One worked example (HTML) of ``key`` with the example's real numbers, or ''."""
    if ex is None or key not in ex.row.index or pd.isna(ex.row[key]):
        return ""
    m, r = MEASURES[key], ex.row
    where = (f"In <b>{html.escape(ex.neighbourhood)}</b> ({html.escape(ex.segment)}, "
             f"{html.escape(ex.category)})")
    value = f"<b>{m.format(r[key])}</b> {html.escape(m.unit)}"
    pop = float(r.get("population", np.nan))
    if key == "assets_per_10k" and pop > 0:
        return (f"{where}: {int(r['assets_inside'])} sites inside ÷ {_num(pop)} residents × "
                f"10,000 = {value}.")
    if key == "no_site_pct" and "coverage_pct" in r:
        return f"{where}: 100 − {_num(r['coverage_pct'])}% within reach = {value}."
    if key == "gap_score":
        share = pop / ex.study["population"].astype(float).sum() * 100
        reached = share - float(r["gap_score"])
        return (f"{where}: {share:.1f}% of the study area's residents, {reached:.1f}% of the "
                f"capacity they reach: {share:.1f} − {reached:.1f} = {value}.")
    if key == "access_ratio" and "access_2sfca" in r:
        return (f"{where}: access {_num(r['access_2sfca'], decimals=2)} per 1,000 against the "
                f"study area's: {value}.")
    if key == "coverage_pct" and result is not None:
        areas = getattr(result, "area_access", None)
        if areas is not None and {"covered", "population"} <= set(areas.columns):
            sel = areas[(areas["neighbourhood"].astype(str) == ex.neighbourhood)
                        & (areas["segment"].astype(str) == ex.segment)
                        & (areas["category"].astype(str) == ex.category)]
            covered = float(sel.loc[sel["covered"].astype(bool), "population"].sum())
            total = float(sel["population"].sum())
            if total > 0:
                return (f"{where}: {_num(covered)} of {_num(total)} residents live in areas "
                        f"with a site within reach: {_num(covered)} ÷ {_num(total)} × 100 = "
                        f"{value}.")
    return f"{where}: {value}."


def measure_section(ex: Example | None, result=None) -> str:
    parts = ["<p>Every figure phdesk shows, with its unit, how it is computed and an example "
             "from the open project" + (f" ({html.escape(ex.neighbourhood)} has the biggest gap "
                                        f"for {html.escape(ex.category)})" if ex else
                                        " (run mapping, F5, to see one)") + ".</p>"]
    for key, m in MEASURES.items():
        example = worked_example(key, ex, result)
        parts.append(
            f"<h3><a name='measure-{key}'></a>{html.escape(m.label)}</h3>"
            f"<p>{html.escape(m.description)}</p><ul>"
            f"<li>Unit: {html.escape(m.unit)}; shown with {m.decimals} decimals; column "
            f"<code>{key}</code> in tables and CSV files</li>"
            f"<li>How: {html.escape(FORMULAS.get(key, 'see the description'))}</li>"
            + (f"<li>Example: {example}</li>" if example else "") + "</ul>")
    return "".join(parts)


def glossary_section() -> str:
    return "".join(f"<h3><a name='term-{_anchor(t)}'></a>{t}</h3><p>{d}</p>"
                   for t, d in GLOSSARY)


def keyboard_section(shortcuts: list[tuple[str, str]]) -> str:
    rows = "".join(f"<tr><td>{html.escape(c)}</td><td><b>{html.escape(k)}</b></td></tr>"
                   for c, k in shortcuts)
    return ("<p>Tab moves between the controls of the panels you can see; Ctrl+1 … Ctrl+6 go "
            "to a panel's main control. On the map, the arrow keys pan and + / − zoom. Ctrl+Z "
            "and Ctrl+Y undo and redo asset register edits from anywhere in the window.</p>"
            f"<table cellpadding='3'>{rows}</table>")


def _anchor(text: str) -> str:
    return "".join(ch.lower() if ch.isalnum() else "-" for ch in text).strip("-")


def sections(result=None, shortcuts: list[tuple[str, str]] | None = None
             ) -> list[tuple[str, str, str]]:
    """``(anchor, title, html)`` of every help section."""
    ex = pick_example(result) if result is not None else None
    out = [("start", "Getting started", START),
           ("measures", "Measures", measure_section(ex, result)),
           ("glossary", "Glossary", glossary_section())]
    # one section per term and per measure (the window prints the title above each)
    out += [(f"term-{_anchor(t)}", f"Glossary: {t}", f"<p>{d}</p>") for t, d in GLOSSARY]
    out += [(f"measure-{k}", f"Measure: {m.label}",
             f"<p>{html.escape(m.description)}</p>"
             f"<p>Unit: {html.escape(m.unit)}. How: {html.escape(FORMULAS.get(k, ''))}</p>"
             + (f"<p>Example: {e}</p>" if (e := worked_example(k, ex, result)) else ""))
            for k, m in MEASURES.items()]
    out.append(("keyboard", "Keyboard", keyboard_section(shortcuts or [])))
    return out


START = """<p>phdesk maps the services and places in your area (assets) against the people who
need them (population segments), neighbourhood by neighbourhood.</p><ol>
<li><b>Import</b> your files (Ctrl+I): boundaries and a postcode directory first, then
deprivation, population, census tables and your asset registers.</li>
<li><b>Run mapping</b> (F5): choose each category's catchment radius and who it serves.</li>
<li><b>Read the gaps</b>: the neighbourhood list names each one's biggest gap; the map and
charts show any measure; the tables hold every figure.</li></ol>
<p>Search this help with the box above; hover over a column header or a measure for its
meaning.</p>"""


def column_label(column: str) -> str:
    """The plain-English header of a table column: the catalogue's label for a measure."""
    m = MEASURES.get(str(column))
    return m.label if m is not None else str(column).replace("_", " ")


def column_tip(column: str) -> str:
    """What a column means (its catalogue description and unit), for header tooltips."""
    m = MEASURES.get(str(column))
    if m is not None:
        return f"{m.label}: {m.description} Unit: {m.unit}. (Column {column}; F1 for more.)"
    from phdesk.core.mapping_output import IDENTIFIERS

    what = IDENTIFIERS.get(str(column))
    return f"{column}: {what}" if what else str(column)
