"""The vocabulary of a results table: its columns, their dtypes, the baseline's name and the
rule for column names.

Defined apart from ``runner.results`` so that the sensitivity measures, plots and results files,
which the results' methods call, depend on the vocabulary without an import cycle.

Column names are identifiers (letters, digits and ``_``; no dots, no brackets), for parameters
as for outcomes (``lumix.outcomes``): a name made from a target goes through ``column_name``,
``lumix.utils.naming``'s rule (``column_name("capacity[2]", "rhs", "add") ==
"capacity_2_rhs_add"``); a name a user gives must be one (``check_column_name``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lumix.scenario import BASELINE
from lumix.status import Status
from lumix.utils import naming
from lumix.utils.naming import column_name

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "RESULT_COLUMNS",
    "TEXT_COLUMNS",
    "STATUS_VALUES",
    "COMPARE_COLUMNS",
    "FAILED_COLUMNS",
    "JOURNAL_TABLE",
    "JOURNAL_LOG_TABLE",
    "BASELINE",
    "column_name",
    "check_column_name",
    "with_result_dtypes",
]

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

#: The text columns of the results table: pandas ``"string"`` dtype (a missing value is
#: ``<NA>``, never a float ``NaN``), string columns in Parquet whatever they hold.
TEXT_COLUMNS = ("name", "method", "worker", "error")

#: The categories of the ``status`` column (a pandas ``Categorical``), in ``Status`` order.
STATUS_VALUES: tuple[str, ...] = tuple(s.value for s in Status)

#: The columns of ``ScenarioResults.compare()``: objective, change against the baseline and that
#: change in percent of ``|baseline|``.
COMPARE_COLUMNS = ("name", "objective", "status", "delta", "pct")

#: The columns of ``ScenarioResults.failed``.
FAILED_COLUMNS = ("name", "status", "error", "attempts")

#: The journal's table (``runner.journal.results_table``), which results files are read from
#: when a store holds nothing else.
JOURNAL_TABLE = "lumix_scenario_results"
#: A SQLite journal's table of the rows a run appended, not yet moved into ``JOURNAL_TABLE``
#: (``runner.journal.Journal.merge``).
JOURNAL_LOG_TABLE = "lumix_scenario_log"


def check_column_name(name: str, where: str) -> None:
    """Refuse a column name given by a user that is not an identifier (``where`` names it)."""
    if not isinstance(name, str) or not name.isidentifier():
        example = naming.column_name(str(name))
        raise ValueError(
            f"{where}: the column name {name!r} is not an identifier (letters, digits and _, no dots "
            f"or brackets); for example {example if example.isidentifier() else 'x_1'!r}"
        )


def with_result_dtypes(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with the results table's dtypes: ``status`` a ``Categorical`` over
    ``STATUS_VALUES``, the ``TEXT_COLUMNS`` pandas ``"string"``, ``attempts`` integers, the
    numbers ``float64``; columns it does not have are left out, the others untouched."""
    import pandas as pd

    dtypes: dict[str, object] = {c: "string" for c in TEXT_COLUMNS}
    dtypes |= {c: "float64" for c in ("objective_value", "delta", "solve_time", "wall_time")}
    dtypes |= {"attempts": "int64", "status": pd.CategoricalDtype(list(STATUS_VALUES))}
    present = {c: t for c, t in dtypes.items() if c in df.columns}
    return df.astype(present) if present else df
