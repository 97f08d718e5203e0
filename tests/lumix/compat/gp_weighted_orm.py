"""Weighted goal programming on data read from a database (LumiX 0.3.2 API).

A furniture workshop plans production of three products stored in SQLite. Hard
constraints: material stock and regular labour (plus overtime). Goals: meet every
product's target (priority 1, indexed), keep overtime at most 40 hours (priority 2),
reach a profit of 6,000 (priority 3, equality), and maximise profit (priority 0,
a custom objective term).
"""

from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from lumix import LXConstraint, LXLinearExpression, LXModel, LXOptimizer, LXVariable


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    hours: Mapped[float]
    material: Mapped[float]
    profit: Mapped[float]
    target: Mapped[float]


MATERIAL_STOCK = 500.0
REGULAR_HOURS = 300.0
OVERTIME_LIMIT = 40.0
PROFIT_TARGET = 6000.0


def fill_database(session: Session) -> None:
    session.add_all(
        [
            Product(id=1, name="Chair", hours=2.0, material=3.0, profit=30.0, target=40.0),
            Product(id=2, name="Table", hours=5.0, material=6.0, profit=70.0, target=25.0),
            Product(id=3, name="Desk", hours=4.0, material=8.0, profit=60.0, target=20.0),
        ]
    )
    session.commit()


def build_model(session: Session):
    production = (
        LXVariable[Product, float]("production")
        .continuous()
        .bounds(lower=0)
        .indexed_by(lambda p: p.id)
        .from_model(Product, session)
    )
    overtime = LXVariable[None, float]("overtime").continuous().bounds(lower=0, upper=100)

    model = LXModel("workshop_goals").add_variables(production, overtime)

    material = LXLinearExpression().add_term(production, lambda p: p.material)
    model.add_constraint(LXConstraint("material").expression(material).le().rhs(MATERIAL_STOCK))

    labour = LXLinearExpression().add_term(production, lambda p: p.hours).add_term(overtime, -1.0)
    model.add_constraint(LXConstraint("labour").expression(labour).le().rhs(REGULAR_HOURS))

    model.add_constraint(
        LXConstraint[Product]("demand")
        .expression(LXLinearExpression().add_term(production, 1.0))
        .ge()
        .rhs(lambda p: p.target)
        .from_model(Product, session)
        .indexed_by(lambda p: p.id)
        .as_goal(priority=1, weight=1.0)
    )
    model.add_constraint(
        LXConstraint("overtime_limit")
        .expression(LXLinearExpression().add_term(overtime, 1.0))
        .le()
        .rhs(OVERTIME_LIMIT)
        .as_goal(priority=2, weight=2.0)
    )
    profit = LXLinearExpression().add_term(production, lambda p: p.profit)
    model.add_constraint(
        LXConstraint("profit_target").expression(profit).eq().rhs(PROFIT_TARGET).as_goal(priority=3)
    )
    model.add_constraint(
        LXConstraint("max_profit").expression(profit.copy()).ge().rhs(0).as_goal(priority=0, weight=1.0)
    )
    return model, production, overtime


def print_goal(solution, name: str) -> None:
    deviations = solution.get_goal_deviations(name)
    print(f"Goal {name}:")
    for side in ("pos", "neg"):
        for goal_id, value in sorted(deviations[side].items()):
            print(f"  {side} {goal_id}: {value:.4f}")
    print(f"  satisfied: {solution.is_goal_satisfied(name)}")
    print(f"  total deviation: {solution.get_total_deviation(name):.4f}")


def main() -> None:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        fill_database(session)
        model, production, overtime = build_model(session)

        print("Goals:", [c.name for c in model.constraints if c.is_goal()])
        print("Has goals:", model.has_goals())
        model.set_goal_mode("weighted")
        print(model.summary())

        model.prepare_goal_programming()
        print("After preparation:")
        print(model.summary())
        print("Has goals:", model.has_goals())
        print("Goal mode:", model.goal_mode)
        print("Variables:", [v.name for v in model.variables])
        print("Constraints:", [c.name for c in model.constraints])

        solution = LXOptimizer().use_solver("ortools").solve(model)
        print()
        print(solution.summary())
        print()
        print(f"Status: {solution.status}")
        print(f"Objective: {solution.objective_value:.4f}")
        products = session.query(Product).order_by(Product.id).all()
        values = solution.get_variable(production)
        for product in products:
            print(f"  {product.name:<6s} {values[product.id]:10.4f}  (target {product.target:.1f})")
        print(f"  Overtime {solution.get_variable(overtime):8.4f}")
        profit = sum(values[p.id] * p.profit for p in products)
        print(f"Profit: {profit:.4f}")
        print()
        for name in ("demand", "overtime_limit", "profit_target"):
            print_goal(solution, name)
        print("Unknown goal deviations:", solution.get_goal_deviations("no_such_goal"))
        print("Unknown goal satisfied:", solution.is_goal_satisfied("no_such_goal"))
        print("Goal stages:", solution.goal_stages)


if __name__ == "__main__":
    main()
