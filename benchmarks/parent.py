"""Parent benchmark: the CPU ``run_scenarios`` spends in the parent per scenario (issue 12, item 2).

    .venv/bin/python benchmarks/parent.py [--sizes 20000 100000] [--repeats 3] [--profile] [--no-write]

The model is the README's production model (``runner.bench.model``, 40 products x 11 resources)
with ``runner.bench``'s declarative scenarios (every ``capacity[r]`` multiplied by a factor
``~ U(0.8, 1.2)``). The workers are replaced by a backend (``"precomputed"``, registered with
``runner.register_backend``) that answers every batch at once with results computed beforehand
by the real worker (``runner.worker.run_batch``), pickled per batch as loky returns them; it
pickles each batch of tasks as loky ships it and unpickles the batch's results as loky's result
thread does. Everything else is the parent's real path: normalize, compile and plan, keys,
dispatch, collect, journal, progress, results table.

The scenarios come as a list of ``LXScenario`` objects made beforehand, and as a lazy
``monte_carlo`` ``Sweep`` of the same kind (whose scenarios the parent makes during the call).

Measured: ``time.process_time()`` of the whole ``run_scenarios(..., n_jobs=2, backend=
"precomputed", progress=False)`` call (all the parent's threads) divided by the number of
scenarios, the median of ``--repeats`` runs, with and without ``store=`` (a fresh SQLite
journal per run). With ``store=``, the CPU of the journal's writer process (the run's only child
process here: ``resource.getrusage(RUSAGE_CHILDREN)``) is shown beside it: it must stay under
the same 0.02 ms for the journal to keep up. Each run checks that every result came back
(objectives equal to the precomputed ones) and, with ``store=``, that the journal holds every
scenario exactly once.

Target (issue 12): at most 0.02 ms of parent CPU per scenario.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as _dt
import os
import pickle
import pstats
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import compile_solve as cs  # noqa: E402

from runner import register_backend, run_scenarios  # noqa: E402
from runner.backends import Backend, Sink  # noqa: E402
from runner.backends.base import MAX_BATCH, batches  # noqa: E402
from runner.bench.measure import capacity_factors, declarative_scenarios  # noqa: E402
from runner.bench.model import build_model, lumix_classes, make_data  # noqa: E402
from runner.columns import JOURNAL_TABLE  # noqa: E402
from runner.plan import normalize, prepare  # noqa: E402
from runner.worker import ModelRef, ScenarioTask, run_batch  # noqa: E402

SECTION = "## parent"
TARGET_MS = 0.02
N_JOBS = 2
BATCH = MAX_BATCH  # what auto_batch_size gives for these sizes on 2 workers
PRODUCTS, RESOURCES, SEED = 40, 11, 0


class PrecomputedBackend(Backend):
    """Workers that answer at once: each batch's results, pickled beforehand, by first index."""

    name = "precomputed"
    ready: ClassVar[dict[tuple[int, int], bytes]] = {}

    def run(self, ref: ModelRef, tasks: Iterable[ScenarioTask], sink: Sink) -> None:
        for batch in batches(tasks, self.batch_size_for(tasks, self.workers)):
            pickle.dumps((ref, batch, None), pickle.HIGHEST_PROTOCOL)  # what loky ships
            sink.accept(pickle.loads(self.ready[batch[0].index, len(batch)]))


def precompute(model: Any, scenarios: list[Any]) -> tuple[dict[tuple[int, int], bytes], dict[str, float]]:
    """The real worker's results for every batch of the sweep (pickled) and the objectives by name."""
    plan = prepare(model, normalize(scenarios, True), optimizer=None, timeout=None, keep="summary")
    ref = ModelRef(plan.run_key, data=plan.payload)
    ready, objectives = {}, {}
    tasks = (ScenarioTask(i, spec.name, spec.changes, shipped) for i, spec, shipped in plan.specs())
    for batch in batches(tasks, BATCH):
        results = run_batch(ref, batch)
        ready[batch[0].index, len(batch)] = pickle.dumps(results, pickle.HIGHEST_PROTOCOL)
        objectives.update(zip(results.name, results.objective_value, strict=True))
    return ready, objectives


def journal_count(path: str) -> tuple[int, int]:
    """Rows and distinct scenario keys in a SQLite journal."""
    with sqlite3.connect(path) as conn:
        rows, keys = conn.execute(
            f"SELECT COUNT(*), COUNT(DISTINCT scenario_key) FROM {JOURNAL_TABLE}"
        ).fetchone()
    return rows, keys


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def one_run(
    model: Any, scenarios: list[Any], objectives: dict[str, float], store: bool, profile: bool
) -> tuple[float, float]:
    """Parent and child (journal writer) CPU seconds of one ``run_scenarios`` call, its results
    checked."""
    with tempfile.TemporaryDirectory(prefix="lumix-parent-bench-") as folder:
        path = os.path.join(folder, "journal.sqlite") if store else None
        profiler = cProfile.Profile() if profile else None
        start, children = time.process_time(), _children_cpu()
        if profiler is not None:
            profiler.enable()
        results = run_scenarios(
            model,
            scenarios,
            n_jobs=N_JOBS,
            backend="precomputed",
            progress=False,
            store=path,
            batch_size=BATCH,
        )
        if profiler is not None:
            profiler.disable()
        cpu, writer = time.process_time() - start, _children_cpu() - children
        if profiler is not None:
            pstats.Stats(profiler).sort_stats("tottime").print_stats(18)
        got = {name: r.objective_value for name, r in results.items()}
        if got != objectives:
            raise SystemExit("the results table differs from the precomputed results")
        if path is not None and journal_count(path) != (len(objectives), len(objectives)):
            raise SystemExit(
                f"journal holds {journal_count(path)} rows/keys, expected {len(objectives)} each"
            )
    return cpu, writer


