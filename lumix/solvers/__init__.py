"""Solving: ``LXOptimizer``, ``LXSolution`` and the OR-Tools backend."""

from .base import LXOptimizer
from .ortools import ORToolsSolver, RawSolution, solve_canonical
from .solution import LXSolution

__all__ = ["LXOptimizer", "LXSolution", "ORToolsSolver", "RawSolution", "solve_canonical"]
