"""``run_scenarios(outcomes=...)``, ``lumix.outcomes`` and ``[[outcomes]]`` in TOML specs.

Every outcome is checked against a value computed another way:

- hand-worked figures of the tiny instance (``conftest.py``): at the baseline ``x = (10, 2)``,
  objective 34, paint uses ``2*10 + 2 = 22`` of 30 (slack 8), assembly binds (shadow price 2,
  paint 0); with paint set to 20 both rows bind at ``x = (8, 4)``, objective 32, and the duals
  solve ``ya + 2 yp = 3``, ``ya + yp = 2``: ``ya = yp = 1``;
- a ``keep="full"`` run of the same scenarios without outcomes (same solver path, so the same
  vertex even where the optimum is not unique): values, duals, goal deviations read from the
  named ``LXSolution``, and row activities from ``lumix.row_activity`` on a model built from
  changed data (the scenario's coefficients written into the data, not into the solver);
- a fresh ``LXOptimizer().solve`` of a model built with the change, for objectives and for
  callable scenarios that rebuild the model.
"""

from __future__ import annotations

import math
import pickle
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from lumix import LXConstraint, LXLinearExpression, LXModel, LXOptimizer, LXVariable, Outcome, row_activity
from lumix.analysis import LXScenario
from lumix.errors import ScenarioError
from lumix.outcomes import normalize_outcomes
from lumix.scenario import ScenarioSession
from runner import SpecError, run_scenarios
from runner.cli.spec import load_spec

from .conftest import (
    PlanProduct,
    PlanResource,
    production_model,
    standard_products,
    standard_resources,
    tiny_products,
    tiny_resources,
)

ROOT = Path(__file__).resolve().parents[2]
SEQ = {"backend": "sequential", "progress": False}
APPROX = {"rel": 1e-7, "abs": 1e-7}

# -- the standard instance: scenarios and their data-level twins -----------------------------------------


def standard_scenarios() -> list[LXScenario]:
    return [
        LXScenario("r0_tight").modify_constraint_rhs("capacity[r0]", multiply=0.8),
        LXScenario("p3_capped").modify_variable_bound("production[3]", upper=5),
        LXScenario("p2_heavy").modify_coefficient("capacity[r0]", "production[2]", multiply=2.0),
        LXScenario("p10_new_use").modify_coefficient("capacity[r1]", "production[10]", set_value=1.0),
        LXScenario("nothing").modify_constraint_rhs("capacity[r1]", set_value=-1.0),
    ]


def base_data() -> tuple[list[PlanProduct], list[PlanResource]]:
    """The standard instance, except that product 10 uses no r1 (no matrix entry there)."""
    products, resources = standard_products(), standard_resources()
    products[10].usage["r1"] = 0.0
    return products, resources


@pytest.fixture
def base_model() -> LXModel:
    return production_model(*base_data())


def changed_data(name: str) -> tuple[list[PlanProduct], list[PlanResource]]:
    """``base_data()`` with scenario ``name`` written into its data."""
    products, resources = base_data()
    by_id = {p.id: p for p in products}
    if name == "r0_tight":
        resources[0].capacity *= 0.8
    elif name == "p3_capped":
        by_id[3].max_units = min(by_id[3].max_units, 5.0)
    elif name == "p2_heavy":
        by_id[2].usage["r0"] *= 2.0
    elif name == "p10_new_use":
        by_id[10].usage["r1"] = 1.0
    elif name == "nothing":
        resources[1].capacity = -1.0
    return products, resources


STANDARD_OUTCOMES = {
    "p3": "production[3]",
    "total": Outcome.sum("production"),
    "biggest": Outcome.max("production"),
    "smallest": Outcome.min("production"),
    "average": Outcome.mean("production"),
    "revenue": Outcome.sum("production", weights=lambda key: 1.0 + key / 10),
    "r0_used": Outcome.activity("capacity[r0]"),
    "r1_used": Outcome.activity("capacity[r1]"),
    "r0_left": Outcome.slack("capacity[r0]"),
    "r1_left": Outcome.slack("capacity[r1]"),
    "r0_price": Outcome.shadow_price("capacity[r0]"),
    "profit": "objective",
    "p0_share": lambda solution: solution.variables["production"][0] / 10,
}


