"""``run_scenarios()``: prepare -> dispatch -> collect.

The parent compiles the model once (under its live ORM session), checks every declarative
target against the compiled names, detaches and serializes the model once (``runner.plan``),
and a backend fans batches of small scenario tasks out to workers (``runner.backends``).
Results stream back to the collector, which decides their final status, journals them,
shows progress and assembles the table (``runner.collector``).
"""

from __future__ import annotations

import copy
import logging
import math
import numbers
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from lumix import LXModel, LXOptimizer
from lumix.outcomes import normalize_outcomes
from lumix.scenario import KEEP_VALUES, Keep

from .backends import Backend, resolve_backend
from .collector import Collector, Progress
from .journal import Journal
from .meta import SweepMeta
from .plan import SweepPlan, normalize, prepare
from .results import ScenarioResults
from .stream import TaskStream

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
    outcomes: Mapping[str, Any] | Sequence[Any] | None = None,
) -> ScenarioResults:
    """Solve ``scenarios`` of ``model`` in parallel and return their results in input order.

    Parameters
    ----------
    model : the ``LXModel``, maybe built from a live ORM session (compiled and detached here, once).
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
    outcomes : KPIs read from each solution in the worker (only they travel back), each a results
        column: ``{name: Outcome | column name | fn(solution)}`` or a list (see ``lumix.outcomes``).

    Raises
    ------
    TypeError, ValueError : before anything is compiled or started, for an argument of the wrong
        type or value, a scenario or outcome that is not one, a bad or repeated name.
    ScenarioError : before any worker starts, for a target or outcome the model does not have.
    """
    arguments = (keep, retries, n_jobs, timeout, batch_size, progress, include_baseline, optimizer, store)
    _check_arguments(model, *arguments)
    specs, named = normalize(scenarios, include_baseline), normalize_outcomes(outcomes)
    chosen = resolve_backend(backend, n_jobs, timeout=timeout, retries=retries, batch_size=batch_size)
    plan = prepare(model, specs, optimizer=optimizer, timeout=timeout, keep=keep, outcomes=named)
    journal = Journal(store) if store is not None else None
    try:
        collector = Collector(plan, journal, Progress(specs.total, progress), retries)
        interrupted = _dispatch(chosen, plan, collector, TaskStream(plan, collector, journal))
        results = collector.table(interrupted)
    finally:
        if journal is not None:
            journal.close()
    results.meta = _sweep_meta(scenarios, plan.canon.content_hash, outcome_names=plan.outcomes)
    return results


def _sweep_meta(scenarios: Any, model_hash: str, outcome_names: Iterable[str]) -> SweepMeta:
    """The results' ``meta``: a copy of the ``Sweep``'s (``SweepMeta(kind="custom")`` for other
    scenarios) with the outcome columns' names and the compiled model's content hash."""
    given = getattr(scenarios, "meta", None)
    meta = copy.deepcopy(given) if isinstance(given, SweepMeta) else SweepMeta(kind="custom")
    meta.outcomes = list(outcome_names)
    meta.model_hash = model_hash
    return meta


def _check_arguments(
    model: Any,
    keep: Any,
    retries: Any,
    n_jobs: Any,
    timeout: Any,
    batch_size: Any,
    progress: Any,
    include_baseline: Any,
    optimizer: Any,
    store: Any,
) -> None:
    """Refuse a bad argument of ``run_scenarios`` before anything starts: ``TypeError`` for
    a wrong type, ``ValueError`` for a bad value, naming the argument, its value and what is
    accepted (joblib's rules for ``n_jobs``; a bool is not an int here)."""
    if not isinstance(model, LXModel):
        raise TypeError(f"run_scenarios() takes an LXModel, got {type(model).__name__}")
    keeps = "'summary', 'values' or 'full'"
    if not isinstance(keep, str):
        raise TypeError(f"keep={keep!r} must be a str: {keeps}")
    if keep not in KEEP_VALUES:
        raise ValueError(f"keep={keep!r} is not known; expected {keeps}")
    _check_int("retries", retries, "an int >= 0", minimum=0)
    _check_int("batch_size", batch_size, "None or an int >= 1", minimum=1, optional=True)
    _check_n_jobs(n_jobs)
    _check_timeout(timeout)
    _check_others(progress, include_baseline, optimizer, store)


def _check_n_jobs(n_jobs: Any) -> None:
    """joblib's rule: a non-zero int or None."""
    accepted = "a non-zero int or None (None: 1 or parallel_config's, -1: every core, -2: all but one, ...)"
    _check_int("n_jobs", n_jobs, accepted, optional=True)
    if n_jobs == 0:
        raise ValueError(f"n_jobs=0 is not allowed; expected {accepted}")


def _check_others(progress: Any, include_baseline: Any, optimizer: Any, store: Any) -> None:
    if progress is not None and not isinstance(progress, bool):
        raise TypeError(
            f"progress={progress!r} must be True, False or None (None: a bar when stderr is a terminal)"
        )
    if not isinstance(include_baseline, bool):
        raise TypeError(f"include_baseline={include_baseline!r} must be True or False")
    if optimizer is not None and not isinstance(optimizer, LXOptimizer):
        raise TypeError(f"optimizer={optimizer!r} must be an LXOptimizer or None")
    if store is not None and not isinstance(store, str | Path):
        raise TypeError(f"store={store!r} must be None, a path or an SQLAlchemy URL (str or Path)")


def _check_int(
    name: str, value: Any, accepted: str, minimum: int | None = None, optional: bool = False
) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}={value!r} must be {accepted}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name}={value!r} must be >= {minimum}; expected {accepted}")


def _check_timeout(timeout: Any) -> None:
    accepted = "None or a positive, finite number of seconds"
    if timeout is None:
        return
    if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real):
        raise TypeError(f"timeout={timeout!r} must be {accepted}")
    if not math.isfinite(timeout) or timeout <= 0:
        raise ValueError(f"timeout={timeout!r} is out of range; expected {accepted}")


def _dispatch(backend: Backend, plan: SweepPlan, collector: Collector, tasks: TaskStream) -> bool:
    """Run the tasks not yet done on ``backend``; True if Ctrl-C stopped the sweep."""
    start = time.perf_counter()
    try:
        if not tasks.empty():  # (resumed scenarios are skipped on the way)
            with backend:
                backend.run(backend.start(plan.payload, plan.run_key), tasks, collector)
    except KeyboardInterrupt:
        done, total = collector.finished + collector.resumed, plan.scenarios.total
        journaled = " and journaled" if collector.journal is not None else ""
        warnings.warn(
            f"run_scenarios interrupted after {time.perf_counter() - start:.1f}s: "
            f"{done} of {total if total is not None else collector.produced} scenarios finished{journaled}",
            stacklevel=3,
        )
        return True
    finally:
        collector.progress.close()
    logger.debug("ran %d scenarios on %r in %.3fs", collector.finished, backend, time.perf_counter() - start)
    return False
