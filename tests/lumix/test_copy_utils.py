"""``lumix.utils.copy_utils``: detached copies of SQLAlchemy instances, lists and closures.

Runs on SQLite and on PostgreSQL (skipped without ``LUMIX_TEST_POSTGRES_URL``) through the
``orm_db`` fixture; the schema and data are in ``tests/ormschema.py``.
"""

from __future__ import annotations

import copy
import pickle
import sys
from dataclasses import dataclass

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, selectinload

from lumix import DetachedAttributeError, DetachError
from lumix.utils.copy_utils import (
    copy_function_detaching_closure,
    detach_orm_object,
    materialize_and_detach_list,
)
from tests.ormschema import Category, Product, ProductResource


@dataclass
class Plain:
    id: int
    tags: list[str]


def assert_untouched(session: Session, *originals: object) -> None:
    """The originals are still persistent in ``session``, loaded and unmodified."""
    for obj in originals:
        state = inspect(obj)
        assert obj in session
        assert state.persistent and state.session is session
        assert not state.expired_attributes
        assert not session.is_modified(obj)
    assert not session.dirty and not session.new and not session.deleted


@pytest.fixture
def session(orm_db):
    return orm_db.session()


@pytest.fixture
def doors(session):
    """Product 1 with its category and the category's products (and their category) loaded:
    a cycle product -> category -> products -> category."""
    product = session.get(Product, 1)
    assert [p.id for p in product.category.products] == [1, 2]
    assert all(p.category is product.category for p in product.category.products)
    return product


# -- detach_orm_object -----------------------------------------------------------------------


def test_plain_object_and_none_are_returned_as_they_are():
    plain = Plain(1, ["a"])
    assert detach_orm_object(plain) is plain
    assert detach_orm_object(None) is None
    assert detach_orm_object(3.5) == 3.5
    assert detach_orm_object(Product) is Product  # a mapped class is not an instance


def test_detached_copy_is_a_real_detached_instance(orm_db, session, doors):
    counter = orm_db.counter()
    detached = detach_orm_object(doors)
    assert len(counter) == 0, counter.statements  # detaching queries nothing

    assert detached is not doors and type(detached) is Product
    state = inspect(detached)
    assert state.detached and not state.persistent and state.session is None
    assert state.identity == (1,) and state.key == inspect(doors).key
    assert (detached.id, detached.name, detached.profit, detached.category_id) == (1, "doors", 3.0, 1)

    detached.profit = 9.5  # writable, with history like any instance
    detached.name = "glass doors"
    assert (detached.profit, detached.name) == (9.5, "glass doors")
    assert inspect(detached).attrs.profit.history.added == [9.5]
    assert (doors.profit, doors.name) == (3.0, "doors")

    assert_untouched(session, doors, doors.category, *doors.category.products)
    assert len(counter) == 0, counter.statements
    counter.close()


def test_detached_copy_merges_into_a_new_session(orm_db, doors):
    detached = detach_orm_object(doors)
    other = orm_db.session()
    counter = orm_db.counter()
    merged = other.merge(detached, load=False)
    assert len(counter) == 0, counter.statements  # load=False: no SELECT
    assert merged is not detached and inspect(merged).persistent and merged in other
    assert (merged.id, merged.name, merged.profit) == (1, "doors", 3.0)
    assert merged.category.name == "A"
    assert [u.resource_id for u in merged.usages] == [1, 3]  # never loaded before: loads now
    counter.close()


def test_detached_copy_pickles_with_plain_pickle(doors):
    detached = detach_orm_object(doors)
    restored = pickle.loads(pickle.dumps(detached))
    assert inspect(restored).detached
    assert (restored.id, restored.name, restored.profit) == (1, "doors", 3.0)
    assert restored.category.name == "A"
    assert restored.category.products[0] is restored  # the cycle survives pickling
    with pytest.raises(DetachedAttributeError, match=r"Product\.notes"):
        _ = restored.notes


def test_attached_original_pickles_detached_with_lumix_dumps(session, doors):
    from lumix.utils.pickling import dumps, loads

    restored = loads(dumps(doors))
    assert inspect(restored).detached and restored.category.products[0] is restored
    assert_untouched(session, doors)


