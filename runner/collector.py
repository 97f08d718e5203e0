"""The collector: progress bar, results journal (resume), and the results it assembles.

The journal is one SQLAlchemy table; every result is committed as it arrives (SQLite in WAL
mode for a path, any SQLAlchemy URL otherwise). A result is keyed by the run key (model hash,
solver options, ``keep``) and the scenario key, so re-running the same call skips what is
done and a parent killed mid-run loses and duplicates nothing.
"""

from __future__ import annotations

import json
import math
import pickle
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from .worker import ResultRecord

__all__ = ["Journal", "Progress"]

_metadata = sa.MetaData()
results_table = sa.Table(
    "lumix_scenario_results",
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
)


def _url(store: str | Path) -> str:
    text = str(store)
    return text if "://" in text else f"sqlite:///{Path(text).expanduser().resolve()}"


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    return str(value)


class Journal:
    """A results store on any SQLAlchemy database. Unpickling solutions: trusted data only."""

    def __init__(self, store: str | Path) -> None:
        url = _url(store)
        self.engine = sa.create_engine(url)
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        _metadata.create_all(self.engine)

    def load(self, run_key: str, keys: list[str]) -> dict[str, dict[str, Any]]:
        """Stored rows of this run whose scenario key is in ``keys``."""
        found: dict[str, dict[str, Any]] = {}
        wanted = set(keys)
        query = sa.select(results_table).where(results_table.c.run_key == run_key)
        with self.engine.connect() as conn:
            for row in conn.execute(query).mappings():
                if row["scenario_key"] in wanted:
                    found[row["scenario_key"]] = dict(row)
        return found

    def forget(self, run_key: str, keys: list[str]) -> None:
        """Delete the rows of these scenario keys (failed results about to be retried)."""
        if keys:
            table = results_table
            with self.engine.begin() as conn:
                conn.execute(
                    table.delete().where(table.c.run_key == run_key, table.c.scenario_key.in_(keys))
                )

    def forget_scenarios(self, keys: list[str]) -> None:
        """Delete the rows of these scenario keys in every run (a sweep started afresh)."""
        table = results_table
        with self.engine.begin() as conn:
            for start in range(0, len(keys), 500):
                conn.execute(table.delete().where(table.c.scenario_key.in_(keys[start : start + 500])))

    def write(self, run_key: str, rows: list[tuple[str, ResultRecord, dict[str, Any]]]) -> None:
        """Commit results (scenario key, record, parameters); existing keys are kept."""
        values = [
            {
                "run_key": run_key,
                "scenario_key": key,
                "name": rec.name,
                "status": rec.status,
                "objective_value": rec.objective_value,
                "solve_time": rec.solve_time,
                "wall_time": rec.wall_time,
                "method": rec.method,
                "attempts": rec.attempts,
                "worker": rec.worker,
                "error": rec.error,
                "parameters": json.dumps(params, default=_json_default),
                "solution": None if rec.solution is None else pickle.dumps(rec.solution),
            }
            for key, rec, params in rows
        ]
        if not values:
            return
        dialect = self.engine.dialect.name
        if dialect in ("sqlite", "postgresql"):
            insert = getattr(sa.dialects, dialect).insert
            statement = insert(results_table).on_conflict_do_nothing()
            with self.engine.begin() as conn:
                conn.execute(statement, values)
            return
        for value in values:  # other databases: one row at a time, duplicates ignored
            try:
                with self.engine.begin() as conn:
                    conn.execute(results_table.insert(), value)
            except sa.exc.IntegrityError:
                pass

    def close(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def record_from_row(index: int, row: dict[str, Any]) -> ResultRecord:
    """A journal row back into a record (for resumed scenarios)."""
    solution = row["solution"]
    objective = row["objective_value"]
    return ResultRecord(
        index,
        row["name"],
        row["status"],
        None if objective is None or math.isnan(objective) else objective,
        row["solve_time"],
        row["wall_time"],
        row["method"],
        row["worker"],
        row["error"],
        None if solution is None else pickle.loads(solution),
        attempts=row["attempts"],
    )


class Progress:
    """A tqdm bar when asked for (``True``) or when stderr is a terminal (``None``)."""

    def __init__(self, total: int, enabled: bool | None, initial: int = 0) -> None:
        if enabled is None:
            enabled = sys.stderr.isatty()
        self.bar = None
        if enabled:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, initial=initial, unit="scenario", dynamic_ncols=True)

    def update(self, n: int, failed: int) -> None:
        if self.bar is not None:
            self.bar.update(n)
            if failed:
                self.bar.set_postfix(failed=failed, refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
