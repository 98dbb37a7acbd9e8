"""The two baselines bench_england compares phdesk's mapping with, and the agreement checks.

(a) ``pysal``: the fastest reasonable use of geopandas + PySAL ``access`` computing the same
tables. One catchment pair table for all assets (one ``sjoin(predicate="dwithin")``, distances
vectorised), split by category once and reused for every segment; ``access.fca.two_stage_fca``
(the function the ``Access`` class wraps, without building an object per block) for 2SFCA and
E2SFCA; the E2SFCA step weight of each pair computed once with numpy and handed to PySAL through
``weight_fn`` as a numpy ufunc (pandas then applies it in one vectorised call, not per row);
nearest assets by ``sjoin_nearest`` per category; neighbourhood aggregation with pandas groupby;
SII by ``phdesk.stats.sii`` on pandas decile aggregates with the same models (no peer package
has the PHE method, so both sides pay the same for it). The access definitions are phdesk's
(docs/mapping.md): a category's 2SFCA is computed once per demand group (everyone for a
universal category; each target segment for a targeted one) and a segment's figure is that
access over its residents.

(b) ``kernel``: the physical floor, a bare STRtree + numpy 2SFCA kernel: one STRtree over the
asset points queried once with the area points (``dwithin``), distances and step weights in
numpy, then for every category x demand group 2SFCA and E2SFCA by two ``bincount`` each. No
nearest distances, neighbourhood figures, inequality or tables.

(c) ``measures``: a second floor, beside (b) (which stays as issue 9 defines it): a bare STRtree
+ numpy kernel of the per-area and neighbourhood measures phdesk computes, written as an expert
would. One STRtree over the asset points queried once with the area points (``dwithin`` 1.5 x
the radius), distances in numpy; per category sites within reach at 0.5, 1 and 1.5 x the radius
(``bincount``), 2SFCA and E2SFCA per demand group, nearest distance (minimum over the pairs,
then STRtree ``query_nearest`` for the areas with none); per category and segment the
neighbourhood sums of residents, residents within reach (0.5, 1, 1.5 x), with a choice of two
and residents x 2SFCA / E2SFCA access (``np.add.reduceat`` over areas sorted by neighbourhood).
No asset placement, edge test, shortfall, gap ranks, inequality or tables.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import shapely

from phdesk.core.mapping import MappingInputs


def _steps(d: np.ndarray, radius: float) -> np.ndarray:
    """The E2SFCA step weights PySAL's ``weights.step_fn({r/3: 1, 2r/3: 0.68, r: 0.22})`` gives."""
    return np.select([d <= radius / 3, d <= 2 * radius / 3, d <= radius], [1.0, 0.68, 0.22], 0.0)


def _neighbourhood(t: pd.DataFrame, inside: pd.Series) -> pd.DataFrame:
    p = t["population"]
    g = t.assign(cov=p * t.covered, multi=p * (t.assets_within >= 2),
                 pa2=p * t.access_2sfca, pa3=p * t.access_e2sfca).groupby(
        "neighbourhood")[["population", "cov", "multi", "pa2", "pa3"]].sum()
    g["coverage_pct"] = 100 * g["cov"] / g["population"]
    g["choice_pct"] = 100 * g["multi"] / g["population"]
    g["assets_inside"] = inside.reindex(g.index, fill_value=0)
    g["assets_per_10k"] = g["assets_inside"] / g["population"] * 10_000
    g["access_2sfca"] = g["pa2"] / g["population"]
    g["access_e2sfca"] = g["pa3"] / g["population"]
    prov = g["pa2"] / g["pa2"].sum() if g["pa2"].sum() > 0 else 0.0
    g["gap_score"] = (100 * (g["population"] / g["population"].sum() - prov)).where(
        g["population"] > 0)
    g["gap_rank"] = g["gap_score"].rank(ascending=False, method="min")
    return g


def _demand_of(rules: dict, cat: str, s: str) -> str:
    """The demand group whose access a segment's figure comes from."""
    demand = rules[cat]["demand"]
    return s if s in demand else demand[0]


