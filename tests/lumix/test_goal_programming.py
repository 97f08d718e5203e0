"""Goal programming (LumiX 0.3.2): goals relaxed by the compiler's goal pass, weighted and
sequential solving, the persistent sequential solve, errors, copies and scenarios.

The running model (``plant``): ``make[i]`` in [0, 50] for three items, ``overtime`` in [0, 40],

    hours:    2 make[1] + make[2] + 3 make[3] - overtime <= 120 (90 when tight)   hard
    demand:   make[i] >= (20, 30, 25)[i]                    priority 1, weight 1   (GE: shortfall)
    volume:   sum make <= 90 (60 when tight)                priority 3, weight 2   (LE: excess)
    mix:      make[1] - 0.5 make[2] == 5                    priority 4, weight 0.5 (EQ: both)
    ot_cost:  overtime, .le(), priority 0, weight 2: minimize 2 * overtime (an objective term)
    objective: maximize (or minimize) 10 make[1] + 9 make[2] + 3 make[3] - 4 overtime

Untight, every goal can be met: demand takes 145 hours, so overtime >= 25; the final objective
then spends the 15 hours left on the (make[1], make[2]) bundle that keeps the mix (4 hours
earn 28 > 4 * (4 + 2)): make = (23.75, 37.5, 25), overtime 40, profit 490; with the
priority-0 term the min-form final is -490 + 2 * 40 = -410. Tight (130 hours at most), the
cheapest shortfall is 5 units of item 3 (P1 = 5), the volume goal misses by 10 (P3 = 2 * 10).
Priority 2 is absent (a gap). The figures in ``CASES`` are those LumiX 0.3.2 prints for the same
script (/work/lumix_ref venv, OR-Tools GLOP); a few are also derived by hand or by linprog below.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import pickle
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.optimize import linprog

import lumix
from lumix import (
    LXConstraint,
    LXConstraintSense,
    LXLinearExpression,
    LXModel,
    LXObjectiveSense,
    LXOptimizer,
    LXVariable,
    ModelError,
)
from lumix.analysis import LXScenario, LXScenarioAnalyzer, LXSensitivityAnalyzer
from lumix.goal_programming import (
    LXGoal,
    LXGoalMetadata,
    LXGoalMode,
    LXGoalProgrammingSolver,
    LXGoalStage,
    RelaxedConstraint,
    build_sequential_objectives,
    build_weighted_objective,
    combine_objectives,
    extract_custom_objectives,
    get_deviation_var_name,
    priority_to_weight,
    relax_constraint,
    relax_constraints,
    solve_goal_programming,
)
from lumix.scenario import ScenarioSession
from lumix.solvers import ortools
from tests.conftest import SAProduct, SAResource, wyndor_model, wyndor_products, wyndor_resources


@dataclass
class Item:
    id: int
    profit: float
    hours: float
    demand: float


ITEMS = [Item(1, 10.0, 2.0, 20.0), Item(2, 9.0, 1.0, 30.0), Item(3, 3.0, 3.0, 25.0)]


def plant(
    mode: str | None = "weighted",
    *,
    p0: bool = True,
    sense: str = "max",
    final: bool = True,
    tight: bool = False,
    infeasible: bool = False,
) -> LXModel:
    make = (
        LXVariable[Item, float]("make")
        .continuous()
        .bounds(lower=0, upper=50)
        .indexed_by(lambda i: i.id)
        .from_data(ITEMS)
    )
    overtime = LXVariable("overtime").continuous().bounds(lower=0, upper=40)
    model = LXModel("plant").add_variables(make, overtime)
    hours = LXLinearExpression().add_term(make, lambda i: i.hours).add_term(overtime, -1.0)
    model.add_constraint(LXConstraint("hours").expression(hours).le().rhs(90 if tight else 120))
    model.add_constraint(
        LXConstraint[Item]("demand")
        .expression(LXLinearExpression().add_term(make, 1.0))
        .ge()
        .rhs(lambda i: i.demand)
        .from_data(ITEMS)
        .indexed_by(lambda i: i.id)
        .as_goal(1, 1.0)
    )
    volume = LXLinearExpression().add_term(make, 1.0)
    # as_goal before .le(): the sense is read when the goal is relaxed
    model.add_constraint(
        LXConstraint("volume").expression(volume).as_goal(3, 2.0).le().rhs(60 if tight else 90)
    )
    mix = LXLinearExpression().add_term(make, lambda i: {1: 1.0, 2: -0.5}.get(i.id, 0.0))
    model.add_constraint(LXConstraint("mix").expression(mix).eq().rhs(5).as_goal(4, 0.5))
    if infeasible:
        model.add_constraint(
            LXConstraint("impossible").expression(LXLinearExpression().add_term(overtime)).ge().rhs(41)
        )
    if p0:
        cost = LXLinearExpression().add_term(overtime, 1.0)
        model.add_constraint(LXConstraint("ot_cost").expression(cost).le().rhs(0).as_goal(0, 2.0))
    if final:
        profit = LXLinearExpression().add_term(make, lambda i: i.profit).add_term(overtime, -4.0)
        (model.maximize if sense == "max" else model.minimize)(profit)
    if mode is not None:
        model.set_goal_mode(mode)
    return model


GROWN = {1: 23.75, 2: 37.5, 3: 25.0}  # make when the final objective maximizes the profit
AT_DEMAND = {1: 20.0, 2: 30.0, 3: 25.0}
TIGHT = {1: 20.0, 2: 30.0, 3: 20.0}

#: LumiX 0.3.2's figures: (options, objective, make, overtime, stages as (priority, value)); without a
#: final objective, any plan that meets the goals is optimal (make and overtime are not unique).
CASES: dict[
    str, tuple[dict[str, Any], float, dict[int, float] | None, float | None, list[tuple[int, float]]]
] = {
    "weighted max p0": ({}, -410.0, GROWN, 40.0, []),
    "weighted min p0": ({"sense": "min"}, 465.0, AT_DEMAND, 40.0, []),
    "weighted max": ({"p0": False}, -490.0, GROWN, 40.0, []),
    "weighted min": ({"p0": False, "sense": "min"}, 385.0, AT_DEMAND, 40.0, []),
    "weighted no final": ({"p0": False, "final": False}, 0.0, None, None, []),
    "weighted tight p0": ({"tight": True}, 5199710.0, TIGHT, 40.0, []),
    "weighted tight": ({"tight": True, "p0": False}, 5199630.0, TIGHT, 40.0, []),
    "sequential max p0": ({}, -410.0, GROWN, 40.0, [(1, 0.0), (3, 0.0), (4, 0.0), (0, -410.0)]),
    "sequential min p0": (
        {"sense": "min"},
        465.0,
        AT_DEMAND,
        40.0,
        [(1, 0.0), (3, 0.0), (4, 0.0), (0, 465.0)],
    ),
    "sequential max": ({"p0": False}, 490.0, GROWN, 40.0, [(1, 0.0), (3, 0.0), (4, 0.0), (0, 490.0)]),
    "sequential min": (
        {"p0": False, "sense": "min"},
        385.0,
        AT_DEMAND,
        40.0,
        [(1, 0.0), (3, 0.0), (4, 0.0), (0, 385.0)],
    ),
    "sequential no final": ({"p0": False, "final": False}, 0.0, None, None, [(1, 0.0), (3, 0.0), (4, 0.0)]),
    "sequential tight p0": (
        {"tight": True},
        -290.0,
        TIGHT,
        40.0,
        [(1, 5.0), (3, 20.0), (4, 0.0), (0, -290.0)],
    ),
    "sequential tight": (
        {"tight": True, "p0": False},
        370.0,
        TIGHT,
        40.0,
        [(1, 5.0), (3, 20.0), (4, 0.0), (0, 370.0)],
    ),
}


def exactly(message: str) -> str:
    """A ``match=`` pattern for exactly ``message``."""
    return "^" + re.escape(message) + "$"


def approx(value: Any) -> Any:
    return pytest.approx(value, rel=1e-9, abs=1e-7)


def assert_stages(stages: list[LXGoalStage], expected: list[tuple[int, float | None]]) -> None:
    """Priorities in order, values to 1e-9 relative, every stage optimal."""
    assert [s.priority for s in stages] == [p for p, _ in expected]
    assert [s.objective_value for s in stages] == approx([v for _, v in expected])
    assert all(s.status == "optimal" for s in stages)


# -- solving: the figures of LumiX 0.3.2 ------------------------------------------------------------


@pytest.mark.parametrize("case", list(CASES))
def test_solve_gives_lumix_figures(case):
    options, objective, make, overtime, stages = CASES[case]
    mode = case.split()[0]
    solution = LXOptimizer().solve(plant(mode, **options))
    assert solution.status == "optimal"
    assert solution.objective_value == approx(objective)
    if make is not None:
        assert solution.variables["make"] == approx(make)
        assert solution.variables["overtime"] == approx(overtime)
    assert_stages(solution.goal_stages, stages)
    assert list(solution.variables) == [
        "make",
        "overtime",
        "demand_pos_dev",
        "demand_neg_dev",
        "volume_pos_dev",
        "volume_neg_dev",
        "mix_pos_dev",
        "mix_neg_dev",
    ]


def test_deviations_and_penalised_sides():
    solution = LXOptimizer().solve(plant("weighted", tight=True))
    demand = solution.get_goal_deviations("demand")
    assert demand == {
        "pos": approx({"demand_1": 0.0, "demand_2": 0.0, "demand_3": 0.0}),
        "neg": approx({"demand_1": 0.0, "demand_2": 0.0, "demand_3": 5.0}),
    }
    assert solution.get_goal_deviations("volume") == {
        "pos": approx({"volume": 10.0}),
        "neg": approx({"volume": 0.0}),
    }
    assert solution._undesired_deviations == {
        "demand": frozenset({"neg"}),
        "volume": frozenset({"pos"}),
        "mix": frozenset({"pos", "neg"}),
    }
    assert (solution.is_goal_satisfied("demand"), solution.get_total_deviation("demand")) == (
        False,
        approx(5.0),
    )
    assert (solution.is_goal_satisfied("volume"), solution.get_total_deviation("volume")) == (
        False,
        approx(10.0),
    )
    assert solution.is_goal_satisfied("mix") is True
    assert solution.get_goal_deviations("ot_cost") is None  # priority 0: an objective term, no deviations
    assert solution.is_goal_satisfied("nope") is None and solution.get_total_deviation("nope") is None


def test_only_the_penalised_side_counts():
    solution = LXOptimizer().solve(plant("weighted"))
    # volume is under its limit by 3.75 (neg), which an LE goal does not penalise
    assert solution.get_goal_deviations("volume")["neg"] == approx({"volume": 3.75})
    assert solution.is_goal_satisfied("volume") is True
    assert solution.get_total_deviation("volume") == approx(0.0)


def test_weighted_objective_checked_by_linprog():
    """The tight weighted model with the priority-0 term, written by hand as an elastic LP:
    columns make1..3, overtime, demand pos 1..3, demand neg 1..3, volume pos/neg, mix pos/neg."""
    c = np.zeros(14)
    c[:4] = [-10.0, -9.0, -3.0, 4.0 + 2.0]  # -(profit) in min-form, plus the priority-0 term 2 * overtime
    c[7:10] = 1e6  # P1: demand shortfall
    c[10] = 1e4 * 2.0  # P3: volume excess, weight 2
    c[12:14] = 1e3 * 0.5  # P4: mix both sides, weight 0.5
    a_ub = np.zeros((1, 14))
    a_ub[0, :4] = [2.0, 1.0, 3.0, -1.0]
    a_eq = np.zeros((5, 14))
    for i in range(3):
        a_eq[i, i], a_eq[i, 7 + i], a_eq[i, 4 + i] = 1.0, 1.0, -1.0
    a_eq[3, :3], a_eq[3, 11], a_eq[3, 10] = 1.0, 1.0, -1.0
    a_eq[4, :2], a_eq[4, 13], a_eq[4, 12] = [1.0, -0.5], 1.0, -1.0
    bounds = [(0, 50)] * 3 + [(0, 40)] + [(0, None)] * 10
    hand = linprog(c, A_ub=a_ub, b_ub=[90.0], A_eq=a_eq, b_eq=[20.0, 30.0, 25.0, 60.0, 5.0], bounds=bounds)
    assert hand.status == 0
    assert LXOptimizer().solve(plant("weighted", tight=True)).objective_value == approx(hand.fun)


def test_weighted_goal_model_compiles_to_the_hand_written_elastic_lp():
    """Deviation families written as ordinary families give the same arrays (names included)."""
    make = LXVariable[Item, float]("make").continuous().bounds(lower=0, upper=50).indexed_by(lambda i: i.id)
    make.from_data(ITEMS)
    overtime = LXVariable("overtime").continuous().bounds(lower=0, upper=40)

    def deviation(name: str, keys: list[str]) -> LXVariable:
        return LXVariable(name).continuous().bounds(lower=0).indexed_by(lambda k: k).from_data(keys)

    d_pos, d_neg = (
        deviation(f"demand_{s}_dev", ["demand_1", "demand_2", "demand_3"]) for s in ("pos", "neg")
    )
    v_pos, v_neg = (deviation(f"volume_{s}_dev", ["volume"]) for s in ("pos", "neg"))
    m_pos, m_neg = (deviation(f"mix_{s}_dev", ["mix"]) for s in ("pos", "neg"))
    own = lambda k, i: 1.0 if k == f"demand_{i.id}" else 0.0  # noqa: E731
    elastic = LXModel("plant").add_variables(make, overtime, d_pos, d_neg, v_pos, v_neg, m_pos, m_neg)
    hours = LXLinearExpression().add_term(make, lambda i: i.hours).add_term(overtime, -1.0)
    elastic.add_constraint(LXConstraint("hours").expression(hours).le().rhs(120))
    demand = LXLinearExpression().add_term(make).add_term(d_neg, own).add_term(d_pos, lambda k, i: -own(k, i))
    elastic.add_constraint(
        LXConstraint[Item]("demand")
        .expression(demand)
        .eq()
        .rhs(lambda i: i.demand)
        .from_data(ITEMS)
        .indexed_by(lambda i: i.id)
    )
    volume = LXLinearExpression().add_term(make).add_term(v_neg).add_term(v_pos, -1.0)
    elastic.add_constraint(LXConstraint("volume").expression(volume).eq().rhs(90))
    mix = LXLinearExpression().add_term(make, lambda i: {1: 1.0, 2: -0.5}.get(i.id, 0.0))
    elastic.add_constraint(
        LXConstraint("mix").expression(mix.add_term(m_neg).add_term(m_pos, -1.0)).eq().rhs(5)
    )
    objective = (
        LXLinearExpression()
        .add_term(overtime, 2.0)  # the priority-0 term
        .add_term(make, lambda i: -i.profit)
        .add_term(overtime, 4.0)
        .add_term(d_neg, 1e6)
        .add_term(v_pos, 2e4)
        .add_term(m_pos, 500.0)
        .add_term(m_neg, 500.0)
    )
    elastic.minimize(objective)
    goal, hand = plant("weighted").to_canonical(), elastic.to_canonical()
    assert goal.col_names == hand.col_names and goal.row_names == hand.row_names
    assert goal.content_hash == hand.content_hash
    assert goal.goal_deviations[0] == lumix.compile.GoalDeviation(
        "demand", "demand_pos_dev", "demand_neg_dev", frozenset({"neg"})
    )


def test_sequential_canonical_stages_and_bound_rows():
    canon = plant("sequential").to_canonical()
    assert canon.row_names[-3:] == ("goal_priority_1_bound", "goal_priority_3_bound", "goal_priority_4_bound")
    assert [(s.priority, s.bound_row) for s in canon.goal_stages] == [(1, 6), (3, 7), (4, 8)]
    assert canon.row_upper[6:].tolist() == [np.inf] * 3 and canon.row_sense[6:].tolist() == ["<="] * 3
    stage3 = canon.goal_stages[1].objective
    assert stage3[canon.column("volume_pos_dev[volume]")] == 2.0  # the goal weight, no 10 ** k
    assert np.count_nonzero(stage3) == 1
    assert canon.matrix[7].toarray()[0].tolist() == stage3.tolist()  # the bound row holds the stage
    # the final objective keeps its own sense: the priority-0 term makes it one minimization
    assert canon.sense is LXObjectiveSense.MINIMIZE
    assert canon.objective[canon.column("overtime")] == 6.0  # 2 (priority 0) + 4 (-(-4) in min-form)
    assert plant("sequential", p0=False).to_canonical().sense is LXObjectiveSense.MAXIMIZE
    assert plant("sequential", p0=False, final=False).to_canonical().sense is None


def test_sequential_stage_failure_stops_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="lumix.goal_programming.solver"):
        solution = LXOptimizer().solve(plant("sequential", infeasible=True))
    assert solution.status == "infeasible" and solution.objective_value is None  # LumiX 0.3.2: 0.0
    assert solution.goal_stages == [LXGoalStage(1, None, "infeasible")]
    assert solution.goal_deviations == {}
    assert caplog.messages == [
        "Goal priority 1 did not solve to optimality (status infeasible); lower priorities are not optimized"
    ]


def test_infeasible_weighted_model_has_no_deviations():
    solution = LXOptimizer().solve(plant("weighted", infeasible=True))
    assert solution.status == "infeasible" and solution.goal_deviations == {} and solution.goal_stages == []


# -- LumiX's example 11a, as a script of our own -------------------------------------------------------


def test_basic_goal_programming_example():
    """Upstream ``examples/11_goal_programming/01_basic_goal_programming.py``: two products,
    production targets as P1 goals, overtime <= 50 as P2, profit == 1800 as P3. LumiX 0.3.2
    prints objective 4000000 (the profit goal misses by 400 at 10 ** 4), production 100 / 80,
    3 of 4 goals satisfied, and the prepared model's summary below."""
    targets, hours, profits = {1: 100.0, 2: 80.0}, {1: 2.0, 2: 3.0}, {1: 10.0, 2: 15.0}
    production = (
        LXVariable("production").continuous().bounds(lower=0).indexed_by(lambda k: k).from_data([1, 2])
    )
    overtime = LXVariable("overtime").continuous().bounds(lower=0).indexed_by(lambda k: k).from_data([1])
    model = LXModel("goal_programming_basic").add_variables(production, overtime)
    capacity = LXLinearExpression().add_term(production, lambda k: hours[k]).add_term(overtime, coeff=-1.0)
    model.add_constraint(LXConstraint("capacity").expression(capacity).le().rhs(400))
    for k in (1, 2):
        expr = LXLinearExpression().add_term(production, coeff=lambda p, k=k: 1.0 if p == k else 0.0)
        model.add_constraint(
            LXConstraint(f"production_goal_{k}").expression(expr).ge().rhs(targets[k]).as_goal(1)
        )
    expr = LXLinearExpression().add_term(overtime, coeff=1.0)
    model.add_constraint(LXConstraint("overtime_goal").expression(expr).le().rhs(50).as_goal(priority=2))
    expr = LXLinearExpression().add_term(production, lambda k: profits[k])
    model.add_constraint(LXConstraint("profit_goal").expression(expr).eq().rhs(1800).as_goal(priority=3))
    model.set_goal_mode("weighted").prepare_goal_programming()
    assert model.summary() == (
        "LXModel: goal_programming_basic\n  Variable Families: 10\n"
        "  Constraint Families: 5\n  Objective: min\n"
    )
    solution = LXOptimizer().use_solver("ortools").solve(model)
    assert solution.objective_value == approx(4_000_000.0)
    assert solution.variables["production"] == approx({1: 100.0, 2: 80.0})
    assert (
        40.0 - 1e-7 <= solution.variables["overtime"][1] <= 50.0 + 1e-7
    )  # any overtime in [40, 50] is optimal
    assert solution.get_goal_deviations("profit_goal") == {
        "pos": approx({"profit_goal": 400.0}),
        "neg": approx({"profit_goal": 0.0}),
    }
    goals = ["production_goal_1", "production_goal_2", "overtime_goal", "profit_goal"]
    assert [solution.is_goal_satisfied(g) for g in goals] == [True, True, True, False]


