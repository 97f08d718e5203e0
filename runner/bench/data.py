"""Data parameters against declarative scenarios of the same model, side by side (issue 12).

The model and its data parameter come from the caller (``benchmarks/sweep.py --data-only``
passes ``examples/sweep_model.py``'s ``factory()`` and ``scale_prices``: the README's main
job). Three Latin-hypercube sweeps of ``n`` scenarios each run through
``run_scenarios(n_jobs=1)``, interleaved, ``repeats`` timed runs each after one untimed warm-up:

- declarative: the job's right-hand-side parameters only;
- job: the same parameters plus the data parameter (the README's main job);
- data: the data parameter alone;
- floor: the job's scenarios as declarative changes only: the right-hand sides, and the objective
  coefficients the data parameter leads to set one by one (computed beforehand, untimed, by
  copying, changing and compiling the model per scenario). No data path can beat it: it is the
  same solve without running ``apply`` or any of the model's callables.

The job also runs once with ``LXOptimizer().data_scenarios("recompile")`` (copy + recompile per
scenario): its objectives must equal the job's, scenario by scenario, and its throughput is
shown. The ratio that issue 12 asks to be at least 1/3 is job / declarative.
"""

from __future__ import annotations

import copy
import gc
import statistics
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["DataResult", "measure_data", "data_report_lines", "TARGET_RATIO"]

TARGET_RATIO = 1 / 3


@dataclass
class DataResult:
    """Seconds per timed run of each sweep, the methods seen, and the comparison."""

    n: int
    seconds: dict[str, list[float]] = field(default_factory=dict)
    methods: dict[str, Counter[str]] = field(default_factory=dict)
    recompile_seconds: float = 0.0
    identical: bool = False
    mismatches: int = 0
    floor_agrees: bool = False

    def rate(self, kind: str) -> float:
        return self.n / statistics.median(self.seconds[kind])

    @property
    def ratio(self) -> float:
        return self.rate("job") / self.rate("declarative")


def _sweeps(rhs: Mapping[str, tuple[float, float]], data: tuple[str, Callable[..., Any], tuple[float, float]],
            n: int, seed: int) -> dict[str, Any]:  # fmt: skip
    from runner.sweeps import data_param, latin_hypercube, param

    declarative = {param(target, "rhs", "multiply"): bounds for target, bounds in rhs.items()}
    name, apply, bounds = data
    price = {data_param(name, apply): bounds}
    return {
        "declarative": latin_hypercube(declarative, n, seed=seed),
        "job": latin_hypercube({**declarative, **price}, n, seed=seed),
        "data": latin_hypercube(price, n, seed=seed),
    }


def _run(model: Any, sweep: Any, optimizer: Any = None) -> tuple[float, Any]:
    from runner import run_scenarios

    gc.collect()
    start = time.perf_counter()
    results = run_scenarios(
        model, sweep, n_jobs=1, progress=False, include_baseline=False, optimizer=optimizer
    )
    return time.perf_counter() - start, results


def declarative_equivalents(model: Any, scenarios: Any) -> list[Any]:
    """Each scenario with its callables replaced by the objective coefficients they lead to
    (``obj_set`` per changed column); ``SystemExit`` if a callable changes other numbers."""
    from lumix.analysis import LXScenario

    base = model.to_canonical()
    found = []
    for scenario in scenarios:
        changed = copy.deepcopy(model)
        for fn in scenario.model_changes:
            fn(changed)
        canon = changed.to_canonical()
        same = [(base.col_lower, canon.col_lower), (base.col_upper, canon.col_upper),
                (base.row_lower, canon.row_lower), (base.row_upper, canon.row_upper),
                (base.matrix.data, canon.matrix.data)]  # fmt: skip
        if canon.col_names != base.col_names or not all(np.array_equal(a, b) for a, b in same):
            raise SystemExit(
                f"scenario {scenario.name!r}: the data parameter changes more than the objective"
            )
        equivalent = LXScenario(scenario.name)
        for modification in scenario.modifications:
            equivalent.add_custom_modification(modification)
        for j in np.flatnonzero(canon.objective != base.objective).tolist():
            equivalent.modify_objective_coefficient(base.col_names[j], set_value=float(canon.objective[j]))
        found.append(equivalent)
    return found