def _sii_rows(decile: np.ndarray, t: pd.DataFrame, reps: int) -> list[dict]:
    """SII of coverage (logit) and 2SFCA access (log, else linear) over IMD deciles, from pandas
    decile aggregates: the same models as phdesk.core.mapping_inequality."""
    from phdesk.stats import sii

    g = t.assign(d=decile, w=t.population, c=t.covered.astype(float), a=t.access_2sfca)
    g = g[g.w > 0]
    g = g.assign(wc=g.w * g.c, wcc=g.w * g.c ** 2, wa=g.w * g.a, waa=g.w * g.a ** 2,
                 w2=g.w ** 2).groupby("d")[["w", "wc", "wcc", "wa", "waa", "w2"]].sum()
    rows = []
    if len(g) < 5:
        return rows
    n_eff = g.w ** 2 / g.w2
    for measure, m1, m2 in (("coverage", "wc", "wcc"), ("access_2sfca", "wa", "waa")):
        mean = g[m1] / g.w
        se = np.sqrt(np.maximum(g[m2] / g.w - mean ** 2, 0) / n_eff)
        if measure == "coverage":
            c = 0.5 / g.w.mean()
            prop = np.clip(mean, c, 1 - c)
            res = sii(prop, g.w, se=se / (prop * (1 - prop)), value_type=2, transform=True,
                      multiplier=100, repetitions=reps, seed=20031, strict=False)
        elif (mean > 0).all():
            res = sii(mean, g.w, se=se / mean, value_type=1, transform=True, repetitions=reps,
                      seed=20031, strict=False)
        else:
            res = sii(mean, g.w, se=se, repetitions=reps, seed=20031, strict=False)
        rows.append({"measure": measure, "sii": res.sii})
    return rows


def pysal(inputs: MappingInputs, rules: dict, radius: float, sii_reps: int) -> dict:
    """Baseline (a): the same tables with geopandas + PySAL access + pandas. ``rules``: the
    run's ``summary["categories"]`` (demand groups per category); every segment is reported."""
    import access.fca
    import geopandas as gpd

    areas = gpd.GeoDataFrame(inputs.areas[["code", "neighbourhood"]],
                             geometry=inputs.areas["geometry"], crs=27700)
    a = inputs.assets
    assets = gpd.GeoDataFrame(a[["id", "category", "capacity"]],
                              geometry=gpd.points_from_xy(a.easting, a.northing), crs=27700)
    placed = gpd.sjoin(assets, areas, predicate="within").drop_duplicates("id")
    pts = gpd.GeoDataFrame({"code": areas["code"], "neighbourhood": areas["neighbourhood"],
                            "decile": inputs.areas["imd_decile"]},
                           geometry=gpd.points_from_xy(inputs.areas.pw_centroid_e,
                                                       inputs.areas.pw_centroid_n), crs=27700)
    codes = pts["code"].to_numpy()
    seg = inputs.segments.pivot(index="area_code", columns="segment",
                                values="population").reindex(codes)
    # one pair table for every category and segment
    pairs = gpd.sjoin(pts, assets, predicate="dwithin", distance=radius)
    by_id = assets.set_index("id").geometry
    pairs["metres"] = pairs.geometry.distance(
        gpd.GeoSeries(by_id.loc[pairs["id"]].to_numpy(), index=pairs.index))
    cost_all = pd.DataFrame({"origin": pairs["code"].to_numpy(), "dest": pairs["id"].to_numpy(),
                             "category": pairs["category"].to_numpy(),
                             "metres": pairs["metres"].to_numpy()})
    cost_all["w"] = _steps(cost_all["metres"].to_numpy(), radius)
    area_rows, nb_rows, cold, ineq = [], [], [], []
    for cat, cost in cost_all.groupby("category"):
        cat_assets = assets[assets["category"] == cat]
        sup = cat_assets.set_index("id")[["capacity"]]
        near = gpd.sjoin_nearest(pts, cat_assets[["geometry"]], distance_col="d")
        near = near.groupby("code")["d"].min().reindex(codes).to_numpy()
        within = cost.groupby("origin").size().reindex(codes, fill_value=0).to_numpy()
        inside = placed[placed.category == cat].groupby("neighbourhood").size()
        kernels = {}
        for d in rules[cat]["demand"]:
            demand = pd.DataFrame({"pop": seg[d].to_numpy()}, index=codes)
            # PySAL gives S / 0 = inf for an asset whose catchment holds nobody of the segment;
            # phdesk counts such an asset as offering nothing: leave those assets out here
            reached = cost.assign(p=seg[d].reindex(cost["origin"]).to_numpy()).groupby(
                "dest")["p"].sum()
            live = cost[cost["dest"].isin(reached.index[reached > 0])]
            kw = dict(demand_index=True, demand_name="pop", supply_name="capacity",
                      cost_origin="origin", cost_dest="dest")
            a2 = access.fca.two_stage_fca(demand, sup.loc[live["dest"].unique()], live,
                                          cost_name="metres", **kw) * 1000
            a3 = access.fca.two_stage_fca(demand, sup.loc[live["dest"].unique()], live,
                                          cost_name="w", weight_fn=np.positive, **kw) * 1000
            kernels[d] = (a2.reindex(codes).fillna(0).to_numpy(),
                          a3.reindex(codes).fillna(0).to_numpy())
        for s in seg.columns:
            a2, a3 = kernels[_demand_of(rules, cat, s)]
            t = pd.DataFrame({"area_code": codes, "neighbourhood": pts["neighbourhood"].to_numpy(),
                              "segment": s, "category": cat, "population": seg[s].to_numpy(),
                              "assets_within": within, "nearest_m": near})
            t["covered"] = t["assets_within"] > 0
            t["access_2sfca"], t["access_e2sfca"] = a2, a3
            area_rows.append(t)
            nb_rows.append(_neighbourhood(t, inside).assign(segment=s, category=cat)
                           .reset_index())
            if s == "All":
                cold.append(t.loc[~t.covered, ["area_code", "category", "population"]])
            for row in _sii_rows(pts["decile"].to_numpy(dtype=float), t, sii_reps):
                ineq.append({"category": cat, "segment": s, **row})
    return {"area": area_rows, "nb": nb_rows, "cold": cold, "ineq": pd.DataFrame(ineq)}


