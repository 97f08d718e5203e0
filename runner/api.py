"""``run_scenarios()`` and its results.

The parent compiles the model once (under its live ORM session), checks every declarative
target against the compiled names, detaches and serializes the model once, and fans batches
of small scenario tasks out to workers. Results stream back to the collector, which shows
progress, journals each result and assembles the table.
"""

from __future__ import annotations

import copy
import hashlib
import math
import os
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from lumix import LXModel, LXObjectiveSense, LXOptimizer, LXSolution
from lumix.analysis import LXScenario, Resolver
from lumix.utils import orm
from lumix.utils.callables import callable_key
from lumix.utils.pickling import dumps

from .collector import Journal, Progress, record_from_row
from .pool import Dispatcher, resolve_backend
from .worker import ModelRef, Payload, ResultRecord, ScenarioTask

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["run_scenarios", "ScenarioResult", "ScenarioResults", "RUNNER_FAILURES"]

Keep = Literal["summary", "values", "full"]
RUNNER_FAILURES = frozenset({"error", "timeout", "crashed", "cancelled"})
BASELINE = "baseline"


@dataclass
class ScenarioResult:
    """The outcome of one scenario.

    ``status`` is the solver's status (``"optimal"``, ``"infeasible"``, ...) or ``"error"`` /
    ``"timeout"`` / ``"crashed"`` / ``"cancelled"`` with ``error`` saying what happened and
    where. ``solution`` is an ``LXSolution`` when ``keep`` asked for values.
    """

    name: str
    status: str
    objective_value: float | None = None
    solve_time: float = 0.0
    wall_time: float = 0.0
    method: str = "incremental"
    attempts: int = 1
    worker: str = ""
    error: str | None = None
    solution: LXSolution | None = None
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status in ("optimal", "feasible")


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
        """Scenarios that did not run to a solver answer (error, timeout, crashed, cancelled)."""
        return {n: r for n, r in self._results.items() if r.status in RUNNER_FAILURES}

    def best(self, maximize: bool | None = None) -> ScenarioResult | None:
        """The feasible scenario with the best objective (the model's sense by default)."""
        feasible = [r for r in self._results.values() if r.ok and r.objective_value is not None]
        if not feasible:
            return None
        if maximize is None:
            maximize = self.sense is not LXObjectiveSense.MINIMIZE
        pick = max if maximize else min
        return pick(feasible, key=lambda r: r.objective_value)

    def to_dataframe(self) -> pd.DataFrame:
        """One row per scenario: name, status, objective_value, delta (vs baseline),
        solve_time, wall_time, method, attempts, worker, error, then one column per parameter."""
        import pandas as pd

        base = self._results.get(BASELINE)
        base_obj = base.objective_value if base is not None and base.ok else None
        rows = []
        for r in self._results.values():
            delta = (
                r.objective_value - base_obj
                if base_obj is not None and r.objective_value is not None
                else math.nan
            )
            row = {
                "name": r.name,
                "status": r.status,
                "objective_value": math.nan if r.objective_value is None else r.objective_value,
                "delta": delta,
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
        return pd.DataFrame(rows)

    def compare(self) -> str:
        """A readable table of objective, status and change against the baseline."""
        base = self._results.get(BASELINE)
        base_obj = base.objective_value if base is not None and base.ok else None
        width = max([len(n) for n in self._results] + [8])
        lines = [f"{'Scenario':<{width}}  {'Objective':>15}  {'Status':>10}  {'vs baseline':>12}"]
        lines.append("-" * len(lines[0]))
        for r in self._results.values():
            obj = f"{r.objective_value:,.4f}" if r.objective_value is not None else "-"
            if base_obj and r.objective_value is not None and r.name != BASELINE:
                change = f"{(r.objective_value - base_obj) / abs(base_obj) * 100:+.2f}%"
            else:
                change = "-"
            lines.append(f"{r.name:<{width}}  {obj:>15}  {r.status:>10}  {change:>12}")
        return "\n".join(lines)

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


# -- scenarios as given -> tasks --------------------------------------------------------------


@dataclass
class _Scenario:
    name: str
    declarative: LXScenario | None = None
    function: Callable[[LXModel], Any] | None = None

    @property
    def parameters(self) -> dict[str, Any]:
        if self.declarative is not None:
            return self.declarative.parameter_values()
        return dict(getattr(self.function, "parameters", {}) or {})

    @property
    def key(self) -> str:
        if self.declarative is not None:
            if self.declarative.name == self.name:
                return self.declarative.key
            # a (name, LXScenario) pair is keyed by its own name: one LXScenario may be reused
            return hashlib.sha256(repr((self.name, self.declarative.key)).encode()).hexdigest()[:32]
        return hashlib.sha256(repr((self.name, callable_key(self.function))).encode()).hexdigest()[:32]

    @property
    def functions(self) -> tuple[Callable[[LXModel], Any], ...]:
        """Callables that change the scenario's copy of the model, in order."""
        if self.declarative is not None:
            return tuple(self.declarative.model_changes)
        return (self.function,)


def _normalize(scenarios: Any) -> list[_Scenario]:
    if isinstance(scenarios, LXScenario):
        scenarios = [scenarios]
    items = scenarios.items() if isinstance(scenarios, Mapping) else scenarios
    out = []
    for position, item in enumerate(items):
        if isinstance(item, LXScenario):
            out.append(_Scenario(item.name, declarative=item))
            continue
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            name, what = item
            if isinstance(what, LXScenario):
                out.append(_Scenario(name, declarative=what))
                continue
            if callable(what):
                out.append(_Scenario(name, function=what))
                continue
        raise TypeError(
            f"scenario #{position} is {type(item).__name__}; expected an LXScenario, a "
            "(name, fn(model)) pair, or a mapping {name: fn(model)}"
        )
    seen: set[str] = set()
    for s in out:
        if s.name in seen:
            raise ValueError(f"two scenarios are named {s.name!r}; names must be unique")
        seen.add(s.name)
    return out


# -- the call -----------------------------------------------------------------------------------


def _solver_options(optimizer: LXOptimizer | None, timeout: float | None) -> dict[str, Any]:
    options = {} if optimizer is None else optimizer.options
    if timeout is not None:
        limit = options.get("time_limit")
        options["time_limit"] = timeout if limit is None else min(limit, timeout)
    return options


def run_scenarios(
    model: LXModel,
    scenarios: Iterable[Any] | Mapping[str, Any],
    *,
    optimizer: LXOptimizer | None = None,
    n_jobs: int | None = None,
    backend: Any = None,
    progress: bool | None = None,
    store: str | Path | None = None,
    timeout: float | None = None,
    retries: int = 1,
    include_baseline: bool = True,
    keep: Keep = "summary",
    batch_size: int | None = None,
) -> ScenarioResults:
    """Solve ``scenarios`` of ``model`` in parallel and return their results in input order.

    Parameters
    ----------
    model : the ``LXModel``, possibly built from a live ORM session (compiled and detached
        here, once).
    scenarios : ``LXScenario`` objects, a mapping ``{name: fn(model)}``, or ``(name, fn)``
        pairs. A callable changes a private copy of the model (and may return a model).
    n_jobs, backend : joblib's meaning; ``backend`` is ``"loky"``, ``"threading"``,
        ``"sequential"``, ``"dask"`` or a ``dask.distributed.Client`` (``None``: joblib's
        current ``parallel_config``).
    store : a path (SQLite, WAL mode) or SQLAlchemy URL of a journal; re-running the same
        call skips the scenarios already done there.
    timeout : wall-clock seconds per scenario: on worker processes (loky) the worker is
        killed past it; in-process and on dask it bounds the solver only.
    retries : extra attempts of a scenario whose worker died.
    keep : ``"summary"``, ``"values"`` (variable values) or ``"full"`` (values, duals,
        reduced costs) in each result's ``solution``.

    Raises
    ------
    ScenarioError : before any worker starts, for a target the model does not have.
    """
    if keep not in ("summary", "values", "full"):
        raise ValueError(f"keep={keep!r} is not known; expected 'summary', 'values' or 'full'")
    if retries < 0:
        raise ValueError(f"retries={retries!r} must be >= 0")
    if not isinstance(model, LXModel):
        raise TypeError(f"run_scenarios() takes an LXModel, got {type(model).__name__}")
    specs = _normalize(scenarios)
    if include_baseline:
        if any(s.name == BASELINE for s in specs):
            raise ValueError(f"a scenario is named {BASELINE!r}; pass include_baseline=False or rename it")
        specs.insert(0, _Scenario(BASELINE, declarative=LXScenario(BASELINE)))
    name, workers, client = resolve_backend(backend, n_jobs, processes=timeout is not None)

    canon = model.to_canonical()
    resolver = Resolver(canon)
    for spec in specs:
        if spec.declarative is not None:
            resolver.check_scenario(spec.declarative)
    options = _solver_options(optimizer, timeout)
    callables = any(s.functions for s in specs)
    detached = copy.deepcopy(model) if callables else None
    payload = dumps(Payload(canon, detached, options, keep))
    run_key = hashlib.sha256(repr((canon.content_hash, sorted(options.items()), keep)).encode()).hexdigest()

    shipped = {i: dumps(s.functions) for i, s in enumerate(specs) if s.functions}  # may raise
    solver_stops_at_timeout = timeout is not None and options["time_limit"] == timeout
    journal = Journal(store) if store is not None else None
    keys = [s.key for s in specs] if journal is not None else []  # only the journal needs them
    records: dict[int, ResultRecord] = {}
    resumed = 0
    bar = None
    path = None
    interrupted = False
    try:
        if journal is not None:
            stored = journal.load(run_key, keys)
            retry = [k for k, row in stored.items() if row["status"] in RUNNER_FAILURES]
            journal.forget(run_key, retry)  # a resumed run tries failed scenarios again
            for index, key in enumerate(keys):
                if key in stored and key not in retry:
                    records[index] = record_from_row(index, stored[key])
        resumed = len(records)
        tasks = [
            ScenarioTask(
                i, s.name, s.declarative.spec if s.declarative is not None else (), shipped.get(i)
            )
            for i, s in enumerate(specs)
            if i not in records
        ]
        bar = Progress(len(specs), progress, initial=len(records))
        failed = 0

        def collect(batch: list[ResultRecord]) -> None:
            """Journal a batch, then count it as finished: an interrupt in between leaves the
            journal and the returned table agreeing (the batch is redone on resume)."""
            nonlocal failed
            fresh = []
            for rec in batch:
                if rec.index in records:
                    continue
                if solver_stops_at_timeout and rec.status == "time_limit":
                    rec.status = "timeout"
                    rec.error = f"the solver stopped at timeout={timeout}s"
                rec.attempts = max(rec.attempts, 1 + dispatcher.crashes.get(rec.index, 0))
                fresh.append(rec)
            if journal is not None:
                journal.write(run_key, [(keys[r.index], r, specs[r.index].parameters) for r in fresh])
            for rec in fresh:
                records[rec.index] = rec
            failed += sum(r.status in RUNNER_FAILURES for r in fresh)
            bar.update(len(fresh), failed)

        if name == "loky":
            fd, path = tempfile.mkstemp(prefix=f"lumix-model-{canon.content_hash[:12]}-", suffix=".pkl")
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
            ref = ModelRef(run_key, path=path, django=orm.django_bootstrap())
        else:
            ref = ModelRef(run_key, data=payload, django=orm.django_bootstrap())
        dispatcher = Dispatcher(
            ref,
            name,
            workers,
            client,
            timeout=timeout,
            retries=retries,
            batch_size=batch_size,
            on_records=collect,
        )
        start = time.perf_counter()
        try:
            dispatcher.run(tasks)
        except KeyboardInterrupt:
            interrupted = True
            warnings.warn(
                f"run_scenarios interrupted after {time.perf_counter() - start:.1f}s: "
                f"{len(records)} of {len(specs)} scenarios finished"
                + (" and journaled" if journal is not None else ""),
                stacklevel=2,
            )
    finally:
        if bar is not None:
            bar.close()
        if journal is not None:
            journal.close()
        if path is not None:
            os.unlink(path)
    results = []
    for index, spec in enumerate(specs):
        rec = records.get(index)
        if rec is None:
            rec = ResultRecord(index, spec.name, "cancelled", error="the run was interrupted first")
        results.append(
            ScenarioResult(
                rec.name,
                rec.status,
                rec.objective_value,
                rec.solve_time,
                rec.wall_time,
                rec.method,
                rec.attempts,
                rec.worker,
                rec.error,
                rec.solution,
                spec.parameters,
            )
        )
    return ScenarioResults(results, canon.sense, interrupted, resumed)
