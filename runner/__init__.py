"""runner: the parallel scenario runner over joblib worker processes (see DESIGN.md)."""

from .api import ScenarioResult, ScenarioResults, run_scenarios

__all__ = [
    # Running
    "run_scenarios",
    # Results
    "ScenarioResult",
    "ScenarioResults",
]
