"""Journals that are not journals (issue 9, item 10): a truncated SQLite file, garbage bytes,
another file type, a directory, or a database whose ``lumix_scenario_results`` table has other
columns. ``run_scenarios(store=...)`` raises ``runner.JournalError`` naming the path, what was
found and what to do; the command line prints it as one ``error: ...; fix: ...`` line with exit
status 2. A file that is not a journal is never changed."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from lumix import LXScenario
from runner import JournalError, run_scenarios
from runner.journal import Journal

from . import test_cli
from .test_cli import SMALL_GRID, write_spec

in_process = test_cli.in_process  # the fixture: runner.cli.main in this process


def _good_journal(path: Path) -> bytes:
    """The bytes of a real (checkpointed) journal file."""
    Journal(path).close()
    return path.read_bytes()


def truncated(path: Path) -> None:
    scratch = path.with_name("scratch.sqlite")
    data = _good_journal(scratch)
    path.write_bytes(data[: len(data) // 2])


def truncated_header(path: Path) -> None:
    scratch = path.with_name("scratch.sqlite")
    path.write_bytes(_good_journal(scratch)[:40])


def garbage(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 8 + b"\x00\xff" * 100)


def png(path: Path) -> None:
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200)


def text(path: Path) -> None:
    path.write_text("run_key,scenario_key,name\nabc,def,baseline\n")


def directory(path: Path) -> None:
    path.mkdir()


def other_table(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE lumix_scenario_results (id INTEGER PRIMARY KEY, payload TEXT)")
        db.execute("INSERT INTO lumix_scenario_results (payload) VALUES ('not a result')")
    db.close()


# case -> (make the bad journal at a path, words of what was found, words of the fix)
BAD: dict[str, tuple[Callable[[Path], None], str, str]] = {
    "truncated": (truncated, "truncated SQLite database", "restore it from a copy"),
    "truncated header": (truncated_header, "truncated SQLite file", "restore it from a copy"),
    "garbage bytes": (garbage, "not an SQLite database, found binary data", "a new file name"),
    "a PNG image": (png, "not an SQLite database, found a PNG image", "a new file name"),
    "a text file": (text, "not an SQLite database, found a text file", "a new file name"),
    "a directory": (directory, "is a directory", "give a file path"),
    "a table with other columns": (
        other_table,
        "holds a table 'lumix_scenario_results' that is not a journal's (missing columns run_key",
        "rename that table",
    ),
}


def _bytes_of(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


@pytest.mark.parametrize("case", list(BAD))
def test_run_scenarios_refuses_a_journal_that_is_not_one(case: str, tmp_path: Path, tiny_model) -> None:
    make, found, fix = BAD[case]
    store = tmp_path / "sweep.sqlite"
    make(store)
    before = _bytes_of(store)
    with pytest.raises(JournalError) as info:
        run_scenarios(
            tiny_model, [LXScenario("s").modify_constraint_rhs("capacity", multiply=0.5)], store=store
        )
    message = str(info.value)
    assert message.startswith(f"journal {store}: ") and found in message, message
    assert "; fix: " in message and fix in message.split("; fix: ")[1], message
    assert _bytes_of(store) == before  # unchanged (and no sidecar files either)
    assert not store.with_name("sweep.sqlite-wal").exists()


@pytest.mark.parametrize("case", list(BAD))
@pytest.mark.parametrize("flag", ["--store", "--output"])
def test_the_command_line_refuses_a_journal_that_is_not_one(
    case: str,
    flag: str,
    in_process,
    tmp_path: Path,
    capsys: pytest.CaptureFixture,
) -> None:
    make, found, fix = BAD[case]
    spec = write_spec(tmp_path, SMALL_GRID)
    bad = tmp_path / "bad.sqlite"
    make(bad)
    before = _bytes_of(bad)
    argv = ["run", spec.name, "--backend", "sequential", "--no-progress", flag, str(bad)]
    if flag == "--store":
        argv += ["--output", "out.csv"]
    if case == "a directory" and flag == "--output":  # an output checked as such (item 11)
        start, found, fix = f"error: {spec.name}: --output: ", "is an existing directory", "give a file path"
    else:
        start = f"error: journal {bad}: "
    assert in_process(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err  # nothing ran
    assert err.startswith(start) and err.count("\n") == 1, err
    assert found in err and "; fix: " in err and fix in err.split("; fix: ")[1], err
    assert _bytes_of(bad) == before
    assert not (tmp_path / "out.csv").exists()


def test_an_empty_file_or_a_database_without_the_table_becomes_a_journal(tmp_path: Path, tiny_model) -> None:
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE notes (text TEXT)")
    db.close()
    scenario = LXScenario("half").modify_constraint_rhs("capacity", multiply=0.5)
    for store in (empty, other):
        results = run_scenarios(tiny_model, [scenario], store=store)
        assert results["half"].status == "optimal"
        with sqlite3.connect(store) as db:
            names = {row[0] for row in db.execute("SELECT name FROM lumix_scenario_results")}
        db.close()
        assert names == {"baseline", "half"}


def test_a_journal_survives_reopening_and_its_wal_is_not_taken_for_truncation(tmp_path: Path) -> None:
    store = tmp_path / "j.sqlite"
    Journal(store).close()
    Journal(store).close()  # a real journal opens again
    header = store.read_bytes()[:100]
    store.write_bytes(header)  # shorter than its header says ...
    wal = tmp_path / "j.sqlite-wal"
    wal.write_bytes(b"x")  # ... but a WAL file would complete it: let SQLite decide
    with pytest.raises(JournalError) as info:
        Journal(store)
    assert "truncated" not in str(info.value), info.value
    wal.unlink(missing_ok=True)
    with pytest.raises(JournalError, match="truncated"):
        Journal(store)


@pytest.mark.parametrize(
    ("store", "words"),
    [
        ("nosuchdialect://user@host/db", "Can't load plugin"),
        ("postgresql+nosuchdriver://user@host/db", "Can't load plugin"),
    ],
)
def test_a_store_url_that_cannot_be_opened_is_a_journal_error(store: str, words: str) -> None:
    with pytest.raises(JournalError) as info:
        Journal(store)
    assert str(info.value).startswith(f"journal {store}: cannot open it: ") and words in str(info.value)
    assert "; fix: " in str(info.value)
