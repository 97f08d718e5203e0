"""runner: the parallel scenario runner over joblib worker processes (see DESIGN.md).

``run_scenarios`` (``api``) prepares a sweep (``plan``), runs it on a backend (``backends``)
whose workers solve through ``lumix.scenario`` (``worker``), and collects the results
(``collector``, ``results``). Sweeps (``sweeps``), sensitivity measures (``analysis``),
plots (``plots``) and the command line (``cli``) build on it.
"""

import logging

from .api import run_scenarios
from .backends import register_backend
from .errors import BackendError, CommandError, JournalError, RunnerError, SpecError
from .results import ScenarioResult, ScenarioResults, Status
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

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    # Running
    "run_scenarios",
    "register_backend",
    # Results
    "ScenarioResult",
    "ScenarioResults",
    "Status",
    # Sweeps
    "Parameter",
    "param",
    "data_param",
    "scenario_for",
    "grid",
    "one_at_a_time",
    "latin_hypercube",
    "monte_carlo",
    # Errors
    "RunnerError",
    "BackendError",
    "JournalError",
    "SpecError",
    "CommandError",
]
