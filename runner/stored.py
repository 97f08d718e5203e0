"""``StoredResults``: the results of a stored run (``run_scenarios(store=...)``), read from the
store's journal when asked, a chunk at a time, instead of held in memory.

The members are the journal's rows ``(run_key, key)`` for the run's scenario ``keys`` (in input
order); the journal may hold other runs' rows and those of other sweeps of the same run key,
which are not members. Rows are read by their primary key, a list of keys a statement (``SQLITE_KEYS``,
``SQL_KEYS``), so that memory stays bounded whatever the number of scenarios and a few
scenarios are never picked out of all the run's rows in Python.
"""

from __future__ import annotations

import binascii
import json
from collections.abc import ItemsView, Iterator, Sequence, ValuesView
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import sqlalchemy as sa

from lumix import LXObjectiveSense
from lumix.status import FAILURES, FEASIBLE

from .errors import JournalError
from .journal import Journal, result_from_row, results_table
from .meta import SweepMeta
from .results import CHUNK_ROWS, Rows, ScenarioResult, ScenarioResults, failed_table
from .urls import mask_url

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["StoredResults", "SQLITE_KEYS", "SQL_KEYS"]

#: Scenario keys a statement reads, by dialect: SQLite takes at most 999 bound parameters (before
#: 3.32), so 880 keys leave room for the run key and a list of statuses; others take more.
SQLITE_KEYS = 880
SQL_KEYS = 10_000
#: A table of at least this share of the journal's rows is read by one scan (``_all_rows``).
SCAN_SHARE = 0.25

_FEASIBLE = sorted(s.value for s in FEASIBLE)  # (as SQL parameters: plain strings)
_FAILURES = sorted(s.value for s in FAILURES)
#: The journal's columns a ``ScenarioResult`` is made of (``result_from_row``).
_RESULT_COLUMNS = [c for c in results_table.c if c.name != "run_key"]


