"""Bad inputs are refused at the call, and no scenario's bad numbers come back unexplained.

- ``run_scenarios``'s arguments are checked before anything is compiled or started (joblib
  style: ``TypeError`` for a wrong type, ``ValueError`` for a bad value, naming the argument,
  the value and what is accepted); scenario names must be non-empty strings.
- ``LXScenarioModification`` refuses NaN, and infinity except where it means "no limit"
  (``rhs_set``, ``bound_lower``, ``bound_upper``).
- A scenario that crosses a column's or a row's bounds is ``infeasible`` with an ``error``
  naming the column / row and both values, without a solve; every non-feasible solver status
  carries the solver's word in ``error``; ``abnormal`` is a failure.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

import runner.api
import runner.plan
from lumix import LXModel
from lumix.analysis import LXScenario, LXScenarioModification
from lumix.scenario import ScenarioSession
from lumix.status import Status
from runner import run_scenarios

from .conftest import TINY_OPTIMUM, close

NAN, INF = math.nan, math.inf


# -- run_scenarios' arguments -------------------------------------------------------------------

BAD_ARGUMENTS = [
    # (keyword arguments, error class, fragments of the message)
    ({"batch_size": -3}, ValueError, ["batch_size=-3", "None or an int >= 1"]),
    ({"batch_size": 0}, ValueError, ["batch_size=0", ">= 1"]),
    ({"batch_size": 1.5}, TypeError, ["batch_size=1.5", "None or an int"]),
    ({"batch_size": True}, TypeError, ["batch_size=True", "None or an int"]),
    ({"batch_size": "4"}, TypeError, ["batch_size='4'"]),
    ({"timeout": 0}, ValueError, ["timeout=0", "positive"]),
    ({"timeout": -1}, ValueError, ["timeout=-1", "positive"]),
    ({"timeout": NAN}, ValueError, ["timeout=nan", "positive"]),
    ({"timeout": INF}, ValueError, ["timeout=inf", "finite"]),
    ({"timeout": "60"}, TypeError, ["timeout='60'", "number of seconds"]),
    ({"timeout": True}, TypeError, ["timeout=True"]),
    ({"n_jobs": "two"}, TypeError, ["n_jobs='two'", "non-zero int or None"]),
    ({"n_jobs": 0}, ValueError, ["n_jobs=0", "non-zero", "-1"]),
    ({"n_jobs": 1.5}, TypeError, ["n_jobs=1.5", "non-zero int or None"]),
    ({"n_jobs": True}, TypeError, ["n_jobs=True"]),
    ({"retries": 1.5}, TypeError, ["retries=1.5", "an int >= 0"]),
    ({"retries": True}, TypeError, ["retries=True", "an int >= 0"]),
    ({"retries": -1}, ValueError, ["retries=-1", ">= 0"]),
    ({"retries": None}, TypeError, ["retries=None"]),
    ({"keep": None}, TypeError, ["keep=None", "'summary', 'values' or 'full'"]),
    ({"keep": "everything"}, ValueError, ["keep='everything'", "'summary', 'values' or 'full'"]),
    ({"progress": "yes"}, TypeError, ["progress='yes'", "True, False or None"]),
    ({"progress": 1}, TypeError, ["progress=1"]),
    ({"include_baseline": "no"}, TypeError, ["include_baseline='no'", "True or False"]),
    ({"include_baseline": None}, TypeError, ["include_baseline=None"]),
    ({"optimizer": "glop"}, TypeError, ["optimizer='glop'", "LXOptimizer or None"]),
    ({"store": 3}, TypeError, ["store=3", "path"]),
]


@pytest.fixture
def nothing_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the call gets as far as reading scenarios, choosing a backend or
    compiling: bad arguments must be refused before any of that."""

    def started(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("run_scenarios went on past a bad argument")

    for name in ("normalize", "resolve_backend", "prepare", "_dispatch"):
        monkeypatch.setattr(runner.api, name, started)


@pytest.mark.parametrize(
    ("kwargs", "error", "fragments"), BAD_ARGUMENTS, ids=[repr(k) for k, _, _ in BAD_ARGUMENTS]
)
def test_bad_argument_is_refused_at_the_call(
    tiny_model: LXModel, nothing_starts: None, kwargs: dict[str, Any], error: type, fragments: list[str]
) -> None:
    with pytest.raises(error) as info:
        run_scenarios(tiny_model, [LXScenario("s")], **kwargs)
    for fragment in fragments:
        assert fragment in str(info.value), (fragment, str(info.value))


def test_model_of_wrong_type_is_refused(nothing_starts: None) -> None:
    with pytest.raises(TypeError, match="takes an LXModel, got dict"):
        run_scenarios({}, [LXScenario("s")])  # type: ignore[arg-type]


GOOD_ARGUMENTS = [
    {"n_jobs": -1, "batch_size": 1, "timeout": 30.0, "retries": 0},
    {"n_jobs": -2, "progress": False, "include_baseline": False},
    {"n_jobs": 1, "progress": None, "keep": "full", "batch_size": None, "timeout": None},
]


@pytest.mark.parametrize("kwargs", GOOD_ARGUMENTS, ids=repr)
def test_good_arguments_pass_the_check(tiny_model: LXModel, kwargs: dict[str, Any]) -> None:
    full = {"n_jobs": None, "timeout": None, "retries": 1, "batch_size": None, "progress": None}
    full.update(kwargs)
    runner.api._check_arguments(
        tiny_model,
        keep=full.get("keep", "summary"),
        retries=full["retries"],
        n_jobs=full["n_jobs"],
        timeout=full["timeout"],
        batch_size=full["batch_size"],
        progress=full["progress"],
        include_baseline=full.get("include_baseline", True),
        optimizer=None,
        store=None,
    )


def test_negative_batch_size_fails_fast_in_a_real_call(tiny_model: LXModel) -> None:
    """The hang of issue 9: refused before any worker or memmapping folder exists."""
    with pytest.raises(ValueError, match="batch_size=-3"):
        run_scenarios(tiny_model, [LXScenario("s")], n_jobs=2, batch_size=-3, progress=False)


# -- scenario names -----------------------------------------------------------------------------

BAD_NAMES = [
    (5, TypeError, ["name must be a str", "5"]),
    (None, TypeError, ["name must be a str", "None"]),
    ("", ValueError, ["empty"]),
    ("   ", ValueError, ["empty"]),
]


@pytest.mark.parametrize(("name", "error", "fragments"), BAD_NAMES, ids=repr)
def test_lxscenario_needs_a_non_empty_str_name(name: Any, error: type, fragments: list[str]) -> None:
    with pytest.raises(error) as info:
        LXScenario(name)
    for fragment in fragments:
        assert fragment in str(info.value)


def _double(model: LXModel) -> None:
    pass


@pytest.mark.parametrize(("name", "error", "fragments"), BAD_NAMES, ids=repr)
@pytest.mark.parametrize("shape", ["mapping", "pairs"])
def test_names_of_mappings_and_pairs_are_checked(
    name: Any, error: type, fragments: list[str], shape: str
) -> None:
    scenarios: Any = {name: _double} if shape == "mapping" else [(name, _double)]
    with pytest.raises(error) as info:
        runner.plan.normalize(scenarios, include_baseline=True)
    for fragment in ["scenario #0", *fragments]:
        assert fragment in str(info.value)


def test_pair_of_name_and_non_scenario_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"scenario #0 is \('x', int\); expected an LXScenario or a callable"):
        runner.plan.normalize([("x", 3)], include_baseline=False)


