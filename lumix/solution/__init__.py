"""LumiX's ``lumix.solution``: the solution, its mapping back to data instances, and row
activities (``LXSolution`` itself lives in ``lumix.solvers.solution``)."""

from ..solvers.solution import LXSolution
from .activity import LXRowActivity, row_activity
from .mapping import LXSolutionMapper

__all__ = ["LXSolution", "LXSolutionMapper", "LXRowActivity", "row_activity"]
