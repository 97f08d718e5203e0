"""Streamed sweeps: scenarios from a generator are read lazily (never all at once), checked as
they come, journaled and resumed like a list's; a parent SIGKILLed in the middle of a streamed
sweep resumes with every scenario journaled exactly once."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from lumix.analysis import LXScenario
from lumix.errors import ScenarioError
from runner import run_scenarios
from runner.collector import Collector

from .conftest import (
    Child,
    journal_count,
    journal_writers,
    production_model,
    running,
    standard_products,
    standard_resources,
    wait_for,
)

pytestmark = pytest.mark.timeout(240)

ROOT = Path(__file__).resolve().parents[2]


def factors(n: int, seed: int = 3) -> list[list[float]]:
    rng = random.Random(seed)
    return [[round(rng.uniform(0.6, 1.4), 4) for _ in range(3)] for _ in range(n)]


def scenario(k: int, row: list[float]) -> LXScenario:
    made = LXScenario(f"s{k}")
    for r, factor in enumerate(row):
        made.modify_constraint_rhs(f"capacity[r{r}]", multiply=factor)
    return made


def generated(rows: list[list[float]]) -> Iterator[LXScenario]:
    for k, row in enumerate(rows):
        yield scenario(k, row)


@pytest.fixture(scope="module")
def model():
    return production_model(standard_products(), standard_resources())


@pytest.mark.parametrize("backend", ["sequential", "loky"])
def test_a_generator_gives_the_results_of_the_same_list(model, backend) -> None:
    rows = factors(1500)
    listed = run_scenarios(model, [scenario(k, r) for k, r in enumerate(rows)], backend="sequential")
    streamed = run_scenarios(model, generated(rows), n_jobs=2, backend=backend, progress=False)
    assert list(streamed) == list(listed)  # the baseline first, then input order
    for name, result in listed.items():
        assert streamed[name].status == result.status
        assert streamed[name].objective_value == pytest.approx(result.objective_value, rel=1e-9)
        assert streamed[name].parameters == result.parameters


def test_a_generator_is_read_a_window_at_a_time(model, monkeypatch) -> None:
    """The scenarios made but not yet answered stay a few batches, however long the sweep."""
    made = [0]
    finished = [0]
    ahead = [0]

    def counting(rows):
        for k, row in enumerate(rows):
            made[0] += 1
            ahead[0] = max(ahead[0], made[0] - finished[0])
            yield scenario(k, row)

    accept = Collector.accept

    def tapping(self, batch):
        accept(self, batch)
        finished[0] = self.finished

    monkeypatch.setattr(Collector, "accept", tapping)
    n = 20_000
    results = run_scenarios(model, counting(factors(n)), n_jobs=2, backend="loky", progress=False)
    assert made[0] == n and len(results) == n + 1
    # the first 1,000 are read before the start (to see whether any changes the model by a
    # callable); then one chunk of 256 and 3 batches of 256 per worker at most are ahead
    assert ahead[0] <= 1000 + 256 + 3 * 2 * 256 + 256, ahead[0]


def test_a_bad_scenario_in_a_stream_stops_the_sweep_there(model, tmp_path) -> None:
    store = tmp_path / "journal.sqlite"

    def stream():
        yield from generated(factors(1200))
        yield "not a scenario"

    with pytest.raises(TypeError, match=r"scenario #1200 is str; expected an LXScenario"):
        run_scenarios(model, stream(), store=store, progress=False)
    assert journal_count(store) > 0  # what ran before is journaled


def test_a_repeated_name_in_a_stream_is_an_error(model) -> None:
    def stream():
        yield from generated(factors(1100))
        yield scenario(5, [1.0, 1.0, 1.0])

    with pytest.raises(ValueError, match=r"two scenarios are named 's5'; names must be unique"):
        run_scenarios(model, stream(), progress=False)


def test_an_unknown_target_in_a_stream_is_an_error(model) -> None:
    def stream():
        yield from generated(factors(1100))
        yield LXScenario("late").modify_constraint_rhs("capacity[nowhere]", multiply=2.0)

    with pytest.raises(ScenarioError, match="nowhere"):
        run_scenarios(model, stream(), progress=False)


def test_a_late_callable_in_a_declarative_stream_says_what_to_do(model) -> None:
    def stream():
        yield from generated(factors(1100))
        yield ("callable", lambda m: None)

    with pytest.raises(ValueError, match=r"scenario 'callable' \(#1101\) changes the model with a callable"):
        run_scenarios(model, stream(), progress=False)


def test_a_stream_resumes_from_its_journal(model, tmp_path) -> None:
    store = tmp_path / "journal.sqlite"
    rows = factors(900)
    first = run_scenarios(model, generated(rows[:400]), store=store, progress=False)
    assert first.resumed == 0 and len(first) == 401
    again = run_scenarios(model, generated(rows), store=store, n_jobs=2, backend="loky", progress=False)
    assert again.resumed == 401 and len(again) == 901
    fresh = run_scenarios(model, [scenario(k, r) for k, r in enumerate(rows)], progress=False)
    assert list(again) == list(fresh)
    for name, result in fresh.items():
        assert again[name].objective_value == pytest.approx(result.objective_value, rel=1e-9)
    query = "SELECT COUNT(*), COUNT(DISTINCT scenario_key) FROM lumix_scenario_results"
    with sqlite3.connect(store) as conn:
        assert conn.execute(query).fetchone() == (901, 901)


DRIVER = textwrap.dedent(
    """
    import json, random, sys
    from lumix.analysis import LXScenario
    from runner import run_scenarios
    from tests.runner.conftest import production_model, standard_products, standard_resources

    def stream(n):
        rng = random.Random(3)
        for k in range(n):
            made = LXScenario(f"s{k}")
            for r in range(3):
                made.modify_constraint_rhs(f"capacity[r{r}]", multiply=round(rng.uniform(0.6, 1.4), 4))
            yield made

    model = production_model(standard_products(), standard_resources())
    n = int(sys.argv[2])
    results = run_scenarios(model, stream(n), store=sys.argv[1], n_jobs=2, backend="loky", progress=False)
    print(json.dumps({"resumed": results.resumed, "len": len(results), "failed": len(results.failed)}))
    """
)


def test_a_parent_killed_mid_stream_resumes_with_every_scenario_once(tmp_path) -> None:
    journal, script, n = tmp_path / "journal.sqlite", tmp_path / "driver.py", 20_000
    script.write_text(DRIVER)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [sys.executable, str(script), str(journal), str(n)]
    child = Child(args, cwd=ROOT, env=env, start_new_session=True)
    try:
        wait_for(lambda: journal_count(journal) >= n // 4, "a quarter of the sweep journaled", child=child)
        writers = journal_writers(child.pid)
        assert writers, "a run of this size journals through a writer process"
        os.kill(child.pid, signal.SIGKILL)  # the parent alone: its workers exit by themselves
        child.proc.wait()
        # the writer writes what it was sent, then exits (its own session: not killed with the parent)
        wait_for(lambda: not any(map(running, writers)), "the journal writer to exit")
    finally:
        child.stop()
    committed = journal_count(journal)
    assert n // 4 <= committed <= n
    rerun = Child(args, cwd=ROOT, env=env, start_new_session=True)
    try:
        returncode, out, err = rerun.finish()
    finally:
        rerun.stop()
    assert returncode == 0, err[-3000:]
    report = json.loads(out.strip().splitlines()[-1])
    assert report == {"resumed": committed, "len": n + 1, "failed": 0}
    with sqlite3.connect(journal) as conn:
        rows, keys, names = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT scenario_key), COUNT(DISTINCT name) FROM lumix_scenario_results"
        ).fetchone()
    assert rows == keys == names == n + 1


def test_an_interrupt_inside_the_announcement_of_a_scenario_leaves_table_and_journal_agreeing(
    model, tmp_path, monkeypatch
) -> None:
    """A Ctrl-C can land between a scenario marked pending and its key kept: the table must
    still list every scenario the journal gets a row for (here: the one it hit, as cancelled)."""
    from runner import collector as collector_module

    original = collector_module._Keys.put
    hit = []

    def put(self, index, key):
        if index == 300 and not hit:
            hit.append(index)
            raise KeyboardInterrupt
        original(self, index, key)

    monkeypatch.setattr(collector_module._Keys, "put", put)
    store = tmp_path / "journal.sqlite"
    with pytest.warns(UserWarning, match="interrupted"):
        results = run_scenarios(
            model, generated(factors(600)), store=store, backend="sequential", batch_size=50, progress=False
        )
    assert hit == [300] and results.interrupted
    with sqlite3.connect(store) as conn:
        journaled = dict(conn.execute("SELECT name, status FROM lumix_scenario_results").fetchall())
    assert journaled == {name: str(r.status) for name, r in results.items()}
    assert journaled["s299"] == "cancelled" and "s300" not in journaled  # s299 is index 300
