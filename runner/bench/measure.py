"""Throughput of ``run_scenarios`` against a hand-written OR-Tools floor (the measurements of
``runner.bench``).

    python -m runner bench [--sizes 500x50] [--scenarios 2000] [--callables 200]
                           [--n-jobs 1 2 4 ...] [--seed 0] [--repeats 3]

The model is ``runner.bench.model``'s dense production-planning LP (also the model of
``benchmarks/compile_solve.py``): ``production[p] >= 0`` with profit as cost, one row
``capacity[r]: sum_p usage[p, r] * production[p] <= capacity[r]`` per resource, maximize.

Scenarios:

- declarative: ``LXScenario(...).modify_constraint_rhs(f"capacity[{r}]", multiply=f)`` for every
  resource ``r``, ``f ~ U(0.8, 1.2)`` from ``numpy.random.default_rng(seed + 1)``;
- callable: ``{name: ScaleProfit(...)}`` scaling the profit of a tenth of the products (a
  different subset and factors per scenario) through the model's variable data, so the
  worker recompiles its copy of the model and re-solves.

Measured, in scenarios per second (the median of ``--repeats`` timed runs, each after an
untimed warm-up of the same path, so a worker pool of its kind is up):

- floor: a hand-written ``pywraplp`` GLOP loop that builds the LP once and re-solves each
  scenario with ``SetUb`` on the capacity rows (default GLOP parameters), reading only the
  objective. Also shown: the same loop with the runner's GLOP settings (dual simplex, no
  presolve), which is what the runner's own solve costs.
- ours: the whole ``run_scenarios(model, scenarios, n_jobs=k)`` call (compile, detach, ship,
  pool start-up, collection); ``n_jobs=1`` runs in this process (as joblib does), more jobs on
  the default loky backend.
- floor fan-out: ``joblib.Parallel(n_jobs=k)`` (loky) over ``k`` chunks of the scenarios; each
  chunk builds the LP once and runs the floor loop.
- callables through ``run_scenarios`` (and their floor: the hand-written loop setting the
  objective coefficients).
- the parent's dispatch cost: the parent process's CPU time (all its threads) during a loky
  run, per scenario, as the marginal cost between a full and a tenth-size run.

Every path's objectives are checked against the floor's for the same scenarios (1e-6
relative); a disagreement stops the benchmark.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from lumix.solvers.ortools import WARM_LP_PARAMETERS

from .model import Data, build_model, lumix_classes, make_data, parse_size

__all__ = [
    "ScaleProfit",
    "SizeResult",
    "capacity_factors",
    "declarative_scenarios",
    "profit_changes",
    "callable_scenarios",
    "floor_loop",
    "floor_profit_loop",
    "floor_fanout",
    "measure_size",
    "measure",
    "report_lines",
    "main",
]

REL_TOL = 1e-6
FACTOR_RANGE = (0.8, 1.2)
PROFIT_SHARE = 0.1

logger = logging.getLogger(__name__)


# -- scenarios ----------------------------------------------------------------------------------


def capacity_factors(n: int, n_resources: int, seed: int) -> np.ndarray:
    """``n x n_resources`` capacity multipliers ``~ U(0.8, 1.2)``."""
    return np.random.default_rng(seed + 1).uniform(*FACTOR_RANGE, (n, n_resources))


def declarative_scenarios(factors: np.ndarray, prefix: str = "cap") -> list[Any]:
    """One ``LXScenario`` per row of ``factors``, multiplying every ``capacity[r]``."""
    from lumix.analysis import LXScenario

    width = len(str(len(factors)))
    scenarios = []
    for i, row in enumerate(factors.tolist()):
        scenario = LXScenario(f"{prefix}{i:0{width}d}")
        for r, f in enumerate(row):
            scenario.modify_constraint_rhs(f"capacity[{r}]", multiply=f)
        scenarios.append(scenario)
    return scenarios


@dataclass(frozen=True)
class ScaleProfit:
    """A callable scenario: multiply the profit of some products (``{product id: factor}``)
    in the model's data of ``production``; the runner recompiles the changed copy."""

    factors: dict[int, float] = field(default_factory=dict)

    def __call__(self, model: Any) -> None:
        production = model.get_variable("production")
        production.from_data(
            [
                replace(p, profit=p.profit * self.factors[p.id]) if p.id in self.factors else p
                for p in production.get_instances()
            ]
        )


