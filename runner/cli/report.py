"""Results files of the command line: writing and reading them, the summary table, the plots.

A results file is the table of ``ScenarioResults.to_dataframe()`` (``runner.results``) with the
sweep's metadata (spec, kind, sense, model, parameters, n, seed): Parquet keeps the metadata in
the file, CSV next to it (``<file>.meta.json``), a SQLite or SQLAlchemy store in a
``sweep_meta`` table beside ``sweep_results``. A store that holds only a journal (a sweep that
never finished) is read from the journal, one row per journaled scenario.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..analysis import feasible, feasible_status, parameter_columns
from ..columns import BASELINE, RESULT_COLUMNS
from ..errors import CommandError
from ..urls import mask_secrets, mask_url

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "STORE_SUFFIXES",
    "OUTPUT_SUFFIXES",
    "is_store",
    "write_results",
    "read_results",
    "summary_table",
    "guess_kind",
    "write_plots",
    "folder_problem",
    "check_plots_folder",
]

logger = logging.getLogger(__name__)

RESULTS_TABLE = "sweep_results"
META_TABLE = "sweep_meta"
META_KEY = "lumix_sweep"
STORE_SUFFIXES = (".sqlite", ".sqlite3", ".db")
OUTPUT_SUFFIXES = (".parquet", ".csv", *STORE_SUFFIXES)
PERCENTILES = (0, 5, 25, 50, 75, 95, 100)
#: Scenario-name prefixes of the sweep generators, to tell the kind of a file without metadata.
KIND_PREFIXES = (
    ("oat-", "one_at_a_time"),
    ("grid-", "grid"),
    ("lhs-", "latin_hypercube"),
    ("mc-", "monte_carlo"),
)
PLOTS_FIX = "pip install 'lumix-runner[plots]'"


def is_store(output: str) -> bool:
    """A SQLAlchemy URL or a SQLite file (rather than a Parquet or CSV file)."""
    return "://" in output or Path(output).suffix.lower() in STORE_SUFFIXES


def folder_problem(folder: Path) -> tuple[str, str] | None:
    """``(problem, fix)`` when files cannot be written in ``folder`` (created if missing)."""
    existing = folder.expanduser().absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return (
            f"cannot create the folder {folder}: {existing} is a file",
            "choose another folder, or move that file away",
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"the folder {existing} is not writable", "choose a folder you can write to"
    return None


def check_plots_folder(directory: Path, key: str) -> None:
    """The report's plots folder: a folder (or none yet) where files can be written."""
    if directory.exists() and not directory.is_dir():
        raise CommandError(
            f"{key} {directory}: is an existing file, not a folder",
            "give a folder for the PNG plots (a new or existing one), or --no-plots",
        )
    problem = folder_problem(directory)
    if problem is not None:
        raise CommandError(f"{key} {directory}: {problem[0]}", problem[1])


def _engine(url_or_path: str) -> Any:
    import sqlalchemy as sa

    if "://" in url_or_path:
        return sa.create_engine(url_or_path)
    return sa.create_engine(f"sqlite:///{Path(url_or_path).expanduser().resolve()}")


def _meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.json")


# -- writing ------------------------------------------------------------------------------------


def write_results(df: pd.DataFrame, output: str, meta: dict[str, Any]) -> str:
    """Write the results table to ``output`` by its suffix (or URL); returns where it went.

    Parquet keeps ``meta`` in the file; CSV next to it (``<file>.meta.json``); a store in a
    ``sweep_meta`` table beside ``sweep_results``.
    """
    if is_store(output):
        try:
            _write_store(df, output, meta)
        except Exception as exc:  # the store went away, or refuses the table
            raise CommandError(
                f"{mask_url(output)}: cannot write the results: {type(exc).__name__}: "
                f"{mask_secrets(str(exc)).splitlines()[0]}",
                "check the store (the journal holds every result: `report` reads it)",
            ) from None
        return f"{mask_url(output)} (table {RESULTS_TABLE})"
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        df.to_csv(path, index=False)
        _meta_path(path).write_text(json.dumps(meta, indent=2) + "\n")
    else:
        df = df.copy()
        df.attrs[META_KEY] = meta
        df.to_parquet(path, index=False)
    logger.info("wrote %d rows to %s", len(df), path)
    return str(path)


