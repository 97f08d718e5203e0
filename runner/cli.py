"""The command line: ``python -m runner`` (also installed as ``lumix-sweep``).

Commands::

    run SPEC.toml [--resume] [--n-jobs N] [--backend B] [--scheduler ADDR] [--output PATH]
                  [--n N] [--no-progress] [--traceback]
    report RESULTS [--plots DIR]
    bench [--sizes 500x50 ...] [--scenarios N] [--n-jobs 1 2 ...]

``run`` reads a sweep spec (see ``runner._spec`` for the format), builds the model with the
spec's factory, checks every parameter against it, then runs the sweep through
``run_scenarios`` with a progress bar and writes the results (Parquet, CSV, or a
SQLite / SQLAlchemy store) and a summary. Every result is journaled as it arrives (``store``,
by default next to the output); ``--resume`` skips what the journal already holds.

A problem with the spec is one line on stderr, ``error: FILE: KEY: problem; fix: ...``, and
exit status 2, before any worker starts. Exit status 1: the sweep ran but no scenario solved;
130: interrupted (the results so far are written).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._spec import N_ENV, STORE_SUFFIXES, SpecError, SweepSpec, check_output, load_spec

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["main", "summary_table", "rank_correlations", "read_results", "write_results", "SpecError"]

RESULTS_TABLE = "sweep_results"
META_TABLE = "sweep_meta"
META_KEY = "lumix_sweep"
OK = ("optimal", "feasible")
PERCENTILES = (0, 5, 25, 50, 75, 95, 100)
EXIT_SPEC = 2
SAMPLED = ("latin_hypercube", "monte_carlo")


class CommandError(Exception):
    """A problem outside the spec (a results file, a scheduler): one line, exit status 2."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(f"{message}; fix: {fix}")


