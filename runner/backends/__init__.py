"""Where batches of scenarios run: the backend classes and their registry, joblib style.

``register_backend(name, cls)`` adds a backend; ``resolve_backend(backend, n_jobs, ...)``
turns what the user gave (a name, a ``distributed.Client``, or ``None`` for joblib's current
``parallel_config``) into a ``Backend`` instance. This package is the only place that knows
joblib, loky and dask.
"""

from __future__ import annotations

from typing import Any

from joblib import effective_n_jobs
from joblib.parallel import BACKENDS as JOBLIB_BACKENDS
from joblib.parallel import get_active_backend

from ..errors import BackendError
from .base import Backend, Sink
from .dask import DaskBackend, is_dask_client
from .inprocess import SequentialBackend, ThreadingBackend
from .loky import LokyBackend

__all__ = [
    "Backend",
    "Sink",
    "BACKEND_NAMES",
    "register_backend",
    "resolve_backend",
    "LokyBackend",
    "SequentialBackend",
    "ThreadingBackend",
    "DaskBackend",
]

_REGISTRY: dict[str, type[Backend]] = {}


def register_backend(name: str, cls: type[Backend]) -> None:
    """Make ``cls`` available as ``run_scenarios(backend=name)``."""
    if not (isinstance(cls, type) and issubclass(cls, Backend)):
        raise TypeError(f"register_backend({name!r}, ...) takes a Backend subclass, got {cls!r}")
    _REGISTRY[name] = cls


for _cls in (LokyBackend, ThreadingBackend, SequentialBackend, DaskBackend):
    register_backend(_cls.name, _cls)

#: The names ``run_scenarios(backend=...)``, ``[run].backend`` and ``--backend`` accept.
BACKEND_NAMES = tuple(_REGISTRY)


def _active_joblib_backend() -> tuple[str, int | None]:
    """The name and ``n_jobs`` of joblib's current ``parallel_config`` (loky for a joblib
    backend that has no counterpart here)."""
    active, n_jobs = get_active_backend()
    names = [name for name, cls in JOBLIB_BACKENDS.items() if type(active) is cls]
    name = names[0] if names and names[0] in _REGISTRY else "loky"
    return name, n_jobs


def resolve_backend(
    backend: Any,
    n_jobs: int | None,
    *,
    timeout: float | None = None,
    retries: int = 1,
    batch_size: int | None = None,
) -> Backend:
    """The ``Backend`` for what the user gave, with joblib's semantics for ``n_jobs``.

    ``n_jobs=None`` means 1 unless an enclosing ``joblib.parallel_config(n_jobs=...)`` says
    otherwise; ``-1`` every core. With ``backend=None`` the backend is ``parallel_config``'s
    (loky by default), and one job on the default backend runs in this process
    (``"sequential"``) unless a ``timeout`` asks for a worker process that can be stopped.
    """
    options: dict[str, Any] = {"timeout": timeout, "retries": retries, "batch_size": batch_size}
    if is_dask_client(backend):
        return DaskBackend(0, client=backend, **options)
    if backend is None:
        backend, configured = _active_joblib_backend()
        n_jobs = configured if n_jobs is None else n_jobs
        if backend == "loky" and effective_n_jobs(n_jobs) == 1 and timeout is None:
            backend = "sequential"
    cls = _REGISTRY.get(backend) if isinstance(backend, str) else None
    if cls is None:
        raise BackendError(
            f"backend={backend!r} is not known; expected one of {list(BACKEND_NAMES)} or a dask Client"
        )
    workers = 1 if cls is SequentialBackend else max(1, effective_n_jobs(n_jobs))
    return cls(workers, **options)
