"""``runner.stored.StoredResults``: the results of a stored run read from its journal, compared
with the in-memory ``ScenarioResults`` of the same results (the old path): tables (all columns
and ``columns=``), ``compare``, ``failed``, ``best``, the mapping, files, pickling, a missing
row, bounded memory while iterating; SQLite (both ways of reading a table: one scan, or keys a
statement) and PostgreSQL (``LUMIX_TEST_POSTGRES_URL``).

The journal also holds rows that are not members: another run's rows for the same keys, and rows
of another sweep of the same run key (a better objective, a failure, a scenario named
``baseline``), all of which a wrong read would show.
"""

from __future__ import annotations

import hashlib
import math
import pickle
import random
import tracemalloc
import uuid

import numpy as np
import pandas as pd
import pytest

from lumix import LXObjectiveSense, LXSolution
from runner import JournalError, ScenarioResult, ScenarioResults, StoredResults, read_results
from runner import stored as stored_module
from runner.journal import Journal
from runner.meta import ParameterMeta, SweepMeta

RUN = "r" * 64
OTHER_RUN = "o" * 64


def key_of(name: str, sweep: str = "") -> str:
    return hashlib.sha256(f"{sweep}/{name}".encode()).hexdigest()[:32]


def sample_results() -> list[ScenarioResult]:
    """A sweep with every kind of row: a baseline (not first), optimal and feasible rows with a
    tie for the best and the worst objective, infeasible rows without objective, failures,
    outcomes (some missing, NaN), parameters of mixed types (one only in later rows), a kept
    solution."""
    solution = LXSolution(42.0, "optimal", 0.5, variables={"x": {1: 2.0}}, shadow_prices={"c[1]": 1.5})
    rows = [
        ScenarioResult(
            "s0", "optimal", 10.0, 0.1, 0.2, parameters={"level": 1, "mode": "a"}, outcomes={"o1": 1.0}
        ),
        ScenarioResult("s1", "feasible", 50.0, 0.1, 0.2, worker="w2", parameters={"level": 2, "mode": "b"}),
        ScenarioResult(
            "s2", "infeasible", None, 0.1, 0.3, error="infeasible: capacity", parameters={"level": 3}
        ),
        ScenarioResult("baseline", "optimal", 40.0, 0.2, 0.2, outcomes={"o1": 2.0, "o2": 3.0}),
        ScenarioResult(
            "s4", "error", None, 0.0, 0.5, method="rebuilt", error="ValueError: at s4", attempts=2
        ),
        ScenarioResult(
            "s5", "optimal", 50.0, 0.1, 0.1, parameters={"level": 2.5, "flag": True}, solution=solution
        ),
        ScenarioResult(
            "s6", "timeout", None, 0.0, 9.0, error="timeout after 9 s", parameters={"flag": False}
        ),
        ScenarioResult("s7", "crashed", None, error="worker died", attempts=3, parameters={"mode": None}),
        ScenarioResult("s8", "cancelled", None, error="interrupted", outcomes={}),
        ScenarioResult("s9", "optimal", -5.0, 0.1, 0.1, outcomes={"o1": math.nan, "o2": 4.0}),
        ScenarioResult("s10", "infeasible", None, outcomes={"o1": math.nan}, parameters={"late": "z"}),
        ScenarioResult("s11", "optimal", -5.0, parameters={"late": "y", "level": 7}),
        ScenarioResult("s12", "abnormal", None, error="numerical trouble"),
    ]
    for position, row in enumerate(rows):
        row.index = position  # as the collector numbers them
    return rows


def non_members(results: list[ScenarioResult]) -> list[tuple[str, str, ScenarioResult]]:
    """Rows a wrong read would pick up: (run key, scenario key, result)."""
    other_sweep = [
        ScenarioResult("baseline", "optimal", 1000.0),
        ScenarioResult("x-best", "optimal", 10_000.0, parameters={"intruder": 1}),
        ScenarioResult("x-failed", "error", None, error="not a member"),
        ScenarioResult("x-low", "optimal", -10_000.0, outcomes={"o3": 1.0}),
    ]
    rows = [(RUN, key_of(r.name, "other sweep"), r) for r in other_sweep]
    rows += [
        (OTHER_RUN, key_of(r.name), ScenarioResult(r.name, "error", None, error="other run")) for r in results
    ]
    return rows