def expected_standard(name: str, full) -> dict[str, float]:
    """The outcomes of scenario ``name`` from its ``keep="full"`` result ``full``."""
    if not full.ok:
        return dict.fromkeys(STANDARD_OUTCOMES, math.nan)
    x = full.solution.variables["production"]
    rows = row_activity(production_model(*changed_data(name)), full.solution)
    return {
        "p3": x[3],
        "total": sum(x.values()),
        "biggest": max(x.values()),
        "smallest": min(x.values()),
        "average": sum(x.values()) / len(x),
        "revenue": sum((1.0 + k / 10) * v for k, v in x.items()),
        "r0_used": rows["capacity[r0]"].lhs,
        "r1_used": rows["capacity[r1]"].lhs,
        "r0_left": rows["capacity[r0]"].slack,
        "r1_left": rows["capacity[r1]"].slack,
        "r0_price": full.solution.shadow_prices["capacity[r0]"],
        "profit": full.objective_value,
        "p0_share": x[0] / 10,
    }


def assert_same(got: dict[str, float], expected: dict[str, float], where: str) -> None:
    assert list(got) == list(expected), where
    for key, value in expected.items():
        if math.isnan(value):
            assert math.isnan(got[key]), f"{where}: {key} = {got[key]}, expected NaN"
        else:
            assert got[key] == pytest.approx(value, **APPROX), f"{where}: {key}"


# -- hand-worked values ---------------------------------------------------------------------------------


def test_tiny_outcomes_are_the_hand_worked_values(tiny_model):
    outcomes = {
        "tables": "production[0]",
        "chairs": Outcome.value("production[1]"),
        "units": Outcome.sum("production"),
        "paint_used": Outcome.activity("capacity[paint]"),
        "paint_left": Outcome.slack("capacity[paint]"),
        "assembly_price": Outcome.shadow_price("capacity[assembly]"),
        "paint_price": Outcome.shadow_price("capacity[paint]"),
        "profit": Outcome.objective(),
    }
    paint20 = LXScenario("paint=20").modify_constraint_rhs("capacity[paint]", set_value=20)
    results = run_scenarios(tiny_model, [paint20], outcomes=outcomes, **SEQ)

    assert_same(
        results["baseline"].outcomes,
        dict(zip(outcomes, [10, 2, 12, 22, 8, 2, 0, 34], strict=True)),
        "baseline",
    )
    assert_same(
        results["paint=20"].outcomes,
        dict(zip(outcomes, [8, 4, 12, 20, 0, 1, 1, 32], strict=True)),
        "paint=20",
    )


def test_outcome_columns_sit_between_the_results_and_the_parameters(tiny_model):
    scenario = LXScenario("paint=20", parameters={"paint": 20.0})
    scenario.modify_constraint_rhs("capacity[paint]", set_value=20)
    results = run_scenarios(tiny_model, [scenario], outcomes=["production[1]", "objective"], **SEQ)
    df = results.to_dataframe()

    columns = list(df.columns)
    assert columns[columns.index("error") + 1 :] == ["production_1", "objective", "paint"]
    assert df["production_1"].tolist() == pytest.approx([2.0, 4.0])
    assert df["objective"].tolist() == pytest.approx(df["objective_value"].tolist())
    assert results.meta.outcomes == ["production_1", "objective"]


# -- every kind against the full solution ---------------------------------------------------------------


def test_every_kind_matches_the_full_solution(base_model):
    scenarios = standard_scenarios()
    with_outcomes = run_scenarios(base_model, scenarios, outcomes=STANDARD_OUTCOMES, **SEQ)
    full = run_scenarios(base_model, standard_scenarios(), keep="full", **SEQ)

    assert [r.status for r in with_outcomes.values()] == ["optimal"] * 5 + ["infeasible"]
    # the changed coefficients multiply columns in use, so the activities depend on them: p2's
    # entry in r0 is doubled, p10's entry in r1 is new (outside the row's compiled entries)
    assert full["p2_heavy"].solution.variables["production"][2] > 1.0
    assert full["p10_new_use"].solution.variables["production"][10] > 1.0
    for name, result in with_outcomes.items():
        assert result.solution is None  # keep="summary": only the outcomes come back
        assert_same(result.outcomes, expected_standard(name, full[name]), name)
        if result.ok:  # and the objective agrees with a fresh solve of the changed data
            fresh = LXOptimizer().solve(production_model(*changed_data(name)))
            assert result.outcomes["profit"] == pytest.approx(fresh.objective_value, rel=1e-9)


