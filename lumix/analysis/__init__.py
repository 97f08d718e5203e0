"""Scenario and what-if analysis (executed through the scenario runner)."""

from .deltas import ResolvedChange, Resolver, apply_changes
from .scenario import LXScenario, LXScenarioModification

__all__ = [
    "LXScenario",
    "LXScenarioModification",
    "ResolvedChange",
    "Resolver",
    "apply_changes",
]
