"""What each solver backend can do: ``LXSolverFeature`` flags and ``LXSolverCapability``.

The five ``*_CAPABILITIES`` constants describe the backends of ``lumix.solvers.registry``
(and GLPK, which LumiX knows by name). The linearizer asks a capability whether products need
linear rows (``needs_linearization_for_bilinear``); the backends refuse what they lack.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Flag, auto

__all__ = [
    "LXSolverFeature",
    "LXSolverCapability",
    "ORTOOLS_CAPABILITIES",
    "GUROBI_CAPABILITIES",
    "CPLEX_CAPABILITIES",
    "CPSAT_CAPABILITIES",
    "GLPK_CAPABILITIES",
]


class LXSolverFeature(Flag):
    """Problem classes and features a solver supports (combine with ``|``)."""

    # Basic
    LINEAR = auto()
    INTEGER = auto()
    BINARY = auto()
    MIXED_INTEGER = LINEAR | INTEGER
    # Advanced
    QUADRATIC_CONVEX = auto()
    QUADRATIC_NONCONVEX = auto()
    SOCP = auto()
    SDP = auto()
    # Special constraints
    SOS1 = auto()
    SOS2 = auto()
    INDICATOR = auto()
    CARDINALITY = auto()
    # Non-linear
    PWL = auto()
    EXPONENTIAL_CONE = auto()
    LOG = auto()
    # Solver features
    LAZY_CONSTRAINTS = auto()
    USER_CUTS = auto()
    HEURISTICS = auto()
    IIS = auto()
    CONFLICT_REFINEMENT = auto()
    SENSITIVITY_ANALYSIS = auto()


_DESCRIBED = (
    ("Linear Programming", LXSolverFeature.LINEAR),
    ("Mixed-Integer Programming", LXSolverFeature.MIXED_INTEGER),
    ("Quadratic Programming", LXSolverFeature.QUADRATIC_CONVEX | LXSolverFeature.QUADRATIC_NONCONVEX),
    ("Second-Order Cone Programming", LXSolverFeature.SOCP),
    ("Semidefinite Programming", LXSolverFeature.SDP),
)


@dataclass
class LXSolverCapability:
    """A solver's name, features and limits.

    ``has_feature(f)`` is true when ``features`` shares ANY bit with ``f`` (as in LumiX), so a
    solver with ``INTEGER`` alone "has" ``MIXED_INTEGER``.
    """

    name: str
    features: LXSolverFeature
    max_variables: int = 2**31 - 1
    max_constraints: int = 2**31 - 1
    supports_warmstart: bool = False
    supports_parallel: bool = False
    supports_callbacks: bool = False

    def has_feature(self, feature: LXSolverFeature) -> bool:
        return bool(self.features & feature)

    def can_solve_quadratic(self) -> bool:
        return self.has_feature(LXSolverFeature.QUADRATIC_CONVEX | LXSolverFeature.QUADRATIC_NONCONVEX)

    def can_solve_integer(self) -> bool:
        return self.has_feature(LXSolverFeature.INTEGER | LXSolverFeature.BINARY)

    def can_use_sos2(self) -> bool:
        return self.has_feature(LXSolverFeature.SOS2)

    def can_use_indicator(self) -> bool:
        return self.has_feature(LXSolverFeature.INDICATOR)

    def needs_linearization_for_bilinear(self) -> bool:
        """Products ``x * y`` need linear rows unless the solver takes quadratic terms."""
        return not self.can_solve_quadratic()

    def needs_linearization_for_abs(self) -> bool:
        return not self.has_feature(LXSolverFeature.PWL)

    def needs_linearization_for_minmax(self) -> bool:
        return not self.has_feature(LXSolverFeature.PWL)

    def needs_linearization_for_nonlinear(self) -> bool:
        return not self.has_feature(LXSolverFeature.EXPONENTIAL_CONE | LXSolverFeature.PWL)

    def description(self) -> str:
        """``"Gurobi: Linear Programming, Mixed-Integer Programming, ..."``."""
        classes = [label for label, feature in _DESCRIBED if self.has_feature(feature)]
        return f"{self.name}: {', '.join(classes)}"


_F = LXSolverFeature
_COMMERCIAL = (
    _F.LINEAR
    | _F.INTEGER
    | _F.BINARY
    | _F.QUADRATIC_CONVEX
    | _F.QUADRATIC_NONCONVEX
    | _F.SOCP
    | _F.SOS1
    | _F.SOS2
    | _F.INDICATOR
    | _F.PWL
    | _F.LAZY_CONSTRAINTS
    | _F.USER_CUTS
    | _F.IIS
    | _F.CONFLICT_REFINEMENT
    | _F.SENSITIVITY_ANALYSIS
)

ORTOOLS_CAPABILITIES = LXSolverCapability(
    name="OR-Tools",
    features=_F.LINEAR | _F.INTEGER | _F.BINARY | _F.SOS1 | _F.SOS2 | _F.INDICATOR,
    supports_warmstart=True,
    supports_parallel=True,
)
GUROBI_CAPABILITIES = LXSolverCapability(
    name="Gurobi",
    features=_COMMERCIAL,
    supports_warmstart=True,
    supports_parallel=True,
    supports_callbacks=True,
)
CPLEX_CAPABILITIES = LXSolverCapability(
    name="CPLEX",
    features=_COMMERCIAL,
    supports_warmstart=True,
    supports_parallel=True,
    supports_callbacks=True,
)
#: CP-SAT has no continuous columns (no ``LINEAR``): see ``enable_rational_conversion``.
CPSAT_CAPABILITIES = LXSolverCapability(
    name="OR-Tools CP-SAT",
    features=_F.INTEGER | _F.BINARY,
    supports_warmstart=True,
    supports_parallel=True,
)
GLPK_CAPABILITIES = LXSolverCapability(
    name="GLPK",
    features=_F.LINEAR | _F.INTEGER | _F.BINARY | _F.SENSITIVITY_ANALYSIS,
)
