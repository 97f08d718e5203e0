"""The production model of the sensitivity sweep, built from its own SQLite database.

Used by ``examples/sensitivity_sweep.toml`` (``factory = "sweep_model:factory"``), by
``examples/dask_sweep.py`` and by ``examples/reference_flows.py``.

The database has SQLAlchemy 2.x ORM tables for products, resources and materials, joined
through two association tables (``ProductResource``: hours of a resource per unit,
``ProductMaterial``: units of a material per unit, the bill of materials)::

    maximize    sum_p (price[p] - material_cost(p)) * production[p]
    demand:       sum_p production[p]                   <= market       (one row, rhs_value)
    capacity[r]:  sum_p hours(p, r) * production[p]     <= capacity[r]  (r = resource id)
    materials[m]: sum_p units(p, m) * production[p]     <= stock[m]     (m = material id)
    production[p] >= 0

``material_cost(p)`` reads the product's bill of materials through the relationships, so a
price change is a change of data (``scale_prices``), not of one objective coefficient.

The data are deterministic for a seed; capacities are set so that several resources and
materials bind.
"""

from __future__ import annotations

import atexit
import os
import random
import shutil
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import ForeignKey, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from lumix import LXConstraint, LXLinearExpression, LXModel, LXVariable

__all__ = [
    "Base",
    "Product",
    "Resource",
    "Material",
    "ProductResource",
    "ProductMaterial",
    "create_database",
    "build_model",
    "factory",
    "scale_prices",
]

RESOURCE_KINDS = ("machine", "labour", "assembly", "storage")
MATERIAL_KINDS = ("steel", "wood", "plastic", "fabric")


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    price: Mapped[float]
    resource_links: Mapped[list[ProductResource]] = relationship(
        back_populates="product", lazy="selectin", order_by="ProductResource.resource_id"
    )
    material_links: Mapped[list[ProductMaterial]] = relationship(
        back_populates="product", lazy="selectin", order_by="ProductMaterial.material_id"
    )

    def hours_on(self, resource: Resource) -> float:
        return sum(link.hours for link in self.resource_links if link.resource_id == resource.id)

    def units_of(self, material: Material) -> float:
        return sum(link.units for link in self.material_links if link.material_id == material.id)

    def material_cost(self) -> float:
        return sum(link.units * link.material.unit_cost for link in self.material_links)

    def unit_profit(self) -> float:
        return self.price - self.material_cost()


class Resource(Base):
    __tablename__ = "resources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    capacity: Mapped[float]


class Material(Base):
    __tablename__ = "materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    unit_cost: Mapped[float]
    stock: Mapped[float]


class ProductResource(Base):
    __tablename__ = "product_resources"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id"), primary_key=True)
    hours: Mapped[float]
    product: Mapped[Product] = relationship(back_populates="resource_links")
    resource: Mapped[Resource] = relationship(lazy="selectin")


class ProductMaterial(Base):
    __tablename__ = "product_materials"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id"), primary_key=True)
    units: Mapped[float]
    product: Mapped[Product] = relationship(back_populates="material_links")
    material: Mapped[Material] = relationship(lazy="selectin")


def create_database(
    path: str | Path, *, products: int = 40, resources: int = 6, materials: int = 4, seed: int = 7
) -> str:
    """(Re)create the SQLite database at ``path`` with deterministic data; returns its URL."""
    if products < 1 or resources < 1 or materials < 1:
        raise ValueError(
            f"products={products}, resources={resources}, materials={materials}: each must be >= 1"
        )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    try:
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)
        rng = random.Random(seed)
        res = [
            Resource(id=i + 1, name=f"{RESOURCE_KINDS[i % len(RESOURCE_KINDS)]}-{i + 1}", capacity=0.0)
            for i in range(resources)
        ]
        mats = [
            Material(
                id=i + 1,
                name=f"{MATERIAL_KINDS[i % len(MATERIAL_KINDS)]}-{i + 1}",
                unit_cost=round(rng.uniform(1.0, 6.0), 2),
                stock=0.0,
            )
            for i in range(materials)
        ]
        prods = []
        hours = [0.0] * resources
        units = [0.0] * materials
        for p in range(products):
            product = Product(id=p + 1, name=f"product-{p + 1:03d}", price=0.0)
            bom_cost = 0.0
            for r in sorted(rng.sample(range(resources), k=min(resources, rng.randint(1, 3)))):
                amount = round(rng.uniform(0.5, 4.0), 2)
                hours[r] += amount
                product.resource_links.append(ProductResource(resource=res[r], hours=amount))
            for m in sorted(rng.sample(range(materials), k=min(materials, rng.randint(1, 2)))):
                amount = round(rng.uniform(0.5, 3.0), 2)
                units[m] += amount
                bom_cost += amount * mats[m].unit_cost
                product.material_links.append(ProductMaterial(material=mats[m], units=amount))
            product.price = round(bom_cost + rng.uniform(5.0, 40.0), 2)
            prods.append(product)
        for resource, total in zip(res, hours, strict=True):
            resource.capacity = round(total * rng.uniform(2.0, 5.0), 1)
        for material, total in zip(mats, units, strict=True):
            material.stock = round(total * rng.uniform(2.0, 5.0), 1)
        with Session(engine) as session:
            session.add_all(res + mats + prods)
            session.commit()
    finally:
        engine.dispose()
    return url


