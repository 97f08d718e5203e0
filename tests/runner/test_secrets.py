"""No passwords printed (issue 9, item 12): store and output URLs are shown with the password
masked (``postgresql://user:***@host/db``) in the command line's output, error lines and
tracebacks, and in the runner's errors; a callable that captures a URL with a password warns
when it is pickled for the workers. The PostgreSQL cases need ``LUMIX_TEST_POSTGRES_URL``."""

from __future__ import annotations

import traceback
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from lumix import LXScenario
from lumix.utils.pickling import dumps
from runner import JournalError, run_scenarios
from runner.journal import Journal
from runner.urls import has_password, mask_secrets, mask_url

from . import test_cli
from .test_cli import SMALL_GRID, cli, write_spec

in_process = test_cli.in_process  # the fixture: runner.cli.main in this process

SECRET = "s3cret" + "pw"  # (not one literal: a traceback showing this line must not count)
UNREACHABLE = f"postgresql+psycopg://postgres:{SECRET}@127.0.0.1:1/test"


# -- the helper ---------------------------------------------------------------------------------

MASKED = [
    (
        f"postgresql://postgres:{SECRET}@db.example:5432/test",
        "postgresql://postgres:***@db.example:5432/test",
    ),
    (
        f"postgresql+psycopg://u:{SECRET}@h/db?sslmode=require",
        "postgresql+psycopg://u:***@h/db?sslmode=require",
    ),
    (f"mysql+pymysql://root:{SECRET}@localhost/x", "mysql+pymysql://root:***@localhost/x"),
    ("postgresql://postgres@127.0.0.1:5432/test", "postgresql://postgres@127.0.0.1:5432/test"),
    ("sqlite:////tmp/sweep.sqlite", "sqlite:////tmp/sweep.sqlite"),
    ("results/sweep.journal.sqlite", "results/sweep.journal.sqlite"),
    ("me@example.com", "me@example.com"),
    (f"not a url ://x:{SECRET}@", f"not a url ://x:{SECRET}@"),
]


@pytest.mark.parametrize(("url", "shown"), MASKED)
def test_mask_url_hides_the_password_and_leaves_other_text(url: str, shown: str) -> None:
    assert mask_url(url) == shown


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        (f"cannot reach postgresql://u:{SECRET}@h/db now", "cannot reach postgresql://u:***@h/db now"),
        (f"a redis://:{SECRET}@cache:6379/0 b", "a redis://:***@cache:6379/0 b"),
        ("no url here", "no url here"),
    ],
)
def test_mask_secrets_masks_urls_inside_a_text(text: str, shown: str) -> None:
    assert mask_secrets(text) == shown
    assert has_password(text) is (text != shown)


# -- the runner's errors and the command line ------------------------------------------------------


def test_a_journal_error_does_not_show_the_password() -> None:
    with pytest.raises(JournalError) as info:
        Journal(UNREACHABLE)
    shown = "".join(traceback.format_exception(info.value))
    assert SECRET not in shown and "postgres:***@127.0.0.1:1/test" in str(info.value)


