"""The ORM adapter: the only module that knows SQLAlchemy and Django internals.

Reading: ``read_all(model_type, session)`` loads every row of a mapped type in primary-key
order. Django is imported only when a Django object is met.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, Generic, Protocol, Self, TypeVar, runtime_checkable

__all__ = [
    "is_session",
    "source_type",
    "read_all",
    "LXORMContext",
    "LXTypedQuery",
    "LXORMModel",
    "LXNumeric",
]

TModel = TypeVar("TModel")


def _django_query_types() -> tuple[type[Any], ...]:
    if "django.db.models" not in sys.modules:
        return ()
    from django.db.models import Manager, QuerySet

    return (Manager, QuerySet)


def is_session(obj: Any) -> bool:
    """True for a SQLAlchemy ``Session`` / ``scoped_session`` or a Django manager/QuerySet."""
    from sqlalchemy.orm import Session, scoped_session

    return isinstance(obj, (Session, scoped_session, *_django_query_types()))


def source_type(source: Any) -> type | None:
    """The model class a Django manager / QuerySet reads, else ``None``."""
    django_types = _django_query_types()
    if django_types and isinstance(source, django_types):
        return source.model
    return None


def _is_django_model(model_type: type) -> bool:
    if "django.db.models" not in sys.modules:
        return False
    from django.db.models import Model

    return issubclass(model_type, Model)


def reads_without_session(model_type: type) -> bool:
    """True when ``model_type`` can be read with no session (a Django model)."""
    return _is_django_model(model_type)


def read_all(model_type: type[Any], session: Any) -> list[Any]:
    """Every instance of ``model_type`` in a deterministic order (primary key).

    ``session`` is a SQLAlchemy session, a Django manager/QuerySet, or ``None`` for a Django
    model (its default manager).
    """
    django_types = _django_query_types()
    if django_types and isinstance(session, django_types):
        query = session.all()
        return list(query if query.ordered else query.order_by("pk"))
    if session is None:
        if _is_django_model(model_type):
            return list(model_type._default_manager.order_by("pk"))
        raise ValueError(
            f"{model_type.__name__} is read with from_model() but no session was given; "
            "pass from_model(Type, session=session)"
        )
    from sqlalchemy import inspect as sa_inspect
    from sqlalchemy import select

    mapper: object = sa_inspect(model_type, raiseerr=False)  # a Mapper for a mapped class
    if mapper is None or not hasattr(mapper, "primary_key"):
        raise TypeError(f"{model_type!r} is not a SQLAlchemy mapped class or Django model")
    return list(session.scalars(select(model_type).order_by(*mapper.primary_key)).all())


# -- detection -------------------------------------------------------------------------------


_INSTANCE_STATE: list[type] = []  # sqlalchemy.orm.InstanceState, imported once (hot path)


def _sa_state(obj: Any) -> Any:
    """The SQLAlchemy ``InstanceState`` of a mapped instance, else ``None``."""
    state = getattr(obj, "_sa_instance_state", None)
    if state is None or isinstance(obj, type):
        return None
    if not _INSTANCE_STATE:
        from sqlalchemy.orm import InstanceState

        _INSTANCE_STATE.append(InstanceState)
    return state if isinstance(state, _INSTANCE_STATE[0]) else None


def _is_django_instance(obj: Any) -> bool:
    if "django.db.models" not in sys.modules or isinstance(obj, type):
        return False
    from django.db.models import Model

    return isinstance(obj, Model)


def is_model_class(obj: Any) -> bool:
    """True for a SQLAlchemy mapped class or a Django model class."""
    if not isinstance(obj, type):
        return False
    if "_sa_class_manager" in getattr(obj, "__dict__", {}):
        return True
    return _is_django_model(obj)


def is_orm_instance(obj: Any) -> bool:
    """True for an instance of a SQLAlchemy mapped class or a Django model."""
    return _sa_state(obj) is not None or _is_django_instance(obj)


_HANDLE_TYPES: dict[tuple[bool, bool], tuple[type, ...]] = {}


def _handle_types() -> tuple[type, ...]:
    """The database-handle types of the ORMs imported so far (cached per set of imports)."""
    have_async, have_django = "sqlalchemy.ext.asyncio" in sys.modules, "django.db" in sys.modules
    found = _HANDLE_TYPES.get((have_async, have_django))
    if found is None:
        from sqlalchemy.engine import Connection, Engine
        from sqlalchemy.orm import Session, scoped_session, sessionmaker

        found = (Session, scoped_session, sessionmaker, Engine, Connection)
        if have_async:
            from sqlalchemy.ext import asyncio as sa_asyncio

            found += (sa_asyncio.AsyncSession, sa_asyncio.AsyncEngine, sa_asyncio.AsyncConnection)
        if have_django:
            from django.db.backends.base.base import BaseDatabaseWrapper
            from django.db.models import Manager, QuerySet

            found += (Manager, QuerySet, BaseDatabaseWrapper)
        _HANDLE_TYPES[(have_async, have_django)] = found
    return found


def live_handle(obj: Any) -> str | None:
    """Describe ``obj`` if it is a database handle that must not be copied, else ``None``.

    Handles: SQLAlchemy ``Session``, ``scoped_session``, ``sessionmaker``, ``Engine``,
    ``Connection`` (sync and asyncio), and Django managers, QuerySets and connections.
    """
    if not isinstance(obj, _handle_types()):
        return None
    name = type(obj).__name__
    if any(c.__module__.startswith("django.") for c in type(obj).__mro__):  # custom managers too
        if vars(obj).get(_DJANGO_DETACHED):  # a detached instance's prefetched results
            return None
        model = getattr(obj, "model", None)
        of = f" of {model.__name__}" if model is not None else ""
        return f"a Django {name}{of} bound to a database connection"
    return f"a SQLAlchemy {name}"


def loaded_values(obj: Any) -> dict[str, Any]:
    """The values an ORM instance holds in memory (loaded columns, loaded relationships),
    without its ORM bookkeeping and without loading anything."""
    if _sa_state(obj) is not None:
        return {k: v for k, v in vars(obj).items() if not k.startswith("_sa_")}
    return {k: v for k, v in vars(obj).items() if k != "_state"}


def is_stale(obj: Any) -> bool:
    """True for a SQLAlchemy instance whose loaded values were expired (e.g. by a commit)."""
    state = _sa_state(obj)
    return state is not None and bool(state.expired_attributes)


def is_attached(obj: Any) -> bool:
    """True for a SQLAlchemy instance that belongs to a session."""
    state = _sa_state(obj)
    return state is not None and state.session_id is not None


# -- detaching -------------------------------------------------------------------------------

Detach = Callable[[Any], Any]  # detaches a related value (the caller's ``detach_value``)


class UnloadedAttribute:
    """Per-instance loader placed on a detached copy for an attribute that was never loaded.

    Reading it raises ``DetachedAttributeError`` with the fix; once the copy is attached to a
    session again (``session.add``), the attribute loads normally. Pickles by reference.
    """

    __slots__ = ("class_name", "key")

    def __init__(self, class_name: str, key: str) -> None:
        self.class_name = class_name
        self.key = key

    def __reduce__(self) -> tuple[Any, ...]:
        return (UnloadedAttribute, (self.class_name, self.key))

    def __call__(self, state: Any, passive: Any) -> Any:
        from sqlalchemy.orm.base import PASSIVE_NO_RESULT, SQL_OK

        if not passive & SQL_OK:
            return PASSIVE_NO_RESULT
        if state.session_id is not None:
            state.callables.pop(self.key, None)
            impl = state.manager[self.key].impl
            # A deferred column or a relationship has its own loader; an expired-attribute
            # load skips deferred columns (load_on_unexpire=False).
            if impl.accepts_scalar_loader and impl.callable_ is None:
                state._expire_attributes(state.dict, [self.key])
                return state._load_expired(state, passive)
            return impl.callable_(state, passive)
        from ..errors import DetachedAttributeError

        attr = f"{self.class_name}.{self.key}"
        raise DetachedAttributeError(
            f"{attr} was not loaded before the model was detached; load it with "
            f"selectinload({attr}) / joinedload({attr}) (or undefer it), or read it once "
            "before copying"
        )


def _load_expired_columns(obj: Any, state: Any) -> None:
    """Refresh expired columns of an object still in a session (one query), as a read would."""
    if state.session_id is None or not state.expired_attributes:
        return
    # Read a column that an unexpire loads (not a deferred one: its own loader would load it
    # alone and leave the others expired); that one read loads every expired column.
    manager = state.manager
    column_keys = {p.key for p in state.mapper.column_attrs}
    for key in sorted(state.expired_attributes & column_keys):
        if manager[key].impl.load_on_unexpire:
            getattr(obj, key)
            return


_SAKeys = tuple[tuple[str, ...], tuple[tuple[str, str], ...]]  # column keys, (relationship key, kind)
_SA_KEYS: dict[Any, tuple[Any, Any, _SAKeys]] = {}  # mapper -> its property collections and keys


@functools.cache
def _set_committed_value() -> Any:
    """SQLAlchemy's ``set_committed_value``, imported once (the detach loop is hot)."""
    from sqlalchemy.orm.attributes import set_committed_value

    return set_committed_value


