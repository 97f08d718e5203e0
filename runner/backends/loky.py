"""``"loky"``: worker processes from joblib's reusable loky executor (the default).

A crash or a timeout never hits the caller. Results come back per batch, in completion order.
Each worker writes the scenario it is running to a small in-flight file, so that:

- a worker that dies loses only the batches in flight; they run again, and the scenario it
  was running is retried alone on a fresh worker (``retries`` times), then reported crashed;
  if several were running, each is retried alone to find the one that kills;
- a scenario over ``timeout`` has its worker killed (SIGKILL). loky then replaces every worker
  of the executor: the batches the others were running start again.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from queue import Empty
from typing import Any

from joblib.executor import get_memmapping_executor

from ..worker import ModelRef, ScenarioTask, remove_run_files, run_batch
from .base import Backend, Sink, batches

__all__ = ["LokyBackend"]

WATCH_INTERVAL = 0.05
PARENT_WATCH_INTERVAL = 0.5
EXIT_ORPHANED = 70  # a worker's exit status when its parent died


class LokyBackend(Backend):
    """Worker processes: crash isolation, timeouts that kill only the scenario's worker."""

    name = "loky"
    kills_on_timeout = True
    ships_by_file = True

    def run(self, ref: ModelRef, tasks: Iterable[ScenarioTask], sink: Sink) -> None:
        remove_stale_shared_memory()
        with tempfile.TemporaryDirectory(prefix="lumix-inflight-", ignore_cleanup_errors=True) as inflight:
            _CrashHunt(self, ref, inflight, sink).run(tasks)


_STALE_SHM = re.compile(r"^(?:sem\.loky-|joblib_memmapping_folder_)(\d+)[-_]")


def remove_stale_shared_memory(root: str = "/dev/shm") -> list[str]:
    """Remove loky's semaphores and joblib's folders in ``root`` whose owner process is gone
    (a parent killed before it could clean up); returns what was removed."""
    try:
        names = os.listdir(root)
    except OSError:
        return []
    removed = []
    for name in names:
        match = _STALE_SHM.match(name)
        if match is None or _running(int(match.group(1))):
            continue
        path = os.path.join(root, name)
        if os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(path)
        removed.append(name)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


@dataclass
class _Round:
    """What one executor run left: tasks without a result, the scenarios that were running
    when a worker died, and the crash message (``None`` when no worker crashed)."""

    lost: list[ScenarioTask]
    running: list[int]
    error: str | None
    exhausted: bool = True  # every task of the round's source was handed out


@dataclass
class _CrashHunt:
    """Runs the tasks in rounds until every one has a result, isolating crashing scenarios.

    The tasks are read lazily; a round ends when they are all done or a worker died. What a
    dead pool lost runs first in the next round, then the rest of the tasks; scenarios that
    were running when several workers died are retried alone once the rest is done.
    """

    backend: LokyBackend
    ref: ModelRef
    inflight: str
    sink: Sink
    queue: list[ScenarioTask] = field(default_factory=list)
    alone: list[ScenarioTask] = field(default_factory=list)
    blind_crashes: int = 0
    rest: Iterator[ScenarioTask] = field(default_factory=lambda: iter(()))
    more: bool = True  # tasks may be left in ``rest``

    def run(self, tasks: Iterable[ScenarioTask]) -> None:
        size = self.backend.batch_size_for(tasks, self.backend.workers)
        self.rest = iter(tasks)
        while self.more or self.queue or self.alone:
            solo = not (self.more or self.queue)
            if solo:
                source: Iterator[ScenarioTask] = iter([self.alone.pop(0)])
                workers = 1
            else:
                source, workers = itertools.chain(self.queue, self.rest), self.backend.workers
                self.queue = []
            done = _run_round(self.backend, self.ref, source, size, workers, self.inflight, self.sink)
            if not solo:
                self.more = not done.exhausted
            self._after(done, solo)

    def _after(self, done: _Round, solo: bool) -> None:
        if done.error is None:  # only timeouts: their killed workers took the others along
            self._requeue(done.lost, solo)
            return
        suspects = [i for i in done.running if i in {t.index for t in done.lost}]
        if not solo:
            self.queue = [t for t in done.lost if t.index not in suspects]
        if not suspects:  # died outside a scenario, e.g. while loading the model
            self._blind_crash(done.lost, done.error, solo)
        elif solo or len(suspects) == 1:
            self._crash(_task(done.lost, suspects[0]), done.error)
        else:  # several were running: retry each alone to find the one that kills
            self.alone.extend(_task(done.lost, i) for i in suspects)

    def _requeue(self, lost: list[ScenarioTask], solo: bool) -> None:
        if solo:
            self.alone[:0] = lost
        else:
            self.queue = lost

    def _blind_crash(self, lost: list[ScenarioTask], error: str, solo: bool) -> None:
        self.blind_crashes += 1
        if self.blind_crashes > self.backend.retries:
            error += " (before any scenario started: while loading the model or starting)"
            for task in itertools.chain(lost, self.alone, self.rest):
                self.sink.crashed(task.index, error)
            self.queue, self.alone, self.more = [], [], False
        elif solo:
            self.alone[:0] = lost

    def _crash(self, task: ScenarioTask, error: str) -> None:
        if self.sink.retry_crash(task.index):
            self.alone.append(task)
        else:
            self.sink.crashed(task.index, error)


def _task(tasks: list[ScenarioTask], index: int) -> ScenarioTask:
    return next(t for t in tasks if t.index == index)


