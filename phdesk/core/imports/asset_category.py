"""An asset file's categories: from a column, typed for every row, or the file's name, with
spelling variants merged and then mapped onto the project's existing categories.

Part of the asset-register importer (:mod:`phdesk.core.imports.assets`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from phdesk.core.imports import asset_rules, category_names
from phdesk.core.imports.report import MISSING_VALUE, ImportReport
from phdesk.store.import_queries import area_names, asset_categories


def categories(path: Path, df: pd.DataFrame, mapping: dict, category_value: str | None,
               rows: np.ndarray, ctx, report: ImportReport) -> tuple[np.ndarray, pd.Series]:
    """(rows with a category, each row's category mapped onto the project's categories)."""
    existing = asset_categories(ctx.project) if ctx.project is not None else []
    kind = _file_kind(path, ctx, existing)
    category = _category(df, mapping, category_value, kind, rows, report)
    has_category = category.notna().to_numpy()
    named = "category" in mapping and not category_value
    return has_category, _map_categories(category, ctx, report, existing,
                                         kind if named else None)


def _file_kind(path: Path, ctx, existing: list[str]) -> str:
    """The kind of site the file's name names (``category_names.file_category``); a project
    that already holds the old-style whole-name category ("Trafford Food Banks") keeps it, so
    a re-import does not split its sites and settings in two."""
    old = path.stem.replace("_", " ").replace("-", " ").strip().title()
    if old in existing:
        return old
    names = area_names(ctx.project) if ctx.project is not None else []
    places = category_names.place_words(names)
    return category_names.file_category(path.stem, places)


def _category(df: pd.DataFrame, mapping: dict, value: str | None, kind: str, rows: np.ndarray,
              report: ImportReport) -> pd.Series:
    """Category per row; spelling variants of one category ('Static library'/'Static Library')
    are merged into the most common spelling. No category column: ``kind``, the file's name's."""
    if value:
        return pd.Series(value, index=df.index, dtype="string")
    if "category" not in mapping:
        report.warn(f"no category column: every asset gets the category '{kind}' "
                    f"(type one for every row, or choose the category column)")
        return pd.Series(kind, index=df.index, dtype="string")
    col = mapping["category"]
    cat = df[col].astype("string").str.strip().str.replace(r"\s+", " ", regex=True)
    empty = cat.fillna("").eq("").to_numpy()
    report.reject(rows[empty], col, MISSING_VALUE)
    cat = cat.mask(empty)
    key = cat.str.lower()
    counts = pd.DataFrame({"key": key, "cat": cat}).dropna().value_counts()
    best = counts.reset_index().drop_duplicates("key").set_index("key")["cat"]
    merged = key.map(best).astype("string")
    if (merged.fillna("") != cat.fillna("")).any():
        report.warn(f"category spellings differing only in case were merged ({col})")
    return merged


def _map_categories(category: pd.Series, ctx, report: ImportReport, existing: list[str],
                    kind: str | None) -> pd.Series:
    """The file's categories mapped onto the project's existing ones (the user's map, or the
    suggested one when the user gave none). ``kind``: the file name's kind of site, when the
    categories came from a column: values that all name it ("… run library" in a libraries
    file) and map to nothing are named in a hint (``category_names.all_name``)."""
    found = sorted(category.dropna().unique().tolist())
    chosen = ctx.options.get("category_map")
    mapping = (dict(chosen) if chosen is not None
               else asset_rules.suggest_category_map(found, existing))
    one_kind = bool(kind) and category_names.all_name(found, kind)
    if one_kind:
        report.details["one_kind"] = kind   # the wizard offers it in its category map
    if one_kind and not mapping:
        report.warn(f"the {len(found)} categories all name a {kind.lower()} "
                    f"({'; '.join(found[:4])}{'; …' if len(found) > 4 else ''}): to map them "
                    f"as one, map each to '{kind}' (category map), or use Rename or merge "
                    f"category… in the asset register")
    mapping = {k: v for k, v in mapping.items() if k in found and str(v).strip() and k != v}
    report.details.update({"file_categories": found, "existing_categories": sorted(existing),
                           "category_map": mapping})
    if mapping:
        report.warn("categories mapped: " + "; ".join(
            f"{k} → {v}" for k, v in list(mapping.items())[:6]))
    return asset_rules.apply_category_map(category, mapping)