# -- the model side: prepare, has_goals, summary, modes ---------------------------------------------


def test_summary_before_and_after_preparing():
    model = plant(None)
    # LumiX 0.3.2: the goal lines appear only before preparing, Goal Mode only once set
    assert model.summary() == (
        "LXModel: plant\n  Variable Families: 2\n  Constraint Families: 5\n  Objective: max\n"
        "  Goal Constraints: 4\n"
    )
    model.set_goal_mode("sequential")
    assert model.summary().endswith("  Goal Constraints: 4\n  Goal Mode: sequential\n")
    model.prepare_goal_programming()
    assert (
        model.summary()
        == "LXModel: plant\n  Variable Families: 8\n  Constraint Families: 4\n  Objective: min\n"
    )


def test_prepare_changes_the_model_in_place():
    model = plant("weighted")
    goals = {c.name: c for c in model.constraints}
    assert model.has_goals() and goals["demand"].is_goal() and not goals["hours"].is_goal()
    assert goals["volume"].goal_metadata == LXGoalMetadata(3, 2.0, LXConstraintSense.LE, {"pos"})
    assert model.prepare_goal_programming() is model
    assert [(c.name, c.sense.value, c.is_goal()) for c in model.constraints] == [
        ("hours", "<=", False),
        ("demand", "==", False),
        ("volume", "==", False),
        ("mix", "==", False),
    ]
    assert [v.name for v in model.variables] == [
        "make",
        "overtime",
        "demand_pos_dev",
        "demand_neg_dev",
        "volume_pos_dev",
        "volume_neg_dev",
        "mix_pos_dev",
        "mix_neg_dev",
    ]
    assert not model.has_goals() and model.goal_mode == "weighted"
    assert model.objective_sense is LXObjectiveSense.MINIMIZE
    assert model.get_constraint("hours") is goals["hours"]  # hard constraints are kept
    relaxed = model._relaxed_constraints
    assert [r.constraint.name for r in relaxed] == ["demand", "volume", "mix"]
    assert isinstance(relaxed[0], RelaxedConstraint)
    assert relaxed[0].get_undesired_variables() == [model.get_variable("demand_neg_dev")]
    assert relaxed[2].get_undesired_variables() == [
        model.get_variable("mix_pos_dev"),
        model.get_variable("mix_neg_dev"),
    ]
    before = (list(model.variables), list(model.constraints))
    assert model.prepare_goal_programming() is model  # idempotent
    assert (model.variables, model.constraints) == before


