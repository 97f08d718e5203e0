"""``copy.deepcopy`` and pickling of ORM-backed models (SQLAlchemy on SQLite and PostgreSQL).

The models and their hand-worked optima are in ``tests/ormschema.py``. PostgreSQL cases are
skipped without ``LUMIX_TEST_POSTGRES_URL``; each one runs in a schema of its own, dropped at the end.
"""

from __future__ import annotations

import copy
import gc
import math
import pickle
import re
import sys
import types
from collections.abc import Callable

import cloudpickle
import pytest
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import InstanceState, Session, scoped_session, sessionmaker
from sqlalchemy.pool import Pool

from lumix import (
    DetachError,
    LXConstraint,
    LXLinearExpression,
    LXModel,
    LXVariable,
    ModelError,
)
from tests.conftest import WYNDOR_OPTIMUM, wyndor_products, wyndor_resources
from tests.ormschema import MODELS, OrmDatabase, Product, build_cycles, build_from_model, objective

HANDLE_TYPES = (Session, scoped_session, sessionmaker, Engine, Connection, Pool)


def assert_same(value: float, expected: float) -> None:
    assert math.isclose(value, expected, rel_tol=1e-9, abs_tol=1e-9), (value, expected)


def reachable(root: object) -> list[object]:
    """Every object reachable from ``root`` by ``gc.get_referents``, not entering modules,
    classes or module namespaces (a function's ``__globals__``)."""
    namespaces = {id(m.__dict__) for m in list(sys.modules.values()) if m is not None}
    seen = {id(root)}
    stack, found = [root], []
    while stack:
        obj = stack.pop()
        found.append(obj)
        for ref in gc.get_referents(obj):
            if id(ref) in seen or isinstance(ref, types.ModuleType | type) or id(ref) in namespaces:
                continue
            seen.add(id(ref))
            stack.append(ref)
    return found


def assert_no_database_handle(model: LXModel) -> None:
    objects = reachable(model)
    handles = [o for o in objects if isinstance(o, HANDLE_TYPES)]
    assert not handles, handles
    attached = [o for o in objects if isinstance(o, InstanceState) and o.session_id is not None]
    assert not attached, [o.obj() for o in attached]
    assert sum(isinstance(o, InstanceState) for o in objects) > 0  # the walk did reach the data


# -- the matrix: original == deepcopy == pickle == cloudpickle, also once the database is gone ----


@pytest.mark.parametrize("case", list(MODELS))
def test_copies_solve_like_the_original(orm_db, case):
    build, expected = MODELS[case]
    session = orm_db.session()
    model = build(session)
    if case == "lazy":  # nothing loaded the relationships the coefficients read
        products = model.get_variable("production")._data
        assert all("usages" in inspect(p).unloaded for p in products)

    first = copy.deepcopy(model)  # never compiled: compiles under the live session first
    original = objective(model)
    assert_same(original, expected)

    counter = orm_db.counter()  # the model is compiled now: copying queries nothing
    second = copy.deepcopy(model)
    plain = pickle.dumps(model)
    cloud = cloudpickle.dumps(model)
    assert counter.statements == []
    counter.close()

    assert inspect(model.get_variable("production").get_instances()[0]).persistent
    assert not session.dirty
    orm_db.destroy()
    assert not orm_db.exists()
    for copied in (first, second, pickle.loads(plain), cloudpickle.loads(cloud), pickle.loads(cloud)):
        assert copied is not model
        assert_same(objective(copied), original)


@pytest.mark.parametrize("case", ["from_model", "cycles"])
def test_copy_holds_no_session_engine_or_attached_instance(orm_db, case):
    model = MODELS[case][0](orm_db.session())
    copied = copy.deepcopy(model)
    assert_no_database_handle(copied)
    assert_no_database_handle(pickle.loads(pickle.dumps(model)))
    assert all(
        inspect(p).detached and type(p) is Product for p in copied.get_variable("production").get_instances()
    )


def test_guide_from_model_session_form_gives_the_declared_type(orm_db):
    session = orm_db.session()
    model = build_from_model(session)
    var = model.get_variable("production")
    assert var.model_type is Product and var._session is session
    copied = copy.deepcopy(model)
    copied_var = copied.get_variable("production")
    assert copied_var.model_type is Product and copied_var._session is None
    assert [p.id for p in copied_var._data] == [1, 2, 3]  # materialized once, in key order
    assert copied.get_constraint("capacity")._session is None
    assert [r.name for r in copied.get_constraint("capacity")._data] == ["plant1", "plant2", "plant3"]


def test_cycle_in_the_copy_holds_the_same_objects(orm_db):
    copied = copy.deepcopy(build_cycles(orm_db.session()))
    products = copied.get_variable("production").get_instances()
    categories = copied.get_constraint("category_limit")._data
    assert [c.name for c in categories] == ["A", "B"]
    for p in products:
        assert p.category is categories[p.category_id - 1]
        assert any(q is p for q in p.category.products)


# -- a copy is independent -------------------------------------------------------------------


