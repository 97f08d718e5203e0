"""Scenario, what-if and sensitivity analysis: in this process, or in parallel through an executor."""

from .scenario import LXScenario, LXScenarioAnalyzer, LXScenarioModification
from .sensitivity import LXConstraintSensitivity, LXSensitivityAnalyzer, LXVariableSensitivity
from .whatif import LXWhatIfAnalyzer, LXWhatIfChange, LXWhatIfResult

__all__ = [
    "LXScenario",
    "LXScenarioAnalyzer",
    "LXScenarioModification",
    "LXSensitivityAnalyzer",
    "LXConstraintSensitivity",
    "LXVariableSensitivity",
    "LXWhatIfAnalyzer",
    "LXWhatIfChange",
    "LXWhatIfResult",
]