def kernel(inputs: MappingInputs, rules: dict, radius: float, threads: int = 1) -> dict:
    """Baseline (b): {(category, demand group): (2SFCA, E2SFCA) per area x 1,000}, bare numpy.
    ``threads`` > 1: the same, the tree query in parts of the area points and the categories'
    blocks on that many threads (issue 9 defines (b) on one; this gives it the threads
    phdesk's default run has, for a fair comparison)."""
    ar, a = inputs.areas, inputs.assets
    ax, ay = ar["pw_centroid_e"].to_numpy(float), ar["pw_centroid_n"].to_numpy(float)
    bx, by = a["easting"].to_numpy(float), a["northing"].to_numpy(float)
    cap = a["capacity"].to_numpy(float)
    n, m = len(ax), len(bx)
    seg = inputs.segments
    s_codes, s_names = pd.factorize(seg["segment"])
    a_idx = pd.Index(ar["code"]).get_indexer(seg["area_code"])
    pop = np.bincount(a_idx * len(s_names) + s_codes, weights=seg["population"].to_numpy(float),
                      minlength=n * len(s_names)).reshape(n, len(s_names))
    tree = shapely.STRtree(shapely.points(bx, by))
    pts = shapely.points(ax, ay)
    pool = ThreadPoolExecutor(threads) if threads > 1 else None
    run = pool.map if pool else map
    cuts = np.linspace(0, n, threads + 1).astype(int)

    def query(k: int) -> np.ndarray:   # area indices of the part made whole again
        qi, qj = tree.query(pts[cuts[k]:cuts[k + 1]], predicate="dwithin", distance=radius)
        return np.stack([qi + cuts[k], qj])

    i, j = np.concatenate(list(run(query, range(threads))), axis=1)
    d = np.hypot(ax[i] - bx[j], ay[i] - by[j])
    w3 = _steps(d, radius)
    c_codes, c_names = pd.factorize(a["category"], sort=True)
    order = np.argsort(c_codes[j], kind="stable")
    i, j, w3 = i[order], j[order], w3[order]
    bounds = np.searchsorted(c_codes[j], np.arange(len(c_names) + 1))
    pos = {s: k for k, s in enumerate(s_names)}

    def block(c: int) -> dict:
        cat, out = c_names[c], {}
        ci, cj, cw = (v[bounds[c]:bounds[c + 1]] for v in (i, j, w3))
        for s in rules[cat]["demand"]:
            p = pop[ci, pos[s]]
            res = []
            for w in (None, cw):
                demand = np.bincount(cj, weights=p if w is None else p * w, minlength=m)
                ratio = np.divide(cap, demand, out=np.zeros(m), where=demand > 0)
                res.append(1000 * np.bincount(ci, weights=ratio[cj] if w is None
                                              else ratio[cj] * w, minlength=n))
            out[(cat, s)] = tuple(res)
        return out

    out = {}
    for part in run(block, range(len(c_names))):
        out.update(part)
    if pool:
        pool.shutdown()
    return out


