"""Pickled models and detached instances read in a fresh interpreter, after the database is gone.

The pickles are made while the database is alive; then the SQLite file is deleted or the
PostgreSQL schema dropped, and a new ``python`` (which has run no query and imported no test
module but ``tests.ormschema``) unpickles them and solves. The matrix of models and its optima
are in ``tests/ormschema.py``.
"""

from __future__ import annotations

import copy
import json
import math
import os
import pickle
import subprocess
import sys
from pathlib import Path

import cloudpickle

from lumix.utils.copy_utils import detach_orm_object
from tests.ormschema import MODELS, Product, objective

ROOT = Path(__file__).resolve().parents[2]

SOLVE_SCRIPT = r"""
import copy, json, pickle, sys
from tests.ormschema import objective

out = {}
for label, path in json.loads(sys.argv[1]).items():
    with open(path, "rb") as f:
        model = pickle.load(f)
    out[label] = [objective(model), objective(copy.deepcopy(model))]
out["psycopg imported"] = "psycopg" in sys.modules
out["test modules"] = sorted(m for m in sys.modules if m.startswith(("tests.lumix", "tests.conftest")))
print(json.dumps(out))
"""

READ_SCRIPT = r"""
import json, pickle, sys
from sqlalchemy import inspect
from lumix import DetachedAttributeError

with open(sys.argv[1], "rb") as f:
    product = pickle.load(f)
out = {
    "type": type(product).__module__ + "." + type(product).__qualname__,
    "detached": inspect(product).detached,
    "identity": list(inspect(product).identity),
    "values": [product.id, product.name, product.profit, product.category.name],
    "siblings": [p.name for p in product.category.products],
    "cycle": product.category.products[0] is product,
}
try:
    product.notes
except DetachedAttributeError as exc:
    out["notes"] = str(exc)
product.profit = 7.5
out["written"] = product.profit
print(json.dumps(out))
"""


def run_fresh(script: str, *args: str, cwd: Path) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), str(ROOT / "tests"), env.get("PYTHONPATH")) if p
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_models_solve_in_a_fresh_interpreter_after_the_database_is_gone(orm_db, tmp_path):
    files: dict[str, str] = {}
    originals: dict[str, float] = {}
    for case, (build, expected) in MODELS.items():
        session = orm_db.session()
        model = build(session)
        pickles = {
            "pickle": pickle.dumps(model),  # never compiled: compiled under the session first
            "cloudpickle": cloudpickle.dumps(model),
            "pickle of a deepcopy": pickle.dumps(copy.deepcopy(model)),
        }
        originals[case] = objective(model)
        assert math.isclose(originals[case], expected, rel_tol=1e-9)
        for how, data in pickles.items():
            path = tmp_path / f"{case}-{how.replace(' ', '_')}.pkl"
            path.write_bytes(data)
            files[f"{case}/{how}"] = str(path)
    orm_db.destroy()
    assert not orm_db.exists()

    out = run_fresh(SOLVE_SCRIPT, json.dumps(files), cwd=tmp_path)
    assert out.pop("psycopg imported") is False  # nothing in the pickles needs a database driver
    assert out.pop("test modules") == []  # the lambdas travel by value, not by reference
    assert sorted(out) == sorted(files)
    wrong = {
        label: values
        for label, values in out.items()
        if not all(math.isclose(v, originals[label.split("/")[0]], rel_tol=1e-9) for v in values)
    }
    assert not wrong, (wrong, originals)


def test_detached_instance_reads_in_a_fresh_interpreter(orm_db, tmp_path):
    session = orm_db.session()
    doors = session.get(Product, 1)
    assert [p.name for p in doors.category.products] == ["doors", "windows"]
    path = tmp_path / "doors.pkl"
    path.write_bytes(pickle.dumps(detach_orm_object(doors)))
    orm_db.destroy()

    out = run_fresh(READ_SCRIPT, str(path), cwd=tmp_path)
    assert out["type"] == "tests.ormschema.Product"
    assert out["detached"] is True and out["identity"] == [1]
    assert out["values"] == [1, "doors", 3.0, "A"]
    assert out["siblings"] == ["doors", "windows"] and out["cycle"] is True
    assert "Product.notes was not loaded" in out["notes"] and "selectinload(Product.notes)" in out["notes"]
    assert out["written"] == 7.5
