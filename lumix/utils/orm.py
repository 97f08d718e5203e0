"""The ORM adapter: the only module that knows SQLAlchemy and Django internals.

Reading: ``read_all(model_type, session)`` loads every row of a mapped type in primary-key
order. Django is imported only when a Django object is met.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["is_session", "source_type", "read_all"]


def _django_query_types() -> tuple[type, ...]:
    if "django.db.models" not in sys.modules:
        return ()
    from django.db.models import Manager, QuerySet

    return (Manager, QuerySet)


def is_session(obj: Any) -> bool:
    """True for a SQLAlchemy ``Session`` / ``scoped_session`` or a Django manager/QuerySet."""
    from sqlalchemy.orm import Session, scoped_session

    return isinstance(obj, Session | scoped_session | _django_query_types())


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


def read_all(model_type: type, session: Any) -> list[Any]:
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

    mapper = sa_inspect(model_type, raiseerr=False)
    if mapper is None or not hasattr(mapper, "primary_key"):
        raise TypeError(f"{model_type!r} is not a SQLAlchemy mapped class or Django model")
    return list(session.scalars(select(model_type).order_by(*mapper.primary_key)).all())
