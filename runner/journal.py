"""The results journal: one SQLAlchemy table on any database (SQLite in WAL mode for a path).

A result is keyed by the run key (model hash, solver options, ``keep``, outcomes) and the
scenario key, so re-running the same call skips what is done and a parent killed mid-run loses
and duplicates nothing. A result's outcomes are a JSON column; a journal written before that
column existed gains it (empty) when opened. Unpickling stored solutions: trusted data only.
"""

from __future__ import annotations

import codecs
import contextlib
import itertools
import json
import logging
import math
import pickle
import select
import sqlite3
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert

from .columns import JOURNAL_LOG_TABLE, JOURNAL_TABLE
from .errors import JournalError
from .journal_writer import PARAMETERS_AT, FrameReader, encode_rows, frame, move_log
from .results import ScenarioResult
from .urls import mask_secrets, mask_url

__all__ = [
    "Journal",
    "results_table",
    "log_table",
    "LOG_TABLE",
    "result_from_row",
    "journal_row",
    "journal_values",
]

logger = logging.getLogger(__name__)

LOOKUP_CHUNK = 500  # scenario keys per statement (SQLite allows 999 bound parameters at least)
SQLITE_BUSY_S = 60.0  # how long a SQLite journal waits for another process's lock
#: A journal on a SQLite file or PostgreSQL hands its writes to a writer process
#: (``runner.journal_writer``) once it has written this many rows: below that, starting the
#: process costs more than it saves.
WRITER_AFTER = 2_048
#: How long a journal waits for its writer process to open the journal before writing itself.
WRITER_START_S = 30.0
CREATE_ATTEMPTS = 5