@pytest.fixture
def compiled(orm_db):
    session = orm_db.session()
    model = build_from_model(session)
    assert_same(objective(model), WYNDOR_OPTIMUM)
    return session, model


def test_changing_rhs_value_of_a_copy_leaves_the_original(compiled):
    session, model = compiled
    copied = copy.deepcopy(model)
    copied.get_constraint("total").rhs_value = 7  # d + w + f <= 7: 33 at (1, 6, 0)
    assert_same(objective(copied), 33.0)
    assert model.get_constraint("total").rhs_value == 100.0
    assert_same(objective(model), WYNDOR_OPTIMUM)


def test_changing_bounds_of_a_copy_leaves_the_original(compiled):
    session, model = compiled
    copied = copy.deepcopy(model)
    copied.get_variable("production").bounds(lower=0, upper=1)  # 3 + 5 + 1
    assert_same(objective(copied), 9.0)
    assert model.get_variable("production").upper_bound is None
    assert_same(objective(model), WYNDOR_OPTIMUM)


def test_changing_a_data_attribute_of_a_copy_leaves_the_original_and_its_orm_objects(compiled):
    session, model = compiled
    copied = copy.deepcopy(model)
    frames = copied.get_variable("production").get_instances()[2]
    assert frames.name == "frames" and inspect(frames).detached
    frames.profit = 100.0  # frames alone fill plant3: 9 units
    assert_same(objective(copied), 900.0)
    original_frames = session.get(Product, 3)
    assert original_frames.profit == 1.0 and not session.is_modified(original_frames)
    assert not session.dirty
    assert_same(objective(model), WYNDOR_OPTIMUM)


def test_copy_made_before_commit_and_close_still_solves(orm_db):
    session = orm_db.session()  # expire_on_commit=True
    model = build_cycles(session)
    copied = copy.deepcopy(model)
    pickled = pickle.dumps(model)
    session.commit()
    session.close()
    assert_same(objective(copied), 41.5)
    assert_same(objective(pickle.loads(pickled)), 41.5)


def test_copy_after_commit_reloads_expired_rows(orm_db):
    session = orm_db.session()
    products = session.scalars(select(Product).order_by(Product.id)).all()
    x = (
        LXVariable[Product, float]("production")
        .bounds(lower=0, upper=10)
        .indexed_by(lambda p: p.id)
        .from_data(products)
        .cost(lambda p: p.profit)
    )
    model = LXModel("expired").add_variable(x).maximize()
    assert_same(objective(model), 90.0)
    session.commit()  # every product expired
    assert all(inspect(p).expired_attributes for p in products)
    copied = copy.deepcopy(model)
    orm_db.destroy()
    assert_same(objective(copied), 90.0)


def test_deepcopy_of_a_compiled_model_issues_no_query(orm_db):
    session = orm_db.session()
    models = [build(session) for build, _ in MODELS.values()]
    for model in models:
        model.to_canonical()
    counter = orm_db.counter()
    for model in models:
        copy.deepcopy(model)
        copy.deepcopy(model)
        pickle.dumps(model)
    assert counter.statements == []
    counter.close()


@pytest.mark.parametrize("what", ["model", "variable"])
@pytest.mark.parametrize("how", ["deepcopy", "pickle", "cloudpickle"])
def test_copy_raises_when_materialization_fails(orm_db, how, what):
    model = build_from_model(orm_db.session())  # never compiled, nothing read yet
    orm_db.destroy()  # engine disposed, file deleted / schema dropped
    do = {"deepcopy": copy.deepcopy, "pickle": pickle.dumps, "cloudpickle": cloudpickle.dumps}[how]
    target = model if what == "model" else model.get_variable("production")
    with pytest.raises(
        (DetachError, ModelError), match=r"variable 'production': reading Product from the database"
    ) as raised:
        do(target)
    assert raised.value.__cause__ is not None  # the database error rides along


# -- a callable holding a database handle --------------------------------------------------------

DB_HANDLE = None  # a module global that a lambda reads (set by monkeypatch)


def _handle(kind: str, engine: Engine, stack: list) -> tuple[object, str]:
    if kind == "session":
        handle = Session(engine)
    elif kind == "engine":
        handle = engine
    elif kind == "connection":
        handle = engine.connect()
    else:
        handle = sessionmaker(bind=engine)
    if hasattr(handle, "close"):
        stack.append(handle)
    return handle, {"session": "Session", "engine": "Engine", "connection": "Connection"}.get(
        kind, "sessionmaker"
    )


