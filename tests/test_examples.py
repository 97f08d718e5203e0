"""The examples run as users run them: a fresh interpreter, from the repository root."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = "examples/production_planning.py"


def run_example(
    tmp_path: Path, scale: str = "12x4", example: str = EXAMPLE, **extra: str
) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.update(LUMIX_EXAMPLE_SCALE=scale, LUMIX_EXAMPLE_DB=str(tmp_path / "plan.db"), **extra)
    return subprocess.run(
        [sys.executable, example],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def objective_of(stdout: str) -> float:
    match = re.search(r"^Objective:\s*(\S+)\s*$", stdout, re.MULTILINE)
    assert match, f"no objective line in:\n{stdout}"
    return float(match.group(1))


def independent_objective(db_path: Path) -> float:
    """The same LP read with sqlite3 and written directly in OR-Tools."""
    from ortools.linear_solver import pywraplp

    with sqlite3.connect(db_path) as db:
        products = db.execute("SELECT id, profit FROM products ORDER BY id").fetchall()
        resources = db.execute("SELECT id, capacity FROM resources ORDER BY id").fetchall()
        links = db.execute("SELECT product_id, resource_id, amount FROM product_resources").fetchall()
    solver = pywraplp.Solver.CreateSolver("GLOP")
    x = {pid: solver.NumVar(0.0, solver.infinity(), f"x{pid}") for pid, _ in products}
    rows = {rid: solver.Constraint(-solver.infinity(), cap) for rid, cap in resources}
    for pid, rid, amount in links:
        rows[rid].SetCoefficient(x[pid], amount)
    objective = solver.Objective()
    for pid, profit in products:
        objective.SetCoefficient(x[pid], profit)
    objective.SetMaximization()
    assert solver.Solve() == pywraplp.Solver.OPTIMAL
    return objective.Value()


def test_production_planning_solves_to_optimality(tmp_path: Path) -> None:
    proc = run_example(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Status: optimal" in proc.stdout
    objective = objective_of(proc.stdout)
    assert objective > 0
    assert "Top products" in proc.stdout
    assert "Binding resources" in proc.stdout
    assert "12 products, 4 resources" in proc.stdout
    # The database the example wrote gives the same optimum when solved without lumix.
    expected = independent_objective(tmp_path / "plan.db")
    assert objective == pytest.approx(expected, rel=1e-6)


def test_production_planning_is_deterministic(tmp_path: Path) -> None:
    first = run_example(tmp_path / "a", scale="20x5")
    second = run_example(tmp_path / "b", scale="20x5")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert objective_of(first.stdout) == objective_of(second.stdout)


def test_production_planning_rejects_a_bad_scale(tmp_path: Path) -> None:
    proc = run_example(tmp_path, scale="lots")
    assert proc.returncode != 0
    assert "LUMIX_EXAMPLE_SCALE" in proc.stderr


# -- the sweep examples (small sizes through the environment) -----------------------------------

SWEEP_N = 30


def run_script(args: list[str], timeout: int = 180, **env: str) -> subprocess.CompletedProcess:
    full_env = dict(os.environ)
    full_env.update(env)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=timeout
    )


def test_reference_flows_prints_every_check_ok(tmp_path: Path) -> None:
    proc = run_script(["examples/reference_flows.py"], LUMIX_EXAMPLE_DB=str(tmp_path / "ref.db"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    checks = re.findall(r"^check (.+): (ok|FAILED)$", out, re.MULTILINE)
    assert len(checks) >= 12 and all(status == "ok" for _, status in checks), checks
    assert "Checks failed: 0" in out
    baseline = float(re.search(r"^Baseline: status optimal, objective (\S+),", out, re.MULTILINE).group(1))
    scenarios = dict(
        (name, float(value.replace(",", "")))
        for name, value in re.findall(r"^scenario (\w+): \$(\S+)$", out, re.MULTILINE)
    )
    assert set(scenarios) == {"optimistic", "baseline", "pessimistic"}
    assert scenarios["baseline"] == pytest.approx(baseline, abs=0.01)
    assert scenarios["optimistic"] > scenarios["baseline"] > scenarios["pessimistic"]
    assert re.search(r"^what-if Increase capacity RHS by 100: objective \S+ \(delta \+", out, re.MULTILINE)
    assert re.search(r"^bottlenecks \(objective gain per unit\): \S+", out, re.MULTILINE)
    fresh = float(re.search(r"^fresh interpreter objective: (\S+)$", out, re.MULTILINE).group(1))
    assert fresh == pytest.approx(baseline, rel=1e-6)


@pytest.fixture(scope="module")
def main_job(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The README's main job (``make run``) with LUMIX_SWEEP_N scenarios."""
    out = tmp_path_factory.mktemp("main-job")
    results = out / "sweep.parquet"
    env = {"LUMIX_SWEEP_N": str(SWEEP_N)}
    run = run_script(
        ["-m", "runner", "run", "examples/sensitivity_sweep.toml", "--output", str(results), "--n-jobs", "2"]
        + ["--progress"],  # a pipe, not a terminal: ask for the bar
        **env,
    )
    report = run_script(["-m", "runner", "report", str(results), "--plots", str(out / "plots")], **env)
    return {"out": out, "results": results, "run": run, "report": report}


