"""The ORM schema and models of the copying / detachment tests, importable in a fresh interpreter.

A fresh ``python`` that unpickles a model needs the mapped classes by reference, so they live
here (``tests.ormschema``), not in a test module. The data is Wyndor Glass again (see
``tests/conftest.py``) with categories on top:

    products  doors (id 1, profit 3, category A)   windows (2, 5, A)   frames (3, 1, B)
    resources plant1 (id 1, capacity 4)   plant2 (2, 12)   plant3 (3, 18)
    usage     doors: plant1 1, plant3 3   windows: plant2 2, plant3 2   frames: plant3 2
    category  A (id 1, bonus 1, limit 7)   B (id 2, bonus 0, limit 10)

Optima of the models below, worked out by hand (x = doors, windows, frames):

* Wyndor (``from_data``, ``from_model``, multi-index, lazy relationships): 3d + 5w + f under
  d <= 4, 2w <= 12, 3d + 2w + 2f <= 18: 36 at (2, 6, 0) (duals 0, 1.5, 1).
* Closures (profit + the bonus of a captured category A): 4d + 6w + f: 44 at (2, 6, 0)
  (duals on plant2 and plant3: 5/3, 4/3; frames' reduced cost 1 - 8/3 < 0).
* Cycles (profit + p.category.bonus, and per category sum of its products <= limit):
  4d + 6w + f with also d + w <= 7, f <= 10: 41.5 at (1, 6, 1.5) (duals plant2 1.25,
  plant3 0.5, category A 2.5; dual objective 15 + 9 + 17.5 = 41.5).
* A total-production row ``sum(x) <= 100`` is in every Wyndor-like model and never binds;
  setting its ``rhs_value`` to 7 on a copy gives 33 at (1, 6, 0) for the Wyndor profits.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Float, ForeignKey, String, Text, create_engine, event, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship, selectinload

from lumix import LXConstraint, LXIndexDimension, LXLinearExpression, LXModel, LXOptimizer, LXVariable

# -- schema ------------------------------------------------------------------------------------


class Base(DeclarativeBase):
    pass


class Category(Base):
    __tablename__ = "cp_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    bonus: Mapped[float] = mapped_column(Float)
    limit: Mapped[float] = mapped_column(Float)
    products: Mapped[list[Product]] = relationship(back_populates="category", order_by="Product.id")

    def __repr__(self) -> str:
        return f"Category({self.id})"


class Product(Base):
    __tablename__ = "cp_product"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    profit: Mapped[float] = mapped_column(Float)
    category_id: Mapped[int] = mapped_column(ForeignKey("cp_category.id"))
    notes: Mapped[str] = mapped_column(Text, deferred=True)  # never loaded unless asked for
    category: Mapped[Category] = relationship(back_populates="products")
    usages: Mapped[list[ProductResource]] = relationship(
        back_populates="product", order_by="ProductResource.resource_id"
    )

    def usage_for(self, resource: Resource) -> float:
        """Hours of ``resource`` per unit, through the (lazy) association relationship."""
        return sum(u.usage for u in self.usages if u.resource_id == resource.id)

    def __repr__(self) -> str:
        return f"Product({self.id})"


class Resource(Base):
    __tablename__ = "cp_resource"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    capacity: Mapped[float] = mapped_column(Float)

    def __repr__(self) -> str:
        return f"Resource({self.id})"


class ProductResource(Base):
    __tablename__ = "cp_product_resource"

    product_id: Mapped[int] = mapped_column(ForeignKey("cp_product.id"), primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("cp_resource.id"), primary_key=True)
    usage: Mapped[float] = mapped_column(Float)
    product: Mapped[Product] = relationship(back_populates="usages")
    resource: Mapped[Resource] = relationship()

    def __repr__(self) -> str:
        return f"ProductResource({self.product_id}, {self.resource_id})"


def populate(session: Session) -> None:
    session.add_all(
        [
            Category(id=1, name="A", bonus=1.0, limit=7.0),
            Category(id=2, name="B", bonus=0.0, limit=10.0),
            Resource(id=1, name="plant1", capacity=4.0),
            Resource(id=2, name="plant2", capacity=12.0),
            Resource(id=3, name="plant3", capacity=18.0),
        ]
    )
    session.flush()
    session.add_all(
        [
            Product(id=1, name="doors", profit=3.0, category_id=1, notes="glass doors"),
            Product(id=2, name="windows", profit=5.0, category_id=1, notes="framed windows"),
            Product(id=3, name="frames", profit=1.0, category_id=2, notes="wooden frames"),
        ]
    )
    session.flush()
    for product_id, resource_id, usage in [(1, 1, 1.0), (1, 3, 3.0), (2, 2, 2.0), (2, 3, 2.0), (3, 3, 2.0)]:
        session.add(ProductResource(product_id=product_id, resource_id=resource_id, usage=usage))
    session.commit()


# -- databases ---------------------------------------------------------------------------------


class StatementCounter:
    """Counts the statements an engine sends (a ``before_cursor_execute`` listener)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements: list[str] = []
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        self.statements.append(statement)

    def __len__(self) -> int:
        return len(self.statements)

    def clear(self) -> None:
        self.statements.clear()

    def close(self) -> None:
        if event.contains(self.engine, "before_cursor_execute", self._record):
            event.remove(self.engine, "before_cursor_execute", self._record)


