"""``Backend``: where batches of scenario tasks run, with capability flags and a registry.

A backend gets the serialized model once (``start``), runs tasks and hands what happened to a
``Sink`` (the collector): result batches, crashed scenarios, scenarios stopped at the timeout.
It never decides a result's final status; the collector does.

Capabilities (class attributes), as joblib's backends declare theirs:

- ``in_process``: tasks run in this process (no crash isolation);
- ``kills_on_timeout``: a scenario past ``timeout`` has its worker killed (otherwise the
  timeout bounds the solver only, with a warning);
- ``ships_by_file``: the model travels through a temporary file that workers read once.
"""

from __future__ import annotations

import itertools
import math
import os
import tempfile
import warnings
from collections.abc import Iterable, Iterator, Sized
from typing import ClassVar, Protocol

from lumix.utils import orm

from ..worker import ModelRef, ResultBatch, ScenarioTask, TaskBatch

__all__ = ["Backend", "Sink", "batches", "planned", "auto_batch_size", "MAX_BATCH"]

MAX_BATCH = 256


class Sink(Protocol):
    """What a backend reports to (``runner.collector.Collector``)."""

    def accept(self, results: ResultBatch) -> None:
        """A batch of results from a worker (``runner.worker.run_batch``'s)."""

    def retry_crash(self, index: int) -> bool:
        """A scenario's worker died: True if it may run again, False once its retries are spent."""

    def crashed(self, index: int, error: str) -> None:
        """A scenario's worker died and it will not run again."""

    def timed_out(self, index: int, worker: str, wall_time: float) -> None:
        """A scenario ran past the timeout and its worker was killed."""

    def batch_failed(self, tasks: list[ScenarioTask], error: str) -> None:
        """A batch failed outside any scenario (e.g. it could not be shipped)."""


def auto_batch_size(n_tasks: int, workers: int) -> int:
    """About four batches per worker, at most ``MAX_BATCH`` scenarios each."""
    return max(1, min(MAX_BATCH, math.ceil(n_tasks / max(1, workers * 4))))


def batches(tasks: Iterable[ScenarioTask], size: int) -> Iterator[TaskBatch]:
    """Batches of ``size`` tasks (the last one shorter), read lazily from ``tasks``."""
    tasks = iter(tasks)
    while batch := TaskBatch(itertools.islice(tasks, size)):
        yield batch


def planned(tasks: Iterable[ScenarioTask]) -> int | None:
    """How many tasks ``tasks`` holds at most, when known (a list, or the sweep's stream)."""
    if isinstance(tasks, Sized):
        return len(tasks)
    return getattr(tasks, "total", None)


class Backend:
    """Base class of the backends; a context manager around one ``run_scenarios`` call.

    Lifecycle: ``start(payload, key)`` returns the ``ModelRef`` that tasks carry, ``run(ref,
    tasks, sink)`` runs them, ``close()`` releases what ``start`` made.
    """

    name: ClassVar[str]
    in_process: ClassVar[bool] = False
    kills_on_timeout: ClassVar[bool] = False
    ships_by_file: ClassVar[bool] = False

    def __init__(
        self,
        workers: int,
        *,
        timeout: float | None = None,
        retries: int = 1,
        batch_size: int | None = None,
    ) -> None:
        self.workers = workers
        self.timeout = timeout
        self.retries = retries
        self.batch_size = batch_size
        self._path: str | None = None
        if timeout is not None and not self.kills_on_timeout:
            warnings.warn(
                f"timeout={timeout} on backend {self.name!r} bounds the solver only: a scenario's "
                "own Python code (a callable, a lambda it installs) is not stopped; use "
                "backend='loky' to have a scenario's worker killed at the timeout",
                RuntimeWarning,
                stacklevel=4,
            )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(workers={self.workers})"

    def batch_size_for(self, tasks: Iterable[ScenarioTask], workers: int) -> int:
        """``batch_size`` if given, else about four batches per worker (at most ``MAX_BATCH``)."""
        n_tasks = planned(tasks)
        return self.batch_size or (MAX_BATCH if n_tasks is None else auto_batch_size(n_tasks, workers))

    def start(self, payload: bytes, key: str) -> ModelRef:
        """Make the serialized model available to the workers."""
        django = orm.django_bootstrap()
        if not self.ships_by_file:
            return ModelRef(key, data=payload, django=django)
        fd, self._path = tempfile.mkstemp(prefix=f"lumix-model-{key[:12]}-", suffix=".pkl")
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
        return ModelRef(key, path=self._path, django=django)

    def run(self, ref: ModelRef, tasks: Iterable[ScenarioTask], sink: Sink) -> None:
        """Run ``tasks`` (read lazily, once: a sweep may be millions of scenarios long) and
        report to ``sink``."""
        raise NotImplementedError

    def close(self) -> None:
        if self._path is not None:
            os.unlink(self._path)
            self._path = None

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
