"""Runs started at the same moment on one new journal both succeed, give the same results, and
the journal keeps one row per scenario (create-if-absent tolerates the race; SQLite waits for
its lock instead of failing with "database is locked")."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from .conftest import Child, close, wait_for

pytestmark = pytest.mark.timeout(300)

ROOT = Path(__file__).resolve().parents[2]

DRIVER = """
import json, os, sys, time
from tests.runner.conftest import production_model, standard_products, standard_resources
from lumix import LXScenario
from runner import run_scenarios

store, go, out = sys.argv[1:]
model = production_model(standard_products(), standard_resources())
model.to_canonical()
scenarios = [
    LXScenario(f"s{k}").modify_constraint_rhs("capacity", multiply=0.5 + 0.01 * k) for k in range(40)
]
print("ready", flush=True)
while not os.path.exists(go):  # both drivers start their runs at the same moment
    time.sleep(0.001)
results = run_scenarios(model, scenarios, store=store, backend="sequential", batch_size=2, progress=False)
with open(out, "w") as fh:
    json.dump({n: [str(r.status), r.objective_value] for n, r in results.items()}, fh)
"""


def _journal_rows(path: Path) -> list[tuple[str, str]]:
    import sqlite3

    with sqlite3.connect(path) as db:
        return db.execute("SELECT run_key, scenario_key FROM lumix_scenario_results").fetchall()


@pytest.mark.parametrize("pair", range(6))
def test_two_runs_started_together_on_a_new_journal(tmp_path, pair):
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    store, go = tmp_path / "journal.sqlite", tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    outs = [tmp_path / f"out{i}.json" for i in range(2)]
    children = [
        Child([sys.executable, str(script), str(store), str(go), str(out)], cwd=ROOT, env=env) for out in outs
    ]
    try:
        for child in children:
            wait_for(lambda child=child: "ready" in child.tail(), "the driver to be ready", child=child)
        go.write_text("go")
        finished = [child.finish(timeout=240) for child in children]
    finally:
        for child in children:
            child.stop()
    for returncode, _out, err in finished:
        assert returncode == 0, err[-3000:]
    first, second = (json.loads(out.read_text()) for out in outs)
    assert first.keys() == second.keys()
    for name, (_, objective) in first.items():  # warm starts may differ in the last bits
        assert close(objective, second[name][1]), name
    assert {status for status, _ in first.values()} == {"optimal"}
    rows = _journal_rows(store)
    assert len(rows) == len(first) == len(set(rows))  # one row per scenario


def _open_journal(path: str, barrier, answers) -> None:
    """Open (create) the journal at ``path`` once ``barrier`` lets every opener go."""
    from runner.journal import Journal

    barrier.wait()
    try:
        Journal(path).close()
        answers.put("ok")
    except Exception as exc:  # the answer the test reports
        answers.put(f"{type(exc).__name__}: {exc}")


def test_three_processes_creating_one_journal_at_once_all_open_it(tmp_path):
    """A new SQLite journal has two tables (results and log): a process that finds the other
    creating them must wait for both, not only the first (30 races of three)."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    failures = []
    for trial in range(30):
        barrier, answers = context.Barrier(3), context.Queue()
        path = str(tmp_path / f"journal-{trial}.sqlite")
        openers = [context.Process(target=_open_journal, args=(path, barrier, answers)) for _ in range(3)]
        for opener in openers:
            opener.start()
        got = [answers.get(timeout=120) for _ in openers]
        for opener in openers:
            opener.join(timeout=120)
        failures += [answer for answer in got if answer != "ok"]
    assert not failures, failures[:3]
