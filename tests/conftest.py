"""Shared small fixtures: plain data, a SQLAlchemy schema on SQLite, and PostgreSQL if reachable.

The running example is Hillier & Lieberman's Wyndor Glass problem plus one unprofitable
product, so every optimum below can be checked by hand:

    maximize 3 doors + 5 windows + 1 frames
    plant1:  1 doors                         <= 4
    plant2:              2 windows           <= 12
    plant3:  3 doors  + 2 windows + 2 frames <= 18
    all >= 0

Optimum 36 at doors=2, windows=6, frames=0. Shadow prices (d objective / d rhs):
plant1 0, plant2 1.5, plant3 1. Reduced costs: doors 0, windows 0, frames 1 - 2*1 = -1.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import Float, ForeignKey, String, create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

WYNDOR_OPTIMUM = 36.0
WYNDOR_PRODUCTION = {1: 2.0, 2: 6.0, 3: 0.0}
WYNDOR_SHADOW_PRICES = {"capacity[plant1]": 0.0, "capacity[plant2]": 1.5, "capacity[plant3]": 1.0}
WYNDOR_REDUCED_COSTS = {"production[1]": 0.0, "production[2]": 0.0, "production[3]": -1.0}

# -- plain data ------------------------------------------------------------------------------


@dataclass
class Product:
    id: int
    name: str
    profit: float
    usage: dict[str, float] = field(default_factory=dict)
    max_units: float = 100.0
    min_units: float = 0.0


@dataclass
class Resource:
    name: str
    capacity: float


def wyndor_products() -> list[Product]:
    return [
        Product(1, "doors", 3.0, {"plant1": 1.0, "plant3": 3.0}, max_units=10.0),
        Product(2, "windows", 5.0, {"plant2": 2.0, "plant3": 2.0}, max_units=20.0),
        Product(3, "frames", 1.0, {"plant3": 2.0}, max_units=30.0),
    ]


def wyndor_resources() -> list[Resource]:
    return [Resource("plant1", 4.0), Resource("plant2", 12.0), Resource("plant3", 18.0)]


@pytest.fixture
def products() -> list[Product]:
    return wyndor_products()


@pytest.fixture
def resources() -> list[Resource]:
    return wyndor_resources()


# -- SQLAlchemy schema -----------------------------------------------------------------------


class Base(DeclarativeBase):
    pass


class SAProduct(Base):
    __tablename__ = "product"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    profit: Mapped[float] = mapped_column(Float)
    usages: Mapped[list[SAUsage]] = relationship(back_populates="product", order_by="SAUsage.resource_name")

    def __repr__(self) -> str:
        return f"SAProduct({self.id})"


class SAResource(Base):
    """Primary key is a string, inserted out of order, so ``ORDER BY`` is visible."""

    __tablename__ = "resource"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    capacity: Mapped[float] = mapped_column(Float)

    def __repr__(self) -> str:
        return f"SAResource({self.name!r})"


class SAUsage(Base):
    __tablename__ = "usage"

    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), primary_key=True)
    resource_name: Mapped[str] = mapped_column(ForeignKey("resource.name"), primary_key=True)
    amount: Mapped[float] = mapped_column(Float)
    product: Mapped[SAProduct] = relationship(back_populates="usages")
    resource: Mapped[SAResource] = relationship()


def populate(session: Session) -> None:
    """The Wyndor data as rows; resources inserted in the order plant3, plant1, plant2."""
    for r in sorted(wyndor_resources(), key=lambda r: r.name != "plant3"):
        session.add(SAResource(name=r.name, capacity=r.capacity))
    for p in reversed(wyndor_products()):
        session.add(SAProduct(id=p.id, name=p.name, profit=p.profit))
        for resource_name, amount in p.usage.items():
            session.add(SAUsage(product_id=p.id, resource_name=resource_name, amount=amount))
    session.commit()


class StatementLog:
    """Collects the SQL statements an engine runs (a ``before_cursor_execute`` listener)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements: list[str] = []
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.statements.append(statement)

    def selects(self, table: str | None = None) -> list[str]:
        found = [s for s in self.statements if s.lstrip().upper().startswith("SELECT")]
        if table is not None:
            found = [s for s in found if f"FROM {table}" in s or f'FROM "{table}"' in s]
        return found

    def clear(self) -> None:
        self.statements.clear()

    def close(self) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)


@pytest.fixture
def sqlite_engine(tmp_path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'lumix.db'}")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        populate(session)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_session(sqlite_engine) -> Iterator[Session]:
    with Session(sqlite_engine) as session:
        yield session


@pytest.fixture
def sql_log(sqlite_engine) -> Iterator[StatementLog]:
    log = StatementLog(sqlite_engine)
    yield log
    log.close()


# -- PostgreSQL ------------------------------------------------------------------------------

