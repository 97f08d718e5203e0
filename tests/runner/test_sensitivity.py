"""Tests of runner/sensitivity.py (designs and estimators on arrays) and of the Sobol, Morris and
rank-correlation analyses of results in runner/analysis.py.

Reference figures:

- Ishigami, f = sin x1 + a sin^2 x2 + b x3^4 sin x1 on [-pi, pi]^3 with a = 7, b = 0.1: the
  partial variances (Sobol 1990; Saltelli et al. 2008, "Global Sensitivity Analysis: The
  Primer", section 4.2) are V1 = (1 + b pi^4 / 5)^2 / 2, V2 = a^2 / 8,
  V13 = b^2 pi^8 (1/18 - 1/50), V = V1 + V2 + V13, so S1 = (0.314, 0.442, 0) and
  ST = (0.558, 0.442, 0.244).
- Sobol G function, G = prod (|4 x_i - 2| + a_i) / (1 + a_i): the smaller a_i, the more x_i
  matters (Saltelli et al. 2008, section 3.6), so mu* falls along a = (0, 1, 4.5, 9, 99, ...).
- The end-to-end LP is the tiny production plan of test_sweeps.py with three multipliers: the
  profit of tables (m in [0.8, 1.2]), the assembly capacity (a in [0.9, 1.1]) and the paint
  capacity (p in [0.8, 1.2]). Tables (3 m >= 2.4 per assembly hour) beat chairs (2), so
  x0 = 10 (its bound) and chairs take the rest of assembly, x1 = 12 a - 10 in [0.8, 3.2];
  paint use 20 + x1 <= 23.2 < 24 <= 30 p never binds. Objective 30 m + 2 (12 a - 10):
  additive, Var = 30^2 0.4^2 / 12 + 24^2 0.2^2 / 12 = 12 + 1.92, so
  S1 = ST = (12 / 13.92, 1.92 / 13.92, 0) = (0.862, 0.138, 0).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from lumix import LXConstraint, LXLinearExpression, LXModel, LXVariable
from runner import run_scenarios
from runner.analysis import (
    MORRIS_COLUMNS,
    SOBOL_COLUMNS,
    morris_indices,
    rank_correlations,
    sobol_indices,
)
from runner.meta import META_KEY, ParameterMeta, SweepMeta
from runner.sensitivity import (
    morris_analyze,
    morris_delta,
    morris_sample,
    saltelli_sample,
    sobol_analyze,
)
from runner.sweeps import morris, param, sobol

# -- test functions ------------------------------------------------------------------------------------

A, B = 7.0, 0.1
_V1 = (1 + B * math.pi**4 / 5) ** 2 / 2
_V2 = A**2 / 8
_V13 = B**2 * math.pi**8 * (1 / 18 - 1 / 50)
_V = _V1 + _V2 + _V13
ISHIGAMI_S1 = np.array([_V1 / _V, _V2 / _V, 0.0])
ISHIGAMI_ST = np.array([(_V1 + _V13) / _V, _V2 / _V, _V13 / _V])
G_A = np.array([0.0, 1.0, 4.5, 9.0, 99.0, 99.0, 99.0, 99.0])


def ishigami(unit: np.ndarray) -> np.ndarray:
    x = -math.pi + 2 * math.pi * unit
    return np.sin(x[:, 0]) + A * np.sin(x[:, 1]) ** 2 + B * x[:, 2] ** 4 * np.sin(x[:, 0])


def sobol_g(unit: np.ndarray) -> np.ndarray:
    return np.prod((np.abs(4 * unit - 2) + G_A) / (1 + G_A), axis=1)


def test_ishigami_reference_figures():
    """The analytic indices above are the figures the issue quotes."""
    np.testing.assert_allclose(ISHIGAMI_S1, [0.314, 0.442, 0.0], atol=5e-4)
    np.testing.assert_allclose(ISHIGAMI_ST, [0.558, 0.442, 0.244], atol=5e-4)


# -- designs -------------------------------------------------------------------------------------------


def test_saltelli_layout_and_prefix_stability():
    d, n = 3, 64
    rows = saltelli_sample(d, n, seed=11)
    assert rows.shape == (n * (d + 2), d)
    assert ((rows >= 0) & (rows <= 1)).all()
    blocks = rows.reshape(n, d + 2, d)
    a, b = blocks[:, 0], blocks[:, d + 1]
    for i in range(d):
        expected = a.copy()
        expected[:, i] = b[:, i]
        np.testing.assert_array_equal(blocks[:, 1 + i], expected)
    # A and B come from one scrambled Sobol sequence of dimension 2d: its points are balanced,
    # one per interval of width 1/n in every coordinate
    for column in np.hstack([a, b]).T:
        assert sorted(np.floor(column * n).astype(int)) == list(range(n))
    np.testing.assert_array_equal(saltelli_sample(d, 2 * n, seed=11)[: len(rows)], rows)
    np.testing.assert_array_equal(saltelli_sample(d, n, seed=11), rows)
    assert not np.array_equal(saltelli_sample(d, n, seed=12), rows)


def test_morris_layout_and_prefix_stability():
    d, r, levels = 5, 12, 6
    rows = morris_sample(d, r, levels, seed=4)
    assert rows.shape == (r * (d + 1), d)
    delta = morris_delta(levels)
    assert delta == pytest.approx(6 / 10)
    grid = rows * (levels - 1)
    np.testing.assert_allclose(grid, np.round(grid), atol=1e-12)  # on the grid of `levels` levels
    assert ((rows >= 0) & (rows <= 1)).all()
    for trajectory in rows.reshape(r, d + 1, d):
        moves = np.diff(trajectory, axis=0)
        moved = np.abs(moves) > 1e-12
        assert (moved.sum(axis=1) == 1).all()  # one parameter per step
        assert sorted(moved.argmax(axis=1)) == list(range(d))  # each parameter once
        np.testing.assert_allclose(np.abs(moves[moved]), delta)
    np.testing.assert_array_equal(morris_sample(d, r + 5, levels, seed=4)[: len(rows)], rows)
    np.testing.assert_array_equal(morris_sample(d, r, levels, seed=4), rows)
    assert not np.array_equal(morris_sample(d, r, levels, seed=5), rows)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: saltelli_sample(0, 8, 1), r"d=0 must be >= 1"),
        (lambda: saltelli_sample(2, 2.5, 1), r"n must be an integer, got 2.5"),
        (lambda: morris_sample(3, 4, 5, 1), r"levels=5 must be even"),
        (lambda: morris_sample(3, 0, 4, 1), r"r=0 must be >= 1"),
        (lambda: sobol_analyze(np.ones(9), 2, 2), r"y has 9 values; the Sobol design .* gives 8 rows"),
        (lambda: sobol_analyze(np.ones(8), 2, 2, conf_level=1.5), r"conf_level=1.5"),
        (lambda: sobol_analyze(np.ones(8), 2, 2, nan_policy="drop"), r"nan_policy='drop' is not known"),
        (lambda: morris_analyze(np.zeros((6, 2)), np.ones(6), 2, 2), r"rows 0..2 never changes parameter 0"),
        (
            lambda: morris_analyze(np.zeros((5, 2)), np.ones(6), 2, 2),
            r"x has shape \(5, 2\); .* gives \(6, 2\)",
        ),
        (lambda: morris_analyze(np.zeros((6, 2)), np.ones(7), 2, 2), r"y has 7 values"),
    ],
)
def test_bad_arguments(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


# -- estimators on test functions ----------------------------------------------------------------------


def test_sobol_reproduces_ishigami_within_its_intervals():
    n = 2048
    rows = saltelli_sample(3, n, seed=3)
    indices = sobol_analyze(ishigami(rows), 3, n, seed=1)
    assert indices.n == n
    assert (np.abs(indices.S1 - ISHIGAMI_S1) <= indices.S1_conf).all(), (indices.S1, indices.S1_conf)
    assert (np.abs(indices.ST - ISHIGAMI_ST) <= indices.ST_conf).all(), (indices.ST, indices.ST_conf)
    # the intervals are informative, not wide enough to hold anything
    assert (indices.S1_conf < 0.1).all() and (indices.ST_conf < 0.1).all()


def test_morris_orders_the_sobol_g_function():
    d, r, levels = len(G_A), 60, 4
    rows = morris_sample(d, r, levels, seed=8)
    indices = morris_analyze(rows, sobol_g(rows), d, r, levels=levels, seed=2)
    low = indices.mu_star - indices.mu_star_conf
    high = indices.mu_star + indices.mu_star_conf
    # a = 0, 1, 4.5 and the rest: each interval lies above the next one
    assert low[0] > high[1] and low[1] > high[2] and low[2] > high[3:].max()
    assert indices.mu_star[3] > indices.mu_star[4:].max()
    assert (indices.mu_star[4:] < 0.05 * indices.mu_star[0]).all()
    # |4x - 2| is symmetric: the effects cancel on average, so mu << mu*
    assert abs(indices.mu[0]) < indices.mu_star[0] / 2


def test_morris_reads_steps_from_values_in_any_increasing_scale():
    """Parameter values made from the unit cube by increasing maps give the same effects."""
    d, r = 3, 10
    unit = morris_sample(d, r, 4, seed=1)
    y = unit @ np.array([2.0, -1.0, 0.0]) + unit[:, 0] * unit[:, 1]
    on_unit = morris_analyze(unit, y, d, r, seed=0)
    scaled = np.column_stack([10 + 5 * unit[:, 0], np.exp(unit[:, 1]), np.round(unit[:, 2] * 3)])
    on_values = morris_analyze(scaled, y, d, r, seed=0)
    for field in ("mu", "mu_star", "sigma", "mu_star_conf"):
        np.testing.assert_allclose(getattr(on_values, field), getattr(on_unit, field))
    np.testing.assert_allclose(on_unit.mu_star[2], 0.0)
    np.testing.assert_allclose(on_unit.mu[1], -1.0 + unit[:, 0].mean(), atol=0.5)


def test_morris_step_that_rounds_to_the_same_value_stands_for_the_missing_parameter():
    d, r = 2, 4
    unit = morris_sample(d, r, 4, seed=3)
    y = 3.0 * unit[:, 0]
    flat = unit.copy()
    flat[:, 1] = 0.0  # the second parameter never shows a change (e.g. an int rounded alike)
    expected = morris_analyze(unit, y, d, r, seed=0)
    got = morris_analyze(flat, y, d, r, seed=0)
    np.testing.assert_allclose(got.mu_star, expected.mu_star)
    np.testing.assert_allclose(got.mu_star, [3.0, 0.0])


def test_morris_refuses_a_step_that_moves_two_parameters():
    rows = morris_sample(2, 2, 4, seed=0)
    rows[1] = rows[0] + morris_delta(4) * np.where(rows[0] < 0.5, 1, -1)
    with pytest.raises(ValueError, match=r"row 1 changes parameters \[0, 1\]"):
        morris_analyze(rows, np.ones(6), 2, 2)


def test_constant_output_has_zero_indices():
    indices = sobol_analyze(np.full(4 * 5, 2.5), 3, 4)
    assert not indices.S1.any() and not indices.ST.any() and not indices.ST_conf.any()


# -- NaN outputs (infeasible scenarios) -----------------------------------------------------------------


def test_sobol_nan_raises_then_omit_drops_whole_base_samples():
    d, n = 3, 256
    rows = saltelli_sample(d, n, seed=5)
    y = ishigami(rows)
    y[2 * (d + 2) + 1] = np.nan  # base sample 2
    y[7 * (d + 2) + 4] = np.nan  # base sample 7
    with pytest.raises(
        ValueError, match=r"2 outputs are NaN \(the first is row 11, in base sample 2\).*nan_policy='omit'"
    ):
        sobol_analyze(y, d, n)
    with pytest.warns(RuntimeWarning, match=r"omitted 2 of 256 base samples"):
        omitted = sobol_analyze(y, d, n, nan_policy="omit")
    kept = np.delete(y.reshape(n, d + 2), [2, 7], axis=0).ravel()
    by_hand = sobol_analyze(kept, d, n - 2)
    assert omitted.n == n - 2
    np.testing.assert_allclose(omitted.S1, by_hand.S1)
    np.testing.assert_allclose(omitted.ST, by_hand.ST)


def test_morris_nan_raises_then_omit_drops_trajectories():
    d, r = 3, 8
    rows = morris_sample(d, r, 4, seed=6)
    y = rows.sum(axis=1)
    y[5] = np.nan  # trajectory 1
    with pytest.raises(ValueError, match=r"row 5, in trajectory 1"):
        morris_analyze(rows, y, d, r)
    with pytest.warns(RuntimeWarning, match=r"omitted 1 of 8 trajectories"):
        omitted = morris_analyze(rows, y, d, r, nan_policy="omit")
    assert omitted.r == r - 1
    np.testing.assert_allclose(omitted.mu, [1.0, 1.0, 1.0])


# -- agreement with SALib on the same samples ----------------------------------------------------------


def _problem(d: int) -> dict:
    return {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0.0, 1.0]] * d}


def test_sobol_agrees_with_salib():
    salib_sobol = pytest.importorskip(
        "SALib.analyze.sobol", reason="SALib (the 'salib' extra) is not installed"
    )
    n = 512
    rows = saltelli_sample(3, n, seed=21)
    y = ishigami(rows)
    ours = sobol_analyze(y, 3, n, seed=9)
    theirs = salib_sobol.analyze(_problem(3), y, calc_second_order=False, num_resamples=100, seed=9)
    for key in ("S1", "ST"):
        np.testing.assert_allclose(getattr(ours, key), theirs[key], rtol=1e-9, atol=1e-12)
    # the same estimator of the interval; equal today (SALib draws the same bootstrap indices
    # from the same seed), the tolerance keeps the test to the statistics, not to SALib's RNG use
    for key in ("S1_conf", "ST_conf"):
        np.testing.assert_allclose(getattr(ours, key), theirs[key], rtol=0.25)


def test_morris_agrees_with_salib():
    salib_morris = pytest.importorskip(
        "SALib.analyze.morris", reason="SALib (the 'salib' extra) is not installed"
    )
    d, r, levels = len(G_A), 30, 4
    rows = morris_sample(d, r, levels, seed=13)
    y = sobol_g(rows)
    ours = morris_analyze(rows, y, d, r, levels=levels, seed=9)
    theirs = salib_morris.analyze(_problem(d), rows, y, num_levels=levels, num_resamples=100, seed=9)
    for key in ("mu", "mu_star", "sigma"):
        np.testing.assert_allclose(
            getattr(ours, key), np.asarray(theirs[key], dtype=float), rtol=1e-9, atol=1e-12
        )
    np.testing.assert_allclose(ours.mu_star_conf, np.asarray(theirs["mu_star_conf"], dtype=float), rtol=0.25)


# -- analyses of results tables -------------------------------------------------------------------------


def _table(unit: np.ndarray, y: np.ndarray, names: list[str], status: str = "optimal") -> pd.DataFrame:
    """A results table as ``to_dataframe()`` gives it: the baseline, then the design's rows."""
    rows = [{"name": "baseline", "status": "optimal", "objective_value": 0.0, "yield_": 0.0}]
    for i, (point, value) in enumerate(zip(unit, y, strict=True)):
        rows.append({"name": f"s-{i:05d}", "status": status, "objective_value": value, "yield_": -value})
        rows[-1].update(dict(zip(names, point, strict=True)))
    return pd.DataFrame(rows)


