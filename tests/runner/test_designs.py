"""Tests of the sweep designs (issue 11): distributions by inverse CDF with truncation, rank
correlation (Iman-Conover), integer / boolean / categorical parameters and scenario fragments,
prefix-stable (extendable) designs, the sweeps' metadata, and the same in TOML.

Objectives are checked against hand-built scenarios of the tiny production plan of
``test_sweeps.py`` (optimum 34; worked values there) solved in the same run, and against
``f(hours)`` of ``test_cli.py``'s plan (``3 A`` for ``A <= 10``, ``30 + 2 (A - 10)`` above).
"""

from __future__ import annotations

import copy
import json
import math
import pickle
import re
import sys

import numpy as np
import pandas as pd
import pytest
import scipy.stats as st
from scipy.optimize import linprog

import runner
from lumix import LXScenario
from lumix.analysis import LXScenarioModification
from runner import run_scenarios
from runner.cli.spec import SpecError, load_spec
from runner.meta import ParameterMeta, SweepMeta
from runner.sweeps import (
    Distribution,
    boolean,
    categorical,
    choice_param,
    data_param,
    grid,
    integer,
    latin_hypercube,
    lognormal,
    monte_carlo,
    morris,
    normal,
    one_at_a_time,
    param,
    quasi_random,
    sobol,
    triangular,
    truncated,
    uniform,
)

from .test_cli import cli, write_spec
from .test_sweeps import OPTIMUM, plan_model, scale_capacity

A = param("capacity", name="a")
B = param("production", "objective", name="b")
C = param("capacity[assembly]", "rhs", "add", name="c")
HOURS = param("capacity[assembly]", "rhs", "set", name="hours")


def half_capacity(model):
    scale_capacity(model, 0.5)


def pick_supplier(model, supplier):
    """A data parameter that takes a category's name: supplier "B" pays twice as much."""
    if supplier == "B":
        for item in model.get_variable("production").get_instances():
            item.profit *= 2


PAINT_DOWN = choice_param("paint_down", {True: {param("capacity[paint]", "rhs", "set"): 14.0}, False: None})
SUPPLIER = data_param("supplier", pick_supplier)


def run(model, scenarios, **kw):
    kw.setdefault("backend", "sequential")
    return run_scenarios(model, scenarios, progress=False, **kw)


def column(sweep, name):
    return [s.parameters[name] for s in sweep]


def plan_objective(assembly: float, paint: float = 30.0, price: float = 1.0) -> float:
    """The plan written directly as an LP for scipy: max 3 x0 + 2 x1, x0 + x1 <= assembly,
    2 x0 + x1 <= paint, 0 <= x <= 10 (the independent check), times the price factor."""
    lp = linprog([-3, -2], A_ub=[[1, 1], [2, 1]], b_ub=[assembly, paint], bounds=[(0, 10), (0, 10)])
    assert lp.status == 0
    return -lp.fun * price


# -- marginals ----------------------------------------------------------------------------------------


class _Truncated:
    """The CDF of ``dist`` truncated to ``[low, high]``, written out (the reference)."""

    def __init__(self, dist, low=-math.inf, high=math.inf):
        self.dist, self.low, self.high = dist, low, high

    def cdf(self, x):
        lo, hi = self.dist.cdf(self.low), self.dist.cdf(self.high)
        return np.clip((self.dist.cdf(x) - lo) / (hi - lo), 0, 1)


MARGINALS = {
    "uniform": (lambda: uniform(2, 5), st.uniform(2, 3), (2, 5)),
    "normal": (lambda: normal(1, 0.2), st.norm(1, 0.2), (-math.inf, math.inf)),
    "normal low=0": (
        lambda: normal(1, 0.5, low=0),
        st.truncnorm(-2, math.inf, loc=1, scale=0.5),
        (0, math.inf),
    ),
    "normal [0.5, 1.2]": (
        lambda: normal(1, 0.5, low=0.5, high=1.2),
        st.truncnorm(-1, 0.4, loc=1, scale=0.5),
        (0.5, 1.2),
    ),
    "normal upper tail": (lambda: normal(0, 1, low=3), st.truncnorm(3, math.inf), (3, math.inf)),
    "lognormal": (lambda: lognormal(0, 0.3), st.lognorm(0.3), (0, math.inf)),
    "lognormal high=1.5": (
        lambda: lognormal(0, 0.5, high=1.5),
        _Truncated(st.lognorm(0.5), high=1.5),
        (0, 1.5),
    ),
    "triangular": (lambda: triangular(0, 0.3, 1), st.triang(0.3), (0, 1)),
    "scipy gamma truncated": (
        lambda: truncated(st.gamma(2, scale=0.5), low=0.2, high=3),
        _Truncated(st.gamma(2, scale=0.5), 0.2, 3),
        (0.2, 3),
    ),
    "scipy frozen": (lambda: st.weibull_min(1.5), st.weibull_min(1.5), (0, math.inf)),
}
SAMPLERS = {
    "latin_hypercube": latin_hypercube,
    "monte_carlo": monte_carlo,
    "quasi_random sobol": quasi_random,
    "quasi_random halton": lambda d, n, seed: quasi_random(d, n, seed, method="halton"),
}


