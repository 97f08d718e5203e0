"""``run_scenarios()``: prepare -> dispatch -> collect.

The parent compiles the model once (under its live ORM session), checks every declarative
target against the compiled names, detaches and serializes the model once (``runner.plan``),
and a backend fans batches of small scenario tasks out to workers (``runner.backends``).
Results stream back to the collector, which decides their final status, journals them,
shows progress and assembles the table (``runner.collector``).
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from lumix import LXModel, LXOptimizer
from lumix.scenario import KEEP_VALUES, Keep

from .backends import Backend, resolve_backend
from .collector import Collector, Journal, Progress
from .plan import SweepPlan, normalize, prepare
from .results import ScenarioResults

__all__ = ["run_scenarios"]

logger = logging.getLogger(__name__)


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
    n_jobs, backend : joblib's meaning: ``n_jobs=None`` is 1 unless an enclosing
        ``joblib.parallel_config`` says otherwise, ``-1`` every core; ``backend`` is
        ``"loky"``, ``"threading"``, ``"sequential"``, ``"dask"``, a registered name or a
        ``dask.distributed.Client`` (``None``: ``parallel_config``'s).
    progress : a tqdm bar; ``None`` shows it when stderr is a terminal.
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
    _check_arguments(model, keep, retries)
    specs = normalize(scenarios, include_baseline)
    chosen = resolve_backend(backend, n_jobs, timeout=timeout, retries=retries, batch_size=batch_size)
    plan = prepare(model, specs, optimizer=optimizer, timeout=timeout, keep=keep)
    journal = Journal(store) if store is not None else None
    try:
        resumed = plan.resume(journal) if journal is not None else {}
        collector = Collector(plan, journal, Progress(len(specs), progress, len(resumed)), retries, resumed)
        interrupted = _dispatch(chosen, plan, collector)
    finally:
        if journal is not None:
            journal.close()
    return collector.table(interrupted)


def _check_arguments(model: Any, keep: Any, retries: Any) -> None:
    if keep not in KEEP_VALUES:
        raise ValueError(f"keep={keep!r} is not known; expected 'summary', 'values' or 'full'")
    if retries < 0:
        raise ValueError(f"retries={retries!r} must be >= 0")
    if not isinstance(model, LXModel):
        raise TypeError(f"run_scenarios() takes an LXModel, got {type(model).__name__}")


def _dispatch(backend: Backend, plan: SweepPlan, collector: Collector) -> bool:
    """Run the tasks not yet done on ``backend``; True if Ctrl-C stopped the sweep."""
    tasks = plan.tasks(skip=collector.results)
    start = time.perf_counter()
    try:
        with backend:
            if tasks:
                backend.run(backend.start(plan.payload, plan.run_key), tasks, collector)
    except KeyboardInterrupt:
        done, total = len(collector.results), len(plan.specs)
        journaled = " and journaled" if collector.journal is not None else ""
        warnings.warn(
            f"run_scenarios interrupted after {time.perf_counter() - start:.1f}s: "
            f"{done} of {total} scenarios finished{journaled}",
            stacklevel=3,
        )
        return True
    finally:
        collector.progress.close()
    logger.debug("ran %d scenarios on %r in %.3fs", len(tasks), backend, time.perf_counter() - start)
    return False
