"""runner: the parallel scenario runner over joblib worker processes (see DESIGN.md)."""

from .api import ScenarioResult, ScenarioResults, run_scenarios
from .sweeps import (
    Parameter,
    data_param,
    grid,
    latin_hypercube,
    monte_carlo,
    one_at_a_time,
    param,
    scenario_for,
)

__all__ = [
    # Running
    "run_scenarios",
    # Results
    "ScenarioResult",
    "ScenarioResults",
    # Sweeps
    "Parameter",
    "param",
    "data_param",
    "scenario_for",
    "grid",
    "one_at_a_time",
    "latin_hypercube",
    "monte_carlo",
]
