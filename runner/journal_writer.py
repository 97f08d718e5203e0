"""A journal's writer process: it writes the rows a run sends (SQLite: appends them, and merges
them on close; PostgreSQL: inserts them).

``runner.journal`` starts it as ``python -P journal_writer.py`` once a run has journaled
``WRITER_AFTER`` rows, so that the parent spends no time in the database or in encoding
parameters. For SQLite the module uses the standard library only, so the process starts in
milliseconds (PostgreSQL: SQLAlchemy, imported then); it also holds the parameters' JSON
encoding, which the journal uses in its own process too.

Protocol, in frames of an 8-byte little-endian length and a pickle:

- on stdin: the settings (SQLite: ``{"path", "timeout", "append", "merge", "log"}``;
  PostgreSQL: ``{"url", "table", "columns"}``), then
  ``("rows", [row, ...])`` frames (rows in the results table's column order; the parameters
  at ``PARAMETERS_AT``, a dict or its JSON), then ``("close", None)``;
- on stdout: ``("ready", pid)`` once the journal is open, then, as it exits, ``("ok", rows)``,
  ``("unmerged", message)`` when the rows were written but could not be moved into the results
  table (they stay in the log for the next opening), or ``("error", message)`` when the journal
  could not be opened or rows could not be written.

Rows are committed in groups spanning at most ``COMMIT_AFTER_S`` (sooner when no more rows come
by then). Without the ``close`` frame (the parent died), the rows received are written and the
process exits; the next opening of the journal merges them.
"""

from __future__ import annotations

import json
import os
import pickle
import select
import sqlite3
import struct
import sys
import time
from typing import Any

__all__ = ["PARAMETERS_AT", "FrameReader", "encode_parameters", "encode_rows", "frame", "move_log"]

#: The index of the parameters in a journal row (``runner.journal.results_table``'s columns).
PARAMETERS_AT = 11
#: Rows are committed in groups of at most this many seconds from a group's first row (sooner
#: when no more rows come by then): a commit costs as much as writing dozens of rows.
COMMIT_AFTER_S = 0.1
_LENGTH = struct.Struct("<Q")


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)


_PARAMETERS_JSON = json.JSONEncoder(default=_json_default)


def encode_parameters(parameters: dict[str, Any]) -> str:
    """A scenario's parameters as the journal's JSON text (numbers as numbers, other values
    as their ``str``)."""
    return _PARAMETERS_JSON.encode(parameters)


def frame(message: Any) -> bytes:
    """``message`` pickled, behind its length."""
    body = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
    return _LENGTH.pack(len(body)) + body


class FrameReader:
    """Frames from a file descriptor, with a buffer of its own (so that ``waiting`` can tell
    whether more input is ready without blocking)."""

    CHUNK = 1 << 16

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = bytearray()

    def _fill(self, size: int) -> bool:
        while len(self.buffer) < size:
            chunk = os.read(self.fd, max(self.CHUNK, size - len(self.buffer)))
            if not chunk:
                return False
            self.buffer += chunk
        return True

    def read(self) -> Any:
        """The next frame's message; ``None`` at the end of the input or of a cut frame."""
        if not self._fill(_LENGTH.size):
            return None
        (size,) = _LENGTH.unpack_from(self.buffer)
        if not self._fill(_LENGTH.size + size):
            return None
        message = pickle.loads(memoryview(self.buffer)[_LENGTH.size : _LENGTH.size + size])
        del self.buffer[: _LENGTH.size + size]
        return message

    def waiting(self, seconds: float = 0.0) -> bool:
        """Whether more input is ready (buffered, or in the pipe) now or within ``seconds``."""
        return bool(self.buffer) or bool(select.select([self.fd], [], [], seconds)[0])


def encode_rows(rows: list[Any]) -> list[Any]:
    """Rows with their parameters as JSON text (those given as a dict)."""
    at = PARAMETERS_AT
    return [
        (*row[:at], encode_parameters(row[at]), *row[at + 1 :]) if isinstance(row[at], dict) else row
        for row in rows
    ]


def _append(connection: sqlite3.Connection, stream: FrameReader, append: str) -> tuple[Any, int]:
    """Write the ``rows`` frames until another message (returned) or the end (``None``)."""
    written, in_transaction, began = 0, False, 0.0
    while (message := stream.read()) is not None and message[0] == "rows":
        if not in_transaction:
            connection.execute("BEGIN")
            in_transaction, began = True, time.monotonic()
        connection.executemany(append, encode_rows(message[1]))
        written += len(message[1])
        left = began + COMMIT_AFTER_S - time.monotonic()
        if left <= 0 or not stream.waiting(left):  # the group is old enough, or no more rows come
            connection.execute("COMMIT")
            in_transaction = False
    if in_transaction:
        connection.execute("COMMIT")
    return message, written


def move_log(cursor: Any, merge: str, log: str) -> None:
    """Move a SQLite journal's ``log`` rows into its results table with the ``merge`` statement
    (inside the caller's transaction); nothing to do for an empty log."""
    if cursor.execute(f'SELECT 1 FROM "{log}" LIMIT 1').fetchone() is not None:
        cursor.execute(merge)
        cursor.execute(f'DELETE FROM "{log}"')


def _merge(connection: sqlite3.Connection, merge: str, log: str) -> None:
    connection.execute("BEGIN IMMEDIATE")
    move_log(connection, merge, log)
    connection.execute("COMMIT")


def _why(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


def _say(message: Any) -> None:
    out = sys.stdout.buffer
    out.write(frame(message))
    out.flush()


def _serve_database(stream: FrameReader, settings: dict[str, Any]) -> tuple[str, Any]:
    """A PostgreSQL journal: each frame's rows inserted in one transaction through SQLAlchemy
    (its multi-row inserts), a key already there keeping its row."""
    import sqlalchemy as sa  # only here: the SQLite writer starts with the standard library
    from sqlalchemy.dialects.postgresql import insert

    try:
        engine = sa.create_engine(settings["url"])
        table = sa.Table(settings["table"], sa.MetaData(), autoload_with=engine)
        statement = insert(table).on_conflict_do_nothing()
    except Exception as exc:
        return "error", _why(exc)
    _say(("ready", os.getpid()))
    names, written = settings["columns"], 0
    try:
        while (message := stream.read()) is not None and message[0] == "rows":
            records = [dict(zip(names, row, strict=True)) for row in encode_rows(message[1])]
            with engine.begin() as conn:
                conn.execute(statement, records)
            written += len(records)
    except Exception as exc:
        return "error", _why(exc)
    finally:
        engine.dispose()
    return "ok", written


def _serve(stream: FrameReader) -> tuple[str, Any]:
    settings = stream.read()
    if "url" in settings:
        return _serve_database(stream, settings)
    try:
        connection = sqlite3.connect(settings["path"], timeout=settings["timeout"], isolation_level=None)
        connection.execute("PRAGMA synchronous=NORMAL")
    except Exception as exc:
        return "error", _why(exc)
    _say(("ready", os.getpid()))
    try:
        try:
            message, written = _append(connection, stream, settings["append"])
        except Exception as exc:
            return "error", _why(exc)
        if message is None:  # the parent is gone: the next opening merges
            return "ok", written
        try:
            _merge(connection, settings["merge"], settings["log"])
        except Exception as exc:
            return "unmerged", _why(exc)
        return "ok", written
    finally:
        connection.close()


def main() -> None:
    _say(_serve(FrameReader(sys.stdin.fileno())))
    os._exit(0)


if __name__ == "__main__":
    main()