def sources(n: int) -> dict[str, Any]:
    """The sweep of ``n`` scenarios as a list of ``LXScenario`` and as a lazy ``Sweep``
    (``monte_carlo``: every ``capacity[r]`` multiplied by ``~ U(0.8, 1.2)``, other draws)."""
    from runner.sweeps import monte_carlo, param, uniform

    factors = {param(f"capacity[{r}]", "rhs", "multiply"): uniform(0.8, 1.2) for r in range(RESOURCES)}
    return {
        "list": declarative_scenarios(capacity_factors(n, RESOURCES, SEED)),
        "sweep": monte_carlo(factors, n, seed=SEED),
    }


def measure(sizes: list[int], repeats: int, profile: bool) -> list[dict[str, Any]]:
    register_backend(PrecomputedBackend.name, PrecomputedBackend)
    model = build_model(lumix_classes(), make_data(PRODUCTS, RESOURCES, SEED))
    rows = []
    for n in sizes:
        for source, scenarios in sources(n).items():
            listed = list(scenarios)
            t0 = time.perf_counter()
            PrecomputedBackend.ready, objectives = precompute(model, listed)
            print(f"n={n} {source}: precomputed in {time.perf_counter() - t0:.1f}s", flush=True)
            first = listed[: BATCH - 1]
            expected = {"baseline": objectives["baseline"]} | {s.name: objectives[s.name] for s in first}
            one_run(model, first, expected, True, False)  # warm-up: imports
            del listed
            for store in (False, True):
                runs = [one_run(model, scenarios, objectives, store, profile) for _ in range(repeats)]
                cpus = [cpu for cpu, _ in runs]
                ms = statistics.median(cpus) / n * 1e3
                writer_ms = statistics.median(w for _, w in runs) / n * 1e3
                rate = n / statistics.median(cpus)
                rows.append(
                    {"n": n, "source": source, "store": store, "ms": ms, "rate": rate, "writer": writer_ms}
                )
                print(
                    f"n={n} {source} store={store}: parent CPU {ms:.4f} ms/scenario "
                    f"({[round(c, 2) for c in cpus]} s), journal writer {writer_ms:.4f} ms/scenario",
                    flush=True,
                )
    return rows


def report(rows: list[dict[str, Any]], repeats: int, argv: list[str]) -> list[str]:
    cores = os.cpu_count()
    body = [
        SECTION,
        "",
        f"`python benchmarks/parent.py {' '.join(argv)}`".replace(" `", "`"),
        f"(repeats {repeats}, median), {_dt.date.today().isoformat()}, {cores} cores, {cs.cpu_model()}.",
        "",
        f"The parent of `run_scenarios` against workers that return precomputed results (the README's "
        f"{PRODUCTS}x{RESOURCES} production model, declarative capacity scenarios, n_jobs={N_JOBS}, "
        f"batches of {BATCH}): parent CPU (`time.process_time`, all its threads) per scenario, with and "
        "without a SQLite `store=` journal, and the CPU of the journal's writer process (which takes "
        "the SQLite writes once a run has journaled 2,048 rows). The scenarios are given as a list "
        "of `LXScenario` objects made beforehand, or as a lazy `monte_carlo` `Sweep`, whose "
        "scenarios the parent makes as it goes (in the measured time). Target (issue 12): <= 0.02 ms.",
        "",
        "| scenarios | given as | store | parent CPU ms / scenario | results absorbed / s of parent CPU "
        "| journal writer CPU ms / scenario | target |",
        "|---:|---|---|---:|---:|---:|---|",
    ]
    for row in rows:
        met = "met" if row["ms"] <= TARGET_MS else "not met"
        store = "SQLite" if row["store"] else "none"
        writer = f"{row['writer']:.4f}" if row["store"] else "-"
        given = "list" if row["source"] == "list" else "lazy Sweep"
        body.append(
            f"| {row['n']:,} | {given} | {store} | {row['ms']:.4f} | {row['rate']:,.0f} | {writer} | {met} |"
        )
    return body


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[20_000, 100_000], help="scenario counts")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per configuration (default 3)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of every run")
    parser.add_argument("--results", type=Path, default=cs.DEFAULT_RESULTS, help="RESULTS.md to update")
    parser.add_argument("--no-write", action="store_true", help="print only, leave RESULTS.md alone")
    args = parser.parse_args(argv)
    body = report(measure(args.sizes, args.repeats, args.profile), args.repeats, argv)
    print("\n".join(body))
    if not args.no_write:
        cs.write_section(args.results, body, SECTION)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
