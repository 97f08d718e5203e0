"""The solver registry and its backends (OR-Tools, CP-SAT, Gurobi, CPLEX), capabilities,
``LXRationalConverter`` and ``LXOptimizer``'s solver options (LumiX 0.3.2 §3).

Every backend is checked against OR-Tools on the same compiled model and against optima
worked out by hand (the Wyndor fixture of conftest.py: 36 at doors=2, windows=6; its integer
version has the same optimum). Figures marked "LumiX 0.3.2" were printed by the same model
solved in the reference venv (lumix-opt 0.3.2). Gurobi and CPLEX run under size-limited
licences (2000 / 1000 variables and constraints): every model here is tiny.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import logging
import math
import pickle
import sys
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pytest

import lumix
import lumix.solvers
from lumix import (
    LXConstraint,
    LXIndexDimension,
    LXLinearExpression,
    LXModel,
    LXObjectiveSense,
    LXOptimizer,
    LXRationalConverter,
    LXScenario,
    LXSolverCapability,
    LXSolverFeature,
    LXVariable,
    Status,
)
from lumix.scenario import ScenarioSession
from lumix.solvers import registry
from lumix.solvers.capabilities import (
    CPLEX_CAPABILITIES,
    CPSAT_CAPABILITIES,
    GLPK_CAPABILITIES,
    GUROBI_CAPABILITIES,
    ORTOOLS_CAPABILITIES,
)
from lumix.solvers.ortools import ORToolsSolver
from lumix.solvers.registry import RATIONAL_KEY, SOLVER_KEY, create_solver
from tests.conftest import (
    WYNDOR_OPTIMUM,
    WYNDOR_REDUCED_COSTS,
    WYNDOR_SHADOW_PRICES,
    wyndor_model,
    wyndor_products,
    wyndor_resources,
)

CPSAT_LOGGER = "lumix.OR-Tools CP-SAT"


def _needs(package: str, extra: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        importlib.util.find_spec(package) is None,
        reason=f"{package} is not installed (pip install 'lumix-runner[{extra}]')",
    )


#: Every backend, listed once; Gurobi and CPLEX only where their packages are installed.
BACKENDS = [
    pytest.param("ortools", id="ortools"),
    pytest.param("cpsat", id="cpsat"),
    pytest.param("gurobi", id="gurobi", marks=_needs("gurobipy", "gurobi")),
    pytest.param("cplex", id="cplex", marks=_needs("cplex", "cplex")),
]
LP_BACKENDS = [p for p in BACKENDS if p.id != "cpsat"]  # backends with continuous columns and duals


def options(name: str, canon: lumix.LXCanonicalModel | None = None, **params: object) -> dict[str, object]:
    """Options for backend ``name`` (CP-SAT converts continuous columns when ``canon`` has any)."""
    found: dict[str, object] = {SOLVER_KEY: name, **params}
    if name == "cpsat" and canon is not None and not canon.col_integer.all():
        found[RATIONAL_KEY] = 10000
    return found


def wyndor(integer: bool = False) -> LXModel:
    return wyndor_model(wyndor_products(), wyndor_resources(), integer=integer)[0]


@dataclass
class Food:
    name: str
    cost: float
    content: dict[str, float]


@dataclass
class Nutrient:
    name: str
    need: float


def diet() -> LXModel:
    """minimize 2 a + 3 b  s.t.  a + b >= 4,  a + 3 b >= 6,  a, b >= 0.
    Optimum 9 at a=3, b=1 (both rows binding); duals 1.5 and 0.5 (2 = y1 + y2, 3 = y1 + 3 y2)."""
    foods = [Food("a", 2.0, {"energy": 1.0, "protein": 1.0}), Food("b", 3.0, {"energy": 1.0, "protein": 3.0})]
    nutrients = [Nutrient("energy", 4.0), Nutrient("protein", 6.0)]
    amount = (
        LXVariable[Food, float]("amount")
        .continuous()
        .bounds(lower=0)
        .indexed_by(lambda f: f.name)
        .from_data(foods)
        .cost(lambda f: f.cost)
    )
    need = (
        LXConstraint[Nutrient]("need")
        .expression(LXLinearExpression().add_term(amount, lambda f, n: f.content[n.name]))
        .ge()
        .rhs(lambda n: n.need)
        .from_data(nutrients)
        .indexed_by(lambda n: n.name)
    )
    return LXModel("diet").add_variable(amount).add_constraint(need).minimize()


def scalar_model(
    name: str,
    integer: bool,
    rows: list[tuple[str, dict[str, float], str, float]],
    objective: dict[str, float],
    maximize: bool = True,
    bounds: dict[str, tuple[float | None, float | None]] | None = None,
) -> LXModel:
    """A model of scalar variables written out: ``rows`` are (name, {var: coeff}, sense, rhs)."""
    names = sorted({v for _, coeffs, _, _ in rows for v in coeffs} | set(objective))
    variables = {}
    for v in names:
        lower, upper = (bounds or {}).get(v, (0, None))
        variables[v] = LXVariable(v).bounds(lower, upper)
        (variables[v].integer() if integer else variables[v].continuous())
    model = LXModel(name).add_variables(*variables.values())
    for row, coeffs, sense, rhs in rows:
        expr = LXLinearExpression()
        for v, c in coeffs.items():
            expr.add_term(variables[v], c)
        constraint = LXConstraint(row).expression(expr)
        {"<=": constraint.le, ">=": constraint.ge, "==": constraint.eq}[sense]()
        model.add_constraint(constraint.rhs(rhs))
    expr = LXLinearExpression()
    for v, c in objective.items():
        expr.add_term(variables[v], c)
    return model.maximize(expr) if maximize else model.minimize(expr)


# -- every backend against OR-Tools ------------------------------------------------------------


@pytest.mark.parametrize("name", BACKENDS)
@pytest.mark.parametrize("integer", [False, True], ids=["lp", "mip"])
def test_objective_equals_ortools_and_the_hand_optimum(name, integer):
    canon = wyndor(integer).to_canonical()
    reference = ORToolsSolver(canon).solve()
    raw = create_solver(canon, options(name, canon)).solve()
    assert raw.status is Status.OPTIMAL
    assert raw.objective_value == pytest.approx(reference.objective_value, rel=1e-9) == WYNDOR_OPTIMUM
    assert raw.x == pytest.approx([2.0, 6.0, 0.0], abs=1e-9)


@pytest.mark.parametrize("name", BACKENDS)
def test_optimizer_solves_with_the_named_backend(name, caplog):
    caplog.set_level(logging.INFO, logger="lumix.optimizer")
    solution = LXOptimizer().use_solver(name).solve(wyndor(integer=True), time_limit=30)
    assert solution.is_optimal() and solution.objective_value == pytest.approx(WYNDOR_OPTIMUM)
    assert solution.variables["production"] == pytest.approx({1: 2.0, 2: 6.0, 3: 0.0})
    assert solution.gap == pytest.approx(0.0, abs=1e-6)  # every MIP backend reports a gap
    assert f"Starting solve with {name}..." in caplog.text
    assert "Created model 'wyndor' with 1 variables and 1 constraints" in caplog.text
    assert "Solve completed: optimal | Objective: 36.0000 | Time: " in caplog.text


@pytest.mark.parametrize("name", LP_BACKENDS)
@pytest.mark.parametrize("build", [wyndor, diet], ids=["maximize", "minimize"])
def test_lp_duals_and_reduced_costs_equal_ortools(name, build):
    canon = build().to_canonical()
    reference = ORToolsSolver(canon).to_solution(ORToolsSolver(canon).solve())
    solution = LXOptimizer().use_solver(name).solve(canon)
    assert solution.objective_value == pytest.approx(reference.objective_value)
    assert solution.shadow_prices == pytest.approx(reference.shadow_prices, abs=1e-9)
    assert solution.reduced_costs == pytest.approx(reference.reduced_costs, abs=1e-9)
    if build is wyndor:
        assert solution.shadow_prices == pytest.approx(WYNDOR_SHADOW_PRICES)
        assert solution.reduced_costs == pytest.approx(WYNDOR_REDUCED_COSTS)
    else:
        assert solution.objective_value == pytest.approx(9.0)
        assert solution.shadow_prices == pytest.approx({"need[energy]": 1.5, "need[protein]": 0.5})


@pytest.mark.parametrize("name", LP_BACKENDS[2:])
def test_statistics_of_commercial_backends(name):
    lp = LXOptimizer().use_solver(name).solve(wyndor())
    mip = LXOptimizer().use_solver(name).solve(wyndor(integer=True))
    assert lp.iterations is not None and lp.iterations >= 0 and lp.nodes is None and lp.gap is None
    assert mip.iterations is not None and mip.nodes is not None and mip.gap == pytest.approx(0.0, abs=1e-6)
    assert mip.shadow_prices == {} and mip.reduced_costs == {}


def _changed(canon: lumix.LXCanonicalModel, maximize: bool) -> lumix.LXCanonicalModel:
    """``canon`` with the changes of ``_change`` made to its arrays (a fresh model)."""
    matrix = canon.matrix.tolil()
    matrix[2, 1], matrix[0, 2] = 3.0, 1.0
    col_lower, col_upper, objective, row_upper = (
        canon.col_lower.copy(), canon.col_upper.copy(), canon.objective.copy(), canon.row_upper.copy()
    )  # fmt: skip
    col_lower[1], col_upper[0], objective[2], row_upper[2] = 1.0, 3.0, 4.0, 24.0
    return dataclasses.replace(
        canon,
        matrix=matrix.tocsr(),
        col_lower=col_lower,
        col_upper=col_upper,
        objective=objective,
        row_upper=row_upper,
        sense=LXObjectiveSense.MAXIMIZE if maximize else LXObjectiveSense.MINIMIZE,
    )


def _change(solver, maximize: bool) -> None:
    solver.set_row_bounds(2, -math.inf, 24.0)
    solver.set_col_bounds(0, 0.0, 3.0)
    solver.set_col_bounds(1, 1.0, 20.0)
    solver.set_objective_coefficient(2, 4.0)
    solver.set_coefficient(2, 1, 3.0)  # an entry of the matrix
    solver.set_coefficient(0, 2, 1.0)  # a new entry
    solver.set_objective_sense(maximize)


@pytest.mark.parametrize("name", BACKENDS)
@pytest.mark.parametrize("integer", [False, True], ids=["lp", "mip"])
@pytest.mark.parametrize("maximize", [True, False], ids=["max", "min"])
def test_changes_in_place_then_revert(name, integer, maximize):
    """Changed in place = a fresh build of the changed model (by the same backend and by
    OR-Tools); reverted = the model as built. The changed model: max 3d + 5w + 4f with
    d + f <= 4, 2w <= 12, 3d + 3w + 2f <= 24, d <= 3, w >= 1. LP: f=4, w=16/3 gives 128/3
    (CP-SAT's 1/1000 grid: w=5.333, 42.666); MIP: w=6, f=3 gives 42 (w=5, f=4 only 41).
    min: w >= 1 costs 5."""
    canon = wyndor(integer).to_canonical()
    solver = create_solver(canon, options(name, canon))
    base = solver.solve().objective_value
    _change(solver, maximize)
    assert solver.changed and solver.coefficient(2, 1) == 3.0 and solver.coefficient(0, 2) == 1.0
    changed = solver.solve()
    fresh_canon = _changed(canon, maximize)
    fresh = create_solver(fresh_canon, options(name, fresh_canon)).solve()
    by_ortools = ORToolsSolver(fresh_canon).solve()
    assert changed.status is fresh.status is Status.OPTIMAL
    assert changed.objective_value == pytest.approx(fresh.objective_value, rel=1e-9)
    grid = 5e-3 if name == "cpsat" and not integer else 1e-9  # 5 * (16/3 - 5.333)
    assert changed.objective_value == pytest.approx(by_ortools.objective_value, abs=grid)
    assert changed.objective_value == pytest.approx(
        5.0 if not maximize else 42.0 if integer else 128 / 3, abs=grid
    )
    solver.revert()
    assert not solver.changed and solver.coefficient(2, 1) == 2.0 and solver.coefficient(0, 2) == 0.0
    assert solver.objective.tolist() == canon.objective.tolist()
    assert solver.solve().objective_value == pytest.approx(base) == pytest.approx(WYNDOR_OPTIMUM)


@pytest.mark.parametrize("name", BACKENDS)
def test_objective_set_in_bulk_then_revert(name):
    """``set_objective(cols, values)`` = the same coefficients set one by one; revert restores
    the objective as built. max 3d + 5w + 4f (Wyndor plus f) with d and f's profits swapped."""
    canon = wyndor(False).to_canonical()
    solver = create_solver(canon, options(name, canon))
    base = solver.solve().objective_value
    cols = np.array([0, 2])
    solver.set_objective(cols, canon.objective[cols][::-1].copy())
    bulk = solver.solve().objective_value
    solver.revert()
    assert solver.objective.tolist() == canon.objective.tolist()
    for col, value in zip(cols.tolist(), canon.objective[cols][::-1].tolist(), strict=True):
        solver.set_objective_coefficient(col, value)
    assert bulk == pytest.approx(solver.solve().objective_value, rel=1e-9)
    assert bulk != pytest.approx(base)
    solver.revert()
    assert solver.solve().objective_value == pytest.approx(base)


@pytest.mark.parametrize("name", BACKENDS)
def test_infeasible(name):
    """y >= 5 and y <= 3: infeasible for every backend (LumiX 0.3.2 says the same)."""
    model = scalar_model("inf", True, [("lo", {"y": 1}, ">=", 5), ("hi", {"y": 1}, "<=", 3)], {"y": 1})
    solution = LXOptimizer().use_solver(name).solve(model)
    assert solution.status == Status.INFEASIBLE and solution.objective_value is None


@pytest.mark.parametrize("name", BACKENDS)
@pytest.mark.parametrize("integer", [False, True], ids=["lp", "mip"])
def test_unbounded(name, integer, caplog):
    """maximize z with z >= 1 and no upper bound. CP-SAT finds z on its cap (2**40) and
    GLOP's LP relaxation unbounded, so unbounded too (as LumiX 0.3.2)."""
    model = scalar_model("unb", integer, [("lo", {"z": 1}, ">=", 1)], {"z": 1})
    optimizer = LXOptimizer().use_solver(name)
    if name == "cpsat" and not integer:
        optimizer.enable_rational_conversion()
    solution = optimizer.solve(model)
    assert solution.status == Status.UNBOUNDED and solution.objective_value is None
    if name == "cpsat":
        assert "Variable 'z' reached ±1099511627776" in caplog.text
        assert "the LP relaxation is unbounded; the model is unbounded" in caplog.text


def market_split(seed: int = 7, m: int = 4, n: int = 30) -> LXModel:
    """Cornuéjols and Dawande's market split: sum_j a_ij x_j = floor(sum_j a_ij / 2), x binary.
    Branch and bound needs seconds to minutes on it (Gurobi 13 proves this instance infeasible
    in about 16 s, the others run past 20 s), so a 0.2 s limit always stops the search."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 100, size=(m, n))
    profit = rng.integers(1, 10, size=n)
    x = LXVariable[int, int]("x").binary().indexed_by(lambda j: j).from_data(list(range(n)))
    x.cost(lambda j: float(profit[j]))
    split = (
        LXConstraint[int]("split")
        .expression(LXLinearExpression().add_term(x, lambda j, i: float(a[i, j])))
        .eq()
        .rhs(lambda i: float(a[i].sum() // 2))
        .from_data(list(range(m)))
        .indexed_by(lambda i: i)
    )
    return LXModel("market_split").add_variable(x).add_constraint(split).maximize()


@pytest.mark.parametrize("name", BACKENDS)
def test_time_limit(name):
    solution = LXOptimizer().use_solver(name, threads=1).solve(market_split(), time_limit=0.2)
    assert solution.status in (Status.TIME_LIMIT, Status.FEASIBLE)
    assert solution.solve_time < 10.0


@pytest.mark.parametrize("name", BACKENDS)
def test_scenario_session_uses_the_backend(name):
    """Declarative and callable scenarios in a session of each backend equal fresh OR-Tools
    solves of the changed model. Integer Wyndor with plant3 at 24: windows=6, doors=4 gives 42;
    with plant3 doubled (36): windows=6, doors=4, frames=6 gives 48."""
    model = wyndor(integer=True)
    optimizer = LXOptimizer().use_solver(name)
    session = ScenarioSession(optimizer.compile(model), model, optimizer.options, keep="values")
    assert (
        session.solver.backend
        == {"ortools": "SCIP", "cpsat": "CP-SAT", "gurobi": "Gurobi", "cplex": "CPLEX"}[name]
    )
    more = LXScenario("more").modify_constraint_rhs("capacity[plant3]", set_value=24)
    outcome = session.solve_scenario(more)
    assert outcome.method == "incremental" and outcome.objective_value == pytest.approx(42.0)
    assert outcome.objective_value == pytest.approx(
        ORToolsSolver(_rhs_changed(model.to_canonical(), 2, 24.0)).solve().objective_value
    )

    def double_plant3(m: LXModel) -> None:
        next(c for c in m.constraints if c.name == "capacity").rhs(
            lambda r: r.capacity * (2 if r.name == "plant3" else 1)
        )

    by_callable = session.solve(functions=(double_plant3,), name="plant3x2")
    assert by_callable.method == "incremental" and by_callable.objective_value == pytest.approx(48.0)
    assert by_callable.objective_value == pytest.approx(
        ORToolsSolver(_rhs_changed(model.to_canonical(), 2, 36.0)).solve().objective_value
    )
    assert session.solve().objective_value == pytest.approx(WYNDOR_OPTIMUM)


def _rhs_changed(canon: lumix.LXCanonicalModel, row: int, value: float) -> lumix.LXCanonicalModel:
    upper = canon.row_upper.copy()
    upper[row] = value
    return dataclasses.replace(canon, row_upper=upper)


def test_runner_ships_the_solver_options_to_workers():
    """Two worker processes, CP-SAT with rational conversion: the baseline (36) and a scenario
    equal OR-Tools. With plant2 at 18, windows=9 fill plant3 (2*9 = 18): 45."""
    runner = pytest.importorskip("runner")
    model = wyndor()
    scenario = LXScenario("more").modify_constraint_rhs("capacity[plant2]", set_value=18)
    optimizer = LXOptimizer().use_solver("cpsat").enable_rational_conversion()
    pickle.loads(pickle.dumps(optimizer.options))
    results = runner.run_scenarios(model, [scenario], optimizer=optimizer, n_jobs=2, progress=False)
    expected = ORToolsSolver(_rhs_changed(model.to_canonical(), 1, 18.0)).solve().objective_value
    assert results["baseline"].objective_value == pytest.approx(WYNDOR_OPTIMUM)
    assert results["more"].objective_value == pytest.approx(expected) == 45.0
    with pytest.raises(ValueError, match=r"^Unknown solver: foo$"):  # before any worker starts
        runner.run_scenarios(model, [scenario], optimizer=LXOptimizer().use_solver("foo"), n_jobs=2)


@pytest.mark.parametrize("name", BACKENDS)
def test_scenario_analyzer_solves_with_the_backend(name):
    """The analyzers' serial path (lumix.analysis._executor) compiles and solves with the
    optimizer's backend: plant3 at 24 gives 42 on the integer Wyndor (as above)."""
    analyzer = lumix.LXScenarioAnalyzer(wyndor(integer=True), LXOptimizer().use_solver(name))
    analyzer.add_scenario(LXScenario("more").modify_constraint_rhs("capacity[plant3]", set_value=24))
    results = analyzer.run_all_scenarios()
    assert results["baseline"].objective_value == pytest.approx(WYNDOR_OPTIMUM)
    assert results["more"].objective_value == pytest.approx(42.0)


def abs_model() -> LXModel:
    """maximize x with |x| <= 3, x in [-5, 5]: 3 (a non-linear row, linearized)."""
    x = LXVariable("x").continuous().bounds(-5, 5)
    model = LXModel("abs").add_variable(x)
    model.add_constraint(LXConstraint("dev").expression(lumix.LXNonLinearExpression().add_abs(x)).le().rhs(3))
    return model.maximize(LXLinearExpression().add_term(x, 1))


@pytest.mark.parametrize("name", BACKENDS)
def test_linearization_travels_with_the_options(name):
    """Without linearization the model is refused; with it every backend gives 3, and a
    callable scenario (|x| <= 4) recompiles its copy with the same configuration: 4."""
    model = abs_model()
    with pytest.raises(ValueError, match=r"Constraint 'dev' has nonlinear terms"):
        model.to_canonical()
    optimizer = LXOptimizer().use_solver(name).enable_linearization()
    if name == "cpsat":
        optimizer.enable_rational_conversion()
    assert optimizer.solve(model).objective_value == pytest.approx(3.0)
    session = ScenarioSession(optimizer.compile(model), model, optimizer.options)

    def widen(m: LXModel) -> None:
        next(c for c in m.constraints if c.name == "dev").rhs(4)

    outcome = session.solve(functions=(widen,), name="wider")
    assert outcome.method == "incremental" and outcome.objective_value == pytest.approx(4.0)


def quadratic_model() -> LXModel:
    """minimize x^2 + y^2 - 4x - 2y with x + y <= 2, x, y in [0, 10]: x=1.5, y=0.5, -4.5."""
    x = LXVariable("x").continuous().bounds(0, 10)
    y = LXVariable("y").continuous().bounds(0, 10)
    model = LXModel("q").add_variables(x, y)
    model.add_constraint(
        LXConstraint("c").expression(LXLinearExpression().add_term(x, 1).add_term(y, 1)).le().rhs(2)
    )
    linear = LXLinearExpression().add_term(x, -4).add_term(y, -2)
    return model.minimize(lumix.LXQuadraticExpression().add_squared(x).add_squared(y) + linear)


@pytest.mark.parametrize("name", LP_BACKENDS)
@pytest.mark.parametrize("linearize", [False, True], ids=["plain", "linearized"])
def test_quadratic_objective_with_and_without_linearization(name, linearize):
    """LumiX 0.3.2: Gurobi and CPLEX solve the quadratic objective itself, linearization on or
    off (-4.5, relaxation False); OR-Tools refuses it, and with linearization solves the
    McCormick relaxation (-8.0 at x=2, y=0, relaxation True)."""
    optimizer = LXOptimizer().use_solver(name)
    if linearize:
        optimizer.enable_linearization()
    if name == "ortools" and not linearize:
        with pytest.raises(ValueError, match=r"^OR-Tools has no quadratic objective"):
            optimizer.solve(quadratic_model())
        return
    if name == "ortools":
        with pytest.warns(UserWarning, match="McCormick"):
            solution = optimizer.solve(quadratic_model())
        assert solution.objective_value == pytest.approx(-8.0) and solution.relaxation
        return
    solution = optimizer.solve(quadratic_model())
    assert solution.objective_value == pytest.approx(-4.5, abs=1e-6) and not solution.relaxation
    assert solution.variables == pytest.approx({"x": 1.5, "y": 0.5}, abs=1e-4)


@pytest.mark.parametrize("name", BACKENDS)
@pytest.mark.parametrize("case", ["sequential tight", "sequential tight p0"])
def test_sequential_goals_on_every_backend(name, case):
    """The staged solve (lumix.goal_programming) drives every backend through the same
    methods (objective vector, sense, stage bound rows); the figures are LumiX 0.3.2's
    (test_goal_programming.CASES). CP-SAT needs rational conversion for the deviation columns."""
    from tests.lumix.test_goal_programming import CASES, plant

    options, objective, _, _, stages = CASES[case]
    optimizer = LXOptimizer().use_solver(name)
    if name == "cpsat":
        optimizer.enable_rational_conversion()
    solution = optimizer.solve(plant("sequential", **options))
    assert solution.is_optimal() and solution.objective_value == pytest.approx(objective)
    assert [s.priority for s in solution.goal_stages] == [p for p, _ in stages]
    assert [s.objective_value for s in solution.goal_stages] == pytest.approx([v for _, v in stages])


# -- CP-SAT ---------------------------------------------------------------------------------------


@dataclass
class Worker:
    id: int
    name: str
    hourly_rate: int
    max_tasks: int


@dataclass
class Task:
    id: int
    name: str
    duration_hours: int


WORKERS = [
    Worker(1, "Alice", 25, 3),
    Worker(2, "Bob", 20, 4),
    Worker(3, "Charlie", 30, 2),
    Worker(4, "Diana", 22, 3),
]
TASKS = [Task(1, "Backend", 8), Task(2, "Frontend", 6), Task(3, "Database", 4), Task(4, "API", 5)]
TASKS += [Task(5, "Testing", 3), Task(6, "Docs", 2), Task(7, "Review", 3)]
PENALTIES = [  # worker 1..4 x task 1..7 (upstream's sample_data.py)
    [0, 20, 10, 5, 15, 25, 10],
    [15, 10, 15, 10, 0, 10, 5],
    [0, 30, 0, 10, 20, 35, 15],
    [20, 0, 25, 10, 10, 0, 8],
]
PENALTY = {(w, t): p for w, row in enumerate(PENALTIES, start=1) for t, p in enumerate(row, start=1)}


def assignment_model() -> tuple[LXModel, LXVariable]:
    """Upstream example 05 (worker-task assignment), written again: cost = rate * hours +
    penalty; each task to one worker, each worker 1 .. max_tasks tasks."""
    assign = (
        LXVariable[tuple[Worker, Task], int]("assignment")
        .binary()
        .indexed_by_product(
            LXIndexDimension(Worker, lambda w: w.id).from_data(WORKERS),
            LXIndexDimension(Task, lambda t: t.id).from_data(TASKS),
        )
    )
    model = LXModel("worker_task_assignment").add_variable(assign)
    model.minimize(
        LXLinearExpression().add_multi_term(
            assign, coeff=lambda w, t: w.hourly_rate * t.duration_hours + PENALTY[(w.id, t.id)]
        )
    )
    for task in TASKS:
        expr = LXLinearExpression().add_multi_term(
            assign, coeff=lambda w, t, tid=task.id: 1 if t.id == tid else 0
        )
        model.add_constraint(LXConstraint(f"task_coverage_{task.id}").expression(expr).eq().rhs(1))
    for worker in WORKERS:
        for name, bound in (("worker_capacity", worker.max_tasks), ("worker_min_assignment", 1)):
            expr = LXLinearExpression().add_multi_term(
                assign, coeff=lambda w, t, wid=worker.id: 1 if w.id == wid else 0
            )
            constraint = LXConstraint(f"{name}_{worker.id}").expression(expr)
            model.add_constraint(
                (constraint.le() if name == "worker_capacity" else constraint.ge()).rhs(bound)
            )
    return model, assign


def test_cpsat_assignment_example():
    """LumiX 0.3.2 prints Status OPTIMAL, Total Cost $724, Optimality Gap 0.00% (the same
    model solved by OR-Tools, Gurobi and CPLEX there: 724 too)."""
    model, assign = assignment_model()
    solution = LXOptimizer().use_solver("cpsat").solve(model, time_limit=10.0, num_search_workers=4)
    assert solution.is_optimal() and solution.objective_value == pytest.approx(724.0)
    assert solution.gap == pytest.approx(0.0) and solution.nodes is not None
    chosen = [key for key, value in solution.get_mapped(assign).items() if value > 0.5]
    assert sorted(t for _, t in chosen) == [t.id for t in TASKS]  # each task once
    rates, hours = {w.id: w.hourly_rate for w in WORKERS}, {t.id: t.duration_hours for t in TASKS}
    assert sum(rates[w] * hours[t] + PENALTY[(w, t)] for w, t in chosen) == 724
    assert all(isinstance(v, float) for v in solution.get_mapped(assign).values())
    assert LXOptimizer().solve(model).objective_value == pytest.approx(724.0)


def mixed_model() -> LXModel:
    """maximize 2x + 3y, x + y <= 7.5, x integer in [0, 10], y continuous in [0, 10]: 22.5 at y=7.5."""
    x = LXVariable("x").integer().bounds(0, 10)
    y = LXVariable("y").continuous().bounds(0, 10)
    model = LXModel("m").add_variables(x, y)
    model.add_constraint(
        LXConstraint("c").expression(LXLinearExpression().add_term(x, 1).add_term(y, 1)).le().rhs(7.5)
    )
    return model.maximize(LXLinearExpression().add_term(x, 2).add_term(y, 3))


def test_cpsat_refuses_continuous_columns_without_rational_conversion():
    expected = (
        "CP-SAT does not support continuous variables. Found continuous variables: y.\n"
        "Options:\n  1. Use integer/binary variables only\n"
        "  2. Switch to 'ortools', 'gurobi', or 'cplex' solvers\n"
        "  3. Enable rational conversion: optimizer.enable_rational_conversion()\n"
        "     This will scale continuous variables to integers and de-scale solutions."
    )  # LumiX 0.3.2's text
    with pytest.raises(ValueError) as raised:
        LXOptimizer().use_solver("cpsat").solve(mixed_model())
    assert str(raised.value) == expected


def test_cpsat_rational_conversion(caplog):
    """LumiX 0.3.2: 22.5 with {'x': 0.0, 'y': 7.5}; and 4.8 at x=2.2, y=2.6 for
    maximize x + y, x + 3y <= 10, 2x + y <= 7 (OR-Tools: the same, up to rounding)."""
    solution = LXOptimizer().use_solver("cpsat").enable_rational_conversion().solve(mixed_model())
    assert solution.objective_value == pytest.approx(22.5) and solution.variables == {"x": 0.0, "y": 7.5}
    assert "CP-SAT: RATIONAL CONVERSION (AUTO-SCALING ENABLED)" in caplog.text
    assert any(r.name == CPSAT_LOGGER and r.levelno == logging.WARNING for r in caplog.records)
    rows = [("c1", {"x": 1, "y": 3}, "<=", 10), ("c2", {"x": 2, "y": 1}, "<=", 7)]
    model = scalar_model("m2", False, rows, {"x": 1, "y": 1})
    for params in ({}, {"scaling_factor": 10}):
        solution = LXOptimizer().use_solver("cpsat", **params).enable_rational_conversion().solve(model)
        assert solution.objective_value == pytest.approx(4.8, abs=1e-12)
        assert solution.variables == pytest.approx({"x": 2.2, "y": 2.6}, abs=1e-12)
    assert LXOptimizer().solve(model).objective_value == pytest.approx(4.8)
    with pytest.raises(ValueError, match=r"^scaling_factor must be an integer >= 1, got 0$"):
        LXOptimizer().use_solver("cpsat", scaling_factor=0).enable_rational_conversion().solve(model)


def test_cpsat_equality_off_the_grid_is_solved_as_a_band(caplog):
    """minimize x with 3x == 1, x continuous: no point of the 1/1000 grid meets it; LumiX
    0.3.2 gives 0.333 with the warning that it holds within 0.001."""
    model = scalar_model(
        "g", False, [("third", {"x": 3}, "==", 1)], {"x": 1}, maximize=False, bounds={"x": (0, 10)}
    )
    solution = LXOptimizer().use_solver("cpsat").enable_rational_conversion().solve(model)
    assert solution.status == Status.OPTIMAL and solution.objective_value == pytest.approx(0.333, abs=1e-12)
    assert "they hold within 0.001 (pass a larger scaling_factor" in caplog.text


def test_cpsat_one_third_is_exact():
    """maximize a + 2b with a/3 + b <= 5, a, b integer in [0, 100]: 15 (a=15) exactly, as
    OR-Tools and LumiX 0.3.2 say; the row becomes a + 3b <= 15 without any conversion."""
    model = scalar_model(
        "m3",
        True,
        [("third", {"a": 1 / 3, "b": 1}, "<=", 5)],
        {"a": 1, "b": 2},
        bounds={"a": (0, 100), "b": (0, 100)},
    )
    canon = model.to_canonical()
    solver = create_solver(canon, {SOLVER_KEY: "cpsat"})
    linear = solver.native.proto.constraints[0].linear
    assert list(linear.coeffs) == [1, 3] and list(linear.domain)[1] == 15
    raw = solver.solve()
    assert raw.objective_value == 15.0 and raw.x.tolist() == [15.0, 0.0]
    assert ORToolsSolver(canon).solve().objective_value == pytest.approx(15.0)


def test_cpsat_coefficient_it_cannot_represent(caplog):
    """LumiX 0.3.2's error text; with approximate_coefficients: 10.0 and a warning."""
    model = scalar_model(
        "m4", True, [("c", {"a": 3.14159265358979, "b": 1}, "<=", 10)], {"a": 1, "b": 1},
        bounds={"a": (0, 100), "b": (0, 100)},
    )  # fmt: skip
    expected = (
        "CP-SAT cannot represent 3.14159265358979 in constraint 'c' with denominators up to 10000; "
        "pass approximate_coefficients=True to solve() or use_solver('cpsat', ...) to accept an "
        "approximation, raise enable_rational_conversion(max_denom=...), or use a linear solver "
        "('ortools', 'gurobi', 'cplex', 'glpk')"
    )
    with pytest.raises(ValueError) as raised:
        LXOptimizer().use_solver("cpsat").solve(model)
    assert str(raised.value) == expected
    solution = LXOptimizer().use_solver("cpsat", approximate_coefficients=True).solve(model)
    assert solution.objective_value == pytest.approx(10.0)
    assert (
        "coefficients approximated with denominators up to 10000 (largest relative error 8.49e-08)"
        in caplog.text
    )
    big = LXOptimizer().use_solver("cpsat").enable_rational_conversion(max_denom=10**15).solve(model)
    assert big.objective_value == pytest.approx(10.0)


def test_cpsat_caps_open_bounds(caplog):
    """Open bounds are capped at min(2**40, 2**60 // (|coefficient| * row length)): w >= 0
    with 2**30 w <= 2**62 gets the cap 2**30, and maximize w stops there as 'feasible'
    (LumiX 0.3.2: feasible, 1073741824.0); a finite bound of 2**50 is capped at 2**40."""
    model = scalar_model("cap", True, [("c", {"w": 2**30}, "<=", 2**62)], {"w": 1})
    solver = create_solver(model.to_canonical(), {SOLVER_KEY: "cpsat"})
    assert list(solver.native.proto.variables[0].domain) == [0, 2**30]
    solution = solver.to_solution(solver.solve())
    assert solution.status == Status.FEASIBLE and solution.objective_value == 2.0**30
    assert "Variable 'w' reached ±1073741824, the bound CP-SAT uses for an open bound" in caplog.text
    big = scalar_model("big", True, [], {"v": 1}, bounds={"v": (0, 2**50)})
    solution = LXOptimizer().use_solver("cpsat").solve(big)
    assert solution.status == Status.FEASIBLE and solution.objective_value == 2.0**40


def test_cpsat_parameters(caplog):
    model = wyndor(integer=True)
    solution = LXOptimizer().use_solver("cpsat", foo_bar=3, num_search_workers=2).solve(model)
    assert solution.objective_value == pytest.approx(WYNDOR_OPTIMUM)
    assert "Failed to set CP-SAT parameter 'foo_bar': " in caplog.text
    solver = create_solver(
        model.to_canonical(), options("cpsat", time_limit=5, gap_tolerance=0.01, threads=2)
    )
    sat = solver._solver.parameters
    assert (sat.max_time_in_seconds, sat.relative_gap_limit, sat.num_workers) == (5, 0.01, 2)


def test_cpsat_refuses_a_quadratic_objective():
    canon = dataclasses.replace(
        wyndor(integer=True).to_canonical(),
        objective_quadratic=(np.array([0]), np.array([1]), np.array([1.0])),
    )
    for name in ("ortools", "cpsat"):
        label = {"ortools": "OR-Tools", "cpsat": "OR-Tools CP-SAT"}[name]
        with pytest.raises(
            ValueError, match=rf"^{label} has no quadratic objective; call enable_linearization\(\)"
        ):
            create_solver(canon, {SOLVER_KEY: name})


# -- names, packages, parameters -------------------------------------------------------------------


def test_unknown_solver_name_fails_at_the_first_solve():
    optimizer = LXOptimizer().use_solver("foo")  # not checked here, as in LumiX
    assert optimizer.solver_name == "foo"
    with pytest.raises(ValueError, match=r"^Unknown solver: foo$"):
        optimizer.solve(wyndor())
    with pytest.raises(ValueError, match=r"^Unknown solver: cp-sat$"):
        create_solver(wyndor().to_canonical(), {SOLVER_KEY: "cp-sat"})
    assert registry.SOLVER_NAMES == ("ortools", "cpsat", "gurobi", "cplex", "glpk")


@pytest.mark.parametrize(
    ("name", "package", "message"),
    [
        (
            "gurobi",
            "gurobipy",
            "Gurobi is not installed. Install it with: pip install 'lumix-runner[gurobi]' "
            "(or pip install gurobipy)\n"
            "Note: Gurobi requires a license (free academic licenses available)",
        ),
        (
            "cplex",
            "cplex",
            "CPLEX is not installed. Install it with: pip install 'lumix-runner[cplex]' "
            "(or pip install cplex)\n"
            "Note: CPLEX requires a license (free academic licenses available)",
        ),
        ("cpsat", "ortools", "OR-Tools is not installed. Install it with: pip install ortools"),
    ],
)
def test_missing_package(monkeypatch, name, package, message):
    monkeypatch.setitem(sys.modules, package, None)  # "import gurobipy" now fails
    with pytest.raises(ImportError) as raised:
        LXOptimizer().use_solver(name).solve(wyndor(integer=True))
    assert str(raised.value) == message
    with pytest.raises(ImportError, match=r" is not installed\. Install it with: "):
        create_solver(wyndor(integer=True).to_canonical(), {SOLVER_KEY: name})
    interface = {"gurobi": "LXGurobiSolver", "cplex": "LXCPLEXSolver", "cpsat": "LXCPSATSolver"}[name]
    with pytest.raises(ImportError, match=r" is not installed\. "):
        getattr(lumix.solvers.interface, interface)()


@pytest.mark.parametrize("name", BACKENDS)
def test_solver_interface_objects(name):
    """LumiX's solver objects (§3.6) over the same backends."""
    cls = {
        "ortools": "LXORToolsSolver",
        "cpsat": "LXCPSATSolver",
        "gurobi": "LXGurobiSolver",
        "cplex": "LXCPLEXSolver",
    }[name]
    solver = getattr(lumix.solvers.interface, cls)()
    assert (
        isinstance(solver, lumix.LXSolverInterface) and solver.capability is registry.backend(name).capability
    )
    assert solver.logger.logger.name == f"lumix.{solver.capability.name}"
    with pytest.raises(RuntimeError, match=r"^Solver model not built yet\. Call build_model\(\) first\.$"):
        solver.get_solver_model()
    solution = solver.solve(wyndor(integer=True), time_limit=30)
    assert solution.objective_value == pytest.approx(WYNDOR_OPTIMUM)
    native = {"ortools": "Solver", "cpsat": "CpModel", "gurobi": "Model", "cplex": "Cplex"}[name]
    assert type(solver.get_solver_model()).__name__ == native
    assert type(solver.build_model(wyndor(integer=True))).__name__ == native


def test_glpk_is_known_by_name_only():
    with pytest.raises(ImportError, match=r"^GLPK is not available: lumix-runner has no GLPK backend"):
        LXOptimizer().use_solver("glpk").solve(wyndor())


def test_ortools_logs_unknown_parameters(caplog):
    solution = LXOptimizer().use_solver("ortools", num_search_workers=4).solve(wyndor(), foo=1, solver="glop")
    assert solution.objective_value == pytest.approx(WYNDOR_OPTIMUM)
    messages = [(r.name, r.getMessage()) for r in caplog.records if r.levelno == logging.WARNING]
    assert ("lumix.OR-Tools", "Unknown OR-Tools parameter 'num_search_workers' ignored") in messages
    assert ("lumix.OR-Tools", "Unknown OR-Tools parameter 'foo' ignored") in messages


@pytest.mark.parametrize("name", LP_BACKENDS[2:])
def test_commercial_parameters(name, caplog):
    unknown = {"gurobi": "NoSuchParameter", "cplex": "no_such_parameter"}[name]
    path = {"gurobi": ("Threads", 1), "cplex": ("mip_limits_cutsfactor", 2.0)}[name]
    solution = LXOptimizer().use_solver(name, **{unknown: 1, path[0]: path[1]}).solve(wyndor(integer=True))
    assert solution.objective_value == pytest.approx(WYNDOR_OPTIMUM)
    expected = {
        "gurobi": "Failed to set Gurobi parameter 'NoSuchParameter': ",
        "cplex": "Unknown CPLEX parameter 'no_such_parameter', skipping",
    }[name]
    assert expected in caplog.text
    solver = create_solver(wyndor().to_canonical(), options(name, time_limit=7, gap_tolerance=0.5, threads=1))
    if name == "gurobi":
        params = solver.native.Params
        assert (params.TimeLimit, params.MIPGap, params.Threads) == (7, 0.5, 1)
    else:
        params = solver.native.parameters
        assert (params.timelimit.get(), params.mip.tolerances.mipgap.get(), params.threads.get()) == (
            7,
            0.5,
            1,
        )


def test_solve_merges_parameters(monkeypatch):
    seen = []

    def spy(canon: lumix.LXCanonicalModel, options: dict[str, object]) -> lumix.LXSolution:
        seen.append(options)
        return lumix.LXSolution(0.0, "optimal", 0.0)

    monkeypatch.setattr(lumix.solvers.base, "solve_with", spy)
    optimizer = LXOptimizer().use_solver("cpsat", time_limit=5, num_search_workers=4)
    optimizer.solve(wyndor(integer=True), time_limit=2, gap_tolerance=None, log_search_progress=False)
    assert seen == [
        {SOLVER_KEY: "cpsat", "time_limit": 2, "num_search_workers": 4, "log_search_progress": False}
    ]


def test_optimizer_options_and_flags():
    optimizer = LXOptimizer[int]()  # generic, as in LumiX
    assert optimizer.solver_name == "ortools" and optimizer.options == {}
    assert optimizer.enable_rational_conversion(max_denom=500) is optimizer
    assert optimizer.use_rationals and optimizer.rational_converter.max_denominator == 500
    assert optimizer.options == {RATIONAL_KEY: 500}  # only CP-SAT reads it
    assert optimizer.solve(wyndor()).objective_value == pytest.approx(WYNDOR_OPTIMUM)
    optimizer.use_solver("gurobi", TimeLimit=3)
    assert optimizer.options == {SOLVER_KEY: "gurobi", "TimeLimit": 3, RATIONAL_KEY: 500}
    assert pickle.loads(pickle.dumps(optimizer.options)) == optimizer.options
    assert optimizer.capability is GUROBI_CAPABILITIES


def test_enable_linearization_builds_the_config():
    pytest.importorskip("lumix.linearization.config", reason="lumix.linearization is not there yet")
    optimizer = LXOptimizer().enable_linearization(big_m=1e4, pwl_segments=8, pwl_method="incremental")
    config = optimizer.linearizer_config
    assert optimizer.use_linearization
    assert (config.big_m_value, config.pwl_num_segments, config.pwl_method) == (1e4, 8, "incremental")
    assert optimizer.options[registry.LINEARIZATION_KEY] is config
    pickle.dumps(optimizer.options)
    assert optimizer.compile(wyndor()).n_cols == 3


# -- capabilities and the rational converter -------------------------------------------------------


def test_capabilities():
    """Features and descriptions as LumiX 0.3.2 prints them."""
    assert lumix.LXSolverFeature is LXSolverFeature and lumix.solvers.LXSolverCapability is LXSolverCapability
    descriptions = [
        (ORTOOLS_CAPABILITIES, "OR-Tools: Linear Programming, Mixed-Integer Programming"),
        (
            GUROBI_CAPABILITIES,
            "Gurobi: Linear Programming, Mixed-Integer Programming, Quadratic Programming, "
            "Second-Order Cone Programming",
        ),
        (
            CPLEX_CAPABILITIES,
            "CPLEX: Linear Programming, Mixed-Integer Programming, Quadratic Programming, "
            "Second-Order Cone Programming",
        ),
        (CPSAT_CAPABILITIES, "OR-Tools CP-SAT: Mixed-Integer Programming"),
        (GLPK_CAPABILITIES, "GLPK: Linear Programming, Mixed-Integer Programming"),
    ]
    for capability, text in descriptions:
        assert capability.description() == text
        assert capability.has_feature(LXSolverFeature.MIXED_INTEGER)  # any shared bit
        assert capability.can_solve_integer()
    assert (
        ORTOOLS_CAPABILITIES.needs_linearization_for_bilinear()
        and CPSAT_CAPABILITIES.needs_linearization_for_abs()
    )
    assert (
        not GUROBI_CAPABILITIES.needs_linearization_for_bilinear()
        and not CPLEX_CAPABILITIES.needs_linearization_for_minmax()
    )
    assert not CPSAT_CAPABILITIES.has_feature(LXSolverFeature.LINEAR) and ORTOOLS_CAPABILITIES.can_use_sos2()
    assert (
        GLPK_CAPABILITIES.has_feature(LXSolverFeature.SENSITIVITY_ANALYSIS)
        and not GLPK_CAPABILITIES.supports_parallel
    )
    assert (CPSAT_CAPABILITIES.supports_warmstart, CPSAT_CAPABILITIES.supports_callbacks) == (True, False)
    assert (
        GUROBI_CAPABILITIES.features == CPLEX_CAPABILITIES.features and GUROBI_CAPABILITIES.supports_callbacks
    )
    assert LXSolverCapability("x", LXSolverFeature.LINEAR).max_variables == 2**31 - 1


#: LumiX 0.3.2's LXRationalConverter(max_denominator, method).to_rational(v) for these values.
VALUES = [3.14159, 0.333333, 2.5, -1.75, 0.1, 1 / 3, 2 / 7, 3.14159265358979]
VALUES += [1e-5, 12345.6789, 0.9999999999, -0.000123]
RATIONALS = {
    ("farey", 100): "311/99 1/3 5/2 -7/4 1/10 1/3 2/7 311/99 0 1000000/81 1 0",
    ("farey", 10000): "9563/3044 1/3 5/2 -7/4 1/10 1/3 2/7 355/113 0 1345679/109 1 -1/8130",
    ("continued_fraction", 100): "22/7 1/3 5/2 -7/4 1/10 1/3 2/7 22/7 0 1000000/81 1 0",
    ("continued_fraction", 10000): "9563/3044 1/3 5/2 -7/4 1/10 1/3 2/7 355/113 0 123456789/10000 1 -1/8130",
    ("stern_brocot", 100): "311/99 1/3 5/2 -7/4 1/10 1/3 2/7 311/99 0 1000000/81 1 0",
    ("stern_brocot", 10000): "9563/3044 1/3 5/2 -7/4 1/10 1/3 2/7 355/113 0 1345679/109 1 -1/8130",
}


@pytest.mark.parametrize(("method", "max_denominator"), list(RATIONALS))
def test_rational_converter_matches_lumix(method, max_denominator):
    converter = LXRationalConverter(max_denominator, method)
    assert " ".join(str(converter.to_rational(v)) for v in VALUES) == RATIONALS[(method, max_denominator)]


def test_rational_converter_helpers():
    converter = LXRationalConverter()
    assert converter.convert_coefficients({"x1": 3.5, "x2": 2.333, "x3": 1.25}) == (
        {"x1": 3500, "x2": 2333, "x3": 1250},
        1000,
    )  # LumiX 0.3.2
    assert converter.to_rational(0.1, return_error=True) == (Fraction(1, 10), 0.0)
    fraction, error = converter.to_rational(math.pi, return_error=True)
    assert error == abs(float(fraction) - math.pi) and fraction.denominator <= 10000
    compared = converter.compare_methods(3.14159)
    assert {m: (str(f), e) for m, (f, e, _) in compared.items()} == dict.fromkeys(
        ("farey", "continued_fraction", "stern_brocot"), ("9563/3044", pytest.approx(1.3140604604444661e-08))
    )
    with pytest.raises(ValueError, match=r"^Unknown method: bogus$"):
        LXRationalConverter(method="bogus").to_rational(0.5)  # type: ignore[arg-type]
    assert lumix.LXRationalConverter is LXRationalConverter
