"""Sensitivity measures on sweep results (a ``ScenarioResults`` or its ``to_dataframe()``).

- ``feasible(df)``: which rows have a feasible status and an objective;
- ``parameter_columns(df)``: the columns of the table that are swept parameters;
- ``rank_correlations(df, params)``: Spearman rank correlation of each parameter with the
  objective over the sampled scenarios (Latin hypercube, Monte Carlo), largest magnitude first.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lumix.status import Status

from .columns import BASELINE, RESULT_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FEASIBLE", "feasible", "feasible_status", "parameter_columns", "rank_correlations"]

logger = logging.getLogger(__name__)

#: The statuses with a solution (``Status.is_feasible``), as the plain strings of a table.
FEASIBLE: tuple[str, ...] = tuple(str(s) for s in Status if s.is_feasible)


def _frame(results: Any) -> pd.DataFrame:
    """The results table of a ``ScenarioResults`` (or the table itself)."""
    return results.to_dataframe() if hasattr(results, "to_dataframe") else results


def feasible_status(df: pd.DataFrame) -> pd.Series:
    """Rows whose status found a solution (``optimal`` or ``feasible``)."""
    return df["status"].isin(FEASIBLE)


def feasible(df: pd.DataFrame) -> pd.Series:
    """Rows with a feasible status and an objective value."""
    return feasible_status(df) & df["objective_value"].notna()


def parameter_columns(df: pd.DataFrame, parameters: Sequence[str] | None = None) -> list[str]:
    """The swept parameters among the columns of ``df``: ``parameters`` where given (those
    present), else every numeric column that is not one of ``runner.results.RESULT_COLUMNS``."""
    if parameters:
        return [p for p in parameters if p in df.columns]
    return [c for c in df.columns if c not in RESULT_COLUMNS and df[c].dtype.kind in "fiu"]


def rank_correlations(results: Any, params: Sequence[str] | None = None) -> pd.Series:
    """Spearman rank correlation of each parameter with the objective over the feasible
    scenarios other than the baseline, largest magnitude first (a tornado for sampled sweeps).

    ``results`` is a ``ScenarioResults`` or its table; ``params`` defaults to
    ``parameter_columns(table)``. Fewer than three feasible scenarios give an empty series.
    """
    df = _frame(results)
    params = list(params) if params is not None else parameter_columns(df)
    rows = feasible(df) & (df["name"] != BASELINE)
    ranks = df.loc[rows, [*params, "objective_value"]].astype(float).rank()
    if len(ranks) < 3 or not params:
        logger.debug("rank correlations: %d feasible scenarios, %d parameters", len(ranks), len(params))
        return ranks["objective_value"].iloc[0:0].rename(None)
    correlations = ranks[params].corrwith(ranks["objective_value"]).dropna()
    return correlations.reindex(correlations.abs().sort_values(ascending=False).index)
