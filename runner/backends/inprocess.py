"""joblib's in-process backends: ``"sequential"`` and ``"threading"``.

Batches run through ``joblib.Parallel(return_as="generator_unordered")`` in this process: no
crash isolation, and ``timeout`` bounds the solver only.
"""

from __future__ import annotations

from joblib import Parallel, delayed

from ..worker import ModelRef, ScenarioTask, clear_cache, run_batch
from .base import Backend, Sink, batches

__all__ = ["SequentialBackend", "ThreadingBackend"]


class _JoblibInProcess(Backend):
    in_process = True

    def run(self, ref: ModelRef, tasks: list[ScenarioTask], sink: Sink) -> None:
        parallel = Parallel(n_jobs=self.workers, backend=self.name, return_as="generator_unordered")
        size = self.batch_size_for(len(tasks), self.workers)
        try:
            for results in parallel(delayed(run_batch)(ref, batch) for batch in batches(tasks, size)):
                sink.accept(results)
        finally:
            clear_cache()


class SequentialBackend(_JoblibInProcess):
    """One batch after the other in the calling thread."""

    name = "sequential"


class ThreadingBackend(_JoblibInProcess):
    """Batches on a pool of threads of this process (each thread has its own solver)."""

    name = "threading"