def _model_with(capture: str, handle: object, monkeypatch) -> tuple[LXModel, Callable, str]:
    """Plain Wyndor data; one callable holds ``handle`` as ``capture`` says."""
    products, resources = wyndor_products(), wyndor_resources()
    x = LXVariable("production").bounds(lower=0).indexed_by(lambda p: p.id).from_data(products)
    usage = lambda p, r: p.usage.get(r.name, 0.0)  # noqa: E731
    rhs = lambda r: r.capacity  # noqa: E731
    if capture == "closure":
        db = handle
        cost = lambda p: p.profit if db is not None else 0.0  # noqa: E731
        x.cost(cost)
        func, family, what = cost, "variable 'production'", "its captured 'db'"
    else:
        x.cost(lambda p: p.profit)
        if capture == "default":

            def rhs(r, db=handle):
                return r.capacity

            func, family, what = rhs, "constraint 'capacity'", "its default 'db'"
        else:
            monkeypatch.setattr(sys.modules[__name__], "DB_HANDLE", handle)
            usage = lambda p, r: p.usage.get(r.name, 0.0) if DB_HANDLE is not None else 0.0  # noqa: E731
            func, family, what = usage, "constraint 'capacity'", "the global 'DB_HANDLE' it reads"
    capacity = (
        LXConstraint("capacity")
        .expression(LXLinearExpression().add_term(x, usage))
        .le()
        .rhs(rhs)
        .from_data(resources)
        .indexed_by(lambda r: r.name)
    )
    model = LXModel("wyndor").add_variable(x).add_constraint(capacity).maximize()
    where = f"{func.__qualname__} at test_copy_models.py:{func.__code__.co_firstlineno}"
    return model, family, f"{re.escape(where)}: {re.escape(what)}"


@pytest.mark.parametrize("how", ["deepcopy", "pickle", "cloudpickle"])
@pytest.mark.parametrize("capture", ["closure", "default", "global"])
@pytest.mark.parametrize("kind", ["session", "engine", "connection", "sessionmaker"])
def test_callable_holding_a_database_handle_raises_naming_the_place(
    kind, capture, how, monkeypatch, tmp_path
):
    engine = create_engine(f"sqlite:///{tmp_path / 'handle.db'}")
    opened: list = []
    try:
        handle, type_name = _handle(kind, engine, opened)
        model, family, where = _model_with(capture, handle, monkeypatch)
        assert_same(objective(model), WYNDOR_OPTIMUM)  # the model itself is fine
        do = {"deepcopy": copy.deepcopy, "pickle": pickle.dumps, "cloudpickle": cloudpickle.dumps}[how]
        with pytest.raises(
            DetachError, match=rf"{re.escape(family)}: .*{where} is a SQLAlchemy {type_name}\b"
        ):
            do(model)
    finally:
        for obj in opened:
            obj.close()
        engine.dispose()


def test_copying_a_variable_alone_names_it(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'alone.db'}")
    with Session(engine) as session:
        x = LXVariable("production").from_data(wyndor_products()).indexed_by(lambda p: p.id)
        x.where(lambda p: session is not None)
        for do in (copy.deepcopy, pickle.dumps):
            with pytest.raises(DetachError, match=r"variable 'production': where filter: .*'session'"):
                do(x)
    engine.dispose()


# -- security: no URL, password, engine or connection in a copy or a pickle -------------------------

SECRET = "S3cr3t-Pa55"


@pytest.fixture
def secret_db(postgres_url, tmp_path):
    url = make_url(postgres_url)
    secret = url.password or SECRET
    url = url.set(password=secret)
    probe = create_engine(url)
    try:
        with probe.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        pytest.skip(f"PostgreSQL does not accept a URL with a password here: {exc}")
    finally:
        probe.dispose()
    db = OrmDatabase("postgresql", url=url.render_as_string(hide_password=False))
    yield db, url, secret
    db.destroy()


@pytest.mark.parametrize("case", ["from_model", "closures", "cycles"])
def test_pickles_hold_no_url_or_password(secret_db, case):
    db, url, secret = secret_db
    assert db.engine.url.password == secret
    model = MODELS[case][0](db.session())
    copied = copy.deepcopy(model)
    forbidden = {
        secret.encode(),
        url.render_as_string(hide_password=False).encode(),
        url.render_as_string(hide_password=True).encode(),
        f"{url.host}:{url.port}".encode(),
    }
    for data in (
        pickle.dumps(model),
        cloudpickle.dumps(model),
        pickle.dumps(copied),
        pickle.dumps(model, protocol=2),
    ):
        found = [f for f in forbidden if f in data]
        assert not found, found
    assert_no_database_handle(copied)
    strings = [o for o in reachable(copied) if isinstance(o, str | bytes)]
    assert not [s for s in strings if (secret in s if isinstance(s, str) else secret.encode() in s)]


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
def test_error_about_a_captured_engine_does_not_show_its_url(secret_db, how):
    db, url, secret = secret_db
    engine = db.engine
    x = LXVariable("production").from_data(wyndor_products()).indexed_by(lambda p: p.id)
    x.cost(lambda p: p.profit if engine is not None else 0.0)
    model = LXModel("leaky").add_variable(x).maximize()
    with pytest.raises(DetachError, match=r"its captured 'engine' is a SQLAlchemy \w*Engine") as raised:
        (copy.deepcopy if how == "deepcopy" else pickle.dumps)(model)
    text_of_error = "".join(str(e) for e in (raised.value, raised.value.__cause__, raised.value.__context__))
    assert secret not in text_of_error and str(url.host) not in text_of_error