class OrmDatabase:
    """The schema above, populated, in a SQLite file or in a PostgreSQL schema of its own.

    ``destroy()`` makes the data unreachable for good: it disposes the engine and deletes the
    SQLite file, or drops the PostgreSQL schema (tables included).
    """

    def __init__(self, kind: str, *, tmp_path: Path | None = None, url: str | None = None) -> None:
        self.kind = kind
        self._admin: Engine | None = None
        if kind == "sqlite":
            assert tmp_path is not None
            self.path: Path | None = tmp_path / f"copy-{uuid.uuid4().hex[:8]}.db"
            self.engine = create_engine(f"sqlite:///{self.path}")
            self.schema: str | None = None
        elif kind == "postgresql":
            assert url is not None
            self.path = None
            self.schema = f"lumix_copy_{uuid.uuid4().hex[:12]}"
            self._admin = create_engine(url)
            with self._admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            self.engine = create_engine(url).execution_options(schema_translate_map={None: self.schema})
        else:
            raise ValueError(f"kind={kind!r} is not known; expected 'sqlite' or 'postgresql'")
        Base.metadata.create_all(self.engine)
        with Session(self.engine) as session:
            populate(session)
        self._sessions: list[Session] = []
        self.destroyed = False

    def session(self, **kwargs: Any) -> Session:
        session = Session(self.engine, **kwargs)
        self._sessions.append(session)
        return session

    def counter(self) -> StatementCounter:
        return StatementCounter(self.engine)

    def destroy(self) -> None:
        """Close every session, dispose the engine, delete the file / drop the schema."""
        if self.destroyed:
            return
        self.destroyed = True
        for session in self._sessions:
            session.close()
        self.engine.dispose()
        if self.path is not None:
            if self.path.exists():
                os.remove(self.path)
        elif self._admin is not None:
            with self._admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
            self._admin.dispose()

    def exists(self) -> bool:
        """True while the data can still be read (file present / schema present)."""
        if self.path is not None:
            return self.path.exists()
        assert self._admin is not None
        with self._admin.connect() as conn:
            found = conn.execute(
                text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :s"), {"s": self.schema}
            )
            return found.first() is not None


# -- the model matrix --------------------------------------------------------------------------


def objective(model: Any) -> float:
    solution = LXOptimizer().use_solver("ortools").solve(model)
    assert solution.status == "optimal", solution.status
    return solution.objective_value


def _total(x: LXVariable) -> LXConstraint:
    return LXConstraint("total").expression(LXLinearExpression().sum_over(x)).le().rhs(100.0)


def _capacity(x: LXVariable, resources: Any, coeff: Callable[..., float]) -> LXConstraint:
    constraint = LXConstraint[Resource]("capacity").expression(LXLinearExpression().add_term(x, coeff)).le()
    constraint.rhs(lambda r: r.capacity).indexed_by(lambda r: r.name)
    if isinstance(resources, Session):
        return constraint.from_model(resources)
    return constraint.from_data(resources)


def build_from_data(session: Session) -> LXModel:
    """(a) ``from_data`` with lists of ORM instances (usages eager-loaded by the query)."""
    products = session.scalars(
        select(Product).options(selectinload(Product.usages)).order_by(Product.id)
    ).all()
    resources = session.scalars(select(Resource).order_by(Resource.id)).all()
    x = (
        LXVariable[Product, float]("production")
        .continuous()
        .bounds(lower=0)
        .indexed_by(lambda p: p.id)
        .from_data(products)
        .cost(lambda p: p.profit)
    )
    capacity = _capacity(x, resources, lambda p, r: p.usage_for(r))
    return LXModel("from_data").add_variable(x).add_constraints(capacity, _total(x)).maximize()


def build_from_model(session: Session) -> LXModel:
    """(b) ``from_model(Type, session=...)`` and the guide's form
    ``LXVariable[Product, float](...).from_model(session)``."""
    x = (
        LXVariable[Product, float]("production")
        .continuous()
        .bounds(lower=0)
        .indexed_by(lambda p: p.id)
        .from_model(session)
        .cost(lambda p: p.profit)
    )
    capacity = (
        LXConstraint("capacity")
        .expression(LXLinearExpression().add_term(x, lambda p, r: p.usage_for(r)))
        .le()
        .rhs(lambda r: r.capacity)
        .from_model(Resource, session=session)
        .indexed_by(lambda r: r.name)
    )
    return LXModel("from_model").add_variable(x).add_constraints(capacity, _total(x)).maximize()