def test_sensitivity_sweep_main_job(main_job: dict) -> None:
    import pandas as pd

    run, report = main_job["run"], main_job["report"]
    assert run.returncode == 0, run.stdout + run.stderr
    assert "latin_hypercube" in run.stdout and f"{SWEEP_N} scenarios + baseline" in run.stdout
    assert "scenario/s" in run.stderr  # the tqdm progress bar (with its rate and ETA)
    df = pd.read_parquet(main_job["results"])
    assert len(df) == SWEEP_N + 1
    parameters = [
        "machine_capacity", "labour_capacity", "assembly_capacity", "storage_capacity",
        "steel_stock", "wood_stock", "price_level",
    ]  # fmt: skip
    assert set(parameters) <= set(df.columns)
    assert (df["status"] == "optimal").all()
    sample = df.iloc[1:]
    assert sample["price_level"].between(0.9, 1.1).all()
    assert sample["machine_capacity"].between(0.6, 1.4).all()
    # The sweep moves the objective both ways around the baseline.
    base = df["objective_value"].iloc[0]
    assert sample["objective_value"].min() < base < sample["objective_value"].max()
    assert report.returncode == 0, report.stdout + report.stderr
    assert "Objective percentiles" in report.stdout and "Best (max): lhs-" in report.stdout
    assert "Sensitivity (rank correlation" in report.stdout and "price_level" in report.stdout
    for name in ("distribution.png", "sensitivity.png"):
        png = main_job["out"] / "plots" / name
        assert png.read_bytes()[:4] == b"\x89PNG" and png.stat().st_size > 1000


def test_dask_example_runs_the_same_sweep(main_job: dict) -> None:
    import pandas as pd

    pytest.importorskip("distributed")
    proc = run_script(["examples/dask_sweep.py"], LUMIX_SWEEP_N=str(SWEEP_N))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "Dask LocalCluster: 2 worker processes" in out
    assert f"Status: optimal {SWEEP_N + 1}" in out
    workers = int(re.search(r"^Workers used: (\d+)$", out, re.MULTILINE).group(1))
    assert 1 <= workers <= 2
    # Same spec, same seed: the same scenarios and objectives as the command line's run.
    assert main_job["run"].returncode == 0
    df = pd.read_parquet(main_job["results"])
    total = float(re.search(r"^Objective sum: (\S+)$", out, re.MULTILINE).group(1))
    assert total == pytest.approx(df["objective_value"].sum(), rel=1e-9)
    baseline = float(re.search(r"^Baseline objective: (\S+)$", out, re.MULTILINE).group(1))
    assert baseline == pytest.approx(df["objective_value"].iloc[0], rel=1e-9)


def lexicographic_profit(db_path: Path, volume: float, load: float) -> tuple[float, float, float]:
    """``examples/goal_planning.py``'s sequential goals solved in OR-Tools directly: the least
    volume shortfall under the hard capacities, then the least total overload (over ``load`` of
    each capacity) keeping that shortfall, then the best profit keeping both."""
    from ortools.linear_solver import pywraplp

    with sqlite3.connect(db_path) as db:
        products = db.execute("SELECT id, profit FROM products ORDER BY id").fetchall()
        resources = db.execute("SELECT id, capacity FROM resources ORDER BY id").fetchall()
        links = db.execute("SELECT product_id, resource_id, amount FROM product_resources").fetchall()
    solver = pywraplp.Solver.CreateSolver("GLOP")
    inf = solver.infinity()
    x = {pid: solver.NumVar(0.0, inf, f"x{pid}") for pid, _ in products}
    over = {rid: solver.NumVar(0.0, inf, f"over{rid}") for rid, _ in resources}
    short = solver.NumVar(0.0, inf, "short")
    hard = {rid: solver.Constraint(-inf, cap) for rid, cap in resources}
    soft = {rid: solver.Constraint(-inf, load * cap) for rid, cap in resources}
    for pid, rid, amount in links:
        hard[rid].SetCoefficient(x[pid], amount)
        soft[rid].SetCoefficient(x[pid], amount)
    for rid, row in soft.items():
        row.SetCoefficient(over[rid], -1.0)
    total = solver.Constraint(volume, inf)
    for var in [*x.values(), short]:
        total.SetCoefficient(var, 1.0)
    found = []
    for stage in ({short: 1.0}, dict.fromkeys(over.values(), 1.0), {x[pid]: p for pid, p in products}):
        objective = solver.Objective()
        objective.Clear()
        for var, coeff in stage.items():
            objective.SetCoefficient(var, coeff)
        objective.SetOptimizationDirection(len(found) == 2)
        assert solver.Solve() == pywraplp.Solver.OPTIMAL
        found.append(objective.Value())
        held = solver.Constraint(-inf, found[-1] + 1e-9) if len(found) < 3 else None
        for var, coeff in stage.items():
            if held is not None:
                held.SetCoefficient(var, coeff)
    return found[0], found[1], found[2]


def test_goal_planning_solves_its_goals_in_priority_order(tmp_path: Path) -> None:
    proc = run_example(tmp_path, scale="20x5", example="examples/goal_planning.py")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    shortfall, overload, profit = lexicographic_profit(tmp_path / "plan.db", volume=150.0, load=0.8)
    stages = re.findall(r"^  stage (priority \d|final) +(\S+) \(optimal\)$", proc.stdout, re.MULTILINE)
    got = [float(value.replace(",", "")) for _, value in stages]
    assert got == pytest.approx([shortfall, overload, profit], rel=1e-6, abs=1e-6)
    assert overload > 0  # the load goal is missed here, so the priorities matter
    assert proc.stdout.count(" optimal ") >= 5  # the baseline and four targets of the sweep
