"""Worker side: the cached model, the persistent solver, and one batch of scenarios.

A worker loads a shipped model once (keyed by its hash), keeps an ``ORToolsSolver`` of it,
and for each scenario applies the change, solves and reverts. Declarative scenarios change
the solver in place; callable scenarios run on a fresh copy of the detached ``LXModel``,
which is recompiled and either diffed into the solver (``incremental``) or rebuilt.
Thread-safety: the cache is per thread, so thread backends never share a solver.
"""

from __future__ import annotations

import copy
import os
import threading
import time
import traceback
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lumix import LXModel
from lumix.analysis import ResolvedChange, Resolver, apply_changes
from lumix.compile import LXCanonicalModel
from lumix.solvers.ortools import ORToolsSolver, RawSolution, to_solution
from lumix.utils import orm
from lumix.utils.pickling import loads

__all__ = ["ModelRef", "Payload", "ScenarioTask", "ResultRecord", "run_batch", "clear_cache"]

MODELS_PER_WORKER = 2


@dataclass(frozen=True)
class Payload:
    """What is shipped once per worker: the canonical model, the detached LXModel (for
    callable scenarios), solver options and what to keep of each solution."""

    canon: LXCanonicalModel
    model: LXModel | None
    solver_options: dict[str, Any]
    keep: str


@dataclass(frozen=True)
class ModelRef:
    """How a task finds its model: the hash, and the serialized payload's file or bytes."""

    key: str
    path: str | None = None
    data: bytes | None = None
    django: dict[str, Any] | None = None


@dataclass(frozen=True)
class ScenarioTask:
    """One scenario as shipped: modification specs, or a serialized callable."""

    index: int
    name: str
    changes: tuple[tuple[Any, ...], ...] = ()
    function: bytes | None = None


@dataclass
class ResultRecord:
    """A compact result travelling back to the collector."""

    index: int
    name: str
    status: str
    objective_value: float | None = None
    solve_time: float = 0.0
    wall_time: float = 0.0
    method: str = "incremental"
    worker: str = ""
    error: str | None = None
    solution: Any = None
    rss: int = 0
    attempts: int = 1
    extra: dict[str, Any] = field(default_factory=dict)


class _Loaded:
    def __init__(self, payload: Payload) -> None:
        self.payload = payload
        self.canon = payload.canon
        self.solver = ORToolsSolver(payload.canon, **payload.solver_options)
        self.resolver = Resolver(payload.canon)
        self.values = payload.keep != "summary"

    def changes(self, specs: tuple[tuple[Any, ...], ...]) -> list[ResolvedChange]:
        return [self.resolver.resolve(spec) for spec in specs]


_local = threading.local()


def _cache() -> OrderedDict[str, _Loaded]:
    cache = getattr(_local, "models", None)
    if cache is None:
        cache = _local.models = OrderedDict()
    return cache


def clear_cache() -> None:
    """Drop this thread's cached models (the parent calls it after in-process runs)."""
    _cache().clear()


def _load(ref: ModelRef) -> _Loaded:
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
        with open(ref.path, "rb") as fh:
            data = fh.read()
    loaded = _Loaded(loads(data))
    cache[key] = loaded
    while len(cache) > MODELS_PER_WORKER:
        cache.popitem(last=False)
    return loaded


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


def _solve_declarative(loaded: _Loaded, task: ScenarioTask) -> tuple[RawSolution, str, LXCanonicalModel]:
    solver = loaded.solver
    try:
        apply_changes(solver, loaded.changes(task.changes))
        return solver.solve(loaded.values), "incremental", loaded.canon
    finally:
        solver.revert()