def test_weights_by_key_text_and_missing_keys_weigh_nothing(tiny_model):
    outcomes = {
        "by_text": Outcome.sum("production", weights={"1": 10.0}),  # "1" names production[1]
        "by_key": Outcome.sum("production", weights={0: 2.0, 1: -1.0}),
        "by_function": Outcome.sum("production", weights=lambda key: 100.0 if key == 0 else 0.0),
    }
    results = run_scenarios(tiny_model, [], outcomes=outcomes, **SEQ)
    # x = (10, 2) (conftest.py)
    assert results["baseline"].outcomes == pytest.approx(
        {"by_text": 20.0, "by_key": 18.0, "by_function": 1000.0}
    )


def test_mip_has_no_shadow_prices():
    model = production_model(tiny_products(), tiny_resources(), name="tiny")
    model.get_variable("production").integer()
    outcomes = {"price": Outcome.shadow_price("capacity[assembly]"), "tables": "production[0]"}
    results = run_scenarios(model, [], outcomes=outcomes, **SEQ)

    baseline = results["baseline"]
    assert baseline.status == "optimal"
    assert math.isnan(baseline.outcomes["price"])
    assert baseline.outcomes["tables"] == pytest.approx(10.0)  # the integer optimum is the LP's


def test_crossed_bounds_and_infeasible_scenarios_give_nan(tiny_model):
    crossed = LXScenario("crossed").modify_variable_bound("production[0]", lower=20)  # upper is 10
    infeasible = LXScenario("short").modify_constraint_rhs("capacity[assembly]", set_value=-1)
    results = run_scenarios(tiny_model, [crossed, infeasible], outcomes=["production[0]", "objective"], **SEQ)
    for name in ("crossed", "short"):
        assert results[name].status == "infeasible"
        assert all(math.isnan(v) for v in results[name].outcomes.values()), name
    df = results.to_dataframe().set_index("name")
    assert df.loc["crossed", ["production_0", "objective"]].isna().all()


# -- goals ----------------------------------------------------------------------------------------------


def goal_model(hours: float = 90.0) -> LXModel:
    """Three items, an hours limit, demand goals (priority 1, ``>=``), a volume goal (``<=``)."""
    items = [PlanProduct(1, "a", 10.0, {"hours": 2.0}, 20.0), PlanProduct(2, "b", 9.0, {"hours": 1.0}, 30.0)]
    items.append(PlanProduct(3, "c", 3.0, {"hours": 3.0}, 25.0))
    make = (
        LXVariable[PlanProduct, float]("make")
        .continuous()
        .bounds(lower=0, upper=50)
        .indexed_by(lambda i: i.id)
        .from_data(items)
    )
    model = LXModel("goals").add_variable(make)
    work = LXLinearExpression().add_term(make, lambda i: i.usage["hours"])
    model.add_constraint(LXConstraint("hours").expression(work).le().rhs(hours))
    model.add_constraint(
        LXConstraint[PlanProduct]("demand")
        .expression(LXLinearExpression().add_term(make, 1.0))
        .ge()
        .rhs(lambda i: i.max_units)
        .from_data(items)
        .indexed_by(lambda i: i.id)
        .as_goal(1, 1.0)
    )
    volume = LXLinearExpression().add_term(make, 1.0)
    model.add_constraint(LXConstraint("volume").expression(volume).le().rhs(40).as_goal(2, 1.0))
    return model.maximize(LXLinearExpression().add_term(make, lambda i: i.profit)).set_goal_mode("weighted")