def test_goal_instances_of_the_deviation_families():
    model = plant("weighted").prepare_goal_programming()
    demand = model._relaxed_constraints[0]
    expected = [
        LXGoal(f"demand_{i.id}", "demand", 1, 1.0, LXConstraintSense.GE, i.demand, i.id) for i in ITEMS
    ]
    assert demand.goal_instances == expected
    assert model.get_variable("demand_pos_dev").get_instances() == expected
    assert model.get_variable("demand_pos_dev").index_key(expected[1]) == "demand_2"
    assert model._relaxed_constraints[1].goal_instances == [
        LXGoal("volume", "volume", 3, 2.0, LXConstraintSense.LE, 90, None)
    ]


def test_model_with_goals_not_prepared_is_left_untouched():
    model = plant("weighted")
    variables, constraints = list(model.variables), list(model.constraints)
    solution = LXOptimizer().solve(model)
    assert solution.objective_value == approx(-410.0)
    assert model.variables == variables and model.constraints == constraints
    assert model.has_goals() and not model._goal_programming_prepared and model._relaxed_constraints == []
    assert model.objective_sense is LXObjectiveSense.MAXIMIZE
    assert solution.get_goal_deviations("mix") is not None
    assert (
        model.to_canonical().content_hash
        == plant("weighted").prepare_goal_programming().to_canonical().content_hash
    )