def test_relationship_cycle_holds_the_same_copy(doors):
    memo: dict = {}
    detached = detach_orm_object(doors, memo)
    category = detached.category
    assert isinstance(category, Category) and inspect(category).detached
    assert category is not doors.category
    assert [p.id for p in category.products] == [1, 2]
    assert category.products[0] is detached  # product -> category -> products: same object
    windows = category.products[1]
    assert inspect(windows).detached and windows is not doors.category.products[1]
    assert windows.category is category
    # The memo is shared: detaching windows again gives the same copy.
    assert detach_orm_object(doors.category.products[1], memo) is windows
    assert detach_orm_object(doors, memo) is detached


@pytest.mark.parametrize(
    ("attr", "kind"), [("notes", "a deferred column"), ("usages", "a relationship not loaded")]
)
def test_never_loaded_attribute_raises_naming_class_attribute_and_fix(doors, attr, kind):
    assert attr in inspect(doors).unloaded, kind
    detached = detach_orm_object(doors)
    pattern = (
        rf"Product\.{attr} was not loaded.*selectinload\(Product\.{attr}\).*joinedload\(Product\.{attr}\)"
    )
    with pytest.raises(DetachedAttributeError, match=pattern):
        getattr(detached, attr)
    with pytest.raises(AttributeError):  # it is an AttributeError too
        getattr(detached, attr)
    assert getattr(detached, attr, "default") == "default"
    assert attr in inspect(doors).unloaded  # the original was not loaded behind our back


def test_loaded_attributes_are_kept_and_never_loaded_ones_load_after_add(orm_db, session):
    product = session.scalars(
        select(Product).options(selectinload(Product.usages)).where(Product.id == 2)
    ).one()
    detached = detach_orm_object(product)
    assert [(u.resource_id, u.usage) for u in detached.usages] == [(2, 2.0), (3, 2.0)]
    assert all(isinstance(u, ProductResource) and inspect(u).detached for u in detached.usages)
    other = orm_db.session()
    other.add(detached)  # attached again: what was never loaded loads normally
    assert detached.notes == "framed windows"
    assert detached.category.name == "A"


def test_detaching_an_expired_instance_refreshes_it_first(orm_db, session, doors):
    session.commit()  # expire_on_commit: every attribute expired
    assert inspect(doors).expired_attributes
    detached = detach_orm_object(doors)
    assert (detached.name, detached.profit) == ("doors", 3.0)
    assert inspect(detached).detached


def test_detached_copy_reads_after_the_database_is_gone(orm_db, doors):
    detached = detach_orm_object(doors)
    orm_db.destroy()
    assert (detached.name, detached.category.name) == ("doors", "A")
    assert [p.name for p in detached.category.products] == ["doors", "windows"]


# -- materialize_and_detach_list -------------------------------------------------------------


def test_materialize_none_is_none():
    assert materialize_and_detach_list(None, {}) is None
    assert materialize_and_detach_list([], {}) == []


def test_materialize_keeps_length_and_order_and_detaches(session):
    products = session.scalars(select(Product).order_by(Product.id.desc())).all()
    plain = Plain(7, ["x"])
    items = [products[0], None, plain, products[1], (products[2], plain), products[0]]
    out = materialize_and_detach_list(items, {})
    assert isinstance(out, list) and out is not items and len(out) == len(items)
    assert [p.id for p in (out[0], out[3], out[4][0], out[5])] == [3, 2, 1, 3]
    assert out[1] is None
    assert out[2] == plain and out[2] is not plain and out[2].tags is not plain.tags  # deep-copied
    assert isinstance(out[4], tuple) and out[4][1] is out[2]  # the memo shares copies
    assert out[5] is out[0]  # the same instance twice: the same copy twice
    for obj in (out[0], out[3], out[4][0]):
        assert inspect(obj).detached
    assert all(inspect(p).persistent for p in products)


def test_materialize_plain_list_is_deep_copied():
    items = [Plain(1, ["a"]), Plain(2, ["b"])]
    out = materialize_and_detach_list(items, {})
    assert out == items and all(a is not b for a, b in zip(out, items, strict=True))
    out[0].tags.append("c")
    assert items[0].tags == ["a"]


