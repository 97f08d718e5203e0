"""Worker memory stays flat over a long sweep.

Each ``ScenarioResult`` carries its worker's resident set size (``rss``, read from
``/proc/self/statm`` after its batch). The results are tapped where they reach the
collector (``Collector.accept``), in completion order, and grouped by worker;
per worker the median RSS of its last quarter of scenarios may exceed that of its first
quarter by a few MB at most (the first quarter is past the model load and the solver's
first allocations, so a leak of tens of KB per scenario shows).
"""

from __future__ import annotations

import random
import statistics
from collections import defaultdict

import pytest

from lumix import LXModel
from lumix.analysis import LXScenario
from runner import run_scenarios
from runner.collector import Collector

from .conftest import production_model, standard_products, standard_resources

pytestmark = pytest.mark.timeout(180)

MB = 1 << 20
GROWTH_LIMIT = 20 * MB


@pytest.fixture
def tap(monkeypatch):
    """Every result the backend hands to the collector, in arrival order."""
    tapped: list = []
    accept = Collector.accept

    def tapping(self, results):
        tapped.extend(results)
        accept(self, results)

    monkeypatch.setattr(Collector, "accept", tapping)
    return tapped


def growth_by_worker(records) -> dict[str, float]:
    """worker -> median RSS of its last quarter minus its first quarter (bytes)."""
    by_worker: dict[str, list[int]] = defaultdict(list)
    for rec in records:
        assert rec.rss > 0, rec
        by_worker[rec.worker].append(rec.rss)
    growth = {}
    for worker, rss in by_worker.items():
        quarter = len(rss) // 4
        assert quarter >= 40, (worker, len(rss))  # both workers did a fair share
        growth[worker] = statistics.median(rss[-quarter:]) - statistics.median(rss[:quarter])
    return growth


def test_rss_flat_over_declarative_sweep(tap):
    model = production_model(standard_products(), standard_resources())
    rng = random.Random(5)
    scenarios = []
    for k in range(1500):
        scenario = LXScenario(f"s{k}")
        for r in range(6):
            scenario.modify_constraint_rhs(f"capacity[r{r}]", multiply=round(rng.uniform(0.5, 1.5), 4))
        scenarios.append(scenario)

    results = run_scenarios(model, scenarios, n_jobs=2, backend="loky", progress=False)

    assert results.failed.empty
    assert len(tap) == len(results) == 1501
    growth = growth_by_worker(tap)
    assert len(growth) == 2
    assert all(g < GROWTH_LIMIT for g in growth.values()), {w: g / MB for w, g in growth.items()}


def test_rss_flat_over_callable_sweep(tap):
    """Callable scenarios: a fresh copy of the detached model per scenario, recompiled."""
    model = production_model(standard_products(), standard_resources())

    def scale(resource: str, factor: float):
        def scenario(m: LXModel) -> None:
            con = m.get_constraint("capacity")
            rhs = con.rhs_func
            con.rhs(lambda r: rhs(r) * factor if r.name == resource else rhs(r))

        return scenario

    scenarios = [(f"c{k}", scale(f"r{k % 6}", 0.5 + (k % 50) / 50)) for k in range(800)]

    results = run_scenarios(model, scenarios, n_jobs=2, backend="loky", progress=False)

    assert results.failed.empty
    assert {r.method for n, r in results.items() if n != "baseline"} == {"incremental"}
    growth = growth_by_worker(tap)
    assert all(g < GROWTH_LIMIT for g in growth.values()), {w: g / MB for w, g in growth.items()}
