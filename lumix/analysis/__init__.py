"""Scenario and what-if analysis, executed through the scenario runner."""

from .deltas import ResolvedChange, Resolver, apply_changes
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
    "ResolvedChange",
    "Resolver",
    "apply_changes",
]
