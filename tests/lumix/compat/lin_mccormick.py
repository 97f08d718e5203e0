"""McCormick linearization of bilinear products (LumiX 0.3.2 API).

1. A garden plot: maximise length x width under a fencing budget where one side costs
   more. Both factors are continuous, so the product is relaxed with McCormick
   envelopes: first by hand (LXLinearizer on the OR-Tools capabilities), then through
   the optimizer (enable_linearization()).
2. Depots: revenue from stock held in an open depot, open (binary) x stock
   (continuous), which the linearizer makes exact.
"""

import warnings
from dataclasses import dataclass

from lumix import (
    LXConstraint,
    LXLinearExpression,
    LXLinearizer,
    LXLinearizerConfig,
    LXModel,
    LXNonLinearExpression,
    LXOptimizer,
    LXVariable,
)
from lumix.solvers import ORTOOLS_CAPABILITIES

warnings.simplefilter("ignore")


def build_garden() -> tuple[LXModel, LXVariable, LXVariable]:
    length = LXVariable[None, float]("length").continuous().bounds(lower=2.0, upper=10.0)
    width = LXVariable[None, float]("width").continuous().bounds(lower=2.0, upper=6.0)
    model = LXModel("garden").add_variables(length, width)
    model.add_constraint(
        LXConstraint("fence_budget")
        .expression(LXLinearExpression().add_term(length, 2.0).add_term(width, 3.0))
        .le()
        .rhs(30.0)
    )
    model.maximize(LXNonLinearExpression().add_product(length, width))
    return model, length, width


@dataclass
class Depot:
    name: str
    capacity: float
    fixed_cost: float


DEPOTS = [Depot("north", 50.0, 60.0), Depot("south", 40.0, 45.0), Depot("west", 30.0, 30.0)]


def build_depots() -> tuple[LXModel, LXVariable, LXVariable]:
    is_open = LXVariable[Depot, int]("is_open").binary().indexed_by(lambda d: d.name).from_data(DEPOTS)
    stock = (
        LXVariable[Depot, float]("stock")
        .continuous()
        .bounds(lower=0, upper=50)
        .indexed_by(lambda d: d.name)
        .from_data(DEPOTS)
    )
    model = LXModel("depots").add_variables(is_open, stock)
    model.add_constraint(
        LXConstraint("total_stock").expression(LXLinearExpression().add_term(stock, 1.0)).le().rhs(70.0)
    )
    model.add_constraint(
        LXConstraint[Depot]("depot_capacity")
        .expression(LXLinearExpression().add_term(stock, 1.0))
        .le()
        .rhs(lambda d: d.capacity)
        .from_data(DEPOTS)
        .indexed_by(lambda d: d.name)
    )
    profit = (
        LXNonLinearExpression()
        .add_product(is_open, stock, coeff=4.0)
        .add_linear(LXLinearExpression().add_term(is_open, lambda d: -d.fixed_cost).add_term(stock, -1.0))
    )
    model.maximize(profit)
    return model, is_open, stock


def report_garden(solution, length, width) -> None:
    x = solution.get_variable(length)
    y = solution.get_variable(width)
    print(f"  status {solution.status}, objective {solution.objective_value:.4f}")
    print(f"  length {x:.4f}, width {y:.4f}, true area {x * y:.4f}")


def main() -> None:
    model, length, width = build_garden()
    print(model.summary())
    needs = ORTOOLS_CAPABILITIES.needs_linearization_for_bilinear()
    print("OR-Tools needs linearization for bilinear:", needs)

    linearizer = LXLinearizer(model, ORTOOLS_CAPABILITIES, LXLinearizerConfig())
    print("Needs linearization:", linearizer.needs_linearization())
    linearized = linearizer.linearize_model()
    print(linearized.summary())
    for key, value in sorted(linearizer.get_statistics().items()):
        print(f"  {key}: {value}")
    print("Variables:", [v.name for v in linearized.variables])
    print("Constraints:", [c.name for c in linearized.constraints])
    print("Relaxed products:", linearizer.relaxation_terms)

    print("Manual linearization:")
    solution = LXOptimizer().use_solver("ortools").solve(linearized)
    report_garden(solution, length, width)
    print(f"  relaxation flag {solution.relaxation}")

    print("Automatic linearization:")
    solution = LXOptimizer().use_solver("ortools").enable_linearization().solve(model)
    report_garden(solution, length, width)
    print(f"  relaxation flag {solution.relaxation}")
    print("  families:", sorted(solution.variables))

    depots, is_open, stock = build_depots()
    solution = LXOptimizer().use_solver("ortools").enable_linearization().solve(depots)
    print("Depots:")
    print(f"  status {solution.status}, objective {solution.objective_value:.4f}")
    print(f"  relaxation flag {solution.relaxation}")
    opened = solution.get_variable(is_open)
    stocked = solution.get_variable(stock)
    for depot in DEPOTS:
        print(f"  {depot.name:<6s} open {round(opened[depot.name])} stock {stocked[depot.name]:.4f}")


if __name__ == "__main__":
    main()