def check_agree(result, base: dict) -> None:
    """phdesk's tables against baseline (a): every area row to 1e-9, neighbourhood measures,
    the number of cold spots."""
    key = ["category", "segment", "area_code"]
    mine = result.area_access.astype({k: str for k in key}).set_index(key).sort_index()
    peer = pd.concat(base["area"], ignore_index=True).set_index(key).sort_index()
    assert mine.index.equals(peer.index), "different area rows"
    for col in ("access_2sfca", "access_e2sfca", "nearest_m", "population"):
        assert np.allclose(mine[col], peer[col], rtol=1e-9, atol=1e-9), col
    assert (mine["assets_within"].to_numpy() == peer["assets_within"].to_numpy()).all()
    nkey = ["category", "segment", "neighbourhood"]
    mine = result.neighbourhood_segments.set_index(nkey).sort_index()
    peer = pd.concat(base["nb"], ignore_index=True).set_index(nkey).sort_index().reindex(
        mine.index)
    for col in ("coverage_pct", "choice_pct", "access_e2sfca", "gap_score", "assets_inside"):
        assert np.allclose(mine[col].astype(float), peer[col].astype(float), equal_nan=True,
                           rtol=1e-9, atol=1e-9), col
    assert sum(len(c) for c in base["cold"]) == len(result.cold_spots), "cold spots"
    key = ["category", "segment", "measure"]
    mine = result.inequality.set_index(key)["sii"].sort_index()
    peer = base["ineq"].set_index(key)["sii"].sort_index().reindex(mine.index)
    assert np.allclose(mine, peer, rtol=1e-6, atol=1e-9, equal_nan=True), "sii"


def check_kernel(base: dict, floor: dict, rules: dict) -> None:
    """Baseline (b)'s 2SFCA and E2SFCA against baseline (a)'s, block by block, to 1e-9."""
    assert len(floor) == sum(len(v["demand"]) for v in rules.values()), "different kernels"
    for t in base["area"]:
        cat, s = t["category"].iloc[0], t["segment"].iloc[0]
        a2, a3 = floor[(cat, _demand_of(rules, cat, s))]
        assert np.allclose(a2, t["access_2sfca"], rtol=1e-9, atol=1e-9), "kernel 2SFCA"
        assert np.allclose(a3, t["access_e2sfca"], rtol=1e-9, atol=1e-9), "kernel E2SFCA"