def _meta(kind: str, names: list[str], design: dict, **extra) -> SweepMeta:
    return SweepMeta(
        kind=kind,
        parameters=[ParameterMeta(name, low=0.0, high=1.0, **extra.get(name, {})) for name in names],
        design=design,
        outcomes=["yield_"],
    )


def test_sobol_indices_of_a_table_match_the_estimator():
    names, n = ["x1", "x2", "x3"], 256
    unit = saltelli_sample(3, n, seed=2)
    y = ishigami(unit)
    meta = _meta("sobol", names, {"base_samples": n})
    df = _table(unit, y, names)
    got = sobol_indices(df, meta=meta)
    expected = sobol_analyze(y, 3, n)
    assert list(got.columns) == list(SOBOL_COLUMNS) and list(got.index) == names
    assert got.index.name == "parameter"
    np.testing.assert_allclose(got["S1"], expected.S1)
    np.testing.assert_allclose(got["ST_conf"], expected.ST_conf)
    # any outcome column; the meta may also ride in the table's attrs, as a dict
    df.attrs[META_KEY] = meta.to_dict()
    np.testing.assert_allclose(sobol_indices(df, "yield_")["ST"], expected.ST)


def test_sobol_indices_refuse_tables_without_the_right_meta():
    names, n = ["x1", "x2"], 8
    unit = saltelli_sample(2, n, seed=2)
    df = _table(unit, unit.sum(axis=1), names)
    with pytest.raises(ValueError, match=r"no sweep metadata \(results.meta\)"):
        sobol_indices(df)
    with pytest.raises(ValueError, match=r"a 'latin_hypercube' sweep; sobol indices need a 'sobol' sweep"):
        sobol_indices(df, meta=_meta("latin_hypercube", names, {}))
    with pytest.raises(ValueError, match=r"lacks design\['base_samples'\]"):
        sobol_indices(df, meta=_meta("sobol", names, {}))
    with pytest.raises(ValueError, match=r"32 scenarios besides the baseline; the design of 16 base samples"):
        sobol_indices(df, meta=_meta("sobol", names, {"base_samples": 16}))
    with pytest.raises(ValueError, match=r"parameter column\(s\) 'x9'"):
        sobol_indices(df, meta=_meta("sobol", ["x1", "x9"], {"base_samples": n}))
    with pytest.raises(ValueError, match=r"outcome 'profit' is not a column.*'yield_'"):
        sobol_indices(df, "profit", meta=_meta("sobol", names, {"base_samples": n}))
    shuffled = pd.concat([df.iloc[:1], df.iloc[1:].sort_values("x1")])
    with pytest.raises(
        ValueError, match=r"scenario 's-\d+' should be the first row .* not in the sweep's order"
    ):
        sobol_indices(shuffled, meta=_meta("sobol", names, {"base_samples": n}))


