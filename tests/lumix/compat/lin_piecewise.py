"""Piecewise-linear approximation of nonlinear functions (LumiX 0.3.2 API).

1. Growth: how long can a culture grow before exp(t) reaches 20? The exponential is
   approximated by LXNonLinearFunctions.exp through an LXPiecewiseLinearizer (adaptive
   breakpoints), and its auxiliaries are added to the model by hand.
2. Sourcing: a supplier with economies of scale (cost 8 q^0.8) against one with a flat
   price; the concave cost is written with add_piecewise in the objective and the
   optimizer linearizes it.
"""

import math
import warnings

from lumix import (
    LXConstraint,
    LXLinearExpression,
    LXLinearizerConfig,
    LXModel,
    LXNonLinearExpression,
    LXNonLinearFunctions,
    LXOptimizer,
    LXVariable,
)
from lumix.linearization import LXPiecewiseLinearizer

warnings.simplefilter("ignore")


def growth() -> None:
    hours = LXVariable[None, float]("hours").continuous().bounds(lower=0.0, upper=4.0)
    linearizer = LXPiecewiseLinearizer(LXLinearizerConfig(pwl_num_segments=8, adaptive_breakpoints=True))
    size = LXNonLinearFunctions.exp(hours, linearizer, segments=8)
    print("Approximation variable:", size.name)
    print("Auxiliary variables:", len(linearizer.auxiliary_vars))
    print("Auxiliary constraints:", len(linearizer.auxiliary_constraints))

    model = LXModel("growth").add_variable(hours)
    for aux in linearizer.auxiliary_vars:
        model.add_variable(aux)
    for row in linearizer.auxiliary_constraints:
        model.add_constraint(row)
    model.add_constraint(
        LXConstraint("size_limit").expression(LXLinearExpression().add_term(size, 1.0)).le().rhs(20.0)
    )
    model.maximize(LXLinearExpression().add_term(hours, 1.0))
    print(model.summary())

    solution = LXOptimizer().use_solver("ortools").solve(model)
    t = solution.get_variable(hours)
    print(f"Status: {solution.status}")
    print(f"Hours: {t:.6f} (exact answer ln 20 = {math.log(20.0):.6f})")
    print(f"Approximated size: {solution.get_variable(size):.6f}, exp(hours): {math.exp(t):.6f}")


def build_sourcing(method: str | None) -> tuple[LXModel, LXVariable, LXVariable]:
    bulk = LXVariable[None, float]("bulk").continuous().bounds(lower=0.0, upper=60.0)
    spot = LXVariable[None, float]("spot").continuous().bounds(lower=0.0, upper=100.0)
    model = LXModel("sourcing").add_variables(bulk, spot)
    model.add_constraint(
        LXConstraint("demand")
        .expression(LXLinearExpression().add_term(bulk, 1.0).add_term(spot, 1.0))
        .ge()
        .rhs(100.0)
    )
    cost = (
        LXNonLinearExpression()
        .add_linear(LXLinearExpression().add_term(spot, 5.0))
        .add_piecewise(bulk, lambda q: 8.0 * q**0.8, num_segments=4, adaptive=False, method=method)
    )
    model.minimize(cost)
    return model, bulk, spot


def sourcing() -> None:
    print(f"Exact cost of 60 bulk + 40 spot: {8.0 * 60.0**0.8 + 5.0 * 40.0:.4f}")
    for config_method, term_method in [
        ("sos2", None),
        ("incremental", None),
        ("logarithmic", None),
        ("sos2", "incremental"),
    ]:
        model, bulk, spot = build_sourcing(term_method)
        optimizer = LXOptimizer().use_solver("ortools").enable_linearization(pwl_method=config_method)
        solution = optimizer.solve(model)
        print(
            f"{config_method}/{term_method}: {solution.status} cost {solution.objective_value:.4f}"
            f" bulk {solution.get_variable(bulk):.4f} spot {solution.get_variable(spot):.4f}"
        )
        print("  families:", sorted(solution.variables))


def main() -> None:
    growth()
    sourcing()


if __name__ == "__main__":
    main()
