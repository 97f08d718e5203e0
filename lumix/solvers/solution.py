"""``LXSolution``: what a solve returns, keyed by family and by ``family[key]`` names."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic

from typing_extensions import TypeVar

from ..status import Status
from ..utils.generic import TypeArgumentNotState

__all__ = ["LXSolution"]

TModel = TypeVar("TModel", default=Any)


def _name(var_or_name: Any) -> str:
    return var_or_name if isinstance(var_or_name, str) else var_or_name.name


@dataclass
class LXSolution(TypeArgumentNotState, Generic[TModel]):
    """A solve's outcome.

    ``variables[family]`` is ``{key: value}`` (a number for a scalar family);
    ``shadow_prices["capacity[1]"]`` and ``reduced_costs["production[3]"]`` are filled for
    LPs solved to optimality. ``objective_value`` is ``None`` unless a solution was found.
    Pickling: plain data only.
    """

    objective_value: float | None
    status: str
    solve_time: float
    variables: dict[str, Any] = field(default_factory=dict)
    shadow_prices: dict[str, float] = field(default_factory=dict)
    reduced_costs: dict[str, float] = field(default_factory=dict)
    gap: float | None = None
    iterations: int | None = None
    nodes: int | None = None
    #: Goal programming: ``{goal: {"pos": {goal_id: v}, "neg": {goal_id: v}}}``.
    goal_deviations: dict[str, dict[str, dict[Any, float]]] = field(default_factory=dict)
    #: True when a product was linearized with McCormick envelopes (a relaxation).
    relaxation: bool = False
    #: Sequential goal programming: one ``LXGoalStage`` per solved priority, then the final.
    goal_stages: list[Any] = field(default_factory=list)
    _undesired_deviations: dict[str, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.status = str(self.status)  # a plain string, as in LumiX (``Status`` values)

    @property
    def mapped(self) -> dict[str, Any]:
        """Values of the indexed families, ``{family: {key: value}}``."""
        return {k: v for k, v in self.variables.items() if isinstance(v, dict)}

    def get_variable(self, var_or_name: Any) -> Any:
        """``{key: value}`` of a family, or the value of a scalar variable."""
        name = _name(var_or_name)
        if name not in self.variables:
            if not self.is_feasible():
                raise KeyError(f"the solution is {self.status!r} and has no variable values")
            raise KeyError(f"the solution has no variable family {name!r}")
        return self.variables[name]

    def get_mapped(self, var: Any) -> dict[Any, float]:
        value = self.get_variable(var)
        return value if isinstance(value, dict) else {None: value}

    def get_shadow_price(self, name: str) -> float | None:
        return self.shadow_prices.get(name)

    def get_reduced_cost(self, name: str) -> float | None:
        return self.reduced_costs.get(name)

    # -- goal programming -----------------------------------------------------------------
    def _penalised(self, goal_name: str) -> tuple[dict[str, dict[Any, float]], frozenset[str]] | None:
        deviations = self.goal_deviations.get(goal_name)
        if deviations is None:
            return None
        return deviations, self._undesired_deviations.get(goal_name, frozenset(("pos", "neg")))

    def get_goal_deviations(self, goal_name: str) -> dict[str, dict[Any, float]] | None:
        """``{"pos": {goal_id: v}, "neg": {goal_id: v}}`` of a goal; ``None`` if unknown."""
        return self.goal_deviations.get(goal_name)

    def is_goal_satisfied(self, goal_name: str, tolerance: float = 1e-6) -> bool | None:
        """Whether every penalised deviation of the goal is within ``tolerance`` of zero
        (both sides when they are not known); ``None`` for an unknown goal."""
        found = self._penalised(goal_name)
        if found is None:
            return None
        deviations, sides = found
        return all(abs(v) <= tolerance for side in sides for v in deviations.get(side, {}).values())

    def get_total_deviation(self, goal_name: str) -> float | None:
        """Sum of the absolute penalised deviations of a goal; ``None`` if unknown."""
        found = self._penalised(goal_name)
        if found is None:
            return None
        deviations, sides = found
        return float(sum(abs(v) for side in sides for v in deviations.get(side, {}).values()))

    def is_optimal(self) -> bool:
        return self.status == Status.OPTIMAL

    def is_feasible(self) -> bool:
        return self.status in (Status.OPTIMAL, Status.FEASIBLE)

    def summary(self) -> str:
        """LumiX's summary lines: status, objective (``n/a`` without a solution), solve time,
        families with a non-zero value (``|v| > 1e-6``), then gap, iterations, nodes and the
        goals satisfied when known."""
        nonzero = sum(
            1
            for v in self.variables.values()
            if (isinstance(v, dict) and any(abs(x) > 1e-6 for x in v.values()))
            or (isinstance(v, int | float) and abs(v) > 1e-6)
        )
        objective = "n/a" if self.objective_value is None else f"{self.objective_value:.6f}"
        lines = [
            f"Status: {self.status}",
            f"Objective: {objective}",
            f"Solve time: {self.solve_time:.3f}s",
            f"Non-zero variables: {nonzero}/{len(self.variables)}",
        ]
        if self.gap is not None:
            lines.append(f"Gap: {self.gap * 100:.2f}%")
        if self.iterations is not None:
            lines.append(f"Iterations: {self.iterations}")
        if self.nodes is not None:
            lines.append(f"Nodes: {self.nodes}")
        if self.goal_deviations:
            satisfied = sum(1 for goal in self.goal_deviations if self.is_goal_satisfied(goal))
            lines.append(f"\nGoal Constraints: {len(self.goal_deviations)}")
            lines.append(f"Goals Satisfied: {satisfied}/{len(self.goal_deviations)}")
        return "\n".join(lines)