_metadata = sa.MetaData()
results_table = sa.Table(
    JOURNAL_TABLE,
    _metadata,
    sa.Column("run_key", sa.String(64), primary_key=True),
    sa.Column("scenario_key", sa.String(64), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("objective_value", sa.Float, nullable=True),
    sa.Column("solve_time", sa.Float, nullable=False),
    sa.Column("wall_time", sa.Float, nullable=False),
    sa.Column("method", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("worker", sa.String(128), nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("parameters", sa.Text, nullable=False),
    sa.Column("solution", sa.LargeBinary, nullable=True),
    sa.Column("outcomes", sa.Text, nullable=True),  # JSON {name: value}; NULL: none asked for
    sa.Column("position", sa.Integer, nullable=True),  # the scenario's index in its sweep
)
#: Columns added to the journal after its first version: an older journal gains them, empty,
#: when it is opened (``Journal._add_columns``); its rows then have no outcomes or positions.
ADDED_COLUMNS = ("outcomes", "position")

#: SQLite: rows arrive in this table, without an index (appending costs a few microseconds a row,
#: where inserting random scenario keys into the results table's index costs 15-25 and grows
#: with the table), and move into the results table sorted by key, in one transaction, when the
#: journal is closed or next opened (``Journal.merge``).
LOG_TABLE = JOURNAL_LOG_TABLE
_log_metadata = sa.MetaData()
log_table = sa.Table(LOG_TABLE, _log_metadata, *(sa.Column(c.name, c.type) for c in results_table.c))


def _url(store: str | Path) -> str:
    text = str(store)
    return text if "://" in text else f"sqlite:///{Path(text).expanduser().resolve()}"


#: The first 16 bytes of every SQLite 3 database file.
SQLITE_MAGIC = b"SQLite format 3\x00"
#: What a file that is not an SQLite database looks like, by its first bytes.
_MAGICS = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"%PDF", "a PDF document"),
    (b"PAR1", "a Parquet file"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "a gzip file"),
)
_NOT_A_JOURNAL_FIX = (
    "give store= / --store (or a SQLite --output) a new file name or an existing journal; "
    "this file was left unchanged"
)


def _sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (``None``: another database, or in memory)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    database = parsed.database
    if database.startswith("file:"):  # a sqlite URI filename: file:PATH?mode=...
        database = database[5:].partition("?")[0]
    return Path(database).expanduser()


def _what_is(head: bytes) -> str:
    """A few words on what a file starting with ``head`` holds."""
    for magic, what in _MAGICS:
        if head.startswith(magic):
            return what
    try:  # (incremental: a character cut at the end of ``head`` is not an error)
        shown = codecs.getincrementaldecoder("utf-8")().decode(head)
    except UnicodeDecodeError:
        shown = "\x00"
    if not "".join(shown.split()).isprintable():
        return "binary data that is not an SQLite database"
    return "a text file"


def _truncated(path: Path, head: bytes) -> str | None:
    """Why a file with the SQLite header is too short for the size its header gives."""
    size = path.stat().st_size
    if len(head) < 100:
        return f"a truncated SQLite file ({size} bytes, shorter than the 100-byte header)"
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    header_valid = pages > 0 and head[24:28] == head[92:96]
    if header_valid and size < pages * page_size:
        return f"a truncated SQLite database ({size} bytes of the {pages * page_size} its header gives)"
    return None


def _check_sqlite_file(path: Path, shown: str) -> None:
    """A SQLite journal path must be a new file, an empty one, or an SQLite database."""
    if path.is_dir():
        raise JournalError(
            f"journal {shown}: is a directory, not an SQLite file; "
            f"fix: give a file path, e.g. {Path(shown) / 'sweep.journal.sqlite'}"
        )
    if not path.exists():
        return
    try:
        with path.open("rb") as file:
            head = file.read(100)
    except OSError as exc:
        raise JournalError(
            f"journal {shown}: cannot read it: {exc.strerror or exc}; fix: check its permissions"
        ) from exc
    if not head:
        return  # an empty file: SQLite makes it a database
    if not head.startswith(SQLITE_MAGIC):
        raise JournalError(
            f"journal {shown}: not an SQLite database, found {_what_is(head)}; fix: {_NOT_A_JOURNAL_FIX}"
        )
    wal = path.with_name(path.name + "-wal")
    truncated = None if wal.is_file() and wal.stat().st_size else _truncated(path, head)
    if truncated is not None:  # (a WAL file would complete it: a parent killed mid-checkpoint)
        raise JournalError(
            f"journal {shown}: found {truncated}; fix: restore it from a copy, or start afresh "
            "with a new store path (this file was left unchanged)"
        )


_COLUMN_NAMES = tuple(c.name for c in results_table.c)
_COLUMNS_SQL = ", ".join(_COLUMN_NAMES)
_SQLITE_APPEND = (
    f'INSERT INTO "{LOG_TABLE}" ({_COLUMNS_SQL}) VALUES ({", ".join("?" for _ in _COLUMN_NAMES)})'
)
_SQLITE_MERGE = (
    f'INSERT INTO "{JOURNAL_TABLE}" ({_COLUMNS_SQL}) SELECT {_COLUMNS_SQL} FROM "{LOG_TABLE}" '
    "WHERE true ORDER BY run_key, scenario_key ON CONFLICT DO NOTHING"
)


def journal_values(
    run_key: str,
    key: str | None,
    fields: tuple[Any, ...],
    parameters: dict[str, Any],
    solution: Any,
    outcomes: dict[str, float],
    position: int | None,
) -> tuple[Any, ...]:
    """A journal row in ``results_table``'s column order; ``fields`` are a result's ``name``
    to ``error`` (status as a string), in that order. The parameters stay a dict until the row
    is written (``encode_parameters``)."""
    return (
        run_key,
        key,
        *fields,
        parameters,
        None if solution is None else pickle.dumps(solution),
        json.dumps(outcomes) if outcomes else None,
        position,
    )


def journal_row(run_key: str, key: str, rec: ScenarioResult) -> tuple[Any, ...]:
    """A result as a journal row, in ``results_table``'s column order."""
    fields = (
        rec.name,
        str(rec.status),
        rec.objective_value,
        rec.solve_time,
        rec.wall_time,
        rec.method,
        rec.attempts,
        rec.worker,
        rec.error,
    )
    position = rec.index if rec.index >= 0 else None
    return journal_values(run_key, key, fields, rec.parameters, rec.solution, rec.outcomes, position)


class Journal:
    """A results store on any SQLAlchemy database. Unpickling solutions: trusted data only."""

    def __init__(self, store: str | Path) -> None:
        #: The store as given, and as messages show it (password masked).
        self.store = store
        self.shown = mask_url(store)
        self._to_add: list[str] = []  # journal columns an older table lacks (see _add_columns)
        self._raw: Any = None  # SQLite: the DBAPI connection rows are written on
        self._writer_settings: dict[str, Any] | None = None  # what a writer process would get
        self._writer: _Writer | None = None  # the writer process, once started
        self._written = 0  # rows written by this journal
        url = _url(store)
        try:
            sqlite_file = _sqlite_file(url)
            if sqlite_file is not None:
                _check_sqlite_file(sqlite_file, self.shown)
            # SQLite: wait for another process's lock (a concurrent run) instead of failing
            options = {"connect_args": {"timeout": SQLITE_BUSY_S}} if sqlite_file is not None else {}
            self.engine = sa.create_engine(url, **options)
        except JournalError:
            raise
        except Exception as exc:  # a bad URL, a missing driver
            raise JournalError(
                f"journal {self.shown}: cannot open it: {type(exc).__name__}: {mask_secrets(str(exc))}; "
                "fix: give a writable path or a SQLAlchemy URL whose driver is installed"
            ) from None
        try:
            self._check_table()  # before any write (the WAL pragma included)
            self.engine.dispose()  # the pragmas apply to the connections opened from now on
            if self.engine.dialect.name == "sqlite":
                sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            self._create_table()
            self._add_columns()
            self.merge()  # rows a parent killed mid-run left in the log
            self._writer_settings = self._settings_for_writer(url, sqlite_file)
        except JournalError:
            self.engine.dispose()
            raise
        except Exception as exc:  # unreachable server, damaged file, no permission
            self.engine.dispose()
            fix = "check that the database is reachable and writable, or give another store"
            if self.engine.dialect.name == "sqlite":
                fix = "restore a damaged file from a copy, or give store= / --store a new file name"
            raise JournalError(
                f"journal {self.shown}: cannot open it: {type(exc).__name__}: "
                f"{mask_secrets(str(exc)).splitlines()[0]}; fix: {fix}"
            ) from None

    def _create_table(self) -> None:
        """Create the tables if absent (SQLite: the results table and its log); another run
        creating them at the same moment is fine."""
        tables = [_metadata] + ([_log_metadata] if self.engine.dialect.name == "sqlite" else [])
        names = [table.name for metadata in tables for table in metadata.sorted_tables]
        for attempt in range(CREATE_ATTEMPTS):
            try:
                for metadata in tables:
                    metadata.create_all(self.engine)
                return
            except sa.exc.OperationalError:
                with self.engine.connect() as conn:
                    inspector = sa.inspect(conn)
                    created = all(inspector.has_table(name) for name in names)
                if created:  # by the other run: check them as if they had been there
                    self._check_table()
                    return
                if attempt == CREATE_ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))

    def _check_table(self) -> None:
        """An existing ``lumix_scenario_results`` table must have the journal's columns."""
        with self.engine.connect() as conn:
            inspector = sa.inspect(conn)
            if not inspector.has_table(results_table.name):
                return
            found = [c["name"] for c in inspector.get_columns(results_table.name)]
        missing = [c.name for c in results_table.c if c.name not in found]
        self._to_add = sorted(set(missing) & set(ADDED_COLUMNS))
        if missing and not set(missing) <= set(ADDED_COLUMNS):  # an older journal gains them
            expected = {c.name for c in results_table.c}
            other = [c for c in found if c not in expected]
            raise JournalError(
                f"journal {self.shown}: holds a table {results_table.name!r} that is not a journal's "
                f"(missing columns {', '.join(missing)}"
                + (f"; other columns {', '.join(other)}" if other else "")
                + "); fix: give store= / --store another database or file, or rename that table "
                "(the database was left unchanged)"
            )

    def _add_columns(self) -> None:
        """Give a journal written before ``ADDED_COLUMNS`` existed those columns, empty (another
        run adding them at the same moment is fine)."""
        dialect = self.engine.dialect
        quote = dialect.identifier_preparer
        for name in self._to_add:  # what _check_table found missing in an existing table
            column = results_table.c[name]
            ddl = (
                f"ALTER TABLE {quote.format_table(results_table)} "
                f"ADD COLUMN {quote.format_column(column)} {column.type.compile(dialect)}"
            )
            try:
                with self.engine.begin() as conn:
                    conn.execute(sa.text(ddl))
            except sa.exc.DBAPIError:
                with self.engine.connect() as conn:
                    added = name in {c["name"] for c in sa.inspect(conn).get_columns(results_table.name)}
                if not added:
                    raise

    def has_run(self, run_key: str) -> bool:
        """Whether the journal holds any row of this run (else nothing can be resumed)."""
        query = sa.select(results_table.c.run_key).where(results_table.c.run_key == run_key).limit(1)
        with self.engine.connect() as conn:
            return conn.execute(query).first() is not None

    def statuses(self, run_key: str, keys: list[str]) -> dict[str, str]:
        """The status of each of ``keys`` this run has a row for, looked up by key in chunks."""
        table = results_table
        found: dict[str, str] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(keys), LOOKUP_CHUNK):
                chunk = keys[start : start + LOOKUP_CHUNK]
                query = sa.select(table.c.scenario_key, table.c.status).where(
                    table.c.run_key == run_key, table.c.scenario_key.in_(chunk)
                )
                found.update((key, status) for key, status in conn.execute(query))
        return found

    def forget(self, run_key: str, keys: list[str]) -> None:
        """Delete the rows of these scenario keys (failed results about to be retried)."""
        table = results_table
        with self.engine.begin() as conn:
            for start in range(0, len(keys), LOOKUP_CHUNK):
                chunk = keys[start : start + LOOKUP_CHUNK]
                conn.execute(
                    table.delete().where(table.c.run_key == run_key, table.c.scenario_key.in_(chunk))
                )

    def forget_scenarios(self, keys: Iterable[str]) -> None:
        """Delete the rows of these scenario keys in every run (a sweep started afresh)."""
        table = results_table
        keys = iter(keys)
        with self.engine.begin() as conn:
            while chunk := list(itertools.islice(keys, LOOKUP_CHUNK)):
                conn.execute(table.delete().where(table.c.scenario_key.in_(chunk)))

    def write(self, run_key: str, rows: list[tuple[str, ScenarioResult]]) -> None:
        """Commit results (scenario key, result) in one transaction; existing keys are kept."""
        self.write_rows([journal_row(run_key, key, rec) for key, rec in rows])

    def write_rows(self, values: list[tuple[Any, ...]]) -> None:
        """Commit rows (tuples in ``results_table``'s column order, their parameters a dict) in
        one transaction; existing keys are kept. SQLite: one DBAPI ``executemany`` on a
        connection kept for the journal's life; after ``WRITER_AFTER`` rows (a SQLite file,
        PostgreSQL), the journal's writer process writes them (``runner.journal_writer``)."""
        if not values:
            return
        dialect = self.engine.dialect.name
        writer = self._writer_for(len(values))
        if writer is not None:
            writer.write(values)
            return
        if dialect == "sqlite":
            rows = encode_rows(values)
            self._sqlite_write(lambda cursor: cursor.executemany(_SQLITE_APPEND, rows))
            return
        records = [dict(zip(_COLUMN_NAMES, value, strict=True)) for value in encode_rows(values)]
        if dialect == "postgresql":
            statement = postgresql_insert(results_table).on_conflict_do_nothing()
            with self.engine.begin() as conn:
                conn.execute(statement, records)
            return
        for record in records:  # other databases: one row at a time, duplicates ignored
            try:
                with self.engine.begin() as conn:
                    conn.execute(results_table.insert(), record)
            except sa.exc.IntegrityError:
                pass

    def _writer_for(self, rows: int) -> _Writer | None:
        """The writer process to send ``rows`` more rows to (started once ``WRITER_AFTER`` rows
        are written); ``None``: write them here (also after an interrupt stopped the writer)."""
        writer = self._writer
        if writer is None and self._written >= WRITER_AFTER and self._writer_settings is not None:
            try:
                writer = self._writer = _Writer(self._writer_settings, self.shown)
            except (OSError, WriterUnavailable) as exc:
                logger.warning("journal %s: writing in this process: its writer process is unavailable "
                               "(%s: %s)", self.shown, type(exc).__name__, exc)  # fmt: skip
                self._writer_settings = None  # not tried again
        self._written += rows
        if writer is not None and not writer.running:
            writer.close()  # what it was sent is written (JournalError if not)
            return None
        return writer

    def _settings_for_writer(self, url: str, sqlite_file: Path | None) -> dict[str, Any] | None:
        """What a writer process gets to write this journal: a SQLite file's path and statements,
        or a PostgreSQL URL and the table; ``None`` (the journal writes itself) for SQLite in
        memory and other databases."""
        dialect = self.engine.dialect.name
        if dialect == "sqlite" and sqlite_file is not None:  # absolute: it may start after a chdir
            return {"path": str(sqlite_file.absolute()), "timeout": SQLITE_BUSY_S,
                    "append": _SQLITE_APPEND, "merge": _SQLITE_MERGE, "log": LOG_TABLE}  # fmt: skip
        if dialect == "postgresql":
            return {"url": url, "table": results_table.name, "columns": list(_COLUMN_NAMES)}
        return None

    def _sqlite_write(self, work: Callable[[Any], Any]) -> None:
        """Run ``work(cursor)`` in one transaction on the journal's own DBAPI connection."""
        if self._raw is None:
            self._raw = self.engine.raw_connection()
        try:
            work(self._raw.cursor())
            self._raw.commit()
        except BaseException:
            self._raw.rollback()
            raise

    def merge(self) -> None:
        """SQLite: move the rows of the log into the results table, sorted by key (one
        transaction; a key already there keeps its row). Other databases write rows in place."""
        if self.engine.dialect.name == "sqlite":
            self._sqlite_write(lambda cursor: move_log(cursor, _SQLITE_MERGE, LOG_TABLE))

    def close(self) -> None:
        """Merge the log (SQLite) and release the connections. A merge that fails (another
        process holds the file past the busy timeout) leaves the rows in the log, for the next
        opening, with a warning. Raises ``JournalError`` if the writer process could not write
        every row it was sent."""
        writer, self._writer = self._writer, None
        try:
            unmerged = writer.close() if writer is not None else None
            if unmerged is None:
                try:
                    self.merge()
                except Exception as exc:
                    unmerged = f"{type(exc).__name__}: {exc}"
            if unmerged is not None:
                warnings.warn(
                    f"journal {self.shown}: results stay in its {LOG_TABLE} table until the journal "
                    f"is next opened ({unmerged})",
                    RuntimeWarning,
                    stacklevel=2,
                )
        finally:
            if self._raw is not None:
                self._raw.close()
                self._raw = None
            self.engine.dispose()