# -- modification values ------------------------------------------------------------------------

BAD_VALUES = [
    # (target type, modification type, value, variable, fragments)
    ("constraint", "rhs_set", NAN, None, ["nan"]),
    ("constraint", "rhs_add", INF, None, ["inf", "rhs_add"]),
    ("constraint", "rhs_multiply", NAN, None, ["nan"]),
    ("constraint", "rhs_multiply", -INF, None, ["-inf"]),
    ("constraint", "rhs_add_percent", INF, None, ["inf"]),
    ("variable", "bound_upper", NAN, None, ["nan"]),
    ("variable", "bound_lower", NAN, None, ["nan"]),
    ("variable", "bound_upper_multiply", INF, None, ["inf"]),
    ("objective", "obj_set", NAN, None, ["nan"]),
    ("objective", "obj_set", INF, None, ["inf"]),
    ("objective", "obj_multiply", -INF, None, ["-inf"]),
    ("coefficient", "coef_set", INF, "production", ["inf"]),
    ("coefficient", "coef_multiply", NAN, "production", ["nan"]),
]


@pytest.mark.parametrize(("target", "kind", "value", "variable", "fragments"), BAD_VALUES, ids=repr)
def test_modification_refuses_nan_and_meaningless_infinity(
    target: str, kind: str, value: float, variable: str | None, fragments: list[str]
) -> None:
    with pytest.raises(ValueError) as info:
        LXScenarioModification(target, "capacity", kind, value, variable_name=variable)
    for fragment in fragments:
        assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("target", "kind", "value"),
    [("constraint", "rhs_set", INF), ("variable", "bound_upper", INF), ("variable", "bound_lower", -INF)],
)
def test_infinity_that_means_no_limit_is_accepted(target: str, kind: str, value: float) -> None:
    LXScenarioModification(target, "capacity", kind, value)


def test_nan_scenario_is_refused_before_any_worker_starts(tiny_model: LXModel, monkeypatch) -> None:
    monkeypatch.setattr(runner.api, "_dispatch", lambda *a: pytest.fail("dispatched"))
    with pytest.raises(ValueError, match="nan"):
        run_scenarios(tiny_model, [LXScenario("s").modify_constraint_rhs("capacity", set_value=NAN)])


