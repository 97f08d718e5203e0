"""A small Django app for the copy/pickle tests: categories, products, resources, usage.

Settings are configured by the tests (``tests/lumix/test_copy_django.py``) and by the fresh-process
driver (``unpickle_solve.py``) with ``configure()`` below; there are no migrations, tables are
created with ``connection.schema_editor()``.
"""

from __future__ import annotations

from typing import Any

APP = "tests.django_app"


def django_settings(databases: dict[str, Any], routers: list[Any] | None = None) -> dict[str, Any]:
    """The settings both the tests and the fresh-process driver give ``settings.configure``."""
    return {
        "DATABASES": databases,
        "DATABASE_ROUTERS": list(routers or []),
        "INSTALLED_APPS": [APP],
        "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
        "USE_TZ": True,
        "SECRET_KEY": "lumix-tests",
    }


def postgres_database(url: str, schema: str) -> dict[str, Any]:
    """A Django ``DATABASES`` entry for a ``postgresql://user:password@host:port/db`` URL whose
    tables live in ``schema`` (``search_path``)."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "OPTIONS": {"options": f"-c search_path={schema}"},
    }
