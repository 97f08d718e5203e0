"""Goal programming on database data: targets that may be missed, in order of priority.

    python examples/goal_planning.py

The production database of ``examples/production_planning.py`` (SQLAlchemy, SQLite in a
temporary directory or at ``$LUMIX_EXAMPLE_DB``, size ``$LUMIX_EXAMPLE_SCALE``) with three
goals on top of the hard capacity rows:

- priority 1, ``volume``: make at least ``VOLUME`` units in all (missing it is penalised);
- priority 2, ``load[r]``: keep every resource at or under ``LOAD`` of its capacity;
- then the model's own objective: maximize the profit.

It solves the model in weighted mode (one solve minimizing 10^6 x volume shortfall + 10^5 x
overloads - profit) and in sequential mode (priority by priority, each held at its optimum,
then the profit maximized), prints each goal's deviations, then sweeps the volume target with
``run_scenarios``: the goal model compiles once and every scenario re-solves incrementally.

Exits with status 1 when a solve is not optimal.
"""

from __future__ import annotations

import copy
import os
import sys
import tempfile
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))

import production_planning as pp  # noqa: E402  (the database of the first example)

from lumix import LXConstraint, LXLinearExpression, LXModel, LXOptimizer, LXScenario  # noqa: E402
from runner import run_scenarios  # noqa: E402

VOLUME = 150.0
LOAD = 0.8
TARGETS = (0.8, 1.0, 1.2, 1.5)


def build_goal_model(session: Session, mode: str) -> LXModel:
    """The production LP of ``production_planning`` with the three goals, in ``mode``."""
    model, production = pp.build_model(session)
    volume = (
        LXConstraint("volume")
        .expression(LXLinearExpression().sum_over(production))
        .ge()
        .rhs(VOLUME)
        .as_goal(priority=1)
    )
    load = (
        LXConstraint[pp.Resource]("load")
        .expression(LXLinearExpression().add_term(production, lambda p, r: p.usage_of(r)))
        .le()
        .rhs(lambda r: LOAD * r.capacity)
        .from_model(session)
        .indexed_by(lambda r: r.id)
        .as_goal(priority=2)
    )
    model.add_constraints(volume, load)
    return model.set_goal_mode(mode)


def report(title: str, solution) -> bool:
    print(f"\n{title}: {solution.status}, objective {solution.objective_value:,.2f}")
    for goal in ("volume", "load"):
        met, deviation = solution.is_goal_satisfied(goal), solution.get_total_deviation(goal)
        print(f"  {goal:<8} satisfied={met!s:<5} penalised deviation {deviation:,.2f}")
    for stage in solution.goal_stages:
        label = "final" if stage.priority == 0 else f"priority {stage.priority}"
        print(f"  stage {label:<10} {stage.objective_value:,.4f} ({stage.status})")
    return solution.is_optimal()


def main() -> int:
    n_products, n_resources = pp.scale_from_env()
    path = os.environ.get("LUMIX_EXAMPLE_DB") or str(Path(tempfile.mkdtemp()) / "goals.db")
    engine = create_engine(f"sqlite:///{path}")
    pp.Base.metadata.drop_all(engine)
    pp.Base.metadata.create_all(engine)
    with Session(engine) as session:
        pp.fill(session, n_products, n_resources, pp.DEFAULT_SEED)
        weighted = build_goal_model(session, "weighted")
        sequential = build_goal_model(session, "sequential")
        ok = report("Weighted goals", LXOptimizer().solve(weighted))
        ok &= report("Sequential goals", LXOptimizer().solve(sequential))
        detached = copy.deepcopy(sequential)  # no database needed from here on
    engine.dispose()

    scenarios = [LXScenario(f"volume x{f}").modify_constraint_rhs("volume", multiply=f) for f in TARGETS]
    results = run_scenarios(detached, scenarios, n_jobs=2, progress=False)
    print("\nSweep of the volume target (sequential goals; objective = the final stage's profit):")
    for name, result in results.items():
        value = "-" if result.objective_value is None else f"{result.objective_value:,.2f}"
        print(f"  {name:<12} {result.status!s:<10} {value:>12}")
    ok &= all(r.status == "optimal" for r in results.values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
