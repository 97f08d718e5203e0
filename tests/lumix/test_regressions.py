"""Regressions found in review: named tuples in copies, a variable and a scalar constraint
sharing a name, and non-numbers that numpy would silently convert."""

from __future__ import annotations

import copy
import pickle
from collections import namedtuple
from dataclasses import dataclass

import pytest

from lumix import LXConstraint, LXLinearExpression, LXModel, LXOptimizer, LXVariable, ModelError

Item = namedtuple("Item", "id profit")


def test_named_tuple_data_survives_deepcopy_and_pickle():
    # maximize 2 x1 + 3 x2 with 0 <= x <= 1 -> 5
    x = (
        LXVariable[Item, float]("x")
        .bounds(0, 1)
        .indexed_by(lambda it: it.id)
        .cost(lambda it: it.profit)
        .from_data([Item(1, 2.0), Item(2, 3.0)])
    )
    model = LXModel("nt").add_variable(x).maximize()
    for clone in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert isinstance(clone.variables[0]._data[0], Item)
        assert LXOptimizer().solve(clone).objective_value == pytest.approx(5.0)


@dataclass
class Slot:
    id: int


def test_variable_and_scalar_constraint_may_share_a_name():
    # maximize budget[1] + budget[2] s.t. budget[1] + budget[2] <= 1.5, 0 <= budget <= 1 -> 1.5
    budget = LXVariable[Slot, float]("budget").bounds(0, 1).indexed_by(lambda s: s.id)
    budget.from_data([Slot(1), Slot(2)])
    cap = LXConstraint("budget").expression(LXLinearExpression().sum_over(budget)).le().rhs(1.5)
    model = LXModel("m").add_variable(budget).add_constraint(cap)
    solution = LXOptimizer().solve(model.maximize(LXLinearExpression().sum_over(budget)))
    assert solution.objective_value == pytest.approx(1.5)
    assert set(solution.variables["budget"]) == {1, 2}
    assert "budget" in solution.shadow_prices


@pytest.mark.parametrize("bad", ["3", True, None])
def test_coefficients_that_are_not_numbers_are_refused(bad):
    x = LXVariable[Slot, float]("x").bounds(0, 1).indexed_by(lambda s: s.id).from_data([Slot(1)])
    model = LXModel("m").add_variable(x).maximize(LXLinearExpression().add_term(x, lambda s: bad))
    with pytest.raises(ModelError, match=rf"coefficient of x\[1\] is {bad!r}, not a number"):
        model.to_canonical()
