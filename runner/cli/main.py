"""The command line: ``python -m runner`` (also installed as ``lumix-sweep``).

Commands::

    run SPEC.toml [--resume] [--n-jobs N] [--backend B] [--scheduler ADDR] [--output PATH]
                  [--store PATH] [--n N] [--progress | --no-progress] [--traceback] [-v]
    report RESULTS [--plots DIR | --no-plots] [--outcome NAME] [-v]
    bench [--sizes 500x50 ...] [--scenarios N] [--n-jobs 1 2 ...]

``run`` reads a sweep spec (see ``runner.cli.spec`` for the format), builds the model with the
spec's factory, checks every parameter against it, then runs the sweep through
``run_scenarios`` and writes the results (Parquet, CSV, or a SQLite / SQLAlchemy store; see
``runner.cli.report``) and a summary. Every result is journaled as it arrives (``store``, by
default next to the output); ``--resume`` skips what the journal already holds. The progress
bar shows when stderr is a terminal (``--progress`` / ``--no-progress`` decide otherwise).
``--scheduler ADDRESS`` runs on that dask scheduler (it implies ``--backend dask``).

A problem with the spec is one line on stderr, ``error: FILE: KEY: problem; fix: ...``, and
exit status 2, before any worker starts. Exit status 1: the sweep ran but no scenario solved;
130: interrupted (the results so far are written). Log messages of the libraries go to stderr
through ``logging`` (warnings by default, ``-v`` info, ``-vv`` debug).
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import math
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lumix.status import Status

from ..analysis import feasible_status
from ..backends import BACKEND_NAMES, dask
from ..errors import BackendError, CommandError, JournalError, SpecError
from ..plan import normalize, scenario_keys
from ..results import read_results
from ..urls import mask_secrets, mask_url
from .report import (
    OBJECTIVE,
    check_outcome,
    check_plots_folder,
    is_store,
    sensitivity,
    sensitivity_lines,
    summary_table,
    write_plots,
)
from .spec import N_ENV, RunOptions, SweepSpec, check_output, load_spec

__all__ = ["main", "program_name", "package_version"]

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_NOTHING_SOLVED = 1
EXIT_SPEC = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141
MODULE_PROG = "python -m runner"
SCRIPT_PROG = "lumix-sweep"
DISTRIBUTION = "lumix-runner"


def program_name(argv0: str | None = None) -> str:
    """How the user called us: ``python -m runner`` (``runner/__main__.py``) or ``lumix-sweep``."""
    name = Path(sys.argv[0] if argv0 is None else argv0).name
    return MODULE_PROG if name == "__main__.py" else SCRIPT_PROG


def package_version() -> str:
    """The installed version of ``lumix-runner`` (``lumix.__version__`` in a source tree)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        import lumix

        return str(lumix.__version__)


# -- the parser ---------------------------------------------------------------------------------


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Run and report parameter sweeps of LumiX models (spec format: runner/cli/spec/).",
    )
    parser.add_argument("--version", action="version", version=f"{DISTRIBUTION} {package_version()}")
    _add_verbose(parser, 0)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_run(commands)
    _add_report(commands)
    commands.add_parser(
        "bench",
        help="the benchmark suite (scenarios/s and efficiency per n_jobs)",
        description="Run runner.bench; options: --sizes 500x50 --scenarios 2000 --n-jobs 1 2 4",
        add_help=False,
    )
    return parser


def _add_verbose(parser: argparse.ArgumentParser, default: Any = argparse.SUPPRESS) -> None:
    """``-v``/``-vv`` before or after the command (a command's own default would hide the
    count given before it, hence ``SUPPRESS`` there)."""
    parser.add_argument(
        "-v", "--verbose", action="count", default=default, help="log more (-v: info, -vv: debug)"
    )


