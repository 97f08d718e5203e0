"""``LXSolverInterface``: LumiX's solver-object API, over the registered persistent backends.

LumiX 0.3.2 code may build a solver object itself (``LXCPSATSolver(...).solve(model)``) or
reach the native model (``get_solver_model()``). These classes give that API; each solve
compiles the model and builds a fresh persistent backend (``lumix.solvers.registry``).
``LXOptimizer`` does not use them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from ..utils.logger import LXModelLogger
from .registry import SOLVER_KEY, backend, compile_for, create_solver

if TYPE_CHECKING:
    from ..compile import LXCanonicalModel
    from ..core.model import LXModel
    from .capabilities import LXSolverCapability
    from .persistent import PersistentSolver
    from .solution import LXSolution

__all__ = [
    "LXSolverInterface",
    "LXORToolsSolver",
    "LXCPSATSolver",
    "LXGurobiSolver",
    "LXCPLEXSolver",
    "LXGLPKSolver",
]

TModel = TypeVar("TModel")


class LXSolverInterface(ABC, Generic[TModel]):
    """A solver of LumiX models: ``capability``, ``logger`` (``lumix.{capability.name}``)."""

    def __init__(self, capability: LXSolverCapability) -> None:
        self.capability = capability
        self.logger = LXModelLogger(f"lumix.{capability.name}")

    @abstractmethod
    def build_model(self, model: LXModel) -> Any:
        """Build the solver's own model of ``model`` and return it."""

    @abstractmethod
    def solve(
        self,
        model: LXModel,
        time_limit: float | None = None,
        gap_tolerance: float | None = None,
        **solver_params: Any,
    ) -> LXSolution:
        """Solve ``model``."""

    @abstractmethod
    def get_solver_model(self) -> Any:
        """The solver's own model of the last build or solve."""


class _RegisteredSolver(LXSolverInterface[TModel]):
    """``LXSolverInterface`` over the registered backend ``solver_name``; constructing it
    raises ``ImportError`` when the backend's package is missing (as in LumiX)."""

    solver_name: ClassVar[str]

    def __init__(self, **options: Any) -> None:
        entry = backend(self.solver_name)
        entry.load()
        super().__init__(entry.capability)
        self._options = {SOLVER_KEY: self.solver_name, **options}
        self._solver: PersistentSolver | None = None

    def _build(self, model: LXModel | LXCanonicalModel, params: dict[str, Any]) -> PersistentSolver:
        from ..compile import LXCanonicalModel

        options = self._options | {k: v for k, v in params.items() if v is not None}
        canon = model if isinstance(model, LXCanonicalModel) else compile_for(model, options)
        self._solver = create_solver(canon, options)
        return self._solver

    def build_model(self, model: LXModel) -> Any:
        self._build(model, {})
        return self.get_solver_model()

    def solve(
        self,
        model: LXModel,
        time_limit: float | None = None,
        gap_tolerance: float | None = None,
        enable_sensitivity: bool = False,
        **solver_params: Any,
    ) -> LXSolution:
        """Solve ``model``; ``enable_sensitivity`` is accepted for LumiX compatibility (LPs
        always carry duals and reduced costs where the backend has them)."""
        solver = self._build(
            model, {"time_limit": time_limit, "gap_tolerance": gap_tolerance, **solver_params}
        )
        return solver.to_solution(solver.solve())

    def get_solver_model(self) -> Any:
        if self._solver is None:
            raise RuntimeError("Solver model not built yet. Call build_model() first.")
        return getattr(self._solver, "native", None)


class LXORToolsSolver(_RegisteredSolver[TModel]):
    """OR-Tools (GLOP for LPs, SCIP for MIPs); ``get_solver_model()`` is the ``pywraplp.Solver``."""

    solver_name = "ortools"


class LXCPSATSolver(_RegisteredSolver[TModel]):
    """OR-Tools CP-SAT; ``get_solver_model()`` is the ``cp_model.CpModel``.

    ``scale_objective`` is accepted for LumiX compatibility and has no effect (the objective is
    always made integral exactly).
    """

    solver_name = "cpsat"

    def __init__(
        self,
        enable_rational_conversion: bool = False,
        rational_max_denom: int = 10000,
        scale_objective: bool = True,
        scaling_factor: int = 1000,
    ) -> None:
        super().__init__(
            rational_conversion=enable_rational_conversion,
            max_denominator=rational_max_denom,
            scaling_factor=scaling_factor,
        )


class LXGurobiSolver(_RegisteredSolver[TModel]):
    """Gurobi; ``get_solver_model()`` is the ``gurobipy.Model``."""

    solver_name = "gurobi"


class LXCPLEXSolver(_RegisteredSolver[TModel]):
    """CPLEX; ``get_solver_model()`` is the ``cplex.Cplex`` problem."""

    solver_name = "cplex"


class LXGLPKSolver(_RegisteredSolver[TModel]):
    """GLPK: known by name only; constructing it raises ``ImportError`` (no GLPK backend)."""

    solver_name = "glpk"