# -- crossed bounds and unexplained statuses ----------------------------------------------------

CROSSED = [
    # (scenario, fragments of its error)
    (
        LXScenario("low above up").modify_variable_bound("production[0]", lower=12),
        ["scenario 'low above up'", "variable 'production[0]'", "lower bound 12", "upper bound 10"],
    ),
    (
        LXScenario("up below low").modify_variable_bound("production", upper=-1),
        ["variable 'production[0]'", "lower bound 0", "upper bound -1"],
    ),
    (
        LXScenario("both").modify_variable_bound("production[1]", lower=5, upper=2),
        ["variable 'production[1]'", "lower bound 5", "upper bound 2"],
    ),
    (
        LXScenario("up to -inf").modify_variable_bound("production[1]", upper=-INF),
        ["variable 'production[1]'", "upper bound -inf"],
    ),
    (
        LXScenario("row to -inf").modify_constraint_rhs("capacity[paint]", set_value=-INF),
        ["scenario 'row to -inf'", "constraint 'capacity[paint]'", "-inf"],
    ),
]


@pytest.mark.parametrize(("scenario", "fragments"), CROSSED, ids=[s.name for s, _ in CROSSED])
def test_crossed_bounds_are_infeasible_and_say_where(tiny_model: LXModel, scenario, fragments) -> None:
    results = run_scenarios(tiny_model, [scenario], progress=False)
    result = results[scenario.name]
    assert result.status == Status.INFEASIBLE
    assert result.error is not None
    for fragment in fragments:
        assert fragment in result.error, (fragment, result.error)
    assert close(results["baseline"].objective_value, TINY_OPTIMUM)  # reverted for the next


def test_crossed_bounds_do_not_call_the_solver(tiny_model: LXModel, monkeypatch) -> None:
    session = ScenarioSession(tiny_model.to_canonical())
    monkeypatch.setattr(session.solver, "solve", lambda *a: pytest.fail("the solver was called"))
    outcome = session.solve_scenario(LXScenario("x").modify_variable_bound("production[0]", lower=11))
    assert outcome.status is Status.INFEASIBLE
    assert (
        outcome.reason == "scenario 'x': variable 'production[0]' lower bound 11 is above its upper bound 10"
    )


def test_crossing_is_checked_after_every_change_of_the_scenario(tiny_model: LXModel) -> None:
    """Raising the upper bound first makes the later lower bound fit: not crossed (x0 = 11
    still fits assembly 12 and paint 30)."""
    ok = (
        LXScenario("ok")
        .modify_variable_bound("production[0]", upper=20)
        .modify_variable_bound("production[0]", lower=11)
    )
    results = run_scenarios(tiny_model, [ok], progress=False, include_baseline=False)
    assert results["ok"].status == Status.OPTIMAL, results["ok"].error


def test_solver_infeasible_is_explained(tiny_model: LXModel) -> None:
    bad = LXScenario("neg").modify_constraint_rhs("capacity[assembly]", set_value=-1)
    result = run_scenarios(tiny_model, [bad], progress=False, include_baseline=False)["neg"]
    assert result.status == Status.INFEASIBLE
    assert result.error is not None and "the solver reported infeasible" in result.error


def test_unbounded_is_explained(tiny_model: LXModel) -> None:
    free = LXScenario("free").modify_variable_bound("production[0]", upper=INF)
    free.modify_coefficient("capacity", "production[0]", set_value=0)
    result = run_scenarios(tiny_model, [free], progress=False, include_baseline=False)["free"]
    assert result.status == Status.UNBOUNDED
    assert result.error is not None and "the solver reported unbounded" in result.error


@pytest.mark.parametrize(
    "status", [Status.ABNORMAL, Status.NOT_SOLVED, Status.UNKNOWN, Status.TIME_LIMIT, Status.INFEASIBLE]
)
def test_every_non_feasible_solver_status_has_a_reason(tiny_model: LXModel, monkeypatch, status) -> None:
    from lumix.solvers.ortools import RawSolution

    session = ScenarioSession(tiny_model.to_canonical())
    monkeypatch.setattr(session.solver, "solve", lambda *a: RawSolution(status, None, 0.0))
    outcome = session.solve_scenario(LXScenario("x"))
    assert outcome.status is status
    assert outcome.reason is not None and str(status) in outcome.reason


def test_abnormal_is_a_failure() -> None:
    assert Status.ABNORMAL.is_failure
    assert not Status.INFEASIBLE.is_failure and not Status.OPTIMAL.is_failure


def test_feasible_results_carry_no_error(tiny_model: LXModel) -> None:
    results = run_scenarios(tiny_model, [LXScenario("same")], progress=False)
    assert all(r.error is None for r in results.values())
    assert results.failed.empty
