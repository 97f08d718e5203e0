"""A model built from Django querysets, swept in loky worker processes.

A driver subprocess configures Django with ``settings.configure()`` (SQLite file), creates and
fills ``tests.django_app``'s tables and builds ``planning.production_model`` from querysets
(profit ``base_profit * category.margin_factor`` through the ForeignKey, coefficients through
prefetched ``usages``). ``run_scenarios`` ships the detached model to two workers, which set
Django up from ``ModelRef.django`` (``lumix.utils.orm.setup_django``) before unpickling it.
Callable scenarios change the detached Django instances in the worker; each first checks that
Django is ready with the driver's settings and makes its worker refuse every SQL statement
from then on, so a scenario that needed its database fails (``queries`` shows it does).

Wyndor Glass (``tests/django_app/planning.py``): optimum 36. Worked scenarios:
- plant3 * 0.5 (9): windows are worth 2.5 per plant3 hour (doors 1): w = 4.5        -> 22.5
- plant2 = 20: w <= 10, plant3 18 -> w = 9                                            -> 45
- doors' base profit x 2 (profit 6, 2 per plant3 hour): w = 6, d = 2 (plant3 18)     -> 42
- doors use 1 plant3 hour (3 per hour): d = 4, w = 6 (plant3 16), frames 1           -> 43
The callable ones are also compared with a serial deepcopy-modify-solve in the driver.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("django")
pytestmark = pytest.mark.timeout(120)

ROOT = Path(__file__).resolve().parents[2]

DRIVER = r'''
import copy, json, sys
import django
from django.conf import settings
from tests.django_app import django_settings

DB = sys.argv[1]
settings.configure(**django_settings({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DB}}))
django.setup()

from lumix import LXModel, LXOptimizer
from lumix.analysis import LXScenario
from lumix.utils.orm import django_bootstrap
from runner import run_scenarios
from tests.django_app import planning
from tests.django_app.models import Product, Resource

planning.create_tables("default")
planning.populate("default")
model = planning.production_model(
    Product.objects.select_related("category").prefetch_related("usages"),
    Resource.objects.prefetch_related("usages"),
    usage_from="product",
)

def check_worker(model):
    """Django is ready here, with the driver's database; from now on this worker runs no SQL."""
    import os
    from django.apps import apps
    from django.conf import settings
    from django.db import connections
    assert apps.ready, "Django is not set up in the worker"
    assert settings.DATABASES["default"]["NAME"] == DB, settings.DATABASES
    assert os.getpid() != PARENT
    def refuse(execute, sql, params, many, context):
        raise RuntimeError(f"a worker ran SQL: {sql}")
    for connection in connections.all():
        if refuse not in connection.execute_wrappers:
            connection.execute_wrappers.append(refuse)

def products(model):
    return model.get_variable("production")._data

def meet(model):
    """Wait (up to 60 s) until two worker processes are here, so that both set Django up
    whatever the scheduling; the in-process reference solve below does not wait."""
    import os, time
    if os.getpid() == DRIVER:
        return
    folder = DB + ".meet"
    os.makedirs(folder, exist_ok=True)
    open(os.path.join(folder, str(os.getpid())), "w").close()
    deadline = time.monotonic() + 60
    while len(os.listdir(folder)) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)

def doors_profit_x2(model):
    check_worker(model)
    meet(model)
    for p in products(model):
        if p.name == "doors":
            p.base_profit *= 2

def premium_margin(factor):
    def scenario(model):
        check_worker(model)
        if factor == 1.5:
            meet(model)
        for p in products(model):
            if p.category.name == "premium":  # the ForeignKey, detached with the product
                p.category.margin_factor = factor
    return scenario

def plant3_usage_of_doors(amount):
    def scenario(model):
        check_worker(model)
        resources = model.get_constraint("capacity")._data
        plant3 = next(r.pk for r in resources if r.name == "plant3")
        for p in products(model):
            for u in p.usages.all():  # prefetched: no query
                if p.name == "doors" and u.resource_id == plant3:
                    u.amount = amount
    return scenario

def queries(model):
    check_worker(model)
    Product.objects.count()

import os
PARENT = DRIVER = os.getpid()
callables = {
    "doors x2": doors_profit_x2,
    "premium x1.5": premium_margin(1.5),
    "premium x4": premium_margin(4.0),
    "doors plant3 1": plant3_usage_of_doors(1.0),
}
declarative = [
    LXScenario("plant3*0.5").modify_constraint_rhs("capacity[plant3]", multiply=0.5),
    LXScenario("plant2=20").modify_constraint_rhs("capacity[plant2]", set_value=20),
]
scenarios = [*declarative, *callables.items(), ("queries", queries)]
results = run_scenarios(model, scenarios, n_jobs=2, backend="loky", batch_size=1, progress=False)

serial = {}
for name, fn in callables.items():
    copied = copy.deepcopy(model)
    PARENT = -1  # check_worker's pid check does not apply to this in-process reference
    fn(copied)
    serial[name] = LXOptimizer().solve(copied).objective_value
print(json.dumps({
    "bootstrap": sorted(django_bootstrap()),
    "serial": serial,
    "results": {n: [r.status, r.objective_value, r.method, r.worker, r.error] for n, r in results.items()},
}))
'''


def test_django_model_swept_in_workers(tmp_path):
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    proc = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "django.db")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["bootstrap"] == ["settings"]  # settings.configure(), shipped as values
    results = report["results"]
    status, _, _, _, error = results.pop("queries")  # the check above does refuse SQL
    assert status == "error" and "RuntimeError: a worker ran SQL" in error, error
    for name, (status, _, _, _, error) in results.items():
        assert status == "optimal", (name, error)

    expected = {
        "baseline": 36.0,
        "plant3*0.5": 22.5,
        "plant2=20": 45.0,
        "doors x2": 42.0,
        "doors plant3 1": 43.0,
    }
    for name, objective in expected.items():
        assert results[name][1] == pytest.approx(objective, rel=1e-9), name
    for name, objective in report["serial"].items():
        assert results[name][1] == pytest.approx(objective, rel=1e-9), name
    assert report["serial"]["premium x4"] != pytest.approx(36.0)  # the scenarios changed something

    callables = ["doors x2", "premium x1.5", "premium x4", "doors plant3 1"]
    assert {results[n][2] for n in callables} == {"data"}  # only data changed: by their dependencies
    assert len({results[n][3] for n in results}) == 2  # both workers set Django up
