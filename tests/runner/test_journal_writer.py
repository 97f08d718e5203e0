"""A SQLite journal's writer process (``runner.journal_writer``): once a run has journaled
``WRITER_AFTER`` rows, the rows go to it through a pipe. It must write what the journal itself
would, merge it on close and exit; a writer that dies stops the sweep with a ``JournalError``
(what it had not written runs again on resume); an interrupt in the middle of sending leaves the
journal and the returned table agreeing."""

from __future__ import annotations

import datetime
import json
import os
import sqlite3
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

import runner.journal as journal_module
from lumix.analysis import LXScenario
from runner import run_scenarios
from runner.errors import JournalError
from runner.journal_writer import FrameReader, frame

from .conftest import production_model, standard_products, standard_resources

pytestmark = pytest.mark.timeout(180)

N = 400
BATCH = 40


@pytest.fixture(scope="module")
def model():
    return production_model(standard_products(), standard_resources())


def scenarios(n: int = N) -> list[LXScenario]:
    rng = np.random.default_rng(5)
    made = []
    for k in range(n):
        scenario = LXScenario(f"s{k}")
        for r in range(3):
            scenario.modify_constraint_rhs(f"capacity[r{r}]", multiply=float(rng.uniform(0.6, 1.4)))
        made.append(scenario)
    return made


@pytest.fixture
def writers(monkeypatch) -> list[Any]:
    """The writer processes the journal starts (after ``BATCH`` rows), as they are made."""
    started: list[Any] = []
    original = journal_module._Writer.__init__

    def recording(self: Any, *args: Any) -> None:
        original(self, *args)
        started.append(self)

    monkeypatch.setattr(journal_module, "WRITER_AFTER", BATCH)
    monkeypatch.setattr(journal_module._Writer, "__init__", recording)
    return started


def rows(path: Any, table: str = "lumix_scenario_results") -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return sorted(
            conn.execute(
                f"SELECT scenario_key, name, status, objective_value, parameters, position FROM {table}"
            ).fetchall()
        )


def run(model: Any, store: Any, items: Any = None) -> Any:
    items = scenarios() if items is None else items
    return run_scenarios(model, items, store=store, batch_size=BATCH, progress=False)


def test_the_writer_writes_what_the_journal_itself_writes(model, tmp_path, writers) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(journal_module, "WRITER_AFTER", 10 * N)
        here = run(model, tmp_path / "here.sqlite")
    assert writers == []
    there = run(model, tmp_path / "there.sqlite")
    assert len(writers) == 1 and writers[0].process.returncode == 0  # started once, exited
    assert rows(tmp_path / "there.sqlite") == rows(tmp_path / "here.sqlite")
    assert len(rows(tmp_path / "there.sqlite")) == N + 1
    assert rows(tmp_path / "there.sqlite", "lumix_scenario_log") == []  # merged on close

    def table(results: Any) -> list[tuple]:
        return [(name, r.status, r.objective_value, r.parameters) for name, r in results.items()]

    assert table(there) == table(here)


def test_a_writer_that_dies_stops_the_sweep_and_resume_completes_it(model, tmp_path, writers) -> None:
    store = tmp_path / "journal.sqlite"
    original = journal_module._Writer.write
    sent = []

    def dies_after_two(self: Any, values: Any) -> None:
        if len(sent) == 2:
            self.process.kill()
            self.process.wait()
        sent.append(len(values))
        original(self, values)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(journal_module._Writer, "write", dies_after_two)
        with pytest.raises(JournalError) as caught:
            run(model, store)
    message = str(caught.value)
    assert "its writer process stopped (exit code -9" in message, message
    assert "run again when the sweep is resumed" in message
    written = len(rows(store))
    assert BATCH <= written < N + 1  # the in-process rows and what the writer committed
    again = run(model, store)
    assert again.resumed == written
    assert len(rows(store)) == N + 1 and len({r[0] for r in rows(store)}) == N + 1
    fresh = run_scenarios(model, scenarios(), batch_size=BATCH, progress=False)
    for name, result in fresh.items():
        assert again[name].objective_value == pytest.approx(result.objective_value, rel=1e-9), name