class StoredResults(ScenarioResults):
    """The results of a stored run, read from ``store`` (a path: SQLite, or a SQLAlchemy URL):
    the rows of run ``run_key`` for the scenario ``keys`` (32 hexadecimal characters each, numpy
    ``'S32'``, in input order). The interface is ``ScenarioResults``'; iteration, ``items()``,
    ``values()``, ``failed``, ``best()``, ``to_dataframe(columns=...)`` and the files read a
    chunk of rows at a time; ``results[name]`` looks the name up in the run's rows.

    The store is opened when first read and its connections closed after each read (``close``
    forgets it); the object pickles as its store, run key, keys, flags and ``meta``.

    Raises ``JournalError`` naming the key and the store where a scenario has no row.
    """

    def __init__(
        self,
        store: str | Path,
        run_key: str,
        keys: Any,
        sense: LXObjectiveSense | None,
        interrupted: bool = False,
        resumed: int = 0,
        meta: SweepMeta | None = None,
    ) -> None:
        self.store = store
        self.run_key = run_key
        #: The keys, 16 bytes each (the journal's 32 hex characters), in one or more arrays.
        self._parts = _binary_keys(keys)
        self._starts = np.cumsum([0] + [len(part) for part in self._parts])
        self.sense = sense
        self.interrupted = interrupted
        self.resumed = resumed
        self.meta = meta if meta is not None else SweepMeta()
        self._journal: Journal | None = None
        self._sorted: tuple[np.ndarray, np.ndarray] | None = None  # (sorted keys, their positions)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_journal": None, "_sorted": None}

    def __repr__(self) -> str:
        return f"StoredResults({len(self)} scenarios of run {self.run_key[:12]} in {mask_url(self.store)})"

    def close(self) -> None:
        """Close the store (it is opened again when next read)."""
        if self._journal is not None:
            self._journal.close()
            self._journal = None

    # -- the mapping ---------------------------------------------------------------------------

    @property
    def scenario_keys(self) -> np.ndarray:
        """The scenario keys in input order, ``'S32'`` (the name ``keys`` is the mapping's method)."""
        return self._hex(0, len(self))

    def _hex(self, start: int, stop: int) -> np.ndarray:
        """The keys ``start .. stop - 1`` as the journal writes them (``'S32'``)."""
        stop = min(stop, len(self))
        first = int(np.searchsorted(self._starts, start, side="right")) - 1
        pieces, at = [], start
        while at < stop:
            part, offset = self._parts[first], int(self._starts[first])
            piece = part[at - offset : stop - offset]
            pieces.append(piece.tobytes())
            at += len(piece)
            first += 1
        return np.frombuffer(binascii.hexlify(b"".join(pieces)), dtype="S32")

    def __len__(self) -> int:
        return int(self._starts[-1])

    def __iter__(self) -> Iterator[str]:
        for rows in self._rows(("name",), 1):
            yield from rows["name"]

    def __getitem__(self, name: str) -> ScenarioResult:
        """The result named ``name`` (names are unique in a sweep): the first scenario's row,
        else the member among the run's rows of that name (a search through the run's rows)."""
        if not isinstance(name, str) or not len(self):
            raise KeyError(name)
        table = results_table
        with self._reading() as select:
            first = select(table.c.scenario_key == self._hex(0, 1)[0].decode(), table.c.name == name)
            rows = first or select(table.c.name == name)
        members = [(position, row) for row in rows if (position := self._position(row.scenario_key)) >= 0]
        if not members:
            raise KeyError(name)
        position, row = max(members, key=lambda member: member[0])
        return _result(position, row)

    def items(self) -> ItemsView[str, ScenarioResult]:
        return _Items(self)

    def values(self) -> ValuesView[ScenarioResult]:
        return _Values(self)

    def _each_result(self) -> Iterator[ScenarioResult]:
        """Every member's result, in input order (``index``: its position)."""
        position = 0
        for rows in self._select(_RESULT_COLUMNS):
            for row in rows:
                yield _result(position, row)
                position += 1

    # -- what the tables are read from -----------------------------------------------------------

    def _rows(self, fields: Sequence[str], size: int = CHUNK_ROWS) -> Iterator[Rows]:
        """The members' ``fields`` (of ``ROW_FIELDS``), about ``size`` results a chunk (at least
        a statement's), in input order."""
        columns = [results_table.c[f] for f in fields]
        chunk: list[Any] = []
        for rows in self._select(columns):
            chunk.extend(rows)
            while len(chunk) >= size:
                yield _as_rows(fields, _columns_of(chunk[:size], len(fields)))
                chunk = chunk[size:]
        if chunk:
            yield _as_rows(fields, _columns_of(chunk, len(fields)))

    def _all_rows(self, fields: Sequence[str]) -> Iterator[Rows]:
        """``_rows`` read by one scan of the run's rows when the members are at least a
        ``SCAN_SHARE`` of the journal's rows (a table read in order is many times faster than
        row by row through the index), then put in input order (all at once: for a table)."""
        if not len(self):
            return iter(())
        engine = self._engine()
        try:
            with engine.connect() as conn:
                rows = conn.execute(sa.select(sa.func.count()).select_from(results_table)).scalar_one()
        finally:
            engine.dispose()
        return self._scanned(fields) if len(self) >= SCAN_SHARE * rows else self._rows(fields)

    def _scanned(self, fields: Sequence[str]) -> Iterator[Rows]:
        table = results_table
        engine = self._engine()
        run_key: Any = table.c.run_key
        if engine.dialect.name == "sqlite":  # ``+run_key``: SQLite then reads the table, not the index
            run_key = sa.literal_column(f"+{table.name}.{run_key.name}", sa.String)
        statement = sa.select(table.c.scenario_key, *(table.c[f] for f in fields)).where(
            run_key == self.run_key
        )
        positions, columns = [], []
        try:
            with engine.connect() as conn:
                result = conn.execute(statement)
                while batch := result.fetchmany(CHUNK_ROWS):
                    keys, *found = zip(*batch, strict=True)
                    at = self._positions(np.array(keys, dtype="S32"))
                    positions.append(at[at >= 0])
                    columns.append([np.array(values, dtype=object)[at >= 0] for values in found])
        finally:
            engine.dispose()
        at = np.concatenate(positions) if positions else np.zeros(0, dtype=np.intp)
        if len(at) < len(self):
            seen = np.zeros(len(self), dtype=bool)
            seen[at] = True
            missing = int(np.argmin(seen))
            self._found({}, self._hex(missing, missing + 1)[0].decode())  # raises
        order = np.argsort(at)
        whole = [np.concatenate([chunk[i] for chunk in columns])[order] for i in range(len(fields))]
        for start in range(0, len(self), CHUNK_ROWS):
            yield _as_rows(fields, [column[start : start + CHUNK_ROWS] for column in whole])

    @property
    def failed(self) -> pd.DataFrame:
        """The scenarios that got no usable solver answer (see ``ScenarioResults.failed``),
        read alone from the store."""
        table = results_table
        columns = [table.c.name, table.c.status, table.c.error, table.c.attempts]
        failed = [
            tuple(row[1:]) for rows in self._select(columns, table.c.status.in_(_FAILURES)) for row in rows
        ]
        return failed_table(failed)

    def best(self, maximize: bool | None = None) -> ScenarioResult | None:
        """The feasible scenario with the best objective (the model's sense by default; the first
        in input order among equals), found from the objectives alone."""
        table = results_table
        feasible = (table.c.status.in_(_FEASIBLE), table.c.objective_value.is_not(None))
        best_key, best = None, None
        sign = 1.0 if self._maximizes(maximize) else -1.0
        for rows in self._select([table.c.objective_value], *feasible):
            for key, objective in rows:
                if objective == objective and (best is None or sign * objective > sign * best):  # not NaN
                    best_key, best = key, objective
        if best_key is None:
            return None
        with self._reading() as select:
            (row,) = select(table.c.scenario_key == best_key)
        return _result(self._position(best_key), row)

    # -- reading the store -----------------------------------------------------------------------

    def _engine(self) -> sa.Engine:
        if self._journal is None:
            self._journal = Journal(self.store)
        return self._journal.engine

    @contextmanager
    def _reading(self) -> Iterator[Any]:
        """``select(*conditions)``: the run's rows (all journal columns) that meet them; the
        store's connections are closed at the end."""
        engine = self._engine()

        def select(*conditions: Any) -> list[Any]:
            statement = sa.select(*_RESULT_COLUMNS).where(
                results_table.c.run_key == self.run_key, *conditions
            )
            with engine.connect() as conn:
                return list(conn.execute(statement).all())

        try:
            yield select
        finally:
            engine.dispose()

    def _select(self, columns: Sequence[Any], *conditions: Any) -> Iterator[list[Any]]:
        """The members' rows ``(scenario_key, *columns)``, a statement's keys at a time in input
        order; with ``conditions``, those that meet them, else every member's (a missing row is a
        ``JournalError``)."""
        table = results_table
        engine = self._engine()
        statement = sa.select(table.c.scenario_key, *columns).where(
            table.c.run_key == self.run_key,
            table.c.scenario_key.in_(sa.bindparam("keys", expanding=True)),
            *conditions,
        )
        size = SQLITE_KEYS if engine.dialect.name == "sqlite" else SQL_KEYS
        try:
            for start in range(0, len(self), size):
                keys = self._hex(start, start + size).astype("U32").tolist()
                with engine.connect() as conn:
                    found = {row[0]: row for row in conn.execute(statement, {"keys": keys})}
                if conditions:
                    yield [found[key] for key in keys if key in found]
                else:
                    yield [self._found(found, key) for key in keys]
        finally:
            engine.dispose()

    def _found(self, found: dict[str, Any], key: str) -> Any:
        row = found.get(key)
        if row is None:
            raise JournalError(
                f"journal {mask_url(self.store)}: no row for scenario key {key} of run {self.run_key}; "
                "fix: the journal was changed since the run: run the sweep again with this store "
                "(it solves what is missing)"
            )
        return row

    def _position(self, key: str) -> int:
        """The input position of the member ``key``; -1 for a key of another sweep."""
        return int(self._positions(np.array([key], dtype="S32"))[0])

    def _positions(self, keys: np.ndarray) -> np.ndarray:
        """The input positions of ``keys`` (``'S32'``); -1 for those of other sweeps."""
        if self._sorted is None:
            order = np.argsort(self.scenario_keys, kind="stable")
            self._sorted = (self.scenario_keys[order], order)
        members, order = self._sorted
        if not len(members):
            return np.full(len(keys), -1, dtype=np.intp)
        needles = np.argsort(keys)  # (sorted needles are found twice as fast)
        at = np.empty(len(keys), dtype=np.intp)
        at[needles] = np.minimum(np.searchsorted(members, keys[needles]), len(members) - 1)
        return np.where(members[at] == keys, order[at], -1)


