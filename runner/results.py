"""Results of a sweep: ``ScenarioResult`` (one type, from worker to table), ``ScenarioResults``,
and the names of the results table's columns.

``Status`` is ``lumix.status.Status``: a ``str`` enum, so ``result.status == "optimal"`` holds.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import EllipsisType
from typing import TYPE_CHECKING, Any, Literal

from lumix import LXObjectiveSense, LXSolution
from lumix.analysis.report import pct_change
from lumix.status import Status
from lumix.utils.memory import gc_paused

from .columns import BASELINE, COMPARE_COLUMNS, FAILED_COLUMNS, RESULT_COLUMNS, with_result_dtypes
from .files import TableWriter, read_table
from .meta import SweepMeta

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Status",
    "ScenarioResult",
    "ScenarioResults",
    "RESULT_COLUMNS",
    "BASELINE",
    "read_results",
    "ROW_FIELDS",
    "CHUNK_ROWS",
    "Rows",
    "TableBuilder",
    "fields_for",
    "failed_table",
]

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


# -- the results table, from chunks of results ----------------------------------------------------

#: The fields of a result that its row of the table is made of: the ``RESULT_COLUMNS`` but
#: ``delta`` (worked out from the baseline), then the ``outcomes`` and ``parameters`` dicts.
ROW_FIELDS = (
    "name",
    "status",
    "objective_value",
    "solve_time",
    "wall_time",
    "method",
    "attempts",
    "worker",
    "error",
    "outcomes",
    "parameters",
)
_VALUE_FIELDS = ROW_FIELDS[:-2]
_BASE_FIELDS = {"name", "status", "objective_value"}  # what finding the baseline's objective needs
#: What a table's columns, their dtypes and its baseline are found from.
_LAYOUT_FIELDS = ("name", "status", "objective_value", "outcomes", "parameters")
#: Results per chunk when results are tabled or written a chunk at a time.
CHUNK_ROWS = 50_000

#: A chunk of results: ``{field: [its value for each result]}`` for some of the ``ROW_FIELDS``, in
#: the results' order; ``status`` as text, ``objective_value`` ``None`` where there is none.
Rows = dict[str, list[Any]]

_FIELD_VALUE: dict[str, Callable[[ScenarioResult], Any]] = {
    **{f: operator.attrgetter(f) for f in ROW_FIELDS},
    "status": lambda r: str(r.status),
}

#: What the columns of the ``RESULT_COLUMNS`` hold in a sample of the table (only their dtypes
#: matter there; see ``TableBuilder``).
_SAMPLE_ROW: dict[str, Any] = {
    "name": "",
    "status": Status.OPTIMAL.value,
    "objective_value": math.nan,
    "solve_time": 0.0,
    "wall_time": 0.0,
    "method": "",
    "attempts": 1,
    "worker": "",
    "error": None,
}


def fields_for(columns: Sequence[str] | None, outcomes: Sequence[str]) -> tuple[str, ...]:
    """The ``ROW_FIELDS`` that a table of ``columns`` is made from (all of them for ``None``);
    ``outcomes``: the outcome columns when known beforehand (``meta.outcomes``), else empty."""
    if columns is None:
        return ROW_FIELDS
    wanted = set(columns) or {"name"}  # (no column at all: the rows still count)
    if "delta" in wanted:
        wanted |= {"name", "status", "objective_value"}
    others = wanted - set(RESULT_COLUMNS)
    if others - set(outcomes):  # parameters (or unknown names), and the outcomes that hide them
        wanted |= {"parameters"} if outcomes else {"parameters", "outcomes"}
    if others & set(outcomes):
        wanted.add("outcomes")
    return tuple(f for f in ROW_FIELDS if f in wanted)


def _column_list(columns: Sequence[str]) -> list[str]:
    if isinstance(columns, str):
        raise TypeError(f"to_dataframe(columns=...) takes a list of column names, not the string {columns!r}")
    return list(columns)


class _DictColumns:
    """Columns from one dict per result (its ``outcomes`` or ``parameters``): those of ``names``
    in that order (no other), else every key in order of first appearance; NaN where a result
    has none. ``sample``: keep one value of each type a column holds (and NaN if a result lacks
    it), enough to give the column the dtype of all its values."""

    def __init__(self, names: Sequence[str] | None, *, sample: bool) -> None:
        self._names = None if names is None else list(names)
        self._sample = sample
        self._values: dict[str, list[Any]] = {n: [] for n in self._names or ()}
        self._types: dict[str, dict[type, Any]] = {n: {} for n in self._names or ()}
        self._counts: dict[str, int] = dict.fromkeys(self._names or (), 0)
        self.rows = 0

    def add(self, dicts: list[dict[str, Any]]) -> None:
        if self._sample:
            self._add_sample(dicts)
        elif self._names is not None:
            for name in self._names:
                self._values[name].extend(d.get(name, math.nan) for d in dicts)
        else:
            self._add_found(dicts)
        self.rows += len(dicts)

    def _add_found(self, dicts: list[dict[str, Any]]) -> None:
        if dicts and all(map(dicts[0].keys().__eq__, map(dict.keys, dicts))):  # the usual: one set of keys
            self._add_alike(dicts)
            return
        values = self._values
        for row, d in enumerate(dicts, start=self.rows):
            for name, value in d.items():
                column = values.get(name)
                if column is None:
                    column = values[name] = []
                if len(column) < row:
                    column.extend([math.nan] * (row - len(column)))
                column.append(value)

    def _add_alike(self, dicts: list[dict[str, Any]]) -> None:
        """``_add_found`` for dicts with the same keys."""
        names = list(dicts[0])
        if not names:
            return
        get = operator.itemgetter(*names)
        found = zip(*map(get, dicts), strict=True) if len(names) > 1 else (map(get, dicts),)
        for name, column_values in zip(names, found, strict=True):
            column = self._values.setdefault(name, [])
            column.extend([math.nan] * (self.rows - len(column)))
            column.extend(column_values)

    def _add_sample(self, dicts: list[dict[str, Any]]) -> None:
        types, counts, fixed = self._types, self._counts, self._names is not None
        for d in dicts:
            for name, value in d.items():
                if fixed and name not in types:
                    continue
                types.setdefault(name, {}).setdefault(type(value), value)
                counts[name] = counts.get(name, 0) + 1

    def columns(self) -> dict[str, list[Any]]:
        """``{name: values}``; in sample mode a few values that have the column's dtype."""
        if self._sample:
            return {
                name: [*types.values(), *([math.nan] if self._counts[name] < self.rows else [])]
                for name, types in self._types.items()
            }
        for column in self._values.values():
            column.extend([math.nan] * (self.rows - len(column)))
        return self._values