def _write_store(df: pd.DataFrame, output: str, meta: dict[str, Any]) -> None:
    import pandas as pd

    engine = _engine(output)
    try:
        df.to_sql(RESULTS_TABLE, engine, if_exists="replace", index=False)
        pd.DataFrame({"key": list(meta), "value": [json.dumps(v) for v in meta.values()]}).to_sql(
            META_TABLE, engine, if_exists="replace", index=False
        )
    finally:
        engine.dispose()


# -- reading ------------------------------------------------------------------------------------


def read_results(source: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The results table and its metadata from a Parquet or CSV file or a store.

    A store without a ``sweep_results`` table (a sweep that never finished) is read from its
    journal, one row per journaled scenario.
    """
    if is_store(source):
        return _read_store(source)
    path = Path(source)
    if not path.is_file():
        raise CommandError(f"{source}: no such results file", "give the --output path of a finished run")
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

    df = pd.read_parquet(path)
    return df, dict(df.attrs.get(META_KEY, {}))


def _read_csv(path: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    import pandas as pd

    meta_file = _meta_path(path)
    meta = json.loads(meta_file.read_text()) if meta_file.is_file() else {}
    return pd.read_csv(path), meta


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

    from ..collector import results_table

    tables = set(sa.inspect(engine).get_table_names())
    if RESULTS_TABLE in tables:
        df = pd.read_sql_table(RESULTS_TABLE, engine)
        meta: dict[str, Any] = {}
        if META_TABLE in tables:
            rows = pd.read_sql_table(META_TABLE, engine)
            meta = {k: json.loads(v) for k, v in zip(rows["key"], rows["value"], strict=True)}
        return df, meta
    if results_table.name not in tables:
        raise CommandError(
            f"{source}: holds neither {RESULTS_TABLE!r} nor a journal", "give the output of a run"
        )
    with engine.connect() as conn:
        journal = pd.read_sql(sa.select(results_table), conn)
    return _from_journal(journal, results_table), {}


def _from_journal(journal: pd.DataFrame, table: Any) -> pd.DataFrame:
    """The journal's rows as a results table: its ``RESULT_COLUMNS``, then the parameters."""
    import pandas as pd

    columns = [c for c in RESULT_COLUMNS if c in table.c]
    rows = []
    for row in journal.to_dict("records"):
        record = {c: row[c] for c in columns}
        record.update(json.loads(row.get(table.c.parameters.name) or "{}"))
        rows.append(record)
    return pd.DataFrame(rows, columns=None if rows else columns)


# -- the summary --------------------------------------------------------------------------------


def summary_table(
    df: pd.DataFrame, *, sense: str | None = None, parameters: Sequence[str] | None = None
) -> str:
    """Counts by status, the baseline and the best scenario, and objective percentiles."""
    ok = feasible(df)
    lines = _status_lines(df)
    base_obj = _baseline_objective(df, ok)
    if base_obj is not None:
        lines.append(f"Baseline objective: {base_obj:,.6g}")
    solved = df[ok]
    if len(solved):
        lines.append(_best_line(df, solved, sense, base_obj, parameter_columns(df, parameters)))
        lines += _percentile_lines(solved)
    else:
        lines.append("No feasible scenario.")
    lines += _failure_lines(df)
    return "\n".join(lines)


def _status_lines(df: pd.DataFrame) -> list[str]:
    total = len(df)
    lines = [f"{'status':<12} {'count':>8} {'share':>7}"]
    for status, count in df["status"].value_counts().items():
        lines.append(f"{status:<12} {count:>8} {count / total:>7.1%}")
    lines.append(f"{'total':<12} {total:>8}")
    return lines


def _baseline_objective(df: pd.DataFrame, ok: pd.Series) -> float | None:
    base = df[df["name"] == BASELINE]
    if len(base) and bool(ok[base.index[0]]):
        return float(base["objective_value"].iloc[0])
    return None


def _best_line(
    df: pd.DataFrame, solved: pd.DataFrame, sense: str | None, base_obj: float | None, params: list[str]
) -> str:
    maximize = sense != "minimize"
    objective = solved["objective_value"]
    best = df.loc[objective.idxmax() if maximize else objective.idxmin()]
    change = ""
    if base_obj:
        change = f" ({(best['objective_value'] - base_obj) / abs(base_obj):+.2%} vs baseline)"
    values = ", ".join(
        f"{p}={best[p]:.4g}" for p in params if isinstance(best[p], int | float) and math.isfinite(best[p])
    )
    return (
        f"Best ({'max' if maximize else 'min'}): {best['name']} objective {best['objective_value']:,.6g}"
        f"{change}" + (f" at {values}" if values else "")
    )


def _percentile_lines(solved: pd.DataFrame) -> list[str]:
    import numpy as np

    objective = solved["objective_value"].to_numpy(dtype=float)
    heads = [{0: "min", 100: "max"}.get(q, f"p{q}") for q in PERCENTILES]
    cells = [f"{v:,.6g}" for v in np.percentile(objective, PERCENTILES)]
    width = max(10, *(len(c) for c in cells))
    return [
        f"Objective percentiles ({len(solved)} feasible scenarios):",
        "  " + " ".join(f"{h:>{width}}" for h in heads),
        "  " + " ".join(f"{c:>{width}}" for c in cells),
    ]


def _failure_lines(df: pd.DataFrame) -> list[str]:
    if "error" not in df.columns:
        return []
    failed = df[~feasible_status(df) & df["error"].notna()]
    if not len(failed):
        return []
    first = failed.iloc[0]
    return [f"First failure: {first['name']}: {str(first['error']).splitlines()[0]}"]


def guess_kind(df: pd.DataFrame) -> str | None:
    """The sweep kind from the scenario names (for a results file without metadata)."""
    names = df["name"].astype(str)
    for prefix, kind in KIND_PREFIXES:
        if names.str.startswith(prefix).any():
            return kind
    return None


# -- plots --------------------------------------------------------------------------------------


def write_plots(
    df: pd.DataFrame,
    directory: Path,
    kind: str | None,
    params: list[str],
    correlations: pd.Series | None = None,
) -> list[Path]:
    """The report's PNGs in ``directory``: ``distribution.png``, ``tornado.png``
    (one-at-a-time), ``sensitivity.png`` (rank correlations), ``response_<parameter>.png``
    (one parameter); returns the paths written. A plot that does not apply is skipped with a
    warning."""
    jobs = _plot_jobs(df, kind, params, correlations)
    return [path for name, make in jobs if (path := _plot(name, make, directory)) is not None]


def _plot_jobs(
    df: pd.DataFrame, kind: str | None, params: list[str], correlations: pd.Series | None
) -> list[tuple[str, Callable[[Path], Path]]]:
    """``(file name, writer)`` of each plot that applies to these results."""
    plots = _plots_module()
    table = df[[c for c in df.columns if c in params or c in RESULT_COLUMNS]]
    jobs: list[tuple[str, Callable[[Path], Path]]] = []
    if (feasible(df) & (df["name"] != BASELINE)).any():
        jobs.append(("distribution.png", lambda p: plots.distribution(table, p)))
    if kind == "one_at_a_time" and params:
        jobs.append(("tornado.png", lambda p: plots.tornado(table, p)))
    if correlations is not None and len(correlations):
        jobs.append(("sensitivity.png", lambda p: plots.correlations(correlations, p)))
    if len(params) == 1:
        name = f"response_{_file_safe(params[0])}.png"
        jobs.append((name, lambda p: plots.response_curve(table, params[0], p)))
    return jobs


def _plots_module() -> Any:
    try:
        from .. import plots
    except ImportError as exc:  # pragma: no cover - plots.py imports matplotlib lazily
        raise CommandError(f"plots are not available: {exc}", PLOTS_FIX) from exc
    return plots


def _plot(name: str, make: Callable[[Path], Path], directory: Path) -> Path | None:
    try:
        return make(directory / name)
    except ImportError as exc:
        raise CommandError(str(exc), PLOTS_FIX) from exc
    except ValueError as exc:
        logger.warning("no %s: %s", name, exc)
        return None


def _file_safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