@pytest.mark.parametrize("sampler", list(SAMPLERS))
@pytest.mark.parametrize("case", list(MARGINALS))
def test_marginals_follow_their_distribution_and_bounds(sampler, case):
    make, reference, (low, high) = MARGINALS[case]
    values = np.array(column(SAMPLERS[sampler]({A: make()}, 512, 1), "a"))
    assert st.kstest(values, reference.cdf).pvalue > 0.001
    assert values.min() >= low and values.max() <= high
    assert all(type(v) is float for v in values.tolist())


def test_truncation_is_never_violated_where_the_plain_normal_is():
    """The issue's case: a normal multiplier with std 0.5 goes negative; truncated it never does."""
    plain = np.array(column(monte_carlo({A: normal(1, 0.5)}, 2000, seed=0), "a"))
    cut = np.array(column(monte_carlo({A: normal(1, 0.5, low=0, high=2.2)}, 2000, seed=0), "a"))
    assert (plain < 0).sum() > 10 and (plain > 2.2).sum() > 0
    assert cut.min() >= 0 and cut.max() <= 2.2


def test_discrete_marginals_have_their_frequencies_and_types():
    supplier = categorical(["A", "B", "C"], weights=[0.5, 0.3, 0.2])
    sweep = monte_carlo({HOURS: integer(1, 4), PAINT_DOWN: boolean(0.3), SUPPLIER: supplier}, 4000, seed=2)
    hours, down, names = column(sweep, "hours"), column(sweep, "paint_down"), column(sweep, "supplier")
    assert {type(v) for v in hours} == {int} and {type(v) for v in down} == {bool}
    assert {type(v) for v in names} == {str}
    counts = [hours.count(k) for k in (1, 2, 3, 4)]
    assert st.chisquare(counts, [1000] * 4).pvalue > 0.01
    assert st.binomtest(sum(down), 4000, 0.3).pvalue > 0.01
    assert st.chisquare([names.count(k) for k in "ABC"], [2000, 1200, 800]).pvalue > 0.01
    # a Latin hypercube stratifies them: the shares are exact up to one scenario
    lhs = latin_hypercube({PAINT_DOWN: boolean(0.3), SUPPLIER: supplier}, 1000, seed=2)
    assert abs(sum(column(lhs, "paint_down")) - 300) <= 1
    assert abs(column(lhs, "supplier").count("C") - 200) <= 1


def test_a_distribution_must_suit_its_parameter():
    with pytest.raises(ValueError, match=r"parameter 'a': .* gives categorical values, but a change of rhs"):
        monte_carlo({A: categorical(["x", "y"])}, 3, seed=1)
    with pytest.raises(ValueError, match=r"'paint_down': 'maybe' is not one of the levels \[True, False\]"):
        monte_carlo({PAINT_DOWN: categorical(["maybe"])}, 3, seed=1)
    with pytest.raises(ValueError, match=r"categorical\(\) without levels needs a choice_param"):
        latin_hypercube({A: categorical()}, 3, seed=1)
    with pytest.raises(TypeError, match=r"a \(low, high\) pair, or a callable fn\(rng, n\)"):
        monte_carlo({A: "normal"}, 3, seed=1)
    with pytest.raises(
        ValueError, match=r"normal\(mean=0, std=1, low=50\): the interval .* has probability 0"
    ):
        normal(0, 1, low=50)
    with pytest.raises(ValueError, match=r"std must be > 0"):
        normal(1, 0)
    with pytest.raises(ValueError, match=r"low=2 > high=1"):
        integer(2, 1)
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\]"):
        boolean(1.5)
    with pytest.raises(ValueError, match=r"weights must give one number per level"):
        categorical(["x", "y"], weights=[1.0])


# -- correlation --------------------------------------------------------------------------------------

CORRELATED = {A: normal(1, 0.2), B: lognormal(0, 0.3), C: integer(1, 5)}


@pytest.mark.parametrize("sampler", list(SAMPLERS))
def test_rank_correlation_reaches_its_target_and_keeps_the_marginals(sampler):
    make = SAMPLERS[sampler]
    plain = make(CORRELATED, 1000, 4)
    target = {(A, B): 0.6, ("a", "c"): -0.3}
    sweep = {
        "latin_hypercube": lambda: latin_hypercube(CORRELATED, 1000, 4, correlation=target),
        "monte_carlo": lambda: monte_carlo(CORRELATED, 1000, 4, correlation=target),
        "quasi_random sobol": lambda: quasi_random(CORRELATED, 1000, 4, correlation=target),
        "quasi_random halton": lambda: quasi_random(CORRELATED, 1000, 4, method="halton", correlation=target),
    }[sampler]()
    rho = st.spearmanr(np.array([column(sweep, n) for n in "abc"]).T).statistic
    assert rho[0, 1] == pytest.approx(0.6, abs=0.03)
    assert rho[0, 2] == pytest.approx(-0.3, abs=0.03)
    assert rho[1, 2] == pytest.approx(0.0, abs=0.05)
    assert abs(st.spearmanr(column(plain, "a"), column(plain, "b")).statistic) < 0.1
    for name in "abc":  # Iman-Conover reorders each column: the same values, so the same marginal
        assert sorted(column(sweep, name)) == sorted(column(plain, name))
    assert sweep.meta.design["correlation"] == [[1.0, 0.6, -0.3], [0.6, 1.0, 0.0], [-0.3, 0.0, 1.0]]


