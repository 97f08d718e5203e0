"""The sweep's tasks as one lazy stream: each scenario keyed, looked up in the journal (resumed
or retried), announced to the collector, then handed to the backend as a ``ScenarioTask``.

Nothing here holds more than a chunk of scenarios: a sweep of millions runs from a generator
in flat memory. Backends may pull from several threads (joblib dispatches from its callback
thread), so the stream hands out one task at a time under a lock.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from lumix.status import FAILURES

from .plan import ScenarioKeys
from .worker import ScenarioTask

if TYPE_CHECKING:
    from .collector import Collector
    from .journal import Journal
    from .plan import SweepPlan

__all__ = ["TaskStream", "CHUNK"]

#: Scenarios keyed and looked up in the journal together.
CHUNK = 256


class TaskStream:
    """The tasks still to run, in order, made lazily; ``total`` is their number at most (the
    sweep's size when known; scenarios resumed from the journal are skipped)."""

    def __init__(self, plan: SweepPlan, collector: Collector, journal: Journal | None) -> None:
        self.plan = plan
        self.collector = collector
        self.journal = journal
        self.total = plan.scenarios.total
        self.keys = ScenarioKeys() if journal is not None else None
        self.resuming = journal is not None and journal.has_run(plan.run_key)
        self._lock = threading.Lock()
        self._tasks = self._make()
        self._first: list[ScenarioTask] = []

    def __iter__(self) -> Iterator[ScenarioTask]:
        return self

    def __next__(self) -> ScenarioTask:
        with self._lock:
            if self._first:
                return self._first.pop()
            return next(self._tasks)

    def empty(self) -> bool:
        """Whether no task is left (the first one is read ahead and kept)."""
        with self._lock:
            if not self._first:
                self._first = list(itertools.islice(self._tasks, 1))
            return not self._first

    def _make(self) -> Iterator[ScenarioTask]:
        specs = self.plan.specs()
        while chunk := list(itertools.islice(specs, CHUNK)):
            changes = [spec.changes for _, spec, _ in chunk]
            keys: list[Any] = [None] * len(chunk)
            if self.keys is not None:
                keys = [self.keys.key(spec, c) for (_, spec, _), c in zip(chunk, changes, strict=True)]
            done = self._resumed(keys)
            for (index, spec, shipped), key, change in zip(chunk, keys, changes, strict=True):
                if key in done:
                    self.collector.resume(index, key)
                    continue
                self.collector.expect(index, spec.name, key, spec.parameters)
                targets = spec.design.targets if spec.design is not None else None
                yield ScenarioTask(index, spec.name, change, shipped, targets)
        if self.keys is not None:
            self.keys.warn()

    def _resumed(self, keys: list[str]) -> set[str]:
        """Those of ``keys`` the journal holds a result for that need not run again; failed
        ones are forgotten there, so that they run again."""
        if not self.resuming or self.journal is None:
            return set()
        stored = self.journal.statuses(self.plan.run_key, keys)
        retry = [key for key, status in stored.items() if status in FAILURES]
        if retry:
            self.journal.forget(self.plan.run_key, retry)
        return stored.keys() - set(retry)