def _add_run(commands: Any) -> None:
    run = commands.add_parser(
        "run",
        help="run the sweep of a TOML spec",
        description=(
            "Run the sweep of SPEC (TOML: [model] factory, [run] options, [sweep] kind and "
            f"[[sweep.parameters]], optional [[outcomes]]). ${N_ENV} overrides [sweep].n."
        ),
    )
    run.add_argument("spec", metavar="SPEC.toml")
    run.add_argument("--resume", action="store_true", help="skip the scenarios already in the journal")
    run.add_argument("--n-jobs", type=int, metavar="N", help="worker processes (-1: every core)")
    run.add_argument("--backend", choices=BACKEND_NAMES)
    run.add_argument(
        "--scheduler", metavar="ADDRESS", help="dask scheduler, e.g. tcp://host:8786 (implies --backend dask)"
    )
    run.add_argument("--output", metavar="PATH", help=".parquet, .csv, .sqlite/.db or a SQLAlchemy URL")
    run.add_argument("--store", metavar="PATH", help="the journal (default: next to the output)")
    run.add_argument("--n", type=int, metavar="N", help="scenarios of a sampled sweep (overrides the spec)")
    bar = run.add_mutually_exclusive_group()
    bar.add_argument(
        "--progress",
        action="store_true",
        default=None,
        help="show the progress bar (default: only when stderr is a terminal)",
    )
    bar.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    run.add_argument("--traceback", action="store_true", help="show the Python traceback of an error")
    _add_verbose(run)


def _add_report(commands: Any) -> None:
    report = commands.add_parser(
        "report", help="summarise results and write PNG plots", description="Summarise a results file."
    )
    report.add_argument("results", metavar="RESULTS", help="a .parquet, .csv or .sqlite/.db file, or a URL")
    report.add_argument(
        "--plots", metavar="DIR", help="where the PNG plots go (default: RESULTS' folder/plots)"
    )
    report.add_argument("--no-plots", action="store_true", help="print the summary only")
    report.add_argument(
        "--outcome",
        metavar="NAME",
        default=OBJECTIVE,
        help=f"the column the summary and plots describe (default: {OBJECTIVE}; or an outcome's name)",
    )
    _add_verbose(report)