def profit_changes(m: int, n_products: int, seed: int) -> list[dict[int, float]]:
    """``m`` changes: each scales a tenth of the products (at least one) by ``U(0.8, 1.2)``."""
    rng = np.random.default_rng(seed + 2)
    share = max(1, round(n_products * PROFIT_SHARE))
    changes = []
    for _ in range(m):
        ids = np.sort(rng.choice(n_products, size=share, replace=False)).tolist()
        changes.append(dict(zip(ids, rng.uniform(*FACTOR_RANGE, share).tolist(), strict=True)))
    return changes


def callable_scenarios(changes: list[dict[int, float]]) -> dict[str, ScaleProfit]:
    width = len(str(len(changes)))
    return {f"profit{j:0{width}d}": ScaleProfit(change) for j, change in enumerate(changes)}


# -- the hand-written floor ---------------------------------------------------------------------


def _floor_build(data: Data, parameters: str | None = None) -> tuple[Any, list[Any], list[Any]]:
    """The LP in ``pywraplp`` GLOP, built by hand: (solver, columns, capacity rows)."""
    from ortools.linear_solver import pywraplp

    products, resources, usage = data
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if parameters:
        solver.SetSolverSpecificParametersAsString(parameters)
    inf = solver.infinity()
    cols = [solver.NumVar(0.0, inf, f"production[{p.id}]") for p in products]
    objective = solver.Objective()
    for p, x in zip(products, cols, strict=True):
        objective.SetCoefficient(x, p.profit)
    objective.SetMaximization()
    rows = []
    for r in resources:
        row = solver.Constraint(-inf, r.capacity, f"capacity[{r.id}]")
        for p, x in zip(products, cols, strict=True):
            row.SetCoefficient(x, float(usage[p.id, r.id]))
        rows.append(row)
    return solver, cols, rows


def _objective(solver: Any) -> float:
    from ortools.linear_solver import pywraplp

    code = solver.Solve()
    return solver.Objective().Value() if code == pywraplp.Solver.OPTIMAL else float("nan")


def floor_loop(data: Data, factors: np.ndarray, parameters: str | None = None) -> list[float]:
    """Build once, then per scenario ``SetUb`` on every capacity row and re-solve."""
    solver, _cols, rows = _floor_build(data, parameters)
    capacity = np.array([r.capacity for r in data[1]])
    out = []
    for row_factors in factors:
        for row, ub in zip(rows, (capacity * row_factors).tolist(), strict=True):
            row.SetUb(ub)
        out.append(_objective(solver))
    return out


def floor_profit_loop(data: Data, changes: list[dict[int, float]]) -> list[float]:
    """The floor of the callable scenarios: set the changed objective coefficients, re-solve,
    put them back."""
    solver, cols, _rows = _floor_build(data)
    objective = solver.Objective()
    profit = [p.profit for p in data[0]]
    out = []
    for change in changes:
        for j, f in change.items():
            objective.SetCoefficient(cols[j], profit[j] * f)
        out.append(_objective(solver))
        for j in change:
            objective.SetCoefficient(cols[j], profit[j])
    return out


def floor_fanout(data: Data, factors: np.ndarray, n_jobs: int) -> list[float]:
    """The floor loop fanned out with ``joblib.Parallel`` (loky): ``n_jobs`` chunks, each
    building the LP once."""
    from joblib import Parallel, delayed

    chunks = np.array_split(factors, n_jobs)
    parts = Parallel(n_jobs=n_jobs)(delayed(floor_loop)(data, chunk) for chunk in chunks if len(chunk))
    return [value for part in parts for value in part]


