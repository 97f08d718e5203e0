"""Data, tables and models for the Django copy/pickle tests (importable once Django is set up).

The data is the Wyndor Glass problem (``tests/conftest.py``) with the profit split into a
product's ``base_profit`` times its category's ``margin_factor``, so the objective is right only
when the relationship is read: maximize 3 doors + 5 windows + 1 frames subject to
plant1: doors <= 4, plant2: 2 windows <= 12, plant3: 3 doors + 2 windows + 2 frames <= 18.
Optimum 36.
"""

from __future__ import annotations

from typing import Any

from django.db import connections

from lumix import LXConstraint, LXLinearExpression, LXModel, LXOptimizer, LXVariable

from .models import MODELS, Category, Product, ProductResource, Resource

OPTIMUM = 36.0
CATEGORIES = {"premium": 2.0, "standard": 1.0}
PRODUCTS = [  # name, base profit, category, {resource: amount}
    ("doors", 1.5, "premium", {"plant1": 1.0, "plant3": 3.0}),
    ("windows", 5.0, "standard", {"plant2": 2.0, "plant3": 2.0}),
    ("frames", 0.5, "premium", {"plant3": 2.0}),
]
RESOURCES = [("plant3", 18.0), ("plant1", 4.0), ("plant2", 12.0)]  # primary keys not in name order


def existing_tables(alias: str) -> set[str]:
    connection = connections[alias]
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def create_tables(alias: str) -> None:
    with connections[alias].schema_editor() as editor:
        for model in MODELS:
            editor.create_model(model)


def drop_tables(alias: str) -> None:
    """Drop the app's tables that exist (in reverse creation order)."""
    present = existing_tables(alias)
    with connections[alias].schema_editor() as editor:
        for model in reversed(MODELS):
            if model._meta.db_table in present:
                editor.delete_model(model)


def populate(alias: str) -> None:
    categories = {
        name: Category.objects.using(alias).create(name=name, margin_factor=factor)
        for name, factor in CATEGORIES.items()
    }
    resources = {
        name: Resource.objects.using(alias).create(name=name, capacity=capacity)
        for name, capacity in RESOURCES
    }
    for name, base, category, usage in PRODUCTS:
        product = Product.objects.using(alias).create(
            name=name, base_profit=base, category=categories[category]
        )
        for resource, amount in usage.items():
            ProductResource.objects.using(alias).create(
                product=product, resource=resources[resource], amount=amount
            )


def production_model(products: Any, resources: Any, *, usage_from: str = "resource") -> LXModel:
    """``production[name]`` with profit ``base_profit * category.margin_factor`` (through the
    ForeignKey) and ``capacity[resource]`` rows whose coefficients go through ``usages``:
    ``r.usage_by(p)`` (resources' usages prefetched) or ``p.usage_of(r)`` (products')."""
    production = (
        LXVariable[Product, float]("production")
        .continuous()
        .bounds(lower=0)
        .indexed_by(lambda p: p.name)
        .cost(lambda p: p.base_profit * p.category.margin_factor)
        .from_model(products)
    )
    if usage_from == "resource":
        coefficient = lambda p, r: r.usage_by(p)
    else:
        coefficient = lambda p, r: p.usage_of(r)
    capacity = (
        LXConstraint[Resource]("capacity")
        .expression(LXLinearExpression().add_term(production, coefficient))
        .le()
        .rhs(lambda r: r.capacity)
        .from_model(resources)
        .indexed_by(lambda r: r.name)
    )
    return LXModel("django_production").add_variable(production).add_constraint(capacity).maximize()


def solve(model: LXModel) -> tuple[str, float | None]:
    solution = LXOptimizer().solve(model)
    return solution.status, solution.objective_value
