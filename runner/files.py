"""Results files: the one writer (``write_table``) and the one reader (``read_table``) of a
results table with its metadata, for ``ScenarioResults.to_parquet`` / ``to_csv`` / ``save``,
``runner.read_results`` and the command line alike.

Formats, by the output's suffix (or a URL):

- Parquet (``.parquet``): the table (pandas keeps its dtypes: ``status`` categorical, text
  columns strings); the metadata as JSON under ``META_KEY`` (``"lumix_sweep"``) in the file's
  key-value schema metadata, which pyarrow (``pyarrow.parquet.read_schema(path).metadata``),
  polars (``polars.read_parquet_metadata``) and duckdb (``parquet_kv_metadata``) read, and in
  pandas' ``attrs`` (``pandas.read_parquet(path).attrs[META_KEY]``);
- CSV (``.csv``): the table; the metadata in ``<file>.meta.json`` beside it;
- a store (``.sqlite``, ``.sqlite3``, ``.db`` or a SQLAlchemy URL): tables ``sweep_results``
  and ``sweep_meta`` (``key``, JSON ``value``). A store that holds only a journal (a sweep that
  never finished) is read from the journal, one row per journaled scenario.

The metadata is ``SweepMeta.to_dict()`` (``runner.meta``) plus ``"sense"`` (``"maximize"`` or
``"minimize"``). Files written before it (the metadata in pandas' ``df.attrs``, parameters as
a list of names) still read; a file without metadata gets the kind its scenario names tell.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from .columns import JOURNAL_LOG_TABLE, JOURNAL_TABLE, RESULT_COLUMNS, TEXT_COLUMNS, with_result_dtypes
from .errors import CommandError
from .meta import META_KEY
from .urls import mask_secrets, mask_url

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "RESULTS_TABLE",
    "META_TABLE",
    "STORE_SUFFIXES",
    "OUTPUT_SUFFIXES",
    "is_store",
    "meta_path",
    "write_table",
    "TableWriter",
    "read_table",
    "guess_kind",
]

logger = logging.getLogger(__name__)

RESULTS_TABLE = "sweep_results"
META_TABLE = "sweep_meta"
STORE_SUFFIXES = (".sqlite", ".sqlite3", ".db")
OUTPUT_SUFFIXES = (".parquet", ".csv", *STORE_SUFFIXES)
#: Scenario-name prefixes of the sweep generators, to tell the kind of a file without metadata
#: (``sobol`` and ``morris`` need their design, which only metadata holds).
KIND_PREFIXES = (
    ("oat-", "one_at_a_time"),
    ("grid-", "grid"),
    ("lhs-", "latin_hypercube"),
    ("mc-", "monte_carlo"),
    ("qmc-", "quasi_random"),
)
#: Where pandas keeps a frame's ``attrs`` in Parquet: the metadata is there too, so that
#: ``pandas.read_parquet(path).attrs[META_KEY]`` holds it.
_PANDAS_ATTRS = b"PANDAS_ATTRS"


def is_store(output: str | Path) -> bool:
    """A SQLAlchemy URL or a SQLite file (rather than a Parquet or CSV file)."""
    return "://" in str(output) or Path(output).suffix.lower() in STORE_SUFFIXES


def meta_path(path: Path) -> Path:
    """Where a CSV file's metadata goes: ``<file>.meta.json`` beside it."""
    return path.with_name(path.name + ".meta.json")


def _engine(url_or_path: str) -> Any:
    import sqlalchemy as sa

    if "://" in url_or_path:
        return sa.create_engine(url_or_path)
    return sa.create_engine(f"sqlite:///{Path(url_or_path).expanduser().resolve()}")


def _json(meta: dict[str, Any]) -> str:
    """``meta`` as JSON; numpy scalars as numbers, anything else unknown as its text."""
    return json.dumps(meta, default=lambda v: v.item() if hasattr(v, "item") else str(v))


# -- writing ------------------------------------------------------------------------------------