def test_mode_defaults_to_weighted_and_changing_it_after_preparing_raises():
    model = plant(None).prepare_goal_programming()
    assert model.goal_mode == "weighted"
    model.set_goal_mode("sequential")
    with pytest.raises(
        ModelError,
        match=exactly(
            "The model was prepared for weighted goal programming and its goal mode is now sequential; build "
            "the model again (or solve it without calling prepare_goal_programming()) to change the mode"
        ),
    ):
        LXOptimizer().solve(model)


@pytest.mark.parametrize("mode", ["Weighted", "lexicographic", LXGoalMode.WEIGHTED])
def test_set_goal_mode_takes_the_two_names_only(mode):
    with pytest.raises(
        ValueError, match=rf"^Invalid goal mode: {mode}\. Must be 'weighted' or 'sequential'$"
    ):
        LXModel().set_goal_mode(mode)


@pytest.mark.parametrize("priority", [-1, 1.5, True, "1", float("nan")])
def test_priorities_are_integers_from_zero(priority):
    model = plant(None)
    model.get_constraint("mix").as_goal(priority)
    with pytest.raises(
        ModelError, match=rf"^Goal 'mix' has priority {priority!r}; priorities are integers >= 0$"
    ):
        model.prepare_goal_programming()
    assert model.has_goals() and not model._goal_programming_prepared  # nothing changed