def _sa_keys(mapper: Any) -> _SAKeys:
    """The column keys and the (relationship key, kind) pairs of ``mapper`` (kind ``"one"`` for
    a reference, ``"list"`` for a list collection, ``"other"`` for a set/dict collection),
    cached while its property collections are the same objects (SQLAlchemy replaces them when a
    property is added)."""
    columns, relationships = mapper.column_attrs, mapper.relationships
    cached = _SA_KEYS.get(mapper)
    if cached is None or cached[0] is not columns or cached[1] is not relationships:
        keys = (tuple(p.key for p in columns), tuple((r.key, _relationship_kind(r)) for r in relationships))
        cached = _SA_KEYS[mapper] = (columns, relationships, keys)
    return cached[2]


def _relationship_kind(rel: Any) -> str:
    if not rel.uselist:
        return "one"
    return "list" if rel.collection_class in (None, list) else "other"


_IMMUTABLE = (int, float, str, bytes, type(None))  # column values shared, not deep-copied
_UNLOADED: dict[tuple[str, str], UnloadedAttribute] = {}  # stateless, shared by all copies
_SCALAR_TYPES = frozenset({int, float, str, bytes, bool, type(None)})  # items of a list copied as is


def _copy_column_value(value: Any, memo: dict[Any, Any]) -> Any:
    """``copy.deepcopy(value, memo)``; a list of plain scalars (a JSON or ARRAY column) is
    copied as ``copy.deepcopy`` would, without a deepcopy call per item."""
    import copy

    if type(value) is list:
        done = memo.get(id(value))
        if done is not None:
            return done
        if all(type(v) in _SCALAR_TYPES for v in value):
            done = memo[id(value)] = value.copy()
            memo.setdefault(id(memo), []).append(value)  # keep alive, as copy.deepcopy does
            return done
    return copy.deepcopy(value, memo)