def _configure_logging(verbosity: int) -> None:
    """Library log records to stderr: warnings, or info (``-v``) and debug (``-vv``)."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    fmt = "%(levelname)s: %(message)s" if verbosity < 2 else "%(levelname)s: %(name)s: %(message)s"
    logging.basicConfig(level=level, format=fmt)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m runner`` and ``lumix-sweep``; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    prog = program_name()
    if argv and argv[0] == "bench":
        _configure_logging(1)  # the benchmark's progress lines are info
        return _bench(argv[1:], prog)
    args = _parser(prog).parse_args(argv)
    _configure_logging(getattr(args, "verbose", 0))
    commands: dict[str, Callable[[argparse.Namespace], int]] = {"run": _run, "report": _report}
    try:
        return commands[args.command](args)
    except (SpecError, CommandError, JournalError) as exc:
        if getattr(args, "traceback", False):
            raise
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_SPEC
    except BrokenPipeError:  # `... | head`: stop quietly
        sys.stdout = open(os.devnull, "w")  # the interpreter closes it at exit
        return EXIT_BROKEN_PIPE


# -- run ----------------------------------------------------------------------------------------


@dataclass
class _Plan:
    """What a ``run`` does: the checked spec, its options merged with the flags, where the
    results and the journal go."""

    spec: SweepSpec
    options: RunOptions
    output: str
    journal: str
    resume: bool
    progress: bool | None


def _run(args: argparse.Namespace) -> int:
    plan = _plan(args)
    model = plan.spec.build_model()
    canon = plan.spec.check_against(model)
    scenarios = plan.spec.scenarios()
    _open_journal(plan, args, scenario_keys(normalize(scenarios, include_baseline=True)))
    start = time.perf_counter()
    results = _solve(plan, model, canon, scenarios)
    return _conclude(plan, results, time.perf_counter() - start)


def _plan(args: argparse.Namespace) -> _Plan:
    spec = load_spec(args.spec, n=args.n)
    options = _options(spec, args)
    output = args.output or options.output or str(Path("results") / f"{spec.path.stem}.parquet")
    check_output(output, spec.shown, "--output" if args.output is not None else "[run].output")
    journal = _journal_for(output, options.store)
    return _Plan(spec, options, output, journal, args.resume, args.progress)


def _options(spec: SweepSpec, args: argparse.Namespace) -> RunOptions:
    """``[run]`` with the flags applied (flags win); a scheduler implies the dask backend."""
    if args.n_jobs == 0:
        raise spec.error("--n-jobs", "--n-jobs 0 runs nothing", "use a positive number, or -1 for every core")
    options = spec.run
    _check_scheduler(spec, args)
    for name in ("n_jobs", "backend", "scheduler", "store"):
        value = getattr(args, name)
        if value is not None:
            setattr(options, name, value)
    if args.scheduler:  # --scheduler wins over [run].backend
        options.backend = "dask"
    elif options.scheduler and options.backend is None:
        options.backend = "dask"
    return options


def _check_scheduler(spec: SweepSpec, args: argparse.Namespace) -> None:
    """A scheduler with an explicit backend other than dask: ``--scheduler`` with ``--backend``,
    or ``[run].scheduler`` with ``--backend`` or ``[run].backend``."""
    if args.scheduler:
        if args.backend not in (None, "dask"):
            raise spec.error(
                "--backend",
                f"--scheduler runs on dask, not on backend {args.backend!r}",
                f"drop --backend {args.backend} (--scheduler implies dask), or drop --scheduler",
            )
        return
    backend = args.backend or spec.run.backend
    if spec.run.scheduler and backend not in (None, "dask"):
        raise spec.error(
            "--backend" if args.backend else "[run].backend",
            f"[run].scheduler runs on dask, not on backend {backend!r}",
            "remove the backend (a scheduler implies dask), or remove [run].scheduler",
        )


def _journal_for(output: str, store: str | None) -> str:
    if store:
        return store
    if is_store(output):
        return output
    path = Path(output)
    return str(path.with_name(f"{path.stem}.journal.sqlite"))


def _open_journal(plan: _Plan, args: argparse.Namespace, keys: Iterable[str]) -> None:
    """Open (create) the journal; without ``--resume``, forget this sweep's scenarios in it so
    that they are solved again."""
    from ..journal import Journal

    journal = plan.journal
    try:
        if "://" not in journal:
            Path(journal).expanduser().parent.mkdir(parents=True, exist_ok=True)
        store = Journal(journal)
        try:
            if not plan.resume:
                store.forget_scenarios(keys)
        finally:
            store.close()
    except JournalError:
        raise  # names the journal, what is wrong and what to do
    except Exception as exc:  # a read-only folder
        key = "--store" if args.store else "[run].store" if plan.options.store else "--output"
        raise plan.spec.error(
            key,
            f"cannot open the journal {mask_url(journal)!r}: {type(exc).__name__}: {mask_secrets(str(exc))}",
            "give a writable path or a SQLAlchemy URL whose driver is installed",
        ) from None


def _solve(plan: _Plan, model: Any, canon: Any, scenarios: Sequence[Any]) -> Any:
    """``run_scenarios`` on the chosen backend, after a one-line header."""
    from lumix import DetachError, ScenarioError

    from .. import run_scenarios

    spec, options = plan.spec, plan.options
    client, closers = _dask_client(spec, options) if options.backend == "dask" else (None, [])
    jobs = options.n_jobs
    print(
        f"Sweep {spec.shown}: {spec.kind}, {len(scenarios)} scenarios + baseline on model "
        f"'{canon.name}' ({canon.n_cols} variables, {canon.n_rows} constraints); "
        f"backend {options.backend or 'loky'}, n_jobs {jobs if jobs is not None else 'all cores'}"
        + (f"; resuming from {mask_url(plan.journal)}" if plan.resume else ""),
        flush=True,
    )
    # An interrupted run is reported by _conclude, in the command line's words.
    warnings.filterwarnings("ignore", message="run_scenarios interrupted", category=UserWarning)
    try:
        return run_scenarios(
            model,
            scenarios,
            n_jobs=-1 if jobs is None else jobs,  # the command line's default: every core
            backend=client if client is not None else (options.backend or "loky"),
            progress=plan.progress,
            store=plan.journal,
            timeout=options.timeout,
            retries=options.retries,
            keep=options.keep,
            outcomes=spec.named_outcomes,
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


def _conclude(plan: _Plan, results: Any, elapsed: float) -> int:
    """Write the results (with ``results.meta``: the sweep's design, outcomes and model hash),
    print the summary; the exit status."""
    df = results.to_dataframe()
    written = results.save(plan.output)
    solved = int((df["status"] != Status.CANCELLED).sum()) - results.resumed
    rate = solved / elapsed if elapsed > 0 else math.inf
    print(f"Results: {written} ({len(df)} rows); journal: {mask_url(plan.journal)}")
    line = f"Time: {elapsed:.1f} s; {solved} solved here ({rate:,.1f} scenarios/s)"
    print(line + (f", {results.resumed} taken from the journal" if plan.resume else ""))
    print(summary_table(results))
    if results.interrupted:
        print("interrupted: the results above are partial; rerun with --resume to finish", file=sys.stderr)
        return EXIT_INTERRUPTED
    if not feasible_status(df).any():
        print("error: no scenario solved (see the status counts above)", file=sys.stderr)
        return EXIT_NOTHING_SOLVED
    return EXIT_OK


def _dask_client(spec: SweepSpec, options: RunOptions) -> tuple[Any, list[Callable[[], Any]]]:
    """A ``distributed.Client`` of the scheduler, or of a LocalCluster started here, and what
    closes it."""
    if not dask.dask_available():
        raise spec.error(
            "[run].backend", "backend 'dask' needs dask.distributed", "pip install 'lumix-runner[dask]'"
        )
    workers = options.n_jobs if options.n_jobs and options.n_jobs > 0 else (os.cpu_count() or 1)
    upload = _spec_module_files(spec) if options.scheduler else []
    try:
        return dask.connect(options.scheduler, workers, upload)
    except BackendError as exc:
        raise CommandError(
            str(exc), "start it (dask scheduler; dask worker ADDRESS) or correct --scheduler"
        ) from exc


def _spec_module_files(spec: SweepSpec) -> list[str]:
    """The files of the factory's and the apply functions' modules when they are single files
    next to the spec (installed packages must be installed on the workers too)."""
    names = [spec.factory.partition(":")[0]]
    names += [getattr(p.parameter.apply, "__module__", "") for p in spec.parameters if p.parameter.apply]
    folder = spec.path.parent.resolve()
    files = []
    for name in dict.fromkeys(names):
        file = getattr(sys.modules.get(name), "__file__", None)
        if file and Path(file).resolve().parent == folder and "." not in name:
            files.append(file)
    return files


def _scenario_error(spec: SweepSpec, exc: Exception) -> SpecError:
    """A ``ScenarioError`` of ``run_scenarios`` as a ``SpecError`` at the parameter it names."""
    text = str(exc)
    for p in spec.parameters:
        target, variable = p.parameter.target, p.parameter.variable
        if variable and repr(variable) in text:
            return spec.error(f"{p.key}.variable", text, "name a constraint or variable the model has")
        if target and repr(target) in text:
            return spec.error(f"{p.key}.target", text, "name a constraint or variable the model has")
    return spec.error("[sweep.parameters]", text, "name constraints and variables the model has")


# -- report -------------------------------------------------------------------------------------


def _report(args: argparse.Namespace) -> int:
    directory = None
    if not args.no_plots:
        directory = Path(args.plots) if args.plots else _default_plots(args.results)
        check_plots_folder(directory, "--plots" if args.plots else "the plots folder")
    shown = mask_url(args.results)
    results = read_results(args.results)
    outcome = args.outcome
    check_outcome(results, outcome, shown)
    described = _described(results.meta.kind, results.parameter_names)
    print(f"Results {shown}: {len(results)} scenarios{described}")
    print(summary_table(results, outcome=outcome))
    measure = sensitivity(results, outcome)
    if measure is not None and len(measure):
        print("\n".join(sensitivity_lines(measure, outcome)))
    if directory is None:
        return EXIT_OK
    for path in write_plots(results, directory, outcome=outcome, measure=measure):
        print(f"Plot: {path}")
    return EXIT_OK


def _described(kind: str | None, params: list[str]) -> str:
    """`` (latin_hypercube, parameters a, b)`` for the report's title."""
    if not kind:
        return ""
    return f" ({kind}" + (f", parameters {', '.join(params)})" if params else ")")


def _default_plots(results: str) -> Path:
    if "://" in results:
        return Path("plots")
    return Path(results).parent / "plots"


# -- bench --------------------------------------------------------------------------------------


def _has_bench() -> bool:
    return importlib.util.find_spec("runner.bench") is not None


def _bench(argv: list[str], prog: str) -> int:
    """``bench ARGS``: ``runner.bench.main(ARGS)``, imported only when asked for."""
    if not _has_bench():
        print(
            "error: the benchmark suite (runner.bench) is not part of this installation; "
            "fix: update the project to a version with runner.bench, or run `make bench`",
            file=sys.stderr,
        )
        return EXIT_SPEC
    from .. import bench

    return int(bench.main(argv, prog=f"{prog} bench") or 0)
