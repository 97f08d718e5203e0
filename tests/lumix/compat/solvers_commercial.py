"""The same models on Gurobi and CPLEX (LumiX 0.3.2 API); run only where both are installed.

1. An LP with shadow prices (four products, three resources; optimum 12000/7).
2. A weighted goal model (optimum 1,050,000; see analysis_goals.py for the hand solution).
3. A convex quadratic objective, which both solvers take directly: minimise
   (x - 3)^2 + (y - 2)^2 with x + y <= 4; by hand x = 2.5, y = 1.5, value 0.5.
"""

from dataclasses import dataclass

from lumix import (
    LXConstraint,
    LXLinearExpression,
    LXModel,
    LXOptimizer,
    LXQuadraticExpression,
    LXVariable,
)


@dataclass
class Product:
    name: str
    profit: float
    labour: float
    machine: float
    material: float


PRODUCTS = [
    Product("A", 20.0, 1.0, 2.0, 1.0),
    Product("B", 30.0, 2.0, 1.0, 1.0),
    Product("C", 25.0, 1.5, 1.0, 2.0),
    Product("D", 15.0, 1.0, 1.0, 1.0),
]
CAPACITY = {"labour": 100.0, "machine": 90.0, "material": 120.0}


def lp_model() -> tuple[LXModel, LXVariable]:
    production = (
        LXVariable[Product, float]("production")
        .continuous()
        .bounds(lower=0)
        .indexed_by(lambda p: p.name)
        .from_data(PRODUCTS)
    )
    model = LXModel("four_products").add_variable(production)
    model.maximize(LXLinearExpression().add_term(production, lambda p: p.profit))
    for resource, capacity in CAPACITY.items():
        usage = LXLinearExpression().add_term(production, lambda p, r=resource: getattr(p, r))
        model.add_constraint(LXConstraint(f"cap_{resource}").expression(usage).le().rhs(capacity))
    return model, production


def goal_model() -> tuple[LXModel, LXVariable]:
    make = LXVariable[Product, float]("make").continuous().bounds(lower=0).indexed_by(lambda p: p.name)
    make = make.from_data(PRODUCTS[:2])
    model = LXModel("goal_plan").add_variable(make)
    hours = {"A": 2.0, "B": 3.0}
    model.add_constraint(
        LXConstraint("labour")
        .expression(LXLinearExpression().add_term(make, lambda p: hours[p.name]))
        .le()
        .rhs(120)
    )
    model.add_constraint(
        LXConstraint("total_output")
        .expression(LXLinearExpression().add_term(make, 1.0))
        .eq()
        .rhs(50)
        .as_goal(priority=1)
    )
    model.add_constraint(
        LXConstraint("b_min")
        .expression(LXLinearExpression().add_term(make, lambda p: 1.0 if p.name == "B" else 0.0))
        .ge()
        .rhs(30)
        .as_goal(priority=2)
    )
    model.add_constraint(
        LXConstraint("a_max")
        .expression(LXLinearExpression().add_term(make, lambda p: 1.0 if p.name == "A" else 0.0))
        .le()
        .rhs(25)
        .as_goal(priority=3)
    )
    return model, make


def quadratic_model() -> tuple[LXModel, LXVariable, LXVariable]:
    x = LXVariable[None, float]("x").continuous().bounds(lower=0, upper=10)
    y = LXVariable[None, float]("y").continuous().bounds(lower=0, upper=10)
    model = LXModel("nearest_point").add_variables(x, y)
    model.add_constraint(
        LXConstraint("budget").expression(LXLinearExpression().add_term(x, 1.0).add_term(y, 1.0)).le().rhs(4)
    )
    squares = LXQuadraticExpression().add_squared(x).add_squared(y)
    linear = LXLinearExpression().add_term(x, -6.0).add_term(y, -4.0).add_constant(13.0)
    model.minimize(squares + linear)
    return model, x, y


def main() -> None:
    for solver in ("gurobi", "cplex"):
        print("=" * 20, solver)
        model, production = lp_model()
        solution = LXOptimizer().use_solver(solver).enable_sensitivity().solve(model)
        print(f"LP: {solution.status} {solution.objective_value:.4f}")
        values = solution.get_variable(production)
        print("  production:", {name: round(value, 4) for name, value in sorted(values.items())})
        for name in ("cap_labour", "cap_machine", "cap_material"):
            print(f"  shadow price {name}: {solution.get_shadow_price(name):.4f}")

        model, make = goal_model()
        solution = LXOptimizer().use_solver(solver).solve(model)
        print(f"Goals: {solution.status} {solution.objective_value:.4f}")
        made = solution.get_variable(make)
        print("  make:", {name: round(value, 4) for name, value in sorted(made.items())})
        for name in ("total_output", "b_min", "a_max"):
            deviation = solution.get_total_deviation(name)
            print(f"  {name}: satisfied {solution.is_goal_satisfied(name)}, {deviation:.4f}")

        model, x, y = quadratic_model()
        solution = LXOptimizer().use_solver(solver).solve(model)
        print(f"Quadratic: {solution.status} {solution.objective_value:.4f}")
        print(f"  x {solution.get_variable(x):.4f} y {solution.get_variable(y):.4f}")


if __name__ == "__main__":
    main()
