"""The vocabulary of a results table: its columns and the baseline's name.

Defined apart from ``runner.results`` so that the sensitivity measures and plots, which the
results' ``plot_*`` methods call, depend on the vocabulary without an import cycle.
"""

from __future__ import annotations

from lumix.scenario import BASELINE

__all__ = ["RESULT_COLUMNS", "BASELINE"]

#: The columns of ``ScenarioResults.to_dataframe()`` before the parameters, in order.
RESULT_COLUMNS = (
    "name",
    "status",
    "objective_value",
    "delta",
    "solve_time",
    "wall_time",
    "method",
    "attempts",
    "worker",
    "error",
)