# -- measuring ----------------------------------------------------------------------------------


def _timed(func: Callable[[], Any], cpu: list[float] | None = None) -> tuple[float, Any]:
    """Wall seconds of ``func()`` and its result; its CPU seconds (this process, all threads)
    are appended to ``cpu`` when given."""
    gc.collect()
    start, start_cpu = time.perf_counter(), time.process_time()
    result = func()
    seconds = time.perf_counter() - start
    if cpu is not None:
        cpu.append(time.process_time() - start_cpu)
    return seconds, result


def _check(label: str, got: Sequence[float | None], want: Sequence[float]) -> None:
    """Objectives equal to ``REL_TOL`` relative, scenario by scenario, or stop."""
    if len(got) != len(want):
        raise SystemExit(f"{label}: {len(got)} objectives for {len(want)} scenarios")
    for i, (g, w) in enumerate(zip(got, want, strict=True)):
        if g is None or not abs(g - w) <= REL_TOL * max(abs(w), 1.0):
            raise SystemExit(f"{label}: scenario #{i} objective {g!r} differs from the floor's {w!r}")


def _objectives(results: Any, names: Sequence[str]) -> list[float | None]:
    return [results[name].objective_value for name in names]


def _run(model: Any, scenarios: Any, n_jobs: int) -> Any:
    from runner import run_scenarios

    return run_scenarios(model, scenarios, n_jobs=n_jobs, progress=False, include_baseline=False)


def _parent_cpu(model: Any, scenarios: list[Any], n_jobs: int) -> float:
    """CPU seconds of this process (every thread: dispatch, loky's feeder and result threads,
    collection) during one ``run_scenarios`` call."""
    gc.collect()
    start = time.process_time()
    _run(model, scenarios, n_jobs)
    return time.process_time() - start


@dataclass
class SizeResult:
    size: tuple[int, int]
    scenarios: int
    callables: int
    floor: list[float] = field(default_factory=list)
    floor_warm: list[float] = field(default_factory=list)
    floor_cpu: list[float] = field(default_factory=list)
    floor_warm_cpu: list[float] = field(default_factory=list)
    ours1_cpu: list[float] = field(default_factory=list)
    ours: dict[int, list[float]] = field(default_factory=dict)
    fanout: dict[int, list[float]] = field(default_factory=dict)
    callable_ours: dict[int, list[float]] = field(default_factory=dict)
    callable_floor: list[float] = field(default_factory=list)
    callable_methods: Counter[str] = field(default_factory=Counter)
    dispatch: dict[str, float] = field(default_factory=dict)

    @staticmethod
    def rate(n: int, seconds: list[float]) -> float:
        return n / statistics.median(seconds) if seconds else float("nan")

    @staticmethod
    def paired(numerator: list[float], denominator: list[float], scale: float = 1.0) -> float:
        """The median over repeats of ``scale * denominator[i] / numerator[i]``: a throughput
        ratio (``numerator`` / ``denominator`` hold seconds) taken within each repeat."""
        ratios = [scale * d / n for n, d in zip(numerator, denominator, strict=False)]
        return statistics.median(ratios) if ratios else float("nan")

    def efficiency(self, k: int) -> float:
        """ours_k / (k * ours_1)."""
        return self.paired(self.ours[k], self.ours[1], 1 / k)

    def fanout_efficiency(self, k: int) -> float:
        """fan-out_k / (k * floor): against the serial floor loop."""
        return self.paired(self.fanout[k], self.floor, 1 / k)

    def vs_floor(self, k: int) -> float:
        """ours_k / the serial floor (k = 1) or / the floor fan-out (k > 1)."""
        return self.paired(self.ours[k], self.floor if k == 1 else self.fanout[k])


@dataclass
class _Setup:
    """One size's data, model and scenarios, shared by the measurements."""

    size: tuple[int, int]
    data: Data
    model: Any
    factors: np.ndarray
    scenarios: list[Any]
    warm: np.ndarray
    warm_scenarios: list[Any]

    @property
    def label(self) -> str:
        return f"{self.size[0]}x{self.size[1]}"


