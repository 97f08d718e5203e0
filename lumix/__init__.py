"""lumix: LumiX-compatible optimization modeling, compiled to arrays and solved with OR-Tools.

The fluent API (``core``) declares a model; ``expand`` turns its data into instances and calls
its callables; ``passes`` rewrite the expanded model; ``compile`` assembles the
``LXCanonicalModel`` arrays; ``solvers`` solve them; ``scenario`` solves scenarios of one
compiled model in a persistent solver; ``analysis`` builds the LumiX analyzers on it.
"""

import logging

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
from .status import Status

logging.getLogger(__name__).addHandler(logging.NullHandler())

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
    "Status",
    # Errors
    "DetachError",
    "DetachedAttributeError",
    "LumixError",
    "ModelError",
    "ScenarioError",
    "SolverError",
]
