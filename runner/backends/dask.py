"""``"dask"``: a ``dask.distributed`` cluster (the default client, or the ``Client`` given).

The model's bytes are one task that every worker fetches once (not scattered data, so the
scheduler recomputes them when every worker holding them died); batches are futures, in
completion order. The scenarios of a batch whose worker died (``KilledWorker``) run again one
at a time once the rest is done, so a worker that dies then names its scenario; that one is
retried ``retries`` times, then reported crashed. ``timeout`` bounds the solver only.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

from ..errors import BackendError
from ..worker import ModelRef, ResultBatch, ScenarioTask, run_batch
from .base import Backend, Sink, batches

logger = logging.getLogger(__name__)

#: Batches submitted ahead per dask worker.
PREFETCH = 3

__all__ = ["DaskBackend", "dask_client", "dask_available", "connect"]


def dask_available() -> bool:
    """Whether ``dask.distributed`` is installed (the ``dask`` extra)."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


def connect(
    scheduler: str | None, n_workers: int, upload: Sequence[str] = ()
) -> tuple[Any, list[Callable[[], Any]]]:
    """A ``Client`` of the scheduler at ``scheduler`` (with the files ``upload`` sent to its
    workers), or of a ``LocalCluster`` of ``n_workers`` processes started here; and the
    functions that close them, in order.

    Raises ``BackendError`` when the scheduler cannot be reached.
    """
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="15s")
        except Exception as exc:  # OSError, TimeoutError, ValueError for a bad address
            raise BackendError(
                f"cannot connect to the dask scheduler {scheduler!r}: {type(exc).__name__}: {exc}"
            ) from exc
        for file in upload:
            logger.info("uploading %s to the dask workers", file)
            client.upload_file(file)
        return client, [client.close]
    logger.info("starting a dask LocalCluster of %d worker processes", n_workers)
    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=":0")
    client = Client(cluster)
    return client, [client.close, cluster.close]


def dask_client(backend: Any = None) -> Any:
    """``backend`` if it is a ``distributed.Client``, else the current default client."""
    try:
        from distributed import Client, get_client
    except ImportError:
        raise BackendError(
            "backend='dask' needs dask.distributed; install it with pip install 'lumix-runner[dask]'"
        ) from None
    if isinstance(backend, Client):
        return backend
    try:
        return get_client()
    except ValueError:
        raise BackendError(
            "backend='dask' found no dask.distributed Client; create one first "
            "(Client('tcp://scheduler:8786') or Client(LocalCluster())) or pass backend=client"
        ) from None


def is_dask_client(obj: Any) -> bool:
    try:
        from distributed import Client
    except ImportError:
        return False
    return isinstance(obj, Client)


class DaskBackend(Backend):
    """Batches as futures on a dask cluster."""

    name = "dask"

    def __init__(self, workers: int, *, client: Any = None, **options: Any) -> None:
        self.client = dask_client(client)
        super().__init__(workers, **options)

    def run(self, ref: ModelRef, tasks: Iterable[ScenarioTask], sink: Sink) -> None:
        from distributed import as_completed

        client = self.client
        data = client.submit(_shipped, ref.data, pure=False)
        ref = replace(ref, key=f"{ref.key}:{data.key}", data=None)  # one model per call
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        source = batches(tasks, self.batch_size_for(tasks, workers))
        futures: dict[Any, list[ScenarioTask]] = {}

        def submit(batch: list[ScenarioTask]) -> Any:
            fut = client.submit(_dask_batch, ref, data, batch, pure=False)
            futures[fut] = batch
            return fut

        suspects: list[ScenarioTask] = []
        try:
            running = as_completed([submit(b) for b in itertools.islice(source, workers * PREFETCH)])
            for fut in running:  # one batch in for each batch out: a window, not the whole sweep
                batch = futures.pop(fut)
                if not _report(fut, batch, sink):
                    suspects.extend(batch)
                following = next(source, None)
                if following is not None:
                    running.add(submit(following))
            self._one_by_one(suspects, ref, data, futures, sink)
        except BaseException:
            client.cancel([*futures, data])
            raise
        finally:
            data.release()

    def _one_by_one(
        self, suspects: list[ScenarioTask], ref: ModelRef, data: Any, futures: dict[Any, Any], sink: Sink
    ) -> None:
        """Run the scenarios of batches whose worker died one at a time."""
        while suspects:
            task = suspects.pop(0)
            fut = self.client.submit(_dask_batch, ref, data, [task], pure=False)
            futures[fut] = [task]
            survived = _report(fut, [task], sink)
            futures.pop(fut)
            if survived:
                continue
            if sink.retry_crash(task.index):
                suspects.append(task)
            else:
                sink.crashed(task.index, "dask worker died running it")


def _report(fut: Any, batch: list[ScenarioTask], sink: Sink) -> bool:
    """Hand a finished batch's results (or its failure) to ``sink``; False if its worker died."""
    from distributed.scheduler import KilledWorker

    try:
        results = fut.result()
    except KilledWorker:
        return False
    except Exception as exc:
        sink.batch_failed(batch, f"{type(exc).__name__}: {exc}")
        return True
    sink.accept(results)
    return True


def _shipped(data: bytes) -> bytes:
    return data


def _dask_batch(ref: ModelRef, data: bytes, batch: list[ScenarioTask]) -> ResultBatch:
    return run_batch(replace(ref, data=data), batch)