def write_journal(store: str, run_key: str, results: list[ScenarioResult], *, seed: int = 0) -> np.ndarray:
    """The results and the non-members in ``store`` (members written in a shuffled order, so that
    the table's order is not the input order); the members' keys in input order."""
    keys = [key_of(r.name) for r in results]
    members = list(zip(keys, results, strict=True))
    random.Random(seed).shuffle(members)
    journal = Journal(store)
    try:
        for other_run, key, result in non_members(results):
            journal.write(run_key if other_run == RUN else other_run, [(key, result)])
        for start in range(0, len(members), 5):
            journal.write(run_key, members[start : start + 5])
    finally:
        journal.close()
    return np.array(keys, dtype="S32")


META = SweepMeta(kind="custom", outcomes=["o1", "o2"], parameters=[ParameterMeta(name="level")])


@pytest.fixture(params=["scan", "by-keys"])
def read_by(request, monkeypatch):
    """Tables read by one scan of the run's rows, or by keys a statement."""
    monkeypatch.setattr(stored_module, "SCAN_SHARE", 0.0 if request.param == "scan" else math.inf)
    return request.param


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "journal.sqlite")
    return request.getfixturevalue("pg_store")


@pytest.fixture(params=[None, META], ids=["no-meta", "meta"])
def pair(request, store, read_by):
    """(in-memory results, stored results) of the same sweep."""
    results = sample_results()
    run_key = f"run-{uuid.uuid4().hex}"
    keys = write_journal(store, run_key, results)
    meta = request.param
    memory = ScenarioResults(results, LXObjectiveSense.MAXIMIZE, meta=meta)
    stored = StoredResults(store, run_key, keys, LXObjectiveSense.MAXIMIZE, meta=meta)
    yield memory, stored
    stored.close()


def same_result(a: ScenarioResult, b: ScenarioResult) -> bool:
    """Equal results (NaN outcomes equal)."""
    return repr(a) == repr(b) and a.solution == b.solution and a.index == b.index


# -- tables -------------------------------------------------------------------------------------


def test_the_table_is_the_in_memory_one(pair):
    memory, stored = pair
    table = stored.to_dataframe()
    pd.testing.assert_frame_equal(table, memory.to_dataframe())
    assert "intruder" not in table.columns and "o3" not in table.columns
    assert table["delta"].iloc[0] == 10.0 - 40.0  # against the member baseline, not the other sweep's


@pytest.mark.parametrize(
    "columns",
    [
        ["name"],
        ["delta"],
        ["objective_value", "name"],
        ["o2"],
        ["level", "late"],
        ["late", "status", "delta", "o1", "flag"],
        ["mode"],
        [],
    ],
)
def test_columns_are_those_of_the_whole_table(pair, columns):
    memory, stored = pair
    whole = memory.to_dataframe()
    pd.testing.assert_frame_equal(memory.to_dataframe(columns=columns), whole[columns])
    pd.testing.assert_frame_equal(stored.to_dataframe(columns=columns), whole[columns])


def test_an_unknown_column_is_refused_with_the_known_ones(pair):
    for results in pair:
        with pytest.raises(ValueError, match=r"no column 'levle' .*its columns are name, status, .*level"):
            results.to_dataframe(columns=["name", "levle"])
        with pytest.raises(TypeError, match="list of column names"):
            results.to_dataframe(columns="name")


def test_compare_and_failed_are_the_in_memory_ones(pair):
    memory, stored = pair
    pd.testing.assert_frame_equal(stored.compare(), memory.compare())
    pd.testing.assert_frame_equal(stored.failed, memory.failed)
    assert list(stored.failed["name"]) == ["s4", "s6", "s7", "s8", "s12"]


def test_best_is_the_first_of_the_best_members(pair):
    memory, stored = pair
    for maximize in (None, True, False):
        assert same_result(stored.best(maximize), memory.best(maximize))
    assert stored.best().name == "s1" and stored.best(maximize=False).name == "s9"


def test_names_of_outcomes_and_parameters(pair):
    memory, stored = pair
    assert stored.outcome_names == memory.outcome_names
    assert stored.parameter_names == memory.parameter_names


# -- the mapping --------------------------------------------------------------------------------


def test_the_mapping_is_the_in_memory_one(pair):
    memory, stored = pair
    assert len(stored) == len(memory) == 13
    assert list(stored) == list(memory) == list(stored.keys())
    assert all(same_result(a, b) for a, b in zip(stored.values(), memory.values(), strict=True))
    assert [name for name, _ in stored.items()] == list(memory)
    for name in memory:
        assert same_result(stored[name], memory[name]), name
    assert [r.index for r in stored.values()] == list(range(13))
    assert "x-best" not in stored and "nothing" not in stored and 3 not in stored
    with pytest.raises(KeyError):
        stored["x-failed"]  # a row of the same run key, another sweep


def test_a_kept_solution_comes_back(pair):
    _, stored = pair
    solution = stored["s5"].solution
    assert isinstance(solution, LXSolution)
    assert solution.variables == {"x": {1: 2.0}} and solution.shadow_prices == {"c[1]": 1.5}
    assert stored["s0"].solution is None


