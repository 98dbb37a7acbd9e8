"""phdesk.stats against PHEindicatormethods' published outputs, scipy and closed forms.

Sources of expected numbers (PHEindicatormethods, R package, version 2.x):
- [INTRO] vignette "Introduction to PHEindicatormethods" (inst/doc/Introduction_to_
  PHEindicatormethods.html): the printed ``df`` (obs, pop) and the printed phe_proportion /
  phe_rate outputs for it.
- [SII] vignette "Worked examples for phe_sii function" (inst/doc/WorkedExamples_phe_sii.html):
  printed outputs for LE_data (tests/testthat/LE_testdata.csv), DSR_data
  (tests/testthat/DSR_testdata.csv) and prevalence_data (tests/testthat/NCMP_testdata.csv);
  the inputs below are copied from those CSV files.
Where no published output exists the expectation is derived independently (scipy's chi-square
/ gamma quantiles for exact Poisson limits, closed forms, numpy's weighted polyfit) and the
test says so.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from phdesk import stats
from phdesk.stats import ESP2013, byars_ci, dsr, proportion, rate, sii, smr, wilson_ci

# [INTRO] df: obs and pop for Area1..Area4, 2015 then 2016.
OBS = np.array([27, 22, 80, 53, 37, 84, 89, 85])
POP = np.array([106, 113, 150, 193, 159, 122, 101, 196])


# --- Wilson / proportion ---------------------------------------------------------------------

def test_proportion_matches_published_95():
    # [INTRO] phe_proportion(df, obs, pop): value, lowercl, uppercl (7 s.f. as printed)
    lower = [0.1813642, 0.1322333, 0.4536625, 0.2165053, 0.1738037, 0.6016542, 0.8037295,
             0.3662266]
    upper = [0.3452262, 0.2772229, 0.6113395, 0.3415146, 0.3042162, 0.7638851, 0.9307128,
             0.5036703]
    est = proportion(OBS, POP, multiplier=1)
    np.testing.assert_allclose(est.value, OBS / POP)
    np.testing.assert_allclose(est.lower, lower, atol=5e-8)
    np.testing.assert_allclose(est.upper, upper, atol=5e-8)
    assert est.method == "Wilson" and est.statistic == "proportion of 1"


def test_proportion_matches_published_998_percentage():
    # [INTRO] phe_proportion(df, obs, pop, confidence = 99.8, multiplier = 100)
    lower = [14.81031, 10.54176, 40.92696, 18.77465, 14.61350, 54.93185, 74.76217, 32.98917]
    upper = [40.18735, 33.15448, 65.34069, 38.27289, 34.95622, 80.03596, 94.88987, 54.36182]
    est = proportion(OBS, POP, multiplier=100, confidence=99.8)
    np.testing.assert_allclose(est.lower, lower, atol=5e-6)
    np.testing.assert_allclose(est.upper, upper, atol=5e-6)
    assert est.confidence == pytest.approx(0.998) and est.statistic == "percentage"
    same = proportion(OBS, POP, multiplier=100, confidence=0.998)
    np.testing.assert_array_equal(same.lower, est.lower)


def test_proportion_grouped_total_matches_published():
    # [INTRO] grouped by year: 2015 182/562 -> 0.324 (0.286, 0.364)
    est = proportion(182, 562, multiplier=1)
    assert (round(est.value, 3), round(est.lower, 3), round(est.upper, 3)) == (0.324, 0.286, 0.364)
    assert isinstance(est.value, float)


def test_wilson_edges_and_vectorised():
    lo0, up0 = wilson_ci(0, 50)
    assert lo0 == 0.0 and 0 < up0 < 0.1
    lon, upn = wilson_ci(50, 50)
    assert upn == pytest.approx(1.0, abs=1e-12) and 0.9 < lon < 1
    # closed form at x = 0: upper = z^2 / (n + z^2)
    z = sps.norm.ppf(0.975)
    assert up0 == pytest.approx(z * z / (50 + z * z), rel=1e-12)
    x = np.array([0, 5, 50, 0])
    n = np.array([50, 50, 50, 0])
    lo, up = wilson_ci(x, n)
    assert lo.shape == (4,) and math.isnan(lo[3]) and math.isnan(up[3])
    for i in range(3):
        assert (lo[i], up[i]) == pytest.approx(wilson_ci(int(x[i]), int(n[i])))
    assert wilson_ci(3, 10, confidence=1) == (0.0, 1.0)  # R: confidence == 1 -> 0 and 1


def test_wilson_on_coverage_arrays():
    # whole arrays in, whole arrays out (speed is measured in bench/, not here)
    rng = np.random.default_rng(0)
    n = rng.integers(0, 5000, 200_000).astype(float)
    x = np.floor(n * rng.random(n.size))
    lo, up = wilson_ci(x, n)
    assert lo.shape == up.shape == n.shape
    ok = n > 0
    assert np.all(lo[ok] <= x[ok] / n[ok] + 1e-12) and np.all(x[ok] / n[ok] <= up[ok] + 1e-12)


# --- Byar's, exact Poisson, rate -------------------------------------------------------------

def test_rate_matches_published_byars():
    # [INTRO] phe_rate(df, obs, pop): all counts >= 10, so Byar's
    lower = [16782.04, 12196.90, 42288.58, 20568.85, 16382.37, 54917.70, 70764.64, 34639.24]
    upper = [37061.41, 29477.68, 66378.77, 35920.56, 32076.16, 85245.02, 108438.96, 53625.01]
    est = rate(OBS, POP)
    np.testing.assert_allclose(est.lower, lower, atol=0.006)
    np.testing.assert_allclose(est.upper, upper, atol=0.006)
    assert list(est.method) == ["Byars"] * 8 and est.statistic == "rate per 100000"
    # [INTRO] phe_rate(df, obs, pop, confidence = 99.8, multiplier = 100)
    lower998 = [12.926737, 9.074329, 36.773690, 17.249087, 13.193195, 47.933814, 62.029689,
                30.260955]
    upper998 = [44.59202, 36.05431, 74.46881, 41.24758, 37.70884, 95.39407, 120.99575, 59.97329]
    est = rate(OBS, POP, multiplier=100, confidence=99.8)
    np.testing.assert_allclose(est.lower, lower998, atol=6e-6)
    np.testing.assert_allclose(est.upper, upper998, atol=6e-5)
    # [INTRO] grouped: 2016 295/578 -> 51038. (45379., 57207.)
    g = rate(295, 578)
    assert (round(g.value), round(g.lower), round(g.upper)) == (51038, 45379, 57207)


@pytest.mark.parametrize("conf", [0.95, 0.998])
def test_rate_small_counts_exact_poisson_vs_scipy(conf):
    # Independent: scipy's chi-square quantiles, qchisq(a/2, 2x)/2 and qchisq(1-a/2, 2x+2)/2
    x = np.arange(0, 10)
    est = rate(x, 2500.0, multiplier=1000, confidence=conf)
    a = 1 - conf
    exp_lo = np.where(x == 0, 0.0, sps.chi2.ppf(a / 2, 2 * np.maximum(x, 1)) / 2)
    exp_up = sps.chi2.ppf(1 - a / 2, 2 * x + 2) / 2
    np.testing.assert_allclose(est.lower, exp_lo / 2500 * 1000, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(est.upper, exp_up / 2500 * 1000, rtol=1e-10)
    assert set(est.method) == {"Exact"}


def test_rate_threshold_is_ten():
    # phe_rate: if_else(x < 10, exact, Byars) - 9 is exact, 10 is Byar's
    assert rate(9, 1000).method == "Exact" and rate(10, 1000).method == "Byars"
    lo, up = byars_ci(10)
    assert rate(10, 1000).lower == pytest.approx(lo / 1000 * 100000)
    assert rate(10, 1000).upper == pytest.approx(up / 1000 * 100000)


def test_gamma_quantile_vs_scipy():
    worst = 0.0
    for a in (0.3, 1, 2, 4.5, 9, 10, 11, 40, 400):
        for p in (1e-8, 5e-4, 0.001, 0.025, 0.3, 0.5, 0.9, 0.975, 0.999, 0.9995, 1 - 1e-9):
            ref = sps.gamma.ppf(p, a)
            worst = max(worst, abs(stats.gamma_quantile(p, a) - ref) / ref)
    assert worst < 1e-11


def test_byars_close_to_exact_and_negative_lower_is_nan():
    # Byar's approximates the exact limits well for moderate counts (Breslow & Day)
    lo, up = byars_ci(65)
    assert lo == pytest.approx(sps.chi2.ppf(0.025, 130) / 2, rel=2e-3)
    assert up == pytest.approx(sps.chi2.ppf(0.975, 132) / 2, rel=2e-3)
    lo1, up1 = byars_ci(1, 99.8)  # 1 - 1/9 - 3.09/3 < 0: R sets NA
    assert math.isnan(lo1) and up1 > 1
    los, _ = byars_ci(np.array([10.0, 65.0, 1000.0]), 0.998)
    assert np.all(np.diff(los) > 0)


def test_limits_contain_value_and_widen_with_confidence():
    rng = np.random.default_rng(5)
    n = rng.integers(1, 10_000, 500).astype(float)
    x = np.floor(n * rng.random(500) * 0.3)
    for fn in (lambda c: proportion(x, n, confidence=c), lambda c: rate(x, n, confidence=c)):
        e95, e998 = fn(0.95), fn(99.8)
        assert np.all(e95.lower <= e95.value) and np.all(e95.value <= e95.upper)
        assert np.all(e998.lower <= e95.lower + 1e-12) and np.all(e998.upper >= e95.upper)


# --- DSR -------------------------------------------------------------------------------------

def test_dsr_equals_crude_rate_when_population_is_proportional_to_standard():
    # Closed form: n_i = k * w_i makes DSR = X/N and Dobson's limits = Byar's(X)/N exactly
    n = ESP2013 * 0.37
    x = np.arange(19, dtype=float) * 3
    d = dsr(x, n)
    r = rate(x.sum(), n.sum())
    assert d.value == pytest.approx(r.value, rel=1e-12)
    assert d.lower == pytest.approx(r.lower, rel=1e-12)
    assert d.upper == pytest.approx(r.upper, rel=1e-12)
    assert d.method == "Dobson" and d.statistic == "dsr per 100000"


def test_dsr_hand_computation():
    # Independent recomputation with loops and scipy's normal quantile (Dobson 1991 formula)
    rng = np.random.default_rng(11)
    n = rng.integers(2000, 9000, 19).astype(float)
    x = rng.integers(0, 40, 19).astype(float)
    d = dsr(x, n, confidence=0.998)
    w = sum(ESP2013)
    val = sum(xi * wi / ni for xi, wi, ni in zip(x, ESP2013, n, strict=True)) / w * 1e5
    var = sum(xi * (wi / ni) ** 2 for xi, wi, ni in zip(x, ESP2013, n, strict=True)) / w**2
    big_x = x.sum()
    z = sps.norm.ppf(0.999)
    by_lo = big_x * (1 - 1 / (9 * big_x) - z / (3 * math.sqrt(big_x))) ** 3
    by_up = (big_x + 1) * (1 - 1 / (9 * (big_x + 1)) + z / (3 * math.sqrt(big_x + 1))) ** 3
    assert d.value == pytest.approx(val, rel=1e-12)
    assert d.lower == pytest.approx(val + math.sqrt(var / big_x) * (by_lo - big_x) * 1e5)
    assert d.upper == pytest.approx(val + math.sqrt(var / big_x) * (by_up - big_x) * 1e5)
    assert (d.numerator, d.denominator) == (big_x, n.sum())


def test_dsr_suppressed_below_ten_and_missing_counts_are_zero():
    n = np.full(19, 1000.0)
    x9 = np.zeros(19)
    x9[[3, 10, 18]] = [2, 3, 4]
    d9 = dsr(x9, n)
    assert math.isnan(d9.value) and math.isnan(d9.lower) and math.isnan(d9.upper)
    assert d9.note == "dsr NA for total count < 10" and d9.numerator == 9
    x10 = x9.copy()
    x10[0] = 1
    assert math.isfinite(dsr(x10, n).value) and dsr(x10, n).note == ""
    xnan = x10.copy()
    xnan[5] = np.nan  # na.zero in calculate_dsr
    assert dsr(xnan, n).value == pytest.approx(dsr(x10, n).value)
    both = dsr(np.vstack([x9, x10]), np.vstack([n, n]))
    assert math.isnan(both.value[0]) and both.value[1] == pytest.approx(dsr(x10, n).value)


def test_dsr_rejects_bad_input():
    with pytest.raises(ValueError, match="19 bands"):
        dsr(np.ones(18), np.ones(18))
    with pytest.raises(ValueError, match="denominators must all be greater than zero"):
        dsr(np.ones(19), np.zeros(19))


# --- SMR -------------------------------------------------------------------------------------

def test_smr_closed_forms_and_exact_vs_scipy():
    x_ref = np.array([10.0, 40, 200, 600])
    n_ref = np.array([10000.0, 10000, 8000, 5000])
    n = np.array([500.0, 700, 400, 300])
    expected = float(np.sum(n * x_ref / n_ref))
    # same age-specific rates as the reference -> ratio 1 (Byar's: 49.5 observed)
    s = smr(n * x_ref / n_ref, n, x_ref, n_ref)
    assert s.value == pytest.approx(1.0) and s.denominator == pytest.approx(expected)
    assert s.method == "Byars" and s.lower < 1 < s.upper
    # 7 observed: exact limits, independently from scipy's chi-square quantiles
    s7 = smr(np.array([0, 1, 2, 4.0]), n, x_ref, n_ref, refvalue=100, confidence=99.8)
    assert s7.method == "Exact" and s7.numerator == 7
    assert s7.lower == pytest.approx(sps.chi2.ppf(0.001, 14) / 2 / expected * 100, rel=1e-10)
    assert s7.upper == pytest.approx(sps.chi2.ppf(0.999, 16) / 2 / expected * 100, rel=1e-10)
    # observed totals instead of a breakdown, and one ratio per row for 2-D input
    assert smr(7.0, n, x_ref, n_ref).value == pytest.approx(7 / expected)
    rows = smr(np.array([[0, 1, 2, 4.0], [5, 10, 20, 30]]), np.vstack([n, n]), x_ref, n_ref)
    assert list(rows.method) == ["Exact", "Byars"]


# --- SII -------------------------------------------------------------------------------------

# LE_testdata.csv, Sex 1, E06000001, deciles 1..10
LE_POP = [13837, 14519, 14940, 14599, 12311, 13196, 13335, 13388, 13685, 11779]
LE_VAL = [70.56313911, 72.61347473, 75.06710359, 75.20662276, 76.23469045, 75.21801932,
          77.09240397, 79.84156222, 80.81329918, 82.73763832]
LE_SE = [1.133868862, 1.020288759, 1.108685178, 1.485618539, 1.311653285, 1.169033147,
         1.306645801, 1.090905616, 0.979426096, 1.319452272]


def test_sii_life_expectancy_matches_published():
    # [SII] Example 1: E06000001 males sii 11.68886, 95% limits 9.215442 / 14.07460 from R
    # with only 1000 repetitions, so the limits are compared within that run's sampling error.
    r = sii(LE_VAL, LE_POP, se=LE_SE, seed=1)
    assert r.sii == pytest.approx(11.68886, abs=5e-6)
    assert r.sii_lower == pytest.approx(9.215442, abs=0.35)
    assert r.sii_upper == pytest.approx(14.07460, abs=0.35)
    assert r.rii == pytest.approx((r.intercept + r.sii) / r.intercept)
    assert r.method == "simulation 100000 reps"


# DSR_testdata.csv: Period -> (total_pop, value, lowercl, uppercl) per quintile 1..5
DSR_DATA = {
    2010: ([1434002, 1450590, 1453827, 1440980, 1457780],
           [150.2200205, 131.0221747, 127.4954973, 130.494241, 135.4664241],
           [147.3194185, 128.3676972, 125.0421198, 128.2469515, 133.2469515],
           [153.1498241, 133.7051129, 129.975513, 132.7657553, 137.8657553]),
    2012: ([1456919, 1482837, 1486250, 1467811, 1457780],
           [146.3620464, 130.836935, 123.9613632, 129.1611122, 135.4664241],
           [143.5339285, 128.2283616, 121.5935782, 126.9843883, 133.2469515],
           [149.218782, 133.4731892, 126.3549356, 131.361204, 137.8657553]),
    2015: ([1508923, 1538008, 1538564, 1509602, 1457780],
           [143.8177637, 127.2058426, 122.4106945, 126.3922397, 135.4664241],
           [141.0941843, 124.7351196, 120.1654081, 124.3450367, 133.2469515],
           [146.568661, 129.7026732, 124.6801651, 128.4613495, 137.8657553]),
}
# [SII] Example 2 (value_type 1, transform TRUE, 1e5 reps): sii, rii, sii_lo, sii_up, rii_lo, rii_up
DSR_PUBLISHED = {
    2010: (-14.03684, 0.9010655, -17.95990, -10.126662, 0.8752420, 0.9275826),
    2012: (-11.09234, 0.9199455, -14.91251, -7.257354, 0.8939089, 0.9468622),
    2015: (-8.53077, 0.9368534, -12.23824, -4.816133, 0.9106841, 0.9638401),
}


@pytest.mark.parametrize("period", sorted(DSR_DATA))
def test_sii_rate_log_transform_matches_published(period):
    pop, val, lcl, ucl = DSR_DATA[period]
    r = sii(val, pop, lower_cl=lcl, upper_cl=ucl, value_type=1, transform=True, seed=period)
    p_sii, p_rii, p_slo, p_sup, p_rlo, p_rup = DSR_PUBLISHED[period]
    assert r.sii == pytest.approx(p_sii, abs=6e-6)
    assert r.rii == pytest.approx(p_rii, abs=6e-8)
    # simulation error: R reports a mean absolute difference of ~0.01-0.03 for these limits
    assert r.sii_lower == pytest.approx(p_slo, abs=0.1)
    assert r.sii_upper == pytest.approx(p_sup, abs=0.1)
    assert r.rii_lower == pytest.approx(p_rlo, abs=6e-4)
    assert r.rii_upper == pytest.approx(p_rup, abs=6e-4)


# NCMP_testdata.csv, Period 607, Year 6, England, deciles 1..10 (percentages)
NCMP_MEAS = [34353, 32112, 27715, 25372, 23889, 23260, 23180, 24193, 23609, 24488]
NCMP_RATE = [21.2121212121212, 21.4281265570503, 20.4077214504781, 19.1865048084503,
             17.4808489262841, 16.6638005159071, 15.6039689387403, 14.6571322283305,
             14.0370197805921, 12.0875530872264]
NCMP_LCL = [20.7830499225555, 20.9827711465288, 19.9373517258999, 18.7066648694241,
            17.0044640703038, 16.190410576997, 15.1425075468518, 14.2170753783533,
            13.5997670936376, 11.6852009907382]
NCMP_UCL = [21.6476300812899, 21.8803170788612, 20.8862933590925, 19.675673996565,
            17.9676905527535, 17.148199783417, 16.0768288675927, 15.1084110529924,
            14.4859737537153, 12.5017980504761]


def test_sii_proportion_logit_negative_multiplier_matches_published():
    # [SII] Example 3: 607 / Year 6 / E92000001: sii 10.964626 (10.442276, 11.487365)
    pct = [np.array(v) / 100 for v in (NCMP_RATE, NCMP_LCL, NCMP_UCL)]
    r = sii(pct[0], NCMP_MEAS, lower_cl=pct[1], upper_cl=pct[2], value_type=2, transform=True,
            multiplier=-100, seed=7)
    assert r.sii == pytest.approx(10.964626, abs=6e-7)
    assert r.sii_lower == pytest.approx(10.442276, abs=0.03)
    assert r.sii_upper == pytest.approx(11.487365, abs=0.03)
    assert r.rii > 1  # prevalence falls with deprivation rank; negative multiplier inverts RII


# NCMP_testdata.csv, Period 607, Reception: Measured, Rate, LCL, UCL (percentages)
NCMP_R = ([36111, 31803, 26681, 24184, 23023, 21506, 22197, 23679, 23271, 23464],
          [12.0794217828363, 11.7410307203723, 11.3638919080994, 10.5896460469732,
           10.0073839204274, 9.41132707151493, 8.730909582376, 8.36606275602855,
           7.97559193846418, 6.96812137742925],
          [11.7473271937339, 11.3918517825361, 10.9886239767609, 10.2080757108839,
           9.62638859468932, 9.02830437346462, 8.36665612937408, 8.02012076260088,
           7.63441201710209, 6.64933849950753],
          [12.4195834343315, 12.0994510822713, 11.7502836842961, 10.9837345114021,
           10.4017228033421, 9.80884729303046, 9.10944479237356, 8.72551115710111,
           8.33064392278473, 7.30099206057122])


def test_sii_proportion_reception_matches_published():
    # [SII] Example 3: 607 / Reception / E92000001: sii 5.970062 (5.549097, 6.393890)
    meas, *pcts = NCMP_R
    val, lcl, ucl = (np.array(v) / 100 for v in pcts)
    r = sii(val, meas, lower_cl=lcl, upper_cl=ucl, value_type=2, transform=True,
            multiplier=-100, seed=8)
    assert r.sii == pytest.approx(5.970062, abs=6e-7)
    assert r.sii_lower == pytest.approx(5.549097, abs=0.03)
    assert r.sii_upper == pytest.approx(6.393890, abs=0.03)


def test_sii_regression_equals_weighted_fit_and_limits_equal_normal_theory():
    # Independent: the sqrt(a) regression is a population-weighted fit of value on rank
    a = np.array(LE_POP) / sum(LE_POP)
    rank = np.cumsum(a) - a / 2
    slope, icpt = np.polyfit(rank, LE_VAL, 1, w=np.sqrt(a))
    r = sii(LE_VAL, LE_POP, se=LE_SE, confidence=0.998, seed=3)
    assert r.sii == pytest.approx(slope, rel=1e-10)
    assert r.intercept == pytest.approx(icpt, rel=1e-10)
    # value_type 0: the SII is linear in the values, so its simulated limits tend to
    # SII +/- z * sd with sd from the fit's linear weights (here with 99.8% confidence)
    x = np.column_stack([np.ones(10), rank]) * np.sqrt(a)[:, None]
    weights = np.linalg.solve(x.T @ x, x.T)[1] * np.sqrt(a)
    sd = math.sqrt(np.sum((weights * np.array(LE_SE)) ** 2))
    z = sps.norm.ppf(0.999)
    assert r.sii_lower == pytest.approx(slope - z * sd, abs=0.03 * z * sd)
    assert r.sii_upper == pytest.approx(slope + z * sd, abs=0.03 * z * sd)


def test_sii_se_from_limits_equals_given_se_and_seed_reproducible():
    z = sps.norm.ppf(0.975)
    lcl = np.array(LE_VAL) - z * np.array(LE_SE)
    ucl = np.array(LE_VAL) + z * np.array(LE_SE)
    r1 = sii(LE_VAL, LE_POP, lower_cl=lcl, upper_cl=ucl, seed=42)
    r2 = sii(LE_VAL, LE_POP, se=LE_SE, seed=42)
    assert r1.sii_lower == pytest.approx(r2.sii_lower, rel=1e-9)
    assert r1 == sii(LE_VAL, LE_POP, lower_cl=lcl, upper_cl=ucl, seed=42)
    assert sii(LE_VAL, LE_POP, se=LE_SE, seed=43).sii_lower != r2.sii_lower


def test_sii_sign_polarity_and_confidence():
    pop = np.full(10, 1000.0)
    up = np.linspace(0.5, 0.8, 10)  # rises from most to least deprived
    se = np.full(10, 0.01)
    r = sii(up, pop, se=se, seed=0)
    assert r.sii == pytest.approx(0.3 * 10 / 9, rel=1e-9)  # equal pops: rank spacing 0.1
    assert r.sii_lower < r.sii < r.sii_upper and r.rii > 1
    down = sii(up[::-1], pop, se=se, seed=0)
    assert down.sii < 0 and down.rii < 1
    neg = sii(up, pop, se=se, multiplier=-100, seed=0)
    assert neg.sii == pytest.approx(-100 * r.sii) and neg.rii == pytest.approx(1 / r.rii)
    assert neg.sii_lower <= neg.sii <= neg.sii_upper
    wide = sii(up, pop, se=se, confidence=99.8, seed=0)
    assert wide.sii_lower < r.sii_lower and wide.sii_upper > r.sii_upper


def test_sii_proportion_untransformed_uses_logit_se():
    # value_type 2 without transform: draws on the logit scale, regression on proportions
    pop = np.full(10, 5000.0)
    cover = np.linspace(0.4, 0.7, 10)
    lo, up = wilson_ci(cover * 5000, pop)
    r = sii(cover, pop, lower_cl=lo, upper_cl=up, value_type=2, seed=1)
    assert r.sii == pytest.approx(0.3 * 10 / 9, rel=1e-9)
    assert r.sii_lower < r.sii < r.sii_upper < 0.5


def test_sii_for_ten_deciles_is_reproducible_with_a_seed():
    pop = np.linspace(20000, 30000, 10)
    val = np.linspace(0.3, 0.6, 10)
    runs = [sii(val, pop, se=np.full(10, 0.02), seed=1) for _ in range(2)]
    assert (runs[0].sii_lower, runs[0].sii_upper) == (runs[1].sii_lower, runs[1].sii_upper)
    assert runs[0].sii_lower < runs[0].sii < runs[0].sii_upper


def test_sii_validation_and_non_strict():
    pop = np.full(10, 100.0)
    val = np.linspace(1, 2, 10)
    with pytest.raises(ValueError, match="between 5 and 100"):
        sii(val[:4], pop[:4], se=np.ones(4))
    with pytest.raises(ValueError, match="value_type should be 1 or 2"):
        sii(val, pop, lower_cl=val, upper_cl=val, transform=True)
    with pytest.raises(ValueError, match="1000 or greater"):
        sii(val, pop, se=np.ones(10), repetitions=500)
    with pytest.raises(ValueError, match="either lower_cl and upper_cl, or se"):
        sii(val, pop)
    zero = pop.copy()
    zero[3] = 0
    with pytest.raises(ValueError, match="zero, negative or missing population"):
        sii(val, zero, se=np.ones(10))
    r = sii(val, zero, se=np.ones(10), strict=False)
    assert math.isnan(r.sii) and "population" in r.note
    full = np.linspace(0.5, 1.0, 10)  # a proportion of exactly 1 has no logit
    r = sii(full, pop, lower_cl=full - 0.1, upper_cl=full, value_type=2, strict=False)
    assert math.isnan(r.rii) and "value_type=0" in r.note


def test_confidence_validation():
    with pytest.raises(ValueError, match="between 90 and 100 or between 0.9 and 1"):
        rate(5, 100, confidence=0.8)
    with pytest.raises(ValueError, match="between 90 and 100"):
        proportion(5, 100, confidence=50)
    with pytest.raises(ValueError, match="less than or equal to denominator"):
        proportion(101, 100)
    with pytest.raises(ValueError, match="denominators must be greater than zero"):
        rate(1, 0)


# --- issue: DSR weights by band label; sii with se and transform ----------------------------

def test_dsr_weights_are_matched_by_band_label_not_position():
    from phdesk.stats import ESP2013, ESP2013_BANDS, dsr

    rng = np.random.default_rng(4)
    x = rng.integers(5, 60, 19).astype(float)
    n = rng.integers(2_000, 9_000, 19).astype(float)
    want = dsr(x, n)   # columns in ESP2013 order, positional
    order = rng.permutation(19)   # the same bands, shuffled with their labels
    got = dsr(x[order], n[order], bands=[ESP2013_BANDS[k] for k in order])
    assert got.value == pytest.approx(want.value) and got.lower == pytest.approx(want.lower)
    # a subset (under-75s) takes only its bands' weights, by label
    keep = [k for k in range(19) if k < 15]
    sub = dsr(x[keep], n[keep], bands=[ESP2013_BANDS[k] for k in keep])
    w = ESP2013[keep]
    assert sub.value == pytest.approx((x[keep] * w / n[keep]).sum() / w.sum() * 100_000)
    with pytest.raises(ValueError, match="no standard population weight for band"):
        dsr(x[:3], n[:3], bands=["0-4", "5-9", "0-9"])
    with pytest.raises(ValueError, match="by label"):
        dsr(x[:3], n[:3], stdpop=np.ones(3), bands=["a", "b", "c"])


@pytest.mark.parametrize("value_type", [1, 2])
def test_sii_with_se_and_transform_is_phe_with_the_limits_that_give_that_se(value_type):
    """phe_sii computes se = (link(upper) - link(lower)) / 1.96 / 2 on the log / logit scale and
    simulates there when transform is TRUE; an se given with transform is taken on that scale,
    so it must give exactly the result of the limits link^-1(link(v) -/+ 1.96 se)."""
    from statistics import NormalDist

    from phdesk.stats import sii

    v = np.array([0.31, 0.28, 0.26, 0.22, 0.2, 0.18, 0.15, 0.14, 0.12, 0.1])
    if value_type == 1:
        v = v * 40
    pop = np.linspace(9_000, 14_000, 10)
    se_t = np.linspace(0.02, 0.08, 10)
    link = np.log if value_type == 1 else (lambda p: np.log(p / (1 - p)))
    inv = np.exp if value_type == 1 else (lambda t: 1 / (1 + np.exp(-t)))
    z = NormalDist().inv_cdf(0.975)
    by_cl = sii(v, pop, lower_cl=inv(link(v) - z * se_t), upper_cl=inv(link(v) + z * se_t),
                value_type=value_type, transform=True, repetitions=5000, seed=3)
    by_se = sii(v, pop, se=se_t, value_type=value_type, transform=True, repetitions=5000,
                seed=3)
    for f in ("sii", "sii_lower", "sii_upper", "rii", "rii_lower", "rii_upper", "intercept"):
        assert getattr(by_se, f) == pytest.approx(getattr(by_cl, f), rel=1e-9), f
    assert by_se.rii > 0 and by_se.transform


def test_sii_many_gives_what_sii_gives_call_by_call():
    from phdesk.stats import sii_many

    rng = np.random.default_rng(11)
    pop = rng.uniform(1000, 5000, 10)
    calls = [
        dict(values=rng.uniform(0.2, 0.8, 10), population=pop, se=rng.uniform(0.01, 0.1, 10),
             value_type=2, transform=True, multiplier=100, seed=20031),
        dict(values=rng.uniform(1, 9, 10), population=pop, se=rng.uniform(0.01, 0.1, 10),
             value_type=1, transform=True, seed=20031, repetitions=1000),
        dict(values=rng.uniform(0, 9, 10), population=pop, se=rng.uniform(0.1, 1, 10),
             seed=20031, repetitions=1000),                                  # linear model
        dict(values=rng.uniform(1, 9, 10), population=pop, lower_cl=np.full(10, 0.5),
             upper_cl=np.full(10, 12.0), value_type=1, seed=20031, repetitions=1000),  # not
        dict(values=rng.uniform(1, 9, 7), population=pop[:7], se=np.full(7, 0.1),
             value_type=1, transform=True, seed=5, repetitions=1000),       # other group
        dict(values=np.r_[0.0, rng.uniform(1, 9, 9)], population=pop, se=np.full(10, 0.1),
             value_type=1, transform=True, seed=20031, repetitions=1000, strict=False),  # NaN
        dict(values=rng.uniform(1, 9, 10), population=pop, se=np.full(10, 0.1),
             seed=np.random.default_rng(3), repetitions=1000),              # a generator
    ]
    many = sii_many([dict(c) for c in calls[:-1]])
    assert len(many) == len(calls) - 1
    for c, got in zip(calls[:-1], many, strict=True):
        want = sii(**c)
        for f in ("sii", "sii_lower", "sii_upper", "rii", "rii_lower", "rii_upper",
                  "intercept"):
            assert getattr(got, f) == pytest.approx(getattr(want, f), rel=1e-12,
                                                    nan_ok=True), f
        assert got.note == want.note
    assert np.isnan(many[5].sii) and many[5].note
    gen = sii_many([dict(calls[-1], seed=np.random.default_rng(3))])[0]
    assert gen.sii_lower == pytest.approx(sii(**calls[-1]).sii_lower, rel=1e-12)