class _CutPipe:
    """A writer's stdin that takes half of the next frame, then raises ``KeyboardInterrupt``
    (a Ctrl-C in the middle of a send)."""

    def __init__(self, pipe: Any) -> None:
        self.pipe = pipe

    def write(self, data: bytes) -> int:
        self.pipe.write(data[: len(data) // 2])
        self.pipe.flush()
        raise KeyboardInterrupt

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pipe, name)


def test_an_interrupt_in_the_middle_of_a_send_leaves_journal_and_table_agreeing(
    model, tmp_path, writers
) -> None:
    store = tmp_path / "journal.sqlite"
    original = journal_module._Writer.write
    sent = []

    def interrupted_at_the_third(self: Any, values: Any) -> None:
        sent.append(len(values))
        if len(sent) == 3:
            self.process.stdin = _CutPipe(self.process.stdin)
        original(self, values)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(journal_module._Writer, "write", interrupted_at_the_third)
        with pytest.warns(UserWarning, match="interrupted"):
            results = run(model, store)
    assert results.interrupted
    assert writers[0].process.returncode == 0  # it wrote what it had whole, and exited
    journaled = {name: status for _, name, status, *_ in rows(store)}
    assert journaled == {name: str(r.status) for name, r in results.items()}
    assert "cancelled" in journaled.values() and "optimal" in journaled.values()
    again = run(model, store)
    assert not again.interrupted and len(again.failed) == 0
    assert len(rows(store)) == N + 1


def test_parameters_other_than_plain_values_are_journaled_as_text(model, tmp_path, writers) -> None:
    def level(value: Any) -> Any:
        def change(copy: Any) -> None:
            copy.get_constraint("capacity").rhs_value = 1.0  # (unused: the parameters matter)

        change.parameters = {"when": datetime.date(2026, 12, 1), "level": value, "note": Decimal("1.5")}  # type: ignore[attr-defined]
        return change

    items = [(f"c{k}", level(np.float64(k) if k % 2 else k)) for k in range(2 * BATCH)]
    store = tmp_path / "journal.sqlite"
    run_scenarios(model, items, store=store, batch_size=BATCH, progress=False, include_baseline=False)
    assert len(writers) == 1
    found = {name: json.loads(parameters) for _, name, _, _, parameters, _ in rows(store)}
    assert len(found) == 2 * BATCH
    for k in range(2 * BATCH):
        assert found[f"c{k}"] == {"when": "2026-12-01", "level": k, "note": "1.5"}


def test_a_cut_frame_reads_as_the_end(tmp_path) -> None:
    whole, cut = frame(("rows", [(1, "a")])), frame(("rows", [(2, "b")]))
    path = tmp_path / "frames"
    path.write_bytes(whole + cut[: len(cut) - 3])
    fd = os.open(path, os.O_RDONLY)
    try:
        reader = FrameReader(fd)
        assert reader.read() == ("rows", [(1, "a")])
        assert reader.read() is None
    finally:
        os.close(fd)


def test_a_ctrl_c_at_the_terminal_does_not_reach_the_writer(tmp_path, writers, model) -> None:
    """A terminal's Ctrl-C goes to its foreground process group: the writer has a session of its
    own, so that the parent, which decides what is journaled, closes it."""
    store = tmp_path / "journal.sqlite"
    original = journal_module._Writer.write
    groups = []

    def seen(self: Any, values: Any) -> None:
        groups.append((os.getsid(self.process.pid), os.getpgid(self.process.pid)))
        original(self, values)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(journal_module._Writer, "write", seen)
        results = run(model, store)
    assert not results.interrupted and len(rows(store)) == N + 1
    assert groups and all(session == group == writers[0].process.pid for session, group in groups)
    assert os.getpgid(0) != writers[0].process.pid


@pytest.mark.parametrize("executable", ["/nonexistent/python", "/bin/true", "/bin/cat"])
def test_a_writer_that_cannot_start_leaves_the_journal_writing_itself(
    model, tmp_path, writers, monkeypatch, caplog, executable
) -> None:
    """No such program, one that exits at once, one that answers something else: the journal
    says why (a warning in the log) and writes the rows itself."""
    import sys

    monkeypatch.setattr(sys, "executable", executable)
    store = tmp_path / "journal.sqlite"
    with caplog.at_level("WARNING", logger="runner.journal"):
        results = run(model, store)
    assert not results.interrupted and len(rows(store)) == N + 1
    assert writers == []  # none started
    assert "writing in this process: its writer process is unavailable" in caplog.text
    assert caplog.text.count("unavailable") == 1  # tried once


def test_a_postgresql_journal_writes_through_the_writer_too(model, tmp_path, pg_store, writers) -> None:
    import sqlalchemy as sa

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(journal_module, "WRITER_AFTER", 10 * N)
        here = run(model, tmp_path / "here.sqlite")
    assert writers == []
    there = run(model, pg_store)
    assert len(writers) == 1 and writers[0].process.returncode == 0
    engine = sa.create_engine(pg_store)
    try:
        with engine.connect() as conn:
            found = conn.execute(
                sa.text(
                    "SELECT scenario_key, name, status, objective_value, parameters, position "
                    "FROM lumix_scenario_results"
                )
            ).fetchall()
    finally:
        engine.dispose()
    assert sorted(tuple(row) for row in found) == rows(tmp_path / "here.sqlite")
    assert [(n, r.objective_value) for n, r in there.items()] == [
        (n, r.objective_value) for n, r in here.items()
    ]
    again = run(model, pg_store)
    assert again.resumed == N + 1


def test_the_writer_finds_the_parameters_where_the_journal_puts_them() -> None:
    from runner.journal_writer import PARAMETERS_AT

    assert journal_module._COLUMN_NAMES[PARAMETERS_AT] == "parameters"