GOAL_OUTCOMES = {
    "demand_short": Outcome.goal_deviation("demand", "neg"),
    "demand_over": Outcome.goal_deviation("demand", "pos"),
    "demand_total": Outcome.goal_deviation("demand", "total"),
    "c_short": Outcome.goal_deviation("demand[3]", "neg"),
    "volume_over": Outcome.goal_deviation("volume", "pos"),
    "volume_total": Outcome.goal_deviation("volume"),
    "volume_made": Outcome.activity("volume"),
    "volume_room": Outcome.slack("volume"),
    "c_made": Outcome.activity("demand[3]"),
    "c_missing": Outcome.slack("demand[3]"),
}


def test_goal_deviations_match_the_solution():
    model = goal_model()
    more_hours = LXScenario("more_hours").modify_constraint_rhs("hours", set_value=150)
    results = run_scenarios(model, [more_hours], outcomes=GOAL_OUTCOMES, **SEQ)
    full = run_scenarios(model, [LXScenario("more_hours").modify_constraint_rhs("hours", set_value=150)],
                         keep="full", **SEQ)  # fmt: skip

    for name in ("baseline", "more_hours"):
        solution = full[name].solution
        demand, volume = solution.get_goal_deviations("demand"), solution.get_goal_deviations("volume")
        rows = row_activity(goal_model(150.0 if name == "more_hours" else 90.0), solution)
        expected = {
            "demand_short": sum(demand["neg"].values()),
            "demand_over": sum(demand["pos"].values()),
            "demand_total": solution.get_total_deviation("demand"),  # the penalised side: neg
            "c_short": demand["neg"]["demand_3"],
            "volume_over": sum(volume["pos"].values()),
            "volume_total": solution.get_total_deviation("volume"),  # pos
            "volume_made": rows["volume"].lhs,
            "volume_room": rows["volume"].slack,
            "c_made": rows["demand[3]"].lhs,
            "c_missing": rows["demand[3]"].slack,
        }
        assert_same(results[name].outcomes, expected, name)
    # 90 hours cannot make the demanded 2*20 + 30 + 3*25 = 145 hours' worth: a shortfall
    assert results["baseline"].outcomes["demand_short"] > 1.0


def test_unknown_goal_names_the_goals():
    with pytest.raises(ScenarioError, match=r"outcome 'g': unknown goal 'demnd'.*closest: 'demand'"):
        run_scenarios(goal_model(), [], outcomes={"g": Outcome.goal_deviation("demnd")}, **SEQ)


# -- callables ------------------------------------------------------------------------------------------


def test_callables_get_the_named_solution_and_none_is_nan(tiny_model):
    outcomes = {
        "chairs_per_table": lambda s: s.variables["production"][1] / s.variables["production"][0],
        "nothing": lambda s: None,
        "stages": Outcome.from_solution(lambda s: len(s.shadow_prices)),
    }
    results = run_scenarios(tiny_model, [], outcomes=outcomes, **SEQ)
    got = results["baseline"].outcomes
    assert got["chairs_per_table"] == pytest.approx(2 / 10)
    assert math.isnan(got["nothing"])
    assert got["stages"] == 2  # the LP's duals are there: capacity[assembly], capacity[paint]


def test_a_failing_callable_fails_its_scenario_naming_the_outcome(tiny_model):
    def broken(solution):
        raise ZeroDivisionError("no")

    results = run_scenarios(tiny_model, [], outcomes={"ratio": broken, "text": lambda s: "x"}, **SEQ)
    baseline = results["baseline"]
    assert baseline.status == "error"
    assert "outcome 'ratio': ZeroDivisionError: no" in baseline.error

    results = run_scenarios(tiny_model, [], outcomes={"text": lambda s: "x"}, **SEQ)
    assert "outcome 'text' returned 'x' (str); expected a number" in results["baseline"].error


# -- callable scenarios: diffed into the solver, or rebuilt -------------------------------------------------


