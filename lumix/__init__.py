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
    LXConstraintSensitivity,
    LXScenario,
    LXScenarioAnalyzer,
    LXScenarioModification,
    LXSensitivityAnalyzer,
    LXVariableSensitivity,
    LXWhatIfAnalyzer,
    LXWhatIfChange,
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
    LXNonLinearExpression,
    LXObjectiveSense,
    LXQuadraticExpression,
    LXQuadraticTerm,
    LXVariable,
    LXVarType,
)
from .core.expressions import LXKeyFilter, LXRowKeyFilter

# Errors
from .errors import (
    DetachedAttributeError,
    DetachError,
    LumixError,
    ModelError,
    ScenarioError,
    SolverError,
)

# Goal programming
from .goal_programming import (
    LXGoal,
    LXGoalMetadata,
    LXGoalMode,
    LXGoalProgrammingSolver,
    LXGoalStage,
    RelaxedConstraint,
    build_sequential_objectives,
    build_weighted_objective,
    combine_objectives,
    extract_custom_objectives,
    get_deviation_var_name,
    priority_to_weight,
    relax_constraint,
    relax_constraints,
    solve_goal_programming,
)

# Non-linear terms and linearization
from .linearization import (
    LXLinearizationMethod,
    LXLinearizer,
    LXLinearizerConfig,
    LXNonLinearFunctions,
    LXPiecewiseLinearizer,
)
from .nonlinear import LXAbsoluteTerm, LXBilinearTerm, LXIndicatorTerm, LXMinMaxTerm, LXPiecewiseLinearTerm
from .outcomes import Outcome
from .solution import LXRowActivity, LXSolutionMapper, row_activity

# Solving
from .solvers import (
    CPLEX_CAPABILITIES,
    CPSAT_CAPABILITIES,
    GLPK_CAPABILITIES,
    GUROBI_CAPABILITIES,
    ORTOOLS_CAPABILITIES,
    LXOptimizer,
    LXSolution,
    LXSolverCapability,
    LXSolverFeature,
    LXSolverInterface,
    ORToolsSolver,
)
from .status import Status
from .utils.logger import LXModelLogger, disable_logging, enable_logging
from .utils.orm import LXNumeric, LXORMContext, LXORMModel, LXTypedQuery
from .utils.rational import LXRationalConverter

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
    "Outcome",
    # Compiling
    "LXCanonicalModel",
    "compile_model",
    # Solving
    "LXOptimizer",
    "LXSolution",
    "ORToolsSolver",
    "LXSolverInterface",
    "LXSolverFeature",
    "LXSolverCapability",
    "ORTOOLS_CAPABILITIES",
    "GUROBI_CAPABILITIES",
    "CPLEX_CAPABILITIES",
    "CPSAT_CAPABILITIES",
    "GLPK_CAPABILITIES",
    "LXRationalConverter",
    "Status",
    # Goal programming
    "LXGoal",
    "LXGoalMetadata",
    "LXGoalMode",
    "LXGoalStage",
    "RelaxedConstraint",
    "relax_constraint",
    "relax_constraints",
    "build_weighted_objective",
    "build_sequential_objectives",
    "combine_objectives",
    "extract_custom_objectives",
    "LXGoalProgrammingSolver",
    "solve_goal_programming",
    "get_deviation_var_name",
    "priority_to_weight",
    # Errors
    "DetachError",
    "DetachedAttributeError",
    "LumixError",
    "ModelError",
    "ScenarioError",
    "SolverError",
    # LumiX's smaller API
    "LXConstraintSensitivity",
    "LXVariableSensitivity",
    "LXWhatIfChange",
    "LXKeyFilter",
    "LXRowKeyFilter",
    "LXSolutionMapper",
    "LXRowActivity",
    "row_activity",
    "LXModelLogger",
    "enable_logging",
    "disable_logging",
    "LXORMContext",
    "LXTypedQuery",
    "LXORMModel",
    "LXNumeric",
    # Non-linear terms and linearization
    "LXNonLinearExpression",
    "LXQuadraticExpression",
    "LXQuadraticTerm",
    "LXAbsoluteTerm",
    "LXBilinearTerm",
    "LXIndicatorTerm",
    "LXMinMaxTerm",
    "LXPiecewiseLinearTerm",
    "LXLinearizer",
    "LXLinearizerConfig",
    "LXLinearizationMethod",
    "LXNonLinearFunctions",
    "LXPiecewiseLinearizer",
]