def write_table(
    df: pd.DataFrame,
    output: str | Path,
    meta: dict[str, Any],
    *,
    fmt: Literal["parquet", "csv"] | None = None,
) -> str:
    """Write the results table with its metadata to ``output`` by its suffix (or URL), or as
    ``fmt`` whatever the suffix; returns where it went (a URL's password masked)."""
    with TableWriter(output, meta, df, fmt=fmt) as writer:
        writer.write(df)
    return writer.where


class TableWriter:
    """Writes a results table a chunk at a time (``write``, then ``close`` or the end of a
    ``with`` block) with its metadata to ``output``, by its suffix (or URL) or as ``fmt``:
    Parquet row groups (``pyarrow.parquet.ParquetWriter``), CSV appended, or rows appended to a
    store's table. ``like`` (a sample of the table, or the table) gives the columns and their
    dtypes; each chunk is brought to them (a column it lacks: missing values), so the file is the
    one that the whole table written at once makes. ``where``: where it went (a URL masked)."""

    def __init__(
        self,
        output: str | Path,
        meta: dict[str, Any],
        like: pd.DataFrame,
        *,
        fmt: Literal["parquet", "csv"] | None = None,
    ) -> None:
        self._columns = list(like.columns)
        self._dtypes = like.dtypes.to_dict()
        self._empty = like.iloc[:0]
        self._chunks = 0
        self.rows = 0
        if fmt is None and is_store(output):
            self._sink: _Sink = _StoreSink(str(output), meta, like)
            self.where = f"{mask_url(str(output))} (table {RESULTS_TABLE})"
            return
        path = Path(output)
        suffix = f".{fmt}" if fmt else path.suffix.lower()
        if suffix not in (".csv", ".parquet"):
            raise ValueError(
                f"{output}: cannot tell the format from its suffix {suffix or '(none)'!r}; "
                "expected .parquet, .csv, .sqlite/.sqlite3/.db or a SQLAlchemy URL"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        self._sink = _CsvSink(path, meta) if suffix == ".csv" else _ParquetSink(path, meta, like)
        self.where = str(path)

    def write(self, df: pd.DataFrame) -> None:
        """Append the rows of ``df`` (the table's columns, or some of them)."""
        self._sink.write(df.reindex(columns=self._columns).astype(self._dtypes))
        self._chunks += 1
        self.rows += len(df)

    def close(self) -> None:
        if not self._chunks:  # no rows: the columns still go (a CSV header, an empty table)
            self.write(self._empty)
        self._sink.close()
        logger.info("wrote %d rows to %s", self.rows, self.where)

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: Any) -> None:
        if kind is None:
            self.close()
        else:
            self._sink.abort()


class _Sink:
    """Where a ``TableWriter``'s chunks go."""

    def write(self, df: pd.DataFrame) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        """Release what is open after a failure (the output is left incomplete)."""