def test_no_feasible_member_has_no_best(tmp_path):
    results = [ScenarioResult("a", "infeasible"), ScenarioResult("b", "error", error="boom")]
    store = str(tmp_path / "j.sqlite")
    stored = StoredResults(store, RUN, write_journal(store, RUN, results), LXObjectiveSense.MINIMIZE)
    assert stored.best() is None and ScenarioResults(results, LXObjectiveSense.MINIMIZE).best() is None


def test_no_scenario_at_all(tmp_path):
    store = str(tmp_path / "j.sqlite")
    memory = ScenarioResults([], None, meta=META)
    stored = StoredResults(store, RUN, np.array([], dtype="S32"), None, meta=META)
    assert len(stored) == 0 and list(stored) == [] and stored.best() is None
    pd.testing.assert_frame_equal(stored.to_dataframe(), memory.to_dataframe())
    pd.testing.assert_frame_equal(stored.failed, memory.failed)
    stored.to_parquet(tmp_path / "empty.parquet")
    pd.testing.assert_frame_equal(
        read_results(tmp_path / "empty.parquet").to_dataframe(), memory.to_dataframe()
    )


# -- files and pickling -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["parquet", "csv", "sqlite"])
def test_files_read_back_as_the_in_memory_ones(pair, tmp_path, fmt, monkeypatch):
    memory, stored = pair
    monkeypatch.setattr("runner.results.CHUNK_ROWS", 4)  # several row groups / appended chunks
    written = {}
    for label, results in (("memory", memory), ("stored", stored)):
        path = tmp_path / f"{label}.{fmt}"
        {"parquet": results.to_parquet, "csv": results.to_csv, "sqlite": results.save}[fmt](path)
        written[label] = path
    back = {label: read_results(path) for label, path in written.items()}
    pd.testing.assert_frame_equal(back["stored"].to_dataframe(), back["memory"].to_dataframe())
    assert back["stored"].meta == back["memory"].meta and back["stored"].sense is LXObjectiveSense.MAXIMIZE
    if fmt == "parquet":
        import pyarrow.parquet as pq

        assert pq.ParquetFile(written["stored"]).num_row_groups == 4
        pd.testing.assert_frame_equal(pd.read_parquet(written["stored"]), pd.read_parquet(written["memory"]))
    if fmt == "csv":
        assert written["stored"].read_text() == written["memory"].read_text()


def test_it_pickles_as_its_store_and_keys(pair):
    memory, stored = pair
    stored.to_dataframe(columns=["name"])  # opened once: the copy still pickles
    copy = pickle.loads(pickle.dumps(stored))
    assert copy.store == stored.store and copy.run_key == stored.run_key and copy.meta == stored.meta
    assert np.array_equal(copy.scenario_keys, stored.scenario_keys)
    assert len(pickle.dumps(stored)) < 4_000
    pd.testing.assert_frame_equal(copy.to_dataframe(), memory.to_dataframe())
    copy.close()


# -- errors and memory --------------------------------------------------------------------------


def test_a_missing_row_names_the_key_and_the_store(tmp_path, read_by):
    store = str(tmp_path / "journal.sqlite")
    results = sample_results()
    keys = write_journal(store, RUN, results)
    missing = key_of("s6")
    Journal(store).forget(RUN, [missing])
    stored = StoredResults(store, RUN, keys, None)
    for read in (
        stored.to_dataframe,
        lambda: list(stored.values()),
        lambda: stored.to_csv(tmp_path / "t.csv"),
    ):
        with pytest.raises(
            JournalError, match=f"journal {store}: no row for scenario key {missing} of run {RUN}"
        ):
            read()


def test_iterating_keeps_memory_bounded(tmp_path):
    n = 200_000
    store = str(tmp_path / "big.sqlite")
    journal = Journal(store)
    keys = np.array([key_of(f"m{i}") for i in range(n)], dtype="S32")
    for start in range(0, n, 20_000):
        batch = [
            (keys[i].decode(), ScenarioResult(f"m{i}", "optimal", float(i), parameters={"a": i, "b": "x"}))
            for i in range(start, start + 20_000)
        ]
        journal.write(RUN, batch)
    journal.close()
    stored = StoredResults(store, RUN, keys, LXObjectiveSense.MAXIMIZE)

    tracemalloc.start()
    try:
        count = sum(1 for result in stored.values() if result.ok)
        _, iterating = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        held = list(stored.values())
        _, holding = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == n == len(held) and held[-1].objective_value == n - 1
    assert iterating < holding / 10, (iterating, holding)
