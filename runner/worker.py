"""Worker side: the cached model, in-flight bookkeeping, and one batch of scenarios.

A worker loads a shipped model once (keyed by its hash and payload) into a
``lumix.scenario.ScenarioSession``, which solves each scenario in a persistent solver and
reverts. A batch comes back as one ``ResultBatch`` (a column per field, not an object per
scenario); an exception raised by a scenario (any ``BaseException``) becomes its ``"error"``
result.
Thread-safety: the cache is per thread, so thread backends never share a solver.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from lumix import LXModel
from lumix.compile import LXCanonicalModel
from lumix.outcomes import Outcome
from lumix.scenario import Keep, ScenarioSession
from lumix.status import Status
from lumix.utils import orm
from lumix.utils.pickling import loads

from .results import ScenarioResult

__all__ = [
    "ModelRef",
    "Payload",
    "ScenarioTask",
    "ResultBatch",
    "run_batch",
    "clear_cache",
    "TaskBatch",
    "remove_run_files",
    "PARENT_INTERRUPTED",
]

MODELS_PER_WORKER = 2
#: Set while a real Ctrl-C of this process is being handled (in-process backends install the
#: handler); a ``KeyboardInterrupt`` without it was raised by a scenario's own code.
PARENT_INTERRUPTED = threading.Event()
#: Files and folders of the parent's run that this worker has used (the payload file, the
#: in-flight folder): a worker outliving its parent removes them (``remove_run_files``).
RUN_FILES: set[str] = set()


@dataclass(frozen=True)
class Payload:
    """What is shipped once per worker: the canonical model, the detached LXModel (for
    callable scenarios), solver options, what to keep of each solution, and the outcomes
    (``{name: Outcome}``, resolved in the worker's session) read from every solve."""

    canon: LXCanonicalModel
    model: LXModel | None
    solver_options: dict[str, Any]
    keep: Keep
    outcomes: dict[str, Outcome] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelRef:
    """How a task finds its model: the hash, and the serialized payload's file or bytes."""

    key: str
    path: str | None = None
    data: bytes | None = None
    django: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ScenarioTask:
    """One scenario as shipped: modification specs, or a serialized callable. ``targets``: a
    declarative design's changes without their values, the same object for every row of the
    design (``runner.plan.DesignRow``), so that a batch of them ships as one array
    (``TaskBatch``); not shipped itself."""

    index: int
    name: str
    changes: tuple[tuple[Any, ...], ...] = ()
    function: bytes | None = None
    targets: tuple[tuple[Any, ...], ...] | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # its fields as a tuple: pickling a batch of tasks costs a third of dataclass's default
        return (ScenarioTask, (self.index, self.name, self.changes, self.function))


class TaskBatch(list[ScenarioTask]):
    """The tasks of one batch. A batch of rows of one declarative design (the same ``targets``
    object, no callable) pickles as its indices, names, the targets once and the values as one
    ``n x d`` array, not as a tuple of changes per task; any other batch, task by task."""

    def __reduce__(self) -> tuple[Any, ...]:
        targets = self[0].targets if self else None
        if targets is None or not all(task.targets is targets and task.function is None for task in self):
            return (TaskBatch, (list(self),))
        values = np.array([[change[3] for change in task.changes] for task in self], dtype=float)
        return (_design_batch, ([task.index for task in self], [task.name for task in self], targets, values))


def _design_batch(
    indices: list[int], names: list[str], targets: tuple[tuple[Any, ...], ...], values: np.ndarray
) -> TaskBatch:
    """A compact ``TaskBatch`` unpickled: each task's changes are the targets with its values."""
    made = TaskBatch()
    for index, name, row in zip(indices, names, values.tolist(), strict=True):
        changes = tuple(
            (target[0], target[1], target[2], value, target[4])
            for target, value in zip(targets, row, strict=True)
        )
        made.append(ScenarioTask(index, name, changes))
    return made


#: ``ResultBatch`` columns, in order: the fields of ``ScenarioResult`` a worker reports (not those
#: the collector decides: ``attempts``, ``parameters``; ``rss`` is one per batch).
RESULT_FIELDS = tuple(
    f.name for f in fields(ScenarioResult) if f.name not in ("attempts", "parameters", "rss")
)


@dataclass
class ResultBatch:
    """The results of a batch as columns (one list per field, one entry per scenario): cheap
    to pickle and to absorb in the parent. ``rss`` is the worker's resident memory in bytes
    after the batch. Iterating gives a ``ScenarioResult`` per scenario."""

    index: list[int] = field(default_factory=list)
    name: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    objective_value: list[float | None] = field(default_factory=list)
    solve_time: list[float] = field(default_factory=list)
    wall_time: list[float] = field(default_factory=list)
    method: list[str] = field(default_factory=list)
    worker: list[str] = field(default_factory=list)
    error: list[str | None] = field(default_factory=list)
    solution: list[Any] = field(default_factory=list)
    outcomes: list[dict[str, float]] = field(default_factory=list)
    rss: int = 0

    @classmethod
    def of(cls, results: Iterable[ScenarioResult], rss: int = 0) -> ResultBatch:
        batch = cls(rss=rss)
        for result in results:
            batch.add(result)
        return batch

    def add(self, result: ScenarioResult) -> None:
        for name in RESULT_FIELDS:
            value = getattr(result, name)
            getattr(self, name).append(str(value) if name == "status" else value)

    def __len__(self) -> int:
        return len(self.index)

    def __iter__(self) -> Iterator[ScenarioResult]:
        columns = [getattr(self, name) for name in RESULT_FIELDS]
        for row in zip(*columns, strict=True):
            result = ScenarioResult(**dict(zip(RESULT_FIELDS, row, strict=True)))
            result.rss = self.rss
            yield result


_local = threading.local()


def _cache() -> OrderedDict[str, ScenarioSession]:
    cache = getattr(_local, "models", None)
    if cache is None:
        cache = _local.models = OrderedDict()
    return cache


def clear_cache() -> None:
    """Drop this thread's cached models, closing their sessions (the parent calls it after
    in-process runs: the data classes of the user's process lose the sessions' write hooks)."""
    cache = _cache()
    while cache:
        cache.popitem()[1].close()


def _load(ref: ModelRef) -> ScenarioSession:
    """The cached model of ``ref``. The cache key includes the payload file: ``ref.key`` (the
    run key: canonical model, options, ``keep``) does not cover the detached ``LXModel``, whose
    data may differ between calls with equal canonical models (or be absent in a
    declarative-only run)."""
    cache = _cache()
    key = f"{ref.key}:{ref.path}"
    loaded = cache.get(key)
    if loaded is not None:
        cache.move_to_end(key)
        return loaded
    if ref.django:
        orm.setup_django(ref.django)
    data = ref.data
    if data is None:
        assert ref.path is not None, "a ModelRef carries the payload's bytes or its file"
        RUN_FILES.add(ref.path)
        with open(ref.path, "rb") as fh:
            data = fh.read()
    payload: Payload = loads(data)
    loaded = ScenarioSession(
        payload.canon, payload.model, payload.solver_options, payload.keep, outcomes=payload.outcomes
    )
    cache[key] = loaded
    while len(cache) > MODELS_PER_WORKER:
        cache.popitem(last=False)[1].close()
    return loaded


def remove_run_files() -> None:
    """Remove the parent's run files this worker knows of (called when the parent died)."""
    for path in list(RUN_FILES):
        if os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                os.unlink(path)
            except OSError:
                pass


def _rss() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class _Inflight:
    """Tells the parent which scenario this worker runs, in a fixed-size file per process.

    Opened for one batch and closed after it: the parent removes the files between rounds,
    and a worker that outlives a round must write to the file the parent reads next.
    """

    def __init__(self, directory: str | None) -> None:
        self.fd = None
        if directory:
            self.fd = os.open(os.path.join(directory, str(os.getpid())), os.O_CREAT | os.O_WRONLY, 0o600)

    def __enter__(self) -> _Inflight:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            self.clear()
            os.close(self.fd)

    def mark(self, index: int) -> None:
        if self.fd is not None:
            os.pwrite(self.fd, f"{index:>12d} {time.time():>20.6f}\n".encode(), 0)

    def clear(self) -> None:
        if self.fd is not None:
            os.pwrite(self.fd, f"{-1:>12d} {0.0:>20.6f}\n".encode(), 0)


def run_batch(ref: ModelRef, tasks: list[ScenarioTask], inflight_dir: str | None = None) -> ResultBatch:
    """Solve ``tasks`` on this worker's copy of the model; every failure becomes a result."""
    session = _load(ref)
    if inflight_dir:
        RUN_FILES.add(inflight_dir)
    batch = ResultBatch()
    with _Inflight(inflight_dir) as inflight:
        for task in tasks:
            batch.add(_run_one(session, task, inflight))
    batch.rss = _rss()  # once per batch: reading /proc per scenario cost tens of microseconds each
    return batch


def _run_one(session: ScenarioSession, task: ScenarioTask, inflight: _Inflight) -> ScenarioResult:
    """One scenario; any exception its code raises (``SystemExit`` and ``KeyboardInterrupt``
    included) becomes an ``"error"`` result naming the scenario and the exception; a
    non-feasible outcome's reason (crossed bounds, what the solver said) becomes ``error``."""
    worker = f"pid {os.getpid()}"
    inflight.mark(task.index)
    start = time.perf_counter()
    try:
        functions = loads(task.function) if task.function is not None else ()
        outcome = session.solve(task.changes, functions, task.name)
        result = ScenarioResult(
            task.name,
            outcome.status,
            outcome.objective_value,
            outcome.solve_time,
            method=outcome.method,
            worker=worker,
            error=outcome.reason,
            solution=outcome.solution,
            outcomes=outcome.outcomes,
            index=task.index,
        )
    except BaseException as exc:  # SystemExit, KeyboardInterrupt... of user code: its error
        if isinstance(exc, KeyboardInterrupt) and PARENT_INTERRUPTED.is_set():
            raise  # a real Ctrl-C of this (the parent) process stops the sweep
        detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-4))
        error = f"{type(exc).__name__}: {exc} (in scenario {task.name!r} on {worker})\n{detail}"
        result = ScenarioResult(task.name, Status.ERROR, worker=worker, error=error, index=task.index)
    result.wall_time = time.perf_counter() - start
    return result
