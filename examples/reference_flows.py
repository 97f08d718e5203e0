"""The flows of the reference guide "Model Copying and ORM Detachment", on a real database.

    python examples/reference_flows.py

Builds the production model of ``examples/sweep_model.py`` from its SQLite database
(SQLAlchemy ORM: products, resources and materials joined through relationships) and runs,
in order, the guide's flows, printing one checkable line per result:

1. deepcopy and modify: ``copy.constraints[0].rhs_value = ...`` and
   ``copy.get_constraint("demand").rhs_value *= 1.2`` change the copy only;
2. the copy needs no database: the session is closed and the copy still solves;
3. what-if analysis with ``LXWhatIfAnalyzer`` (family and instance targets, bottlenecks);
4. the optimistic / baseline / pessimistic scenarios, by copies and by ``LXScenarioAnalyzer``;
5. manual detachment (``detach_orm_object``) and a lambda capturing an ORM object;
6. a plain ``pickle`` round trip, unpickled and solved in a fresh interpreter.

``$LUMIX_EXAMPLE_DB`` puts the database at a given path (default: a temporary directory);
``$LUMIX_SWEEP_SCALE`` (``PRODUCTSxRESOURCESxMATERIALS``, default ``40x6x4``) sizes it.
Exits with status 1 when a check fails.
"""

from __future__ import annotations

import copy
import math
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

import sqlalchemy
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sweep_model import Product, build_model, create_database  # noqa: E402  (next to this file)

from lumix import (  # noqa: E402
    LXLinearExpression,
    LXOptimizer,
    LXScenario,
    LXScenarioAnalyzer,
    LXVariable,
    LXWhatIfAnalyzer,
)
from lumix.utils.copy_utils import detach_orm_object  # noqa: E402

REL = 1e-7
failures: list[str] = []


def check(label: str, ok: bool) -> None:
    print(f"check {label}: {'ok' if ok else 'FAILED'}")
    if not ok:
        failures.append(label)


def same(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and math.isclose(a, b, rel_tol=REL, abs_tol=1e-9)


def scale() -> dict[str, int]:
    text = os.environ.get("LUMIX_SWEEP_SCALE", "").strip().lower()
    if not text:
        return {}
    try:
        products, resources, materials = (int(x) for x in text.split("x"))
    except ValueError:
        raise SystemExit(f"LUMIX_SWEEP_SCALE={text!r}: expected PRODUCTSxRESOURCESxMATERIALS") from None
    return {"products": products, "resources": resources, "materials": materials}


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="lumix-reference-") as tmp:
        db = Path(os.environ.get("LUMIX_EXAMPLE_DB") or Path(tmp) / "reference.db")
        url = create_database(db, **scale())
        engine = create_engine(url)
        try:
            return flows(engine, Path(tmp))
        finally:
            engine.dispose()


