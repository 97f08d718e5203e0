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
from lumix.analysis.report import pct_change
from lumix.status import Status

from .columns import BASELINE, COMPARE_COLUMNS, FAILED_COLUMNS, RESULT_COLUMNS, with_result_dtypes
from .files import read_table, write_table
from .meta import SweepMeta

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Status", "ScenarioResult", "ScenarioResults", "RESULT_COLUMNS", "BASELINE", "read_results"]

#: How a results file names the objective's sense (its metadata's ``"sense"``).
_SENSE_NAMES = {LXObjectiveSense.MAXIMIZE: "maximize", LXObjectiveSense.MINIMIZE: "minimize"}


@dataclass
class ScenarioResult:
    """The outcome of one scenario, as a worker reports it and as the table shows it.

    ``status`` is the solver's status (``"optimal"``, ``"infeasible"``, ...) or ``"error"`` /
    ``"timeout"`` / ``"crashed"`` / ``"cancelled"`` with ``error`` saying what happened and
    where. ``solution`` is an ``LXSolution`` when ``keep`` asked for values. ``outcomes`` are
    the sweep's outcomes ``{name: value}`` (``run_scenarios(outcomes=...)``; NaN when the
    scenario has no solution, empty when it failed). ``index`` is the scenario's position in
    the sweep and ``rss`` the worker's resident memory in bytes after its batch (both
    bookkeeping, not columns).
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
    outcomes: dict[str, float] = field(default_factory=dict)
    index: int = field(default=-1, repr=False, compare=False)
    rss: int = field(default=0, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.status = Status(self.status)

    @property
    def ok(self) -> bool:
        return self.status.is_feasible


class ScenarioResults(Mapping[str, ScenarioResult]):
    """Read-only mapping ``name -> ScenarioResult`` in the order the scenarios were given.

    ``meta`` is the sweep's design (``runner.meta.SweepMeta``: kind, parameters, outcomes, seed,
    model hash), set by ``run_scenarios`` and kept by results files (``to_parquet``, ``to_csv``,
    ``save``; ``read_results``)."""

    def __init__(
        self,
        results: list[ScenarioResult],
        sense: LXObjectiveSense | None,
        interrupted: bool = False,
        resumed: int = 0,
        meta: SweepMeta | None = None,
    ) -> None:
        self._results = {r.name: r for r in results}
        self.sense = sense
        self.interrupted = interrupted
        self.resumed = resumed  # results taken from the journal rather than solved in this call
        self.meta = meta if meta is not None else SweepMeta()

    def __getitem__(self, name: str) -> ScenarioResult:
        return self._results[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._results)

    def __len__(self) -> int:
        return len(self._results)

    def __repr__(self) -> str:
        return f"ScenarioResults({len(self)} scenarios, {len(self.failed)} failed)"

    @property
    def failed(self) -> pd.DataFrame:
        """The scenarios that got no usable solver answer (``Status.is_failure``: error,
        timeout, crashed, cancelled, abnormal): one row each, columns ``name``, ``status``,
        ``error``, ``attempts`` (``FAILED_COLUMNS``); empty when none failed."""
        import pandas as pd

        failed = [r for r in self._results.values() if r.status.is_failure]
        rows = [(r.name, str(r.status), r.error, r.attempts) for r in failed]
        return with_result_dtypes(pd.DataFrame(rows, columns=list(FAILED_COLUMNS)))

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

    @property
    def outcome_names(self) -> list[str]:
        """The outcome columns: ``meta.outcomes``, else the outcomes the results hold."""
        if self.meta.outcomes:
            return list(self.meta.outcomes)
        return list(dict.fromkeys(name for r in self._results.values() for name in r.outcomes))

    @property
    def parameter_names(self) -> list[str]:
        """The parameter columns: ``meta.parameters``' names, else the parameters the results
        hold (in order of appearance)."""
        if self.meta.parameters:
            return self.meta.parameter_names
        return list(dict.fromkeys(name for r in self._results.values() for name in r.parameters))

    def to_dataframe(self) -> pd.DataFrame:
        """One row per scenario: the ``RESULT_COLUMNS`` (``delta`` against the baseline), one
        column per outcome (NaN where a scenario has none), then one column per parameter."""
        import pandas as pd

        base_obj = self._baseline_objective()
        outcomes = self.outcome_names
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
            row.update({name: r.outcomes.get(name, math.nan) for name in outcomes})
            for key, value in r.parameters.items():
                row.setdefault(key, value)
            rows.append(row)
        columns = None if rows else [*RESULT_COLUMNS, *outcomes]
        return with_result_dtypes(pd.DataFrame(rows, columns=columns))

    def compare(self) -> pd.DataFrame:
        """One row per scenario: ``name``, ``objective``, ``status``, ``delta`` (objective minus
        the baseline's) and ``pct`` (``delta`` in percent of ``|baseline|``, as
        ``lumix.analysis.report.pct_change``); ``NaN`` where there is no objective or no
        feasible baseline."""
        table = self.to_dataframe()
        base = self._baseline_objective()
        pct = [math.nan if base is None else pct_change(v, base) for v in table["objective_value"]]
        compared = table[["name", "objective_value", "status", "delta"]].rename(
            columns={"objective_value": "objective"}
        )
        return compared.assign(pct=pct)[list(COMPARE_COLUMNS)]

    def save(self, output: str | Path) -> str:
        """Write the results table with ``meta`` and the objective's sense to ``output``, by
        its suffix: ``.parquet``, ``.csv`` (metadata in ``<file>.meta.json``), ``.sqlite`` /
        ``.db`` or a SQLAlchemy URL (see ``runner.files``); returns where it went."""
        return write_table(self.to_dataframe(), output, self._file_meta())

    def to_csv(self, path: str | Path) -> None:
        """Write the results table as CSV and its metadata to ``<path>.meta.json``."""
        write_table(self.to_dataframe(), path, self._file_meta(), fmt="csv")

    def to_parquet(self, path: str | Path) -> None:
        """Write the results table as Parquet, the metadata as JSON under
        ``runner.meta.META_KEY`` in the file's schema metadata."""
        write_table(self.to_dataframe(), path, self._file_meta(), fmt="parquet")

    def _file_meta(self) -> dict[str, Any]:
        sense = _SENSE_NAMES.get(self.sense) if self.sense is not None else None
        return {**self.meta.to_dict(), "sense": sense}

    @classmethod
    def from_table(cls, df: pd.DataFrame, meta: Mapping[str, Any] | None = None) -> ScenarioResults:
        """Results from their table (``to_dataframe()``, as a results file holds it) and the file's
        metadata (``SweepMeta.to_dict()`` plus ``"sense"``). Columns other than the
        ``RESULT_COLUMNS`` and the metadata's outcomes are parameters; missing values are left
        out of each result's ``parameters``."""
        meta = dict(meta or {})
        sweep = SweepMeta.from_dict(meta)
        sense = {name: sense for sense, name in _SENSE_NAMES.items()}.get(meta.get("sense") or "")
        outcomes = [c for c in sweep.outcomes if c in df.columns]
        params = [c for c in df.columns if c not in RESULT_COLUMNS and c not in outcomes]
        results = [_result_of(row, params, outcomes, i) for i, row in enumerate(df.to_dict("records"))]
        return cls(results, sense, meta=sweep)

    # -- sensitivity indices (see runner.analysis) --

    def sobol(self, outcome: str = "objective_value", **options: Any) -> pd.DataFrame:
        """Sobol indices ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` of ``outcome``, one row per
        parameter, of a ``sobol`` sweep (``runner.analysis.sobol_indices``; ``options`` go there)."""
        from .analysis import sobol_indices

        return sobol_indices(self, outcome, **options)

    def morris(self, outcome: str = "objective_value", **options: Any) -> pd.DataFrame:
        """Morris ``mu``, ``mu_star``, ``sigma``, ``mu_star_conf`` of ``outcome``, one row per
        parameter, of a ``morris`` sweep (``runner.analysis.morris_indices``; ``options`` go there)."""
        from .analysis import morris_indices

        return morris_indices(self, outcome, **options)

    # -- plots (the ``plots`` extra; see runner.plots) --

    def plot_tornado(self, path: str | Path, *, outcome: str = "objective_value", **kw: Any) -> Path:
        """Tornado chart of ``outcome`` over a one-at-a-time sweep as a PNG; returns the path
        written (``runner.plots.tornado``)."""
        from . import plots

        return plots.tornado(self, path, outcome=outcome, **kw)

    def plot_response(self, parameter: Any, path: str | Path, *, outcome: str = "objective_value") -> Path:
        """``outcome`` against ``parameter`` as a PNG, scenarios without a value on a band of
        their own (``runner.plots.response_curve``)."""
        from . import plots

        return plots.response_curve(self, parameter, path, outcome=outcome)

    def plot_distribution(self, path: str | Path, *, outcome: str = "objective_value") -> Path:
        """Histogram of ``outcome`` over a sampled sweep as a PNG (``runner.plots.distribution``)."""
        from . import plots

        return plots.distribution(self, path, outcome=outcome)

    def plot_indices(self, path: str | Path, *, outcome: str = "objective_value", **options: Any) -> Path:
        """Bars of the Sobol indices (a ``sobol`` sweep) or Morris measures (a ``morris`` sweep)
        of ``outcome`` with their confidence intervals as a PNG; ``options`` go to ``sobol()`` /
        ``morris()`` (``runner.plots.indices``)."""
        from . import plots

        analyse = self.morris if self.meta.kind == "morris" else self.sobol
        return plots.indices(analyse(outcome, **options), path, outcome=outcome)

    def plot_shadow_prices(self, path: str | Path, scenario: str = BASELINE) -> Path:
        """The largest |shadow prices| of ``scenario`` (run with ``keep="full"``) as a PNG."""
        from . import plots

        return plots.shadow_prices(self[scenario], path)