_NOT_CACHED = object()


def _cached_reference(state: Any, key: str) -> Any:
    """A many-to-one reference of an attached object that its session already holds (e.g.
    ``windows.category`` after ``category.products`` was loaded), read without a query."""
    if state.session_id is None:
        return _NOT_CACHED
    from sqlalchemy.orm.base import PASSIVE_NO_FETCH, PASSIVE_NO_RESULT

    prop = state.mapper.relationships[key]
    if prop.uselist:
        return _NOT_CACHED
    value = state.manager[key].impl.get(state, state.dict, passive=PASSIVE_NO_FETCH)
    return _NOT_CACHED if value is PASSIVE_NO_RESULT else value


def _detach_sqlalchemy(obj: Any, state: Any, memo: dict[Any, Any], detach: Detach) -> Any:
    _load_expired_columns(obj, state)
    mapper = state.mapper
    column_keys, relationship_keys = _sa_keys(mapper)
    new = mapper.class_manager.new_instance()
    memo[id(obj)] = new
    source, target = state.dict, new.__dict__
    unloaded: list[str] = []
    for key in column_keys:  # inline: this loop runs for every column of every object
        if key in source:
            value = source[key]
            target[key] = value if isinstance(value, _IMMUTABLE) else _copy_column_value(value, memo)
        else:
            unloaded.append(key)
    _copy_relationships(state, source, new, relationship_keys, memo, detach, unloaded)
    new_state = new._sa_instance_state
    new_state.key = state.key
    if unloaded:
        new_state.callables = _unloaded_loaders(mapper.class_.__name__, unloaded)
    return new