#: Batches submitted ahead per worker: enough to keep every worker busy, few enough that a
#: sweep of millions never sits in the executor's queue.
PREFETCH = 3


def _run_round(
    backend: LokyBackend,
    ref: ModelRef,
    tasks: Iterator[ScenarioTask],
    size: int,
    workers: int,
    inflight: str,
    sink: Sink,
) -> _Round:
    """One executor run over ``tasks`` (read lazily, ``PREFETCH`` batches per worker in flight)
    until they are done or a worker died. A worker killed for a timeout is not a crash: its
    scenario is reported timed out and the others are simply returned."""
    # joblib's own factory of loky's one reusable executor: a plain loky executor left
    # behind would be picked up by the next joblib.Parallel(loky) call of the process,
    # which then fails (it lacks joblib's temporary-folder manager).
    executor = get_memmapping_executor(workers, initializer=_init_worker, initargs=(os.getpid(),))
    window = _Window(executor, ref, batches(tasks, size), inflight, workers * PREFETCH)
    watcher = _TimeoutWatcher(inflight, backend.timeout)
    try:
        done, error = window.collect(sink)
    except BaseException:
        _drain_work_ids(executor)
        executor.shutdown(wait=False, kill_workers=True)
        raise
    finally:
        watcher.stop()
    for index, (worker, wall_time) in watcher.timed_out.items():
        sink.timed_out(index, worker, wall_time)
    decided = done | set(watcher.timed_out)
    running = [i for i in _read_inflight(inflight).values() if i >= 0 and i not in decided]
    for name in os.listdir(inflight):
        os.unlink(os.path.join(inflight, name))
    lost = [t for t in window.lost if t.index not in decided]
    return _Round(lost, sorted(set(running)), None if watcher.timed_out else error, window.exhausted)


@dataclass
class _Window:
    """The batches in flight on the executor: a new one is submitted as one finishes."""

    executor: Any
    ref: ModelRef
    source: Iterator[list[ScenarioTask]]
    inflight: str
    limit: int
    open: dict[Future[Any], list[ScenarioTask]] = field(default_factory=dict)
    exhausted: bool = False
    #: A batch the executor refused because a worker had died (it never ran), and why.
    unsent: list[ScenarioTask] = field(default_factory=list)
    broken: str | None = None

    def fill(self) -> None:
        while not self.exhausted and self.broken is None and len(self.open) < self.limit:
            batch = next(self.source, None)
            if batch is None:
                self.exhausted = True
                return
            try:
                future = self.executor.submit(run_batch, self.ref, batch, self.inflight)
            except BrokenProcessPool as exc:  # a worker died since the last batch came back
                self.unsent, self.broken = batch, f"worker process died: {exc}"
                return
            self.open[future] = batch

    @property
    def lost(self) -> list[ScenarioTask]:
        """The tasks of the batches open when the round ended, and of the one not sent."""
        return [t for batch in self.open.values() for t in batch] + self.unsent

    def collect(self, sink: Sink) -> tuple[set[int], str | None]:
        """Hand finished batches to ``sink`` until all are done or the pool broke; returns the
        crash message and the indices done among the batches open when it broke (the rest of
        those batches was lost; a sweep's finished indices are never all kept here)."""
        self.fill()
        while self.open:
            finished, _ = wait(list(self.open), return_when=FIRST_COMPLETED)
            for fut in finished:
                try:
                    results = fut.result()
                except BrokenProcessPool as exc:
                    return self._harvest(sink), f"worker process died: {exc}"
                del self.open[fut]
                sink.accept(results)
            self.fill()
        return set(), self.broken

    def _harvest(self, sink: Sink) -> set[int]:
        """What finished before the pool broke."""
        done: set[int] = set()
        for fut in list(self.open):
            if not fut.cancel() and fut.done() and fut.exception() is None:
                results = fut.result()
                del self.open[fut]
                sink.accept(results)
                done.update(results.index)
        return done


class _TimeoutWatcher:
    """A thread that kills the worker of a scenario running past ``timeout``;
    ``timed_out[index] = (worker, wall_time)``."""

    def __init__(self, inflight: str, timeout: float | None) -> None:
        self.inflight = inflight
        self.timeout = timeout
        self.timed_out: dict[int, tuple[str, float]] = {}
        self._stop = threading.Event()
        self._thread = None
        if timeout is not None:
            self._thread = threading.Thread(target=self._watch, args=(timeout,), daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _watch(self, timeout: float) -> None:
        while not self._stop.wait(WATCH_INTERVAL):
            now = time.time()
            for pid, (index, started) in _read_inflight_times(self.inflight).items():
                if index < 0 or index in self.timed_out or now - started <= timeout:
                    continue
                self.timed_out[index] = (f"pid {pid}", now - started)
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


def _init_worker(parent: int) -> None:
    """Worker initializer.

    A terminal's Ctrl-C reaches the whole process group, but only the parent acts on it (it
    stops the sweep and kills the workers); a worker caught by it in loky's own code would
    print a stray traceback, so workers ignore SIGINT. And a worker whose parent died (killed
    with SIGKILL, say) removes the run's payload file and in-flight folder and exits within a
    second instead of idling on; loky's resource tracker then sees the last writer gone and
    removes what the run registered in ``/dev/shm`` (semaphores, folders).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(parent,), name="lumix-parent-watch", daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    while True:
        time.sleep(PARENT_WATCH_INTERVAL)
        if os.getppid() != parent:
            remove_run_files()
            os._exit(EXIT_ORPHANED)


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