POSTGRES_ENV = "LUMIX_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A ``postgresql+psycopg://`` URL from ``LUMIX_TEST_POSTGRES_URL``; skips if unset/unreachable."""
    raw = os.environ.get(POSTGRES_ENV)
    if not raw:
        pytest.skip(
            f"{POSTGRES_ENV} is not set; set it to a PostgreSQL URL "
            "(e.g. postgresql://postgres@127.0.0.1:5432/test) to run the PostgreSQL tests"
        )
    url = make_url(raw)
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        url = url.set(drivername="postgresql+psycopg")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        pytest.skip(f"PostgreSQL at {url.render_as_string(hide_password=True)} is unreachable: {exc}")
    finally:
        engine.dispose()
    return url.render_as_string(hide_password=False)


@pytest.fixture
def pg_store(postgres_url) -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema (a journal's table names are fixed),
    dropped afterwards."""
    schema = f"lumix_store_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(postgres_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def postgres_engine(postgres_url) -> Iterator[Engine]:
    """The schema above in a schema of its own (unique per test), dropped afterwards."""
    schema = f"lumix_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(postgres_url).execution_options(schema_translate_map={None: schema})
    try:
        Base.metadata.create_all(engine)
        with Session(engine) as session:
            populate(session)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def postgres_session(postgres_engine) -> Iterator[Session]:
    with Session(postgres_engine) as session:
        yield session


# -- the Wyndor model, in lumix and directly in OR-Tools ----------------------------------------


def wyndor_model(products, resources, *, integer: bool = False):
    """``production[product.id]`` and ``capacity[resource.name]`` as above; returns (model, x, cap)."""
    from lumix import LXConstraint, LXLinearExpression, LXModel, LXVariable

    x = (
        LXVariable[Product, float]("production")
        .continuous()
        .bounds(lower=0)
        .indexed_by(lambda p: p.id)
        .from_data(products)
        .cost(lambda p: p.profit)
    )
    if integer:
        x.integer()
    capacity = (
        LXConstraint[Resource]("capacity")
        .expression(LXLinearExpression().add_term(x, lambda p, r: p.usage.get(r.name, 0.0)))
        .le()
        .rhs(lambda r: r.capacity)
        .from_data(resources)
        .indexed_by(lambda r: r.name)
    )
    model = LXModel("wyndor").add_variable(x).add_constraint(capacity).maximize()
    return model, x, capacity


def direct_wyndor(products, resources, backend: str = "GLOP") -> float | None:
    """The same model written directly with pywraplp; the optimal objective or ``None``."""
    from ortools.linear_solver import pywraplp

    solver = pywraplp.Solver.CreateSolver(backend)
    make = solver.IntVar if backend != "GLOP" else solver.NumVar
    xs = {p.id: make(0.0, solver.infinity(), f"x{p.id}") for p in products}
    for r in resources:
        solver.Add(sum(p.usage.get(r.name, 0.0) * xs[p.id] for p in products) <= r.capacity)
    solver.Maximize(sum(p.profit * xs[p.id] for p in products))
    status = solver.Solve()
    return solver.Objective().Value() if status == pywraplp.Solver.OPTIMAL else None


@pytest.fixture
def wyndor(products, resources):
    return wyndor_model(products, resources)


def matrix_model(A, b, c, lower, upper, *, senses=None, integer=False, maximize=True):
    """``max/min c x`` s.t. ``A[i] x (senses[i]) b[i]``, ``lower <= x <= upper`` as a lumix model.

    Columns are ``x[j]`` (j = 0..n-1); rows are the families ``le`` / ``ge`` / ``eq`` keyed by i,
    so with every sense ``"<="`` (the default) row i is ``le[i]`` at position i.
    """
    from lumix import LXConstraint, LXLinearExpression, LXModel, LXVariable

    n, m = len(c), len(b)
    senses = senses or ["<="] * m
    x = LXVariable[int, float]("x").bounds(lambda j: lower[j], lambda j: upper[j]).from_data(range(n))
    if integer:
        x.integer()
    model = LXModel("matrix").add_variable(x)
    for sense, family in (("<=", "le"), (">=", "ge"), ("==", "eq")):
        rows = [i for i in range(m) if senses[i] == sense]
        if rows:
            con = (
                LXConstraint[int](family)
                .expression(LXLinearExpression().add_term(x, lambda j, i: A[i][j]))
                .rhs(lambda i: b[i])
                .from_data(rows)
                .indexed_by(lambda i: i)
            )
            model.add_constraint({"<=": con.le, ">=": con.ge, "==": con.eq}[sense]())
    objective = LXLinearExpression().add_term(x, lambda j: c[j])
    return model.maximize(objective) if maximize else model.minimize(objective)


# -- the copying schema (tests/ormschema.py) on SQLite and PostgreSQL -------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def orm_db(request, tmp_path):
    """``tests.ormschema`` populated in a SQLite file or a PostgreSQL schema of its own;
    destroyed (file deleted / schema dropped) at the end if the test did not do it."""
    from tests.ormschema import OrmDatabase

    url = request.getfixturevalue("postgres_url") if request.param == "postgresql" else None
    db = OrmDatabase(request.param, tmp_path=tmp_path, url=url)
    yield db
    db.destroy()
