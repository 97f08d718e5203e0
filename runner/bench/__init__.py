"""The benchmark suite of ``python -m runner bench``: one model module and its measurements.

- ``runner.bench.model``: the dense production-planning LP and its data (``make_data``,
  ``build_model(lx, data)``, ``lumix_classes()``), shared with ``benchmarks/`` (where
  ``compile_solve.py`` also loads it by path in a LumiX 0.3.2 environment);
- ``runner.bench.measure``: scenarios, the hand-written OR-Tools floors, the measurements,
  the report and ``main``.
"""

from __future__ import annotations

from .measure import (
    ScaleProfit,
    SizeResult,
    callable_scenarios,
    capacity_factors,
    declarative_scenarios,
    floor_fanout,
    floor_loop,
    floor_profit_loop,
    main,
    measure,
    measure_size,
    profit_changes,
    report_lines,
)
from .model import Data, Product, Resource, build_model, lumix_classes, make_data

__all__ = [
    "Product",
    "Resource",
    "Data",
    "make_data",
    "build_model",
    "lumix_classes",
    "ScaleProfit",
    "SizeResult",
    "capacity_factors",
    "declarative_scenarios",
    "profit_changes",
    "callable_scenarios",
    "floor_loop",
    "floor_profit_loop",
    "floor_fanout",
    "measure_size",
    "measure",
    "report_lines",
    "main",
]