def _copy_relationships(
    state: Any,
    source: dict[str, Any],
    new: Any,
    keys: tuple[tuple[str, str], ...],
    memo: dict[Any, Any],
    detach: Detach,
    unloaded: list[str],
) -> None:
    """Set the relationships loaded in ``source`` (``state``'s dict) or cached in its session
    on ``new``, the related objects detached; the keys neither loaded nor cached go to
    ``unloaded``."""
    set_committed_value = _set_committed_value()
    target = new.__dict__
    for key, kind in keys:
        if key in source:
            value = source[key]
        elif (value := _cached_reference(state, key)) is _NOT_CACHED:
            unloaded.append(key)
            continue
        if kind == "one":  # a reference: the fresh copy has no history to commit
            target[key] = None if value is None else _related(value, memo, detach)
        elif kind == "list":
            set_committed_value(new, key, [_related(v, memo, detach) for v in value])
        else:
            set_committed_value(new, key, detach(value))


def _related(value: Any, memo: dict[Any, Any], detach: Detach) -> Any:
    """One related object: the memo's copy, a detached mapped instance, or ``detach``."""
    done = memo.get(id(value))
    if done is not None:
        return done
    other = getattr(value, "_sa_instance_state", None)
    if other is not None and other.obj() is value:
        return _detach_sqlalchemy(value, other, memo, detach)
    return detach(value)


def _unloaded_loaders(class_name: str, keys: list[str]) -> dict[str, UnloadedAttribute]:
    """The shared ``UnloadedAttribute`` of each of ``keys`` of ``class_name``."""
    loaders: dict[str, UnloadedAttribute] = {}
    for key in keys:
        loader = _UNLOADED.get((class_name, key))
        if loader is None:
            loader = _UNLOADED[(class_name, key)] = UnloadedAttribute(class_name, key)
        loaders[key] = loader
    return loaders


def _detach_django(obj: Any, memo: dict[Any, Any], detach: Detach) -> Any:
    import copy

    new = copy.copy(obj)  # Django copies _state and its fields cache
    memo[id(obj)] = new
    new._state.fields_cache = {k: detach(v) for k, v in obj._state.fields_cache.items()}
    prefetched = obj.__dict__.get("_prefetched_objects_cache")
    if prefetched is not None:  # even an empty cache must not be shared with the original
        new._prefetched_objects_cache = {
            name: _detach_django_results(queryset, detach) for name, queryset in prefetched.items()
        }
    return new


_DJANGO_DETACHED = "_lumix_detached"  # marks a QuerySet copy that only answers from its results


def _detach_django_results(queryset: Any, detach: Detach) -> Any:
    """A copy of a prefetched QuerySet whose results, hints and known related objects are the
    detached copies (none refers back to the original instances); marked so that
    ``live_handle`` lets it through: it answers ``.all()`` from its results, never a query."""
    import copy

    clone = copy.copy(queryset)
    clone._result_cache = [detach(item) for item in queryset]
    clone._prefetch_done = True
    clone._hints = {k: detach(v) for k, v in queryset._hints.items()}
    clone._known_related_objects = {
        field: {pk: detach(o) for pk, o in objs.items()}
        for field, objs in queryset._known_related_objects.items()
    }
    if queryset._deferred_filter:
        negate, args, kwargs = queryset._deferred_filter
        clone._deferred_filter = (negate, detach(args), detach(kwargs))
    setattr(clone, _DJANGO_DETACHED, True)
    return clone


