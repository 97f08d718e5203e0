"""Copying and pickling with Django: detached instances and models built from QuerySets/managers.

Django is configured once in this process (module fixture) with two databases: ``default`` (a
SQLite file in a temporary directory) and ``pg`` (PostgreSQL from ``LUMIX_TEST_POSTGRES_URL``,
in a schema of its own; skipped with the reason when unset or unreachable). Every test runs on
both: the tables of ``tests/django_app`` are created with ``connection.schema_editor()`` and
populated before, and dropped after. A router sends default-manager reads to the backend under
test. Queries are counted with ``connection.execute_wrapper`` on every alias.

Data: the Wyndor problem of ``tests/django_app/planning.py``, optimum 36, where the profit is
only right when ``product.category`` (a ForeignKey) is read and the capacity coefficients only
when the ``usages`` (reverse ForeignKey) are read.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import pickle
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("django")

import cloudpickle  # noqa: E402

import lumix  # noqa: E402
from lumix.utils import pickling  # noqa: E402
from lumix.utils.callables import describe_callable  # noqa: E402
from lumix.utils.copy_utils import detach_orm_object  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_ENV = "LUMIX_TEST_POSTGRES_URL"
REL = 1e-9


class AliasRouter:
    """Reads and writes of the default manager go to the backend under test; an instance's
    related objects to the database it came from (Django's own rule)."""

    alias = "default"

    def _route(self, model: type, **hints: Any) -> str:
        instance = hints.get("instance")
        if instance is not None and instance._state.db:
            return instance._state.db
        return self.alias

    db_for_read = _route
    db_for_write = _route


ROUTER = AliasRouter()


@dataclass
class DjangoEnv:
    sqlite_path: Path
    pg_url: str | None
    pg_schema: str | None
    pg_skip: str | None


def _postgres(url: str | None) -> tuple[str | None, str | None, str | None]:
    """(url, schema created for this module, skip reason)."""
    if not url:
        return (
            None,
            None,
            (
                f"{POSTGRES_ENV} is not set; set it to a PostgreSQL URL "
                "(e.g. postgresql://postgres@127.0.0.1:5432/test) to run the Django tests on PostgreSQL"
            ),
        )
    url = url.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        import psycopg
    except ImportError:
        return None, None, "psycopg (3) is not installed; Django on PostgreSQL needs it"
    schema = f"lumix_django_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(url, connect_timeout=5, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except Exception as exc:
        return None, None, f"PostgreSQL ({POSTGRES_ENV}) is unreachable: {type(exc).__name__}: {exc}"
    return url, schema, None


@pytest.fixture(scope="module")
def django_env(tmp_path_factory) -> Iterator[DjangoEnv]:
    import django
    from django.conf import settings

    from tests.django_app import APP, django_settings, postgres_database

    if settings.configured:
        if APP not in settings.INSTALLED_APPS:
            pytest.skip("Django settings were configured elsewhere in this process without tests.django_app")
        env = getattr(settings, "LUMIX_TEST_ENV", None)
        if env is None:
            pytest.skip("Django settings were configured elsewhere in this process")
        yield env
        return
    sqlite_path = tmp_path_factory.mktemp("django") / "lumix_django.db"
    pg_url, pg_schema, pg_skip = _postgres(os.environ.get(POSTGRES_ENV))
    databases: dict[str, Any] = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(sqlite_path)}
    }
    if pg_url:
        databases["pg"] = postgres_database(pg_url, pg_schema)
    env = DjangoEnv(sqlite_path, pg_url, pg_schema, pg_skip)
    settings.configure(**django_settings(databases, [ROUTER]), LUMIX_TEST_ENV=env)
    django.setup()
    try:
        yield env
    finally:
        from django.db import connections

        connections.close_all()
        if pg_url:
            import psycopg

            with psycopg.connect(pg_url, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA IF EXISTS "{pg_schema}" CASCADE')


@dataclass
class Backend:
    """The database under test: ``alias`` and how to make it disappear."""

    name: str
    alias: str
    env: DjangoEnv

    def remove_database(self) -> None:
        """SQLite: close and delete the file. PostgreSQL: drop the tables."""
        from django.db import connections

        from tests.django_app import planning

        if self.name == "sqlite":
            connections[self.alias].close()
            self.env.sqlite_path.unlink()
            assert not self.env.sqlite_path.exists()
        else:
            planning.drop_tables(self.alias)
            assert not planning.existing_tables(self.alias)

    def driver_args(self) -> list[str]:
        args = ["--sqlite", str(self.env.sqlite_path)]
        if self.name == "pg":
            args += ["--pg-url", self.env.pg_url, "--pg-schema", self.env.pg_schema]
        return args


@pytest.fixture(params=["sqlite", "pg"])
def db(request, django_env) -> Iterator[Backend]:
    from django.db import connections

    from tests.django_app import planning

    if request.param == "pg" and django_env.pg_skip:
        pytest.skip(django_env.pg_skip)
    backend = Backend(request.param, "default" if request.param == "sqlite" else "pg", django_env)
    planning.drop_tables(backend.alias)  # left over by an interrupted run
    planning.create_tables(backend.alias)
    planning.populate(backend.alias)
    ROUTER.alias = backend.alias
    try:
        yield backend
    finally:
        ROUTER.alias = "default"
        planning.drop_tables(backend.alias)
        connections[backend.alias].close()
        if backend.name == "sqlite":
            django_env.sqlite_path.unlink(missing_ok=True)


@contextlib.contextmanager
def queries() -> Iterator[list[str]]:
    """Every SQL statement run on any alias inside the block."""
    from django.db import connections

    seen: list[str] = []

    def record(execute, sql, params, many, context):  # noqa: ANN001
        seen.append(f"{context['connection'].alias}: {sql}")
        return execute(sql, params, many, context)

    with contextlib.ExitStack() as stack:
        for connection in connections.all():
            stack.enter_context(connection.execute_wrapper(record))
        yield seen


# -- detach_orm_object on Django instances ---------------------------------------------------


def test_detached_instance_has_its_own_state_and_keeps_select_related(db):
    from tests.django_app.models import Product

    original = Product.objects.select_related("category").get(name="doors")
    with queries() as seen:
        detached = detach_orm_object(original)
        assert detached is not original and type(detached) is Product
        assert detached._state is not original._state
        assert detached._state.db == original._state.db == db.alias
        assert detached._state.adding is False
        assert detached._state.fields_cache is not original._state.fields_cache
        assert (detached.pk, detached.name, detached.base_profit) == (original.pk, "doors", 1.5)
        # the select_related category is kept, as a detached copy of its own
        assert detached.category.name == "premium" and detached.category.margin_factor == 2.0
        assert detached.category is not original.category
        assert detached.category._state.db == db.alias
    assert seen == []
    detached.base_profit = 99.0
    detached.category.margin_factor = 7.0
    assert original.base_profit == 1.5 and original.category.margin_factor == 2.0
    assert detach_orm_object(None) is None
    plain = object()
    assert detach_orm_object(plain) is plain


def test_detached_instance_keeps_prefetched_results(db):
    from tests.django_app.models import Product, ProductResource, Resource

    original = Product.objects.prefetch_related("usages", "resources").get(name="doors")
    plant3 = Resource.objects.get(name="plant3")
    with queries() as seen:
        detached = detach_orm_object(original)
        usages = list(detached.usages.all())
        assert [(u.resource_id, u.amount) for u in usages] == [
            (u.resource_id, u.amount) for u in original.usages.all()
        ]
        assert sorted(u.amount for u in usages) == [1.0, 3.0]
        assert sorted(r.name for r in detached.resources.all()) == ["plant1", "plant3"]
        # the results are detached copies whose back reference is the copy (cycle kept)
        assert all(type(u) is ProductResource for u in usages)
        assert not {id(u) for u in usages} & {id(u) for u in original.usages.all()}
        assert all(u.product is detached for u in usages)
        assert all(u.product is original for u in original.usages.all())
        assert detached.usages.all() is not original.usages.all()
        assert detached._prefetched_objects_cache["usages"]._hints.get("instance") is detached
        assert detached.usage_of(plant3) == 3.0  # the model's coefficient path
    assert seen == []


@pytest.mark.parametrize(
    "dump", [pickle.dumps, pickling.dumps, cloudpickle.dumps], ids=["pickle", "lumix", "cloudpickle"]
)
def test_detached_instance_pickles(db, dump):
    from tests.django_app.models import Product

    original = Product.objects.select_related("category").prefetch_related("usages").get(name="windows")
    detached = detach_orm_object(original)
    data = dump(detached)
    with queries() as seen:
        restored = pickle.loads(data)
        assert type(restored) is Product and restored.pk == original.pk
        assert restored._state.db == db.alias
        assert restored.category.name == "standard"
        assert sorted(u.amount for u in restored.usages.all()) == [2.0, 2.0]
        assert all(u.product is restored for u in restored.usages.all())
    assert seen == []


def test_lumix_pickler_refuses_a_live_queryset(db):
    from tests.django_app.models import Product

    with pytest.raises(lumix.DetachError, match="Django QuerySet of Product"):
        pickling.dumps({"rows": Product.objects.filter(name="doors")})


# -- models built from Django QuerySets and managers -----------------------------------------


def _sources(variant: str, alias: str) -> tuple[Any, Any, str]:
    """(products source, resources source, which side's usages the coefficient reads)."""
    from tests.django_app.models import Product, Resource

    if variant == "querysets":  # select_related on products, prefetch_related on resources
        return (
            Product.objects.using(alias).select_related("category"),
            Resource.objects.using(alias).prefetch_related("usages"),
            "resource",
        )
    if variant == "default_manager":  # from_model(Product): category loaded lazily by the cost
        return Product, Resource.objects.prefetch_related("usages"), "resource"
    if variant == "prefetched_products":  # coefficient through the products' prefetched usages
        return Product.objects.select_related("category").prefetch_related("usages"), Resource, "product"
    raise AssertionError(variant)


VARIANTS = ["querysets", "default_manager", "prefetched_products"]


def _build(variant: str, alias: str):
    from tests.django_app import planning

    products, resources, usage_from = _sources(variant, alias)
    return planning.production_model(products, resources, usage_from=usage_from)


def _objective(model) -> float:
    from tests.django_app import planning

    status, objective = planning.solve(model)
    assert status == "optimal", status
    return objective


@pytest.mark.parametrize("variant", VARIANTS)
def test_model_copies_solve_like_the_original(db, variant):
    from tests.django_app import planning

    model = _build(variant, db.alias)
    original = _objective(model)  # compiles under the live database
    assert original == pytest.approx(planning.OPTIMUM, rel=REL)
    with queries() as seen:
        deep = copy.deepcopy(model)
        pickled = pickle.dumps(model)
        clouded = cloudpickle.dumps(model)
    assert seen == [], "copying a compiled model must not query"
    with queries() as seen:
        results = {
            "deepcopy": _objective(deep),
            "pickle": _objective(pickle.loads(pickled)),
            "cloudpickle": _objective(cloudpickle.loads(clouded)),
        }
    assert seen == [], "a detached copy must solve without the database"
    for how, value in results.items():
        assert value == pytest.approx(original, rel=REL), how
    # the copies hold no QuerySet/manager and detached products that remember their database
    production = deep.get_variable("production")
    assert production._session is None and deep.get_constraint("capacity")._session is None
    assert {p._state.db for p in production._data} == {db.alias}
    assert [p.name for p in production._data] == ["doors", "windows", "frames"]


def test_changing_a_copy_leaves_the_original_alone(db):
    from tests.django_app import planning
    from tests.django_app.models import Resource

    model = _build("querysets", db.alias)
    assert _objective(model) == pytest.approx(planning.OPTIMUM, rel=REL)
    changed = copy.deepcopy(model)
    with queries() as seen:
        plant3 = next(r for r in changed.get_constraint("capacity")._data if r.name == "plant3")
        plant3.capacity = 36.0  # doors 4, windows 6, frames 6: 12 + 30 + 6
        assert _objective(changed) == pytest.approx(48.0, rel=REL)
    assert seen == []
    assert _objective(model) == pytest.approx(planning.OPTIMUM, rel=REL)
    assert Resource.objects.using(db.alias).get(name="plant3").capacity == 18.0


@pytest.mark.parametrize("variant", ["querysets", "default_manager"])
def test_fresh_process_solves_after_the_database_is_gone(db, variant, tmp_path):
    from tests.django_app import planning

    model = _build(variant, db.alias)
    original = _objective(model)
    path = tmp_path / "model.pickle"
    path.write_bytes(pickle.dumps(model))
    db.remove_database()
    report = _run_driver(path, db)
    assert report["queries"] == [], report
    assert report.get("status") == "optimal", report
    assert report["objective"] == pytest.approx(original, rel=REL)
    assert report["objective"] == pytest.approx(planning.OPTIMUM, rel=REL)
    assert report["categories"] == {"doors": "premium", "windows": "standard", "frames": "premium"}
    assert report["db_aliases"] == [db.alias]
    assert report["sqlite_exists"] is False


def _run_driver(path: Path, db: Backend) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "tests.django_app.unpickle_solve", str(path), *db.driver_args()],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = proc.stdout.strip().splitlines()
    assert lines, f"the driver printed nothing (exit {proc.returncode}):\n{proc.stderr}"
    report = json.loads(lines[-1])
    assert proc.returncode == (0 if report.get("status") == "optimal" else 1), proc.stderr
    return report