def test_a_correlation_of_few_scenarios_still_reorders_only():
    for n in (1, 2, 3):
        plain, cut = (
            latin_hypercube(CORRELATED, n, 2),
            latin_hypercube(CORRELATED, n, 2, correlation={("a", "b"): 0.9}),
        )
        for name in "abc":
            assert sorted(column(cut, name)) == sorted(column(plain, name))


def test_a_correlation_matrix_is_the_pairs_in_parameter_order():
    pairs = monte_carlo(CORRELATED, 50, 1, correlation={("b", "a"): 0.5})
    matrix = monte_carlo(CORRELATED, 50, 1, correlation=[[1, 0.5, 0], [0.5, 1, 0], [0, 0, 1]])
    assert [s.parameters for s in pairs] == [s.parameters for s in matrix]


@pytest.mark.parametrize(
    "correlation, match",
    [
        ({("a", "b"): 0.9, ("a", "c"): 0.9, ("b", "c"): -0.9}, r"not positive definite"),
        ({("a", "b"): 1.5}, r"the correlation of 'a' and 'b' is 1.5, outside \[-1, 1\]"),
        ({("a", "x"): 0.5}, r"correlation names 'x', which is not a parameter"),
        ({("a", "a"): 0.5}, r"names one parameter twice"),
        ([[1, 0.5], [0.5, 1]], r"the correlation matrix is \(2, 2\), expected \(3, 3\)"),
        ([[1, 0.5, 0], [0.4, 1, 0], [0, 0, 1]], r"must be symmetric"),
    ],
)
def test_bad_correlations_are_named(correlation, match):
    with pytest.raises(ValueError, match=r"latin_hypercube\(\): .*" + match):
        latin_hypercube(CORRELATED, 20, 1, correlation=correlation)


# -- integer, boolean and categorical parameters; fragments --------------------------------------------


def test_fragments_match_hand_built_scenarios():
    """Each level of a choice adds its fragment: the objective equals the same change written
    as a scenario by hand (worked values: 34, 68, 18, 42, 26)."""
    model = plan_model()
    supplier = choice_param(
        "supplier",
        {
            "A": None,
            "B": {param("production", "objective", "multiply"): 2.0},
            "C": half_capacity,
            "D": LXScenario("plus4").modify_constraint_rhs("capacity[assembly]", add=4),
            "E": [LXScenarioModification("constraint", "capacity[paint]", "rhs_set", 14.0)],
        },
    )
    sweep = grid({supplier: categorical()})
    hand = [
        LXScenario("hand-A"),
        LXScenario("hand-B").modify_objective_coefficient("production", multiply=2.0),
        LXScenario("hand-C").modify_model(half_capacity),
        LXScenario("hand-D").modify_constraint_rhs("capacity[assembly]", add=4),
        LXScenario("hand-E").modify_constraint_rhs("capacity[paint]", set_value=14.0),
    ]
    results = run(model, [*sweep, *hand])
    assert column(sweep, "supplier") == ["A", "B", "C", "D", "E"]
    for scenario, by_hand, worked in zip(sweep, hand, [OPTIMUM, 68.0, 18.0, 42.0, 26.0], strict=True):
        assert results[scenario.name].objective_value == pytest.approx(results[by_hand.name].objective_value)
        assert results[scenario.name].objective_value == pytest.approx(worked)
    df = results.to_dataframe().set_index("name")
    assert df.loc[sweep[1].name, "supplier"] == "B"


def test_boolean_integer_and_data_categorical_columns_hold_their_values():
    """``paint_down`` (a fragment), ``hours`` (an int, set as the assembly hours) and ``supplier``
    (a name given to apply): objective = price factor * plan(A, paint) worked by hand."""
    model = plan_model()
    sweep = grid({PAINT_DOWN: boolean(), HOURS: integer(10, 12), SUPPLIER: categorical(["A", "B"])})
    assert len(sweep) == 12
    results = run(model, sweep)
    df = results.to_dataframe().set_index("name")
    for s in sweep:
        down, hours, supplier = s.parameters["paint_down"], s.parameters["hours"], s.parameters["supplier"]
        assert (type(down), type(hours), type(supplier)) == (bool, int, str)
        expected = plan_objective(hours, 14.0 if down else 30.0, 2.0 if supplier == "B" else 1.0)
        assert results[s.name].objective_value == pytest.approx(expected), s.parameters
        assert (df.loc[s.name, "paint_down"], df.loc[s.name, "hours"]) == (down, hours)
        assert df.loc[s.name, "supplier"] == supplier


