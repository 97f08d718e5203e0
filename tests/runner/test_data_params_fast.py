"""Data parameters through ``run_scenarios``: solved by their data dependencies (method
``"data"``) on the sequential and loky backends, with the objectives of the copy + recompile path
(``LXOptimizer.data_scenarios("recompile")``)."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import pytest

from lumix import LXOptimizer
from runner import run_scenarios
from runner.sweeps import data_param, latin_hypercube, param
from tests.ormschema import OrmDatabase, build_from_model

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def scale_profits(model, factor):
    """Data parameter of the ``tests.ormschema`` model: every product's profit times ``factor``."""
    for product in model.get_variable("production").get_instances():
        product.profit *= factor


def scale_usage(model, factor):
    """Data parameter: the hours of every product on plant 3 (coefficients, through the
    association objects) times ``factor``."""
    for product in model.get_variable("production").get_instances():
        for usage in product.usages:
            if usage.resource_id == 3:
                usage.usage *= factor


def _compare(model, design, **common):
    fast = run_scenarios(model, design, **common)
    slow = run_scenarios(model, design, optimizer=LXOptimizer().data_scenarios("recompile"), **common)
    assert {n: (r.status, r.objective_value) for n, r in fast.items()} == {
        n: (r.status, r.objective_value) for n, r in slow.items()
    }
    assert {r.method for name, r in fast.items() if name != "baseline"} == {"data"}
    assert {r.method for name, r in slow.items() if name != "baseline"} == {"incremental"}
    assert len({r.objective_value for r in fast.values()}) > len(fast) // 2  # the data mattered


@pytest.mark.parametrize("backend, n_jobs", [("sequential", 1), ("loky", 2), ("threading", 2)])
def test_orm_data_parameters_match_copy_and_recompile(tmp_path, backend, n_jobs):
    db = OrmDatabase("sqlite", tmp_path=tmp_path)
    try:
        model = build_from_model(db.session())
        design = latin_hypercube(
            {
                param("capacity[plant2]", "rhs", "multiply"): (0.6, 1.4),
                data_param("profit_level", scale_profits): (0.5, 1.5),
                data_param("plant3_hours", scale_usage): (0.7, 1.3),
            },
            16,
            seed=3,
        )
        _compare(model, design, backend=backend, n_jobs=n_jobs, progress=False)
        gc.collect()  # a threading run's worker threads are gone: their sessions with them
        classes = {type(p) for p in model.get_variable("production").get_instances()}
        classes |= {type(u) for p in model.get_variable("production").get_instances() for u in p.usages}
        assert len(classes) == 2
        for cls in classes:  # an in-process run leaves the user's ORM classes as they were
            assert "__setattr__" not in cls.__dict__ and "__delattr__" not in cls.__dict__, cls
    finally:
        db.destroy()


def test_the_readme_job_data_parameter(monkeypatch, tmp_path):
    """The README's model and data parameter (``examples/sweep_model.py``), sequential."""
    monkeypatch.setattr(sys, "path", [str(EXAMPLES), *sys.path])
    import sweep_model

    model = sweep_model.factory(str(tmp_path / "p.db"), products=12, resources=4, materials=3)
    parameters = {
        param("capacity[1]", "rhs", "multiply"): (0.6, 1.4),
        param("materials[2]", "rhs", "multiply"): (0.5, 1.5),
        data_param("price_level", sweep_model.scale_prices): (0.9, 1.1),
    }
    _compare(model, latin_hypercube(parameters, 24, seed=5), backend="sequential", n_jobs=1, progress=False)


def test_the_benchmark_compares_with_copy_and_recompile_and_the_floor(monkeypatch, tmp_path):
    """``runner.bench.data`` (``benchmarks/sweep.py --data-only``) on a small README model."""
    from runner.bench.data import data_report_lines, measure_data

    monkeypatch.setattr(sys, "path", [str(EXAMPLES), *sys.path])
    import sweep_model

    model = sweep_model.factory(str(tmp_path / "p.db"), products=8, resources=3, materials=2)
    rhs = {"capacity[1]": (0.6, 1.4), "materials[2]": (0.5, 1.5)}
    result = measure_data(model, rhs, ("price_level", sweep_model.scale_prices, (0.9, 1.1)), n=12, repeats=1)
    assert result.identical and result.floor_agrees
    assert result.methods["job"] == {"data": 12} and result.methods["floor"] == {"incremental": 12}
    assert result.methods["declarative"] == {"incremental": 12}
    assert any("Job / declarative" in line for line in data_report_lines(result))