def test_callable_scenarios_read_outcomes_of_the_changed_model(tiny_model):
    def more_paint(model: LXModel) -> None:  # numbers only: diffed into the persistent solver
        model.get_constraint("capacity").rhs(lambda r: 20.0 if r.name == "paint" else r.capacity)

    def third_product(model: LXModel) -> LXModel:  # a new column: the model is rebuilt
        products = [*tiny_products(), PlanProduct(2, "stools", 2.5, {"assembly": 1.0, "paint": 0.5}, 10.0)]
        return production_model(products, tiny_resources(), name="tiny")

    outcomes = {"units": Outcome.sum("production"), "paint_left": Outcome.slack("capacity[paint]")}
    outcomes["profit"] = Outcome.objective()
    results = run_scenarios(
        tiny_model, {"paint20": more_paint, "stools": third_product}, outcomes=outcomes, **SEQ
    )

    assert results["paint20"].method == "incremental"
    assert results["paint20"].outcomes == pytest.approx({"units": 12.0, "paint_left": 0.0, "profit": 32.0})
    stools = results["stools"]
    assert stools.method == "rebuilt"
    fresh = LXOptimizer().solve(third_product(tiny_model))
    x = fresh.variables["production"]
    rows = row_activity(third_product(tiny_model), fresh)
    expected = {
        "units": sum(x.values()),
        "paint_left": rows["capacity[paint]"].slack,
        "profit": fresh.objective_value,
    }
    assert stools.outcomes == pytest.approx(expected)


# -- the session ----------------------------------------------------------------------------------------


def test_the_session_holds_resolved_outcomes(tiny_model):
    session = ScenarioSession(tiny_model.to_canonical(), tiny_model, outcomes=["production[0]", "objective"])
    assert session.solve().outcomes == pytest.approx({"production_0": 10.0, "objective": 34.0})
    change = LXScenario("x0<=4").modify_variable_bound("production[0]", upper=4)
    assert session.solve_scenario(change).outcomes == pytest.approx({"production_0": 4.0, "objective": 28.0})
    assert not session.solver.changed


def test_outcomes_pickle_with_their_lambdas():
    from lumix.utils.pickling import dumps

    named = normalize_outcomes({"w": Outcome.sum("production", weights=lambda k: k * 2), "f": lambda s: 1.0})
    restored = pickle.loads(dumps(named))
    assert restored["w"].weights(3) == 6 and restored["f"].function(None) == 1.0


# -- names and errors -----------------------------------------------------------------------------------


def test_names_derived_from_a_list():
    named = normalize_outcomes(
        ["production[7]", "objective", Outcome.sum("production"), Outcome.slack("capacity[r 1]"),
         Outcome.sum("production", {1: 2.0}), Outcome.goal_deviation("volume", "neg")]
    )  # fmt: skip
    assert list(named) == [
        "production_7",
        "objective",
        "production_sum",
        "capacity_r_1_slack",
        "production_weighted_sum",
        "volume_neg_deviation",
    ]


@pytest.mark.parametrize(
    ("outcomes", "error", "message"),
    [
        ({"a.b": "production[0]"}, ValueError, r"outcome name 'a.b' is not an identifier.*'a_b'"),
        (["production[0]", "production(0)"], ValueError, r"two outcomes get the name 'production_0'"),
        ([lambda s: 1.0], TypeError, r"must be a column name or an Outcome"),
        ({"x": 3}, TypeError, r"outcome 'x' is int"),
        ("production[0]", TypeError, r"must be a mapping"),
        ({"status": "production[0]"}, ValueError, r"outcome 'status' is named like a results column"),
        ({"capacity[paint].rhs_set": "production[0]"}, ValueError, r"not an identifier"),
    ],
)
def test_bad_outcomes_are_refused_before_anything_runs(tiny_model, tmp_path, outcomes, error, message):
    store = tmp_path / "journal.sqlite"
    scenario = LXScenario("p").modify_constraint_rhs("capacity[paint]", set_value=20)
    with pytest.raises(error, match=message):
        run_scenarios(tiny_model, [scenario], outcomes=outcomes, store=store, **SEQ)
    assert not store.exists()


def test_an_outcome_named_like_a_parameter_is_refused(tiny_model):
    scenario = LXScenario("p", parameters={"paint": 20.0}).modify_constraint_rhs(
        "capacity[paint]", set_value=20
    )
    with pytest.raises(ValueError, match=r"outcome 'paint' is named like a parameter of scenario 'p'"):
        run_scenarios(tiny_model, [scenario], outcomes={"paint": "production[0]"}, **SEQ)


