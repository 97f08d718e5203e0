"""Tutorial step 1: "I have a SQLAlchemy model". Build the LP from the database and solve it once.

    python examples/tutorial/step1_model.py [--out DIR]

Creates the tutorial's SQLite database (``DIR/production.db``; see ``tutorial_model``), builds
the production model straight from an ORM session (``sweep_model.build_model``: variables and
constraints ``.from_model(session)``, coefficients from lambdas over the relationships),
solves it with OR-Tools and prints the plan: what to make, and which resources and materials
bind, with their shadow prices (the profit of one more unit). Those rows are the candidates
for the sensitivity analysis of steps 2 and 3.

Exits with status 1 when the model does not solve to optimality.
"""

from __future__ import annotations

import sys

from tutorial_model import SIZE, Material, Product, Resource, arguments, build_model, open_session

from lumix import LXOptimizer, row_activity


def main() -> int:
    args = arguments(__doc__)
    db = args.out / "production.db"
    with open_session(db) as session:
        print(
            f"Database: {db} ({SIZE['products']} products, {SIZE['resources']} resources, "
            f"{SIZE['materials']} materials, seed {SIZE['seed']})"
        )
        model = build_model(session)
        canon = model.to_canonical()
        print(f"Model '{canon.name}': {canon.n_cols} variables, {canon.n_rows} constraints")
        solution = LXOptimizer().use_solver("ortools").solve(model)
        print(f"Status: {solution.status}")
        if not solution.is_optimal():
            print(f"error: the plan is not optimal (status {solution.status!r})", file=sys.stderr)
            return 1
        print(f"Objective: {solution.objective_value:.6f}")

        plan = solution.get_variable("production")
        print("Plan (products made):")
        print(f"  {'product':<12} {'quantity':>10} {'unit profit':>12}")
        for product in session.query(Product).order_by(Product.id):
            quantity = plan[product.id]
            if quantity > 1e-9:
                print(f"  {product.name:<12} {quantity:>10.3f} {product.unit_profit():>12.2f}")

        names = {f"capacity[{r.id}]": r.name for r in session.query(Resource)}
        names |= {f"materials[{m.id}]": m.name for m in session.query(Material)}
        names["demand"] = "market"
        print("Rows (shadow price: profit of one more unit of the right-hand side):")
        print(f"  {'row':<13} {'name':<10} {'limit':>8} {'used':>8} {'shadow price':>13}")
        for row, activity in row_activity(model, solution).items():
            price = solution.get_shadow_price(row) or 0.0
            mark = "  binding" if activity.binding else ""
            print(
                f"  {row:<13} {names[row]:<10} {activity.rhs:>8.1f} {activity.lhs:>8.2f} {price:>13.4f}{mark}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
