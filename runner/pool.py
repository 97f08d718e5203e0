"""Fan-out of scenario batches to workers: the only module that knows joblib, loky and dask.

Backends:
- ``"loky"`` (the default, from joblib's ``parallel_config``): worker processes from loky's
  reusable executor, so a crash or a timeout never hits the caller. As in joblib, one job
  on the default backend runs in this process instead (``"sequential"``), unless a timeout
  asks for a process that can be stopped; ``backend="loky"`` always uses processes.
  Results come back in completion order. A worker that dies loses only the batches in
  flight; they are run again, and the scenario it was running is retried alone on a fresh
  worker, then reported ``"crashed"``. A scenario over ``timeout`` has its worker killed.
  loky then replaces every worker of the executor: the batches the others were running are
  run again (a batch's results travel back when the whole batch is done).
- ``"threading"`` / ``"sequential"``: joblib ``Parallel(return_as="generator_unordered")``
  in this process (no crash isolation; ``timeout`` bounds the solver only, with a warning).
- ``"dask"``: a ``dask.distributed`` client (the default client, or the ``Client`` given);
  the model's bytes are one task that every worker fetches once (recomputed if all holders
  die), batches are futures. ``timeout`` bounds the solver only, with a warning.
"""

from __future__ import annotations

import math
import os
import shutil
import signal
import tempfile
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from queue import Empty
from typing import Any

from .worker import ModelRef, ResultRecord, ScenarioTask, clear_cache, run_batch

__all__ = ["BACKENDS", "resolve_backend", "Dispatcher"]

BACKENDS = ("loky", "threading", "sequential", "dask")
MAX_BATCH = 64
WATCH_INTERVAL = 0.05

OnRecords = Callable[[list[ResultRecord]], None]


def _dask_client(backend: Any) -> Any:
    try:
        from distributed import Client, get_client
    except ImportError:
        raise ImportError(
            "backend='dask' needs dask.distributed; install it with pip install 'lumix-runner[dask]'"
        ) from None
    if isinstance(backend, Client):
        return backend
    try:
        return get_client()
    except ValueError:
        raise ValueError(
            "backend='dask' found no dask.distributed Client; create one first "
            "(Client('tcp://scheduler:8786') or Client(LocalCluster())) or pass backend=client"
        ) from None


def resolve_backend(
    backend: Any, n_jobs: int | None, *, processes: bool = False
) -> tuple[str, int, Any]:
    """``(name, workers, dask_client)`` for the ``backend`` / ``n_jobs`` given by the user.

    As in joblib, one job on the default backend runs in this process, unless ``processes``
    asks for a worker process (to be able to stop it at a timeout).
    """
    from joblib import effective_n_jobs
    from joblib.parallel import get_active_backend

    if backend is None:
        active, active_n = get_active_backend()
        kind = type(active).__name__
        backend = {
            "ThreadingBackend": "threading",
            "SequentialBackend": "sequential",
            "DaskDistributedBackend": "dask",
        }.get(kind, "loky")
        if n_jobs is None:
            n_jobs = active_n
        one_job = effective_n_jobs(-1 if n_jobs is None else n_jobs) == 1
        if backend == "loky" and one_job and not processes:
            backend = "sequential"
    if not isinstance(backend, str):
        return "dask", 0, _dask_client(backend)
    if backend not in BACKENDS:
        raise ValueError(
            f"backend={backend!r} is not known; expected one of {list(BACKENDS)} or a dask Client"
        )
    if backend == "dask":
        return "dask", 0, _dask_client(backend)
    if backend == "sequential":
        return "sequential", 1, None
    workers = effective_n_jobs(-1 if n_jobs is None else n_jobs)
    return backend, max(1, workers), None


def _batches(tasks: list[ScenarioTask], size: int) -> Iterator[list[ScenarioTask]]:
    for start in range(0, len(tasks), size):
        yield tasks[start : start + size]


def auto_batch_size(n_tasks: int, workers: int) -> int:
    """About four batches per worker, at most ``MAX_BATCH`` scenarios each."""
    return max(1, min(MAX_BATCH, math.ceil(n_tasks / max(1, workers * 4))))