def test_one_at_a_time_moves_a_choice_to_its_other_level():
    sweep = one_at_a_time({PAINT_DOWN: False, A: 1.0}, {PAINT_DOWN: [True], A: [0.5]})
    results = run(plan_model(), sweep)
    assert [results[s.name].objective_value for s in sweep] == pytest.approx([OPTIMUM, 26.0, 18.0])
    assert sweep.meta.design == {"base": {"paint_down": False, "a": 1.0}}


def test_fragments_travel_to_loky_workers_and_sweeps_pickle():
    """A choice's callable fragment and a data parameter's names ship to worker processes; a
    sweep (with its meta) survives pickle and deepcopy."""
    source = choice_param("source", {"A": None, "C": half_capacity, "E": lambda m: scale_capacity(m, 0.25)})
    sweep = monte_carlo(
        {source: categorical(), PAINT_DOWN: boolean(), SUPPLIER: categorical(["A", "B"])}, 12, 4
    )
    parallel = run(plan_model(), sweep, backend="loky", n_jobs=2)
    serial = run(plan_model(), sweep)
    for s in sweep:
        assert parallel[s.name].objective_value == pytest.approx(serial[s.name].objective_value), s.name
    for clone in (
        pickle.loads(pickle.dumps(grid({PAINT_DOWN: boolean(), HOURS: integer(1, 2)}))),
        copy.deepcopy(sweep),
    ):
        assert clone.meta.kind in ("grid", "monte_carlo") and clone.meta.parameters
    assert [s.parameters for s in copy.deepcopy(sweep)] == [s.parameters for s in sweep]


def test_choice_and_fragment_errors():
    with pytest.raises(ValueError, match=r"'x' is not one of the levels \[True, False\]"):
        grid({PAINT_DOWN: ["x"]})
    with pytest.raises(TypeError, match=r"choice_param\('p'\): level \(1,\) must be a non-empty string"):
        choice_param("p", {(1,): None})
    with pytest.raises(TypeError, match=r"fragment 'p=A': expected None, an LXScenario"):
        choice_param("p", {"A": 3.0})
    with pytest.raises(TypeError, match=r"keys must be parameters from param\(\) or data_param\(\)"):
        choice_param("p", {"A": {PAINT_DOWN: True}})


# -- extendable designs -------------------------------------------------------------------------------

MIXED = {
    A: normal(1, 0.2, low=0.5),
    B: (0.8, 1.2),
    HOURS: integer(8, 14),
    PAINT_DOWN: boolean(0.2),
    SUPPLIER: categorical(["A", "B", "C"]),
}


def assert_prefix(small, large):
    assert [s.name for s in large[: len(small)]] == [s.name for s in small]
    assert [s.parameters for s in large[: len(small)]] == [s.parameters for s in small]
    assert [s.key for s in large[: len(small)]] == [s.key for s in small]  # the journal's keys
    assert len({s.name for s in large}) == len(large)


def drawn_uniform(rng, n):
    return rng.uniform(0.5, 1.5, n)


@pytest.mark.parametrize(
    "make",
    [
        lambda n: monte_carlo(MIXED, n, seed=7),
        lambda n: monte_carlo({A: drawn_uniform, B: st.norm(1, 0.1)}, n, seed=7),
        lambda n: quasi_random(MIXED, n, seed=7),
        lambda n: quasi_random(MIXED, n, seed=7, method="halton"),
    ],
    ids=["monte_carlo", "monte_carlo callable", "quasi_random sobol", "quasi_random halton"],
)
def test_extendable_designs_keep_their_first_scenarios(make):
    small, large = make(200), make(250)
    assert (len(small), len(large)) == (200, 250)
    assert_prefix(small, large)
    assert large[200].parameters != large[0].parameters


def test_names_of_extendable_designs_do_not_widen():
    from runner.sweeps.designs import _names

    assert _names("mc", 100_001, widen=False)[-2:] == ["mc-99999", "mc-100000"]
    assert _names("mc", 3, widen=False) == _names("mc", 100_001, widen=False)[:3]


def test_sobol_design_grows_from_8_to_16_base_samples_in_saltelli_order():
    dists = {A: (0.5, 1.5), B: normal(1, 0.1), PAINT_DOWN: boolean()}
    small, large = sobol(dists, 8, seed=3), sobol(dists, 16, seed=3)
    assert (len(small), len(large)) == (8 * 5, 16 * 5)
    assert_prefix(small, large)
    assert large.meta.design == {"base_samples": 16} and large.meta.n == 80
    names = ["a", "b", "paint_down"]
    for j in range(16):  # rows A_j, AB_j^1 .. AB_j^3, B_j
        block = [[s.parameters[n] for n in names] for s in large[5 * j : 5 * j + 5]]
        a, b = block[0], block[4]
        for i in range(3):
            assert block[1 + i] == [b[k] if k == i else a[k] for k in range(3)]