def _setup(size: tuple[int, int], n_scenarios: int, n_jobs_list: Sequence[int], seed: int) -> _Setup:
    data = make_data(*size, seed)
    factors = capacity_factors(n_scenarios, size[1], seed)
    warm = factors[: max(4, 2 * max(n_jobs_list))]
    return _Setup(
        size,
        data,
        build_model(lumix_classes(), data),
        factors,
        declarative_scenarios(factors),
        warm,
        declarative_scenarios(warm, prefix="warm"),
    )


def _measure_declarative(s: _Setup, out: SizeResult, n_jobs_list: Sequence[int], repeats: int) -> None:
    """The floor loops, ours and the floor fan-out per ``n_jobs``.

    Every repeat runs every declarative path back to back, so that a change of the machine's
    load hits them alike; ratios are taken within a repeat (see ``SizeResult.paired``).
    """
    floor_loop(s.data, s.warm)
    floor_loop(s.data, s.warm, WARM_LP_PARAMETERS)
    out.ours = {k: [] for k in n_jobs_list}
    out.fanout = {k: [] for k in n_jobs_list}
    for repeat in range(repeats):
        logger.info("%s: repeat %d/%d: the floor loops", s.label, repeat + 1, repeats)
        seconds, floor = _timed(lambda: floor_loop(s.data, s.factors), out.floor_cpu)
        out.floor.append(seconds)
        seconds, warm_floor = _timed(
            lambda: floor_loop(s.data, s.factors, WARM_LP_PARAMETERS), out.floor_warm_cpu
        )
        out.floor_warm.append(seconds)
        _check("floor with the runner's GLOP settings", warm_floor, floor)
        for k in n_jobs_list:
            logger.info("%s: repeat %d/%d: ours and the fan-out, n_jobs=%d", s.label, repeat + 1, repeats, k)
            _measure_jobs(s, out, k, floor)


def _measure_jobs(s: _Setup, out: SizeResult, k: int, floor: list[float]) -> None:
    """One timed ``run_scenarios`` and one timed floor fan-out at ``n_jobs=k``.

    Each timed run follows an untimed one of the same path, so that a pool of its kind is up:
    loky re-creates its executor when the two paths alternate (their executor settings differ).
    """
    names = [sc.name for sc in s.scenarios]
    _run(s.model, s.warm_scenarios, k)
    cpu = out.ours1_cpu if k == 1 else None  # n_jobs=1 runs in this process
    seconds, results = _timed(lambda: _run(s.model, s.scenarios, k), cpu)
    out.ours[k].append(seconds)
    _check(f"run_scenarios n_jobs={k}", _objectives(results, names), floor)
    del results
    floor_fanout(s.data, s.warm, k)
    seconds, fanned = _timed(lambda: floor_fanout(s.data, s.factors, k))
    out.fanout[k].append(seconds)
    _check(f"floor fan-out n_jobs={k}", fanned, floor)


def _measure_callables(
    s: _Setup, out: SizeResult, n_callables: int, jobs: Sequence[int], seed: int, repeats: int
) -> None:
    """The callable scenarios through ``run_scenarios`` per ``n_jobs`` in ``jobs``, and their
    hand-written floor."""
    changes = profit_changes(n_callables, s.size[0], seed)
    callables = callable_scenarios(changes)
    logger.info("%s: %d callable scenarios", s.label, n_callables)
    floor_profit_loop(s.data, changes[:2])
    for _ in range(repeats):
        seconds, profit_floor = _timed(lambda: floor_profit_loop(s.data, changes))
        out.callable_floor.append(seconds)
    few = dict(list(callables.items())[: max(2, 2 * max(jobs))])
    for k in jobs:
        out.callable_ours[k] = [
            _time_callables(s, out, callables, few, k, profit_floor) for _ in range(repeats)
        ]