def test_indices_treat_scenarios_without_solution_as_nan():
    names, n = ["x1", "x2"], 16
    unit = saltelli_sample(2, n, seed=2)
    y = unit[:, 0] + 2 * unit[:, 1] ** 2
    df = _table(unit, y, names)
    df.loc[3, "status"] = "infeasible"  # its objective is still a number in this table: ignored
    meta = _meta("sobol", names, {"base_samples": n})
    with pytest.raises(ValueError, match=r"1 outputs are NaN \(the first is row 2, in base sample 0\)"):
        sobol_indices(df, meta=meta)
    with pytest.warns(RuntimeWarning, match=r"omitted 1 of 16 base samples"):
        got = sobol_indices(df, meta=meta, nan_policy="omit")
    expected = sobol_analyze(y[4:], 2, n - 1)  # without base sample 0 (rows 0..3)
    np.testing.assert_allclose(got["S1"], expected.S1)
    np.testing.assert_allclose(got["ST"], expected.ST)


def test_morris_indices_of_a_table_with_a_categorical_parameter():
    d, r, levels = 3, 10, 4
    unit = morris_sample(d, r, levels, seed=3)
    y = 2.0 * unit[:, 0] - 1.0 * unit[:, 1]
    names = ["price", "plant", "noise"]
    df = _table(unit, y, names).astype({"plant": object})
    # the categorical "plant" picks its level by the unit-cube coordinate, in levels' order
    df.loc[1:, "plant"] = np.array(["low", "mid", "high"], dtype=object)[
        np.minimum((unit[:, 1] * 3).astype(int), 2)
    ]
    meta = _meta("morris", names, {"trajectories": r, "levels": levels}, plant={"kind": "categorical",
                 "levels": ["low", "mid", "high"]})  # fmt: skip
    got = morris_indices(df, meta=meta)
    expected = morris_analyze(unit, y, d, r, levels=levels)
    assert list(got.columns) == list(MORRIS_COLUMNS) and list(got.index) == names
    np.testing.assert_allclose(got["mu"], expected.mu)
    np.testing.assert_allclose(got["mu_star"], [2.0, 1.0, 0.0])
    np.testing.assert_allclose(got["mu"], [2.0, -1.0, 0.0])
    bad = _meta("morris", names, {"trajectories": r, "levels": levels}, plant={"levels": ["low", "mid"]})
    with pytest.raises(ValueError, match=r"parameter 'plant' has values \['high'\] not among its levels"):
        morris_indices(df, meta=bad)
    with pytest.raises(ValueError, match=r"lacks design\['levels'\]"):
        morris_indices(df, meta=_meta("morris", names, {"trajectories": r}))