def test_morris_design_grows_by_trajectories_one_parameter_per_step():
    dists = {
        A: (0.5, 1.5),
        B: normal(1, 0.2, low=0.6, high=1.4),
        HOURS: integer(8, 11),
        PAINT_DOWN: boolean(),
    }
    small, large = morris(dists, 5, seed=2), morris(dists, 9, seed=2)
    assert (len(small), len(large)) == (5 * 5, 9 * 5)
    assert_prefix(small, large)
    assert large.meta.design == {"trajectories": 9, "levels": 4}
    names = ["a", "b", "hours", "paint_down"]
    for t in range(9):
        rows = [[s.parameters[n] for n in names] for s in large[5 * t : 5 * t + 5]]
        moved = [
            sum(x != y for x, y in zip(r0, r1, strict=True))
            for r0, r1 in zip(rows[:-1], rows[1:], strict=True)
        ]
        assert moved == [1, 1, 1, 1]
        assert sorted(
            next(k for k in range(4) if r0[k] != r1[k]) for r0, r1 in zip(rows[:-1], rows[1:], strict=True)
        ) == [
            0,
            1,
            2,
            3,
        ]
    levels = np.array([0.5, 0.5 + 1 / 3, 0.5 + 2 / 3, 1.5])  # the grid of levels = 4 on [0.5, 1.5]
    assert all(np.isclose(v, levels).any() for v in column(large, "a"))


def test_morris_needs_bounded_values_that_change_at_each_step():
    with pytest.raises(
        ValueError, match=r"morris\(\), parameter 'a': normal\(mean=1, std=0.2\) is unbounded"
    ):
        morris({A: normal(1, 0.2)}, 3, seed=1)
    with pytest.raises(ValueError, match=r"parameter 'paint_down': the step from u=.* leaves its value"):
        morris({A: (0, 1), PAINT_DOWN: categorical(weights=[0.95, 0.05])}, 30, seed=1)


def test_a_larger_monte_carlo_sweep_solves_only_the_new_scenarios(tmp_path):
    model, store = plan_model(), str(tmp_path / "journal.sqlite")
    dists = {A: normal(1, 0.2, low=0.5), PAINT_DOWN: boolean(0.3), HOURS: integer(9, 13)}
    first = run(model, monte_carlo(dists, 20, seed=5), store=store)
    grown = run(model, monte_carlo(dists, 30, seed=5), store=store)
    assert first.resumed == 0
    assert grown.resumed == 21  # the baseline and the 20 scenarios of the first run
    assert len(grown) == 31
    again = run(model, monte_carlo(dists, 30, seed=5))
    for name in (f"mc-{i:05d}" for i in range(30)):
        assert grown[name].objective_value == pytest.approx(again[name].objective_value)


# -- metadata -----------------------------------------------------------------------------------------


def test_meta_describes_the_design():
    sweep = latin_hypercube({A: (0.5, 1.5), B: normal(1, 0.5, low=0), PAINT_DOWN: boolean(0.25)}, 8, seed=7)
    assert sweep.meta == SweepMeta(
        kind="latin_hypercube",
        parameters=[
            ParameterMeta("a", "rhs", "capacity", "multiply", None, "float", 0.5, 1.5, "uniform(0.5, 1.5)"),
            ParameterMeta(
                "b",
                "objective",
                "production",
                "multiply",
                None,
                "float",
                0.0,
                None,
                "normal(mean=1, std=0.5, low=0)",
            ),  # fmt: skip
            ParameterMeta(
                "paint_down", "choice", "", "set", None, "bool", None, None, "boolean(p=0.25)", [False, True]
            ),  # fmt: skip
        ],
        n=8,
        seed=7,
    )
    data = json.loads(json.dumps(sweep.meta.to_dict()))
    assert SweepMeta.from_dict(data) == sweep.meta
    assert quasi_random({A: (0, 1)}, 4, 1, method="halton").meta.design == {"method": "halton"}
    hours = grid({HOURS: integer(10, 12), SUPPLIER: ["A", "B"]}).meta
    assert (hours.kind, hours.n, hours.seed) == ("grid", 6, None)
    assert hours.parameters[0].levels == [10, 11, 12] and hours.parameters[0].kind == "int"
    assert (hours.parameters[0].low, hours.parameters[0].high) == (10, 12)
    assert hours.parameters[1].levels == ["A", "B"] and hours.parameters[1].kind == "categorical"
    mc = monte_carlo({A: drawn_uniform}, 10, 1).meta.parameters[0]
    assert mc.distribution.startswith("drawn_uniform at test_designs.py:") and 0.5 <= mc.low <= mc.high <= 1.5


def test_seed_none_is_drawn_and_recorded_so_the_sweep_can_be_repeated():
    first = monte_carlo(MIXED, 10)
    assert isinstance(first.meta.seed, int)
    again = monte_carlo(MIXED, 15, seed=first.meta.seed)
    assert_prefix(first, again)
    assert monte_carlo(MIXED, 10).meta.seed != first.meta.seed


