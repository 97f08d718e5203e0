"""``run_scenarios()``'s API: scenario forms, names, ``keep``, and the ``ScenarioResults`` table.

The tiny instance of ``conftest.py`` gives hand-checked objectives (34 at baseline, the worked
scenarios listed there). Most tests run in-process (``backend="sequential"``); the ones about
completion order and worker ids use loky with two workers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, MutableMapping

import pandas as pd
import pytest

from lumix import LXModel, LXObjectiveSense, LXSolution, LXVariable
from lumix.analysis import LXScenario
from runner import ScenarioResult, ScenarioResults, run_scenarios

from .conftest import TINY_OPTIMUM, close

SEQ = {"backend": "sequential", "progress": False}

# name -> (declarative scenario, objective worked out in conftest.py)
TINY_DECLARATIVE = {
    "assembly+4": (LXScenario("assembly+4").modify_constraint_rhs("capacity[assembly]", add=4), 42.0),
    "assembly*0.5": (
        LXScenario("assembly*0.5").modify_constraint_rhs("capacity[assembly]", multiply=0.5),
        18.0,
    ),
    "paint=20": (LXScenario("paint=20").modify_constraint_rhs("capacity[paint]", set_value=20), 32.0),
    "x0<=4": (LXScenario("x0<=4").modify_variable_bound("production[0]", upper=4), 28.0),
}


def scale_assembly(factor: float):
    """A callable scenario: assembly capacity times ``factor`` (numbers only)."""

    def apply(model: LXModel) -> None:
        con = model.get_constraint("capacity")
        rhs = con.rhs_func
        con.rhs(lambda r: rhs(r) * factor if r.name == "assembly" else rhs(r))

    apply.parameters = {"assembly_factor": factor}
    return apply


def profit_of_chairs(value: float):
    def apply(model: LXModel) -> None:
        var = model.get_variable("production")
        cost = var.cost_func
        var.cost(lambda p: value if p.id == 1 else cost(p))

    return apply


def objectives(results: ScenarioResults) -> dict[str, float | None]:
    return {name: r.objective_value for name, r in results.items()}


# -- scenario forms ---------------------------------------------------------------------------


def test_list_of_lxscenarios(tiny_model):
    results = run_scenarios(tiny_model, [s for s, _ in TINY_DECLARATIVE.values()], **SEQ)

    assert list(results) == ["baseline", *TINY_DECLARATIVE]
    assert results["baseline"].objective_value == pytest.approx(TINY_OPTIMUM, rel=1e-9)
    for name, (_, expected) in TINY_DECLARATIVE.items():
        r = results[name]
        assert isinstance(r, ScenarioResult)
        assert (r.name, r.status, r.error, r.solution) == (name, "optimal", None, None)
        assert r.objective_value == pytest.approx(expected, rel=1e-9), name
        assert r.method == "incremental"
        assert r.solve_time >= 0 and r.wall_time >= r.solve_time


def test_single_lxscenario_is_accepted(tiny_model):
    scenario, expected = TINY_DECLARATIVE["paint=20"]
    results = run_scenarios(tiny_model, scenario, include_baseline=False, **SEQ)
    assert list(results) == ["paint=20"]
    assert results["paint=20"].objective_value == pytest.approx(expected, rel=1e-9)


def test_mapping_of_callables(tiny_model):
    # assembly 12 * 0.5 = 6 -> 18; 12 * (16/12) = 16 -> 42; chairs' profit 5 -> 56
    scenarios = {
        "half": scale_assembly(0.5),
        "plus-a-third": scale_assembly(16 / 12),
        "chairs-5": profit_of_chairs(5.0),
    }
    results = run_scenarios(tiny_model, scenarios, **SEQ)

    assert list(results) == ["baseline", "half", "plus-a-third", "chairs-5"]
    assert objectives(results) == pytest.approx(
        {"baseline": 34.0, "half": 18.0, "plus-a-third": 42.0, "chairs-5": 56.0}, rel=1e-9
    )
    assert {r.method for r in results.values()} == {"incremental"}


def test_list_of_name_function_pairs(tiny_model):
    pairs = [("chairs-5", profit_of_chairs(5.0)), ("half", scale_assembly(0.5))]
    results = run_scenarios(tiny_model, pairs, include_baseline=False, **SEQ)
    assert objectives(results) == pytest.approx({"chairs-5": 56.0, "half": 18.0}, rel=1e-9)
    assert list(results) == ["chairs-5", "half"]


def test_mixed_forms_keep_input_order_and_outer_names(tiny_model):
    # (name, LXScenario) pairs are named by the pair, not by the LXScenario inside.
    inner = LXScenario("inner-name").modify_constraint_rhs("capacity[assembly]", set_value=25)
    scenarios = [
        ("callable", scale_assembly(0.5)),
        TINY_DECLARATIVE["x0<=4"][0],
        ("renamed", inner),
        TINY_DECLARATIVE["paint=20"][0],
    ]
    results = run_scenarios(tiny_model, scenarios, **SEQ)

    assert list(results) == ["baseline", "callable", "x0<=4", "renamed", "paint=20"]
    assert results["renamed"].name == "renamed"
    assert objectives(results) == pytest.approx(
        {"baseline": 34.0, "callable": 18.0, "x0<=4": 28.0, "renamed": 50.0, "paint=20": 32.0}, rel=1e-9
    )


def test_a_generator_of_scenarios_is_consumed_once(tiny_model):
    gen = (LXScenario(f"plus{k}").modify_constraint_rhs("capacity[assembly]", add=k) for k in (1, 2))
    results = run_scenarios(tiny_model, gen, include_baseline=False, **SEQ)
    # each extra hour of assembly makes one more chair (+2) while paint has slack
    assert objectives(results) == pytest.approx({"plus1": 36.0, "plus2": 38.0}, rel=1e-9)


@pytest.mark.parametrize(
    "bad",
    [[42], [("name", 42)], [("name",)], [(1, lambda m: None)], {"name": "not callable"}],
    ids=["int", "pair-with-int", "one-tuple", "int-name", "mapping-of-str"],
)
def test_unknown_scenario_forms_raise_type_error(tiny_model, bad):
    with pytest.raises(TypeError, match=r"scenario #0 is .*expected an LXScenario"):
        run_scenarios(tiny_model, bad, **SEQ)


# -- names and the baseline -----------------------------------------------------------------------


def test_include_baseline_true_puts_the_unmodified_model_first(tiny_model):
    results = run_scenarios(tiny_model, {"half": scale_assembly(0.5)}, **SEQ)
    assert list(results)[0] == "baseline"
    assert results["baseline"].objective_value == pytest.approx(TINY_OPTIMUM, rel=1e-9)
    df = results.to_dataframe()
    assert df.set_index("name").loc["half", "delta"] == pytest.approx(18.0 - 34.0, rel=1e-9)
    assert df.set_index("name").loc["baseline", "delta"] == 0.0


def test_include_baseline_false_leaves_it_out(tiny_model):
    results = run_scenarios(tiny_model, {"half": scale_assembly(0.5)}, include_baseline=False, **SEQ)
    assert list(results) == ["half"]
    assert "baseline" not in results
    df = results.to_dataframe()
    assert df["delta"].isna().all()  # nothing to compare with
    assert results.compare()[["delta", "pct"]].isna().all().all()  # no baseline, no change


def test_duplicate_names_raise(tiny_model):
    with pytest.raises(ValueError, match=r"two scenarios are named 'twice'"):
        run_scenarios(
            tiny_model,
            [LXScenario("twice"), ("twice", scale_assembly(0.5))],
            **SEQ,
        )


def test_a_user_scenario_named_baseline_raises(tiny_model):
    with pytest.raises(ValueError, match=r"'baseline'.*include_baseline=False"):
        run_scenarios(tiny_model, {"baseline": scale_assembly(0.5)}, **SEQ)


def test_a_user_baseline_is_allowed_without_the_automatic_one(tiny_model):
    results = run_scenarios(tiny_model, {"baseline": scale_assembly(0.5)}, include_baseline=False, **SEQ)
    assert results["baseline"].objective_value == pytest.approx(18.0, rel=1e-9)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"keep": "everything"}, r"keep='everything' is not known"),
        ({"retries": -1}, r"retries=-1 must be >= 0"),
        ({"backend": "mpi"}, r"backend='mpi' is not known"),
    ],
)
def test_bad_arguments_raise(tiny_model, kwargs, match):
    with pytest.raises(ValueError, match=match):
        run_scenarios(tiny_model, [], **{**SEQ, **kwargs})


def test_model_must_be_an_lxmodel():
    with pytest.raises(TypeError, match=r"takes an LXModel, got str"):
        run_scenarios("model", [], **SEQ)


def test_no_scenarios_without_baseline_gives_an_empty_table(tiny_model):
    results = run_scenarios(tiny_model, [], include_baseline=False, **SEQ)
    assert len(results) == 0
    assert results.best() is None
    assert results.to_dataframe().empty


# -- keep ------------------------------------------------------------------------------------------


def test_keep_summary_has_no_solution(tiny_model):
    results = run_scenarios(tiny_model, [TINY_DECLARATIVE["x0<=4"][0]], keep="summary", **SEQ)
    assert all(r.solution is None for r in results.values())


def test_keep_values_has_variables_only(tiny_model):
    results = run_scenarios(tiny_model, [TINY_DECLARATIVE["x0<=4"][0]], keep="values", **SEQ)
    base, cut = results["baseline"].solution, results["x0<=4"].solution
    assert isinstance(base, LXSolution) and isinstance(cut, LXSolution)
    assert base.get_variable("production") == pytest.approx({0: 10.0, 1: 2.0}, abs=1e-9)
    assert cut.get_variable("production") == pytest.approx({0: 4.0, 1: 8.0}, abs=1e-9)
    assert cut.objective_value == pytest.approx(28.0, rel=1e-9)
    assert base.shadow_prices == {} and base.reduced_costs == {}


def test_keep_full_has_duals_and_reduced_costs(tiny_model):
    results = run_scenarios(tiny_model, [TINY_DECLARATIVE["paint=20"][0]], keep="full", **SEQ)
    base = results["baseline"].solution
    # conftest.py: assembly 2, paint 0; reduced costs x0 1, x1 0
    assert base.shadow_prices == pytest.approx({"capacity[assembly]": 2.0, "capacity[paint]": 0.0}, abs=1e-9)
    assert base.reduced_costs == pytest.approx({"production[0]": 1.0, "production[1]": 0.0}, abs=1e-9)
    # paint = 20 binds both rows at (8, 4): 3 = a + 2 p, 2 = a + p -> p = 1, a = 1
    paint = results["paint=20"].solution
    assert paint.get_variable("production") == pytest.approx({0: 8.0, 1: 4.0}, abs=1e-9)
    assert paint.shadow_prices == pytest.approx({"capacity[assembly]": 1.0, "capacity[paint]": 1.0}, abs=1e-9)


def test_keep_full_for_a_rebuilt_callable_names_the_new_rows(tiny_model):
    def add_total(model: LXModel) -> None:
        from lumix import LXConstraint, LXLinearExpression

        x = model.get_variable("production")
        model.add_constraint(LXConstraint("total").expression(LXLinearExpression().sum_over(x)).le().rhs(8))

    results = run_scenarios(tiny_model, {"total<=8": add_total}, keep="full", **SEQ)
    r = results["total<=8"]
    # 8 units, all tables (3 > 2 per unit, assembly and paint have room): 24
    assert r.method == "rebuilt"
    assert r.objective_value == pytest.approx(24.0, rel=1e-9)
    assert r.solution.shadow_prices["total"] == pytest.approx(3.0, abs=1e-9)


# -- the results table ------------------------------------------------------------------------------


def test_results_are_a_read_only_mapping(tiny_model):
    results = run_scenarios(tiny_model, [TINY_DECLARATIVE["x0<=4"][0]], **SEQ)
    assert isinstance(results, Mapping) and not isinstance(results, MutableMapping)
    assert len(results) == 2 and "x0<=4" in results and "nope" not in results
    assert results.get("nope") is None
    with pytest.raises(TypeError):
        results["new"] = results["baseline"]  # type: ignore[index]
    with pytest.raises(TypeError):
        del results["baseline"]  # type: ignore[attr-defined]
    with pytest.raises(KeyError):
        results["nope"]
    assert dict(results.items()) == {n: results[n] for n in ("baseline", "x0<=4")}
    assert "2 scenarios" in repr(results)


def test_to_dataframe_columns_and_parameters(tiny_model):
    explicit = LXScenario("explicit", parameters={"scale": 1.5, "label": "more paint"}).modify_constraint_rhs(
        "capacity[paint]", multiply=1.5
    )
    derived = (
        LXScenario("derived")
        .modify_constraint_rhs("capacity[assembly]", add=4)
        .modify_variable_bound("production[0]", upper=9)
    )
    coefficient = LXScenario("coef").modify_coefficient("capacity[paint]", "production[1]", multiply=2)
    results = run_scenarios(
        tiny_model, [explicit, derived, coefficient, ("callable", scale_assembly(0.5))], **SEQ
    )
    df = results.to_dataframe()

    base_columns = [
        "name", "status", "objective_value", "delta", "solve_time", "wall_time",
        "method", "attempts", "worker", "error",
    ]  # fmt: skip
    assert list(df.columns[: len(base_columns)]) == base_columns
    assert set(df.columns[len(base_columns) :]) == {
        "scale",
        "label",
        "capacity_assembly_rhs_add",  # column names: runner.columns.column_name, no dots
        "production_0_bound_upper",
        "capacity_paint_production_1_coef_multiply",
        "assembly_factor",
    }
    assert list(df["name"]) == ["baseline", "explicit", "derived", "coef", "callable"]
    rows = df.set_index("name")
    assert rows.loc["explicit", "scale"] == 1.5 and rows.loc["explicit", "label"] == "more paint"
    assert rows.loc["derived", "capacity_assembly_rhs_add"] == 4.0
    assert rows.loc["derived", "production_0_bound_upper"] == 9.0
    assert rows.loc["callable", "assembly_factor"] == 0.5
    assert math.isnan(rows.loc["baseline", "scale"])
    # derived: assembly 16, x0 <= 9 -> x1 = 7: 27 + 14 = 41
    assert rows.loc["derived", "objective_value"] == pytest.approx(41.0, rel=1e-9)
    assert rows.loc["derived", "delta"] == pytest.approx(41.0 - 34.0, rel=1e-9)
    assert (df["status"] == "optimal").all() and df["error"].isna().all()
    assert (df["attempts"] == 1).all() and (df["worker"].str.startswith("pid ")).all()
    assert set(df["method"]) == {"incremental"}
    assert results["explicit"].parameters == {"scale": 1.5, "label": "more paint"}


def test_failed_holds_runner_failures_not_solver_answers(tiny_model):
    def broken(model: LXModel) -> None:
        raise RuntimeError("no such supplier")

    infeasible = LXScenario("infeasible").modify_constraint_rhs("capacity[assembly]", set_value=-1)
    results = run_scenarios(
        tiny_model, [("broken", broken), infeasible, ("half", scale_assembly(0.5))], **SEQ
    )

    assert results.failed["name"].tolist() == ["broken"]
    broken_result = results["broken"]
    assert broken_result.status == "error" and broken_result.objective_value is None
    assert "RuntimeError: no such supplier" in broken_result.error
    assert "'broken'" in broken_result.error
    assert results["infeasible"].status == "infeasible"
    assert results["infeasible"].objective_value is None
    assert results["half"].objective_value == pytest.approx(18.0, rel=1e-9)
    assert "1 failed" in repr(results)
    df = results.to_dataframe().set_index("name")
    assert math.isnan(df.loc["broken", "objective_value"]) and math.isnan(df.loc["broken", "delta"])


def test_best_uses_the_model_sense_by_default(tiny_model):
    scenarios = [s for s, _ in TINY_DECLARATIVE.values()]
    scenarios.append(LXScenario("infeasible").modify_constraint_rhs("capacity", set_value=-1))
    results = run_scenarios(tiny_model, scenarios, **SEQ)
    # maximize: 42 (assembly + 4) is best; minimize: 18 (assembly halved); infeasible never
    assert results.sense is LXObjectiveSense.MAXIMIZE
    assert results.best().name == "assembly+4"
    assert results.best(maximize=True).name == "assembly+4"
    assert results.best(maximize=False).name == "assembly*0.5"


def test_best_of_a_minimization(tiny_model):
    tiny_model.minimize()  # cheapest plan: produce nothing (0), unless a lower bound forces it
    scenarios = [
        LXScenario("x0>=2").modify_variable_bound("production[0]", lower=2),  # 6
        LXScenario("x1>=1").modify_variable_bound("production[1]", lower=1),  # 2
    ]
    results = run_scenarios(tiny_model, scenarios, include_baseline=False, **SEQ)
    assert objectives(results) == pytest.approx({"x0>=2": 6.0, "x1>=1": 2.0}, rel=1e-9)
    assert results.best().name == "x1>=1"
    assert results.best(maximize=True).name == "x0>=2"


def test_compare_table(tiny_model):
    scenarios = [TINY_DECLARATIVE["assembly+4"][0], TINY_DECLARATIVE["assembly*0.5"][0]]
    scenarios.append(LXScenario("infeasible").modify_constraint_rhs("capacity", set_value=-1))
    table = run_scenarios(tiny_model, scenarios, **SEQ).compare()

    assert list(table.columns) == ["name", "objective", "status", "delta", "pct"]
    assert table["name"].tolist() == ["baseline", "assembly+4", "assembly*0.5", "infeasible"]
    assert isinstance(table["status"].dtype, pd.CategoricalDtype)
    rows = table.set_index("name")
    assert rows.loc["baseline", ["objective", "delta", "pct"]].tolist() == [34.0, 0.0, 0.0]
    # the conftest's worked scenarios: 42 and 18 against 34
    changes = ["objective", "delta", "pct"]
    assert rows.loc["assembly+4", changes].tolist() == pytest.approx([42.0, 8.0, 800 / 34])
    assert rows.loc["assembly*0.5", changes].tolist() == pytest.approx([18.0, -16.0, -1600 / 34])
    assert rows.loc["infeasible", "status"] == "infeasible"
    assert rows.loc["infeasible", ["objective", "delta", "pct"]].isna().all()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_round_trip(tiny_model, tmp_path, fmt):
    scenarios = [
        LXScenario("explicit", parameters={"scale": 1.5}).modify_constraint_rhs(
            "capacity[paint]", multiply=1.5
        ),
        TINY_DECLARATIVE["x0<=4"][0],
        LXScenario("infeasible").modify_constraint_rhs("capacity", set_value=-1),
    ]
    results = run_scenarios(tiny_model, scenarios, **SEQ)
    df = results.to_dataframe()
    path = tmp_path / f"results.{fmt}"
    if fmt == "csv":
        results.to_csv(path)
        back = pd.read_csv(path)
    else:
        results.to_parquet(path)
        back = pd.read_parquet(path)

    assert list(back.columns) == list(df.columns)
    assert list(back["name"]) == list(df["name"])
    assert list(back["status"]) == ["optimal", "optimal", "optimal", "infeasible"]
    for column in (
        "objective_value",
        "delta",
        "solve_time",
        "wall_time",
        "scale",
        "production_0_bound_upper",
    ):
        pd.testing.assert_series_equal(back[column], df[column], check_dtype=False, rtol=1e-12)
    assert back["error"].isna().tolist() == [True, True, True, False]  # infeasible: the solver's word
    assert list(back["error"].iloc[3:]) == list(df["error"].iloc[3:])
    assert list(back["method"]) == list(df["method"]) and list(back["worker"]) == list(df["worker"])


# -- loky: completion order vs input order -----------------------------------------------------------


def test_loky_results_come_back_in_input_order_with_worker_ids(tiny_model):
    names = [f"plus{k}" for k in range(12)]
    scenarios = [
        LXScenario(n).modify_constraint_rhs("capacity[assembly]", add=k * 0.5) for k, n in enumerate(names)
    ]
    results = run_scenarios(
        tiny_model, reversed(scenarios), backend="loky", n_jobs=2, batch_size=1, progress=False
    )
    assert list(results) == ["baseline", *reversed(names)]
    for k, name in enumerate(names):
        # + 0.5 k assembly hours -> + k more from chairs (x1 = 2 + 0.5 k <= 10)
        assert close(results[name].objective_value, 34.0 + k), name
    workers = {r.worker for r in results.values()}
    assert all(w.startswith("pid ") for w in workers)


def test_a_callable_may_return_a_new_model(tiny_model):
    from .conftest import production_model, tiny_products, tiny_resources

    def replace_model(model: LXModel) -> LXModel:
        products = tiny_products()
        products[1].profit = 5.0
        return production_model(products, tiny_resources(), name="tiny")

    def add_bonus(model: LXModel) -> None:
        # an unconnected column 0 <= bonus <= 5 with profit 1: the optimum grows by 5
        model.add_variable(LXVariable("bonus").bounds(lower=0, upper=5).cost(lambda _: 1.0))

    results = run_scenarios(tiny_model, {"returned": replace_model, "bonus": add_bonus}, **SEQ)
    assert results["returned"].objective_value == pytest.approx(56.0, rel=1e-9)
    assert results["returned"].method == "incremental"
    assert results["bonus"].objective_value == pytest.approx(39.0, rel=1e-9)
    assert results["bonus"].method == "rebuilt"


def test_reused_workers_serve_a_callable_sweep_after_a_declarative_one(tiny_model):
    """Both sweeps share the run key (same model, options, keep); the first ships no LXModel
    (declarative only), so the workers must not serve its cached payload to callables."""
    declarative = [TINY_DECLARATIVE["x0<=4"][0]]
    loky = {"backend": "loky", "n_jobs": 2, "progress": False}
    first = run_scenarios(tiny_model, declarative, **loky)
    assert close(first["x0<=4"].objective_value, 28.0)
    second = run_scenarios(
        tiny_model, {"half": scale_assembly(0.5), "chairs-5": profit_of_chairs(5.0)}, **loky
    )
    assert {n: r.status for n, r in second.items()} == dict.fromkeys(second, "optimal")
    assert objectives(second) == pytest.approx({"baseline": 34.0, "half": 18.0, "chairs-5": 56.0}, rel=1e-9)