@pytest.mark.parametrize(
    ("outcome", "message"),
    [
        (
            "prodution[0]",
            r"outcome 'x': unknown variable 'prodution\[0\]' in model 'tiny'; closest: 'production\[0\]'",
        ),
        (Outcome.sum("prod"), r"outcome 'x': unknown variable 'prod'.*closest: 'production'"),
        (
            Outcome.slack("capacity[pain]"),
            r"unknown constraint 'capacity\[pain\]'.*closest: 'capacity\[paint\]'",
        ),
        ("production", r"a value outcome reads one column, and variable family 'production' has 2"),
        (Outcome.activity("capacity"), r"reads one row, and constraint family 'capacity' has 2"),
        (
            Outcome.sum("production", {"7": 1.0}),
            r"weights name key '7', which variable family 'production' lacks",
        ),
        (Outcome.sum("production", lambda k: "heavy"), r"weights\(0\) is 'heavy'; expected a finite number"),
        (Outcome.goal_deviation("capacity"), r"unknown goal 'capacity'.*goals: none"),
    ],
)
def test_unknown_names_are_refused_with_the_closest_names(tiny_model, tmp_path, outcome, message):
    store = tmp_path / "journal.sqlite"
    with pytest.raises(ScenarioError, match=message):
        run_scenarios(tiny_model, [], outcomes={"x": outcome}, store=store, **SEQ)
    assert not store.exists()


def test_outcome_arguments_are_checked():
    with pytest.raises(ValueError, match="weights are for sum outcomes, not max"):
        Outcome("max", "production", weights={1: 2.0})
    with pytest.raises(ValueError, match=r"side='up' is not known; expected one of pos, neg, total"):
        Outcome.goal_deviation("volume", "up")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="a slack outcome needs a target name"):
        Outcome.slack("")
    with pytest.raises(ValueError, match="outcome kind 'median' is not known"):
        Outcome("median", "production")  # type: ignore[arg-type]


# -- backends -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    import logging

    cluster = distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.CRITICAL,
    )
    with distributed.Client(cluster) as client:
        yield client
    cluster.close()


@pytest.mark.parametrize("backend", ["sequential", "threading", "loky", "dask"])
def test_every_backend_ships_only_the_outcomes(base_model, backend, request):
    chosen = request.getfixturevalue("dask_client") if backend == "dask" else backend
    results = run_scenarios(
        base_model, standard_scenarios(), outcomes=STANDARD_OUTCOMES, backend=chosen, n_jobs=2, progress=False
    )
    reference = run_scenarios(base_model, standard_scenarios(), outcomes=STANDARD_OUTCOMES, **SEQ)
    for name, result in results.items():
        assert result.solution is None, name  # keep="summary": no x travels back
        assert_same(result.outcomes, reference[name].outcomes, f"{backend} {name}")
    if backend in ("loky", "dask"):
        assert any(r.worker != reference["baseline"].worker for r in results.values())  # other processes


# -- journal and resume ---------------------------------------------------------------------------------


def test_a_resumed_run_returns_the_outcomes_from_the_journal(base_model, tmp_path):
    store = tmp_path / "journal.sqlite"
    first = run_scenarios(base_model, standard_scenarios(), outcomes=STANDARD_OUTCOMES, store=store, **SEQ)
    again = run_scenarios(base_model, standard_scenarios(), outcomes=STANDARD_OUTCOMES, store=store, **SEQ)

    assert first.resumed == 0 and again.resumed == len(first)
    for name, result in again.items():
        assert_same(result.outcomes, first[name].outcomes, name)
    pd.testing.assert_frame_equal(
        again.to_dataframe()[list(STANDARD_OUTCOMES)], first.to_dataframe()[list(STANDARD_OUTCOMES)]
    )
    # other outcomes are another run: nothing is resumed from the run above
    other = run_scenarios(base_model, standard_scenarios(), outcomes=["production[3]"], store=store, **SEQ)
    assert other.resumed == 0
    assert other["p3_capped"].outcomes == pytest.approx({"production_3": first["p3_capped"].outcomes["p3"]})
    without = run_scenarios(base_model, standard_scenarios(), store=store, **SEQ)
    assert without.resumed == 0 and without["baseline"].outcomes == {}


