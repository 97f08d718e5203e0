"""runner: the parallel scenario runner over joblib worker processes (see DESIGN.md).

``run_scenarios`` (``api``) prepares a sweep (``plan``), runs it on a backend (``backends``)
whose workers solve through ``lumix.scenario`` (``worker``), and collects the results
(``collector``, ``results``). Sweeps (``sweeps``), sensitivity measures (``analysis``),
plots (``plots``) and the command line (``cli``) build on it.
"""

import logging

from .analysis import morris_indices, rank_correlations, sobol_indices
from .api import run_scenarios
from .backends import register_backend
from .errors import BackendError, CommandError, JournalError, RunnerError, SpecError
from .results import ScenarioResult, ScenarioResults, Status, read_results
from .stored import StoredResults
from .sweeps import (
    Parameter,
    boolean,
    categorical,
    choice_param,
    data_param,
    fragment,
    grid,
    integer,
    latin_hypercube,
    lognormal,
    monte_carlo,
    morris,
    normal,
    one_at_a_time,
    param,
    quasi_random,
    scenario_for,
    sobol,
    triangular,
    truncated,
    uniform,
)

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    # Running
    "run_scenarios",
    "register_backend",
    # Results
    "ScenarioResult",
    "ScenarioResults",
    "StoredResults",
    "Status",
    "read_results",
    # Sweeps
    "Parameter",
    "param",
    "data_param",
    "scenario_for",
    "grid",
    "one_at_a_time",
    "latin_hypercube",
    "monte_carlo",
    "quasi_random",
    "sobol",
    "morris",
    "choice_param",
    "fragment",
    # Distributions of sampled parameters
    "uniform",
    "normal",
    "lognormal",
    "triangular",
    "truncated",
    "integer",
    "boolean",
    "categorical",
    # Sensitivity (also ScenarioResults.sobol() / .morris(); designs and estimators in runner.sensitivity)
    "sobol_indices",
    "morris_indices",
    "rank_correlations",
    # Errors
    "RunnerError",
    "BackendError",
    "JournalError",
    "SpecError",
    "CommandError",
]