def test_the_design_api_is_exported():
    for name in (
        "quasi_random",
        "sobol",
        "morris",
        "choice_param",
        "normal",
        "categorical",
        "boolean",
        "integer",
    ):
        assert name in runner.__all__ and getattr(runner, name) is getattr(runner.sweeps, name)
    assert isinstance(runner.uniform(0, 1), Distribution)


# -- TOML -----------------------------------------------------------------------------------------------

HEAD = """
[model]
factory = "tiny_plan:build"

[run]
seed = 3
backend = "sequential"
n_jobs = 1
"""

TYPED_PARAMETERS = """
[sweep.fragments.paint_short]
changes = [{ target = "capacity[paint]", how = "set", value = 14 }]

[[sweep.parameters]]
name = "assembly"
target = "capacity[assembly]"
low = 0.5
high = 1.5

[[sweep.parameters]]
name = "price"
on = "data"
apply = "tiny_plan:scale_prices"
distribution = "normal"
mean = 1.0
std = 0.5
low = 0.2
high = 1.8

[[sweep.parameters]]
name = "paint_down"
type = "boolean"
probability = 0.5
fragments = { true = "paint_short" }

[[sweep.parameters]]
name = "extra"
target = "capacity[assembly]"
how = "add"
type = "categorical"
levels = [0, 2, 4]
weights = [0.5, 0.25, 0.25]
"""


@pytest.fixture
def in_process_main(monkeypatch: pytest.MonkeyPatch, tmp_path):
    """``runner.cli.main`` in this process, in ``tmp_path``, undoing its import-path changes."""
    from runner.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setenv("PYTHONPATH", "")
    monkeypatch.delenv("LUMIX_SWEEP_N", raising=False)
    monkeypatch.delitem(sys.modules, "tiny_plan", raising=False)
    yield main
    sys.modules.pop("tiny_plan", None)


def load(tmp_path, text, name="sweep.toml"):
    return load_spec(write_spec(tmp_path, text, name))


def python_twin(spec):
    """The same sweep written with the Python API, from the spec's checked parameters."""
    tiny = sys.modules["tiny_plan"]
    paint = choice_param("paint_down", {False: None, True: {param("capacity[paint]", "rhs", "set"): 14.0}})
    dists = {
        param("capacity[assembly]", name="assembly"): (0.5, 1.5),
        data_param("price", tiny.scale_prices): normal(1.0, 0.5, low=0.2, high=1.8),
        paint: boolean(0.5),
        param("capacity[assembly]", "rhs", "add", name="extra"): categorical(
            [0, 2, 4], weights=[0.5, 0.25, 0.25]
        ),
    }
    return dists


@pytest.mark.parametrize(
    "kind, extra, make",
    [
        ("latin_hypercube", "n = 12", lambda d: latin_hypercube(d, 12, 3)),
        ("monte_carlo", "n = 12", lambda d: monte_carlo(d, 12, 3)),
        ("quasi_random", 'n = 8\nmethod = "halton"', lambda d: quasi_random(d, 8, 3, method="halton")),
        ("sobol", "n = 4", lambda d: sobol(d, 4, 3)),
        ("morris", "n = 3\nlevels = 6", lambda d: morris(d, 3, 3, levels=6)),
        (
            "monte_carlo",
            "n = 40\ncorrelation = [[1, 0.5, 0, 0], [0.5, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]",
            lambda d: monte_carlo(d, 40, 3, correlation={("assembly", "price"): 0.5}),
        ),
        (
            "latin_hypercube",
            'n = 40\n[[sweep.correlations]]\nparameters = ["price", "assembly"]\nrank = -0.4',
            lambda d: latin_hypercube(d, 40, 3, correlation={("assembly", "price"): -0.4}),
        ),
    ],
    ids=["lhs", "mc", "halton", "sobol", "morris", "mc correlation", "lhs correlations"],
)
def test_a_toml_sweep_is_the_python_sweep(in_process_main, tmp_path, kind, extra, make):
    spec = load(tmp_path, HEAD + f'[sweep]\nkind = "{kind}"\n{extra}\n' + TYPED_PARAMETERS)
    sweep = spec.scenarios()
    twin = make(python_twin(spec))
    assert [s.name for s in sweep] == [s.name for s in twin]
    assert [s.parameters for s in sweep] == [s.parameters for s in twin]
    assert [s.spec for s in sweep] == [s.spec for s in twin]  # the fragments' and targets' changes
    assert [s.key for s in sweep] == [s.key for s in twin]  # and the data changes, by value
    assert sweep.meta == twin.meta
    assert {type(v) for v in column(sweep, "paint_down")} == {bool}
    assert {type(v) for v in column(sweep, "extra")} == {int}


GRID_TYPES = """
[sweep]
kind = "{kind}"

[sweep.fragments.paint_short]
changes = [{{ target = "capacity[paint]", how = "set", value = 14 }}]

[[sweep.parameters]]
name = "hours"
target = "capacity[assembly]"
how = "set"
type = "integer"
low = 10
high = 12
{hours_base}
[[sweep.parameters]]
name = "paint_down"
type = "boolean"
fragments = {{ true = "paint_short" }}
{paint_base}
"""