def build_model(session: Session, *, market_share: float = 1.5) -> LXModel:
    """The production model read from ``session`` (see the module docstring).

    ``demand`` is the first constraint and a single row with a numeric ``rhs_value`` (the
    market: ``market_share`` of the units the resources alone would allow, rounded), so the
    reference guide's ``copy.constraints[0].rhs_value = ...`` and
    ``copy.get_constraint("demand").rhs_value *= 1.2`` apply to it.
    """
    production = (
        LXVariable[Product, float]("production")
        .continuous()
        .bounds(lower=0)
        .indexed_by(lambda p: p.id)
        .cost(lambda p: p.unit_profit())
        .from_model(session)
    )
    demand = (
        LXConstraint("demand")
        .expression(LXLinearExpression().sum_over(production))
        .le()
        .rhs(_market(session, market_share))
    )
    capacity = (
        LXConstraint[Resource]("capacity")
        .expression(LXLinearExpression().add_term(production, coeff=lambda p, r: p.hours_on(r)))
        .le()
        .rhs(lambda r: r.capacity)
        .from_model(session)
        .indexed_by(lambda r: r.id)
    )
    materials = (
        LXConstraint[Material]("materials")
        .expression(LXLinearExpression().add_term(production, coeff=lambda p, m: p.units_of(m)))
        .le()
        .rhs(lambda m: m.stock)
        .from_model(session)
        .indexed_by(lambda m: m.id)
    )
    model = LXModel("sweep_production").add_variable(production)
    model.add_constraints(demand, capacity, materials)
    return model.maximize()


def _market(session: Session, share: float) -> float:
    """``share`` of the units the tightest resource allows if every product is made alike."""
    per_unit = {r.id: 0.0 for r in session.query(Resource)}
    n = 0
    for product in session.query(Product):
        n += 1
        for link in product.resource_links:
            per_unit[link.resource_id] += link.hours
    capacity = {r.id: r.capacity for r in session.query(Resource)}
    bound = min(capacity[r] / h for r, h in per_unit.items() if h > 0) * n
    return float(round(bound * share))


_sessions: list[tuple[Session, Any]] = []


def _cleanup(directory: str) -> None:
    for session, engine in _sessions:
        session.close()
        engine.dispose()
    shutil.rmtree(directory, ignore_errors=True)


def factory(
    db: str | None = None,
    products: int = 40,
    resources: int = 6,
    materials: int = 4,
    seed: int = 7,
    market_share: float = 1.5,
) -> LXModel:
    """Create the database (at ``db``, or a temporary file) and return the model, built from
    a session that stays open (the runner compiles and detaches the model under it).

    ``$LUMIX_SWEEP_SCALE`` (``PRODUCTSxRESOURCESxMATERIALS``) overrides the sizes.
    """
    scale = os.environ.get("LUMIX_SWEEP_SCALE", "").strip().lower()
    if scale:
        try:
            products, resources, materials = (int(x) for x in scale.split("x"))
        except ValueError:
            raise ValueError(
                f"LUMIX_SWEEP_SCALE={scale!r}: expected PRODUCTSxRESOURCESxMATERIALS, e.g. 40x6x4"
            ) from None
    if db is None:
        directory = tempfile.mkdtemp(prefix="lumix-sweep-")
        atexit.register(_cleanup, directory)
        db = os.path.join(directory, "production.db")
    url = create_database(db, products=products, resources=resources, materials=materials, seed=seed)
    engine = create_engine(url)
    session = Session(engine)
    _sessions.append((session, engine))
    return build_model(session, market_share=market_share)


def scale_prices(model: LXModel, factor: float) -> None:
    """Data parameter: multiply every product's price by ``factor`` (on the scenario's copy).

    Material costs stay as they are, so the unit profit changes by a different fraction for
    each product; the model is recompiled from the changed data.
    """
    for product in model.get_variable("production").get_instances():
        product.price *= factor
