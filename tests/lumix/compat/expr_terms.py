"""Editing LXLinearExpression.terms directly, as LumiX 0.3.2 scripts do.

A profit expression is assembled from a revenue expression (its terms dict copied) and
the items of a holding-cost expression. It is used twice: as the objective of a plain
LP, and as the priority-0 goal of a weighted goal model (shipments must meet demand at
priority 1, stock must sit at its target at priority 2).
"""

from dataclasses import dataclass

from lumix import LXConstraint, LXLinearExpression, LXModel, LXOptimizer, LXVariable


@dataclass
class Customer:
    id: int
    demand: float
    price: float


@dataclass
class Store:
    id: int
    capacity: float
    target: float
    holding: float


CUSTOMERS = [Customer(1, 100.0, 50.0), Customer(2, 150.0, 45.0), Customer(3, 80.0, 55.0)]
STORES = [Store(1, 200.0, 100.0, 2.0), Store(2, 150.0, 75.0, 1.5)]


def build(goals: bool) -> tuple[LXModel, LXVariable, LXVariable, LXLinearExpression]:
    ship = LXVariable[Customer, float]("ship").continuous().bounds(lower=0).indexed_by(lambda c: c.id)
    ship = ship.from_data(CUSTOMERS)
    stock = LXVariable[Store, float]("stock").continuous().bounds(lower=0).indexed_by(lambda s: s.id)
    stock = stock.from_data(STORES)
    model = LXModel("terms_goals" if goals else "terms_lp").add_variables(ship, stock)

    revenue = LXLinearExpression().add_term(ship, lambda c: c.price)
    holding = LXLinearExpression().add_term(stock, lambda s: -s.holding)
    profit = LXLinearExpression()
    profit.terms = revenue.terms.copy()
    for name, term in holding.terms.items():
        profit.terms[name] = term

    model.add_constraint(
        LXConstraint[Store]("capacity")
        .expression(LXLinearExpression().add_term(stock, 1.0))
        .le()
        .rhs(lambda s: s.capacity)
        .from_data(STORES)
        .indexed_by(lambda s: s.id)
    )
    supply = LXLinearExpression().add_term(ship, 1.0).add_term(stock, -1.0)
    model.add_constraint(LXConstraint("supply").expression(supply).le().rhs(0.0))
    if goals:
        model.add_constraint(LXConstraint("profit").expression(profit).ge().rhs(0).as_goal(priority=0))
        model.add_constraint(
            LXConstraint[Customer]("demand")
            .expression(LXLinearExpression().add_term(ship, 1.0))
            .ge()
            .rhs(lambda c: c.demand)
            .from_data(CUSTOMERS)
            .indexed_by(lambda c: c.id)
            .as_goal(priority=1, weight=1.0)
        )
        model.add_constraint(
            LXConstraint[Store]("stock_target")
            .expression(LXLinearExpression().add_term(stock, 1.0))
            .eq()
            .rhs(lambda s: s.target)
            .from_data(STORES)
            .indexed_by(lambda s: s.id)
            .as_goal(priority=2, weight=1.0)
        )
    else:
        model.add_constraint(
            LXConstraint[Customer]("max_sales")
            .expression(LXLinearExpression().add_term(ship, 1.0))
            .le()
            .rhs(lambda c: c.demand)
            .from_data(CUSTOMERS)
            .indexed_by(lambda c: c.id)
        )
        model.maximize(profit)
    return model, ship, stock, profit


def report(solution, ship, stock) -> None:
    print(f"  status {solution.status}, objective {solution.objective_value:.4f}")
    shipped = solution.get_variable(ship)
    stocked = solution.get_variable(stock)
    for customer in CUSTOMERS:
        print(f"  ship[{customer.id}] {shipped[customer.id]:.4f}")
    for store in STORES:
        print(f"  stock[{store.id}] {stocked[store.id]:.4f}")
    profit = sum(shipped[c.id] * c.price for c in CUSTOMERS) - sum(stocked[s.id] * s.holding for s in STORES)
    print(f"  profit {profit:.4f}")


def main() -> None:
    model, ship, stock, profit = build(goals=False)
    print("Profit terms:", sorted(profit.terms))
    print("Term tuple size:", len(profit.terms["stock"]))
    print("Plain LP:")
    report(LXOptimizer().use_solver("ortools").solve(model), ship, stock)

    model, ship, stock, profit = build(goals=True)
    model.prepare_goal_programming()
    print("Goal model:")
    print(model.summary())
    solution = LXOptimizer().use_solver("ortools").solve(model)
    report(solution, ship, stock)
    for name in ("demand", "stock_target"):
        deviations = solution.get_goal_deviations(name)
        print(f"  {name}: satisfied {solution.is_goal_satisfied(name)}")
        for side in ("pos", "neg"):
            print(f"    {side}:", {key: round(value, 4) for key, value in sorted(deviations[side].items())})
    print("  profit goal deviations:", solution.get_goal_deviations("profit"))


if __name__ == "__main__":
    main()