def build_multi_index(session: Session) -> LXModel:
    """(c) ``hours[product, resource]`` over two ``LXIndexDimension``s read from the ORM.

    production[p] links to hours[p, r] through one row per ProductResource:
    hours[p, r] - usage * production[p] == 0; capacity: sum_p hours[p, r] <= capacity.
    """
    x = (
        LXVariable[Product, float]("production")
        .continuous()
        .bounds(lower=0)
        .indexed_by(lambda p: p.id)
        .from_model(session)
        .cost(lambda p: p.profit)
    )
    hours = (
        LXVariable[tuple, float]("hours")
        .continuous()
        .bounds(lower=0)
        .indexed_by_product(
            LXIndexDimension(Product, lambda p: p.id).from_model(session),
            LXIndexDimension(Resource, lambda r: r.name).from_model(session),
        )
        .where_multi(lambda p, r: p.usage_for(r) > 0)
    )
    link = (
        LXConstraint[ProductResource]("link")
        .expression(
            LXLinearExpression()
            .add_term(
                hours, 1.0, where=lambda pr, row: (pr[0].id, pr[1].id) == (row.product_id, row.resource_id)
            )
            .add_term(x, lambda p, row: -row.usage, where=lambda p, row: p.id == row.product_id)
        )
        .eq()
        .rhs(0.0)
        .from_model(session)
        .indexed_by(lambda row: (row.product_id, row.resource_id))
    )
    capacity = (
        LXConstraint[Resource]("capacity")
        .expression(LXLinearExpression().add_term(hours, 1.0, where=lambda pr, r: pr[1].id == r.id))
        .le()
        .rhs(lambda r: r.capacity)
        .from_model(session)
        .indexed_by(lambda r: r.name)
    )
    return (
        LXModel("multi_index").add_variables(x, hours).add_constraints(link, capacity, _total(x)).maximize()
    )


def build_closures(session: Session) -> LXModel:
    """(d) Callables that capture ORM instances: a closure cell, a default argument, a dict."""
    featured = session.get(Category, 1)
    plants = {r.name: r for r in session.scalars(select(Resource))}
    products = session.scalars(select(Product).order_by(Product.id)).all()

    def profit(p: Product, bonus_of: Category = featured) -> float:
        return p.profit + (bonus_of.bonus if p.category_id == featured.id else 0.0)

    x = (
        LXVariable[Product, float]("production")
        .continuous()
        .bounds(lower=0)
        .indexed_by(lambda p: p.id)
        .from_data(products)
        .cost(profit)
    )
    capacity = (
        LXConstraint[Resource]("capacity")
        .expression(LXLinearExpression().add_term(x, lambda p, r: p.usage_for(plants[r.name])))
        .le()
        .rhs(lambda r: plants[r.name].capacity)
        .from_data(sorted(plants.values(), key=lambda r: r.id))
        .indexed_by(lambda r: r.name)
    )
    return LXModel("closures").add_variable(x).add_constraints(capacity, _total(x)).maximize()


def build_lazy(session: Session) -> LXModel:
    """(e) Coefficients read through lazy relationships (product.usages, usage.resource) that
    nothing loads before the model is copied."""
    products = session.scalars(select(Product).order_by(Product.id)).all()
    resources = session.scalars(select(Resource).order_by(Resource.id)).all()
    x = (
        LXVariable[Product, float]("production")
        .continuous()
        .bounds(lower=0)
        .indexed_by(lambda p: p.id)
        .from_data(products)
        .cost(lambda p: p.profit)
    )
    capacity = _capacity(
        x, resources, lambda p, r: sum(u.usage for u in p.usages if u.resource.name == r.name)
    )
    return LXModel("lazy").add_variable(x).add_constraints(capacity, _total(x)).maximize()


def build_cycles(session: Session) -> LXModel:
    """(f) Callables that walk product -> category -> products (identity, not keys)."""
    x = (
        LXVariable[Product, float]("production")
        .continuous()
        .bounds(lower=0)
        .indexed_by(lambda p: p.id)
        .from_model(session)
        .cost(lambda p: p.profit + p.category.bonus)
    )
    capacity = _capacity(x, session, lambda p, r: p.usage_for(r))
    per_category = (
        LXConstraint[Category]("category_limit")
        .expression(LXLinearExpression().add_term(x, 1.0, where=lambda p, c: any(q is p for q in c.products)))
        .le()
        .rhs(lambda c: c.limit)
        .from_model(session)
        .indexed_by(lambda c: c.name)
    )
    return LXModel("cycles").add_variable(x).add_constraints(capacity, per_category, _total(x)).maximize()


MODELS: dict[str, tuple[Callable[[Session], LXModel], float]] = {
    "from_data": (build_from_data, 36.0),
    "from_model": (build_from_model, 36.0),
    "multi_index": (build_multi_index, 36.0),
    "closures": (build_closures, 44.0),
    "lazy": (build_lazy, 36.0),
    "cycles": (build_cycles, 41.5),
}
