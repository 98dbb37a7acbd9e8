"""Data for the map and chart previews (``python -m phdesk.ui.map_panel`` and friends).

Why it exists: every screen can be run alone. This writes the demo project to a temporary file,
reads it through the service layer and runs the mapping engine when it is available; until then
(or if it fails) it fabricates a MappingResult-shaped stand-in from the same data, following the
contract columns, so the screens can be looked at. Not used by the app itself.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd


@dataclass
class PreviewParams:
    default_radius_m: float = 1000.0
    radius_m: dict[str, float] = field(default_factory=dict)
    radius_override: bool = False


def demo_inputs(folder: str | Path | None = None) -> dict:
    """areas, assets, profile, segment_population and result (a MappingResult or stand-in)."""
    from phdesk.core.demo import write_demo
    from phdesk.services.project_service import ProjectService

    folder = Path(folder or tempfile.mkdtemp(prefix="phdesk_preview_"))
    path = folder / "demo.phdesk"
    if not path.exists():
        write_demo(path)
    svc = ProjectService.open(path)
    out = {"areas": svc.areas(), "assets": svc.assets(), "profile": svc.area_profile(),
           "segment_population": svc.segment_population()}
    try:
        from phdesk.core.mapping import MappingParams
        out["result"] = svc.run_mapping(MappingParams())
    except Exception:  # noqa: BLE001 - the engine may not exist yet; a preview must still run
        out["result"] = fake_result(out["areas"], out["assets"], out["profile"],
                                    out["segment_population"])
    svc.close()
    return out


def fake_result(areas: pd.DataFrame, assets: pd.DataFrame, profile: pd.DataFrame,
                segment_population: pd.DataFrame, radius_m: float = 1000.0,
                max_segments: int = 5) -> SimpleNamespace:
    """A MappingResult-shaped object with plausible numbers (contract columns, simple maths)."""
    a = areas.reset_index(drop=True)
    ae, an = a["centroid_e"].to_numpy(float), a["centroid_n"].to_numpy(float)
    s = assets.dropna(subset=["easting", "northing"]).reset_index(drop=True)
    cats = sorted(s["category"].dropna().unique().tolist())
    have = segment_population["segment"].drop_duplicates().tolist()
    liked = ["All", "Core20", "Age 65+", "Long-term condition", "Frailty", "Age 0-15"]
    segs = ([x for x in liked if x in have] or have)[:max_segments]
    sp = segment_population[segment_population["segment"].isin(segs)]
    nb_of = dict(zip(a["code"], a["neighbourhood"], strict=True))
    rows = []
    for cat in cats:
        c = s[s["category"] == cat]
        d = np.hypot(ae[:, None] - c["easting"].to_numpy()[None, :],
                     an[:, None] - c["northing"].to_numpy()[None, :])
        within = (d <= radius_m).sum(axis=1)
        nearest = d.min(axis=1) if d.shape[1] else np.full(len(a), np.nan)
        rows.append(pd.DataFrame({"area_code": a["code"], "category": cat,
                                  "assets_within": within, "nearest_m": nearest}))
    acc = pd.concat(rows, ignore_index=True).merge(sp, on="area_code")
    acc["neighbourhood"] = acc["area_code"].map(nb_of)
    acc["covered"] = acc["assets_within"] > 0
    local = acc.groupby(["category", "segment"])["population"].transform("mean")
    acc["access_2sfca"] = 1000 * acc["assets_within"] / (local * 8).clip(lower=1)
    acc["access_e2sfca"] = acc["access_2sfca"] * 0.8
    acc = acc[["area_code", "neighbourhood", "segment", "category", "population",
               "assets_within", "nearest_m", "covered", "access_2sfca", "access_e2sfca"]]
    acc["pop_cov"] = acc["population"] * acc["covered"]
    acc["pop_acc"] = acc["population"] * acc["access_2sfca"]
    acc["pop_over"] = acc["population"] * (acc["assets_within"] >= 2)
    g = acc.groupby(["neighbourhood", "segment", "category"], as_index=False)[
        ["population", "pop_cov", "pop_acc", "pop_over"]].sum()
    inside = s.assign(neighbourhood=s.get("neighbourhood")) if "neighbourhood" in s else None
    if inside is None:
        near = np.argmin(np.hypot(ae[:, None] - s["easting"].to_numpy()[None, :],
                                  an[:, None] - s["northing"].to_numpy()[None, :]), axis=0)
        inside = s.assign(neighbourhood=a["neighbourhood"].to_numpy()[near])
    counts = inside.groupby(["neighbourhood", "category"]).size().rename("assets_inside")
    g = g.join(counts, on=["neighbourhood", "category"]).fillna({"assets_inside": 0})
    pop = g["population"].clip(lower=1)
    g["assets_per_10k"] = 1e4 * g["assets_inside"] / pop
    p = g["pop_cov"] / pop
    g["coverage_pct"] = 100 * p
    g["coverage_pct_r050"] = 100 * p * 0.6        # preview only: the radius sensitivity's shape
    g["coverage_pct_r150"] = (100 * p * 1.3).clip(upper=100)
    g["no_site_pct"] = 100 - g["coverage_pct"]
    g["access_2sfca"] = g["pop_acc"] / pop
    g["access_e2sfca"] = g["access_2sfca"] * 0.8
    mean_acc = g.groupby(["segment", "category"])["access_2sfca"].transform("mean")
    g["access_ratio"] = 100 * g["access_2sfca"] / mean_acc.where(mean_acc > 0)
    g["choice_pct"] = 100 * g["pop_over"] / pop
    share = g["population"] / g.groupby(["segment", "category"])["population"].transform("sum")
    z = g.groupby(["segment", "category"])
    need_z = (share - z["population"].transform(lambda v: (v / v.sum()).mean())) / share.std()
    acc_z = (g["access_2sfca"] - z["access_2sfca"].transform("mean")) / g["access_2sfca"].std()
    g["gap_score"] = (need_z - acc_z).fillna(0.0)
    g["gap_rank"] = g.groupby(["segment", "category"])["gap_score"].rank(ascending=False)
    ns = g.drop(columns=["pop_cov", "pop_acc", "pop_over"])
    dec = profile.set_index("area_code")["imd_decile"]
    ineq = []
    for (cat, seg), part in acc.groupby(["category", "segment"]):
        x = (part["area_code"].map(dec).to_numpy(float) - 0.5) / 10
        ok = np.isfinite(x)
        if ok.sum() < 3:
            continue
        slope, icpt = np.polyfit(x[ok], part["access_2sfca"].to_numpy(float)[ok], 1)
        se = abs(slope) * 0.3 + 0.05
        ineq.append((cat, seg, "access_2sfca", slope, slope - 1.96 * se, slope + 1.96 * se,
                     np.nan, np.nan, np.nan, icpt))
    inequality = pd.DataFrame(ineq, columns=["category", "segment", "measure", "sii", "sii_lower",
                                             "sii_upper", "rii", "rii_lower", "rii_upper",
                                             "intercept"])
    res_assets = pd.DataFrame({"asset_id": s["id"], "source_id": s.get("source_id"),
                               "name": s["name"], "category": s["category"],
                               "area_code": None, "neighbourhood": inside["neighbourhood"],
                               "easting": s["easting"], "northing": s["northing"]})
    cold = pd.DataFrame(columns=["area_code", "neighbourhood", "category", "population",
                                 "nearest_m", "imd_decile"])
    return SimpleNamespace(params=PreviewParams(default_radius_m=radius_m),
                           neighbourhood_segments=ns.reset_index(drop=True),
                           area_access=acc.drop(columns=["pop_cov", "pop_acc", "pop_over"]),
                           assets=res_assets, cold_spots=cold, inequality=inequality,
                           run_id=None, finished_at="preview")


def preview_map() -> int:
    """``python -m phdesk.ui.map_panel [--shot FILE] ...``: the map panel on the demo project."""
    import argparse
    import sys

    from PySide6 import QtCore, QtWidgets

    from phdesk.ui.map_panel import LEVELS, MapPanel

    ap = argparse.ArgumentParser(description="The map panel on the demo project.")
    ap.add_argument("--shot", help="save a PNG of the panel and exit")
    ap.add_argument("--measure", default="gap_score")
    ap.add_argument("--level", default="neighbourhoods", choices=list(LEVELS.values()))
    ap.add_argument("--category", default="GP practice")
    ap.add_argument("--segment", default="Age 65+")
    ap.add_argument("--only", action="store_true", help="show only the chosen category's assets")
    ap.add_argument("--catchments", action="store_true")
    ap.add_argument("--select", help="neighbourhood to outline")
    args = ap.parse_args()
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv)
    d = demo_inputs()
    panel = MapPanel()
    panel.resize(1400, 860)
    panel.set_base(d["areas"], d["assets"])
    panel.set_profile(d["profile"])
    panel.set_result(d["result"])
    panel.set_measure(args.measure, args.level)
    panel.category_combo.setCurrentText(args.category)
    panel.segment_combo.setCurrentText(args.segment)
    if args.only:
        for cat in panel.categories():
            panel.set_layer_visible(cat, cat == args.category)
    panel.catchment_check.setChecked(args.catchments)
    if args.select:
        panel.select_neighbourhood(args.select)
    panel.show()
    if args.shot:
        QtCore.QTimer.singleShot(400, app.quit)
        app.exec()
        panel.grab().save(args.shot)
        return 0
    return app.exec()
