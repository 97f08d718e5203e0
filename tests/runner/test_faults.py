"""Fault isolation of the process path (loky), in the style of loky's crash tests.

A table of *stage* x *kind*: the scenario fails while its callable is unpickled in the worker,
while it changes the model, or while the worker recompiles the model it changed (a lambda it
installed); by raising, ``os._exit``, ``SIGKILL`` or a segfault (``faulthandler._sigsegv()``).
Each case asserts the failed scenario's status, message and attempts, that the scenarios around
it kept their (hand-checked) results, that the journal recorded the failure once, and that a
following ``run_scenarios`` call works. Then: a worker that dies loading the model, a scenario
over ``timeout`` (only its worker is killed, the scenarios it took along are run again), and
Ctrl-C of a subprocess running a sweep (it returns what finished; the journal has it).

The tiny instance of ``conftest.py``: baseline 34; assembly + 4 -> 42; assembly * 0.5 -> 18;
paint = 20 -> 32; x0 <= 4 -> 28.
"""

from __future__ import annotations

import faulthandler
import json
import os
import re
import signal
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from lumix import LXModel
from lumix.analysis import LXScenario
from runner import run_scenarios

from .conftest import (
    TINY_OPTIMUM,
    Child,
    close,
    journaled_names,
    production_model,
    tiny_products,
    tiny_resources,
    wait_for,
    write_atomically,
)

pytestmark = pytest.mark.timeout(120)

ROOT = Path(__file__).resolve().parents[2]
LOKY = {"backend": "loky", "n_jobs": 2, "progress": False}

GOOD = {  # name -> (scenario, objective worked out in conftest.py)
    "assembly+4": (LXScenario("assembly+4").modify_constraint_rhs("capacity[assembly]", add=4), 42.0),
    "assembly*0.5": (
        LXScenario("assembly*0.5").modify_constraint_rhs("capacity[assembly]", multiply=0.5),
        18.0,
    ),
    "paint=20": (LXScenario("paint=20").modify_constraint_rhs("capacity[paint]", set_value=20), 32.0),
    "x0<=4": (LXScenario("x0<=4").modify_variable_bound("production[0]", upper=4), 28.0),
}
EXPECTED = {"baseline": TINY_OPTIMUM, **{name: obj for name, (_, obj) in GOOD.items()}}


# -- ways to fail ---------------------------------------------------------------------------------


def explode(kind: str) -> None:
    """Fail the way ``kind`` says, in the process that calls it."""
    if kind == "exception":
        raise ValueError("the scenario blew up")
    if kind == "exit":
        os._exit(7)
    if kind == "sigkill":
        os.kill(os.getpid(), signal.SIGKILL)
    if kind == "segfault":
        faulthandler._sigsegv()
    raise AssertionError(f"unknown kind {kind!r}")


class UnpickleBomb:
    """Pickles fine; unpickling it calls ``explode(kind)``."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __reduce__(self):
        return explode, (self.kind,)


def _armed(parent: int, kind: str) -> LoadBomb:
    if os.getpid() != parent:
        explode(kind)
    return LoadBomb(parent, kind)


class LoadBomb:
    """Model data that copies fine in the parent (``deepcopy`` goes through ``__reduce__`` too)
    and explodes when a worker process unpickles the model."""

    def __init__(self, parent: int, kind: str) -> None:
        self.parent, self.kind = parent, kind

    def __reduce__(self):
        return _armed, (self.parent, self.kind)


def failing_scenario(stage: str, kind: str):
    """A callable scenario that fails at ``stage`` in the worker."""
    if stage == "unpickle":
        bomb = UnpickleBomb(kind)

        def scenario(model: LXModel) -> None:
            assert bomb is not None  # captured: unpickled with the callable

    elif stage == "modify":

        def scenario(model: LXModel) -> None:
            explode(kind)

    else:  # "compile": a lambda evaluated when the worker recompiles the changed model

        def scenario(model: LXModel) -> None:
            con = model.get_constraint("capacity")
            rhs = con.rhs_func
            con.rhs(lambda r: explode(kind) if r.name == "paint" else rhs(r))

    return scenario


def sleeper(seconds: float):
    def scenario(model: LXModel) -> None:
        time.sleep(seconds)

    return scenario


# kind -> (status, pattern in the error)
KINDS = {
    "exception": ("error", r"ValueError.*the scenario blew up"),
    "exit": ("crashed", r"worker process died.*EXIT\(7\)"),
    "sigkill": ("crashed", r"worker process died.*SIGKILL\(-9\)"),
    "segfault": ("crashed", r"worker process died.*SIGSEGV\(-11\)"),
}
STAGES = ("unpickle", "modify", "compile")


def journal_rows(path: Path) -> dict[str, tuple[str, str | None, int]]:
    """name -> (status, error, attempts); asserts each scenario was written once."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name, status, error, attempts FROM lumix_scenario_results").fetchall()
    names = [r[0] for r in rows]
    assert len(names) == len(set(names)), f"duplicated journal rows: {sorted(names)}"
    return {name: (status, error, attempts) for name, status, error, attempts in rows}