def flows(engine: sqlalchemy.Engine, tmp: Path) -> int:
    optimizer = LXOptimizer().use_solver("ortools")
    session = Session(engine)
    model = build_model(session)
    baseline = optimizer.solve(model)
    demand = model.get_constraint("demand").rhs_value
    print(f"Database: {engine.url.database}")
    print(f"Model: {len(model.variables)} variable family, {len(model.constraints)} constraint families")
    print(f"Baseline: status {baseline.status}, objective {baseline.objective_value:.6f}, demand {demand:g}")

    # 1. deepcopy and modify (the guide's "Basic Usage")
    print("\n== 1. deepcopy and modify ==")
    modified = copy.deepcopy(model)
    modified.constraints[0].rhs_value = demand * 1.5
    larger = optimizer.solve(modified)
    shown = modified.constraints[0].rhs_value
    print(f"copy.constraints[0].rhs_value = {shown:g}: objective {larger.objective_value:.6f}")
    raised = copy.deepcopy(model)
    raised.get_constraint("demand").rhs_value *= 1.2
    print(f'copy.get_constraint("demand").rhs_value *= 1.2: {raised.get_constraint("demand").rhs_value:g}')
    check("original demand unchanged", model.get_constraint("demand").rhs_value == demand)
    check(
        "original objective unchanged", same(optimizer.solve(model).objective_value, baseline.objective_value)
    )
    check("more demand earns at least as much", larger.objective_value >= baseline.objective_value - 1e-9)
    products = modified.get_variable("production").get_instances()
    check("copied products are detached", all(sqlalchemy.inspect(p).detached for p in products))

    # 2. close the session: the copy needs no database
    print("\n== 2. the copy without a session ==")
    first = session.get(Product, 1)
    detached = detach_orm_object(first)  # the guide's "Manual ORM Detachment"
    held = first  # a lambda capturing an ORM object (the guide's "Lambda with ORM in Closure")
    production = (
        LXVariable[Product, float]("production").continuous().indexed_by(lambda p: p.id).from_data([held])
    )
    expr = LXLinearExpression().add_term(production, lambda p: held.price)
    expr_copy = copy.deepcopy(expr)
    session.close()
    engine.dispose()
    after_close = optimizer.solve(modified)
    print(f"session closed; the copy solves: objective {after_close.objective_value:.6f}")
    check("copy solves without its session", same(after_close.objective_value, larger.objective_value))
    print(f"detach_orm_object(product).name after close: {detached.name}")
    check("detached product readable", detached.name == "product-001")
    captured = expr_copy.terms["production"].coeff(detached)
    print(f"lambda capturing an ORM object, deep-copied, after close: coefficient {captured:g}")
    check("copied lambda reads its detached product", captured == detached.price)

    # The analyses below use a model read from a new session (the first one is closed).
    session = Session(engine)
    model = build_model(session)

    # 3. what-if analysis
    print("\n== 3. what-if ==")
    whatif = LXWhatIfAnalyzer(model, optimizer)
    for result in (
        whatif.increase_constraint_rhs("capacity", by=100),
        whatif.increase_constraint_rhs("capacity[1]", by_percent=0.2),
        whatif.relax_constraint("demand", by_percent=0.1),
        whatif.tighten_constraint("materials", by_percent=0.1),
    ):
        print(
            f"what-if {result.description}: objective {result.new_objective:.6f} "
            f"(delta {result.delta_objective:+.6f}, {result.delta_percentage:+.2f}%)"
        )
    bottlenecks = whatif.find_bottlenecks(test_amount=1.0, top_n=3)
    print("bottlenecks (objective gain per unit): " + ", ".join(f"{n} {g:.4f}" for n, g in bottlenecks))
    check(
        "what-if baseline matches",
        same(whatif.get_baseline_solution().objective_value, baseline.objective_value),
    )
    check("bottlenecks found", len(bottlenecks) > 0)

    # 4. optimistic / baseline / pessimistic (the guide's "Scenario Analysis")
    print("\n== 4. scenarios ==")
    by_copy = {}
    optimistic = copy.deepcopy(model)
    optimistic.get_constraint("demand").rhs_value *= 1.2
    by_copy["optimistic"] = optimizer.solve(optimistic)
    by_copy["baseline"] = optimizer.solve(model)
    pessimistic = copy.deepcopy(model)
    pessimistic.get_constraint("demand").rhs_value *= 0.8
    by_copy["pessimistic"] = optimizer.solve(pessimistic)
    for name, solution in by_copy.items():
        print(f"scenario {name}: ${solution.objective_value:,.2f}")
    analyzer = LXScenarioAnalyzer(model, optimizer)
    analyzer.add_scenarios(
        LXScenario("optimistic").modify_constraint_rhs("demand", multiply=1.2).describe("demand +20%"),
        LXScenario("pessimistic").modify_constraint_rhs("demand", multiply=0.8).describe("demand -20%"),
    )
    solved = analyzer.run_all_scenarios()
    print(analyzer.compare_scenarios())
    check(
        "copies and LXScenarioAnalyzer agree",
        all(same(solved[n].objective_value, by_copy[n].objective_value) for n in by_copy),
    )
    check(
        "optimistic >= baseline >= pessimistic",
        by_copy["optimistic"].objective_value
        >= by_copy["baseline"].objective_value
        >= by_copy["pessimistic"].objective_value,
    )
    print(f"best scenario: {analyzer.get_best_scenario()}")

    # 5. pickle round trip, in this process and in a fresh interpreter
    print("\n== 5. pickle ==")
    data = pickle.dumps(model)
    restored = pickle.loads(data)
    again = optimizer.solve(restored)
    print(f"pickle.dumps(model): {len(data)} bytes; restored objective {again.objective_value:.6f}")
    check("pickle round trip", same(again.objective_value, baseline.objective_value))
    session.close()
    path = tmp / "model.pkl"
    path.write_bytes(data)
    code = (
        "import pickle, sys; from lumix import LXOptimizer; "
        "m = pickle.loads(open(sys.argv[1], 'rb').read()); "
        "print(repr(LXOptimizer().solve(m).objective_value))"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).resolve().parent)] + sys.path))
    fresh = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, env=env, timeout=120
    )
    value = float(fresh.stdout.strip()) if fresh.returncode == 0 else None
    print(f"fresh interpreter objective: {value if value is None else f'{value:.6f}'}")
    if fresh.returncode != 0:
        print(fresh.stderr, file=sys.stderr)
    check("pickle in a fresh interpreter", same(value, baseline.objective_value))

    print(f"\nChecks failed: {len(failures)}" + (f" ({', '.join(failures)})" if failures else ""))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
