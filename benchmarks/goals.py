"""Goal-programming benchmark: per-scenario cost of goal models in ``run_scenarios``.

    .venv/bin/python benchmarks/goals.py [--size 300x30] [--scenarios 300] [--repeats 3] [--no-write]

Two measurements on the production-planning data of ``runner/bench/model.py``, each scenario
multiplying every ``capacity[r]`` by ``U(0.8, 1.2)`` (declarative), solved in this process
(``backend="sequential"``, so the figures are the solver path, not inter-process traffic):

- **weighted**: the LP with its capacity rows as priority-1 goals (``as_goal(1)``) and the
  profit as the final objective, against the same model written by hand as an elastic LP
  (deviation columns and ``==`` rows declared as ordinary families): the two compile to the
  same arrays, so the goal machinery should cost nothing per scenario. Target: within 1.2x.
- **sequential**: three priorities (capacity goals, a minimum production per product, a profit
  target) and the profit as final objective; ``run_scenarios`` runs each scenario's stages in
  one persistent solver (objective and stage bounds changed in place). Against solving the
  stages from scratch: per scenario and stage, a fresh OR-Tools model of the stage built from
  the compiled arrays and solved cold. Target: at least 3x faster.

Objectives must agree (1e-6 relative). The report is printed and written to the ``## goals``
section of ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import compile_solve as cs  # noqa: E402

from lumix import LXConstraint, LXLinearExpression, LXModel, LXVariable  # noqa: E402
from lumix.core.enums import LXObjectiveSense  # noqa: E402
from lumix.solvers.ortools import ORToolsSolver  # noqa: E402
from runner import run_scenarios  # noqa: E402
from runner.bench.measure import capacity_factors, declarative_scenarios  # noqa: E402
from runner.bench.model import Data, Product, Resource, make_data, parse_size  # noqa: E402

SECTION = "## goals"
TARGET_WEIGHTED = 1.2
TARGET_SEQUENTIAL = 3.0
GOAL_WEIGHT = 1e6  # priority 1 in LumiX 0.3.2: 10 ** (6 - 1 + 1)


def _production(products: list[Product]) -> LXVariable:
    return (
        LXVariable[Product, float]("production")
        .continuous()
        .bounds(lower=0)
        .indexed_by(lambda p: p.id)
        .cost(lambda p: p.profit)
        .from_data(products)
    )


def _capacity(production: LXVariable, data: Data) -> LXConstraint:
    _, resources, usage = data
    return (
        LXConstraint[Resource]("capacity")
        .expression(LXLinearExpression().add_term(production, lambda p, r: usage[p.id, r.id]))
        .le()
        .rhs(lambda r: r.capacity)
        .from_data(resources)
        .indexed_by(lambda r: r.id)
    )


def weighted_goal_model(data: Data) -> LXModel:
    """Capacity rows as priority-1 goals, profit maximized as the final objective."""
    production = _production(data[0])
    capacity = _capacity(production, data).as_goal(1, 1.0)
    model = LXModel("weighted_goals").add_variable(production).add_constraint(capacity).maximize()
    return model.set_goal_mode("weighted")


def elastic_lp(data: Data) -> LXModel:
    """The weighted goal model written by hand: deviation families, ``==`` rows, one objective."""
    products, resources, usage = data
    production = _production(products)
    devs = [
        LXVariable[Resource, float](f"capacity_{side}_dev")
        .continuous()
        .bounds(lower=0)
        .indexed_by(lambda r: f"capacity_{r.id}")
        .from_data(resources)
        for side in ("pos", "neg")
    ]
    pos, neg = devs
    capacity = (
        LXConstraint[Resource]("capacity")
        .expression(
            LXLinearExpression()
            .add_term(production, lambda p, r: usage[p.id, r.id])
            .add_term(neg, 1.0)
            .add_term(pos, -1.0)
        )
        .eq()
        .rhs(lambda r: r.capacity)
        .from_data(resources)
        .indexed_by(lambda r: r.id)
    )
    objective = LXLinearExpression().add_term(pos, GOAL_WEIGHT).add_term(production, lambda p: -p.profit)
    return (
        LXModel("weighted_goals")
        .add_variables(production, pos, neg)
        .add_constraint(capacity)
        .minimize(objective)
    )


def sequential_goal_model(data: Data) -> LXModel:
    """P1 capacity goals, P2 a minimum production per product, P3 a profit target, then the
    profit maximized."""
    products, resources, usage = data
    production = _production(products)
    capacity = _capacity(production, data).as_goal(1, 1.0)
    minimum = (
        LXConstraint[Product]("minimum")
        .expression(LXLinearExpression().add_term(production))
        .ge()
        .rhs(lambda p: 1.0 + p.id % 3)
        .from_data(products)
        .indexed_by(lambda p: p.id)
        .as_goal(2, 1.0)
    )
    target = sum(r.capacity for r in resources) * 2.0
    profit = (
        LXConstraint("profit_target")
        .expression(LXLinearExpression().add_term(production, lambda p: p.profit))
        .ge()
        .rhs(target)
        .as_goal(3, 1.0)
    )
    model = LXModel("sequential_goals").add_variable(production).add_constraints(capacity, minimum, profit)
    return model.maximize().set_goal_mode("sequential")


def _swept(model: LXModel, scenarios: list[Any]) -> tuple[float, float, list[float | None]]:
    """Wall and CPU seconds per scenario of ``run_scenarios`` in this process, objectives."""
    wall, cpu = time.perf_counter(), time.process_time()
    results = run_scenarios(model, scenarios, backend="sequential", include_baseline=False, progress=False)
    n = len(scenarios)
    per_wall, per_cpu = (time.perf_counter() - wall) / n, (time.process_time() - cpu) / n
    return per_wall, per_cpu, [results[s.name].objective_value for s in scenarios]


def stages_from_scratch(model: LXModel, factors: np.ndarray) -> tuple[float, float, list[float | None]]:
    """Per scenario: each stage of the sequential model as a fresh OR-Tools model of its own
    arrays (objective, held stage bounds, scenario right-hand sides), solved cold."""
    canon = model.to_canonical()
    rows = np.fromiter(canon.row_index["capacity"].values(), dtype=np.int64)
    wall, cpu = time.perf_counter(), time.process_time()
    found: list[float | None] = []
    const, equal = canon.row_constant[rows], canon.row_sense[rows] == "=="
    for row in factors:
        lower, upper = canon.row_lower.copy(), canon.row_upper.copy()
        bound = (canon.row_upper[rows] + const) * row - const  # the goal rows are relaxed to ==
        upper[rows] = bound
        lower[rows] = np.where(equal, bound, lower[rows])
        value: float | None = None
        for stage in canon.goal_stages:
            stage_canon = replace(
                canon,
                objective=stage.objective,
                sense=LXObjectiveSense.MINIMIZE,
                objective_constant=0.0,
                row_lower=lower,
                row_upper=upper.copy(),
                goal_stages=(),
            )
            raw = ORToolsSolver(stage_canon, warm=False).solve(values=False)
            value = raw.objective_value
            if value is None:
                break
            upper[stage.bound_row] = value
        else:
            final = replace(canon, row_lower=lower, row_upper=upper, goal_stages=())
            value = ORToolsSolver(final, warm=False).solve(values=False).objective_value
        found.append(value)
    n = len(factors)
    return (time.perf_counter() - wall) / n, (time.process_time() - cpu) / n, found


def _agree(a: list[float | None], b: list[float | None]) -> bool:
    return all(
        (x is None and y is None)
        or (x is not None and y is not None and abs(x - y) <= 1e-6 * max(1.0, abs(y)))
        for x, y in zip(a, b, strict=True)
    )


def measure(args: argparse.Namespace) -> dict[str, list[float]]:
    data = make_data(*args.size, args.seed)
    factors = capacity_factors(args.scenarios, args.size[1], args.seed)
    scenarios = declarative_scenarios(factors)
    goal, elastic, sequential = weighted_goal_model(data), elastic_lp(data), sequential_goal_model(data)
    if goal.to_canonical().content_hash != elastic.to_canonical().content_hash:
        print("note: the weighted goal model and the elastic LP compile to different arrays")
    measured: dict[str, list[float]] = {
        k: [] for k in ("goal", "lp", "goal_cpu", "lp_cpu", "seq", "scratch", "seq_cpu", "scratch_cpu")
    }
    _swept(goal, scenarios[:10])  # warm-up
    for _ in range(args.repeats):
        g_wall, g_cpu, g_obj = _swept(goal, scenarios)
        l_wall, l_cpu, l_obj = _swept(elastic, scenarios)
        s_wall, s_cpu, s_obj = _swept(sequential, scenarios)
        f_wall, f_cpu, f_obj = stages_from_scratch(sequential, factors)
        if not (_agree(g_obj, l_obj) and _agree(s_obj, f_obj)):
            raise SystemExit("objectives disagree between the goal models and their references")
        for key, value in (
            ("goal", g_wall),
            ("lp", l_wall),
            ("goal_cpu", g_cpu),
            ("lp_cpu", l_cpu),
            ("seq", s_wall),
            ("scratch", f_wall),
            ("seq_cpu", s_cpu),
            ("scratch_cpu", f_cpu),
        ):
            measured[key].append(value)
    return measured


def build_report(args: argparse.Namespace, measured: dict[str, list[float]]) -> tuple[list[str], bool]:
    med = {k: statistics.median(v) for k, v in measured.items()}
    weighted = med["goal"] / med["lp"]
    speedup = med["scratch"] / med["seq"]
    met = weighted <= TARGET_WEIGHTED and speedup >= TARGET_SEQUENTIAL
    size = cs.size_label(args.size)
    lines = [
        SECTION,
        "",
        f"`python benchmarks/goals.py --size {size} --scenarios {args.scenarios} --repeats {args.repeats}` "
        f"(seed {args.seed}), {_dt.date.today().isoformat()}, {cs.nproc()} cores, {cs.cpu_model()}.",
        "",
        f"{size}, {args.scenarios} declarative scenarios (every `capacity[r]` times U(0.8, 1.2)), "
        '`run_scenarios(..., backend="sequential")` in this process; medians of the repeats, '
        "milliseconds per scenario (CPU ms in brackets).",
        "",
        "| model | ms / scenario | reference | ref ms / scenario | ratio | target |",
        "|---|---:|---|---:|---:|---|",
        f"| weighted goals (capacity as P1 goals) | {med['goal'] * 1e3:.2f} ({med['goal_cpu'] * 1e3:.2f}) "
        f"| the same model as a hand-written elastic LP | {med['lp'] * 1e3:.2f} ({med['lp_cpu'] * 1e3:.2f}) "
        f"| {weighted:.2f}x | <= {TARGET_WEIGHTED}x: {'met' if weighted <= TARGET_WEIGHTED else 'MISSED'} |",
        f"| sequential goals (3 priorities + final) | {med['seq'] * 1e3:.2f} ({med['seq_cpu'] * 1e3:.2f}) "
        f"| its stages from scratch (fresh model per stage) | {med['scratch'] * 1e3:.2f} "
        f"({med['scratch_cpu'] * 1e3:.2f}) | {speedup:.1f}x faster "
        f"| >= {TARGET_SEQUENTIAL}x: {'met' if speedup >= TARGET_SEQUENTIAL else 'MISSED'} |",
        "",
        "The weighted goal model and the elastic LP compile to the same arrays (the goal pass adds "
        "the deviation columns and the weighted objective once, at compile time), so a scenario "
        "of either is one warm re-solve. A sequential scenario runs its stages in the worker's "
        "persistent solver: the stage objective and the held bound of each earlier stage change in "
        "place, and the solver re-solves warm from the previous stage's basis. Objectives agree "
        "to 1e-6 relative (checked by the script).",
    ]
    return lines, met


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=parse_size, default=(300, 30))
    parser.add_argument("--scenarios", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    lines, met = build_report(args, measure(args))
    print("\n".join(lines))
    if not args.no_write:
        cs.write_section(HERE / "RESULTS.md", lines, SECTION)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
