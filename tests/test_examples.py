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


def run_example(tmp_path: Path, scale: str = "12x4", **extra: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.update(LUMIX_EXAMPLE_SCALE=scale, LUMIX_EXAMPLE_DB=str(tmp_path / "plan.db"), **extra)
    return subprocess.run(
        [sys.executable, EXAMPLE],
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
