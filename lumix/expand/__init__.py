"""Expand an ``LXModel``'s data into instances, keys and numbers: the ``ExpandedModel``.

This package is the only place that calls the model's callables (index keys, bounds, costs,
coefficients, filters, right-hand sides, join functions, piecewise functions). Data comes from
lists or from ORM reads (through ``lumix.utils.orm``, once per session and type per
expansion); each callable's arity is resolved once per expansion; rows and columns are matched
by index key, never by object identity. Any failure names the family, the instance key and the
callable.

- ``blocks``: the expanded model (column, row and objective blocks, non-linear terms);
- ``data``: one expansion's sources, instances, keys and arities, and what the core's
  ``get_instances()`` / ``index_key()`` come down to;
- ``model``: the expansion of a model (columns, rows, objective);
- ``nonlinear`` and ``piecewise``: non-linear terms per instance, breakpoints and values;
- ``record``: an expansion that records which data each block reads, the write hooks of data
  scenarios, and the expansion of single blocks again (``lumix.dependencies``).

Nothing from ``lumix.core`` is imported at run time: families are read by attribute.
"""

from .blocks import (
    ColumnBlock,
    ExpandedModel,
    IndicatorTerm,
    NonlinearPart,
    NonlinearTerm,
    ObjectiveBlock,
    RowBlock,
    family_names,
)
from .data import (
    Expander,
    constraint_instances,
    dimension_by_key,
    dimension_instances,
    keyed_instances,
    variable_instances,
    variable_key,
)
from .model import constraint_rows, expand_model, variable_columns
from .piecewise import piecewise_table

__all__ = [
    "ColumnBlock",
    "RowBlock",
    "ObjectiveBlock",
    "ExpandedModel",
    "NonlinearTerm",
    "IndicatorTerm",
    "NonlinearPart",
    "Expander",
    "expand_model",
    "family_names",
    "piecewise_table",
    "variable_columns",
    "constraint_rows",
    "variable_instances",
    "variable_key",
    "constraint_instances",
    "dimension_instances",
    "keyed_instances",
    "dimension_by_key",
]
