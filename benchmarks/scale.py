"""Scale benchmark (issue 12): a million declarative scenarios streamed through ``run_scenarios``
with a journal, in flat parent memory; then the parent SIGKILLed mid-run and resumed.

    .venv/bin/python benchmarks/scale.py [--sizes 100000 1000000] [--kill 1000000] [--n-jobs 2]
        [--no-write]

The model is the README's main job's (``examples/sweep_model.py``: ``factory()``, 40 products,
6 resources, 4 materials, its own SQLite database). The scenarios come from a generator (never
a list): each multiplies the right-hand sides of ``capacity[1..4]`` and ``materials[1..2]`` by
factors ``~ U(0.6, 1.4)`` drawn from a seeded stream, chunk by chunk.

Each size runs in a child process of its own (``--child``), with ``store=`` a fresh SQLite
journal, so its peak resident memory (``ru_maxrss``) is its own; the child reports it with the
number of results, and the benchmark counts the journal's rows and distinct scenario keys:
every scenario must be there exactly once. Targets: peak RSS under 500 MB, and growth from the
smallest to the largest size under 50 MB.

``--kill N``: a child runs N scenarios; once a third of them are journaled (counted in the
journal), it is SIGKILLed, and the processes it started are waited for (its journal writer
writes what it was sent, then exits); a second child runs the same call (a resume); the journal must then
hold each of the N + 1 scenarios exactly once, and the resumed run must take from the journal
every result the killed one committed.

The report is printed and written to the ``## scale`` section of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "examples"))
sys.path.insert(0, str(HERE))

import compile_solve as cs  # noqa: E402
import soak  # noqa: E402

SECTION = "## scale"
TARGET_PEAK_MB = 500
TARGET_GROWTH_MB = 50
TABLE = "lumix_scenario_results"
LOG = "lumix_scenario_log"  # a SQLite journal's rows not yet moved into TABLE (runner.journal)
TARGETS = ("capacity[1]", "capacity[2]", "capacity[3]", "capacity[4]", "materials[1]", "materials[2]")


def scenarios(n: int, seed: int) -> Iterator[Any]:
    """``n`` declarative scenarios, made one at a time from a seeded stream."""
    from lumix.analysis import LXScenario

    rng = np.random.default_rng(seed)
    made = 0
    while made < n:
        factors = rng.uniform(0.6, 1.4, size=(min(4096, n - made), len(TARGETS))).round(6)
        for row in factors.tolist():
            scenario = LXScenario(f"s{made:07d}")
            for target, factor in zip(TARGETS, row, strict=True):
                scenario.modify_constraint_rhs(target, multiply=factor)
            made += 1
            yield scenario


def design(n: int, seed: int) -> Any:
    """The same parameters as a lazy Monte Carlo ``Sweep`` (a sequence made a chunk at a time)."""
    from runner import monte_carlo, param

    return monte_carlo({param(target, "rhs", "multiply"): (0.6, 1.4) for target in TARGETS}, n, seed)


def child(n: int, store: str, n_jobs: int, seed: int, source: str) -> None:
    """Run the sweep and print what the parent saw, as one JSON line."""
    import sweep_model

    from runner import run_scenarios

    model = sweep_model.factory()
    start = time.perf_counter()
    cpu = time.process_time()
    sweep = scenarios(n, seed) if source == "generator" else design(n, seed)
    results = run_scenarios(model, sweep, n_jobs=n_jobs, backend="loky", store=store, progress=False)
    report = {
        "n": n,
        "results": len(results),
        "resumed": results.resumed,
        "failed": len(results.failed),
        "wall_s": time.perf_counter() - start,
        "parent_cpu_s": time.process_time() - cpu,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(report), flush=True)


def journal_counts(path: str) -> tuple[int, int]:
    """Rows and distinct scenario keys in the journal, its log included (0, 0 before its tables
    exist)."""
    if not os.path.exists(path):
        return 0, 0
    both = f"SELECT scenario_key FROM {TABLE} UNION ALL SELECT scenario_key FROM {LOG}"
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=60) as conn:
            query = f"SELECT COUNT(*), COUNT(DISTINCT scenario_key) FROM ({both})"
            rows, keys = conn.execute(query).fetchone()
    except sqlite3.OperationalError:  # no tables yet
        return 0, 0
    return rows, keys


def start_child(n: int, store: str, args: argparse.Namespace) -> subprocess.Popen[str]:
    command = [sys.executable, __file__, "--child", str(n), "--store", store]
    command += ["--n-jobs", str(args.n_jobs), "--seed", str(args.seed), "--source", args.source]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, start_new_session=True
    )


def finish(proc: subprocess.Popen[str]) -> dict[str, Any]:
    out, _ = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"child exited with {proc.returncode}")
    return json.loads(out.strip().splitlines()[-1])


def run_size(n: int, folder: str, args: argparse.Namespace) -> dict[str, Any]:
    store = os.path.join(folder, f"scale-{n}.sqlite")
    report = finish(start_child(n, store, args))
    report["rows"], report["keys"] = journal_counts(store)
    print(json.dumps(report), flush=True)
    return report


def run_kill(n: int, folder: str, args: argparse.Namespace) -> dict[str, Any]:
    """SIGKILL the parent once a third is journaled, then resume; every scenario once."""
    store = os.path.join(folder, f"kill-{n}.sqlite")
    proc = start_child(n, store, args)
    while journal_counts(store)[0] < n // 3:
        if proc.poll() is not None:
            raise SystemExit("the sweep ended before it could be killed")
        time.sleep(0.5)
    started = soak.descendants(proc.pid)  # its workers and its journal writer
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    while any(map(soak.alive, started)):  # the writer writes what it was sent, then exits
        time.sleep(0.1)
    committed = journal_counts(store)[0]
    print(f"killed with {committed} rows journaled", flush=True)
    report = finish(start_child(n, store, args))
    report["committed_before"] = committed
    report["rows"], report["keys"] = journal_counts(store)
    print(json.dumps(report), flush=True)
    return report


def build_report(
    sizes: list[dict[str, Any]], kill: dict[str, Any] | None, argv: list[str], source: str
) -> list[str]:
    body = [
        SECTION,
        "",
        f"`python benchmarks/scale.py {' '.join(argv)}`".replace(" `", "`"),
        f"{_dt.date.today().isoformat()}, {os.cpu_count()} cores, {cs.cpu_model()}.",
        "",
        "Declarative scenarios of the README's main model (examples/sweep_model.py, 40x6x4: the "
        "right-hand sides of capacity[1..4] and materials[1..2] times U(0.6, 1.4)) from "
        f"{'a generator' if source == 'generator' else 'a lazy monte_carlo Sweep'}, "
        '`run_scenarios(..., n_jobs=2, backend="loky", store=<SQLite>)`, each size in a '
        f"process of its own. Targets (issue 12): parent peak RSS < {TARGET_PEAK_MB} MB, growth "
        f"< {TARGET_GROWTH_MB} MB from the smallest to the largest size, every scenario in the store once.",
        "",
        "| scenarios | parent peak RSS MB | wall s | scenarios / s | parent CPU ms / scenario | "
        "journal rows | distinct keys | exactly once |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in sizes:
        total = r["n"] + 1
        once = "yes" if r["rows"] == r["keys"] == total == r["results"] else "NO"
        body.append(
            f"| {r['n']:,} | {r['peak_rss_mb']:.0f} | {r['wall_s']:.1f} | {total / r['wall_s']:,.0f} | "
            f"{r['parent_cpu_s'] / total * 1e3:.4f} | {r['rows']:,} | {r['keys']:,} | {once} |"
        )
    peaks = [r["peak_rss_mb"] for r in sizes]
    growth = peaks[-1] - peaks[0]
    met = max(peaks) < TARGET_PEAK_MB and growth < TARGET_GROWTH_MB
    body += [
        "",
        f"Peak RSS growth {sizes[0]['n']:,} -> {sizes[-1]['n']:,}: {growth:+.0f} MB "
        f"({'met' if met else 'not met'}).",
    ]
    if kill is not None:
        total = kill["n"] + 1
        once = kill["rows"] == kill["keys"] == total
        body += [
            "",
            f"Kill and resume: the parent of a {kill['n']:,}-scenario run was SIGKILLed with "
            f"{kill['committed_before']:,} results journaled; the resumed run took {kill['resumed']:,} "
            f"from the journal and solved the rest; the journal then held {kill['rows']:,} rows, "
            f"{kill['keys']:,} distinct ({'every scenario exactly once' if once else 'NOT exactly once'}).",
        ]
    return body


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", nargs="+", type=int, default=[100_000, 1_000_000])
    p.add_argument("--kill", type=int, default=1_000_000, help="scenarios of the kill/resume run (0: none)")
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--source",
        choices=("generator", "sweep"),
        default="generator",
        help="a generator of LXScenario objects, or a lazy monte_carlo Sweep (default: generator)",
    )
    p.add_argument("--results", type=Path, default=cs.DEFAULT_RESULTS)
    p.add_argument("--no-write", action="store_true")
    p.add_argument("--child", type=int, help=argparse.SUPPRESS)
    p.add_argument("--store", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child is not None:
        child(args.child, args.store, args.n_jobs, args.seed, args.source)
        return 0
    with tempfile.TemporaryDirectory(prefix="lumix-scale-") as folder:
        sizes = [run_size(n, folder, args) for n in args.sizes]
        kill = run_kill(args.kill, folder, args) if args.kill else None
    body = build_report(sizes, kill, sys.argv[1:] if argv is None else argv, args.source)
    print("\n".join(body))
    ok = all(r["rows"] == r["keys"] == r["n"] + 1 for r in sizes) and (
        kill is None or kill["rows"] == kill["keys"] == kill["n"] + 1
    )
    if not args.no_write:
        cs.write_section(args.results, body, SECTION)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