class TableBuilder:
    """The results table from chunks of results (``add``), made at the end (``frame``): the
    ``RESULT_COLUMNS`` it has the fields for (``delta`` against ``base``, else against the
    result named ``BASELINE`` among those added), the outcome columns (``outcomes``, else the
    outcomes found), then the parameter columns, with the table's dtypes (``with_result_dtypes``;
    parameters as pandas infers them from all their values).

    ``sample``: keep only what the dtypes need; ``frame()`` is then a few rows with the columns and
    dtypes the whole table has (the same code makes both: chunks of a table written a chunk at a
    time are brought to it, ``runner.files.TableWriter``)."""

    def __init__(
        self,
        fields: Sequence[str] = ROW_FIELDS,
        outcomes: Sequence[str] = (),
        *,
        base: float | None | EllipsisType = ...,
        sample: bool = False,
    ) -> None:
        self._base = base  # ``...``: the added baseline's, if any
        self._found_base: float | None = None
        self._sample = sample
        self._values: dict[str, list[Any]] = {f: [] for f in _VALUE_FIELDS if f in fields}
        self._outcomes = _DictColumns(outcomes or None, sample=sample) if "outcomes" in fields else None
        self._parameters = _DictColumns(None, sample=sample) if "parameters" in fields else None
        self.rows = 0

    @property
    def base(self) -> float | None:
        """The baseline's objective (``None``: no feasible baseline)."""
        return self._found_base if self._base is ... else self._base

    @property
    def outcome_names(self) -> list[str]:
        return [] if self._outcomes is None else list(self._outcomes.columns())

    def add(self, rows: Rows) -> None:
        """Add a chunk of results: the builder's ``fields``."""
        if self._base is ... and _BASE_FIELDS <= rows.keys():
            self._find_base(rows)
        if not self._sample:
            for name, values in self._values.items():
                values.extend(rows[name])
        for name, columns in (("outcomes", self._outcomes), ("parameters", self._parameters)):
            if columns is not None:
                columns.add(rows[name])
        self.rows += len(next(iter(rows.values()), ()))

    def _find_base(self, rows: Rows) -> None:
        for i, name in enumerate(rows["name"]):
            if name == BASELINE:
                objective = rows["objective_value"][i]
                feasible = Status(rows["status"][i]).is_feasible and objective is not None
                self._found_base = float(objective) if feasible else None

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        outcomes = {} if self._outcomes is None else self._outcomes.columns()
        parameters = {} if self._parameters is None else self._parameters.columns()
        length = _sample_length(outcomes, parameters) if self._sample else self.rows
        data = self._result_columns(length)
        data.update(outcomes)
        for name, values in parameters.items():
            if name not in RESULT_COLUMNS and name not in outcomes:
                data.setdefault(name, values)
        if self._sample:
            data = {name: _repeated(values, length) for name, values in data.items()}
        frame = (
            pd.DataFrame(data) if data and length else pd.DataFrame(index=range(length), columns=list(data))
        )
        return with_result_dtypes(frame)

    def _result_columns(self, length: int) -> dict[str, Any]:
        """The ``RESULT_COLUMNS`` there are fields for, ``length`` rows (in sample mode, of
        ``_SAMPLE_ROW``'s values)."""
        import numpy as np

        columns: dict[str, Any] = dict(self._values)
        if self._sample:
            columns = {name: [_SAMPLE_ROW[name]] * length for name in columns}
        if "objective_value" in columns:
            nan = math.nan
            objective = np.array([nan if v is None else v for v in columns["objective_value"]], "float64")
            columns["objective_value"] = objective
            if self._base is not ... or _BASE_FIELDS <= columns.keys():
                base = self.base
                columns["delta"] = objective - base if base is not None else np.full(len(objective), math.nan)
        return {name: columns[name] for name in RESULT_COLUMNS if name in columns}


