"""``LXOptimizer``: the LumiX entry point for solving a model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from .solution import LXSolution

if TYPE_CHECKING:
    from ..compile import LXCanonicalModel
    from ..core.model import LXModel

__all__ = ["LXOptimizer"]

SOLVER_OPTIONS = frozenset({"time_limit", "gap_tolerance", "threads", "solver"})


def _check_options(options: dict[str, Any]) -> None:
    unknown = set(options) - SOLVER_OPTIONS
    if unknown:
        raise TypeError(
            f"unknown OR-Tools option(s) {sorted(unknown)}; expected some of {sorted(SOLVER_OPTIONS)}"
        )


class LXOptimizer:
    """Compiles a model and solves it with OR-Tools (GLOP for LPs, SCIP for MIPs).

    Options set with ``use_solver("ortools", time_limit=..., gap_tolerance=..., threads=...,
    solver="glop"|"scip"|"cp-sat"|"pdlp")`` apply to every solve; ``solve(...)`` arguments
    override them. Thread-safety: each ``solve`` builds its own solver, so one optimizer may
    be shared by threads.
    """

    def __init__(self) -> None:
        self.solver_name = "ortools"
        self.enable_sens = False
        self._options: dict[str, Any] = {}

    def use_solver(self, name: str, **options: Any) -> Self:
        if name.lower() not in ("ortools", "cpsat", "cp-sat"):
            raise ValueError(f"solver {name!r} is not available; this build solves with 'ortools'")
        if name.lower() in ("cpsat", "cp-sat"):
            options.setdefault("solver", "cp-sat")
        _check_options(options)
        self.solver_name = "ortools"
        self._options = dict(options)
        return self

    def enable_sensitivity(self) -> Self:
        """Kept for LumiX compatibility: LP solutions always carry duals and reduced costs."""
        self.enable_sens = True
        return self

    @property
    def options(self) -> dict[str, Any]:
        return dict(self._options)

    def solve(
        self,
        model: LXModel | LXCanonicalModel,
        *,
        time_limit: float | None = None,
        gap_tolerance: float | None = None,
        threads: int | None = None,
    ) -> LXSolution:
        """Compile ``model`` (unless already canonical) and solve it."""
        from ..compile import LXCanonicalModel
        from .ortools import solve_canonical

        options = dict(self._options)
        given = {"time_limit": time_limit, "gap_tolerance": gap_tolerance, "threads": threads}
        options.update({k: v for k, v in given.items() if v is not None})
        canon = model if isinstance(model, LXCanonicalModel) else model.to_canonical()
        return solve_canonical(canon, **options)
