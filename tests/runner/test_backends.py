"""Backends: the registry, capability flags, joblib's ``n_jobs`` semantics, a user backend."""

from __future__ import annotations

import os

import pytest
from joblib import parallel_config

from lumix import LXScenario
from runner import BackendError, register_backend, run_scenarios
from runner.backends import (
    BACKEND_NAMES,
    Backend,
    LokyBackend,
    SequentialBackend,
    ThreadingBackend,
    resolve_backend,
)
from runner.worker import run_batch

from .conftest import TINY_OPTIMUM, close


def test_every_backend_declares_its_capabilities():
    assert set(BACKEND_NAMES) >= {"loky", "threading", "sequential", "dask"}
    assert LokyBackend.kills_on_timeout and LokyBackend.ships_by_file and not LokyBackend.in_process
    for cls in (SequentialBackend, ThreadingBackend):
        assert cls.in_process and not cls.kills_on_timeout and not cls.ships_by_file


def test_n_jobs_none_is_one_job_in_this_process_as_in_joblib():
    chosen = resolve_backend(None, None)
    assert isinstance(chosen, SequentialBackend) and chosen.workers == 1


def test_a_timeout_asks_for_a_worker_process():
    chosen = resolve_backend(None, None, timeout=5)
    assert isinstance(chosen, LokyBackend) and chosen.workers == 1


def test_an_enclosing_parallel_config_sets_n_jobs_of_an_explicit_backend():
    with parallel_config(n_jobs=3):
        assert resolve_backend("loky", None).workers == 3
        assert isinstance(resolve_backend(None, None), LokyBackend)
    with parallel_config(backend="threading", n_jobs=2):
        chosen = resolve_backend(None, None)
    assert isinstance(chosen, ThreadingBackend) and chosen.workers == 2
    assert resolve_backend("loky", -1).workers == os.cpu_count()


def test_an_unknown_backend_names_the_known_ones():
    with pytest.raises(BackendError, match=r"backend='lokky' is not known; expected one of \['loky'"):
        resolve_backend("lokky", 2)
    with pytest.raises(TypeError, match="Backend subclass"):
        register_backend("nope", object)  # type: ignore[arg-type]


class RecordingBackend(Backend):
    """A user backend: runs every batch in this process and remembers what it was given."""

    name = "recording"
    in_process = True
    seen: list[int] = []

    def run(self, ref, tasks, sink):
        for task in tasks:
            RecordingBackend.seen.append(task.index)
            sink.accept(run_batch(ref, [task]))


def test_a_registered_backend_runs_a_sweep(tiny_model):
    register_backend("recording", RecordingBackend)
    RecordingBackend.seen = []
    scenarios = [LXScenario("more").modify_constraint_rhs("capacity[assembly]", add=2)]
    results = run_scenarios(tiny_model, scenarios, backend="recording", progress=False)
    assert RecordingBackend.seen == [0, 1]
    assert close(results["baseline"].objective_value, TINY_OPTIMUM)
    assert close(results["more"].objective_value, TINY_OPTIMUM + 4)
    assert results["more"].worker == f"pid {os.getpid()}"


def test_a_pool_that_breaks_between_two_submissions_loses_no_batch():
    """A worker may die after a batch came back and before the next is submitted: the executor
    then refuses the submission. That batch, never run, is lost like the open ones (run again),
    not dropped, and the round ends with the crash message."""
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from runner.backends.loky import _Window
    from runner.worker import ResultBatch, ScenarioResult, ScenarioTask

    tasks = [[ScenarioTask(i, f"s{i}")] for i in range(4)]
    done, dying = Future(), Future()
    done.set_result(ResultBatch.of([ScenarioResult("s0", "optimal", 1.0, index=0)]))

    class Executor:
        submitted = 0

        def submit(self, *args):
            self.submitted += 1
            if self.submitted == 3:  # after s0's batch came back, a worker is found dead
                raise BrokenProcessPool("a worker died")
            return done if self.submitted == 1 else dying

    class Sink:
        accepted: list = []

        def accept(self, results):
            Sink.accepted.extend(results.index)
            dying.set_exception(BrokenProcessPool("a worker died"))  # the pool broke meanwhile

    window = _Window(Executor(), None, iter(tasks), "", limit=2)
    harvested, error = window.collect(Sink())
    assert Sink.accepted == [0] and harvested == set()
    assert error is not None and "worker process died" in error
    assert sorted(t.index for t in window.lost) == [1, 2]  # s1 was open, s2 never sent
    assert not window.exhausted  # s3 is still to come: the next round takes it
