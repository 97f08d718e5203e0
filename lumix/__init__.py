"""lumix: LumiX-compatible optimization modeling, compiled to arrays and solved with OR-Tools."""

__version__ = "0.1.0"

# Modeling
# Analysis
from .analysis import (
    LXScenario,
    LXScenarioAnalyzer,
    LXScenarioModification,
    LXSensitivityAnalyzer,
    LXWhatIfAnalyzer,
    LXWhatIfResult,
)

# Compiling
from .compile import LXCanonicalModel, compile_model
from .core import (
    LXCartesianProduct,
    LXConstraint,
    LXConstraintSense,
    LXIndexDimension,
    LXLinearExpression,
    LXModel,
    LXObjectiveSense,
    LXVariable,
    LXVarType,
)

# Errors
from .errors import (
    DetachedAttributeError,
    DetachError,
    LumixError,
    ModelError,
    ScenarioError,
    SolverError,
)

# Solving
from .solvers import LXOptimizer, LXSolution, ORToolsSolver

__all__ = [
    # Modeling
    "LXCartesianProduct",
    "LXConstraint",
    "LXConstraintSense",
    "LXIndexDimension",
    "LXLinearExpression",
    "LXModel",
    "LXObjectiveSense",
    "LXVarType",
    "LXVariable",
    # Analysis
    "LXScenario",
    "LXScenarioAnalyzer",
    "LXScenarioModification",
    "LXSensitivityAnalyzer",
    "LXWhatIfAnalyzer",
    "LXWhatIfResult",
    # Compiling
    "LXCanonicalModel",
    "compile_model",
    # Solving
    "LXOptimizer",
    "LXSolution",
    "ORToolsSolver",
    # Errors
    "DetachError",
    "DetachedAttributeError",
    "LumixError",
    "ModelError",
    "ScenarioError",
    "SolverError",
]