def test_rank_correlations_of_any_outcome():
    rng = np.random.default_rng(0)
    unit = rng.random((40, 2))
    df = _table(unit, 3 * unit[:, 0] + 0.1 * unit[:, 1], ["x1", "x2"])
    df["plant"] = "A"  # a categorical parameter has no rank correlation: left out
    # the metadata tells outcomes (yield_) from parameters
    df.attrs[META_KEY] = _meta("latin_hypercube", ["x1", "x2", "plant"], {}).to_dict()
    on_objective = rank_correlations(df)
    on_outcome = rank_correlations(df, outcome="yield_")
    assert list(on_objective.index) == ["x1", "x2"] and on_objective["x1"] > 0.9
    pd.testing.assert_series_equal(on_outcome, -on_objective)
    with pytest.raises(ValueError, match=r"outcome 'cost' is not a column"):
        rank_correlations(df, outcome="cost")


# -- end to end: a Sobol sweep of an LP through run_scenarios --------------------------------------------


def plan_model() -> LXModel:
    """The tiny plan of the module docstring: ``production[0|1]``, ``capacity[assembly|paint]``."""
    items = [(0, 3.0, {"assembly": 1.0, "paint": 2.0}), (1, 2.0, {"assembly": 1.0, "paint": 1.0})]
    resources = [("assembly", 12.0), ("paint", 30.0)]
    x = (
        LXVariable[tuple, float]("production")
        .continuous()
        .bounds(lower=0, upper=10)
        .indexed_by(lambda p: p[0])
        .from_data(items)
        .cost(lambda p: p[1])
    )
    capacity = (
        LXConstraint[tuple]("capacity")
        .expression(LXLinearExpression().add_term(x, lambda p, r: p[2][r[0]]))
        .le()
        .rhs(lambda r: r[1])
        .from_data(resources)
        .indexed_by(lambda r: r[0])
    )
    return LXModel("plan").add_variable(x).add_constraint(capacity).maximize()