# -- copy_function_detaching_closure ---------------------------------------------------------


def test_closure_orm_objects_are_detached(session, doors):
    margin = lambda q: doors.profit * q  # noqa: E731
    copied = copy_function_detaching_closure(margin, {})
    assert copied is not margin and copied(2) == 6.0
    held = copied.__closure__[0].cell_contents
    assert isinstance(held, Product) and held is not doors and inspect(held).detached
    assert margin.__closure__[0].cell_contents is doors  # the original keeps its closure
    assert_untouched(session, doors)


def test_closure_copy_keeps_defaults_kwdefaults_dict_name_and_qualname(session, doors):
    windows = session.get(Product, 2)

    def margin(q, scale=2.0, other=windows, *, bonus=doors, label="m"):
        """Margin of doors."""
        return doors.profit * q * scale + other.profit + bonus.profit

    margin.tag = {"unit": "EUR"}
    copied = copy_function_detaching_closure(margin, {})
    assert copied is not margin
    assert copied(1) == margin(1) == 3.0 * 2 + 5.0 + 3.0
    assert copied.__name__ == "margin" and copied.__qualname__ == margin.__qualname__
    assert copied.__module__ == margin.__module__ and copied.__doc__ == "Margin of doors."
    assert copied.__dict__ == {"tag": {"unit": "EUR"}}
    assert copied.__defaults__[0] == 2.0
    assert inspect(copied.__defaults__[1]).detached and copied.__defaults__[1].id == 2
    assert copied.__kwdefaults__["label"] == "m"
    # The closure and the keyword default hold the same instance: one shared copy.
    assert copied.__kwdefaults__["bonus"] is copied.__closure__[0].cell_contents
    assert inspect(copied.__kwdefaults__["bonus"]).detached
    assert margin.__defaults__[1] is windows and margin.__kwdefaults__["bonus"] is doors


def test_closure_over_a_container_of_orm_objects(session):
    by_id = {p.id: p for p in session.scalars(select(Product))}
    price = lambda i: by_id[i].profit  # noqa: E731
    copied = copy_function_detaching_closure(price, {})
    held = copied.__closure__[0].cell_contents
    assert held is not by_id and sorted(held) == [1, 2, 3]
    assert all(inspect(p).detached for p in held.values())
    assert copied(2) == 5.0


FEATURED = None  # a module global that a function reads (set by monkeypatch)


def test_global_orm_object_read_by_a_function_is_detached(session, monkeypatch):
    doors = session.get(Product, 1)
    monkeypatch.setattr(sys.modules[__name__], "FEATURED", doors)
    price = lambda q: FEATURED.profit * q  # noqa: E731
    copied = copy_function_detaching_closure(price, {})
    held = copied.__globals__["FEATURED"]
    assert held is not doors and inspect(held).detached and held.id == 1
    assert copied(2) == 6.0
    assert FEATURED is doors and price.__globals__ is globals()  # the module is untouched
    assert_untouched(session, doors)


def test_functions_without_orm_objects_are_returned_unchanged():
    factor = 3
    rows = [Plain(1, [])]
    scale = lambda x: x * factor + len(rows)  # noqa: E731
    default = Plain(2, [])

    def plain(x, y=2, *, z=default):
        return x + y

    for func in (scale, plain, lambda x: x + 1, len, print):
        assert copy_function_detaching_closure(func, {}) is func


def test_closure_capturing_a_session_raises_naming_the_callable(session):
    query = lambda p: session.get(Product, p)  # noqa: E731
    line = query.__code__.co_firstlineno
    with pytest.raises(
        DetachError,
        match=rf"<lambda> at test_copy_utils\.py:{line}: its captured 'session' is a SQLAlchemy Session",
    ):
        copy_function_detaching_closure(query, {})


def test_deepcopy_of_a_detached_copy_stays_detached(doors):
    detached = detach_orm_object(doors)
    again = copy.deepcopy(detached)
    assert again is not detached and inspect(again).detached
    assert again.category.products[0] is again
