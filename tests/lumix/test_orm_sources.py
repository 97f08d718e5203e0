"""ORM data sources: SQLAlchemy 2 (SQLite here, PostgreSQL when reachable) and Django managers.

Data is read with ``select(Type).order_by(primary key)``, once per mapped type per compile.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from lumix import (
    LXConstraint,
    LXIndexDimension,
    LXLinearExpression,
    LXModel,
    LXOptimizer,
    LXVariable,
    ModelError,
)
from lumix.utils import orm
from tests.conftest import (
    WYNDOR_OPTIMUM,
    WYNDOR_PRODUCTION,
    WYNDOR_SHADOW_PRICES,
    Product,
    SAProduct,
    SAResource,
    SAUsage,
    StatementLog,
    wyndor_model,
)


def usage_table(session: Session) -> dict[tuple[int, str], float]:
    return {(u.product_id, u.resource_name): u.amount for u in session.scalars(select(SAUsage))}


def db_wyndor(session: Session, usage: dict[tuple[int, str], float], *, guide_form: bool = False):
    """Wyndor with products and resources read from the database (see conftest for the optimum)."""
    if guide_form:
        x = LXVariable[SAProduct, float]("production").from_model(session)
        rows = LXConstraint[SAResource]("capacity").from_model(session)
    else:
        x = LXVariable("production").from_model(SAProduct, session=session)
        rows = LXConstraint("capacity").from_model(SAResource, session=session)
    x.bounds(lower=0).indexed_by(lambda p: p.id).cost(lambda p: p.profit)
    rows.expression(LXLinearExpression().add_term(x, lambda p, r: usage.get((p.id, r.name), 0.0)))
    rows.le().rhs(lambda r: r.capacity).indexed_by(lambda r: r.name)
    return LXModel("wyndor-db").add_variable(x).add_constraint(rows).maximize()


# -- reading ------------------------------------------------------------------------------------------


def test_read_all_orders_by_primary_key(sqlite_session):
    # resources were inserted as plant3, plant1, plant2
    assert [r.name for r in orm.read_all(SAResource, sqlite_session)] == ["plant1", "plant2", "plant3"]
    assert [p.id for p in orm.read_all(SAProduct, sqlite_session)] == [1, 2, 3]


def test_is_session(sqlite_session):
    assert orm.is_session(sqlite_session)
    assert not orm.is_session(object())
    assert not orm.is_session(SAProduct)


@pytest.mark.parametrize("guide_form", [False, True], ids=["type-and-session", "session-only"])
def test_wyndor_from_the_database(sqlite_session, products, resources, guide_form):
    usage = usage_table(sqlite_session)
    model = db_wyndor(sqlite_session, usage, guide_form=guide_form)
    canon = model.to_canonical()
    assert canon.col_names == ("production[1]", "production[2]", "production[3]")
    assert canon.row_names == ("capacity[plant1]", "capacity[plant2]", "capacity[plant3]")
    from_data = wyndor_model(products, resources)[0].to_canonical()
    assert (canon.matrix != from_data.matrix).nnz == 0
    solution = LXOptimizer().solve(model)
    assert solution.objective_value == pytest.approx(WYNDOR_OPTIMUM)
    assert solution.variables["production"] == pytest.approx(WYNDOR_PRODUCTION)
    assert solution.shadow_prices == pytest.approx(WYNDOR_SHADOW_PRICES)


def test_relationships_in_a_two_argument_coefficient(sqlite_session):
    x = LXVariable[SAProduct, float]("production").bounds(lower=0).indexed_by(lambda p: p.id)
    x.from_model(sqlite_session).cost(lambda p: p.profit)
    cap = (
        LXConstraint[SAResource]("capacity")
        .expression(
            LXLinearExpression().add_term(
                x, lambda p, r: sum(u.amount for u in p.usages if u.resource_name == r.name)
            )
        )
        .rhs(lambda r: r.capacity)
        .from_model(sqlite_session)
        .indexed_by(lambda r: r.name)
    )
    model = LXModel().add_variable(x).add_constraint(cap).maximize()
    assert LXOptimizer().solve(model).objective_value == pytest.approx(WYNDOR_OPTIMUM)


def test_dimension_and_join_from_the_database(sqlite_session):
    # route[(product, resource)] for each usage row, bounded by 1, cost = amount * profit:
    # 1*3 + 3*3 + 2*5 + 2*5 + 2*1 = 34
    route = (
        LXVariable("route")
        .bounds(0, 1)
        .indexed_by_join(
            SAProduct,
            SAResource,
            lambda p: [u.resource for u in p.usages],
            key_func=lambda p, r: (p.id, r.name),
        )
        .from_model(SAProduct, session=sqlite_session)
        .cost_multi(lambda p, r: p.profit * next(u.amount for u in p.usages if u.resource_name == r.name))
    )
    assign = LXVariable("assign").indexed_by_product(
        LXIndexDimension(SAProduct, lambda p: p.id).from_model(sqlite_session),
        LXIndexDimension(SAResource, lambda r: r.name)
        .from_model(sqlite_session)
        .where(lambda r: r.capacity > 10),
    )
    model = LXModel().add_variables(route, assign).maximize(route.cost_expression())
    canon = model.to_canonical()
    assert canon.family_columns("route").size == 5
    assert [n for n in canon.col_names if n.startswith("assign")] == [
        "assign[(1, 'plant2')]",
        "assign[(1, 'plant3')]",
        "assign[(2, 'plant2')]",
        "assign[(2, 'plant3')]",
        "assign[(3, 'plant2')]",
        "assign[(3, 'plant3')]",
    ]
    solution = LXOptimizer().solve(model)
    assert solution.objective_value == pytest.approx(34.0)


# -- read once per compile ------------------------------------------------------------------------


def test_one_select_per_mapped_type_per_compile(sqlite_session, sql_log):
    usage = usage_table(sqlite_session)
    model = db_wyndor(sqlite_session, usage)
    x = model.get_variable("production")
    # more families over the same types: they share the compile's reads
    own = (
        LXConstraint[SAProduct]("own")
        .expression(LXLinearExpression().add_term(x))
        .le()
        .rhs(100)
        .from_model(sqlite_session)
        .indexed_by(lambda p: p.id)
    )
    pairs = (
        LXVariable("pair")
        .bounds(0, 1)
        .indexed_by_product(
            LXIndexDimension(SAProduct, lambda p: p.id).from_model(sqlite_session),
            LXIndexDimension(SAResource, lambda r: r.name).from_model(sqlite_session),
        )
    )
    model.add_constraint(own).add_variable(pairs)
    sql_log.clear()

    model.to_canonical()
    assert len(sql_log.selects("product")) == 1
    assert len(sql_log.selects("resource")) == 1
    assert len(sql_log.selects()) == 2, sql_log.statements

    sql_log.clear()
    solution = LXOptimizer().solve(model)
    assert solution.objective_value == pytest.approx(WYNDOR_OPTIMUM)
    assert len(sql_log.selects()) == 2, sql_log.statements


def test_a_from_data_model_runs_no_query(sqlite_engine, products, resources):
    log = StatementLog(sqlite_engine)
    try:
        model = wyndor_model(products, resources)[0]
        model.to_canonical()
        LXOptimizer().solve(model)
        assert log.statements == []
    finally:
        log.close()


def test_building_a_model_runs_no_query(sqlite_session, sql_log):
    db_wyndor(sqlite_session, {})
    assert sql_log.statements == []


# -- errors ---------------------------------------------------------------------------------------------


def test_a_table_that_cannot_be_read(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")  # no tables
    with Session(engine) as session:
        x = LXVariable("x").indexed_by(lambda p: p.id).from_model(SAProduct, session=session)
        with pytest.raises(
            ModelError, match=r"variable 'x': reading SAProduct from the database failed: OperationalError"
        ) as info:
            LXModel().add_variable(x).to_canonical()
    assert info.value.__cause__ is not None
    engine.dispose()


def test_a_class_that_is_not_mapped(sqlite_session):
    c = LXConstraint("c").expression(LXLinearExpression()).rhs(1).from_model(Product, session=sqlite_session)
    c.indexed_by(lambda p: p.id)
    with pytest.raises(
        ModelError,
        match=(
            r"constraint 'c': reading Product from the database failed: "
            r"TypeError: .*not a SQLAlchemy mapped class"
        ),
    ):
        LXModel().add_constraint(c).to_canonical()


def test_from_model_type_without_session():
    x = LXVariable("x").indexed_by(lambda p: p.id).from_model(SAProduct)
    with pytest.raises(ModelError, match=r"variable 'x' has no data source.*no session was given"):
        LXModel().add_variable(x).to_canonical()


# -- PostgreSQL -----------------------------------------------------------------------------------------


def test_postgres_wyndor_reads_once_and_solves(postgres_session, postgres_engine):
    usage = usage_table(postgres_session)
    model = db_wyndor(postgres_session, usage, guide_form=True)
    log = StatementLog(postgres_engine)
    try:
        canon = model.to_canonical()
        assert len(log.selects()) == 2, log.statements
    finally:
        log.close()
    assert canon.row_names == ("capacity[plant1]", "capacity[plant2]", "capacity[plant3]")
    solution = LXOptimizer().solve(canon)
    assert solution.objective_value == pytest.approx(WYNDOR_OPTIMUM)
    assert solution.shadow_prices == pytest.approx(WYNDOR_SHADOW_PRICES)


def test_postgres_schemas_are_per_test(postgres_session):
    # the fixture's schema holds exactly the Wyndor rows: nothing leaks between tests
    assert [r.name for r in orm.read_all(SAResource, postgres_session)] == ["plant1", "plant2", "plant3"]


# -- Django ---------------------------------------------------------------------------------------------

DJANGO_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import django
    from django.conf import settings

    settings.configure(
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        INSTALLED_APPS=[], DEFAULT_AUTO_FIELD="django.db.models.AutoField", USE_TZ=True,
    )
    django.setup()
    from django.db import connection, models

    class Item(models.Model):
        name = models.CharField(max_length=20)
        profit = models.FloatField()
        plant1 = models.FloatField()
        plant2 = models.FloatField()
        plant3 = models.FloatField()

        class Meta:
            app_label = "lumix_orm_sources"

    class Plant(models.Model):
        name = models.CharField(max_length=20)
        capacity = models.FloatField()

        class Meta:
            app_label = "lumix_orm_sources"

    with connection.schema_editor() as editor:
        editor.create_model(Item)
        editor.create_model(Plant)
    # inserted with explicit primary keys in reverse order: read back in pk order
    Item.objects.create(id=3, name="frames", profit=1, plant1=0, plant2=0, plant3=2)
    Item.objects.create(id=2, name="windows", profit=5, plant1=0, plant2=2, plant3=2)
    Item.objects.create(id=1, name="doors", profit=3, plant1=1, plant2=0, plant3=3)
    Plant.objects.create(id=3, name="plant3", capacity=18)
    Plant.objects.create(id=1, name="plant1", capacity=4)
    Plant.objects.create(id=2, name="plant2", capacity=12)

    from lumix import LXConstraint, LXLinearExpression, LXModel, LXOptimizer, LXVariable

    def solve(x, rows):
        x.bounds(lower=0).indexed_by(lambda p: p.pk).cost(lambda p: p.profit)
        rows.expression(LXLinearExpression().add_term(x, lambda p, r: getattr(p, r.name)))
        rows.le().rhs(lambda r: r.capacity).indexed_by(lambda r: r.name)
        model = LXModel().add_variable(x).add_constraint(rows).maximize()
        canon = model.to_canonical()
        return {"cols": list(canon.col_names), "rows": list(canon.row_names),
                "objective": LXOptimizer().solve(model).objective_value}

    out = {
        "manager": solve(LXVariable("production").from_model(Item.objects),
                         LXConstraint("capacity").from_model(Plant.objects)),
        "declared": solve(LXVariable[Item, float]("production").from_model(Item.objects),
                          LXConstraint[Plant]("capacity").from_model(Plant.objects)),
        "default_manager": solve(LXVariable("production").from_model(Item),
                                 LXConstraint("capacity").from_model(Plant)),
        "queryset": solve(LXVariable("production").from_model(Item.objects.filter(profit__gte=3)),
                          LXConstraint("capacity").from_model(Plant.objects.all())),
    }
    print(json.dumps(out))
    """
)


def test_django_managers_and_querysets_as_sources():
    pytest.importorskip("django")
    # a fresh interpreter: Django settings can be configured once per process
    done = subprocess.run(
        [sys.executable, "-c", DJANGO_SCRIPT], capture_output=True, text=True, timeout=120, cwd=str(_root())
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    for form in ("manager", "declared", "default_manager"):
        assert out[form]["cols"] == ["production[1]", "production[2]", "production[3]"], form
        assert out[form]["rows"] == ["capacity[plant1]", "capacity[plant2]", "capacity[plant3]"], form
        assert out[form]["objective"] == pytest.approx(WYNDOR_OPTIMUM), form
    # without frames (profit 1) the optimum is unchanged: 36
    assert out["queryset"]["cols"] == ["production[1]", "production[2]"]
    assert out["queryset"]["objective"] == pytest.approx(WYNDOR_OPTIMUM)


def _root():
    from pathlib import Path

    return Path(__file__).resolve().parents[2]