class WriterUnavailable(Exception):
    """A journal writer process that could not start (the journal then writes itself)."""


class _Writer:
    """A journal's writer process (``runner.journal_writer``): rows go to it in frames through
    a pipe, which blocks the run while the writer is behind."""

    def __init__(self, settings: dict[str, Any], shown: str) -> None:
        self.shown = shown
        script = str(Path(__file__).with_name("journal_writer.py"))
        self.process = subprocess.Popen(  # its own session: a Ctrl-C is for the parent to handle
            [sys.executable, "-P", script],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._replies = FrameReader(self.process.stdout.fileno())
        self._reply: tuple[str, Any] | None = None  # the writer's last word, once it has exited
        self._failed = False  # its failure was raised
        try:
            with contextlib.suppress(BrokenPipeError):  # it exited: _ready says why
                self.process.stdin.write(frame(settings))
                self.process.stdin.flush()
            self._ready()
        except BaseException:
            self._finish()
            raise

    def _ready(self) -> None:
        """Wait for the writer's ``ready``; ``WriterUnavailable`` if it says anything else, exits
        or stays silent ``WRITER_START_S``."""
        assert self.process.stdout is not None
        if not select.select([self.process.stdout], [], [], WRITER_START_S)[0]:
            self.process.kill()
            raise WriterUnavailable(f"it did not start within {WRITER_START_S:g} s")
        try:
            said = self._replies.read()
        except Exception as exc:  # not a frame: not a journal writer answering
            said = ("error", f"{type(exc).__name__}: {exc}")
        if isinstance(said, tuple) and said[:1] == ("ready",):
            return
        if not (isinstance(said, tuple) and len(said) == 2):
            said = self._finish()
        raise WriterUnavailable(mask_secrets(str(said[1])))

    def write(self, values: list[tuple[Any, ...]]) -> None:
        """Send rows; parameters of other than plain values are encoded here (the writer
        unpickles nothing but the standard library's types)."""
        at = PARAMETERS_AT
        rows = [
            row if all(type(v) in _PORTABLE for v in row[at].values()) else encode_rows([row])[0]
            for row in values
        ]
        self._send(("rows", rows))

    def _send(self, message: Any) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        try:
            stdin.write(frame(message))
            stdin.flush()
        except BrokenPipeError:
            self._finish()
            raise self._failure() from None
        except BaseException:  # interrupted mid-frame: the writer drops the cut frame
            self._finish()
            raise

    @property
    def running(self) -> bool:
        return self._reply is None

    def close(self) -> str | None:
        """Let the writer write what it was sent and merge it (unless an interrupt stopped it);
        the reason the rows stay in the log (``None``: merged, or left for the journal's own
        merge). Raises ``JournalError`` if rows could not be written."""
        if self.running and self.process.poll() is None:
            self._send(("close", None))
        outcome, detail = self._finish()
        if outcome == "unmerged":
            return str(detail)
        if outcome != "ok" and not self._failed:
            raise self._failure()
        return None

    def _failure(self) -> JournalError:
        """The error for a writer that could not write what it was sent (raised once)."""
        self._failed = True
        assert self._reply is not None
        why = mask_secrets(str(self._reply[1]))
        return JournalError(
            f"journal {self.shown}: its writer process stopped ({why}); the results it had not written "
            "run again when the sweep is resumed"
        )

    def _finish(self) -> tuple[str, Any]:
        """Close the pipe, wait for the writer, and return its reply (``("error", why)`` when
        it gave none); once."""
        if self._reply is not None:
            return self._reply
        process = self.process
        assert process.stdin is not None and process.stdout is not None and process.stderr is not None
        try:
            process.stdin.close()
        except BrokenPipeError:
            pass
        reply = self._replies.read()
        errors = process.stderr.read().decode(errors="replace").strip()
        code = process.wait()
        process.stdout.close()
        process.stderr.close()
        if reply is None:
            last = errors.splitlines()[-1] if errors else "no message"
            reply = ("error", f"exit code {code}: {last}")
        self._reply = reply
        return reply


_PORTABLE = frozenset({float, int, str, bool, type(None)})


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL and ``synchronous=NORMAL`` on each new connection. Switching a new file to WAL needs
    a moment alone with it: SQLite answers "database is locked" at once (without waiting its busy
    timeout) while another process holds it, so the switch is tried again; once one process
    has switched, the file stays WAL and the pragma no longer needs the lock."""
    cursor = dbapi_connection.cursor()
    try:
        for attempt in range(CREATE_ATTEMPTS):
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError:
                if attempt == CREATE_ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def result_from_row(index: int, row: dict[str, Any], parameters: dict[str, Any]) -> ScenarioResult:
    """A journal row back into a result (for resumed scenarios)."""
    solution = row["solution"]
    objective = row["objective_value"]
    return ScenarioResult(
        row["name"],
        row["status"],
        None if objective is None or math.isnan(objective) else objective,
        row["solve_time"],
        row["wall_time"],
        row["method"],
        row["attempts"],
        row["worker"],
        row["error"],
        None if solution is None else pickle.loads(solution),
        parameters,
        json.loads(row["outcomes"]) if row.get("outcomes") else {},
        index=index,
    )
