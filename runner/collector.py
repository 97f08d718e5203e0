"""The collector: progress bar, journal writes, and the results it assembles.

``Collector`` is the one place that decides a result's final status and attempts: workers
report solver answers and their own exceptions, backends report crashes and timeouts. Every
batch is journaled (``runner.journal``) before it counts as finished.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import TYPE_CHECKING, Any

import numpy as np

from lumix.status import FAILURES, Status

from .journal import Journal, journal_values
from .plan import ScenarioKeys
from .results import ScenarioResult, ScenarioResults
from .worker import ResultBatch

if TYPE_CHECKING:
    from .plan import SweepPlan
    from .worker import ScenarioTask

__all__ = ["Progress", "Collector"]


class Progress:
    """A tqdm bar when asked for (``True``) or when stderr is a terminal (``None``)."""

    def __init__(self, total: int | None, enabled: bool | None, initial: int = 0) -> None:
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


class _Keys:
    """The scenario keys of a stored sweep in input order, 16 bytes each (the 32 hexadecimal
    characters the journal writes, as bytes): one numpy array of the sweep's size when it is
    known, else fixed chunks (no Python object per key, no growing or joining copies)."""

    CHUNK = 1 << 16

    def __init__(self, total: int | None) -> None:
        self.whole = np.empty(total, dtype="V16") if total is not None else None
        self.chunks: list[np.ndarray] = []
        self.size = 0

    def put(self, index: int, key: str) -> None:
        value = bytes.fromhex(key)
        if self.whole is not None and index < len(self.whole):
            self.whole[index] = value
        else:
            offset = index - (0 if self.whole is None else len(self.whole))
            while offset >= len(self.chunks) * self.CHUNK:
                self.chunks.append(np.empty(self.CHUNK, dtype="V16"))
            self.chunks[offset // self.CHUNK][offset % self.CHUNK] = value
        self.size = max(self.size, index + 1)

    def ordered(self) -> list[np.ndarray]:
        """The keys ``0 .. size - 1``, in the arrays they are in (never copied into one)."""
        parts = ([] if self.whole is None else [self.whole]) + self.chunks
        ordered, left = [], self.size
        for part in parts:
            ordered.append(part[: min(len(part), left)])
            left -= len(ordered[-1])
            if left <= 0:
                break
        return ordered or [np.empty(0, dtype="V16")]


class Collector:
    """Receives what the backend reports, decides each result's final status and attempts,
    journals each batch, then counts it on the progress bar.

    Without a journal the results are kept in memory; with one, each batch is written to it
    in one transaction and only the scenarios in flight are held here (their name, key and
    parameters): the results are read back from the store (``runner.stored``). Results are
    journaled before they count as finished: an interrupt in between leaves the journal and
    the returned table agreeing (the batch is redone on resume).
    """

    def __init__(self, plan: SweepPlan, journal: Journal | None, progress: Progress, retries: int) -> None:
        self.plan = plan
        self.journal = journal
        self.progress = progress
        self.retries = retries
        self.results: dict[int, ScenarioResult] = {}
        self.keys = _Keys(plan.scenarios.total) if journal is not None else None
        #: The scenarios handed out and not yet decided: index -> (name, key, parameters).
        self.pending: dict[int, tuple[str, str | None, dict[str, Any]]] = {}
        self.crashes: Counter[int] = Counter()
        self.failed = 0
        self.finished = 0
        self.resumed = 0
        self.produced = 0  # scenarios handed out or resumed so far (indices 0 .. produced - 1)

    # -- what the task stream announces ------------------------------------------------------
    def expect(self, index: int, name: str, key: str | None, parameters: dict[str, Any]) -> None:
        self.pending[index] = (name, key, parameters)
        self.produced = index + 1
        if self.keys is not None and key is not None:
            self.keys.put(index, key)

    def resume(self, index: int, key: str) -> None:
        """A scenario whose result the journal holds already."""
        assert self.keys is not None, "only a journaled sweep resumes"
        self.keys.put(index, key)
        self.produced = index + 1
        self.resumed += 1
        self.progress.update(1, self.failed)

    # -- what the backend reports ---------------------------------------------------------------
    def accept(self, batch: ResultBatch) -> None:
        """A batch of results: decided, journaled in one transaction, then counted."""
        decided = [j for j, index in enumerate(batch.index) if index in self.pending]
        if not decided:
            return
        statuses = [self._decided(batch, j) for j in decided]
        if self.journal is not None:
            self.journal.write_rows(
                [self._row(batch, j, *sd) for j, sd in zip(decided, statuses, strict=True)]
            )
        else:
            for j, sd in zip(decided, statuses, strict=True):
                self._keep(batch, j, *sd)
        failed = sum(status in FAILURES for status, _ in statuses)
        for j in decided:
            del self.pending[batch.index[j]]
        self.failed += failed
        self.finished += len(decided)
        self.progress.update(len(decided), self.failed)

    def _decided(self, batch: ResultBatch, j: int) -> tuple[str, str | None]:
        """The final status and error: a solver stopped by its time limit at the scenario
        timeout is a ``timeout``."""
        status, error = batch.status[j], batch.error[j]
        if status == Status.TIME_LIMIT and self.plan.solver_stops_at_timeout:
            return str(Status.TIMEOUT), f"the solver stopped at timeout={self.plan.timeout}s"
        return status, error

    def _fields(self, batch: ResultBatch, j: int, status: str, error: str | None) -> tuple[Any, ...]:
        """The result's fields from ``name`` to ``error``, in ``ScenarioResult``'s (and the
        journal's) order."""
        index = batch.index[j]
        return (
            self.pending[index][0],
            status,
            batch.objective_value[j],
            batch.solve_time[j],
            batch.wall_time[j],
            batch.method[j],
            1 + self.crashes[index] if self.crashes else 1,
            batch.worker[j],
            error,
        )

    def _row(self, batch: ResultBatch, j: int, status: str, error: str | None) -> tuple[Any, ...]:
        """A journal row (``runner.journal.results_table``'s column order)."""
        index = batch.index[j]
        _, key, parameters = self.pending[index]
        fields = self._fields(batch, j, status, error)
        return journal_values(
            self.plan.run_key, key, fields, parameters, batch.solution[j], batch.outcomes[j], index
        )

    def _keep(self, batch: ResultBatch, j: int, status: str, error: str | None) -> None:
        index = batch.index[j]
        name, _, objective, solve_time, wall_time, method, attempts, worker, _ = self._fields(
            batch, j, status, error
        )
        self.results[index] = ScenarioResult(
            name,
            Status(status),
            objective,
            solve_time,
            wall_time,
            method,
            attempts,
            worker,
            error,
            batch.solution[j],
            self.pending[index][2],
            batch.outcomes[j],
            index=index,
            rss=batch.rss,
        )

    def retry_crash(self, index: int) -> bool:
        if self.crashes[index] >= self.retries:
            return False
        self.crashes[index] += 1
        return True

    def crashed(self, index: int, error: str) -> None:
        self.accept(self._failure(index, Status.CRASHED, error))

    def timed_out(self, index: int, worker: str, wall_time: float) -> None:
        timeout = self.plan.timeout
        error = f"scenario ran longer than timeout={timeout}s; its worker ({worker}) was stopped"
        self.accept(self._failure(index, Status.TIMEOUT, error, worker=worker, wall_time=wall_time))

    def batch_failed(self, tasks: list[ScenarioTask], error: str) -> None:
        for task in tasks:
            self.accept(self._failure(task.index, Status.ERROR, error))

    def _failure(
        self, index: int, status: Status, error: str, worker: str = "", wall_time: float = 0.0
    ) -> ResultBatch:
        name = self.pending[index][0] if index in self.pending else ""
        result = ScenarioResult(name, status, error=error, worker=worker, wall_time=wall_time, index=index)
        return ResultBatch.of([result])

    # -- the table --------------------------------------------------------------------------
    def table(self, interrupted: bool) -> ScenarioResults:
        """Every scenario's result in input order; those never finished are ``cancelled``
        (journaled so, with a journal, and solved again on resume)."""
        self._cancel_unfinished()
        sense = self.plan.canon.sense
        if self.journal is None:
            results = [self.results[i] for i in sorted(self.results)]
            return ScenarioResults(results, sense, interrupted, self.resumed)
        from .stored import StoredResults  # (reads the store: loaded for journaled sweeps only)

        assert self.keys is not None
        return StoredResults(
            self.journal.store, self.plan.run_key, self.keys.ordered(), sense, interrupted, self.resumed
        )

    def _cancel_unfinished(self) -> None:
        """Scenarios handed out but not decided, and those of a list never handed out, become
        ``cancelled`` results."""
        head = self.plan.scenarios.head
        keys = ScenarioKeys()
        for index in range(self.produced, len(head) if self.plan.scenarios.materialized else 0):
            spec = head[index]
            self.expect(index, spec.name, keys.key(spec) if self.keys is not None else None, spec.parameters)
        for index in sorted(self.pending):
            self._announced(index)
            self.accept(self._failure(index, Status.CANCELLED, "the run was interrupted first"))

    def _announced(self, index: int) -> None:
        """Finish ``expect`` for a pending scenario (an interrupt may have stopped it after the
        scenario was marked pending): it counts as produced and its key is kept, so that the
        table lists every scenario the journal gets a row for."""
        self.produced = max(self.produced, index + 1)
        key = self.pending[index][1]
        if self.keys is not None and key is not None:
            self.keys.put(index, key)
