"""The tutorial (``examples/tutorial/``) run as a user runs it: a fresh interpreter per step, from
the repository root, in a temporary folder, with small sizes where the step allows.

Checked against an independent formulation: the tutorial's SQLite database read with
``sqlite3`` and its LP written directly in OR-Tools (``direct_lp``). The issue's Done-when is
``test_cli_sobol_grows_from_512_to_1024_solving_only_the_new_scenarios``.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from runner import read_results

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = "examples/tutorial"
SPEC = f"{TUTORIAL}/step3_sobol.toml"
OUTCOMES = ("objective_value", "production_4", "labour_shadow_price")
INPUTS = {"labour_capacity": "capacity[2]", "steel_stock": "materials[1]", "assembly_capacity": "capacity[3]"}
SOBOL_ROWS = 3 + 2  # scenarios per base sample: A, AB^1 .. AB^3, B


def run(args: list[str], out: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LUMIX_SWEEP_", "LUMIX_TUTORIAL_"))}
    env["LUMIX_TUTORIAL_DIR"] = str(out)
    proc = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240
    )
    assert proc.returncode == 0, f"{' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def steps(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every step in the tutorial's order (step 3 twice: 512 base samples, then 1024 resumed;
    the command line likewise), as the tutorial's README lists them."""
    out = tmp_path_factory.mktemp("tutorial")
    cli = ["-m", "runner", "run", SPEC, "--backend", "sequential", "--output", str(out / "sobol_cli.parquet")]
    journal = out / "sobol_cli.journal.sqlite"
    done = {"out": out}
    done["step1"] = run([f"{TUTORIAL}/step1_model.py"], out)
    done["step2"] = run([f"{TUTORIAL}/step2_tornado.py", "--n", "3", "--n-jobs", "2"], out)  # loky workers
    done["step3_512"] = run([f"{TUTORIAL}/step3_sobol.py", "--n", "512", "--n-jobs", "1"], out)
    done["step3_1024"] = run([f"{TUTORIAL}/step3_sobol.py", "--n", "1024", "--n-jobs", "1"], out)
    done["cli_512"] = run([*cli, "--n", "512"], out)
    done["journal_512"] = journal_rows(journal)
    done["cli_1024"] = run([*cli, "--n", "1024", "--resume"], out)
    done["journal_1024"] = journal_rows(journal)
    done["step4"] = run([f"{TUTORIAL}/step4_report.py"], out)
    return done


