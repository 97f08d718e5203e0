"""Fresh-process check: configure Django, unpickle a model, solve it, print one JSON line.

    python -m tests.django_app.unpickle_solve MODEL.pickle --sqlite PATH [--pg-url URL --pg-schema S]

Run from the repository root. The databases named are the ones the model was built from, after
the test deleted the SQLite file / dropped the PostgreSQL tables; every SQL statement is refused
(and reported), so a model that still needs its database fails here instead of solving. Also
reads the detached products' category (select_related / lazily loaded ForeignKey) and prints it.
Exit status 0 when the model solved, 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pickle
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("pickle_file")
    parser.add_argument("--sqlite", required=True)
    parser.add_argument("--pg-url")
    parser.add_argument("--pg-schema")
    args = parser.parse_args(argv)

    import django
    from django.conf import settings

    from tests.django_app import django_settings, postgres_database

    databases = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": args.sqlite}}
    if args.pg_url:
        databases["pg"] = postgres_database(args.pg_url, args.pg_schema)
    settings.configure(**django_settings(databases))
    django.setup()

    from django.db import connections

    attempted: list[str] = []

    def refuse(execute, sql, params, many, context):  # noqa: ANN001
        attempted.append(f"{context['connection'].alias}: {sql}")
        raise RuntimeError(f"the unpickled model ran a query: {sql}")

    report: dict = {}
    with contextlib.ExitStack() as stack:
        for connection in connections.all():
            stack.enter_context(connection.execute_wrapper(refuse))
        with open(args.pickle_file, "rb") as fh:
            model = pickle.load(fh)
        from tests.django_app.planning import solve

        try:
            report["status"], report["objective"] = solve(model)
            products = model.get_variable("production")._data
            report["categories"] = {p.name: p.category.name for p in products}
            report["db_aliases"] = sorted({p._state.db for p in products})
        except Exception as exc:  # reported, the test reads it
            report["error"] = f"{type(exc).__name__}: {exc}"
    report["queries"] = attempted
    report["sqlite_exists"] = os.path.exists(args.sqlite)
    print(json.dumps(report))
    return 0 if report.get("status") == "optimal" else 1


if __name__ == "__main__":
    sys.exit(main())