def detach_instance(obj: Any, memo: dict[Any, Any], detach: Detach) -> Any:
    """A detached copy of one ORM instance; ``detach(value)`` detaches related values.

    SQLAlchemy: a real mapped instance in the detached state with the same identity key,
    the loaded column values and the loaded relationships (detached through ``detach``);
    attributes never loaded raise ``DetachedAttributeError`` when read. Django: a copy with
    its own ``_state``, cached related objects and prefetched results. The original and its
    session are not touched.
    """
    state = _sa_state(obj)
    if state is not None:
        return _detach_sqlalchemy(obj, state, memo, detach)
    if _is_django_instance(obj):
        return _detach_django(obj, memo, detach)
    return obj


# -- worker processes ------------------------------------------------------------------------

_PLAIN = (str, int, float, bool, type(None), list, tuple, dict)


def django_bootstrap() -> dict[str, Any] | None:
    """What a fresh process needs to set Django up as this one is, or ``None`` without Django.

    Either the settings module (``DJANGO_SETTINGS_MODULE``) or, for settings made with
    ``settings.configure()``, the plain-valued upper-case settings.
    """
    if "django.conf" not in sys.modules:
        return None
    from django.conf import settings

    if not settings.configured:
        return None
    import os

    module = os.environ.get("DJANGO_SETTINGS_MODULE")
    if module:
        return {"module": module}
    values = {k: getattr(settings, k) for k in dir(settings) if k.isupper()}
    return {"settings": {k: v for k, v in values.items() if isinstance(v, _PLAIN)}}


def setup_django(bootstrap: dict[str, Any]) -> None:
    """Set Django up in a worker from ``django_bootstrap()``'s answer (once per process)."""
    import django
    from django.conf import settings

    if not settings.configured:
        if "module" in bootstrap:
            import os

            os.environ.setdefault("DJANGO_SETTINGS_MODULE", bootstrap["module"])
        else:
            settings.configure(**bootstrap["settings"])
    from django.apps import apps

    if not apps.ready:
        django.setup()


# -- LumiX's typed query helpers -----------------------------------------------------------------


@runtime_checkable
class LXORMModel(Protocol):
    """What a data class needs to be used as LumiX data: an ``id`` (ORM classes and plain
    dataclasses alike)."""

    id: Any


@runtime_checkable
class LXNumeric(Protocol):
    """A number-like value: what coefficients, bounds and right-hand sides return."""

    def __add__(self, other: int | float) -> int | float: ...

    def __mul__(self, other: int | float) -> int | float: ...

    def __float__(self) -> float: ...


class LXORMContext(Generic[TModel]):
    """A session wrapper whose ``query(Model)`` gives an ``LXTypedQuery`` (SQLAlchemy session,
    or a Django manager / ``None`` for a Django model)."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def query(self, model: type[TModel]) -> LXTypedQuery[TModel]:
        return LXTypedQuery(self.session, model)


class LXTypedQuery(Generic[TModel]):
    """Every ``model`` row (``read_all``: primary-key order) kept by the ``filter``
    predicates, which run in Python in the order they were added."""

    def __init__(self, session: Any, model: type[TModel]) -> None:
        self.session = session
        self.model = model
        self._filters: list[Callable[[TModel], bool]] = []

    def filter(self, predicate: Callable[[TModel], bool]) -> Self:
        self._filters.append(predicate)
        return self

    def all(self) -> list[TModel]:
        rows = read_all(self.model, self.session)
        for predicate in self._filters:
            rows = [r for r in rows if predicate(r)]
        return rows

    def first(self) -> TModel | None:
        """The first matching row, or ``None``."""
        rows = self.all()
        return rows[0] if rows else None