class Dispatcher:
    """Runs tasks on a backend and hands every ``ResultRecord`` to ``on_records``.

    Records reach ``on_records`` in the calling thread, batch by batch, in completion order.
    """

    def __init__(
        self,
        ref: ModelRef,
        backend: str,
        workers: int,
        client: Any = None,
        *,
        timeout: float | None = None,
        retries: int = 1,
        batch_size: int | None = None,
        on_records: OnRecords,
    ) -> None:
        self.ref = ref
        self.backend = backend
        self.workers = workers
        self.client = client
        self.timeout = timeout
        self.retries = retries
        self.batch_size = batch_size
        self.on_records = on_records
        self.crashes: Counter[int] = Counter()
        if timeout is not None and backend != "loky":
            warnings.warn(
                f"timeout={timeout} on backend {backend!r} bounds the solver only: a scenario's "
                "own Python code (a callable, a lambda it installs) is not stopped; use "
                "backend='loky' to have a scenario's worker killed at the timeout",
                RuntimeWarning,
                stacklevel=3,
            )
        self._names: dict[int, str] = {}

    def run(self, tasks: list[ScenarioTask]) -> None:
        self._names = {t.index: t.name for t in tasks}
        if not tasks:
            return
        if self.backend == "loky":
            self._run_processes(tasks)
        elif self.backend == "dask":
            self._run_dask(tasks)
        else:
            self._run_joblib(tasks)

    def _size(self, n: int, workers: int) -> int:
        return self.batch_size or auto_batch_size(n, workers)

    # -- joblib in-process backends ---------------------------------------------------------
    def _run_joblib(self, tasks: list[ScenarioTask]) -> None:
        from joblib import Parallel, delayed

        parallel = Parallel(n_jobs=self.workers, backend=self.backend, return_as="generator_unordered")
        size = self._size(len(tasks), self.workers)
        try:
            for records in parallel(delayed(run_batch)(self.ref, b) for b in _batches(tasks, size)):
                self.on_records(records)
        finally:
            clear_cache()

    # -- worker processes -------------------------------------------------------------------
    def _record_crash(self, index: int, error: str) -> ResultRecord:
        """``crashes[index]`` counts the crashes that were retried, so this was attempt
        ``crashes[index] + 1`` (the collector reports ``1 + crashes`` for every scenario)."""
        attempts = self.crashes[index] + 1
        return ResultRecord(index, self._names[index], "crashed", error=error, attempts=attempts)

    def _run_processes(self, tasks: list[ScenarioTask]) -> None:
        inflight_dir = tempfile.mkdtemp(prefix="lumix-inflight-")
        try:
            queue, alone = list(tasks), []
            blind_crashes = 0
            while queue or alone:
                solo = not queue
                batch = [alone.pop(0)] if solo else queue
                lost, running, error = self._round(batch, 1 if solo else self.workers, inflight_dir)
                by_index = {t.index: t for t in lost}
                suspects = [i for i in running if i in by_index]
                if error is None:  # only timeouts: their killed workers took the others along
                    if solo:
                        alone[:0] = lost
                    else:
                        queue = lost
                    continue
                queue = [] if solo else [t for t in lost if t.index not in suspects]
                if not suspects:  # died outside a scenario, e.g. while loading the model
                    blind_crashes += 1
                    if blind_crashes > self.retries:
                        error += " (before any scenario started: while loading the model or starting)"
                        self.on_records([self._record_crash(t.index, error) for t in lost + alone])
                        queue, alone = [], []
                    elif solo:
                        alone[:0] = lost
                    continue
                if solo or len(suspects) == 1:
                    index = suspects[0]
                    if self.crashes[index] >= self.retries:
                        self.on_records([self._record_crash(index, error)])
                    else:
                        self.crashes[index] += 1
                        alone.append(by_index[index])
                else:  # several were running: retry each alone to find the one that kills
                    alone.extend(by_index[i] for i in suspects)
        finally:
            shutil.rmtree(inflight_dir, ignore_errors=True)

    def _round(
        self, tasks: list[ScenarioTask], workers: int, inflight_dir: str
    ) -> tuple[list[ScenarioTask], list[int], str | None]:
        """One executor run: (tasks not finished, scenarios that were running when a worker
        died, the crash message). A worker killed for a timeout is not a crash: its
        scenario is recorded as ``"timeout"`` and the others are simply returned."""
        from joblib.executor import get_memmapping_executor

        # joblib's own factory of loky's one reusable executor: a plain loky executor left
        # behind would be picked up by the next joblib.Parallel(loky) call of the process,
        # which then fails (it lacks joblib's temporary-folder manager).
        executor = get_memmapping_executor(workers, initializer=_ignore_interrupts)
        size = self._size(len(tasks), workers)
        futures = [
            executor.submit(run_batch, self.ref, batch, inflight_dir) for batch in _batches(tasks, size)
        ]
        done: set[int] = set()
        timed_out: dict[int, ResultRecord] = {}
        stop = threading.Event()
        watcher = None
        if self.timeout is not None:
            watcher = threading.Thread(target=self._watch, args=(inflight_dir, stop, timed_out), daemon=True)
            watcher.start()
        error = None
        try:
            remaining = set(futures)
            while remaining and error is None:
                finished, remaining = wait(remaining, return_when=FIRST_COMPLETED)
                for fut in finished:
                    try:
                        records = fut.result()
                    except BrokenProcessPool as exc:
                        error = f"worker process died: {exc}"
                        continue
                    self.on_records(records)
                    done.update(r.index for r in records)
            for fut in remaining:  # harvest what finished before the pool broke
                if not fut.cancel() and fut.done() and fut.exception() is None:
                    records = fut.result()
                    self.on_records(records)
                    done.update(r.index for r in records)
        except BaseException:
            _drain_work_ids(executor)
            executor.shutdown(wait=False, kill_workers=True)
            raise
        finally:
            stop.set()
            if watcher is not None:
                watcher.join()
        if timed_out:
            self.on_records(list(timed_out.values()))
        decided = done | set(timed_out)
        lost = [t for t in tasks if t.index not in decided]
        running = [i for i in _read_inflight(inflight_dir).values() if i >= 0 and i not in decided]
        for name in os.listdir(inflight_dir):
            os.unlink(os.path.join(inflight_dir, name))
        if timed_out:
            error = None
        return lost, sorted(set(running)), error

    def _watch(self, inflight_dir: str, stop: threading.Event, timed_out: dict[int, ResultRecord]) -> None:
        while not stop.wait(WATCH_INTERVAL):
            now = time.time()
            for pid, (index, started) in _read_inflight_times(inflight_dir).items():
                if index < 0 or index in timed_out or now - started <= self.timeout:
                    continue
                timed_out[index] = ResultRecord(
                    index,
                    self._names.get(index, str(index)),
                    "timeout",
                    wall_time=now - started,
                    worker=f"pid {pid}",
                    error=f"scenario ran longer than timeout={self.timeout}s; its worker "
                    f"(pid {pid}) was stopped",
                )
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    # -- dask -------------------------------------------------------------------------------
    def _run_dask(self, tasks: list[ScenarioTask]) -> None:
        """Batches as futures in completion order. The model bytes are a task of their own (not
        scattered data), so the scheduler recomputes them when every worker holding them died.
        The scenarios of a batch whose worker died (``KilledWorker``) are run again one at a
        time once the rest is done, so a worker that dies then names its scenario; that one
        is retried ``retries`` times, then reported ``"crashed"``."""
        from distributed import as_completed
        from distributed.scheduler import KilledWorker

        client = self.client
        data = client.submit(_shipped, self.ref.data, pure=False)
        ref = replace(self.ref, key=f"{self.ref.key}:{data.key}", data=None)  # one model per call
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        futures = {}
        for batch in _batches(tasks, self._size(len(tasks), workers)):
            futures[client.submit(_dask_batch, ref, data, batch, pure=False)] = batch
        suspects: list[ScenarioTask] = []

        def outcome(fut: Any, batch: list[ScenarioTask]) -> list[ResultRecord] | None:
            try:
                return fut.result()
            except KilledWorker:
                return None
            except Exception as exc:
                return [
                    ResultRecord(t.index, t.name, "error", error=f"{type(exc).__name__}: {exc}")
                    for t in batch
                ]

        try:
            for fut in as_completed(list(futures)):
                batch = futures.pop(fut)
                records = outcome(fut, batch)
                if records is None:
                    suspects.extend(batch)
                else:
                    self.on_records(records)
            while suspects:
                task = suspects.pop(0)
                fut = client.submit(_dask_batch, ref, data, [task], pure=False)
                futures[fut] = [task]
                records = outcome(fut, [task])
                futures.pop(fut)
                if records is None:
                    if self.crashes[task.index] < self.retries:
                        self.crashes[task.index] += 1
                        suspects.append(task)
                        continue
                    records = [self._record_crash(task.index, "dask worker died running it")]
                self.on_records(records)
        except BaseException:
            client.cancel([*futures, data])
            raise
        finally:
            data.release()