def assert_good(results, names=EXPECTED) -> None:
    for name in names:
        r = results[name]
        assert r.status == "optimal", (name, r.status, r.error)
        assert close(r.objective_value, EXPECTED[name]), (name, r.objective_value)
        assert r.attempts == 1, (name, r.attempts)


def assert_pool_works(model: LXModel) -> None:
    """A following call on the same (reusable) executor runs normally."""
    again = run_scenarios(model, [s for s, _ in GOOD.values()], **LOKY)
    assert again.failed.empty
    assert_good(again)


@pytest.fixture
def tiny() -> LXModel:
    return production_model(tiny_products(), tiny_resources(), name="tiny")


# -- the table --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("stage", STAGES)
def test_failing_scenario_is_isolated(tiny, tmp_path, stage, kind):
    """``retries=0`` here (one crash, one report); retries are tested below."""
    status, pattern = KINDS[kind]
    goods = [(name, s) for name, (s, _) in GOOD.items()]
    scenarios = [*goods[:2], ("bomb", failing_scenario(stage, kind)), *goods[2:]]
    journal = tmp_path / "journal.db"

    results = run_scenarios(tiny, scenarios, retries=0, store=journal, **LOKY)

    bomb = results["bomb"]
    assert bomb.status == status
    assert bomb.objective_value is None
    assert re.search(pattern, bomb.error or "", re.S), bomb.error
    if kind == "exception":
        assert "in scenario 'bomb'" in bomb.error  # where: the scenario and the worker
    assert bomb.attempts == 1
    assert list(results) == ["baseline", "assembly+4", "assembly*0.5", "bomb", "paint=20", "x0<=4"]
    assert results.failed["name"].tolist() == ["bomb"]
    assert_good(results)

    rows = journal_rows(journal)
    assert set(rows) == set(results)
    assert rows["bomb"] == (status, bomb.error, 1)
    assert all(rows[name][0] == "optimal" for name in EXPECTED)

    assert_pool_works(tiny)


def crash_once(marker: Path):
    """Kills its worker the first time (leaving ``marker``), succeeds the next time."""

    def scenario(model: LXModel) -> None:
        if not marker.exists():  # one worker (n_jobs=1): the retry runs after this one died
            write_atomically(marker, str(os.getpid()))
            os._exit(7)

    return scenario


def test_crash_is_retried_on_a_fresh_worker(tiny, tmp_path):
    """With one worker the culprit is known: ``flaky`` crashes once and succeeds on its retry
    (attempts 2); ``die`` crashes again and is reported "crashed" after 1 + retries attempts."""
    goods = [(name, s) for name, (s, _) in GOOD.items()]
    flaky, die = crash_once(tmp_path / "crashed"), failing_scenario("modify", "exit")
    scenarios = [goods[0], ("flaky", flaky), goods[1], ("die", die), *goods[2:]]

    results = run_scenarios(tiny, scenarios, backend="loky", n_jobs=1, retries=1, progress=False)

    assert results["flaky"].status == "optimal" and results["flaky"].attempts == 2
    assert close(results["flaky"].objective_value, TINY_OPTIMUM)
    assert results["flaky"].worker != f"pid {(tmp_path / 'crashed').read_text()}"
    assert results["die"].status == "crashed" and results["die"].attempts == 2
    assert "EXIT(7)" in results["die"].error
    assert results.failed["name"].tolist() == ["die"]
    assert_good(results)


def test_worker_dying_while_loading_the_model(tmp_path):
    """No scenario was running: every scenario of the call is "crashed" (after ``retries``), and
    the next call (with a model that loads) works."""
    products = tiny_products()
    products[0].extra = LoadBomb(os.getpid(), "exit")  # shipped with the detached LXModel
    model = production_model(products, tiny_resources(), name="tiny")
    scenarios = [("callable", sleeper(0)), *((n, s) for n, (s, _) in GOOD.items())]
    journal = tmp_path / "journal.db"

    results = run_scenarios(model, scenarios, retries=0, store=journal, **LOKY)

    assert results.failed["name"].tolist() == list(results)
    for r in results.values():
        assert r.status == "crashed"
        assert "EXIT(7)" in r.error and "before any scenario started" in r.error
    assert {s for s, _, _ in journal_rows(journal).values()} == {"crashed"}
    assert_pool_works(production_model(tiny_products(), tiny_resources(), name="tiny"))