def test_an_older_journal_gains_the_outcomes_column_and_still_resumes(tiny_model, tmp_path):
    store = tmp_path / "journal.sqlite"
    scenario = LXScenario("paint=20").modify_constraint_rhs("capacity[paint]", set_value=20)
    run_scenarios(tiny_model, [scenario], store=store, **SEQ)
    with sqlite3.connect(store) as db:  # the journal as written before outcomes existed
        db.execute("ALTER TABLE lumix_scenario_results DROP COLUMN outcomes")
        assert "outcomes" not in [c[1] for c in db.execute("PRAGMA table_info(lumix_scenario_results)")]

    resumed = run_scenarios(tiny_model, [scenario], store=store, **SEQ)
    assert resumed.resumed == 2  # a run without outcomes keeps its key
    with sqlite3.connect(store) as db:
        assert "outcomes" in [c[1] for c in db.execute("PRAGMA table_info(lumix_scenario_results)")]
    with_outcomes = run_scenarios(tiny_model, [scenario], store=store, outcomes=["objective"], **SEQ)
    assert with_outcomes.resumed == 0
    assert with_outcomes["paint=20"].outcomes == pytest.approx({"objective": 32.0})


# -- TOML specs -----------------------------------------------------------------------------------------

PLAN = """
from dataclasses import dataclass, field

from lumix import LXConstraint, LXLinearExpression, LXModel, LXVariable


@dataclass
class Product:
    id: int
    profit: float
    usage: dict = field(default_factory=dict)


@dataclass
class Resource:
    name: str
    capacity: float


def build():
    products = [
        Product(0, 3.0, {"assembly": 1.0, "paint": 2.0}),
        Product(1, 2.0, {"assembly": 1.0, "paint": 1.0}),
    ]
    resources = [Resource("assembly", 12.0), Resource("paint", 30.0)]
    production = (
        LXVariable[Product, float]("production").continuous().bounds(lower=0, upper=10)
        .indexed_by(lambda p: p.id).cost(lambda p: p.profit).from_data(products)
    )
    capacity = (
        LXConstraint[Resource]("capacity")
        .expression(LXLinearExpression().add_term(production, coeff=lambda p, r: p.usage[r.name]))
        .le().rhs(lambda r: r.capacity).from_data(resources).indexed_by(lambda r: r.name)
    )
    return LXModel("tiny").add_variable(production).add_constraint(capacity).maximize()
"""

SPEC = """
[model]
factory = "tiny_plan:build"

[run]
n_jobs = 2
backend = "loky"

[sweep]
kind = "grid"

[[sweep.parameters]]
name = "paint"
target = "capacity[paint]"
how = "set"
values = [20.0, 30.0]

[[outcomes]]
kind = "value"
target = "production[1]"

[[outcomes]]
name = "paint_left"
kind = "slack"
target = "capacity[paint]"

[[outcomes]]
name = "weighted"
kind = "sum"
target = "production"
weights = {{ "0" = 2.0 }}
{extra}
"""


def write_spec(tmp_path: Path, extra: str = "") -> Path:
    (tmp_path / "tiny_plan.py").write_text(PLAN)
    spec = tmp_path / "sweep.toml"
    spec.write_text(SPEC.format(extra=textwrap.dedent(extra)))
    return spec


