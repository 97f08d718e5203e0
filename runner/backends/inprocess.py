"""joblib's in-process backends: ``"sequential"`` and ``"threading"``.

Batches run through ``joblib.Parallel(return_as="generator_unordered")`` in this process: no
crash isolation, and ``timeout`` bounds the solver only.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import FrameType

from joblib import Parallel, delayed

from ..worker import PARENT_INTERRUPTED, ModelRef, ScenarioTask, clear_cache, run_batch
from .base import Backend, Sink, batches

__all__ = ["SequentialBackend", "ThreadingBackend"]


class _JoblibInProcess(Backend):
    in_process = True

    def run(self, ref: ModelRef, tasks: Iterable[ScenarioTask], sink: Sink) -> None:
        parallel = Parallel(n_jobs=self.workers, backend=self.name, return_as="generator_unordered")
        size = self.batch_size_for(tasks, self.workers)
        try:
            with _marking_real_interrupts():
                for results in parallel(delayed(run_batch)(ref, batch) for batch in batches(tasks, size)):
                    sink.accept(results)
        finally:
            clear_cache()


@contextmanager
def _marking_real_interrupts() -> Iterator[None]:
    """While scenarios run in this process, a real Ctrl-C (SIGINT) sets ``PARENT_INTERRUPTED``
    before raising ``KeyboardInterrupt`` as usual, so that the worker code tells it from a
    ``KeyboardInterrupt`` that a scenario raised itself (that one is the scenario's error)."""
    main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGINT) if main else None
    if not callable(previous):  # not the main thread, or SIGINT ignored / left to the OS
        yield
        return

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        PARENT_INTERRUPTED.set()
        previous(signum, frame)

    PARENT_INTERRUPTED.clear()
    signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        PARENT_INTERRUPTED.clear()


class SequentialBackend(_JoblibInProcess):
    """One batch after the other in the calling thread."""

    name = "sequential"


class ThreadingBackend(_JoblibInProcess):
    """Batches on a pool of threads of this process (each thread has its own solver)."""

    name = "threading"