class _ParquetSink(_Sink):
    """One Parquet file, a row group per chunk; the metadata in its schema (see the module)."""

    def __init__(self, path: Path, meta: dict[str, Any], like: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.Schema.from_pandas(like, preserve_index=False)
        text = _json(meta)
        self._schema = schema.with_metadata(
            {
                **(schema.metadata or {}),
                META_KEY.encode(): text.encode(),
                _PANDAS_ATTRS: json.dumps({META_KEY: json.loads(text)}).encode(),  # pd.read_parquet's attrs
            }
        )
        self._writer = pq.ParquetWriter(path, self._schema)

    def write(self, df: pd.DataFrame) -> None:
        import pyarrow as pa

        self._writer.write_table(pa.Table.from_pandas(df, schema=self._schema, preserve_index=False))

    def close(self) -> None:
        self._writer.close()

    def abort(self) -> None:
        self._writer.close()


class _CsvSink(_Sink):
    """A CSV file, chunks appended under one header; the metadata in ``<file>.meta.json``."""

    def __init__(self, path: Path, meta: dict[str, Any]) -> None:
        self._path, self._meta, self._header = path, meta, True

    def write(self, df: pd.DataFrame) -> None:
        df.to_csv(self._path, index=False, mode="w" if self._header else "a", header=self._header)
        self._header = False

    def close(self) -> None:
        meta_path(self._path).write_text(json.dumps(json.loads(_json(self._meta)), indent=2) + "\n")


class _StoreSink(_Sink):
    """Tables ``sweep_results`` (made anew with the columns of ``like``, chunks appended) and
    ``sweep_meta`` in a store; a failure is a ``CommandError`` naming the store."""

    def __init__(self, output: str, meta: dict[str, Any], like: pd.DataFrame) -> None:
        import pandas as pd
        import sqlalchemy as sa

        self._output, self._meta = output, meta
        self._engine = self._guard(lambda: _engine(output))
        ddl = pd.io.sql.get_schema(like, RESULTS_TABLE, con=self._engine)  # the types to_sql gives ``like``

        def create() -> None:
            sa.Table(RESULTS_TABLE, sa.MetaData()).drop(self._engine, checkfirst=True)
            with self._engine.begin() as conn:
                conn.exec_driver_sql(ddl)

        self._guard(create)

    def _guard(self, step: Callable[[], Any]) -> Any:
        try:
            return step()
        except Exception as exc:  # the store went away, or refuses the table
            self.abort()
            raise CommandError(
                f"{mask_url(self._output)}: cannot write the results: {type(exc).__name__}: "
                f"{mask_secrets(str(exc)).splitlines()[0]}",
                "check the store (the journal holds every result: `report` reads it)",
            ) from None

    def write(self, df: pd.DataFrame) -> None:
        self._guard(lambda: df.to_sql(RESULTS_TABLE, self._engine, if_exists="append", index=False))

    def close(self) -> None:
        import pandas as pd

        values = json.loads(_json(self._meta))
        meta = pd.DataFrame({"key": list(values), "value": [json.dumps(v) for v in values.values()]})
        self._guard(lambda: meta.to_sql(META_TABLE, self._engine, if_exists="replace", index=False))
        self.abort()

    def abort(self) -> None:
        if getattr(self, "_engine", None) is not None:
            self._engine.dispose()


# -- reading ------------------------------------------------------------------------------------


def read_table(source: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The results table (with the results' dtypes) and its metadata from a Parquet or CSV
    file or a store (see the module's docstring).

    Raises ``CommandError`` (a ``RunnerError``) naming the source for a missing file, an unknown
    suffix, a file that cannot be read or a table that is not a results table.
    """
    source = str(source)
    df, meta = _read_store(source) if is_store(source) else _read_file(source)
    missing = {"name", "status", "objective_value"} - set(df.columns)
    if missing:
        raise CommandError(
            f"{mask_url(source)}: not a results table (no column {', '.join(sorted(missing))})",
            "give the output of `python -m runner run` or of ScenarioResults.save()",
        )
    return with_result_dtypes(df), _current(meta, df)


def _read_file(source: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    path = Path(source)
    if not path.is_file():
        raise CommandError(
            f"{source}: no such results file", "give the path of a results file (--output of a run)"
        )
    suffix = path.suffix.lower()
    reader = _FILE_READERS.get(suffix)
    if reader is None:
        raise CommandError(
            f"{source}: cannot tell the format from its suffix {suffix or '(none)'!r}",
            "give a .parquet, .csv, .sqlite/.db file or a SQLAlchemy URL",
        )
    try:
        return reader(path)
    except Exception as exc:
        raise CommandError(
            f"{source}: cannot read it: {type(exc).__name__}: {exc}", "rerun the sweep"
        ) from exc


def _read_parquet(path: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    import pandas as pd
    import pyarrow.parquet as pq

    df = pd.read_parquet(path)
    stored = (pq.read_schema(path).metadata or {}).get(META_KEY.encode())
    meta = json.loads(stored) if stored is not None else df.attrs.get(META_KEY, {})  # before: df.attrs
    df.attrs.clear()
    return df, dict(meta)


def _read_csv(path: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    import pandas as pd

    sidecar = meta_path(path)
    meta = json.loads(sidecar.read_text()) if sidecar.is_file() else {}
    header = pd.read_csv(path, nrows=0).columns
    text = {c: "string" for c in TEXT_COLUMNS if c in header}  # "0001" stays a name, "" stays text
    return pd.read_csv(path, dtype=text, keep_default_na=False, na_values={c: [""] for c in header}), meta


_FILE_READERS: dict[str, Callable[[Path], tuple[pd.DataFrame, dict[str, Any]]]] = {
    ".parquet": _read_parquet,
    ".csv": _read_csv,
}


def _read_store(source: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    if "://" not in source and not Path(source).is_file():
        raise CommandError(f"{source}: no such results store", "give the --output path of a finished run")
    shown = mask_url(source)
    try:
        engine = _engine(source)
    except Exception as exc:  # a bad URL, a missing driver
        raise CommandError(
            f"{shown}: cannot open it: {type(exc).__name__}: {mask_secrets(str(exc))}",
            "give a .sqlite/.db file or a SQLAlchemy URL whose driver is installed",
        ) from None
    try:
        return _read_tables(shown, engine)
    except CommandError:
        raise
    except Exception as exc:
        raise CommandError(
            f"{shown}: cannot read it: {type(exc).__name__}: {mask_secrets(str(exc)).splitlines()[0]}",
            "check the store",
        ) from None
    finally:
        engine.dispose()


def _read_tables(source: str, engine: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``sweep_results`` and ``sweep_meta``, else the journal's rows."""
    import pandas as pd
    import sqlalchemy as sa

    tables = set(sa.inspect(engine).get_table_names())
    if RESULTS_TABLE in tables:
        df = pd.read_sql_table(RESULTS_TABLE, engine)
        meta: dict[str, Any] = {}
        if META_TABLE in tables:
            rows = pd.read_sql_table(META_TABLE, engine)
            meta = {k: json.loads(v) for k, v in zip(rows["key"], rows["value"], strict=True)}
        return df, meta
    if JOURNAL_TABLE not in tables:
        raise CommandError(
            f"{source}: holds neither {RESULTS_TABLE!r} nor a journal", "give the output of a run"
        )
    journal = pd.read_sql_table(JOURNAL_TABLE, engine)
    log = pd.read_sql_table(JOURNAL_LOG_TABLE, engine) if JOURNAL_LOG_TABLE in tables else None
    if log is not None and len(log):  # rows a running (or killed) run has not moved yet
        journal = pd.concat([journal, log], ignore_index=True).drop_duplicates(["run_key", "scenario_key"])
    if "position" in journal.columns:  # input order (rows move into the table sorted by key)
        journal = journal.sort_values("position", kind="stable", na_position="last")
    return _from_journal(journal)


def _from_journal(journal: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The journal's rows as a results table (its ``RESULT_COLUMNS``, then its outcomes, then
    its parameters) and the metadata it tells (the outcomes' names)."""
    import pandas as pd

    columns = [c for c in RESULT_COLUMNS if c in journal.columns]
    rows, outcomes = [], {}
    for row in journal.to_dict("records"):
        record = {c: row[c] for c in columns}
        values = json.loads(row.get("outcomes") or "{}")
        outcomes.update(dict.fromkeys(values))
        record.update(values)
        record.update(json.loads(row.get("parameters") or "{}"))
        rows.append(record)
    return pd.DataFrame(rows, columns=None if rows else columns), {"outcomes": list(outcomes)}


def guess_kind(df: pd.DataFrame) -> str | None:
    """The sweep kind from the scenario names (for a results file without metadata)."""
    if "name" not in df.columns:
        return None
    names = df["name"].astype(str)
    for prefix, kind in KIND_PREFIXES:
        if names.str.startswith(prefix).any():
            return kind
    return None


def _current(meta: dict[str, Any], df: pd.DataFrame) -> dict[str, Any]:
    """Metadata in this version's form: parameters as dicts (files before it listed names), a
    kind guessed from the scenario names where the file has none."""
    meta = dict(meta)
    meta["parameters"] = [{"name": p} if isinstance(p, str) else p for p in meta.get("parameters") or []]
    if not meta.get("kind"):
        meta["kind"] = guess_kind(df) or "custom"
    return meta