def test_toml_grid_and_one_at_a_time_take_every_level(in_process_main, tmp_path):
    sweep = load(tmp_path, HEAD + GRID_TYPES.format(kind="grid", hours_base="", paint_base="")).scenarios()
    assert [(s.parameters["hours"], s.parameters["paint_down"]) for s in sweep] == [
        (10, False), (10, True), (11, False), (11, True), (12, False), (12, True),
    ]  # fmt: skip
    oat = GRID_TYPES.format(kind="one_at_a_time", hours_base="base = 11", paint_base="base = false")
    sweep = load(tmp_path, HEAD + oat, "oat.toml").scenarios()
    assert [s.parameters for s in sweep] == [
        {"hours": 11, "paint_down": False},
        {"hours": 10, "paint_down": False},
        {"hours": 11, "paint_down": False},
        {"hours": 12, "paint_down": False},
        {"hours": 11, "paint_down": True},
    ]
    assert sweep.meta.design == {"base": {"hours": 11, "paint_down": False}}


def test_a_toml_sobol_sweep_runs_and_grows_with_resume(tmp_path):
    """``python -m runner run``: a sobol sweep of 8 base samples, then 16 with --resume: the
    second run solves only the 48 new scenarios; every objective is the plan's LP at the
    scenario's assembly hours (12 x assembly + extra), paint hours and price."""
    folder = tmp_path / "sobol"
    spec = write_spec(folder, HEAD + '[sweep]\nkind = "sobol"\nn = 8\n' + TYPED_PARAMETERS)
    output = folder / "out" / "sobol.parquet"
    first = cli("run", str(spec), "--output", str(output), "--no-progress")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "sobol, 48 scenarios + baseline" in first.stdout
    second = cli("run", str(spec), "--output", str(output), "--no-progress", "--n", "16", "--resume")
    assert second.returncode == 0, second.stdout + second.stderr
    assert re.search(r"; 48 solved here .*, 49 taken from the journal", second.stdout), second.stdout
    df = pd.read_parquet(output).set_index("name")
    assert len(df) == 1 + 16 * 6
    for name, row in df.drop(index="baseline").iterrows():
        expected = plan_objective(12 * row.assembly + row.extra, 14.0 if row.paint_down else 30.0, row.price)
        assert row.objective_value == pytest.approx(expected, rel=1e-7), name


NO_RANGE = {"low": None, "high": None}
TYPED = {"target": None, "low": None, "high": None, "name": '"p"'}  # a choice: no target, no range
PRICE = (
    '[[sweep.parameters]]\nname = "price"\ntarget = "production"\non = "objective"\nlow = 0.9\nhigh = 1.1\n'
)

