"""``LXSolutionMapper``: solution values keyed by data instances instead of index keys."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ..expand import dimension_by_key, keyed_instances

if TYPE_CHECKING:
    from ..core.variables import LXVariable

__all__ = ["LXSolutionMapper"]

TModel = TypeVar("TModel")


class LXSolutionMapper(Generic[TModel]):
    """Maps ``{key: value}`` of a variable family back to the instances the keys came from."""

    def map_variable_to_models(
        self, var: LXVariable, solution_values: Mapping[Any, float], model_instances: Iterable[Any]
    ) -> dict[Any, float]:
        """``{instance: value}`` for each of ``model_instances`` whose index key (``indexed_by``)
        has a value; ``{}`` for a family without ``indexed_by``. Instances must be hashable."""
        if var.index_func is None:
            return {}
        return {
            inst: solution_values[key]
            for key, inst in keyed_instances(var, model_instances)
            if key in solution_values
        }

    def map_multi_indexed_variable(
        self, var: LXVariable, solution_values: Mapping[tuple[Any, ...], float]
    ) -> dict[tuple[Any, ...], float]:
        """``{(inst1, inst2, ...): value}`` of an ``indexed_by_product`` family, each key part
        looked up among its dimension's instances; keys that match no instances are skipped."""
        if var._cartesian is None or not var._cartesian.dimensions:
            return {}
        by_key = [dimension_by_key(dim) for dim in var._cartesian.dimensions]
        found = {}
        for key, value in solution_values.items():
            if not isinstance(key, tuple) or len(key) != len(by_key):
                continue
            if all(part in instances for part, instances in zip(key, by_key, strict=True)):
                found[tuple(instances[part] for part, instances in zip(key, by_key, strict=True))] = value
        return found