def _binary_keys(keys: Any) -> list[np.ndarray]:
    """``keys`` (32 hexadecimal characters each; or a list of numpy ``'V16'`` arrays: the keys as
    bytes, in parts, as the collector keeps them) as a list of one-dimensional ``'V16'`` arrays."""
    if isinstance(keys, list) and all(isinstance(k, np.ndarray) and k.dtype == np.dtype("V16") for k in keys):
        return keys
    given = np.asarray(keys)
    if given.dtype == np.dtype("V16"):
        return [given]
    text = np.asarray(keys, dtype="S32")
    if text.ndim != 1:
        raise ValueError(f"StoredResults: keys must be one-dimensional, got an array of shape {text.shape}")
    try:
        return [np.frombuffer(binascii.unhexlify(text.tobytes()), dtype="V16")]
    except (binascii.Error, ValueError):
        raise ValueError("StoredResults: each key must be 32 hexadecimal characters") from None


def _columns_of(rows: list[Any], count: int) -> list[Any]:
    """The ``count`` columns after the key of journal rows ``(scenario_key, ...)``."""
    return list(zip(*rows, strict=True))[1:] if rows else [()] * count


def _as_rows(fields: Sequence[str], columns: Sequence[Any]) -> Rows:
    """The journal's columns of ``fields`` as ``Rows`` (the JSON columns decoded, a chunk's
    texts at once)."""
    chunk: Rows = {}
    for field, values in zip(fields, columns, strict=True):
        if field in ("outcomes", "parameters"):
            chunk[field] = json.loads(f"[{','.join(value or '{}' for value in values)}]")
        else:
            chunk[field] = list(values)
    return chunk


def _result(position: int, row: Any) -> ScenarioResult:
    mapping = row._mapping
    return result_from_row(position, mapping, json.loads(mapping["parameters"] or "{}"))


class _Items(ItemsView[str, ScenarioResult]):
    """``StoredResults.items()``: read a chunk at a time."""

    _mapping: StoredResults

    def __iter__(self) -> Iterator[tuple[str, ScenarioResult]]:
        for result in self._mapping._each_result():
            yield result.name, result


class _Values(ValuesView[ScenarioResult]):
    """``StoredResults.values()``: read a chunk at a time."""

    _mapping: StoredResults

    def __iter__(self) -> Iterator[ScenarioResult]:
        yield from self._mapping._each_result()