def test_the_cli_runs_the_outcomes_of_a_spec(tmp_path):
    spec = write_spec(tmp_path)
    output = tmp_path / "out.parquet"
    done = subprocess.run(
        [sys.executable, "-m", "runner", "run", str(spec), "--output", str(output), "--no-progress"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    df = pd.read_parquet(output).set_index("name")
    # paint 20: x = (8, 4), slack 0; paint 30 (the baseline's value): x = (10, 2), slack 8
    assert df.loc["baseline", ["production_1", "paint_left", "weighted"]].tolist() == pytest.approx(
        [2, 8, 20]
    )
    by_paint = df[df.index != "baseline"].set_index("paint")
    assert by_paint.loc[20.0, ["production_1", "paint_left", "weighted"]].tolist() == pytest.approx(
        [4, 0, 16]
    )
    assert by_paint.loc[30.0, ["production_1", "paint_left", "weighted"]].tolist() == pytest.approx(
        [2, 8, 20]
    )
    columns = list(df.columns)
    assert columns.index("weighted") < columns.index("paint")  # outcomes before parameters


def spec_error(tmp_path: Path, extra: str) -> SpecError:
    spec = load_spec(write_spec(tmp_path, extra))
    with pytest.raises(SpecError) as caught:
        spec.check_against(spec.build_model())
    return caught.value


def test_a_spec_checks_its_outcomes_against_the_model(tmp_path):
    spec = load_spec(write_spec(tmp_path))
    spec.check_against(spec.build_model())
    assert list(spec.named_outcomes) == ["production_1", "paint_left", "weighted"]
    assert spec.named_outcomes["weighted"].weights == {"0": 2.0}

    error = spec_error(tmp_path, '[[outcomes]]\nkind = "slack"\ntarget = "capacity[pain]"')
    assert error.key == "[outcomes][3].target"
    assert (
        "unknown constraint 'capacity[pain]'" in error.problem
        and "closest: 'capacity[paint]'" in error.problem
    )
    error = spec_error(tmp_path, '[[outcomes]]\nkind = "sum"\ntarget = "production"\nweights = { "9" = 1.0 }')
    assert (error.key, error.fix) == ("[outcomes][3].weights", "weigh keys the family has")


@pytest.mark.parametrize(
    ("extra", "key", "problem", "fix"),
    [
        ('kind = "median"\ntarget = "production"', "kind", "unknown kind 'median'", "did you mean 'mean'?"),
        ('kind = "sum"', "target", "kind = 'sum' needs a target", "add target = 'production'"),
        ('kind = "objective"\ntarget = "x"', "target", "takes no target", "remove target"),
        ('kind = "max"\ntarget = "production"\nweights = { "0" = 1.0 }', "weights",
         "weights is only used with kind = 'sum', not 'max'", "remove weights"),
        ('kind = "value"\ntarget = "production[0]"\nside = "neg"', "side",
         "side is only used with kind = 'goal_deviation'", "remove side"),
        ('kind = "goal_deviation"\ntarget = "volume"\nside = "down"', "side", "unknown side 'down'",
         "use one of pos, neg, total"),
        ('name = "a.b"\nkind = "objective"', "name", "'a.b' is not an identifier", "name = 'a_b'"),
        ('name = "weighted"\nkind = "objective"', "name", "also the name of [outcomes][2]",
         "give each outcome its own name"),
        ('name = "paint"\nkind = "objective"', "name", "also the name of [sweep.parameters][0]",
         "give each outcome its own name"),
        ('name = "delta"\nkind = "objective"', "name", "also a results column", "its own name"),
        ('kind = "sum"\ntarget = "production"\nweights = { "0" = "a" }', "weights.0",
         "expected a finite number", "write a number"),
        ('kind = "objective"\ncolour = "red"', "colour", "unknown key 'colour'", "use one of"),
    ],
)  # fmt: skip
def test_spec_errors_name_the_outcome_key(tmp_path, extra, key, problem, fix):
    key = f"[outcomes][3].{key}"
    with pytest.raises(SpecError) as caught:
        load_spec(write_spec(tmp_path, "[[outcomes]]\n" + extra))
    error = caught.value
    assert error.key == key
    assert problem in error.problem
    assert fix in error.fix
    assert str(error).startswith(f"{tmp_path / 'sweep.toml'}: {key}: ")


def test_spec_outcomes_must_be_an_array_of_tables(tmp_path):
    spec = tmp_path / "bad.toml"
    spec.write_text('outcomes = "objective"\n' + write_spec(tmp_path).read_text().split("[[outcomes]]")[0])
    with pytest.raises(SpecError, match=r"\[outcomes\]: expected an array of tables"):
        load_spec(spec)
