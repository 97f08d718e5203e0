"""The results journal: SQLite (WAL) by path or URL, PostgreSQL by URL; resume skips what is
done and returns the same table; a parent killed with SIGKILL loses and duplicates nothing.

Whether a scenario ran is observed through a callable scenario that appends its name to a
counter file before changing the model (the file is written from whichever process solves it).
Journal rows are read back with SQLAlchemy, independently of ``runner.journal``.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from lumix import LXModel
from lumix.analysis import LXScenario
from runner import run_scenarios

from .conftest import (
    WAIT_S,
    Child,
    close,
    production_model,
    serial_objective,
    standard_products,
    standard_resources,
    tiny_products,
    tiny_resources,
    wait_for,
)

ROOT = Path(__file__).resolve().parents[2]
TABLE = "lumix_scenario_results"
LOG = "lumix_scenario_log"  # SQLite: rows of a run not yet moved into TABLE (see runner.journal)
SEQ = {"backend": "sequential", "progress": False}


def counted(counter: str, name: str, factor: float):
    """A callable scenario: records ``name`` in ``counter``, then scales assembly by ``factor``."""

    def apply(model: LXModel) -> None:
        with open(counter, "a") as fh:
            fh.write(name + "\n")
        con = model.get_constraint("capacity")
        rhs = con.rhs_func
        con.rhs(lambda r: rhs(r) * factor if r.name == "assembly" else rhs(r))

    return apply


def ran(counter: Path) -> list[str]:
    return counter.read_text().split() if counter.exists() else []


def _rows_query(conn: sa.Connection) -> str:
    """Every journaled row: the results table's, and a SQLite journal's log rows."""
    if sa.inspect(conn).has_table(LOG):
        return f"SELECT * FROM {TABLE} UNION ALL SELECT * FROM {LOG}"
    return f"SELECT * FROM {TABLE}"


def journal_rows(url: str) -> list[dict]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table(TABLE):
                return []
            return [dict(r) for r in conn.execute(sa.text(_rows_query(conn))).mappings()]
    finally:
        engine.dispose()


def tiny_sweep(counter: Path, names=("half", "third", "double")) -> list:
    # assembly 12 * f hours: half 6 -> 18; third 4 -> 12; double 24 -> both at 10 = 50
    factors = {"half": 0.5, "third": 1 / 3, "double": 2.0}
    scenarios = [
        LXScenario("plus4").modify_constraint_rhs("capacity[assembly]", add=4),
        LXScenario("paint20").modify_constraint_rhs("capacity[paint]", set_value=20),
    ]
    scenarios += [(n, counted(str(counter), n, factors[n])) for n in names]
    return scenarios


TINY_EXPECTED = {
    "baseline": 34.0,
    "plus4": 42.0,
    "paint20": 32.0,
    "half": 18.0,
    "third": 12.0,
    "double": 50.0,
}


# -- stores -------------------------------------------------------------------------------------


@pytest.fixture(params=["path", "pathlib", "sqlite-url", "postgresql"])
def store(request, tmp_path):
    """(what to pass as ``store=``, the SQLAlchemy URL to read it back with)."""
    db = tmp_path / "journal.db"
    if request.param == "path":
        return str(db), f"sqlite:///{db}"
    if request.param == "pathlib":
        return db, f"sqlite:///{db}"
    if request.param == "sqlite-url":
        return f"sqlite:///{db}", f"sqlite:///{db}"
    url = request.getfixturevalue("pg_store")
    return url, url


def test_resume_skips_done_scenarios_and_returns_the_same_table(tiny_model, tmp_path, store):
    given, url = store
    counter = tmp_path / "ran.txt"
    first = run_scenarios(tiny_model, tiny_sweep(counter), store=given, **SEQ)

    assert sorted(ran(counter)) == ["double", "half", "third"]
    assert {n: r.objective_value for n, r in first.items()} == pytest.approx(TINY_EXPECTED, rel=1e-9)
    rows = journal_rows(url)
    assert sorted(r["name"] for r in rows) == sorted(TINY_EXPECTED)
    assert len({r["run_key"] for r in rows}) == 1
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    second = run_scenarios(tiny_model, tiny_sweep(counter), store=given, **SEQ)

    assert sorted(ran(counter)) == ["double", "half", "third"]  # nothing ran again
    pd.testing.assert_frame_equal(second.to_dataframe(), first.to_dataframe())
    assert list(second) == list(first)
    assert len(journal_rows(url)) == len(TINY_EXPECTED)


def test_resume_runs_only_what_is_missing(tiny_model, tmp_path):
    db = tmp_path / "journal.db"
    counter = tmp_path / "ran.txt"
    run_scenarios(tiny_model, tiny_sweep(counter, names=("half",)), store=db, **SEQ)
    assert ran(counter) == ["half"]

    results = run_scenarios(tiny_model, tiny_sweep(counter), store=db, **SEQ)
    assert sorted(ran(counter)) == ["double", "half", "third"]  # half once, the others once
    assert {n: r.objective_value for n, r in results.items()} == pytest.approx(TINY_EXPECTED, rel=1e-9)
    assert list(results) == list(TINY_EXPECTED)
    assert len(journal_rows(f"sqlite:///{db}")) == len(TINY_EXPECTED)


def test_a_changed_model_or_keep_is_not_resumed(tiny_model, tmp_path):
    db = tmp_path / "journal.db"
    counter = tmp_path / "ran.txt"
    run_scenarios(tiny_model, tiny_sweep(counter, names=("half",)), store=db, **SEQ)

    products = tiny_products()
    products[1].profit = 2.5  # chairs earn more: a different model, so a different run
    changed = production_model(products, tiny_resources(), name="tiny")
    results = run_scenarios(changed, tiny_sweep(counter, names=("half",)), store=db, **SEQ)
    assert ran(counter) == ["half", "half"]
    assert close(results["baseline"].objective_value, 35.0)  # 30 + 2.5 * 2

    values = run_scenarios(tiny_model, tiny_sweep(counter, names=("half",)), store=db, keep="values", **SEQ)
    assert ran(counter) == ["half", "half", "half"]  # keep is part of the run key
    rows = journal_rows(f"sqlite:///{db}")
    assert len({r["run_key"] for r in rows}) == 3 and len(rows) == 3 * 4

    again = run_scenarios(tiny_model, tiny_sweep(counter, names=("half",)), store=db, keep="values", **SEQ)
    assert ran(counter) == ["half", "half", "half"]
    for name in again:  # the kept solutions come back from the journal
        assert again[name].solution.variables == values[name].solution.variables


def test_a_changed_callable_is_not_resumed(tiny_model, tmp_path):
    db = tmp_path / "journal.db"
    counter = tmp_path / "ran.txt"
    run_scenarios(tiny_model, [("s", counted(str(counter), "a", 0.5))], store=db, **SEQ)
    # same scenario name, different captured factor: a different scenario
    results = run_scenarios(tiny_model, [("s", counted(str(counter), "b", 2.0))], store=db, **SEQ)
    assert ran(counter) == ["a", "b"]
    assert close(results["s"].objective_value, 50.0)


def test_one_scenario_object_under_two_names(tiny_model, tmp_path):
    """``(name, LXScenario)`` pairs are keyed by their own name, so reusing one LXScenario
    under two names journals two rows and returns two results."""
    db = tmp_path / "journal.db"
    shared = LXScenario("shared").modify_constraint_rhs("capacity[assembly]", add=4)
    scenarios = [("first", shared), ("second", shared)]
    for _ in range(2):  # a fresh run, then a resumed one
        results = run_scenarios(tiny_model, scenarios, store=db, include_baseline=False, **SEQ)
        assert list(results) == ["first", "second"]
        assert [r.name for r in results.values()] == ["first", "second"]
        assert all(close(r.objective_value, 42.0) for r in results.values())
        assert sorted(r["name"] for r in journal_rows(f"sqlite:///{db}")) == ["first", "second"]


def test_failures_are_journaled_with_their_error(tiny_model, tmp_path):
    db = tmp_path / "journal.db"

    def broken(model: LXModel) -> None:
        raise RuntimeError("supplier table is empty")

    results = run_scenarios(tiny_model, {"broken": broken}, store=db, **SEQ)
    assert results["broken"].status == "error"
    row = next(r for r in journal_rows(f"sqlite:///{db}") if r["name"] == "broken")
    assert row["status"] == "error" and row["objective_value"] is None
    assert "RuntimeError: supplier table is empty" in row["error"]


def test_journal_with_loky_workers(standard_model, tmp_path):
    db = tmp_path / "journal.db"
    scenarios = [
        LXScenario(f"cap{k}").modify_constraint_rhs("capacity", multiply=0.5 + k / 20) for k in range(20)
    ]
    first = run_scenarios(
        standard_model, scenarios, store=db, backend="loky", n_jobs=2, batch_size=3, progress=False
    )
    rows = journal_rows(f"sqlite:///{db}")
    assert len(rows) == 21 and len({r["scenario_key"] for r in rows}) == 21
    second = run_scenarios(standard_model, scenarios, store=db, backend="loky", n_jobs=2, progress=False)
    pd.testing.assert_frame_equal(second.to_dataframe(), first.to_dataframe())


# -- separate processes -------------------------------------------------------------------------

SWEEP_SCRIPT = textwrap.dedent(
    """
    import json, os, sys, time
    from runner import run_scenarios
    from tests.runner.conftest import production_model, standard_products, standard_resources

    store, counter, out, n, sleep, backend, hold = sys.argv[1:]
    n, sleep = int(n), float(sleep)
    # The test's instruments (the counter file, the scenarios held) differ between the killed
    # and the resumed run; the scenarios read them from the environment, so that they are not
    # part of what the journal keys by value: the resumed call is the same call.
    os.environ["SWEEP_COUNTER"], os.environ["SWEEP_HOLD"] = counter, hold

    def scaled(name, factor):
        def apply(model):
            time.sleep(sleep)
            if int(name[1:]) >= int(os.environ["SWEEP_HOLD"]):  # running when the parent is killed
                time.sleep(3600)
            with open(os.environ["SWEEP_COUNTER"], "a") as fh:
                fh.write(name + "\\n")
            con = model.get_constraint("capacity")
            rhs = con.rhs_func
            con.rhs(lambda r: rhs(r) * factor)
        return apply

    model = production_model(standard_products(), standard_resources())
    scenarios = {f"s{i:02d}": scaled(f"s{i:02d}", round(0.6 + 0.02 * i, 4)) for i in range(n)}
    results = run_scenarios(
        model, scenarios, backend=backend, n_jobs=2, batch_size=2, store=store, progress=False
    )
    with open(out, "w") as fh:
        json.dump({k: [r.status, r.objective_value] for k, r in results.items()}, fh)
    """
)


def _factor(name: str) -> float:
    return round(0.6 + 0.02 * int(name[1:]), 4)


def _script(tmp_path: Path) -> Path:
    path = tmp_path / "sweep.py"
    path.write_text(SWEEP_SCRIPT)
    return path


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _args(
    script: Path,
    store: str,
    counter: Path,
    out: Path,
    n: int,
    sleep: float,
    backend: str,
    hold: int | None = None,
) -> list[str]:
    """``hold``: scenarios ``s<hold>`` on never finish (the sweep is surely mid-run when killed)."""
    hold = n if hold is None else hold
    args = [str(script), store, str(counter), str(out), str(n), str(sleep), backend, str(hold)]
    return [sys.executable, *args]


def _run(args: list[str]) -> None:
    proc = subprocess.run(args, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]


def _reference(n: int) -> dict[str, float]:
    model = production_model(standard_products(), standard_resources())
    found = {"baseline": serial_objective(model)}
    for i in range(n):
        factor = _factor(f"s{i:02d}")

        def scale(m, factor=factor):
            con = m.get_constraint("capacity")
            rhs = con.rhs_func
            con.rhs(lambda r: rhs(r) * factor)

        found[f"s{i:02d}"] = serial_objective(model, scale)
    return found


KEY_SCRIPT = textwrap.dedent(
    """
    from lumix.analysis import LXScenario
    from tests.runner.test_journal import counted

    print(LXScenario("s").modify_model(counted("ran.txt", "s", 0.5)).key)
    """
)


def test_scenario_keys_are_stable_across_processes():
    """A callable holding nested code (a lambda, a comprehension) keys the same in a new
    process, so a resumed sweep recognises it (its code's repr would carry an address)."""
    scenario = LXScenario("s").modify_model(counted("ran.txt", "s", 0.5))
    proc = subprocess.run(
        [sys.executable, "-c", KEY_SCRIPT], cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == scenario.key
    other = LXScenario("s").modify_model(counted("ran.txt", "s", 2.0))
    assert other.key != scenario.key  # the captured factor is part of the key


def _count(engine: sa.Engine) -> int:
    """Rows journaled so far; 0 while the journal or its table does not exist yet, or is busy."""
    database = engine.url.database
    if engine.dialect.name == "sqlite" and not Path(database).exists():
        return 0  # connecting would create the file before the sweep does
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table(TABLE):
                return 0
            query = f"SELECT count(*) FROM ({_rows_query(conn)}) AS journaled"
            return conn.execute(sa.text(query)).scalar_one()
    except sa.exc.OperationalError:  # e.g. "database is locked" while the sweep sets it up
        return 0


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_parent_killed_with_sigkill_then_resumed(tmp_path, request, backend):
    n, sleep, hold = 24, 0.05, 12
    script = _script(tmp_path)
    if backend == "sqlite":
        store = url = f"sqlite:///{tmp_path / 'journal.db'}"
    else:
        store = url = request.getfixturevalue("pg_store")
    killed_counter, resumed_counter = tmp_path / "ran-killed.txt", tmp_path / "ran-resumed.txt"

    child = Child(
        _args(script, store, killed_counter, tmp_path / "never.json", n, sleep, "loky", hold),
        cwd=ROOT,
        env=_env(),
        start_new_session=True,  # its loky workers share its process group, cleaned up below
    )
    engine = sa.create_engine(url)
    try:
        wait_for(
            lambda: _count(engine) > 5,
            "more than 5 rows committed to the journal",
            child=child,
            seen=lambda: f"{_count(engine)} rows",
        )
        os.kill(child.pid, signal.SIGKILL)
        assert child.proc.wait(timeout=WAIT_S) == -signal.SIGKILL
    finally:
        child.stop()  # and the orphaned workers of the killed parent (its process group)
        engine.dispose()

    before = {r["name"]: r for r in journal_rows(url)}
    # baseline and s00..s<hold - 1> at most: the held scenarios were still running
    assert 5 < len(before) <= hold + 1, "the parent was not killed mid-run"
    assert not (tmp_path / "never.json").exists()

    out = tmp_path / "resumed.json"
    # resumed in-process (sequential): the journal does not depend on the backend
    _run(_args(script, store, resumed_counter, out, n, sleep, "sequential"))

    resumed_ran = set(ran(resumed_counter))
    assert not resumed_ran & set(before), "a journaled scenario ran again"
    assert resumed_ran | (set(before) - {"baseline"}) == {f"s{i:02d}" for i in range(n)}
    rows = journal_rows(url)
    assert len(rows) == n + 1  # nothing lost, nothing duplicated
    assert len({r["name"] for r in rows}) == n + 1
    assert len({(r["run_key"], r["scenario_key"]) for r in rows}) == n + 1
    after = {r["name"]: r for r in rows}
    for name, row in before.items():  # rows journaled before the kill are kept as they were
        assert after[name] == row, name

    results = json.loads(out.read_text())
    reference = _reference(n)
    assert list(results) == list(reference)
    for name, (status, objective) in results.items():
        assert status == "optimal" and close(objective, reference[name]), name