def test_unprefetched_reverse_relation_fails_loudly_without_the_database(db, tmp_path):
    """Django caches no reverse-ForeignKey result unless prefetched, so a coefficient reading
    ``product.usages`` without ``prefetch_related`` needs the database again: in a process
    without it the copy must fail naming the coefficient, never solve to something else."""
    from tests.django_app import planning
    from tests.django_app.models import Product, Resource

    model = planning.production_model(Product, Resource, usage_from="product")
    assert _objective(model) == pytest.approx(planning.OPTIMUM, rel=REL)
    path = tmp_path / "model.pickle"
    path.write_bytes(pickle.dumps(model))
    db.remove_database()
    report = _run_driver(path, db)
    assert "status" not in report
    error = report["error"]
    assert error.startswith("ModelError: constraint 'capacity[plant3]': coefficient of production["), error
    # cloudpickle replaces a pickled function's file name by "<dynamic-code>"; the qualname stays
    assert "production_model.<locals>.<lambda>" in error, error
    assert report["queries"] and "django_app_productresource" in report["queries"][0]


# -- callables capturing a QuerySet or a manager ---------------------------------------------


@pytest.mark.parametrize("captured", ["queryset", "manager"])
def test_callable_capturing_a_queryset_or_manager_cannot_be_copied(db, captured):
    from tests.django_app import planning
    from tests.django_app.models import Category

    if captured == "queryset":
        premium = Category.objects.premium()  # a QuerySet, bound to the database when evaluated
        profit = lambda p: p.base_profit * (2.0 if premium.filter(pk=p.category_id).exists() else 1.0)
        expected = "a Django QuerySet of Category"
    else:
        categories = Category.objects  # the custom manager
        profit = lambda p: p.base_profit * categories.get(pk=p.category_id).margin_factor
        expected = "a Django CategoryManager of Category"
    model = _build("querysets", db.alias)
    model.get_variable("production").cost(profit)
    assert _objective(model) == pytest.approx(planning.OPTIMUM, rel=REL)  # it works while live

    place = describe_callable(profit)
    assert place == f"{profit.__qualname__} at test_copy_django.py:{profit.__code__.co_firstlineno}"
    name = "premium" if captured == "queryset" else "categories"
    for attempt in (copy.deepcopy, pickle.dumps, cloudpickle.dumps):
        with pytest.raises(lumix.DetachError) as info:
            attempt(model)
        message = str(info.value)
        assert "'production'" in message, message  # the family
        assert "cost" in message, message  # the role
        assert place in message, message  # qualname, file:line
        assert f"{name!r}" in message and expected in message, message
    assert _objective(model) == pytest.approx(planning.OPTIMUM, rel=REL)  # the original still works