PLAN_RANGES = {
    param("production[0]", "objective", "multiply", name="table_profit"): (0.8, 1.2),
    param("capacity[assembly]", "rhs", "multiply", name="assembly"): (0.9, 1.1),
    param("capacity[paint]", "rhs", "multiply", name="paint"): (0.8, 1.2),
}


def test_sobol_sweep_of_an_lp_end_to_end():
    sweep = sobol(PLAN_RANGES, 128, seed=1)
    assert sweep.meta.kind == "sobol" and sweep.meta.design == {"base_samples": 128}
    results = run_scenarios(plan_model(), sweep, backend="sequential", progress=False)
    assert len(results.failed) == 0
    df = results.to_dataframe()
    # the objective is 30 m + 24 a - 20 (module docstring): check the LP before the indices
    sample = df[df["name"] != "baseline"]
    np.testing.assert_allclose(
        sample["objective_value"], 30 * sample["table_profit"] + 24 * sample["assembly"] - 20, rtol=1e-9
    )
    indices = sobol_indices(results, meta=sweep.meta)
    assert list(indices.index) == ["table_profit", "assembly", "paint"]
    expected = np.array([12 / 13.92, 1.92 / 13.92, 0.0])
    assert (np.abs(indices["S1"] - expected) <= indices["S1_conf"] + 1e-9).all(), indices
    assert (np.abs(indices["ST"] - expected) <= indices["ST_conf"] + 1e-9).all(), indices
    assert indices["ST"]["table_profit"] > indices["ST"]["assembly"] > 0.05
    assert abs(indices["ST"]["paint"]) < 1e-9 and abs(indices["S1"]["paint"]) < 1e-9
    # run_scenarios keeps the sweep's metadata on the results: the method needs no meta=
    pd.testing.assert_frame_equal(results.sobol(), indices)
    pd.testing.assert_frame_equal(results.sobol("objective_value", seed=4), sobol_indices(results, seed=4))


def test_sensitivity_api_is_exported():
    import runner

    for name in ("sobol_indices", "morris_indices", "rank_correlations"):
        assert name in runner.__all__ and getattr(runner, name) is getattr(runner.analysis, name)


def test_morris_sweep_of_an_lp_end_to_end():
    """An elementary effect is the objective's change per unit of the unit cube: the objective
    30 m + 24 a - 20 (module docstring) over m's range 0.4 gives 12, over a's range 0.2 gives
    4.8, and paint none; every trajectory alike (a linear objective), so sigma = 0."""
    sweep = morris(PLAN_RANGES, 6, seed=2, levels=4)
    results = run_scenarios(plan_model(), sweep, backend="sequential", progress=False)
    assert len(results.failed) == 0
    indices = results.morris()
    np.testing.assert_allclose(indices["mu"], [12.0, 4.8, 0.0], atol=1e-7)
    np.testing.assert_allclose(indices["mu_star"], [12.0, 4.8, 0.0], atol=1e-7)
    np.testing.assert_allclose(indices["sigma"], 0.0, atol=1e-7)
    pd.testing.assert_frame_equal(indices, morris_indices(results, meta=sweep.meta))