def test_timeout_kills_only_that_worker(tiny, tmp_path):
    """``slow`` sleeps past ``timeout``: it is reported "timeout" and its worker is killed; the
    quick scenarios (some in flight on the other worker when the pool broke) all finish once."""
    quick = [(f"quick{i}", sleeper(0.2)) for i in range(12)]
    scenarios = [*quick[:5], ("slow", sleeper(60)), *quick[5:]]
    journal = tmp_path / "journal.db"

    start = time.perf_counter()
    results = run_scenarios(tiny, scenarios, timeout=1.5, store=journal, batch_size=1, **LOKY)
    elapsed = time.perf_counter() - start

    assert elapsed < 30
    slow = results["slow"]
    assert slow.status == "timeout"
    assert slow.objective_value is None
    match = re.search(r"longer than timeout=1\.5s; its worker \(pid (\d+)\) was stopped", slow.error)
    assert match, slow.error
    assert slow.wall_time >= 1.5
    with pytest.raises(ProcessLookupError):
        os.kill(int(match.group(1)), 0)
    assert results.failed["name"].tolist() == ["slow"]
    for name, _ in quick:
        assert results[name].status == "optimal" and results[name].attempts == 1, results[name]
        assert close(results[name].objective_value, TINY_OPTIMUM)
    rows = journal_rows(journal)
    assert set(rows) == set(results) and rows["slow"][0] == "timeout"
    assert_pool_works(tiny)


# -- Ctrl-C -----------------------------------------------------------------------------------------

DRIVER = """
import json, sys, time, warnings
from tests.runner.conftest import production_model, tiny_products, tiny_resources
from runner import run_scenarios

def bump(k):
    def scenario(model):
        time.sleep(0.15)
        con = model.get_constraint("capacity")
        rhs = con.rhs_func
        con.rhs(lambda r: rhs(r) + k if r.name == "assembly" else rhs(r))
    return scenario

model = production_model(tiny_products(), tiny_resources(), name="tiny")
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    results = run_scenarios(model, [(f"s{k}", bump(k)) for k in range(80)], n_jobs=2,
                            backend=sys.argv[2], store=sys.argv[1], batch_size=2, progress=False)
print(json.dumps({
    "interrupted": results.interrupted,
    "results": {n: [r.status, r.objective_value, r.worker] for n, r in results.items()},
    "warnings": [str(w.message) for w in caught],
}))
"""


@pytest.mark.parametrize(
    "target, backend", [("process", "loky"), ("group", "loky"), ("process", "sequential")]
)
def test_ctrl_c_returns_what_finished(tmp_path, target, backend):
    """SIGINT to the driver alone, or to its process group as a terminal's Ctrl-C does (then
    the workers get it too): the call returns at once with the finished results, the rest
    "cancelled", the journal holds the finished ones, and no worker is left. In process
    (sequential), the Ctrl-C mostly lands inside a scenario's own code: it still stops the
    sweep, unlike a ``KeyboardInterrupt`` that a scenario raises itself."""
    journal = tmp_path / "journal.db"
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, str(script), str(journal), backend]
    child = Child(args, cwd=ROOT, env=env, start_new_session=True)
    try:
        wait_for(
            lambda: len(journaled_names(journal)) >= 6,
            "6 results committed to the journal",
            child=child,
            seen=lambda: sorted(journaled_names(journal)),
        )
        if target == "group":
            os.killpg(child.pid, signal.SIGINT)
        else:
            os.kill(child.pid, signal.SIGINT)
        sent = time.monotonic()
        returncode, out, err = child.finish(timeout=30)
        returned = time.monotonic() - sent
    finally:
        child.stop()
    assert returned < 15, f"the interrupted call took {returned:.1f} s to return"
    assert returncode == 0, err
    assert "Traceback" not in err, err
    report = json.loads(out.strip().splitlines()[-1])
    assert report["interrupted"] is True
    results = report["results"]
    done = {n for n, (status, _, _) in results.items() if status != "cancelled"}
    assert {results[n][0] for n in done} == {"optimal"}
    assert 6 <= len(done) < len(results)
    for name in done:  # s{k}: assembly 12 + k -> 34 + 2k up to k = 8 (x1 at its bound 10)
        k = -1 if name == "baseline" else int(name[1:])
        assert close(results[name][1], 34.0 + 2 * min(max(k, 0), 8)), (name, results[name])
    assert any("interrupted" in w and "journaled" in w for w in report["warnings"]), report["warnings"]
    journaled = journaled_names(journal)  # a result is kept before its journal commit, which Ctrl-C
    assert journaled <= done and len(done - journaled) <= 2  # may cut short (one batch of 2)
    for worker in {w for _, _, w in results.values() if w}:
        with pytest.raises(ProcessLookupError):
            os.kill(int(worker.split()[1]), 0)


@pytest.mark.parametrize("backend", ["threading", "sequential"])
def test_timeout_in_process_bounds_the_solver_only(tiny, backend):
    """Documented limit: without worker processes nothing can stop a scenario's Python code;
    the call says so, and the sleeping scenario finishes."""
    with pytest.warns(RuntimeWarning, match=rf"backend '{backend}' bounds the solver only"):
        results = run_scenarios(
            tiny, [("nap", sleeper(0.3))], backend=backend, n_jobs=2, timeout=0.1, progress=False
        )
    assert results["nap"].status == "optimal" and results["nap"].wall_time >= 0.3