def _sample_length(*samples: dict[str, list[Any]]) -> int:
    return max((len(values) for sample in samples for values in sample.values()), default=0)


def _repeated(values: Any, length: int) -> list[Any]:
    """``values`` made ``length`` long by repeating its first (a sample's dtype stays)."""
    values = list(values)
    return values + values[:1] * (length - len(values)) if values else values


def failed_table(rows: list[tuple[str, str, str | None, int]]) -> pd.DataFrame:
    """The table of ``ScenarioResults.failed`` from its rows ``(name, status, error, attempts)``."""
    import pandas as pd

    return with_result_dtypes(pd.DataFrame(rows, columns=list(FAILED_COLUMNS)))


class ScenarioResults(Mapping[str, ScenarioResult]):
    """Read-only mapping ``name -> ScenarioResult`` in the order the scenarios were given.

    ``meta`` is the sweep's design (``runner.meta.SweepMeta``: kind, parameters, outcomes, seed,
    model hash), set by ``run_scenarios`` and kept by results files (``to_parquet``, ``to_csv``,
    ``save``; ``read_results``). The results are held in memory; ``runner.stored.StoredResults``
    reads those of a stored run from its store, with the same interface."""

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

    def _rows(self, fields: Sequence[str], size: int = CHUNK_ROWS) -> Iterator[Rows]:
        """The results' ``fields`` (of ``ROW_FIELDS``), ``size`` results a chunk, in order."""
        results = list(self._results.values())
        for start in range(0, len(results), size):
            yield {field: [_FIELD_VALUE[field](r) for r in results[start : start + size]] for field in fields}

    def _all_rows(self, fields: Sequence[str]) -> Iterator[Rows]:
        """``_rows``, for a reader that keeps them all (a table): may read them otherwise."""
        return self._rows(fields)

    @property
    def failed(self) -> pd.DataFrame:
        """The scenarios that got no usable solver answer (``Status.is_failure``: error,
        timeout, crashed, cancelled, abnormal): one row each, columns ``name``, ``status``,
        ``error``, ``attempts`` (``FAILED_COLUMNS``); empty when none failed."""
        failed = [r for r in self._results.values() if r.status.is_failure]
        return failed_table([(r.name, str(r.status), r.error, r.attempts) for r in failed])

    def best(self, maximize: bool | None = None) -> ScenarioResult | None:
        """The feasible scenario with the best objective (the model's sense by default)."""
        feasible = [r for r in self._results.values() if r.ok and r.objective_value is not None]
        if not feasible:
            return None
        pick = max if self._maximizes(maximize) else min
        return pick(feasible, key=lambda r: r.objective_value or 0.0)

    def _maximizes(self, maximize: bool | None) -> bool:
        return self.sense is not LXObjectiveSense.MINIMIZE if maximize is None else maximize

    @property
    def outcome_names(self) -> list[str]:
        """The outcome columns: ``meta.outcomes``, else the outcomes the results hold."""
        if self.meta.outcomes:
            return list(self.meta.outcomes)
        return self._names_in("outcomes")

    @property
    def parameter_names(self) -> list[str]:
        """The parameter columns: ``meta.parameters``' names, else the parameters the results
        hold (in order of appearance)."""
        if self.meta.parameters:
            return self.meta.parameter_names
        return self._names_in("parameters")

    def _names_in(self, field: str) -> list[str]:
        """The keys of the results' ``outcomes`` or ``parameters``, in order of appearance."""
        names: dict[str, None] = {}
        for rows in self._rows((field,)):
            for values in rows[field]:
                names.update(dict.fromkeys(values))
        return list(names)

    def to_dataframe(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """One row per scenario: the ``RESULT_COLUMNS`` (``delta`` against the baseline), one
        column per outcome (NaN where a scenario has none), then one column per parameter.
        ``columns``: only these (of the table's columns, in this order), read alone.

        Raises
        ------
        ValueError : ``columns`` names a column the table does not have (the message lists them).
        """
        return self._table(columns)[0]

    def _table(self, columns: Sequence[str] | None) -> tuple[pd.DataFrame, float | None]:
        """The table (of ``columns``) and the baseline's objective (``None``: no feasible one)."""
        wanted = None if columns is None else _column_list(columns)
        fields = fields_for(wanted, self.meta.outcomes)
        table = TableBuilder(fields, self.meta.outcomes)
        with gc_paused():
            for rows in self._all_rows(fields):
                table.add(rows)
            frame = table.frame()
        if wanted is None:
            return frame, table.base
        unknown = [c for c in wanted if c not in frame.columns]
        if unknown:
            known = [*RESULT_COLUMNS, *(c for c in frame.columns if c not in RESULT_COLUMNS)]
            raise ValueError(
                f"to_dataframe(columns=...): no column {', '.join(map(repr, unknown))} in the results "
                f"table; its columns are {', '.join(known)}"
            )
        return frame[wanted], table.base

    def compare(self) -> pd.DataFrame:
        """One row per scenario: ``name``, ``objective``, ``status``, ``delta`` (objective minus
        the baseline's) and ``pct`` (``delta`` in percent of ``|baseline|``, as
        ``lumix.analysis.report.pct_change``); ``NaN`` where there is no objective or no
        feasible baseline."""
        table, base = self._table(["name", "objective_value", "status", "delta"])
        pct = [math.nan if base is None else pct_change(v, base) for v in table["objective_value"]]
        compared = table.rename(columns={"objective_value": "objective"})
        return compared.assign(pct=pct)[list(COMPARE_COLUMNS)]

    def save(self, output: str | Path) -> str:
        """Write the results table with ``meta`` and the objective's sense to ``output``, by
        its suffix: ``.parquet``, ``.csv`` (metadata in ``<file>.meta.json``), ``.sqlite`` /
        ``.db`` or a SQLAlchemy URL (see ``runner.files``); returns where it went."""
        return self._write(output, None)

    def to_csv(self, path: str | Path) -> None:
        """Write the results table as CSV and its metadata to ``<path>.meta.json``."""
        self._write(path, "csv")

    def to_parquet(self, path: str | Path) -> None:
        """Write the results table as Parquet, the metadata as JSON under
        ``runner.meta.META_KEY`` in the file's schema metadata."""
        self._write(path, "parquet")

    def _write(self, output: str | Path, fmt: Literal["parquet", "csv"] | None) -> str:
        """The table, a chunk of ``CHUNK_ROWS`` at a time, after a first pass that finds its
        columns, their dtypes and the baseline (``TableBuilder(sample=True)``)."""
        layout = TableBuilder(ROW_FIELDS, self.meta.outcomes, sample=True)
        for rows in self._rows(_LAYOUT_FIELDS):
            layout.add(rows)
        with TableWriter(output, self._file_meta(), layout.frame(), fmt=fmt) as writer:
            for rows in self._rows(ROW_FIELDS, CHUNK_ROWS):
                chunk = TableBuilder(ROW_FIELDS, layout.outcome_names, base=layout.base)
                chunk.add(rows)
                writer.write(chunk.frame())
        return writer.where

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
        return ScenarioResults(results, sense, meta=sweep)

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
