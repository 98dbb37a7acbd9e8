"""The engine's faster paths give exactly the numbers of the plain ones they replace (the tables
of a run are compared with the previous engine's bit for bit in bench/README.md; these check the
pieces on their own, with ties, NaNs and empty groups)."""

import numpy as np
import pandas as pd

from phdesk.core.mapping_inequality import _Base, _decile_sums
from phdesk.core.mapping_measures import rank_descending


def _rank_by_search(score: np.ndarray) -> np.ndarray:
    out = np.full(score.shape, np.nan)
    for r in range(score.shape[0]):
        ok = np.isfinite(score[r])
        ordered = np.sort(-score[r, ok])
        out[r, ok] = np.searchsorted(ordered, -score[r, ok], side="left") + 1
    return out


def test_rank_of_many_rows_at_once_equals_a_search_row_by_row():
    rng = np.random.default_rng(4)
    score = np.round(rng.normal(size=(20, 1300)), 1)     # many ties
    score[rng.random(score.shape) < 0.1] = np.nan
    score[0, :3] = [0.0, -0.0, 0.0]
    score[1] = np.nan
    assert score.size * score.shape[1] > 4_000_000         # the sorted path, not the count
    ranks = rank_descending(score)
    np.testing.assert_array_equal(ranks, _rank_by_search(score))
    assert np.nanmin(ranks) == 1 and np.isnan(ranks[1]).all()


def test_rank_of_few_and_more_neighbourhoods_equals_a_search_row_by_row():
    """Up to 32 neighbourhoods the ranks count the higher scores; beyond, they sort."""
    rng = np.random.default_rng(6)
    for n in (1, 5, 32, 33, 62, 200):
        score = np.round(rng.normal(size=(20, n)), 1)
        score[rng.random(score.shape) < 0.1] = np.nan
        score[0, :1] = -0.0
        np.testing.assert_array_equal(rank_descending(score), _rank_by_search(score))


def test_decile_sums_by_sorted_blocks_equal_a_bincount_in_area_order():
    rng = np.random.default_rng(5)
    n, k = 5000, 7
    decile = rng.integers(0, 10, n)
    decile[decile == 3] = 4                                  # an empty decile
    pop = rng.gamma(1.5, 80.0, (n, k))
    values = rng.gamma(1.0, 2.0, n)
    values2 = rng.gamma(1.0, 2.0, (n, k))
    order = np.argsort(decile, kind="stable")
    bounds = np.searchsorted(decile[order], np.arange(11))
    key = (decile[:, None] * k + np.arange(k)[None, :]).ravel()
    base = _Base(np.ones(n, bool), order, bounds, pop[order], None, None)
    np.testing.assert_array_equal(base.sums(values[order]),
                                  _decile_sums(key, pop * values[:, None]))
    np.testing.assert_array_equal(base.sums(values2[order]), _decile_sums(key, pop * values2))
    assert (base.sums(values[order])[3] == 0).all()


def test_stable_argsort_by_16_bit_digits_is_numpys_stable_argsort():
    from phdesk.core.mapping_points import stable_argsort

    rng = np.random.default_rng(6)
    for high in (50, 2**16, 300_000, 2**32 - 1, 2**40):
        key = rng.integers(0, high, 20_000)                 # many equal keys
        np.testing.assert_array_equal(stable_argsort(key), np.argsort(key, kind="stable"))
    assert len(stable_argsort(np.zeros(0, np.int64))) == 0


def _long_table(seg_dtype=object) -> pd.DataFrame:
    codes = [f"E0100{i:04d}" for i in range(50)]
    names = ["All", "Core20", "Age 0-15", "Age 65+"]
    return pd.DataFrame({"area_code": pd.array(codes * len(names), dtype=seg_dtype),
                         "segment": pd.array(np.repeat(names, len(codes)).tolist(),
                                             dtype=seg_dtype),
                         "population": np.arange(200.0)})


def test_a_long_table_in_blocks_factorises_as_each_column_whole():
    from phdesk.core.mapping_population import _blocks, factorize_long

    def same(seg):
        got = factorize_long(seg)
        want = (*pd.factorize(seg["segment"]), *pd.factorize(seg["area_code"]))
        for g, w in zip(got, want, strict=True):
            assert type(g) is type(w)
            np.testing.assert_array_equal(np.asarray(g, dtype=object),
                                          np.asarray(w, dtype=object))

    blocky = _long_table()
    assert _blocks(blocky["segment"].to_numpy(object),
                   blocky["area_code"].to_numpy(object)) is not None
    same(blocky)
    same(_long_table("str"))
    same(_long_table("string"))                              # pd.NA strings
    same(blocky.sample(frac=1.0, random_state=1))            # no blocks: whole
    odd = blocky.copy()
    odd.loc[60, "area_code"] = "E01009999"                   # a block with other areas
    same(odd)
    missing = blocky.astype({"area_code": object})
    missing.loc[[3, 53, 103, 153], "area_code"] = None       # a missing code in every block
    same(missing)
    again = pd.concat([blocky.iloc[:50], blocky.iloc[100:150], blocky.iloc[:50]])
    same(again)                                              # a segment in two runs
    same(blocky.astype({"segment": "category", "area_code": "category"}))
    same(blocky.iloc[:50])                                   # one segment