def _time_callables(
    s: _Setup, out: SizeResult, callables: dict[str, Any], few: dict[str, Any], k: int, floor: list[float]
) -> float:
    """Seconds of one ``run_scenarios`` of the callables at ``n_jobs=k`` (after an untimed
    run of a few), checked against their floor."""
    _run(s.model, few, k)
    seconds, results = _timed(lambda: _run(s.model, callables, k))
    _check(f"callables n_jobs={k}", _objectives(results, list(callables)), floor)
    out.callable_methods = Counter(r.method for r in results.values())
    return seconds


def _measure_dispatch(s: _Setup, workers: int, repeats: int) -> dict[str, float]:
    """The parent's CPU per scenario on ``workers`` loky workers: marginal (a full against a
    tenth-size run), total, and the fixed cost per call."""
    logger.info("%s: the parent's dispatch cost (n_jobs=%d)", s.label, workers)
    n = len(s.scenarios)
    tenth = s.scenarios[: n // 10]
    _run(s.model, s.warm_scenarios, workers)
    full, small = [], []
    for _ in range(repeats):
        full.append(_parent_cpu(s.model, s.scenarios, workers))
        small.append(_parent_cpu(s.model, tenth, workers))
    full_s, small_s = statistics.median(full), statistics.median(small)
    marginal = (full_s - small_s) / (n - len(tenth))
    return {
        "n_jobs": workers,
        "total_per_scenario": full_s / n,
        "marginal_per_scenario": marginal,
        "fixed": small_s - len(tenth) * marginal,
    }


def measure_size(
    size: tuple[int, int],
    n_scenarios: int,
    n_callables: int,
    n_jobs_list: Sequence[int],
    seed: int,
    repeats: int,
    callable_jobs: Sequence[int] | None = None,
) -> SizeResult:
    """Every measurement at one size (see the module docstring)."""
    s = _setup(size, n_scenarios, n_jobs_list, seed)
    out = SizeResult(size, n_scenarios, n_callables)
    _measure_declarative(s, out, n_jobs_list, repeats)
    if n_callables:
        jobs = callable_jobs if callable_jobs is not None else sorted({1, max(n_jobs_list)})
        _measure_callables(s, out, n_callables, jobs, seed, repeats)
    workers = max(n_jobs_list)
    if workers > 1 and n_scenarios >= 20:
        out.dispatch = _measure_dispatch(s, workers, repeats)
    return out


def measure(
    sizes: Sequence[tuple[int, int]],
    n_scenarios: int,
    n_callables: int,
    n_jobs_list: Sequence[int],
    seed: int,
    repeats: int,
) -> list[SizeResult]:
    return [measure_size(size, n_scenarios, n_callables, n_jobs_list, seed, repeats) for size in sizes]


# -- reporting ----------------------------------------------------------------------------------


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def report_lines(result: SizeResult) -> list[str]:
    """Markdown lines: the throughput table and the callable / floor / dispatch figures."""
    n = result.scenarios
    label = f"{result.size[0]}x{result.size[1]}"
    floor = result.rate(n, result.floor)
    floor_warm = result.rate(n, result.floor_warm)
    lines = [
        "| n_jobs | ours scen/s | ours efficiency | floor fan-out scen/s | fan-out efficiency "
        "| ours / floor |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for k in sorted(result.ours):
        lines.append(
            f"| {k} | {result.rate(n, result.ours[k]):,.0f} | {_pct(result.efficiency(k))} | "
            f"{result.rate(n, result.fanout[k]):,.0f} | {_pct(result.fanout_efficiency(k))} | "
            f"{result.vs_floor(k):.2f}x |"
        )
    cpu = (
        f" In CPU time (in-process paths, less sensitive to the machine's load): ours n_jobs=1 / "
        f"floor = {result.paired(result.ours1_cpu, result.floor_cpu):.2f}x, / floor with the "
        f"runner's GLOP settings = {result.paired(result.ours1_cpu, result.floor_warm_cpu):.2f}x."
        if result.ours1_cpu
        else ""
    )
    lines += [
        "",
        f"{label}, {n:,} declarative scenarios (every `capacity[r]` multiplied by U(0.8, 1.2)). "
        f"Rates: medians of {len(result.floor)} repeats; every repeat runs every path back to "
        "back, and the efficiencies and ratios are medians of the per-repeat values. Efficiency: "
        "ours_k / (k * ours_1); fan-out_k / (k * floor). `ours / floor`: against the serial "
        f"floor at n_jobs=1, against the floor fan-out above. Floor (hand-written `SetUb` loop, "
        f"default GLOP): {floor:,.0f} scen/s; the same loop with the runner's GLOP settings (dual "
        f"simplex, no presolve, as the runner's persistent solver): {floor_warm:,.0f} scen/s; "
        f"ours n_jobs=1 / that loop = {result.paired(result.ours[1], result.floor_warm):.2f}x.{cpu}",
    ]
    if result.callables:
        cf = result.rate(result.callables, result.callable_floor)
        parts = [
            f"n_jobs={k}: {result.rate(result.callables, s):,.1f} scen/s"
            for k, s in sorted(result.callable_ours.items())
        ]
        methods = ", ".join(f"{m} {c}" for m, c in sorted(result.callable_methods.items()))
        lines += [
            "",
            f"{result.callables} callable scenarios (profit of {PROFIT_SHARE:.0%} of the products "
            f"scaled in the model's data; copy, recompile, re-solve): {'; '.join(parts)} "
            f"({methods}). Their floor (hand-written objective-coefficient loop): {cf:,.0f} scen/s.",
        ]
    if result.dispatch:
        d = result.dispatch
        lines += [
            "",
            f"Parent dispatch cost (parent CPU, all threads, loky n_jobs={d['n_jobs']}): "
            f"{d['marginal_per_scenario'] * 1e3:.3f} ms per scenario (marginal), "
            f"{d['total_per_scenario'] * 1e3:.3f} ms per scenario including the fixed "
            f"{d['fixed'] * 1e3:.0f} ms per call (compile, detach, serialize, pool).",
        ]
    return lines


def parser(prog: str = "python -m runner bench") -> argparse.ArgumentParser:
    cpus = os.cpu_count() or 1
    p = argparse.ArgumentParser(
        prog=prog,
        description="Scenarios/s of run_scenarios against a hand-written OR-Tools floor loop.",
    )
    p.add_argument("--sizes", nargs="+", type=parse_size, default=[(500, 50)], help="PxR (default 500x50)")
    p.add_argument("--scenarios", type=int, default=2000, help="declarative scenarios (default 2000)")
    p.add_argument("--callables", type=int, default=200, help="callable scenarios (default 200)")
    p.add_argument(
        "--n-jobs",
        nargs="+",
        type=int,
        default=list(range(1, cpus + 1)),
        help=f"n_jobs values (default 1 .. {cpus})",
    )
    p.add_argument("--seed", type=int, default=0, help="data and scenario seed (default 0)")
    p.add_argument("--repeats", type=int, default=3, help="timed runs per figure (default 3)")
    return p


def parse_args(argv: Sequence[str] | None, prog: str = "python -m runner bench") -> argparse.Namespace:
    p = parser(prog)
    args = p.parse_args(argv)
    if args.scenarios < 1 or args.callables < 0 or args.repeats < 1:
        p.error("--scenarios and --repeats must be >= 1, --callables >= 0")
    if any(k < 1 for k in args.n_jobs):
        p.error("--n-jobs values must be >= 1")
    args.n_jobs = sorted(set(args.n_jobs) | {1})
    return args


def main(argv: Sequence[str] | None = None, *, prog: str = "python -m runner bench") -> int:
    """``python -m runner bench ARGS``: measure and print the tables (Markdown)."""
    args = parse_args(argv, prog)
    results = measure(args.sizes, args.scenarios, args.callables, args.n_jobs, args.seed, args.repeats)
    for result in results:
        print(f"## {result.size[0]}x{result.size[1]} ({os.cpu_count()} cores)\n")
        print("\n".join(report_lines(result)))
        print()
    return 0