# -- the parser ---------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m runner",
        description="Run and report parameter sweeps of LumiX models (see runner/_spec.py for the spec).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run the sweep of a TOML spec",
        description=(
            "Run the sweep of SPEC (TOML: [model] factory, [run] options, [sweep] kind and "
            f"[[sweep.parameters]]). ${N_ENV} overrides [sweep].n."
        ),
    )
    run.add_argument("spec", metavar="SPEC.toml")
    run.add_argument("--resume", action="store_true", help="skip the scenarios already in the journal")
    run.add_argument("--n-jobs", type=int, metavar="N", help="worker processes (-1: every core)")
    run.add_argument("--backend", choices=("loky", "threading", "sequential", "dask"))
    run.add_argument("--scheduler", metavar="ADDRESS", help="dask scheduler, e.g. tcp://host:8786")
    run.add_argument("--output", metavar="PATH", help=".parquet, .csv, .sqlite/.db or a SQLAlchemy URL")
    run.add_argument("--store", metavar="PATH", help="the journal (default: next to the output)")
    run.add_argument("--n", type=int, metavar="N", help="scenarios of a sampled sweep (overrides the spec)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    run.add_argument("--traceback", action="store_true", help="show the Python traceback of an error")

    report = commands.add_parser(
        "report", help="summarise results and write PNG plots", description="Summarise a results file."
    )
    report.add_argument("results", metavar="RESULTS", help="a .parquet, .csv or .sqlite/.db file, or a URL")
    report.add_argument(
        "--plots", metavar="DIR", help="where the PNG plots go (default: RESULTS' folder/plots)"
    )
    report.add_argument("--no-plots", action="store_true", help="print the summary only")

    commands.add_parser(
        "bench",
        help="the benchmark suite (scenarios/s and efficiency per n_jobs)",
        description="Run runner.bench; options: --sizes 500x50 --scenarios 2000 --n-jobs 1 2 4",
        add_help=False,
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m runner`` and ``lumix-sweep``; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "bench":
        return _bench(argv[1:])
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            return _run(args)
        return _report(args)
    except (SpecError, CommandError) as exc:
        if getattr(args, "traceback", False):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_SPEC
    except BrokenPipeError:  # `... | head`: stop quietly
        sys.stdout = open(os.devnull, "w")  # the interpreter closes it at exit
        return 141


# -- run ----------------------------------------------------------------------------------------


def _default_output(spec: SweepSpec) -> str:
    return str(Path("results") / f"{spec.path.stem}.parquet")


def _is_store(output: str) -> bool:
    return "://" in output or Path(output).suffix.lower() in STORE_SUFFIXES


def _journal_for(output: str, store: str | None) -> str:
    if store:
        return store
    if _is_store(output):
        return output
    path = Path(output)
    return str(path.with_name(f"{path.stem}.journal.sqlite"))


def _run(args: argparse.Namespace) -> int:
    spec = load_spec(args.spec, n=args.n)
    options = spec.run
    for name in ("n_jobs", "backend", "scheduler", "store"):
        value = getattr(args, name)
        if value is not None:
            setattr(options, name, value)
    if args.n_jobs == 0:
        raise spec.error("--n-jobs", "--n-jobs 0 runs nothing", "use a positive number, or -1 for every core")
    if args.output is not None:
        check_output(args.output, spec.shown, "--output")
    output = args.output or options.output or _default_output(spec)
    if options.scheduler and options.backend not in (None, "dask"):
        key = "--scheduler" if args.scheduler else "[run].scheduler"
        raise spec.error(
            key, f"a scheduler needs the dask backend, not {options.backend!r}", "add --backend dask"
        )
    if options.scheduler:
        options.backend = "dask"
    journal = _journal_for(output, options.store)
    if Path(output).suffix.lower() == ".parquet" and importlib.util.find_spec("pyarrow") is None:
        raise spec.error(
            "[run].output", "writing Parquet needs pyarrow", "pip install pyarrow, or write .csv"
        )

    model = spec.build_model()
    canon = spec.check_against(model)
    scenarios = spec.scenarios()

    from lumix import DetachError, LXObjectiveSense, ScenarioError

    from . import run_scenarios

    keys = [_baseline_key()] + [s.key for s in scenarios]
    try:
        _prepare_journal(journal, keys, resume=args.resume)
    except Exception as exc:  # a bad URL, a missing driver, a read-only folder
        key = "--store" if args.store else "[run].store" if spec.run.store else "--output"
        raise spec.error(
            key,
            f"cannot open the journal {journal!r}: {type(exc).__name__}: {exc}",
            "give a writable path or a SQLAlchemy URL whose driver is installed",
        ) from exc
    client, closers = _backend(spec, options)
    jobs = options.n_jobs
    backend = client if client is not None else (options.backend or "loky")
    print(
        f"Sweep {spec.shown}: {spec.kind}, {len(scenarios)} scenarios + baseline on model "
        f"'{canon.name}' ({canon.n_cols} variables, {canon.n_rows} constraints); "
        f"backend {options.backend or 'loky'}, n_jobs {jobs if jobs is not None else 'all cores'}"
        + (f"; resuming from {journal}" if args.resume else ""),
        flush=True,
    )
    start = time.perf_counter()
    # An interrupted run is reported below, in the command line's words.
    warnings.filterwarnings("ignore", message="run_scenarios interrupted", category=UserWarning)
    try:
        results = run_scenarios(
            model,
            scenarios,
            n_jobs=jobs,
            backend=backend,
            progress=not args.no_progress,
            store=journal,
            timeout=options.timeout,
            retries=options.retries,
            keep=options.keep,
        )
    except ScenarioError as exc:
        raise _scenario_error(spec, exc) from exc
    except DetachError as exc:
        raise spec.error(
            "[model].factory",
            f"the model cannot be shipped to the workers: {exc}",
            "let the model's callables capture plain values, not sessions, engines or connections",
        ) from exc
    finally:
        for close in closers:
            close()
    elapsed = time.perf_counter() - start

    df = results.to_dataframe()
    sense = "minimize" if results.sense is LXObjectiveSense.MINIMIZE else "maximize"
    meta = {
        "spec": str(spec.path),
        "kind": spec.kind,
        "sense": sense,
        "model": canon.name,
        "parameters": [p.parameter.name for p in spec.parameters],
        "n": len(scenarios),
        "seed": options.seed,
    }
    written = write_results(df, output, meta)
    done = results.resumed
    solved = int((df["status"] != "cancelled").sum()) - done
    rate = solved / elapsed if elapsed > 0 else math.inf
    print(f"Results: {written} ({len(df)} rows); journal: {journal}")
    line = f"Time: {elapsed:.1f} s; {solved} solved here ({rate:,.1f} scenarios/s)"
    print(line + (f", {done} taken from the journal" if args.resume else ""))
    print(summary_table(df, sense=sense, parameters=meta["parameters"]))
    if results.interrupted:
        print("interrupted: the results above are partial; rerun with --resume to finish", file=sys.stderr)
        return 130
    if not df["status"].isin(OK).any():
        print("error: no scenario solved (see the status counts above)", file=sys.stderr)
        return 1
    return 0


def _baseline_key() -> str:
    from lumix import LXScenario

    return LXScenario("baseline").key


def _prepare_journal(journal: str, keys: list[str], *, resume: bool) -> None:
    """Open (create) the journal; without ``resume``, forget this sweep's scenarios in it so
    they are solved again."""
    from .collector import Journal, results_table

    if "://" not in journal:
        Path(journal).expanduser().parent.mkdir(parents=True, exist_ok=True)
    store = Journal(journal)
    try:
        if not resume:
            with store.engine.begin() as conn:
                for start in range(0, len(keys), 500):
                    where = results_table.c.scenario_key.in_(keys[start : start + 500])
                    conn.execute(results_table.delete().where(where))
    finally:
        store.close()


def _backend(spec: SweepSpec, options: Any) -> tuple[Any, list[Any]]:
    """A ``distributed.Client`` for the dask backend (the scheduler's, or a LocalCluster's)."""
    if options.backend != "dask":
        return None, []
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise spec.error(
            "[run].backend", "backend 'dask' needs dask.distributed", "pip install 'lumix-runner[dask]'"
        ) from None
    if options.scheduler:
        try:
            client = Client(options.scheduler, timeout="15s")
        except Exception as exc:  # OSError, TimeoutError, ValueError for a bad address
            raise CommandError(
                f"cannot connect to the dask scheduler {options.scheduler!r}: {type(exc).__name__}: {exc}",
                "start it (dask scheduler; dask worker ADDRESS) or correct --scheduler",
            ) from exc
        _upload_spec_modules(spec, client)
        return client, [client.close]
    workers = options.n_jobs if options.n_jobs and options.n_jobs > 0 else (os.cpu_count() or 1)
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0")
    client = Client(cluster)
    return client, [client.close, cluster.close]


def _upload_spec_modules(spec: SweepSpec, client: Any) -> None:
    """Send the factory's and the apply functions' modules to the cluster's workers when they
    are single files next to the spec (installed packages must be installed there too)."""
    names = [spec.factory.partition(":")[0]]
    names += [getattr(p.parameter.apply, "__module__", "") for p in spec.parameters if p.parameter.apply]
    folder = spec.path.parent.resolve()
    for name in dict.fromkeys(names):
        module = sys.modules.get(name)
        file = getattr(module, "__file__", None)
        if file and Path(file).resolve().parent == folder and "." not in name:
            client.upload_file(file)


def _scenario_error(spec: SweepSpec, exc: Exception) -> SpecError:
    """A ``ScenarioError`` of ``run_scenarios`` as a ``SpecError`` at the parameter it names."""
    text = str(exc)
    for p in spec.parameters:
        names = [p.parameter.target, p.parameter.variable]
        if any(n and repr(n) in text for n in names):
            field = "variable" if p.parameter.variable and repr(p.parameter.variable) in text else "target"
            return spec.error(f"{p.key}.{field}", text, "name a constraint or variable the model has")
    return spec.error("[sweep.parameters]", text, "name constraints and variables the model has")


# -- results files ------------------------------------------------------------------------------


def _engine(url_or_path: str) -> Any:
    import sqlalchemy as sa

    if "://" in url_or_path:
        return sa.create_engine(url_or_path)
    return sa.create_engine(f"sqlite:///{Path(url_or_path).expanduser().resolve()}")


def _meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".meta.json")


def write_results(df: pd.DataFrame, output: str, meta: dict[str, Any]) -> str:
    """Write the results table to ``output`` by its suffix (or URL); returns where it went.

    Parquet keeps ``meta`` in the file; CSV next to it (``<file>.meta.json``); a store in a
    ``sweep_meta`` table beside ``sweep_results``.
    """
    if _is_store(output):
        import pandas as pd

        engine = _engine(output)
        try:
            df.to_sql(RESULTS_TABLE, engine, if_exists="replace", index=False)
            pd.DataFrame({"key": list(meta), "value": [json.dumps(v) for v in meta.values()]}).to_sql(
                META_TABLE, engine, if_exists="replace", index=False
            )
        finally:
            engine.dispose()
        return f"{output} (table {RESULTS_TABLE})"
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        df.to_csv(path, index=False)
        _meta_path(path).write_text(json.dumps(meta, indent=2) + "\n")
    else:
        df = df.copy()
        df.attrs[META_KEY] = meta
        df.to_parquet(path, index=False)
    return str(path)


def read_results(source: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The results table and its metadata from a Parquet or CSV file or a store.

    A store without a ``sweep_results`` table (a sweep that never finished) is read from its
    journal, one row per journaled scenario.
    """
    import pandas as pd

    if _is_store(source):
        return _read_store(source)
    path = Path(source)
    if not path.is_file():
        raise CommandError(f"{source}: no such results file", "give the --output path of a finished run")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            df = pd.read_parquet(path)
            return df, dict(df.attrs.get(META_KEY, {}))
        if suffix == ".csv":
            df = pd.read_csv(path)
            meta_file = _meta_path(path)
            meta = json.loads(meta_file.read_text()) if meta_file.is_file() else {}
            return df, meta
    except Exception as exc:
        raise CommandError(
            f"{source}: cannot read it: {type(exc).__name__}: {exc}", "rerun the sweep"
        ) from exc
    raise CommandError(
        f"{source}: cannot tell the format from its suffix {suffix or '(none)'!r}",
        "give a .parquet, .csv, .sqlite/.db file or a SQLAlchemy URL",
    )


def _read_store(source: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    import pandas as pd
    import sqlalchemy as sa

    if "://" not in source and not Path(source).is_file():
        raise CommandError(f"{source}: no such results store", "give the --output path of a finished run")
    engine = _engine(source)
    try:
        tables = set(sa.inspect(engine).get_table_names())
        if RESULTS_TABLE in tables:
            df = pd.read_sql_table(RESULTS_TABLE, engine)
            meta: dict[str, Any] = {}
            if META_TABLE in tables:
                rows = pd.read_sql_table(META_TABLE, engine)
                meta = {k: json.loads(v) for k, v in zip(rows["key"], rows["value"], strict=True)}
            return df, meta
        from .collector import results_table

        if results_table.name not in tables:
            raise CommandError(
                f"{source}: holds neither {RESULTS_TABLE!r} nor a journal", "give the output of a run"
            )
        journal = pd.read_sql_table(results_table.name, engine)
    except CommandError:
        raise
    except Exception as exc:
        raise CommandError(
            f"{source}: cannot read it: {type(exc).__name__}: {exc}", "check the store"
        ) from exc
    finally:
        engine.dispose()
    rows = []
    for row in journal.to_dict("records"):
        params = json.loads(row.get("parameters") or "{}")
        record = {
            k: row[k]
            for k in (
                "name",
                "status",
                "objective_value",
                "solve_time",
                "wall_time",
                "method",
                "attempts",
                "worker",
                "error",
            )
        }
        record.update(params)
        rows.append(record)
    return pd.DataFrame(rows), {}


# -- summary ------------------------------------------------------------------------------------


def _parameter_columns(df: pd.DataFrame, parameters: Sequence[str] | None) -> list[str]:
    from .plots import RESULT_COLUMNS

    if parameters:
        return [p for p in parameters if p in df.columns]
    return [c for c in df.columns if c not in RESULT_COLUMNS and df[c].dtype.kind in "fiu"]


def summary_table(
    df: pd.DataFrame, *, sense: str | None = None, parameters: Sequence[str] | None = None
) -> str:
    """Counts by status, the baseline and the best scenario, and objective percentiles."""
    import numpy as np

    lines = []
    counts = df["status"].value_counts()
    total = len(df)
    lines.append(f"{'status':<12} {'count':>8} {'share':>7}")
    for status, count in counts.items():
        lines.append(f"{status:<12} {count:>8} {count / total:>7.1%}")
    lines.append(f"{'total':<12} {total:>8}")
    ok = df["status"].isin(OK) & df["objective_value"].notna()
    base_obj = None
    base = df[df["name"] == "baseline"]
    if len(base) and bool(ok[base.index[0]]):
        base_obj = float(base["objective_value"].iloc[0])
        lines.append(f"Baseline objective: {base_obj:,.6g}")
    params = _parameter_columns(df, parameters)
    feasible = df[ok]
    if len(feasible):
        maximize = sense != "minimize"
        best_index = (
            feasible["objective_value"].idxmax() if maximize else feasible["objective_value"].idxmin()
        )
        best = df.loc[best_index]
        change = ""
        if base_obj:
            change = f" ({(best['objective_value'] - base_obj) / abs(base_obj):+.2%} vs baseline)"
        values = ", ".join(
            f"{p}={best[p]:.4g}"
            for p in params
            if isinstance(best[p], int | float) and math.isfinite(best[p])
        )
        word = "max" if maximize else "min"
        lines.append(
            f"Best ({word}): {best['name']} objective {best['objective_value']:,.6g}{change}"
            + (f" at {values}" if values else "")
        )
        objective = feasible["objective_value"].to_numpy(dtype=float)
        heads = [{0: "min", 100: "max"}.get(q, f"p{q}") for q in PERCENTILES]
        cells = [f"{v:,.6g}" for v in np.percentile(objective, PERCENTILES)]
        width = max(10, *(len(c) for c in cells))
        lines.append(f"Objective percentiles ({len(feasible)} feasible scenarios):")
        lines.append("  " + " ".join(f"{h:>{width}}" for h in heads))
        lines.append("  " + " ".join(f"{c:>{width}}" for c in cells))
    else:
        lines.append("No feasible scenario.")
    failed = df[~df["status"].isin(OK) & df["error"].notna()] if "error" in df.columns else df.iloc[0:0]
    if len(failed):
        first = failed.iloc[0]
        lines.append(f"First failure: {first['name']}: {str(first['error']).splitlines()[0]}")
    return "\n".join(lines)


# -- report -------------------------------------------------------------------------------------


def _report(args: argparse.Namespace) -> int:
    df, meta = read_results(args.results)
    missing = {"name", "status", "objective_value"} - set(df.columns)
    if missing:
        raise CommandError(
            f"{args.results}: not a results table (no column {', '.join(sorted(missing))})",
            "give the output of `python -m runner run`",
        )
    params = _parameter_columns(df, meta.get("parameters"))
    kind = meta.get("kind") or _guess_kind(df)
    title = f"Results {args.results}: {len(df)} scenarios"
    if kind:
        title += f" ({kind}"
        title += f", parameters {', '.join(params)})" if params else ")"
    print(title)
    print(summary_table(df, sense=meta.get("sense"), parameters=params))
    correlations = rank_correlations(df, params) if kind in SAMPLED and len(params) > 1 else None
    if correlations is not None and len(correlations):
        print("Sensitivity (rank correlation of each parameter with the objective):")
        width = max(len(p) for p in correlations.index)
        for name, value in correlations.items():
            print(f"  {name:<{width}} {value:+.3f}")
    if args.no_plots:
        return 0
    directory = Path(args.plots) if args.plots else _default_plots(args.results)
    written = _plots(df, directory, kind, params, correlations)
    for path in written:
        print(f"Plot: {path}")
    return 0


def _default_plots(results: str) -> Path:
    if "://" in results:
        return Path("plots")
    return Path(results).parent / "plots"


def _guess_kind(df: pd.DataFrame) -> str | None:
    names = df["name"].astype(str)
    for prefix, kind in (
        ("oat-", "one_at_a_time"),
        ("grid-", "grid"),
        ("lhs-", "latin_hypercube"),
        ("mc-", "monte_carlo"),
    ):
        if names.str.startswith(prefix).any():
            return kind
    return None


def rank_correlations(df: pd.DataFrame, params: Sequence[str]) -> pd.Series:
    """Spearman rank correlation of each parameter with the objective over the feasible
    scenarios other than the baseline, largest magnitude first (a tornado for sampled sweeps)."""
    ok = df["status"].isin(OK) & df["objective_value"].notna() & (df["name"] != "baseline")
    ranks = df.loc[ok, [*params, "objective_value"]].astype(float).rank()
    if len(ranks) < 3:
        return ranks.iloc[0:0, 0]
    correlations = ranks[list(params)].corrwith(ranks["objective_value"]).dropna()
    return correlations.reindex(correlations.abs().sort_values(ascending=False).index)


def _correlation_plot(correlations: pd.Series, path: Path) -> Path:
    from .plots import _figure, _save

    fig = _figure(8.0, max(2.5, 0.45 * len(correlations) + 1.5))
    ax = fig.add_subplot()
    shown = correlations.iloc[::-1]  # barh draws bottom-up: the strongest on top
    ax.barh(
        range(len(shown)),
        shown.to_numpy(),
        color=["tab:green" if v >= 0 else "tab:red" for v in shown],
        height=0.6,
    )
    ax.set_yticks(range(len(shown)))
    ax.set_yticklabels(shown.index, fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlim(-1, 1)
    ax.set_xlabel("rank correlation with the objective (Spearman)")
    ax.set_title("Sensitivity: which parameters move the objective")
    return _save(fig, path)


def _plots(
    df: pd.DataFrame,
    directory: Path,
    kind: str | None,
    params: list[str],
    correlations: pd.Series | None = None,
) -> list[Path]:
    try:
        from . import plots
    except ImportError as exc:  # pragma: no cover - plots.py imports matplotlib lazily
        raise CommandError(f"plots are not available: {exc}", "pip install 'lumix-runner[plots]'") from exc
    table = df.drop(columns=[c for c in df.columns if c not in params and c not in plots.RESULT_COLUMNS])
    ok = df["status"].isin(OK) & df["objective_value"].notna()
    written = []
    jobs: list[tuple[str, Any]] = []
    if (ok & (df["name"] != "baseline")).any():
        jobs.append(("distribution.png", lambda p: plots.distribution(table, p)))
    if kind == "one_at_a_time" and params:
        jobs.append(("tornado.png", lambda p: plots.tornado(table, p)))
    if correlations is not None and len(correlations):
        jobs.append(("sensitivity.png", lambda p: _correlation_plot(correlations, p)))
    if len(params) == 1:
        jobs.append(
            (f"response_{_file_safe(params[0])}.png", lambda p: plots.response_curve(table, params[0], p))
        )
    for name, make in jobs:
        try:
            written.append(make(directory / name))
        except ImportError as exc:
            raise CommandError(str(exc), "pip install 'lumix-runner[plots]'") from exc
        except ValueError as exc:
            print(f"warning: no {name}: {exc}", file=sys.stderr)
    return written


def _file_safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


# -- bench --------------------------------------------------------------------------------------


def _has_bench() -> bool:
    return importlib.util.find_spec("runner.bench") is not None


def _bench(argv: list[str]) -> int:
    """``bench ARGS``: ``runner.bench.main(ARGS)``, imported only when asked for."""
    if not _has_bench():
        print(
            "error: the benchmark suite (runner/bench.py) is not part of this installation; "
            "fix: update the project to a version with runner.bench, or run `make bench`",
            file=sys.stderr,
        )
        return EXIT_SPEC
    from . import bench  # type: ignore[attr-defined]

    status = bench.main(argv)
    return int(status or 0)
