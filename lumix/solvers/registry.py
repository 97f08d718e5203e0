"""The solver registry: one vocabulary of backend names, their capabilities, lazy factories.

``SOLVER_NAMES`` are LumiX's names: ``"ortools"`` (GLOP for LPs, SCIP for MIPs; this
project's ``solver="glop"|"scip"|"pdlp"`` picks one), ``"cpsat"``, ``"gurobi"`` and
``"cplex"`` (optional extras), and ``"glpk"`` (known by name; this build has no GLPK backend).
A backend's package is imported only when it is asked for; a missing one raises LumiX's
``ImportError`` text naming the extra to install.

Options travel as one picklable dict, ``LXOptimizer.options``: the solver parameters plus the
keys ``SOLVER_KEY`` (the backend name, absent for ``"ortools"``), ``LINEARIZATION_KEY`` (an
``LXLinearizerConfig``, absent unless ``enable_linearization()``) and ``RATIONAL_KEY`` (the
largest denominator, present once ``enable_rational_conversion()`` was called; only CP-SAT
uses it). ``create_solver(canon, options)`` builds the persistent solver; ``compile_for``
compiles a model as those options say; both are used by ``LXOptimizer``, ``lumix.scenario``
and the runner's workers alike.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from .capabilities import (
    CPLEX_CAPABILITIES,
    CPSAT_CAPABILITIES,
    GLPK_CAPABILITIES,
    GUROBI_CAPABILITIES,
    ORTOOLS_CAPABILITIES,
    LXSolverCapability,
)
from .persistent import refuse_quadratic, solver_logger

if TYPE_CHECKING:
    from ..compile import LXCanonicalModel
    from ..core.model import LXModel
    from .persistent import PersistentSolver
    from .solution import LXSolution

__all__ = [
    "SolverName",
    "SOLVER_NAMES",
    "SOLVER_KEY",
    "LINEARIZATION_KEY",
    "RATIONAL_KEY",
    "Backend",
    "BACKENDS",
    "backend",
    "backend_class",
    "create_solver",
    "compile_for",
    "solve_with",
]

SolverName = Literal["ortools", "cpsat", "gurobi", "cplex", "glpk"]
SOLVER_NAMES: tuple[SolverName, ...] = ("ortools", "cpsat", "gurobi", "cplex", "glpk")
DEFAULT_SOLVER: SolverName = "ortools"

SOLVER_KEY = "solver_name"
LINEARIZATION_KEY = "linearization"
RATIONAL_KEY = "rational_max_denom"
#: How scenarios that change the model's data are solved (``LXOptimizer.data_scenarios``).
DATA_SCENARIOS_KEY = "data_scenarios"
_NOT_PARAMETERS = frozenset({SOLVER_KEY, LINEARIZATION_KEY, RATIONAL_KEY, DATA_SCENARIOS_KEY})

#: ``ORToolsSolver``'s keyword arguments; other names are logged and ignored (as in LumiX).
ORTOOLS_PARAMETERS = frozenset({"time_limit", "gap_tolerance", "threads", "solver", "warm"})

PROJECT = "lumix-runner"


@dataclass(frozen=True)
class Backend:
    """A backend: its name, capability, the package it needs, and where its class lives."""

    name: SolverName
    capability: LXSolverCapability
    package: str
    module: str
    class_name: str
    missing: str

    def load(self) -> type:
        """The backend's class; ``ImportError`` (LumiX's text) when its package is missing."""
        if not self.module:
            raise ImportError(self.missing)
        try:
            importlib.import_module(self.package)
        except ImportError as exc:
            raise ImportError(self.missing) from exc
        cls: type = getattr(importlib.import_module(self.module, __package__), self.class_name)
        return cls


def _missing(label: str, package: str, extra: str | None = None, note: str = "") -> str:
    """LumiX's text for a missing solver package, naming this project's extra."""
    how = (
        f"pip install '{PROJECT}[{extra}]' (or pip install {package})" if extra else f"pip install {package}"
    )
    text = f"{label} is not installed. Install it with: {how}"
    return f"{text}\nNote: {note}" if note else text


_LICENCE = "{} requires a license (free academic licenses available)"
BACKENDS: dict[str, Backend] = {
    "ortools": Backend(
        "ortools", ORTOOLS_CAPABILITIES, "ortools", ".ortools", "ORToolsSolver",
        _missing("OR-Tools", "ortools"),
    ),
    "cpsat": Backend(
        "cpsat", CPSAT_CAPABILITIES, "ortools", ".cpsat", "CPSATSolver",
        _missing("OR-Tools", "ortools"),
    ),
    "gurobi": Backend(
        "gurobi", GUROBI_CAPABILITIES, "gurobipy", ".gurobi", "GurobiSolver",
        _missing("Gurobi", "gurobipy", "gurobi", _LICENCE.format("Gurobi")),
    ),
    "cplex": Backend(
        "cplex", CPLEX_CAPABILITIES, "cplex", ".cplex", "CplexSolver",
        _missing("CPLEX", "cplex", "cplex", _LICENCE.format("CPLEX")),
    ),
    "glpk": Backend(
        "glpk", GLPK_CAPABILITIES, "swiglpk", "", "",
        f"GLPK is not available: {PROJECT} has no GLPK backend; use 'ortools' (GLOP for LPs, SCIP for "
        "MIPs), 'cpsat', 'gurobi' or 'cplex'",
    ),
}  # fmt: skip


def backend(name: str) -> Backend:
    """The registry entry of ``name``; ``ValueError("Unknown solver: foo")`` for others."""
    try:
        return BACKENDS[name]
    except (KeyError, TypeError):
        raise ValueError(f"Unknown solver: {name}") from None


def backend_class(name: str) -> type:
    """The class of backend ``name`` (checks the name, then that its package imports)."""
    return backend(name).load()


def _solver_name(options: Mapping[str, Any]) -> str:
    name: str = options.get(SOLVER_KEY, DEFAULT_SOLVER)
    return name


def create_solver(canon: LXCanonicalModel, options: Mapping[str, Any] | None = None) -> PersistentSolver:
    """A persistent solver of ``canon`` built as ``options`` (``LXOptimizer.options``) say.

    Raises ``ValueError`` for an unknown solver name or a model the backend cannot take (a
    quadratic objective on OR-Tools or CP-SAT, continuous columns on CP-SAT without rational
    conversion), ``ImportError`` when the backend's package is missing.
    """
    options = dict(options or {})
    name = _solver_name(options)
    entry = backend(name)
    cls = entry.load()
    refuse_quadratic(canon, entry.capability)
    params = {k: v for k, v in options.items() if k not in _NOT_PARAMETERS and v is not None}
    if name == "ortools":
        params = _ortools_parameters(params)
    elif name == "cpsat" and RATIONAL_KEY in options:
        params |= {"rational_conversion": True, "max_denominator": options[RATIONAL_KEY]}
    solver: PersistentSolver = cls(canon, **params)
    return solver


def _ortools_parameters(params: dict[str, Any]) -> dict[str, Any]:
    logger: logging.Logger = solver_logger(ORTOOLS_CAPABILITIES)
    for name in params.keys() - ORTOOLS_PARAMETERS:
        logger.warning(f"Unknown OR-Tools parameter '{name}' ignored")
    return {k: v for k, v in params.items() if k in ORTOOLS_PARAMETERS}


def compile_for(model: LXModel, options: Mapping[str, Any] | None = None) -> LXCanonicalModel:
    """Compile ``model`` as ``options`` say: with their linearization configuration, if any,
    keeping a quadratic objective for a backend that takes one (Gurobi, CPLEX) as LumiX does.
    A model from ``LXLinearizer.linearize_model()`` compiles with the linearization it carries."""
    options = options or {}
    config = options.get(LINEARIZATION_KEY)
    if config is None:
        return model.to_canonical()
    quadratic = backend(_solver_name(options)).capability.can_solve_quadratic()
    return model.to_canonical(linearization=config, keep_quadratic=quadratic)


def solve_with(canon: LXCanonicalModel, options: Mapping[str, Any] | None = None) -> LXSolution:
    """Build the solver ``options`` name, solve ``canon`` (stage by stage for a sequential goal
    model) and name the result.

    A one-off OR-Tools solve runs GLOP with its default settings, as LumiX does, so a degenerate
    LP gets LumiX's duals; persistent solvers (scenarios) use the warm re-solve settings."""
    from ..goal_programming.solver import solve_goal_stages

    options = dict(options or {})
    if _solver_name(options) == DEFAULT_SOLVER:
        options.setdefault("warm", False)
    solver = create_solver(canon, options)
    return solver.to_solution(solve_goal_stages(solver))