def test_integral_float_priority_is_taken_as_int():
    model = plant(None)
    model.get_constraint("mix").as_goal(4.0, 0.5)
    model.prepare_goal_programming()
    assert model._relaxed_constraints[2].goal_metadata.priority == 4
    assert type(model._relaxed_constraints[2].goal_metadata.priority) is int


def _with_goal(constraint: LXConstraint) -> LXModel:
    model = plant(None)
    model.add_constraint(constraint)
    return model


def test_priority_zero_goal_errors():
    x = LXLinearExpression().add_term(LXVariable("overtime"))
    with pytest.raises(
        ModelError,
        match=exactly(
            "Priority 0 goal 'p' must use .ge() (maximize its expression) or .le() (minimize it), not .eq()"
        ),
    ):
        _with_goal(LXConstraint("p").expression(x).eq().rhs(0).as_goal(0)).prepare_goal_programming()
    indexed = (
        LXConstraint("p").expression(x).ge().rhs(0).from_data(ITEMS).indexed_by(lambda i: i.id).as_goal(0)
    )
    with pytest.raises(
        ModelError,
        match=exactly(
            "Priority 0 goal 'p' is indexed; write the custom objective as one constraint without indexed_by"
        ),
    ):
        _with_goal(indexed).prepare_goal_programming()


def test_goal_expression_errors():
    with pytest.raises(ModelError, match=r"^Cannot relax constraint 'g' - no LHS expression defined$"):
        _with_goal(LXConstraint("g").le().rhs(1).as_goal(1)).prepare_goal_programming()

    class Weird:
        pass

    goal = LXConstraint("g").le().rhs(1).as_goal(1)
    goal.lhs = Weird()  # type: ignore[assignment]
    with pytest.raises(
        ModelError,
        match=r"^Goal 'g' has a Weird expression; goals take LXLinearExpression or LXNonLinearExpression$",
    ):
        relax_constraint(goal, goal.goal_metadata)


def test_deviation_family_name_taken_leaves_the_model_unchanged():
    model = plant(None).add_variable(LXVariable("mix_neg_dev"))
    variables, constraints = list(model.variables), list(model.constraints)
    with pytest.raises(ModelError, match=r"already has a variable family 'mix_neg_dev'"):
        model.prepare_goal_programming()
    assert (model.variables, model.constraints, model.has_goals()) == (variables, constraints, True)


def test_goal_ids_that_collide_as_strings():
    x = LXVariable("x").continuous().bounds(0, 10)
    goal = (
        LXConstraint("g")
        .expression(LXLinearExpression().add_term(x))
        .le()
        .rhs(1)
        .from_data([1, "1"])
        .indexed_by(lambda k: k)
        .as_goal(1)
    )
    model = LXModel("m").add_variable(x).add_constraint(goal)
    with pytest.raises(
        ModelError,
        match=exactly(
            "Goal 'g' has index keys 1 and '1' that give the same deviation name 'g_1'; "
            "make the keys distinct as strings"
        ),
    ):
        model.to_canonical()


# -- lumix.goal_programming --------------------------------------------------------------------------


def test_package_names_are_exported_from_lumix():
    names = [
        "LXGoalMode", "LXGoalMetadata", "LXGoal", "LXGoalStage", "RelaxedConstraint", "relax_constraint",
        "relax_constraints", "build_weighted_objective", "build_sequential_objectives", "combine_objectives",
        "extract_custom_objectives", "get_deviation_var_name", "priority_to_weight",
        "LXGoalProgrammingSolver", "solve_goal_programming",
    ]  # fmt: skip
    assert sorted(lumix.goal_programming.__all__) == sorted(names)
    assert all(getattr(lumix, n) is getattr(lumix.goal_programming, n) for n in names)
    assert lumix.goal_programming.solver.SEQUENTIAL_TOLERANCE == 0.0


def test_weights_and_names():
    assert [priority_to_weight(p) for p in (0, 1, 2, 3, 7, 8)] == [1.0, 1e6, 1e5, 1e4, 1.0, 0.1]
    assert priority_to_weight(2, base=2.0, exponent_offset=3) == 4.0
    assert get_deviation_var_name("demand", "neg") == "demand_neg_dev"
    meta = LXGoalMetadata(1, 1.0, LXConstraintSense.LE)
    assert (meta.is_pos_undesired(), meta.is_neg_undesired(), meta.is_custom_objective()) == (
        True,
        False,
        False,
    )
    meta.update_sense(LXConstraintSense.EQ)
    assert meta.undesired_deviations == {"pos", "neg"}
    assert LXGoalMetadata(0, 1.0, LXConstraintSense.GE).is_custom_objective()


