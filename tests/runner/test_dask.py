"""``backend="dask"`` against a ``distributed.LocalCluster`` with two process workers.

The cluster's scheduler runs with ``distributed.scheduler.allowed-failures = 0`` so that a task
whose worker dies fails at once with ``KilledWorker`` (the default, 3, lets a scenario that kills
its worker kill four of them per attempt, which only makes the tests slow); the runner then
splits the batch and retries each scenario alone (``retries``), so scenarios that merely shared
a dying worker still finish. The model's bytes are a task of their own, so the scheduler
recomputes them when every worker holding them has died.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time

import pytest

from lumix import LXModel
from lumix.analysis import LXScenario
from runner import run_scenarios

from .conftest import (
    close,
    journaled_names,
    production_model,
    standard_products,
    standard_resources,
    tiny_products,
    tiny_resources,
    wait_for,
)

dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def cluster():
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
        )
    yield cluster
    cluster.close()


@pytest.fixture(scope="module")
def client(cluster):
    with distributed.Client(cluster) as client:  # also the default client (get_client())
        yield client


def add_to(resource: str, amount: float):
    """A callable scenario: ``resource``'s capacity plus ``amount`` (numbers only)."""

    def scenario(model: LXModel) -> None:
        con = model.get_constraint("capacity")
        rhs = con.rhs_func
        con.rhs(lambda r: rhs(r) + amount if r.name == resource else rhs(r))

    return scenario


def slow_add(seconds: float, amount: float):
    def scenario(model: LXModel) -> None:
        time.sleep(seconds)
        add_to("assembly", amount)(model)

    return scenario


def gated_add(folder: str, free: int, seconds: float, amount: float):
    """``slow_add``, except that every scenario started after the first ``free`` (in whatever
    order dask runs them) first waits until ``folder/open`` exists: the sweep cannot end
    before the test opens that gate."""

    def scenario(model: LXModel) -> None:
        if _ticket(folder) >= free:
            deadline = time.monotonic() + 120
            while not os.path.exists(os.path.join(folder, "open")) and time.monotonic() < deadline:
                time.sleep(0.02)
        slow_add(seconds, amount)(model)

    return scenario


def _ticket(folder: str) -> int:
    """The lowest number not taken yet in ``folder``; exclusive creation makes each number
    taken once across processes."""
    number = 0
    while True:
        try:
            os.close(os.open(os.path.join(folder, f"ticket-{number}"), os.O_CREAT | os.O_EXCL))
            return number
        except FileExistsError:
            number += 1


def kill_own_worker(model: LXModel) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def standard_scenarios() -> list:
    scenarios: list = [
        LXScenario(f"r{k % 6}*{0.6 + 0.05 * k:.2f}").modify_constraint_rhs(
            f"capacity[r{k % 6}]", multiply=0.6 + 0.05 * k
        )
        for k in range(16)
    ]
    scenarios.append(LXScenario("p3<=5").modify_variable_bound("production[3]", upper=5))
    scenarios.append(LXScenario("profit p7").modify_objective_coefficient("production[7]", set_value=40))
    scenarios += [(f"r2+{a}", add_to("r2", a)) for a in (-100.0, 50.0, 250.0)]
    return scenarios


@pytest.mark.parametrize("how", ["dask", "client"])
def test_same_objectives_as_sequential(client, how):
    model = production_model(standard_products(), standard_resources())
    scenarios = standard_scenarios()
    reference = run_scenarios(model, scenarios, backend="sequential", progress=False)

    results = run_scenarios(
        model, scenarios, backend="dask" if how == "dask" else client, batch_size=3, progress=False
    )

    assert list(results) == list(reference)
    assert results.failed.empty
    workers = set()
    for name, ref in reference.items():
        got = results[name]
        assert got.status == ref.status == "optimal", (name, got.status, got.error)
        assert close(got.objective_value, ref.objective_value), (name, got.objective_value)
        assert got.method == ref.method
        workers.add(got.worker)
    assert len(workers) == 2  # both dask workers took batches (their pids)


def test_a_generator_streams_to_dask_and_its_journal(client, tmp_path):
    """A generator is read a window at a time by the dask backend too; stored results resume
    (the callable scenarios first: a run with callables keys the model by value)."""
    model = production_model(standard_products(), standard_resources())
    scenarios = standard_scenarios()
    scenarios = scenarios[-3:] + scenarios[:-3]
    reference = run_scenarios(model, scenarios, backend="sequential", progress=False)
    store = tmp_path / "journal.sqlite"

    def stream(limit):
        yield from scenarios[:limit]

    first = run_scenarios(model, stream(5), backend=client, batch_size=2, store=store, progress=False)
    assert first.resumed == 0 and len(first) == 6
    results = run_scenarios(
        model, stream(len(scenarios)), backend=client, batch_size=2, store=store, progress=False
    )
    assert results.resumed == 6 and list(results) == list(reference)
    for name, ref in reference.items():
        assert close(results[name].objective_value, ref.objective_value), name


def test_scenario_killing_its_worker_is_reported_crashed(client):
    """``boom`` kills whichever dask worker runs it (the nanny restarts it): it is retried
    alone, reported "crashed", and the other scenarios of its batch still finish."""
    model = production_model(tiny_products(), tiny_resources(), name="tiny")
    scenarios = [(f"a+{k}", add_to("assembly", k)) for k in range(4)]
    scenarios.insert(2, ("boom", kill_own_worker))

    start = time.perf_counter()
    results = run_scenarios(model, scenarios, backend=client, retries=1, batch_size=5, progress=False)

    assert time.perf_counter() - start < 90
    boom = results["boom"]
    assert boom.status == "crashed" and boom.attempts == 2
    assert "dask worker died" in boom.error
    assert results.failed["name"].tolist() == ["boom"]
    for k in range(4):  # assembly 12 + k: x1 = 2 + k -> 34 + 2k
        assert close(results[f"a+{k}"].objective_value, 34.0 + 2 * k)
    again = run_scenarios(model, [("a+1", add_to("assembly", 1))], backend=client, progress=False)
    assert close(again["a+1"].objective_value, 36.0)


def test_worker_killed_from_outside_does_not_hang(client, tmp_path):
    """A dask worker is SIGKILLed mid-sweep (as an OOM killer or a lost machine would): the
    sweep finishes with every scenario solved, each once in the journal."""
    model = production_model(tiny_products(), tiny_resources(), name="tiny")
    # The first 12 scenarios started run freely; the others wait until the worker is killed.
    scenarios = [(f"s{k}", gated_add(str(tmp_path), 12, 0.15, k % 9)) for k in range(36)]
    journal = tmp_path / "journal.db"
    pids = sorted(client.run(os.getpid).values())
    killed: list[int] = []
    problems: list[str] = []

    def kill_when_running() -> None:
        try:
            wait_for(
                lambda: len(journaled_names(journal)) >= 6,
                "6 results committed to the journal",
                timeout=90,
                seen=lambda: sorted(journaled_names(journal)),
            )
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])
        except AssertionError as exc:
            problems.append(str(exc))
        finally:
            (tmp_path / "open").touch()  # the state the held scenarios wait for: the kill done

    killer = threading.Thread(target=kill_when_running, daemon=True)
    killer.start()
    results = run_scenarios(model, scenarios, backend=client, batch_size=2, store=journal, progress=False)
    killer.join()

    assert killed, problems
    assert results.failed.empty, results.failed.to_dict("records")
    for k in range(36):
        assert close(results[f"s{k}"].objective_value, 34.0 + 2 * (k % 9))
    assert journaled_names(journal) == set(results)
