"""Results of a sweep: ``ScenarioResult`` (one type, from worker to table), ``ScenarioResults``,
and the names of the results table's columns.

``Status`` is ``lumix.status.Status``: a ``str`` enum, so ``result.status == "optimal"`` holds.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lumix import LXObjectiveSense, LXSolution
from lumix.analysis.report import comparison_table
from lumix.status import Status

from .columns import BASELINE, RESULT_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Status", "ScenarioResult", "ScenarioResults", "RESULT_COLUMNS", "BASELINE"]



@dataclass
class ScenarioResult:
    """The outcome of one scenario, as a worker reports it and as the table shows it.

    ``status`` is the solver's status (``"optimal"``, ``"infeasible"``, ...) or ``"error"`` /
    ``"timeout"`` / ``"crashed"`` / ``"cancelled"`` with ``error`` saying what happened and
    where. ``solution`` is an ``LXSolution`` when ``keep`` asked for values. ``index`` is the
    scenario's position in the sweep and ``rss`` the worker's resident memory in bytes after
    its batch (both bookkeeping, not columns).
    """

    name: str
    status: Status
    objective_value: float | None = None
    solve_time: float = 0.0
    wall_time: float = 0.0
    method: str = "incremental"
    attempts: int = 1
    worker: str = ""
    error: str | None = None
    solution: LXSolution | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    index: int = field(default=-1, repr=False, compare=False)
    rss: int = field(default=0, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.status = Status(self.status)

    @property
    def ok(self) -> bool:
        return self.status.is_feasible


class ScenarioResults(Mapping[str, ScenarioResult]):
    """Read-only mapping ``name -> ScenarioResult`` in the order the scenarios were given."""

    def __init__(
        self,
        results: list[ScenarioResult],
        sense: LXObjectiveSense | None,
        interrupted: bool = False,
        resumed: int = 0,
    ) -> None:
        self._results = {r.name: r for r in results}
        self.sense = sense
        self.interrupted = interrupted
        self.resumed = resumed  # results taken from the journal rather than solved in this call

    def __getitem__(self, name: str) -> ScenarioResult:
        return self._results[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._results)

    def __len__(self) -> int:
        return len(self._results)

    def __repr__(self) -> str:
        return f"ScenarioResults({len(self)} scenarios, {len(self.failed)} failed)"

    @property
    def failed(self) -> dict[str, ScenarioResult]:
        """Scenarios that got no usable solver answer (``Status.is_failure``: error, timeout,
        crashed, cancelled, abnormal)."""
        return {n: r for n, r in self._results.items() if r.status.is_failure}

    def best(self, maximize: bool | None = None) -> ScenarioResult | None:
        """The feasible scenario with the best objective (the model's sense by default)."""
        feasible = [r for r in self._results.values() if r.ok and r.objective_value is not None]
        if not feasible:
            return None
        if maximize is None:
            maximize = self.sense is not LXObjectiveSense.MINIMIZE
        pick = max if maximize else min
        return pick(feasible, key=lambda r: r.objective_value or 0.0)

    def _baseline_objective(self) -> float | None:
        base = self._results.get(BASELINE)
        return base.objective_value if base is not None and base.ok else None

    def to_dataframe(self) -> pd.DataFrame:
        """One row per scenario: the ``RESULT_COLUMNS`` (``delta`` against the baseline), then
        one column per parameter."""
        import pandas as pd

        base_obj = self._baseline_objective()
        rows = []
        for r in self._results.values():
            objective = math.nan if r.objective_value is None else r.objective_value
            row = {
                "name": r.name,
                "status": str(r.status),
                "objective_value": objective,
                "delta": objective - base_obj if base_obj is not None else math.nan,
                "solve_time": r.solve_time,
                "wall_time": r.wall_time,
                "method": r.method,
                "attempts": r.attempts,
                "worker": r.worker,
                "error": r.error,
            }
            for key, value in r.parameters.items():
                row.setdefault(key, value)
            rows.append(row)
        return pd.DataFrame(rows, columns=None if rows else list(RESULT_COLUMNS))

    def compare(self) -> str:
        """A readable table of objective, status and change against the baseline."""
        rows = [(r.name, r.objective_value, str(r.status)) for r in self._results.values()]
        return comparison_table(rows, self._baseline_objective(), baseline_name=BASELINE, decimals=4)

    def to_csv(self, path: str | Path) -> None:
        self.to_dataframe().to_csv(path, index=False)

    def to_parquet(self, path: str | Path) -> None:
        self.to_dataframe().to_parquet(path, index=False)

    # -- plots (the ``plots`` extra; see runner.plots) --

    def plot_tornado(self, path: str | Path, **kw: Any) -> Path:
        """Tornado chart of a one-at-a-time sweep as a PNG; returns the path written."""
        from . import plots

        return plots.tornado(self, path, **kw)

    def plot_response(self, parameter: Any, path: str | Path) -> Path:
        """Objective against ``parameter`` (infeasible points marked) as a PNG."""
        from . import plots

        return plots.response_curve(self, parameter, path)

    def plot_distribution(self, path: str | Path) -> Path:
        """Histogram of the objectives (Monte Carlo / Latin hypercube) as a PNG."""
        from . import plots

        return plots.distribution(self, path)

    def plot_shadow_prices(self, path: str | Path, scenario: str = BASELINE) -> Path:
        """The largest |shadow prices| of ``scenario`` (run with ``keep="full"``) as a PNG."""
        from . import plots

        return plots.shadow_prices(self[scenario], path)
