"""Production planning from a database: which products to make with limited resources.

    python examples/production_planning.py

Creates a SQLite database (in a temporary directory, or at ``$LUMIX_EXAMPLE_DB``) with three
SQLAlchemy 2.x ORM tables: ``Product`` (profit per unit), ``Resource`` (capacity) and the
association ``ProductResource`` (how much of a resource one unit of a product uses). Fills it
with deterministic data (``$LUMIX_EXAMPLE_SCALE``: ``PRODUCTSxRESOURCES``, default ``50x8``;
``$LUMIX_EXAMPLE_SEED``, default 7), builds the LumiX model straight from the ORM session,
solves it with OR-Tools and prints the plan, the binding resources and their shadow prices.

Exits with status 1 when the model does not solve to optimality.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import ForeignKey, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from lumix import LXConstraint, LXLinearExpression, LXModel, LXOptimizer, LXVariable

DEFAULT_SCALE = (50, 8)
DEFAULT_SEED = 7
TOP_N = 10
RESOURCE_KINDS = ("machine", "labour", "material", "storage")


# -- the database ----------------------------------------------------------------------------


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    profit: Mapped[float]
    # selectin: one extra query loads every product's links, not one query per product.
    resource_links: Mapped[list[ProductResource]] = relationship(
        back_populates="product", lazy="selectin", order_by="ProductResource.resource_id"
    )

    def usage_of(self, resource: Resource) -> float:
        """Units of ``resource`` one unit of this product uses (0 when it uses none)."""
        return sum(link.amount for link in self.resource_links if link.resource_id == resource.id)


class Resource(Base):
    __tablename__ = "resources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    capacity: Mapped[float]
    product_links: Mapped[list[ProductResource]] = relationship(
        back_populates="resource", lazy="selectin", order_by="ProductResource.product_id"
    )


class ProductResource(Base):
    __tablename__ = "product_resources"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id"), primary_key=True)
    amount: Mapped[float]
    product: Mapped[Product] = relationship(back_populates="resource_links")
    resource: Mapped[Resource] = relationship(back_populates="product_links")


def scale_from_env() -> tuple[int, int]:
    text = os.environ.get("LUMIX_EXAMPLE_SCALE", "").strip().lower()
    if not text:
        return DEFAULT_SCALE
    try:
        parts = [int(part) for part in text.split("x")]
        if len(parts) == 1:
            parts.append(DEFAULT_SCALE[1])
        n_products, n_resources = parts
    except ValueError:
        raise SystemExit(f"LUMIX_EXAMPLE_SCALE={text!r}: expected PRODUCTSxRESOURCES, e.g. 50x8") from None
    if n_products < 1 or n_resources < 1:
        raise SystemExit(f"LUMIX_EXAMPLE_SCALE={text!r}: sizes must be positive")
    return n_products, n_resources


def fill(session: Session, n_products: int, n_resources: int, seed: int) -> None:
    """Deterministic data: each product uses 2..5 resources; capacities bind some of them."""
    rng = random.Random(seed)
    resources = [
        Resource(id=r + 1, name=f"{RESOURCE_KINDS[r % len(RESOURCE_KINDS)]}-{r + 1}", capacity=0.0)
        for r in range(n_resources)
    ]
    products = [
        Product(id=p + 1, name=f"product-{p + 1:03d}", profit=round(rng.uniform(5.0, 60.0), 2))
        for p in range(n_products)
    ]
    demand = [0.0] * n_resources
    for product in products:
        used = rng.sample(range(n_resources), k=min(n_resources, rng.randint(2, 5)))
        for r in sorted(used):
            amount = round(rng.uniform(0.5, 6.0), 2)
            demand[r] += amount
            product.resource_links.append(ProductResource(resource=resources[r], amount=amount))
    for resource, total in zip(resources, demand, strict=True):
        # Enough for 2..6 units of "one of everything that uses it".
        resource.capacity = round(max(total, 1.0) * rng.uniform(2.0, 6.0), 1)
    session.add_all(resources + products)
    session.commit()


# -- the model -------------------------------------------------------------------------------


def build_model(session: Session) -> tuple[LXModel, LXVariable]:
    production = (
        LXVariable[Product, float]("production")
        .continuous()
        .bounds(lower=0)
        .indexed_by(lambda p: p.id)
        .cost(lambda p: p.profit)
        .from_model(session)
    )
    capacity = (
        LXConstraint[Resource]("capacity")
        .expression(
            # Two-argument coefficient: the product's usage of this row's resource, read
            # through the Product -> ProductResource relationship.
            LXLinearExpression().add_term(production, coeff=lambda p, r: p.usage_of(r))
        )
        .le()
        .rhs(lambda r: r.capacity)
        .from_model(session)
        .indexed_by(lambda r: r.id)
    )
    model = LXModel("production_planning").add_variable(production).add_constraint(capacity)
    return model.maximize(), production


def report(session: Session, solution, production: LXVariable) -> None:
    plan = solution.get_variable(production)
    products = {p.id: p for p in session.query(Product).order_by(Product.id)}
    made = sorted(((qty, pid) for pid, qty in plan.items() if qty > 1e-9), reverse=True)
    print(f"Products made: {len(made)} of {len(products)}")
    print(f"Top products (by quantity, up to {TOP_N}):")
    print(f"  {'product':<14} {'quantity':>10} {'profit/unit':>12} {'contribution':>13}")
    for qty, pid in made[:TOP_N]:
        p = products[pid]
        print(f"  {p.name:<14} {qty:>10.3f} {p.profit:>12.2f} {qty * p.profit:>13.2f}")

    print("Binding resources (shadow price = objective gain per extra unit of capacity):")
    print(f"  {'resource':<14} {'capacity':>10} {'used':>10} {'shadow price':>13}")
    binding = 0
    for r in session.query(Resource).order_by(Resource.id):
        used = sum(link.amount * plan.get(link.product_id, 0.0) for link in r.product_links)
        price = solution.get_shadow_price(f"capacity[{r.id}]") or 0.0
        if r.capacity - used <= 1e-6 * max(1.0, r.capacity) or abs(price) > 1e-9:
            binding += 1
            print(f"  {r.name:<14} {r.capacity:>10.1f} {used:>10.3f} {price:>13.4f}")
    if not binding:
        print("  (none)")


def main() -> int:
    n_products, n_resources = scale_from_env()
    seed = int(os.environ.get("LUMIX_EXAMPLE_SEED", DEFAULT_SEED))
    with tempfile.TemporaryDirectory(prefix="lumix-example-") as tmp:
        db_path = Path(os.environ.get("LUMIX_EXAMPLE_DB") or Path(tmp) / "production.db")
        db_path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(f"sqlite:///{db_path}")
        try:
            Base.metadata.drop_all(engine)
            Base.metadata.create_all(engine)
            with Session(engine) as session:
                fill(session, n_products, n_resources, seed)
            print(f"Database: {db_path} ({n_products} products, {n_resources} resources, seed {seed})")

            with Session(engine) as session:
                start = time.perf_counter()
                model, production = build_model(session)
                canonical = model.to_canonical()
                compiled = time.perf_counter() - start
                solution = LXOptimizer().use_solver("ortools").solve(canonical)
                print(
                    f"Model: {canonical.n_cols} variables, {canonical.n_rows} constraints, "
                    f"{canonical.matrix.nnz} coefficients (compiled in {compiled * 1e3:.1f} ms, "
                    f"solved in {solution.solve_time * 1e3:.1f} ms)"
                )
                print(f"Status: {solution.status}")
                if not solution.is_optimal():
                    print(
                        f"error: the production plan is not optimal (status {solution.status!r})",
                        file=sys.stderr,
                    )
                    return 1
                print(f"Objective: {solution.objective_value:.6f}")
                report(session, solution, production)
        finally:
            engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
