"""runner.bench at a tiny size: every path runs, agrees with the floor, and reports a table.

Also the interplay the benchmark relies on: a loky ``run_scenarios`` call followed by a
``joblib.Parallel`` (loky) call in the same process (they share loky's reusable executor).
"""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from runner import bench, run_scenarios

ROOT = Path(__file__).resolve().parents[2]


def model_of(data: bench.Data):
    return bench.build_model(bench.lumix_classes(), data)


def test_the_model_is_deterministic_and_compiles() -> None:
    products, resources, usage = bench.make_data(6, 3, seed=0)
    assert [p.id for p in products] == list(range(6)) and usage.shape == (6, 3)
    again = bench.make_data(6, 3, seed=0)
    assert [p.profit for p in again[0]] == [p.profit for p in products]
    canon = model_of((products, resources, usage)).to_canonical()
    assert canon.n_rows == 3 and list(canon.row_index) == ["capacity"]


def test_the_model_module_loads_by_path_without_lumix_or_runner() -> None:
    """``benchmarks/compile_solve.py`` loads ``runner/bench/model.py`` by path in a LumiX 0.3.2
    environment, where neither package of this repository is installed."""
    code = textwrap.dedent(
        """
        import importlib.util, sys
        spec = importlib.util.spec_from_file_location("bench_model", sys.argv[1])
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench_model"] = module
        spec.loader.exec_module(module)
        products, resources, usage = module.make_data(4, 2, 0)
        print(sorted(n for n in sys.modules if n.split(".")[0] in ("lumix", "runner")), len(products))
        """
    )
    model_file = ROOT / "runner" / "bench" / "model.py"
    proc = subprocess.run(
        [sys.executable, "-I", "-c", code, str(model_file)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["[]", "4"]


def test_compile_solve_uses_the_same_model_module() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import compile_solve
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    ours, theirs = bench.make_data(5, 2, 3), compile_solve.make_data(5, 2, 3)
    assert [p.profit for p in ours[0]] == [p.profit for p in theirs[0]]
    assert (ours[2] == theirs[2]).all()
    assert compile_solve.build_model.__code__.co_filename == bench.build_model.__code__.co_filename


def test_declarative_and_callable_scenarios_agree_with_the_floor() -> None:
    data = bench.make_data(12, 3, seed=1)
    model = model_of(data)
    factors = bench.capacity_factors(5, 3, seed=1)
    assert factors.min() >= 0.8 and factors.max() <= 1.2
    scenarios = bench.declarative_scenarios(factors)
    assert [m.target_name for m in scenarios[0].modifications] == [f"capacity[{r}]" for r in range(3)]
    floor = bench.floor_loop(data, factors)
    results = run_scenarios(model, scenarios, n_jobs=1, progress=False, include_baseline=False)
    for scenario, want in zip(scenarios, floor, strict=True):
        assert math.isclose(results[scenario.name].objective_value, want, rel_tol=1e-6)

    changes = bench.profit_changes(3, 12, seed=1)
    assert all(len(c) == 1 for c in changes)  # a tenth of 12 products, rounded
    callables = bench.callable_scenarios(changes)
    results = run_scenarios(model, callables, n_jobs=1, progress=False, include_baseline=False)
    for name, want in zip(callables, bench.floor_profit_loop(data, changes), strict=True):
        assert math.isclose(results[name].objective_value, want, rel_tol=1e-6)
        assert results[name].method == "incremental"


def test_joblib_parallel_after_a_loky_sweep_in_the_same_process() -> None:
    data = bench.make_data(8, 2, seed=2)
    factors = bench.capacity_factors(6, 2, seed=2)
    scenarios = bench.declarative_scenarios(factors)
    model = model_of(data)
    floor = bench.floor_loop(data, factors)
    for _ in range(2):
        results = run_scenarios(model, scenarios, n_jobs=2, progress=False, include_baseline=False)
        assert [results[s.name].objective_value for s in scenarios] == pytest.approx(floor, rel=1e-9)
        assert bench.floor_fanout(data, factors, 2) == pytest.approx(floor, rel=1e-9)


def test_main_prints_the_table(capsys: pytest.CaptureFixture) -> None:
    argv = ["--sizes", "10x3", "--scenarios", "20", "--callables", "2", "--n-jobs", "2", "--repeats", "1"]
    assert bench.main(argv) == 0
    out = capsys.readouterr().out
    assert "| n_jobs | ours scen/s | ours efficiency | floor fan-out scen/s" in out
    lines = [line for line in out.splitlines() if line.startswith("| 1 |") or line.startswith("| 2 |")]
    assert len(lines) == 2  # n_jobs=1 is always measured: the efficiencies refer to it
    assert "callable scenarios" in out and "dispatch cost" in out


def test_the_usage_names_the_program(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        bench.main(["--help"], prog="lumix-sweep bench")
    assert capsys.readouterr().out.startswith("usage: lumix-sweep bench ")


def test_bad_arguments_exit_with_usage() -> None:
    with pytest.raises(SystemExit) as info:
        bench.main(["--sizes", "ten"])
    assert info.value.code == 2
    with pytest.raises(SystemExit):
        bench.main(["--n-jobs", "0"])