@pytest.mark.parametrize("flag", ["--store", "--output"])
def test_error_lines_mask_the_password(
    flag: str, in_process, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    spec = write_spec(tmp_path, SMALL_GRID)
    argv = ["run", spec.name, "--backend", "sequential", "--no-progress", flag, UNREACHABLE]
    assert in_process(argv) == 2
    out, err = capsys.readouterr()
    assert SECRET not in out + err
    assert err.startswith("error: journal postgresql+psycopg://postgres:***@127.0.0.1:1/test: ")
    assert "; fix: " in err and err.count("\n") == 1, err


def test_a_traceback_does_not_show_the_password(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, SMALL_GRID)
    proc = cli("run", str(spec), "--backend", "sequential", "--store", UNREACHABLE, "--traceback")
    assert proc.returncode != 0 and "Traceback" in proc.stderr and "JournalError" in proc.stderr
    assert SECRET not in proc.stdout + proc.stderr
    assert "postgres:***@" in proc.stderr


@pytest.mark.parametrize(
    "source", [UNREACHABLE, f"nosuchdialect://u:{SECRET}@h/db", f"postgresql+nodriver://u:{SECRET}@h/db"]
)
def test_report_errors_mask_the_password(source: str, in_process, capsys: pytest.CaptureFixture) -> None:
    assert in_process(["report", source, "--no-plots"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and ":***@" in err and SECRET not in err, err


# -- callables that capture a password -------------------------------------------------------------

GLOBAL_URL = f"postgresql://postgres:{SECRET}@db/prod"
GLOBAL_PLAIN = "postgresql://postgres@db/prod"


def _closure(url: str):
    def scenario(model):
        return url

    return scenario


def _in_a_list(url: str):
    urls = [url]

    def scenario(model):
        return urls

    return scenario


def _default(model, url=GLOBAL_URL):
    return url


def _keyword(model, *, url=GLOBAL_URL):
    return url


CAPTURING = {
    "closure": (_closure(GLOBAL_URL), "url"),
    "a list in a closure": (_in_a_list(GLOBAL_URL), "urls"),
    "default": (lambda model, u=GLOBAL_URL: u, "default #0"),
    "keyword default": (lambda model, *, u=GLOBAL_URL: u, "u"),
    "module global": (lambda model: GLOBAL_URL, "GLOBAL_URL"),
}


@pytest.mark.parametrize("case", list(CAPTURING))
def test_pickling_a_callable_that_captures_a_password_warns(case: str) -> None:
    func, name = CAPTURING[case]
    with pytest.warns(UserWarning, match="a URL with a password") as record:
        dumps(func)
    message = str(record[0].message)
    assert func.__qualname__ in message and repr(name) in message, message
    assert SECRET not in message


@pytest.mark.parametrize(
    "func",
    [
        _closure(GLOBAL_PLAIN),  # no password (libpq: $PGPASSWORD, ~/.pgpass)
        _closure("write to me@example.com"),
        lambda model: GLOBAL_PLAIN,
        _default,  # a module-level function travels by reference, not with its defaults
    ],
)
def test_pickling_without_a_password_does_not_warn(func) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dumps(func)


def test_run_scenarios_warns_of_a_scenario_that_captures_a_password(tiny_model) -> None:
    url = f"postgresql://postgres:{SECRET}@db/prod"

    def from_the_database(model):
        assert url  # (a real one would read data with it)

    with pytest.warns(UserWarning, match="from_the_database captures 'url'") as record:
        results = run_scenarios(tiny_model, {"db": from_the_database}, backend="sequential")
    assert results["db"].status == "optimal"
    assert all(SECRET not in str(w.message) for w in record)


# -- PostgreSQL ---------------------------------------------------------------------------------


@pytest.fixture
def pg_schema_url(postgres_url: str) -> Iterator[sa.URL]:
    """The test database's URL with a schema of its own as search path (dropped afterwards)."""
    schema = f"lumix_secrets_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield sa.make_url(postgres_url).update_query_dict({"options": f"-csearch_path={schema}"})
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def test_a_url_without_a_password_opens_the_journal(pg_schema_url: sa.URL, tiny_model, monkeypatch) -> None:
    monkeypatch.delenv("PGPASSWORD", raising=False)
    url = pg_schema_url.set(password=None).render_as_string(hide_password=False)
    assert ":@" not in url and "***" not in url
    scenario = LXScenario("half").modify_constraint_rhs("capacity", multiply=0.5)
    results = run_scenarios(tiny_model, [scenario], store=url, backend="sequential")
    assert results["half"].status == "optimal"
    again = run_scenarios(tiny_model, [scenario], store=url, backend="sequential")
    assert again.resumed == 2  # the baseline and the scenario, from the journal


def test_the_command_line_masks_a_postgres_output_everywhere(
    pg_schema_url: sa.URL, in_process, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    # The local server trusts: the password is accepted and unused.
    url = pg_schema_url.set(password=SECRET).render_as_string(hide_password=False)
    spec = write_spec(tmp_path, SMALL_GRID)
    argv = ["run", spec.name, "--backend", "sequential", "--no-progress", "--output", url]
    assert in_process(argv) == 0
    assert in_process([*argv, "--resume"]) == 0
    assert in_process(["report", url, "--no-plots"]) == 0
    out, err = capsys.readouterr()
    assert SECRET not in out + err
    masked = pg_schema_url.set(password=SECRET).render_as_string(hide_password=True)
    assert f"Results: {masked} (table sweep_results)" in out and f"journal: {masked}" in out
    assert f"resuming from {masked}" in out and f"Results {masked}: 3 scenarios" in out