def _result_of(row: dict[str, Any], params: list[str], outcomes: list[str], index: int) -> ScenarioResult:
    """The ``ScenarioResult`` of one row of a results table (missing values: ``None`` / absent)."""
    import pandas as pd

    def value(v: Any) -> Any:
        v = v.item() if hasattr(v, "item") else v
        return None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v

    objective, error = value(row.get("objective_value")), value(row.get("error"))
    return ScenarioResult(
        name=str(row["name"]),
        status=Status(str(row["status"])),
        objective_value=None if objective is None else float(objective),
        solve_time=float(value(row.get("solve_time")) or 0.0),
        wall_time=float(value(row.get("wall_time")) or 0.0),
        method=str(value(row.get("method")) or ""),
        attempts=int(value(row.get("attempts")) or 1),
        worker=str(value(row.get("worker")) or ""),
        error=None if error is None else str(error),
        parameters={p: v for p in params if (v := value(row[p])) is not None},
        outcomes={o: math.nan if (v := value(row[o])) is None else float(v) for o in outcomes},
        index=index,
    )


def read_results(source: str | Path) -> ScenarioResults:
    """The ``ScenarioResults`` of a results file (Parquet, CSV) or store that ``save`` /
    ``to_parquet`` / ``to_csv`` or ``python -m runner run`` wrote, with its ``meta`` and sense
    (``runner.files``). Its table is the one written: ``read_results(p).to_dataframe()`` equals
    the saved ``to_dataframe()``.

    Raises
    ------
    CommandError : a missing file, an unknown suffix, a file or store that cannot be read.
    """
    return ScenarioResults.from_table(*read_table(source))