def test_objective_builders_compile_like_the_pass():
    """The weighted / per-priority objectives as expressions give the pass's vectors."""
    model = plant("weighted", p0=False, final=False).prepare_goal_programming()
    relaxed = model._relaxed_constraints
    seq = plant("sequential", p0=False, final=False).to_canonical()
    weighted = plant("weighted", p0=False, final=False).to_canonical()
    plain = copy.copy(model)  # the deviation families as ordinary families, to compile the expressions
    plain.variables = [
        LXVariable(v.name)
        .continuous()
        .bounds(lower=0)
        .indexed_by(lambda k: k)
        .from_data([g.id for g in model._relaxed_constraints[(i - 2) // 2].goal_instances])
        if i >= 2
        else v
        for i, v in enumerate(model.variables)
    ]
    plain.constraints = [model.get_constraint("hours")]
    plain._goal_programming_prepared = False
    for expr, vector in [(build_weighted_objective(relaxed), weighted.objective)] + [
        (e, stage.objective)
        for (_, e), stage in zip(build_sequential_objectives(relaxed), seq.goal_stages, strict=True)
    ]:
        compiled = copy.copy(plain).minimize(expr).to_canonical()
        assert compiled.objective.tolist() == vector.tolist()
    assert [p for p, _ in build_sequential_objectives(relaxed)] == [1, 3, 4]


def test_combine_and_extract():
    x = LXVariable("x")
    combined = combine_objectives(
        LXLinearExpression().add_term(x, 2.0).add_constant(1),
        LXLinearExpression().add_term(x, 3.0).add_constant(4),
        0.5,
    )
    model = LXModel().add_variable(x.bounds(0, 1)).maximize(combined)
    assert model.to_canonical().objective.tolist() == [3.5] and model.to_canonical().objective_constant == 3.0
    relaxed = plant("weighted").prepare_goal_programming()._relaxed_constraints
    with pytest.warns(DeprecationWarning, match="extract_custom_objectives is deprecated"):
        assert extract_custom_objectives(relaxed) == []


def test_relax_constraints_skips_other_and_priority_zero_goals():
    model = plant(None)
    meta = {c.name: c.goal_metadata for c in model.constraints if c.is_goal()}
    relaxed = relax_constraints(model.constraints, meta)
    assert [r.constraint.name for r in relaxed] == ["demand", "volume", "mix"]
    assert (
        relaxed[0].constraint.sense is LXConstraintSense.EQ
        and relaxed[0].pos_deviation.name == "demand_pos_dev"
    )


def test_goal_solver_modes():
    optimizer = LXOptimizer()
    solver = LXGoalProgrammingSolver(optimizer)
    model = plant(None)
    assert solver.solve_weighted(model).objective_value == approx(-410.0)
    sequential = solver.solve_sequential(plant(None, tight=True))
    assert_stages(sequential.goal_stages, CASES["sequential tight p0"][4])
    assert model.goal_mode is None and model.has_goals()  # solved on copies
    for mode in ("SEQUENTIAL", LXGoalMode.SEQUENTIAL):
        assert solve_goal_programming(plant(None), optimizer, mode).goal_stages[-1].priority == 0
    with pytest.raises(
        ValueError,
        match=exactly(
            "Unknown goal programming mode 'lexicographic'; use 'weighted' or 'sequential' (or LXGoalMode)"
        ),
    ):
        solve_goal_programming(model, optimizer, "lexicographic")
    prepared = plant("weighted").prepare_goal_programming()
    with pytest.raises(
        ModelError,
        match=exactly(
            "The model was prepared for weighted goal programming; it cannot be solved in sequential mode"
        ),
    ):
        solver.solve_sequential(prepared)


def test_sequential_needs_something_to_minimize():
    model = plant("sequential", p0=False, final=False).prepare_goal_programming()
    with pytest.raises(
        ModelError,
        match=r"^No sequential objectives found\. Ensure at least one goal constraint has priority >= 1\.$",
    ):
        LXGoalProgrammingSolver(LXOptimizer()).solve_sequential(model, relaxed_constraints=[])


def test_populate_goal_deviations():
    model = plant("weighted").prepare_goal_programming()
    solved = LXOptimizer().solve(model)
    fresh = lumix.LXSolution(solved.objective_value, solved.status, 0.0, variables=dict(solved.variables))
    assert model.populate_goal_deviations(fresh) is fresh
    assert fresh.goal_deviations == solved.goal_deviations
    assert fresh._undesired_deviations == solved._undesired_deviations
    empty = lumix.LXSolution(None, "infeasible", 0.0)
    assert model.populate_goal_deviations(empty).goal_deviations == {}
    assert plant("weighted").populate_goal_deviations(fresh) is fresh  # not prepared: nothing to do


# -- copies ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["weighted", "sequential"])
@pytest.mark.parametrize("prepared", [False, True], ids=["unprepared", "prepared"])
def test_deepcopy_and_pickle_solve_alike(mode, prepared):
    model = plant(mode, tight=True)
    if prepared:
        model.prepare_goal_programming()
    expected = LXOptimizer().solve(model)
    for twin in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert twin._goal_programming_prepared is prepared and twin.has_goals() is not prepared
        assert [v.name for v in twin.variables] == [v.name for v in model.variables]
        solution = LXOptimizer().solve(twin)
        assert solution.objective_value == approx(expected.objective_value)
        assert solution.goal_stages == expected.goal_stages
        assert solution.goal_deviations == expected.goal_deviations
        if prepared:  # the relaxed goals refer to the copy's own families and rows
            relaxed = twin._relaxed_constraints[0]
            assert relaxed.constraint is twin.get_constraint("demand")
            assert relaxed.pos_deviation is twin.get_variable("demand_pos_dev")


FRESH_SCRIPT = r"""
import json, pickle, sys
from lumix import LXOptimizer

out = []
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        solution = LXOptimizer().solve(pickle.load(f))
    out.append([solution.objective_value, [[s.priority, s.objective_value] for s in solution.goal_stages]])
print(json.dumps(out))
"""


def test_pickled_goal_models_solve_in_a_fresh_interpreter(tmp_path):
    models = [plant("sequential", tight=True), plant("sequential", tight=True).prepare_goal_programming()]
    paths = []
    for n, model in enumerate(models):
        paths.append(tmp_path / f"model{n}.pkl")
        paths[-1].write_bytes(pickle.dumps(model))
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-c", FRESH_SCRIPT, *map(str, paths)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    _, objective, _, _, stages = CASES["sequential tight p0"]
    for value, got in json.loads(done.stdout.strip().splitlines()[-1]):
        assert value == approx(objective)
        assert [tuple(s) for s in got] == [(p, approx(v)) for p, v in stages]


def _sa_goal_model(session) -> LXModel:
    """Wyndor from the database, capacities as priority-1 goals and frames >= 2 as priority 2:
    the capacities can be met; two frames take 4 hours of plant3, so doors = (14 - 12) / 3 and the
    profit is 3 * 2/3 + 5 * 6 + 2 = 34 (weighted: -34, the min-form; sequential: 34)."""
    x = LXVariable[SAProduct, float]("production").bounds(lower=0).indexed_by(lambda p: p.id)
    x.from_model(session).cost(lambda p: p.profit)
    usage = lambda p, r: sum(u.amount for u in p.usages if u.resource_name == r.name)  # noqa: E731
    capacity = (
        LXConstraint[SAResource]("capacity")
        .expression(LXLinearExpression().add_term(x, usage))
        .le()
        .rhs(lambda r: r.capacity)
        .from_model(session)
        .indexed_by(lambda r: r.name)
        .as_goal(1)
    )
    frames = LXLinearExpression().add_term(x, lambda p: 1.0 if p.id == 3 else 0.0)
    goal = LXConstraint("frames").expression(frames).ge().rhs(2).as_goal(2)
    return LXModel("wyndor").add_variable(x).add_constraints(capacity, goal).maximize()


@pytest.mark.parametrize(("mode", "objective"), [("weighted", -34.0), ("sequential", 34.0)])
def test_goal_model_from_the_database_copies_and_pickles(sqlite_session, mode, objective):
    model = _sa_goal_model(sqlite_session).set_goal_mode(mode)
    solutions = [LXOptimizer().solve(model)]
    prepared = _sa_goal_model(sqlite_session).set_goal_mode(mode).prepare_goal_programming()
    for source in (model, prepared):
        solutions += [
            LXOptimizer().solve(copy.deepcopy(source)),
            LXOptimizer().solve(pickle.loads(pickle.dumps(source))),
        ]
    assert [s.objective_value for s in solutions] == approx([objective] * 5)
    assert solutions[0].variables["production"] == approx({1: 2 / 3, 2: 6.0, 3: 2.0})
    plain = wyndor_model(wyndor_products(), wyndor_resources())[0]  # the same model from plain data
    plain.get_constraint("capacity").as_goal(1)
    plain.add_constraint(
        LXConstraint("frames")
        .expression(
            LXLinearExpression().add_term(
                plain.get_variable("production"), lambda p: 1.0 if p.id == 3 else 0.0
            )
        )
        .ge()
        .rhs(2)
        .as_goal(2)
    )
    assert LXOptimizer().solve(plain.set_goal_mode(mode)).objective_value == approx(objective)


# -- scenarios: incremental re-solves in the persistent solver -----------------------------------------


def _fresh(mode: str, change) -> float | None:
    model = plant(mode, tight=True)
    change(model)
    return LXOptimizer().solve(model).objective_value


@pytest.mark.parametrize("mode", ["weighted", "sequential"])
@pytest.mark.parametrize("prepared", [False, True], ids=["unprepared", "prepared"])
def test_scenario_on_a_goal_row_is_incremental(mode, prepared):
    model = plant(mode, tight=True)
    if prepared:
        model.prepare_goal_programming()
    session = ScenarioSession(model.to_canonical(), model, keep="full")
    for target, value in [("volume", 66.0), ("demand[3]", 21.0), ("hours", 95.0)]:
        outcome = session.solve_scenario(LXScenario(target).modify_constraint_rhs(target, set_value=value))
        assert outcome.method == "incremental"

        def change(m: LXModel, target: str = target, value: float = value) -> None:
            if target == "demand[3]":
                m.get_constraint("demand").from_data([*ITEMS[:2], Item(3, 3.0, 3.0, value)])
            else:
                m.get_constraint(target).rhs_value = value

        fresh = LXOptimizer().solve(_changed(mode, change))
        assert outcome.objective_value == approx(fresh.objective_value)
        assert_stages(
            outcome.solution.goal_stages, [(s.priority, s.objective_value) for s in fresh.goal_stages]
        )
    assert not session.solver.changed
    assert session.solve().objective_value == approx(CASES[f"{mode} tight p0"][1])


def _changed(mode: str, change) -> LXModel:
    model = plant(mode, tight=True)
    change(model)
    return model


@pytest.mark.parametrize("mode", ["weighted", "sequential"])
def test_callable_scenario_on_a_goal_model_is_diffed_into_the_solver(mode):
    model = plant(mode, tight=True)
    session = ScenarioSession(model.to_canonical(), model)

    def more_hours(m: LXModel) -> None:
        m.get_constraint("hours").rhs(100)

    outcome = session.solve(functions=[more_hours])
    assert outcome.method == "incremental"
    assert outcome.objective_value == approx(_fresh(mode, more_hours))
    assert model.get_constraint("hours").rhs_value == 90  # the session's model is untouched


def test_sequential_stages_run_in_one_solver_changing_only_bounds_and_objective(monkeypatch):
    model = plant("sequential", tight=True)
    session = ScenarioSession(model.to_canonical(), model)
    solver = session.solver
    calls: list[tuple[str, Any]] = []
    for name in ("set_row_bounds", "set_col_bounds", "set_objective_coefficient", "set_objective",
                 "set_coefficient", "set_objective_sense", "solve"):  # fmt: skip
        original = getattr(solver, name)

        def spy(*args, _name=name, _original=original, **kwargs):
            calls.append((_name, args[0] if args else None))
            return _original(*args, **kwargs)

        monkeypatch.setattr(solver, name, spy)
    built: list[Any] = []
    monkeypatch.setattr(ortools.ORToolsSolver, "__init__", lambda *a, **k: built.append(a))
    outcome = session.solve_scenario(LXScenario("more").modify_constraint_rhs("hours", set_value=95.0))
    assert outcome.method == "incremental" and built == []  # no other solver was made
    assert session.solver is solver
    assert sum(1 for c in calls if c[0] == "solve") == 4  # priorities 1, 3, 4, then the final objective
    assert {c[0] for c in calls} == {"set_row_bounds", "set_objective", "set_objective_sense", "solve"}
    bound_rows = {s.bound_row for s in session.canon.goal_stages}
    assert {c[1] for c in calls if c[0] == "set_row_bounds"} == bound_rows | {session.canon.row("hours")}
    assert not solver.changed


# -- analyzers ----------------------------------------------------------------------------------------------


def test_scenario_analyzer_ranks_in_the_solved_sense():
    """A weighted goal model of a maximized profit is solved as a minimization: the best
    scenario has the smallest (weighted) objective."""
    analyzer = LXScenarioAnalyzer(plant("weighted", tight=True))
    analyzer.add_scenario(LXScenario("more hours").modify_constraint_rhs("hours", set_value=100.0))
    analyzer.add_scenario(LXScenario("less volume").modify_constraint_rhs("volume", set_value=50.0))
    results = analyzer.run_all_scenarios()
    assert (
        results["more hours"].objective_value
        < results["baseline"].objective_value
        < results["less volume"].objective_value
    )
    assert analyzer.get_best_scenario() == "more hours"
    sequential = LXScenarioAnalyzer(plant("sequential", p0=False, tight=True))
    sequential.add_scenario(LXScenario("more hours").modify_constraint_rhs("hours", set_value=100.0))
    sequential.run_all_scenarios()
    assert sequential.get_best_scenario() == "more hours"  # the final stage maximizes the profit
    assert sequential.results["more hours"].objective_value > sequential.results["baseline"].objective_value


def test_sensitivity_reads_a_goal_row_as_the_goal():
    model = plant("weighted", tight=True)
    solution = LXOptimizer().solve(model)
    analyzer = LXSensitivityAnalyzer(model, solution)
    demand = analyzer.analyze_constraint_family("demand")
    # make = (20, 30, 20): the goal rows read 20, 30, 20 without their deviations
    assert [demand[k].activity for k in (1, 2, 3)] == approx([20.0, 30.0, 20.0])
    assert [demand[k].is_binding for k in (1, 2, 3)] == [True, True, False]  # item 3 misses its target
    assert analyzer.analyze_constraint("volume").activity == approx(70.0)
    assert analyzer.analyze_constraint("hours").activity == approx(90.0)


# -- every persistent backend runs the stages ------------------------------------------------------------


@pytest.mark.parametrize("mode", ["weighted", "sequential"])
@pytest.mark.parametrize(
    ("solver", "package"), [("ortools", None), ("cpsat", None), ("gurobi", "gurobipy"), ("cplex", "cplex")]
)
def test_every_backend_solves_goal_models_and_their_scenarios(solver, package, mode):
    if package is not None:
        pytest.importorskip(package, reason=f"{package} is not installed")
    optimizer = LXOptimizer().use_solver(solver)
    if solver == "cpsat":
        optimizer.enable_rational_conversion()  # continuous columns (all figures here are integral)
    _, objective, make, _, stages = CASES[f"{mode} tight p0"]
    model = plant(mode, tight=True)
    solution = optimizer.solve(model)
    assert solution.objective_value == approx(objective) and solution.variables["make"] == approx(make)
    assert_stages(solution.goal_stages, stages)
    session = ScenarioSession(optimizer.compile(model), model, optimizer.options)
    outcome = session.solve_scenario(LXScenario("more").modify_constraint_rhs("hours", set_value=96.0))
    assert outcome.method == "incremental"
    assert outcome.objective_value == approx(
        _fresh(mode, lambda m: setattr(m.get_constraint("hours"), "rhs_value", 96.0))
    )
    assert not session.solver.changed


# -- goals with non-linear terms (relaxed one-sided, linearized first) -------------------------------------


def _abs_goal_model(mode: str, sense: str) -> LXModel:
    """``y - x == 6`` with ``x`` in [-10, 10], ``y`` in [0, 10]; maximize ``y``; goal ``|x| <= 3``
    (met at x = 3, y = 9) or ``|x| >= 8`` (x = -6 at y = 0 is the closest: misses by 2)."""
    x = LXVariable("x").continuous().bounds(lower=-10, upper=10)
    y = LXVariable("y").continuous().bounds(lower=0, upper=10)
    model = LXModel("nl").add_variables(x, y)
    link = LXLinearExpression().add_term(x).add_term(y, -1.0)
    model.add_constraint(LXConstraint("link").expression(link).eq().rhs(-6))
    goal = LXConstraint("absx").expression(lumix.LXNonLinearExpression().add_abs(x))
    goal = goal.le().rhs(3) if sense == "le" else goal.ge().rhs(8)
    model.add_constraint(goal.as_goal(1, 1.0))
    return model.maximize(LXLinearExpression().add_term(y, 1.0)).set_goal_mode(mode)


@pytest.mark.parametrize(
    ("mode", "sense", "objective", "x", "neg", "stages"),
    [  # LumiX 0.3.2's figures (enable_linearization(), OR-Tools)
        ("weighted", "le", -9.0, 3.0, 0.0, []),
        ("weighted", "ge", 2_000_000.0, -6.0, 2.0, []),
        ("sequential", "le", 9.0, 3.0, 0.0, [(1, 0.0), (0, 9.0)]),
        ("sequential", "ge", 0.0, -6.0, 2.0, [(1, 2.0), (0, 0.0)]),
    ],
)
def test_nonlinear_goal_is_relaxed_one_sided(mode, sense, objective, x, neg, stages):
    model = _abs_goal_model(mode, sense)
    solution = LXOptimizer().enable_linearization().solve(model)
    assert solution.objective_value == approx(objective) and solution.variables["x"] == approx(x)
    assert solution.get_goal_deviations("absx") == {
        "pos": approx({"absx": 0.0}),
        "neg": approx({"absx": neg}),
    }
    assert_stages(solution.goal_stages, stages)
    model.prepare_goal_programming()
    assert model.get_constraint("absx").sense.value == ("<=" if sense == "le" else ">=")
    unused = model.get_variable("absx_neg_dev" if sense == "le" else "absx_pos_dev")
    assert (unused.lower_bound, unused.upper_bound) == (0.0, 0.0)


def test_nonlinear_priority_zero_goal_and_objective_are_refused():
    x = LXVariable("overtime")
    nonlinear = lumix.LXNonLinearExpression().add_abs(x)
    with pytest.raises(ModelError, match=exactly("Priority 0 goal 'p' has nonlinear terms")):
        _with_goal(LXConstraint("p").expression(nonlinear).le().rhs(0).as_goal(0)).prepare_goal_programming()
    model = plant(None).maximize(lumix.LXNonLinearExpression().add_abs(x))
    with pytest.raises(
        ModelError,
        match=exactly(
            "A model with goals cannot have a nonlinear objective: the objective is combined with the goal "
            "deviations. Write the nonlinear terms in a goal constraint, or solve without goals"
        ),
    ):
        model.prepare_goal_programming()
