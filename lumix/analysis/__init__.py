"""Scenario and what-if analysis, executed through the scenario runner."""

from .deltas import ResolvedChange, Resolver, apply_changes
from .scenario import LXScenario, LXScenarioAnalyzer, LXScenarioModification
from .whatif import LXWhatIfAnalyzer, LXWhatIfChange, LXWhatIfResult

__all__ = [
    "LXScenario",
    "LXScenarioAnalyzer",
    "LXScenarioModification",
    "LXWhatIfAnalyzer",
    "LXWhatIfChange",
    "LXWhatIfResult",
    "ResolvedChange",
    "Resolver",
    "apply_changes",
]