def measure_data(
    model: Any,
    rhs: Mapping[str, tuple[float, float]],
    data: tuple[str, Callable[..., Any], tuple[float, float]],
    n: int = 1000,
    repeats: int = 3,
    seed: int = 0,
) -> DataResult:
    """Time the three sweeps of ``model`` (``rhs``: ``{row: (low, high)}`` multipliers;
    ``data``: ``(name, apply, (low, high))``) and compare the job with copy + recompile."""
    from lumix import LXOptimizer

    sweeps = _sweeps(rhs, data, n, seed)
    sweeps["floor"] = declarative_equivalents(model, sweeps["job"])
    out = DataResult(n, {kind: [] for kind in sweeps})
    results: dict[str, Any] = {}
    for round_ in range(repeats + 1):
        for kind, sweep in sweeps.items():
            seconds, results[kind] = _run(model, sweep)
            if round_:
                out.seconds[kind].append(seconds)
    out.methods = {kind: Counter(r.method for r in res.values()) for kind, res in results.items()}
    out.recompile_seconds, slow = _run(model, sweeps["job"], LXOptimizer().data_scenarios("recompile"))
    fast = {name: r.objective_value for name, r in results["job"].items()}
    out.mismatches = sum(fast[name] != r.objective_value for name, r in slow.items())
    out.identical = out.mismatches == 0 and len(fast) == len(slow) == n
    floor = {name: r.objective_value for name, r in results["floor"].items()}
    out.floor_agrees = floor.keys() == fast.keys() and all(
        abs(floor[k] - v) <= 1e-9 * max(abs(v), 1.0) for k, v in fast.items() if v is not None
    )
    return out


def data_report_lines(result: DataResult) -> list[str]:
    """Markdown lines: the rates, the ratio against the target, the comparison."""
    n = result.n
    rows = [
        ("declarative (the job's right-hand sides only)", "declarative"),
        ("the job (right-hand sides + the data parameter)", "job"),
        ("the data parameter alone", "data"),
        ("floor: the job as declarative changes (objective coefficients set)", "floor"),
    ]
    lines = ["| sweep | scenarios/s | methods |", "|---|---:|---|"]
    for label, kind in rows:
        methods = ", ".join(f"{m} {c}" for m, c in sorted(result.methods[kind].items()))
        lines.append(f"| {label} | {result.rate(kind):,.0f} | {methods} |")
    lines.append(f"| the job, copy + recompile (`data_scenarios(\"recompile\")`) | "
                 f"{n / result.recompile_seconds:,.0f} | |")  # fmt: skip
    met = "met" if result.ratio >= TARGET_RATIO else "MISSED"
    same = "identical" if result.identical else f"DIFFERENT in {result.mismatches} scenarios"
    lines += [
        "",
        f"Job / declarative: {result.ratio:.2f} (target >= {TARGET_RATIO:.2f}: {met}); data parameter "
        f"alone / declarative: {result.rate('data') / result.rate('declarative'):.2f}; the job by "
        f"its data dependencies / by copy + recompile: "
        f"{result.rate('job') * result.recompile_seconds / n:.1f}x. Objectives of the {n:,} job "
        f"scenarios against copy + recompile: {same}. The floor (no data path can be faster) / "
        f"declarative: {result.rate('floor') / result.rate('declarative'):.2f}; the job / the floor: "
        f"{result.ratio / (result.rate('floor') / result.rate('declarative')):.2f}; the floor's "
        f"objectives {'agree' if result.floor_agrees else 'DISAGREE'} with the job's (1e-9 relative).",
    ]
    return lines