def _ignore_interrupts() -> None:
    """Worker initializer: a terminal's Ctrl-C reaches the whole process group, but only the
    parent acts on it (it stops the sweep and kills the workers); a worker caught by it in
    loky's own code would print a stray traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _drain_work_ids(executor: Any) -> None:
    """Empty loky's queue of submitted work ids before a ``kill_workers`` shutdown: its manager
    thread otherwise looks them up after the shutdown dropped them (a ``KeyError`` traceback
    on stderr when Ctrl-C reaches the workers too)."""
    ids = getattr(executor, "_work_ids", None)
    while ids is not None:
        try:
            ids.get_nowait()
        except Empty:
            return


def _shipped(data: bytes) -> bytes:
    return data


def _dask_batch(ref: ModelRef, data: bytes, batch: list[ScenarioTask]) -> list[ResultRecord]:
    return run_batch(replace(ref, data=data), batch)


def _read_inflight_times(directory: str) -> dict[int, tuple[int, float]]:
    found = {}
    for name in os.listdir(directory):
        try:
            with open(os.path.join(directory, name), "rb") as fh:
                index, started = fh.read(34).split()
            found[int(name)] = (int(index), float(started))
        except (OSError, ValueError):
            continue
    return found


def _read_inflight(directory: str) -> dict[int, int]:
    return {pid: index for pid, (index, _) in _read_inflight_times(directory).items()}
