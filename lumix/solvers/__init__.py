"""Solving: ``LXOptimizer``, ``LXSolution``, the solver registry and its persistent backends.

``registry`` names the backends (``"ortools"``, ``"cpsat"``, ``"gurobi"``, ``"cplex"``) and
builds them lazily; ``capabilities`` says what each can do; ``persistent`` is the method set
every backend offers to ``lumix.scenario``; ``interface`` is LumiX's solver-object API.
"""

# Optimizer and solution
from .base import LXOptimizer

# Capabilities
from .capabilities import (
    CPLEX_CAPABILITIES,
    CPSAT_CAPABILITIES,
    GLPK_CAPABILITIES,
    GUROBI_CAPABILITIES,
    ORTOOLS_CAPABILITIES,
    LXSolverCapability,
    LXSolverFeature,
)
from .interface import LXSolverInterface

# Backends
from .ortools import ORToolsSolver, RawSolution, solve_canonical
from .persistent import PersistentSolver
from .registry import SOLVER_NAMES, create_solver
from .solution import LXSolution

__all__ = [
    # Optimizer and solution
    "LXOptimizer",
    "LXSolution",
    # Capabilities
    "LXSolverFeature",
    "LXSolverCapability",
    "ORTOOLS_CAPABILITIES",
    "GUROBI_CAPABILITIES",
    "CPLEX_CAPABILITIES",
    "CPSAT_CAPABILITIES",
    "GLPK_CAPABILITIES",
    "LXSolverInterface",
    # Backends
    "SOLVER_NAMES",
    "PersistentSolver",
    "create_solver",
    "ORToolsSolver",
    "RawSolution",
    "solve_canonical",
]
