"""The benchmark model: a dense production-planning LP, the one module of every benchmark.

P products x R resources. ``production[p] >= 0`` (continuous) with objective coefficient
``p.profit``; one capacity row per resource, ``sum_p usage[p, r] * production[p] <= r.capacity``,
the coefficient written as the two-argument lambda ``lambda p, r: usage[p.id, r.id]``;
maximize(). Data: ``numpy.random.default_rng(seed)``.

Used by ``runner.bench`` (``python -m runner bench``), ``benchmarks/sweep.py`` and
``benchmarks/compile_solve.py``. The last one also runs it in a virtual environment with
LumiX 0.3.2, where neither this repository's ``lumix`` nor ``runner`` is installed: there it
loads this file by path. So this module imports neither ``lumix`` nor ``runner`` at module
level, and ``build_model(lx, data)`` takes the modeling classes of one implementation
(``lumix_classes()``: whichever ``lumix`` is importable).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np

__all__ = ["Product", "Resource", "Data", "make_data", "build_model", "lumix_classes", "parse_size"]


@dataclass(frozen=True)
class Product:
    id: int
    name: str
    profit: float


@dataclass(frozen=True)
class Resource:
    id: int
    name: str
    capacity: float


#: ``(products, resources, usage[product, resource])``.
Data = tuple[list[Product], list[Resource], np.ndarray]


def make_data(n_products: int, n_resources: int, seed: int) -> Data:
    """Deterministic products, resources and a dense ``usage[product, resource]`` array."""
    rng = np.random.default_rng(seed)
    profit = rng.uniform(5.0, 50.0, n_products)
    usage = rng.uniform(0.1, 5.0, (n_products, n_resources))
    # Each resource can cover 5 % .. 20 % of making one of everything: many binding rows.
    capacity = usage.sum(axis=0) * rng.uniform(0.05, 0.2, n_resources)
    products = [Product(i, f"P{i}", float(profit[i])) for i in range(n_products)]
    resources = [Resource(r, f"R{r}", float(capacity[r])) for r in range(n_resources)]
    return products, resources, usage


def build_model(lx: Any, data: Data) -> Any:
    """The LP with the LumiX fluent API; ``lx`` gives the classes of one implementation
    (``lumix_classes()``)."""
    products, resources, usage = data
    production = (
        lx.LXVariable[Product, float]("production")
        .continuous()
        .bounds(lower=0)
        .indexed_by(lambda p: p.id)
        .cost(lambda p: p.profit)
        .from_data(products)
    )
    capacity = (
        lx.LXConstraint[Resource]("capacity")
        .expression(lx.LXLinearExpression().add_term(production, lambda p, r: usage[p.id, r.id]))
        .le()
        .rhs(lambda r: r.capacity)
        .from_data(resources)
        .indexed_by(lambda r: r.id)
    )
    return lx.LXModel("production_planning").add_variable(production).add_constraint(capacity).maximize()


def lumix_classes() -> SimpleNamespace:
    """The four modeling classes of whichever ``lumix`` is importable (ours or LumiX 0.3.2)."""
    from lumix import LXConstraint, LXModel, LXVariable
    from lumix.core import LXLinearExpression

    return SimpleNamespace(
        LXVariable=LXVariable,
        LXConstraint=LXConstraint,
        LXLinearExpression=LXLinearExpression,
        LXModel=LXModel,
    )


def parse_size(text: str) -> tuple[int, int]:
    """``"500x50"`` -> ``(500, 50)``: products x resources (an argparse ``type``)."""
    try:
        p, r = text.lower().split("x")
        size = int(p), int(r)
    except ValueError:
        raise argparse.ArgumentTypeError(f"size {text!r} is not PxR, e.g. 500x50") from None
    if min(size) < 1:
        raise argparse.ArgumentTypeError(f"size {text!r} must be positive")
    return size