def journal_rows(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT count(*) FROM lumix_scenario_results").fetchone()[0])


def direct_lp(
    db_path: Path, scale: dict[str, float] | None = None, prices: float = 1.0
) -> tuple[float, float]:
    """``sweep_model``'s LP from the database, written directly in OR-Tools: the optimum and the
    dual of labour's row ``capacity[2]``. ``scale`` multiplies right-hand sides by row name,
    ``prices`` every product's price (material costs unchanged)."""
    from ortools.linear_solver import pywraplp

    scale = scale or {}
    with sqlite3.connect(db_path) as db:
        products = db.execute("SELECT id, price FROM products ORDER BY id").fetchall()
        hours = db.execute("SELECT product_id, resource_id, hours FROM product_resources").fetchall()
        units = db.execute("SELECT product_id, material_id, units FROM product_materials").fetchall()
        capacity = dict(db.execute("SELECT id, capacity FROM resources").fetchall())
        stock = dict(db.execute("SELECT id, stock FROM materials").fetchall())
        cost = dict(db.execute("SELECT id, unit_cost FROM materials").fetchall())
    # The market (sweep_model's docstring): 1.5 x the units the tightest resource allows if
    # every product is made alike, rounded.
    per_unit = {r: sum(h for _, rr, h in hours if rr == r) for r in capacity}
    market = float(round(min(capacity[r] / h for r, h in per_unit.items() if h > 0) * len(products) * 1.5))
    solver = pywraplp.Solver.CreateSolver("GLOP")
    inf = solver.infinity()
    x = {p: solver.NumVar(0.0, inf, f"x{p}") for p, _ in products}
    rows = {"demand": solver.Constraint(-inf, market * scale.get("demand", 1.0))}
    for r, cap in capacity.items():
        rows[f"capacity[{r}]"] = solver.Constraint(-inf, cap * scale.get(f"capacity[{r}]", 1.0))
    for m, amount in stock.items():
        rows[f"materials[{m}]"] = solver.Constraint(-inf, amount * scale.get(f"materials[{m}]", 1.0))
    for p in x:
        rows["demand"].SetCoefficient(x[p], 1.0)
    for p, r, h in hours:
        rows[f"capacity[{r}]"].SetCoefficient(x[p], h)
    objective = solver.Objective()
    for p, price in products:
        objective.SetCoefficient(x[p], price * prices - sum(u * cost[m] for pp, m, u in units if pp == p))
    for p, m, u in units:
        rows[f"materials[{m}]"].SetCoefficient(x[p], u)
    objective.SetMaximization()
    assert solver.Solve() == pywraplp.Solver.OPTIMAL
    return objective.Value(), rows["capacity[2]"].dual_value()


def number(pattern: str, text: str) -> float:
    match = re.search(pattern, text, re.MULTILINE)
    assert match, f"no match for {pattern!r} in:\n{text}"
    return float(match.group(1).replace(",", ""))


def assert_png(path: Path) -> None:
    assert path.is_file(), f"{path} was not written"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000, path


# -- step 1: the SQLAlchemy model, solved once -------------------------------------------------


def test_step1_solves_the_database_as_a_direct_lp_does(steps: dict) -> None:
    out = steps["step1"].stdout
    assert "Status: optimal" in out and "12 variables, 8 constraints" in out
    expected, labour_dual = direct_lp(steps["out"] / "production.db")
    assert number(r"^Objective: (\S+)$", out) == pytest.approx(expected, rel=1e-9)
    # labour binds at the base and its shadow price is the LP's dual
    assert number(r"^  capacity\[2\] +labour-2 +\S+ +\S+ +(\S+)  binding$", out) == pytest.approx(
        labour_dual, abs=1e-4
    )
    assert re.search(r"^  capacity\[3\] +assembly-3 .* 0\.0000$", out, re.MULTILINE)  # slack: not binding


# -- step 2: one at a time, the tornado ---------------------------------------------------------


def test_step2_tornado_moves_the_objective_as_the_direct_lp(steps: dict) -> None:
    out = steps["out"]
    results = read_results(out / "tornado.parquet")  # written by the script, with its metadata
    assert results.meta.kind == "one_at_a_time" and len(results.parameter_names) == 6
    df = results.to_dataframe()
    assert len(df) == 2 + 6 * 3 and (df["status"] == "optimal").all()  # baseline, oat-base, 3 per input
    by_name = df.set_index("name")
    base, _ = direct_lp(out / "production.db")
    assert by_name.at["baseline", "objective_value"] == pytest.approx(base, rel=1e-9)
    high = df[df["price_level"] == 1.2]["objective_value"]  # a data parameter: new prices, recompiled
    assert high.tolist() == pytest.approx([direct_lp(out / "production.db", prices=1.2)[0]], rel=1e-9)
    low_steel = df[df["steel_stock"] == 0.8]["objective_value"]
    assert low_steel.tolist() == pytest.approx([direct_lp(out / "production.db", {"materials[1]": 0.8})[0]])
    # assembly is slack: its bar has no width
    assembly = df[df["assembly_capacity"].isin([0.8, 1.2])]["objective_value"]
    assert len(assembly) == 2 and assembly.to_numpy() == pytest.approx(base, rel=1e-9)
    assert_png(out / "tornado.png")
    assert "price_level" in steps["step2"].stdout


# -- step 3: Sobol through run_scenarios, with a journal -------------------------------------------


def test_step3_script_grows_its_sweep_through_the_journal(steps: dict) -> None:
    first, second = steps["step3_512"].stdout, steps["step3_1024"].stdout
    assert f"= {512 * SOBOL_ROWS} scenarios + baseline" in first
    assert "Solved now: 2561; taken from the journal" in first and first.rstrip().endswith(".parquet")
    assert re.search(
        rf"^Solved now: {512 * SOBOL_ROWS}; taken from the journal \S+: {512 * SOBOL_ROWS + 1}$",
        second,
        re.MULTILINE,
    )
    for outcome in OUTCOMES:
        assert f"Sobol indices of {outcome}" in second
        assert_png(steps["out"] / f"sobol_{outcome}.png")


def test_step3_indices_find_what_the_lp_says(steps: dict) -> None:
    out = steps["out"]
    results = read_results(out / "sobol.parquet")
    df = results.to_dataframe()
    assert results.meta.kind == "sobol" and results.meta.design == {"base_samples": 1024}
    assert len(df) == 1024 * SOBOL_ROWS + 1 and (df["status"] == "optimal").all()
    # Scenarios against the direct LP at the same multipliers.
    db = out / "production.db"
    for _, row in df.iloc[[1, 2, 777, -1]].iterrows():
        objective, labour_dual = direct_lp(db, {target: row[name] for name, target in INPUTS.items()})
        assert row["objective_value"] == pytest.approx(objective, rel=1e-9), row["name"]
        assert row["labour_shadow_price"] == pytest.approx(labour_dual, abs=1e-6), row["name"]
    for outcome in OUTCOMES:
        indices = results.sobol(outcome)
        # assembly stays slack over the whole box (its use never reaches 80 % of its capacity):
        # it cannot move any outcome
        assert (
            abs(indices.at["assembly_capacity", "S1"]) < 1e-6 and indices.at["assembly_capacity", "ST"] < 1e-6
        )
        # labour and steel both bind: each explains part of every outcome's variance
        assert (indices.loc[["labour_capacity", "steel_stock"], "ST"] > 0.05).all(), indices
        assert indices["ST"].sum() >= indices["S1"].sum() - indices["S1_conf"].max()
    # the objective is almost additive in the two (ST ~ S1), steel the larger share
    objective = results.sobol("objective_value")
    assert objective.at["steel_stock", "S1"] > objective.at["labour_capacity", "S1"]
    # the shadow price of labour falls to 0 where labour is plentiful: interactions (ST > S1)
    price = results.sobol("labour_shadow_price")
    assert (
        price.at["labour_capacity", "ST"] - price.at["labour_capacity", "S1"]
        > price.at["labour_capacity", "S1_conf"]
    )


# -- step 3 on the command line: the Done-when ------------------------------------------------


def test_cli_sobol_grows_from_512_to_1024_solving_only_the_new_scenarios(steps: dict) -> None:
    first, second = steps["cli_512"].stdout, steps["cli_1024"].stdout
    assert f"sobol, {512 * SOBOL_ROWS} scenarios + baseline" in first
    assert re.search(rf"; {512 * SOBOL_ROWS + 1} solved here \(", first)
    assert steps["journal_512"] == 512 * SOBOL_ROWS + 1  # with the baseline
    assert f"sobol, {1024 * SOBOL_ROWS} scenarios + baseline" in second and "resuming from" in second
    assert re.search(
        rf"; {512 * SOBOL_ROWS} solved here \(.*\), {512 * SOBOL_ROWS + 1} taken from the journal", second
    )
    assert steps["journal_1024"] == 1024 * SOBOL_ROWS + 1
    results = read_results(steps["out"] / "sobol_cli.parquet")
    assert results.meta.design == {"base_samples": 1024} and results.meta.outcomes == list(OUTCOMES[1:])
    for outcome in OUTCOMES:  # the same indices as the script's, whose scenarios are the same
        assert results.sobol(outcome).to_numpy() == pytest.approx(
            read_results(steps["out"] / "sobol.parquet").sobol(outcome).to_numpy(), abs=1e-9
        )


# -- step 4: the report on a script's file and on the command line's --------------------------------


def test_step4_reports_both_files(steps: dict) -> None:
    out, text = steps["out"], steps["step4"].stdout
    assert "Results " in text and "(one_at_a_time, parameters labour_capacity" in text
    assert "(sobol, parameters labour_capacity, steel_stock, assembly_capacity)" in text
    assert "Sobol indices of labour_shadow_price (conf:" in text
    assert_png(out / "report_tornado" / "tornado.png")
    assert_png(out / "report_sobol" / "indices_labour_shadow_price.png")
    differences = [float(d) for d in re.findall(r"same design: largest difference (\S+)\)", text)]
    assert len(differences) == 3 and max(differences) < 1e-9
    assert (
        "kind 'one_at_a_time'" in text and "kind 'sobol'" in text and "1024 base samples, seed 2024" in text
    )