# name -> ([sweep] keys, changes of the parameter, more tables, the key the message names, its words)
TOML_ERRORS = {
    "unknown type": (
        'kind = "monte_carlo"\nn = 4',
        {"type": '"bool"'},
        "",
        "[0].type",
        "did you mean 'boolean'",
    ),
    "categorical without levels": (
        'kind = "monte_carlo"\nn = 4',
        NO_RANGE | {"type": '"categorical"'},
        "",
        "[0].levels",
        "missing",
    ),
    "levels twice": (
        'kind = "monte_carlo"\nn = 4',
        NO_RANGE | {"type": '"categorical"', "levels": "[1, 2, 1]"},
        "",
        "[0].levels[2]",
        "listed twice",
    ),
    "weights per level": (
        'kind = "monte_carlo"\nn = 4',
        NO_RANGE | {"type": '"categorical"', "levels": "[1, 2]", "weights": "[1.0]"},
        "",
        "[0].weights",
        "expected 2 weights",
    ),
    "names on a target": (
        'kind = "grid"',
        NO_RANGE | {"type": '"categorical"', "levels": '["a", "b"]'},
        "",
        "[0].levels",
        "changes the model by a number, but the parameter takes 'a'",
    ),
    "boolean on a target": ('kind = "grid"', NO_RANGE | {"type": '"boolean"'}, "", "[0].type", "takes False"),
    "probability": (
        'kind = "monte_carlo"\nn = 4',
        TYPED
        | {"type": '"boolean"', "on": '"data"', "apply": '"tiny_plan:scale_prices"', "probability": "1.5"},
        "",
        "[0].probability",
        "outside [0, 1]",
    ),
    "low of a boolean": (
        'kind = "monte_carlo"\nn = 4',
        {"type": '"boolean"', "high": None},
        "",
        "[0].low",
        "not used by type = 'boolean'",
    ),
    "whole numbers": (
        'kind = "monte_carlo"\nn = 4',
        {"type": '"integer"', "low": "1.5"},
        "",
        "[0].low",
        "whole number",
    ),
    "fragments of a float": ('kind = "grid"', {"fragments": '{ a = "x" }'}, "", "[0].fragments", "no levels"),
    "unknown fragment": (
        'kind = "grid"',
        TYPED | {"type": '"boolean"', "fragments": '{ true = "paint_shrt" }'},
        '[sweep.fragments.paint_short]\napply = "tiny_plan:build"\n',
        "[0].fragments.true",
        "did you mean 'paint_short'",
    ),
    "fragment key not a level": (
        'kind = "grid"',
        TYPED | {"type": '"boolean"', "fragments": '{ yes = "x" }'},
        '[sweep.fragments.x]\napply = "tiny_plan:build"\n',
        "[0].fragments.yes",
        "use one of false, true",
    ),
    "empty fragment": (
        'kind = "grid"',
        {},
        "[sweep.fragments.x]\n",
        "[sweep.fragments.x]",
        "changes nothing",
    ),
    "fragment change without value": (
        'kind = "grid"',
        {},
        '[sweep.fragments.x]\nchanges = [{ target = "capacity" }]\n',
        "[sweep.fragments.x].changes[0].value",
        "missing",
    ),
    "method of a latin hypercube": (
        'kind = "latin_hypercube"\nn = 4\nmethod = "halton"',
        {},
        "",
        "[sweep].method",
        "not used by kind",
    ),
    "unknown method": ('kind = "quasi_random"\nn = 4\nmethod = "sobl"', {}, "", "[sweep].method", "'sobol'"),
    "sobol without n": (
        'kind = "sobol"',
        {},
        "",
        "[sweep].n",
        "needs n, the base samples (n (d + 2) scenarios)",
    ),
    "odd levels": ('kind = "morris"\nn = 4\nlevels = 3', {}, "", "[sweep].levels", "is odd"),
    "unbounded morris": (
        'kind = "morris"\nn = 4',
        NO_RANGE | {"distribution": '"normal"', "mean": "1", "std": "0.1"},
        "",
        "[0].distribution",
        "needs bounded values",
    ),
    "mode of a normal": (
        'kind = "sobol"\nn = 4',
        {"distribution": '"normal"', "mean": "1", "std": "0.1", "mode": "1"},
        "",
        "[0].mode",
        "does not use mode",
    ),
    "empty truncation": (
        'kind = "monte_carlo"\nn = 4',
        {"low": "50", "high": "60", "distribution": '"normal"', "mean": "0", "std": "1"},
        "",
        "[0].low",
        "has probability 0",
    ),
    "not positive definite": (
        'kind = "latin_hypercube"\nn = 4\ncorrelation = [[1, 1], [1, 1]]',
        {},
        PRICE,
        "[sweep].correlation",
        "not positive definite",
    ),
    "matrix of another size": (
        'kind = "latin_hypercube"\nn = 4\ncorrelation = [[1]]',
        {},
        PRICE,
        "[sweep].correlation",
        "expected (2, 2)",
    ),
    "correlation of a sobol sweep": (
        'kind = "sobol"\nn = 4\ncorrelation = [[1]]',
        {},
        "",
        "[sweep].correlation",
        "not used by kind = 'sobol'",
    ),
    "correlations naming no parameter": (
        'kind = "monte_carlo"\nn = 4',
        {},
        PRICE + '[[sweep.correlations]]\nparameters = ["assemby", "price"]\nrank = 0.5\n',
        "[sweep.correlations][0].parameters",
        "did you mean 'assembly'",
    ),
    "rank outside": (
        'kind = "monte_carlo"\nn = 4',
        {},
        PRICE + '[[sweep.correlations]]\nparameters = ["assembly", "price"]\nrank = 2\n',
        "[sweep.correlations][0].rank",
        "outside [-1, 1]",
    ),
}


def _parameter(changes):
    keys = {"name": '"assembly"', "target": '"capacity[assembly]"', "low": "0.5", "high": "1.5"} | changes
    return "[[sweep.parameters]]\n" + "".join(f"{k} = {v}\n" for k, v in keys.items() if v is not None)


@pytest.mark.parametrize("case", list(TOML_ERRORS))
def test_toml_design_errors_name_the_key_and_the_fix(in_process_main, tmp_path, case):
    sweep, changes, more, key, words = TOML_ERRORS[case]
    text = HEAD + f"[sweep]\n{sweep}\n\n" + _parameter(changes) + more
    with pytest.raises(SpecError) as caught:
        load(tmp_path, text)
    message = str(caught.value)
    full_key = key if key.startswith("[sweep") else f"[sweep.parameters]{key}"
    assert f": {full_key}: " in message, message
    assert words in message and "; fix: " in message, message


def test_toml_fragment_targets_are_checked_against_the_model(in_process_main, tmp_path, capsys):
    text = (
        HEAD
        + '[sweep]\nkind = "grid"\n'
        + _parameter({"values": "[1.0]"})
        + (
            '[[sweep.parameters]]\nname = "down"\ntype = "boolean"\nfragments = { true = "x" }\n'
            '[sweep.fragments.x]\nchanges = [{ target = "capacty[paint]", how = "set", value = 1 }]\n'
        )
    )
    spec = write_spec(tmp_path, text)
    assert in_process_main(["run", spec.name, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"error: {spec.name}: [sweep.fragments.x].changes[0].target: the model has no constraint"
    )
    assert "did you mean 'capacity[paint]'" in err