def _diff_into(solver: ORToolsSolver, base: LXCanonicalModel, new: LXCanonicalModel) -> bool:
    """Apply the numeric differences of ``new`` to a solver of ``base``; False if the
    structure (names, types, sparsity, sense, objective constant) differs."""
    if (
        base.col_names != new.col_names
        or base.row_names != new.row_names
        or base.sense != new.sense
        or base.objective_constant != new.objective_constant
        or not np.array_equal(base.col_integer, new.col_integer)
        or not np.array_equal(base.row_sense, new.row_sense)
        or not np.array_equal(base.row_constant, new.row_constant)
        or not np.array_equal(base.matrix.indptr, new.matrix.indptr)
        or not np.array_equal(base.matrix.indices, new.matrix.indices)
    ):
        return False
    for i in np.flatnonzero((base.row_lower != new.row_lower) | (base.row_upper != new.row_upper)):
        solver.set_row_bounds(int(i), new.row_lower[i], new.row_upper[i])
    for j in np.flatnonzero((base.col_lower != new.col_lower) | (base.col_upper != new.col_upper)):
        solver.set_col_bounds(int(j), new.col_lower[j], new.col_upper[j])
    for j in np.flatnonzero(base.objective != new.objective):
        solver.set_objective_coefficient(int(j), new.objective[j])
    changed = np.flatnonzero(base.matrix.data != new.matrix.data)
    if changed.size:
        rows = np.repeat(np.arange(base.n_rows), np.diff(base.matrix.indptr))
        for k in changed:
            solver.set_coefficient(int(rows[k]), int(base.matrix.indices[k]), new.matrix.data[k])
    return True


def _solve_callable(
    loaded: _Loaded, task: ScenarioTask
) -> tuple[RawSolution, str, LXCanonicalModel]:
    """Run the scenario's model changes on a copy, recompile, then solve with its
    declarative changes: in the persistent solver when only numbers changed, else rebuilt."""
    model = copy.deepcopy(loaded.payload.model)
    for fn in loads(task.function):
        returned = fn(model)
        if isinstance(returned, LXModel):
            model = returned
    canon = model.to_canonical()
    solver = loaded.solver
    try:
        if _diff_into(solver, loaded.canon, canon):
            apply_changes(solver, loaded.changes(task.changes))
            return solver.solve(loaded.values), "incremental", loaded.canon
    finally:
        solver.revert()
    fresh = ORToolsSolver(canon, **loaded.payload.solver_options)
    resolver = Resolver(canon)
    apply_changes(fresh, [resolver.resolve(spec) for spec in task.changes])
    return fresh.solve(loaded.values), "rebuilt", canon


def _keep(raw: RawSolution, canon: LXCanonicalModel, keep: str) -> Any:
    if keep == "summary":
        return None
    if keep == "values":
        raw = RawSolution(raw.status, raw.objective_value, raw.solve_time, x=raw.x, gap=raw.gap)
    return to_solution(canon, raw)


def run_batch(
    ref: ModelRef, tasks: list[ScenarioTask], inflight_dir: str | None = None
) -> list[ResultRecord]:
    """Solve ``tasks`` on this worker's copy of the model; every failure becomes a record."""
    loaded = _load(ref)
    with _Inflight(inflight_dir) as inflight:
        records = [_run_one(loaded, task, inflight) for task in tasks]
    rss = _rss()  # once per batch: reading /proc per scenario cost tens of microseconds each
    for record in records:
        record.rss = rss
    return records


def _run_one(loaded: _Loaded, task: ScenarioTask, inflight: _Inflight) -> ResultRecord:
    """One scenario; an exception becomes an ``"error"`` record naming the scenario."""
    worker = f"pid {os.getpid()}"
    inflight.mark(task.index)
    start = time.perf_counter()
    try:
        if task.function is not None:
            raw, method, canon = _solve_callable(loaded, task)
        else:
            raw, method, canon = _solve_declarative(loaded, task)
        record = ResultRecord(
            task.index,
            task.name,
            raw.status,
            raw.objective_value,
            raw.solve_time,
            method=method,
            worker=worker,
            solution=_keep(raw, canon, loaded.payload.keep),
        )
    except Exception as exc:
        detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-4))
        record = ResultRecord(
            task.index,
            task.name,
            "error",
            worker=worker,
            error=f"{type(exc).__name__}: {exc} (in scenario {task.name!r} on {worker})\n{detail}",
        )
    record.wall_time = time.perf_counter() - start
    return record
