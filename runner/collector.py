"""The collector: progress bar, journal writes, and the results it assembles.

``Collector`` is the one place that decides a result's final status and attempts: workers
report solver answers and their own exceptions, backends report crashes and timeouts. Every
batch is journaled (``runner.journal``) before it counts as finished.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import TYPE_CHECKING, Any

from lumix.status import Status

from .journal import Journal
from .results import ScenarioResult, ScenarioResults

if TYPE_CHECKING:
    from .plan import SweepPlan
    from .worker import ScenarioTask

__all__ = ["Progress", "Collector"]


class Progress:
    """A tqdm bar when asked for (``True``) or when stderr is a terminal (``None``)."""

    def __init__(self, total: int, enabled: bool | None, initial: int = 0) -> None:
        if enabled is None:
            enabled = sys.stderr.isatty()
        self.bar = None
        if enabled:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, initial=initial, unit="scenario", dynamic_ncols=True)

    def update(self, n: int, failed: int) -> None:
        if self.bar is not None:
            self.bar.update(n)
            if failed:
                self.bar.set_postfix(failed=failed, refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class Collector:
    """Receives what the backend reports, decides each result's final status and attempts,
    journals each batch, then counts it on the progress bar.

    Results are journaled before they count as finished: an interrupt in between leaves the
    journal and the returned table agreeing (the batch is redone on resume).
    """

    def __init__(
        self,
        plan: SweepPlan,
        journal: Journal | None,
        progress: Progress,
        retries: int,
        resumed: dict[int, ScenarioResult] | None = None,
    ) -> None:
        self.plan = plan
        self.journal = journal
        self.progress = progress
        self.retries = retries
        self.results: dict[int, ScenarioResult] = dict(resumed or {})
        self.resumed = len(self.results)
        self.crashes: Counter[int] = Counter()
        self.failed = 0

    # -- what the backend reports ---------------------------------------------------------------
    def accept(self, results: list[ScenarioResult]) -> None:
        fresh = [self._final(r) for r in results if r.index not in self.results]
        if self.journal is not None:
            keys = self.plan.keys
            self.journal.write(self.plan.run_key, [(keys[r.index], r) for r in fresh])
        for result in fresh:
            self.results[result.index] = result
        self.failed += sum(r.status.is_failure for r in fresh)
        self.progress.update(len(fresh), self.failed)

    def retry_crash(self, index: int) -> bool:
        if self.crashes[index] >= self.retries:
            return False
        self.crashes[index] += 1
        return True

    def crashed(self, index: int, error: str) -> None:
        self.accept([self._failure(index, Status.CRASHED, error)])

    def timed_out(self, index: int, worker: str, wall_time: float) -> None:
        timeout = self.plan.timeout
        error = f"scenario ran longer than timeout={timeout}s; its worker ({worker}) was stopped"
        self.accept([self._failure(index, Status.TIMEOUT, error, worker=worker, wall_time=wall_time)])

    def batch_failed(self, tasks: list[ScenarioTask], error: str) -> None:
        self.accept([self._failure(t.index, Status.ERROR, error) for t in tasks])

    # -- deciding ---------------------------------------------------------------------------
    def _failure(self, index: int, status: Status, error: str, **fields: Any) -> ScenarioResult:
        spec = self.plan.specs[index]
        parameters = spec.parameters
        return ScenarioResult(spec.name, status, error=error, parameters=parameters, index=index, **fields)

    def _final(self, result: ScenarioResult) -> ScenarioResult:
        """The result as reported, with the sweep's view: a solver stopped by its time limit
        at the scenario timeout is a ``timeout``; attempts count the crashes retried."""
        if self.plan.solver_stops_at_timeout and result.status is Status.TIME_LIMIT:
            result.status = Status.TIMEOUT
            result.error = f"the solver stopped at timeout={self.plan.timeout}s"
        result.attempts = 1 + self.crashes[result.index]
        result.parameters = self.plan.specs[result.index].parameters
        return result

    # -- the table --------------------------------------------------------------------------
    def table(self, interrupted: bool) -> ScenarioResults:
        """Every scenario's result in input order; those never finished are ``cancelled``."""
        results = [
            self.results.get(i) or self._failure(i, Status.CANCELLED, "the run was interrupted first")
            for i in range(len(self.plan.specs))
        ]
        return ScenarioResults(results, self.plan.canon.sense, interrupted, self.resumed)