def measures(inputs: MappingInputs, rules: dict, radius: float) -> dict:
    """Baseline (c): per category {"within", "half", "wide", "near", (group): (2SFCA, E2SFCA),
    "nb": {sum: segments x neighbourhoods}} with neighbourhoods sorted by name, bare numpy."""
    ar, a = inputs.areas, inputs.assets
    ax, ay = ar["pw_centroid_e"].to_numpy(float), ar["pw_centroid_n"].to_numpy(float)
    bx, by = a["easting"].to_numpy(float), a["northing"].to_numpy(float)
    cap = a["capacity"].to_numpy(float)
    n, m = len(ax), len(bx)
    seg = inputs.segments
    s_codes, s_names = pd.factorize(seg["segment"])
    a_idx = pd.Index(ar["code"]).get_indexer(seg["area_code"])
    pop = np.bincount(a_idx * len(s_names) + s_codes, weights=seg["population"].to_numpy(float),
                      minlength=n * len(s_names)).reshape(n, len(s_names))
    nb_codes, _ = pd.factorize(ar["neighbourhood"], sort=True)
    by_nb = np.argsort(nb_codes, kind="stable")
    starts = np.searchsorted(nb_codes[by_nb], np.arange(nb_codes.max() + 1))
    pop_t = np.ascontiguousarray(pop[by_nb].T)          # segments x areas by neighbourhood
    a_pts, b_pts = shapely.points(ax, ay), shapely.points(bx, by)
    tree = shapely.STRtree(b_pts)
    i, j = tree.query(a_pts, predicate="dwithin", distance=1.5 * radius)
    d = np.hypot(ax[i] - bx[j], ay[i] - by[j])
    c_codes, c_names = pd.factorize(a["category"], sort=True)
    order = np.argsort(c_codes[j], kind="stable")
    i, j, d = i[order], j[order], d[order]
    bounds = np.searchsorted(c_codes[j], np.arange(len(c_names) + 1))
    pos = {s: k for k, s in enumerate(s_names)}
    out = {}
    for c, cat in enumerate(c_names):
        ci, cj, cd = (v[bounds[c]:bounds[c + 1]] for v in (i, j, d))
        r = {"within": np.bincount(ci[cd <= radius], minlength=n),
             "half": np.bincount(ci[cd <= radius / 2], minlength=n),
             "wide": np.bincount(ci, minlength=n)}
        near = np.full(n, np.inf)
        np.minimum.at(near, ci, cd)
        rest = np.flatnonzero(np.isinf(near))
        if len(rest):
            sites = np.flatnonzero(c_codes == c)
            (qi, _), dist = shapely.STRtree(b_pts[sites]).query_nearest(
                a_pts[rest], return_distance=True, all_matches=False)
            near[rest[qi]] = dist
        r["near"] = near
        keep = cd <= radius
        ci, cj, w3 = ci[keep], cj[keep], _steps(cd[keep], radius)
        for s in rules[cat]["demand"]:
            p = pop[ci, pos[s]]
            res = []
            for w in (None, w3):
                demand = np.bincount(cj, weights=p if w is None else p * w, minlength=m)
                ratio = np.divide(cap, demand, out=np.zeros(m), where=demand > 0)
                res.append(1000 * np.bincount(ci, weights=ratio[cj] if w is None
                                              else ratio[cj] * w, minlength=n))
            r[s] = tuple(res)
        a2, a3 = r[rules[cat]["demand"][0]]   # a universal category: everyone's access
        per_area = {"covered": r["within"] >= 1, "choice": r["within"] >= 2,
                    "half": r["half"] >= 1, "wide": r["wide"] >= 1, "pa2": a2, "pa3": a3}
        r["nb"] = {k: np.add.reduceat(pop_t * v[by_nb][None, :], starts, axis=1)
                   for k, v in per_area.items()}
        out[cat] = r
    out["population"] = np.add.reduceat(pop_t, starts, axis=1)
    out["segments"] = list(s_names)
    return out


def check_measures(result, floor: dict) -> None:
    """Baseline (c) against phdesk's arrays, category by category, to 1e-9: reach at the three
    radii, nearest distance, 2SFCA and E2SFCA, and the neighbourhood coverage (three radii),
    choice and access of every segment (universal categories)."""
    arrays = result.arrays
    segs = arrays.area.segments
    cols = [floor["segments"].index(s) for s in segs]
    p = floor["population"][cols]
    close = lambda x, y: np.allclose(x, y, rtol=1e-9, atol=1e-9, equal_nan=True)  # noqa: E731
    for k, nb in zip(arrays.kernels, arrays.nb, strict=True):
        f = floor[k.category]
        for mine, theirs in ((k.within, "within"), (k.within_half, "half"),
                             (k.within_wide, "wide")):
            assert np.array_equal(mine, f[theirs]), (k.category, theirs)
        assert close(k.near, f["near"]), (k.category, "near")
        for g, s in enumerate(k.demand):
            assert close(k.a2[:, g], f[s][0]) and close(k.a3[:, g], f[s][1]), (k.category, s)
        if k.demand != [segs[0]]:
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            for mine, theirs in (("coverage_pct", "covered"), ("coverage_pct_r050", "half"),
                                 ("coverage_pct_r150", "wide"), ("choice_pct", "choice")):
                want = np.where(p > 0, 100 * f["nb"][theirs][cols] / p, np.nan)
                assert close(nb[mine], want), (k.category, mine)
            for mine, theirs in (("access_2sfca", "pa2"), ("access_e2sfca", "pa3")):
                assert close(nb[mine], np.where(p > 0, f["nb"][theirs][cols] / p, np.nan)), \
                    (k.category, mine)
