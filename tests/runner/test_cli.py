"""``python -m runner``: run, resume, report and spec errors, end to end in subprocesses.

The model of these tests (``tiny_plan.py``, written next to each spec) is the tiny instance
of ``conftest.py``::

    maximize 3 s x0 + 2 s x1           (s: the "price" data parameter, 1 in the model)
    capacity[assembly]:  x0 +   x1 <= 12 m
    capacity[paint]:   2 x0 +   x1 <= 30
    0 <= x0, x1 <= 10

With the assembly hours A = 12 m: x0 is the better product per hour (3 > 2), so it takes the
first 10 hours, x1 the rest up to its bound; paint (2 x0 + x1 = 10 + A) stays below 30 for
A <= 20. The optimum is ``s * f(A)`` with ``f(A) = 3 A`` for ``A <= 10`` and
``30 + 2 (A - 10)`` for ``10 <= A <= 20``: 34 at the baseline (A = 12, s = 1), 18 for A = 6,
50 for A = 25 (both at their bound; paint 30 <= 30), and infeasible for A = -1.
"""

from __future__ import annotations

import importlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from .conftest import Child, journal_count, wait_for

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120

TINY_PLAN = """
from dataclasses import dataclass, field

from lumix import LXConstraint, LXLinearExpression, LXModel, LXVariable


@dataclass
class Product:
    id: int
    profit: float
    usage: dict = field(default_factory=dict)


@dataclass
class Resource:
    name: str
    capacity: float


def build(max_units=10.0, *, session=None):
    products = [
        Product(0, 3.0, {"assembly": 1.0, "paint": 2.0}),
        Product(1, 2.0, {"assembly": 1.0, "paint": 1.0}),
    ]
    resources = [Resource("assembly", 12.0), Resource("paint", 30.0)]
    production = (
        LXVariable[Product, float]("production").continuous().bounds(lower=0, upper=max_units)
        .indexed_by(lambda p: p.id).cost(lambda p: p.profit if session is None or session else 0)
        .from_data(products)
    )
    capacity = (
        LXConstraint[Resource]("capacity")
        .expression(LXLinearExpression().add_term(production, coeff=lambda p, r: p.usage[r.name]))
        .le().rhs(lambda r: r.capacity).from_data(resources).indexed_by(lambda r: r.name)
    )
    return LXModel("tiny").add_variable(production).add_constraint(capacity).maximize()


def scale_prices(model, factor):
    for product in model.get_variable("production").get_instances():
        product.profit *= factor


def not_a_model(**kwargs):
    return 42


def leaky(**kwargs):
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    return build(session=Session(create_engine("sqlite://")))


def broken(**kwargs):
    raise RuntimeError("the database is down")
"""

LHS_SPEC = """
[model]
factory = "tiny_plan:build"
args = {{ max_units = 10.0 }}

[run]
n_jobs = 2
seed = 11
{run_extra}

[sweep]
kind = "latin_hypercube"
n = {n}

[[sweep.parameters]]
name = "assembly"
target = "capacity[assembly]"
on = "rhs"
how = "multiply"
low = 0.5
high = 1.5

[[sweep.parameters]]
name = "price"
on = "data"
apply = "tiny_plan:scale_prices"
low = 0.8
high = 1.2
"""


def f(hours: float) -> float:
    return 3 * hours if hours <= 10 else 30 + 2 * (hours - 10)


def write_spec(folder: Path, text: str, name: str = "sweep.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tiny_plan.py").write_text(TINY_PLAN)
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def cli(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = dict(os.environ)
    full_env.pop("LUMIX_SWEEP_N", None)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "runner", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def journal_rows(path: Path, status: str = "%") -> int:
    """Rows of the journal at ``path`` (after its run: merged into the results table) whose
    status is LIKE ``status``."""
    with sqlite3.connect(path) as db:
        query = "SELECT COUNT(*) FROM lumix_scenario_results WHERE status LIKE ?"
        return db.execute(query, (status,)).fetchone()[0]


# -- run, resume, report --------------------------------------------------------------------------


N = 12


@pytest.fixture(scope="module")
def lhs_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("lhs")
    spec = write_spec(folder, LHS_SPEC.format(n=N, run_extra=""))
    output = folder / "out" / "sweep.parquet"
    proc = cli("run", str(spec), "--output", str(output), "--no-progress")
    return {"folder": folder, "spec": spec, "output": output, "proc": proc}


def test_run_writes_parquet_with_one_row_per_scenario_and_parameter_columns(lhs_run: dict) -> None:
    proc = lhs_run["proc"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    df = pd.read_parquet(lhs_run["output"])
    assert len(df) == N + 1
    assert df["name"].iloc[0] == "baseline"
    assert {"name", "status", "objective_value", "assembly", "price"} <= set(df.columns)
    assert (df["status"] == "optimal").all()
    assert df["objective_value"].iloc[0] == pytest.approx(34.0)
    sample = df.iloc[1:]
    assert sample["assembly"].between(0.5, 1.5).all() and sample["price"].between(0.8, 1.2).all()
    # Every scenario's objective is price * f(12 * assembly) (module docstring).
    for row in sample.itertuples():
        assert row.objective_value == pytest.approx(row.price * f(12 * row.assembly), rel=1e-7)
    # The summary table.
    assert "optimal" in proc.stdout and f"{N + 1}" in proc.stdout
    assert "Baseline objective: 34" in proc.stdout
    assert "Best (max): lhs-" in proc.stdout
    assert "p50" in proc.stdout and "Objective percentiles" in proc.stdout
    assert "Traceback" not in proc.stderr


def test_resume_does_not_recompute(lhs_run: dict) -> None:
    assert lhs_run["proc"].returncode == 0
    journal = lhs_run["output"].with_name("sweep.journal.sqlite")
    assert journal_rows(journal) == N + 1
    first = pd.read_parquet(lhs_run["output"])
    proc = cli("run", str(lhs_run["spec"]), "--output", str(lhs_run["output"]), "--resume", "--no-progress")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "resuming from" in proc.stdout
    assert "0 solved here" in proc.stdout and f"{N + 1} taken from the journal" in proc.stdout
    assert journal_rows(journal) == N + 1
    again = pd.read_parquet(lhs_run["output"])
    pd.testing.assert_series_equal(first["objective_value"], again["objective_value"])
    assert first["name"].tolist() == again["name"].tolist()


def test_report_prints_the_summary_and_writes_plots(lhs_run: dict, tmp_path: Path) -> None:
    assert lhs_run["proc"].returncode == 0
    plots = tmp_path / "plots"
    proc = cli("report", str(lhs_run["output"]), "--plots", str(plots))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "latin_hypercube" in proc.stdout and "assembly, price" in proc.stdout
    assert "Baseline objective: 34" in proc.stdout and "p95" in proc.stdout
    png = plots / "distribution.png"
    assert png.is_file() and png.stat().st_size > 1000
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (plots / "tornado.png").exists()  # not a one-at-a-time sweep
    # A sampled sweep gets the rank correlation of each parameter with the objective.
    assert "Sensitivity (rank correlation" in proc.stdout
    # The objective, price * f(12 * assembly), rises with both parameters, most with assembly.
    correlations = dict(re.findall(r"^  (assembly|price) +([-+][\d.]+)$", proc.stdout, re.MULTILINE))
    assert float(correlations["assembly"]) > float(correlations["price"]) > 0
    assert (plots / "sensitivity.png").stat().st_size > 1000


def test_ctrl_c_writes_the_partial_results_and_the_journal_keeps_them(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, LHS_SPEC.format(n=20000, run_extra=""))
    output = tmp_path / "big.parquet"
    journal = tmp_path / "big.journal.sqlite"
    env = dict(os.environ)
    env.pop("LUMIX_SWEEP_N", None)
    child = Child(
        [sys.executable, "-m", "runner", "run", str(spec), "--output", str(output), "--no-progress"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        # Rows committed: the sweep runs (its Ctrl-C handling installed), far from its end.
        wait_for(lambda: journal_count(journal), f"the first results committed to {journal}", child=child)
        child.proc.send_signal(signal.SIGINT)
        returncode, out, err = child.finish(TIMEOUT)
    finally:
        child.stop()
    assert returncode == 130, out + err
    assert "interrupted" in err and "--resume" in err and "Traceback" not in err
    df = pd.read_parquet(output)
    # the scenarios read from the lazy sweep so far: finished, or cancelled while in flight
    finished = int((df["status"] != "cancelled").sum())
    assert 0 < finished < len(df) < 20001
    assert df["name"].iloc[0] == "baseline" and df["name"].is_unique
    # Every finished scenario is journaled, except (rarely) the one batch whose commit the
    # signal may interrupt; those in flight are journaled as cancelled (solved again on resume).
    assert finished - 256 <= journal_rows(journal) - journal_rows(journal, "cancelled") <= finished
    assert journal_rows(journal) == len(df)
    assert f"{finished} solved here" in out


OAT_SPEC = """
[model]
factory = "tiny_plan:build"

[sweep]
kind = "one_at_a_time"

[[sweep.parameters]]
name = "assembly"
target = "capacity[assembly]"
base = 1.0
values = [0.5, 1.5]

[[sweep.parameters]]
name = "paint"
target = "capacity[paint]"
base = 1.0
low = 0.5
high = 1.5
points = 3
"""


def test_one_at_a_time_to_csv_and_a_tornado(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, OAT_SPEC)
    output = tmp_path / "oat.csv"
    proc = cli("run", str(spec), "--output", str(output), "--backend", "sequential", "--no-progress")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    df = pd.read_csv(output)
    # baseline, oat-base, 2 assembly values, 3 paint values
    assert len(df) == 1 + 1 + 2 + 3
    assert df.loc[df["name"] == "oat-base", "objective_value"].item() == pytest.approx(34.0)
    assert df.loc[df["assembly"] == 0.5, "objective_value"].tolist() == [pytest.approx(18.0)]
    proc = cli("report", str(output), "--plots", str(tmp_path / "plots"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "one_at_a_time" in proc.stdout
    assert (tmp_path / "plots" / "tornado.png").stat().st_size > 1000
    assert not (tmp_path / "plots" / "distribution.png").exists()  # the plot follows the sweep's kind


GRID_SPEC = """
[model]
factory = "tiny_plan:build"

[run]
keep = "summary"

[sweep]
kind = "grid"

[[sweep.parameters]]
name = "assembly_hours"
target = "capacity[assembly]"
how = "set"
values = [-1, 6, 12, 25]
"""


def test_grid_to_a_sqlite_store_and_a_response_curve(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, GRID_SPEC)
    store = tmp_path / "results.sqlite"
    proc = cli("run", str(spec), "--output", str(store), "--backend", "sequential", "--no-progress")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "infeasible" in proc.stdout
    with sqlite3.connect(store) as db:
        rows = dict(
            db.execute("SELECT assembly_hours, objective_value FROM sweep_results WHERE name != 'baseline'")
        )
    assert (
        rows[6] == pytest.approx(18.0) and rows[12] == pytest.approx(34.0) and rows[25] == pytest.approx(50.0)
    )
    assert rows[-1] is None  # infeasible: no objective
    assert journal_rows(store) == 5  # the store is also the journal
    proc = cli("report", str(store), "--plots", str(tmp_path / "plots"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "grid" in proc.stdout and "infeasible" in proc.stdout
    assert (tmp_path / "plots" / "response_assembly_hours.png").stat().st_size > 1000


def test_dask_scheduler_runs_the_sweep(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    spec = write_spec(tmp_path, LHS_SPEC.format(n=6, run_extra=""))
    output = tmp_path / "dask.parquet"
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, protocol="tcp", dashboard_address=":0"
    )
    with cluster:
        proc = cli(
            "run", str(spec), "--backend", "dask", "--scheduler", cluster.scheduler_address,
            "--output", str(output), "--no-progress",
        )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "backend dask" in proc.stdout
    df = pd.read_parquet(output)
    assert len(df) == 7 and (df["status"] == "optimal").all()
    for row in df.iloc[1:].itertuples():
        assert row.objective_value == pytest.approx(row.price * f(12 * row.assembly), rel=1e-7)


# -- spec errors -----------------------------------------------------------------------------------

GOOD = LHS_SPEC.format(n=4, run_extra="")

# name -> (the spec text, the key the message names, words of the problem or fix).
# Each runs in a fresh interpreter, as users run it.
ERRORS: dict[str, tuple[str, str, str]] = {
    "toml syntax": (GOOD.replace("[sweep]", "[sweep"), "(toml)", "line"),
    "missing factory": (GOOD.replace('factory = "tiny_plan:build"', ""), "[model].factory", "add factory"),
    "factory not importable": (
        GOOD.replace("tiny_plan:build", "no_such_module:build"),
        "[model].factory",
        "cannot import module 'no_such_module'",
    ),
    "factory returns no model": (
        GOOD.replace("tiny_plan:build", "tiny_plan:not_a_model"),
        "[model].factory",
        "returned int, not an LXModel",
    ),
    "unknown kind": (
        GOOD.replace('"latin_hypercube"', '"latin_hypercub"'),
        "[sweep].kind",
        "did you mean 'latin_hypercube'",
    ),
    "bad range": (GOOD.replace("high = 1.2", "high = 0.5"), "[sweep.parameters][1].high", "low <= high"),
    "unknown constraint": (
        GOOD.replace("capacity[assembly]", "capacty[assembly]"),
        "[sweep.parameters][0].target",
        "the model has no constraint 'capacty[assembly]'",
    ),
    "unknown variable": (
        GOOD.replace('target = "capacity[assembly]"\non = "rhs"', 'target = "prodution"\non = "objective"'),
        "[sweep.parameters][0].target",
        "did you mean 'production'",
    ),
}

# More cases, checked in this process through runner.cli.main (same output, no interpreter start).
MORE_ERRORS: dict[str, tuple[str, str, str]] = {
    "factory misspelled": (
        GOOD.replace("tiny_plan:build", "tiny_plan:biuld"),
        "[model].factory",
        "did you mean tiny_plan:build",
    ),
    "factory raises": (
        GOOD.replace("tiny_plan:build", "tiny_plan:broken"),
        "[model].factory",
        "RuntimeError: the database is down",
    ),
    "model captures a session": (
        GOOD.replace("tiny_plan:build", "tiny_plan:leaky"),
        "[model].factory",
        "the model cannot be copied",
    ),
    "bad factory args": (GOOD.replace("max_units = 10.0", "units = 3"), "[model.args]", "unexpected keyword"),
    "unknown apply": (
        GOOD.replace("tiny_plan:scale_prices", "tiny_plan:scale_price"),
        "[sweep.parameters][1].apply",
        "did you mean tiny_plan:scale_prices",
    ),
    "typo in a key": (
        GOOD.replace("low = 0.5", "lwo = 0.5"),
        "[sweep.parameters][0].lwo",
        "did you mean 'low'",
    ),
    "missing n": (GOOD.replace("n = 4", ""), "[sweep].n", "add n ="),
    "n is not a number": (GOOD.replace("n = 4", 'n = "four"'), "[sweep].n", "expected an integer"),
    "unknown backend": (GOOD.replace("n_jobs = 2", 'backend = "mpi"'), "[run].backend", "use one of loky"),
    "values in a latin hypercube": (
        GOOD.replace("low = 0.8", "values = [1.0]\nlow = 0.8"),
        "[sweep.parameters][1].values",
        "not used by kind = 'latin_hypercube'",
    ),
    "coefficient without variable": (
        GOOD.replace('on = "rhs"', 'on = "coefficient"'),
        "[sweep.parameters][0].variable",
        "variable = 'production'",
    ),
    "unknown coefficient variable": (
        GOOD.replace('on = "rhs"', 'on = "coefficient"\nvariable = "produce"'),
        "[sweep.parameters][0].variable",
        "the model has no variable 'produce'",
    ),
    "no parameters": (GOOD.split("[[sweep.parameters]]")[0], "[sweep.parameters]", "add at least one"),
    "normal with std 0": (
        GOOD.replace('"latin_hypercube"', '"monte_carlo"')
        .replace("low = 0.5\nhigh = 1.5", 'distribution = "normal"\nmean = 1.0\nstd = 0')
        .replace("low = 0.8\nhigh = 1.2", 'distribution = "uniform"\nlow = 0.8\nhigh = 1.2'),
        "[sweep.parameters][0].std",
        "use std > 0",
    ),
    "unknown distribution": (
        GOOD.replace('"latin_hypercube"', '"monte_carlo"').replace(
            "low = 0.5\nhigh = 1.5", 'distribution = "gaussian"\nmean = 1.0\nstd = 0.1'
        ),
        "[sweep.parameters][0].distribution",
        "use one of normal",
    ),
    "grid with n": (
        GOOD.replace('"latin_hypercube"', '"grid"'),
        "[sweep].n",
        "does not take n",
    ),
}


@pytest.fixture(scope="module")
def error_runs(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, tuple[Path, subprocess.CompletedProcess]]:
    """Every subprocess error case, run concurrently (each stops before any worker starts)."""
    folder = tmp_path_factory.mktemp("errors")
    specs = {
        name: write_spec(folder, text, f"{name.replace(' ', '_')}.toml")
        for name, (text, _, _) in ERRORS.items()
    }
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = {
            name: pool.submit(cli, "run", spec.name, "--no-progress", cwd=folder)
            for name, spec in specs.items()
        }
        return {name: (specs[name], run.result()) for name, run in runs.items()}


def assert_one_line_error(stderr: str, spec_name: str, key: str, words: str) -> None:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"error: {spec_name}: {key}: "), lines[0]
    assert "; fix: " in lines[0]
    assert words in lines[0]


@pytest.mark.parametrize("case", list(ERRORS))
def test_spec_errors_name_the_file_the_key_and_the_fix(case: str, error_runs: dict) -> None:
    spec, proc = error_runs[case]
    _, key, words = ERRORS[case]
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert_one_line_error(proc.stderr, spec.name, key, words)
    assert proc.stdout == ""  # nothing ran: no worker started, no summary


@pytest.fixture
def in_process(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """``runner.cli.main`` in this process, in ``tmp_path``, undoing its sys.path changes."""
    from runner.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setenv("PYTHONPATH", os.environ.get("PYTHONPATH", ""))
    monkeypatch.delenv("LUMIX_SWEEP_N", raising=False)
    monkeypatch.delitem(sys.modules, "tiny_plan", raising=False)
    yield main
    sys.modules.pop("tiny_plan", None)


@pytest.mark.parametrize("case", list(MORE_ERRORS))
def test_more_spec_errors(case: str, in_process, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    text, key, words = MORE_ERRORS[case]
    spec = write_spec(tmp_path, text)
    assert in_process(["run", spec.name, "--no-progress"]) == 2
    out, err = capsys.readouterr()
    assert_one_line_error(err, spec.name, key, words)
    assert out == ""


def test_the_n_environment_variable_must_be_a_count(
    in_process, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    spec = write_spec(tmp_path, GOOD)
    monkeypatch.setenv("LUMIX_SWEEP_N", "many")
    assert in_process(["run", spec.name]) == 2
    assert_one_line_error(capsys.readouterr().err, spec.name, "$LUMIX_SWEEP_N", "positive integer")


def test_a_bad_output_suffix_is_reported_before_running(
    in_process, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    spec = write_spec(tmp_path, GOOD)
    assert in_process(["run", spec.name, "--output", "out.xlsx"]) == 2
    assert_one_line_error(capsys.readouterr().err, spec.name, "--output", "cannot tell the format")


def test_a_missing_spec_file(in_process, capsys: pytest.CaptureFixture) -> None:
    assert in_process(["run", "nothing.toml"]) == 2
    assert_one_line_error(capsys.readouterr().err, "nothing.toml", "(file)", "cannot read the spec")


def test_report_of_a_missing_file(in_process, capsys: pytest.CaptureFixture) -> None:
    assert in_process(["report", "nothing.parquet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: nothing.parquet: no such results file; fix: ") and "Traceback" not in err


def cli_main_module():
    """``runner.cli.main``, the module (``runner.cli.main`` as an attribute is the function)."""
    return importlib.import_module("runner.cli.main")


def test_bench_is_dispatched_to_runner_bench(monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    import runner

    cli = cli_main_module()
    calls = []
    fake = types.ModuleType("runner.bench")
    fake.main = lambda argv, prog: calls.append((argv, prog)) or 0
    monkeypatch.setitem(sys.modules, "runner.bench", fake)
    monkeypatch.setattr(runner, "bench", fake, raising=False)
    monkeypatch.setattr(cli, "_has_bench", lambda: True)
    monkeypatch.setattr(sys, "argv", ["/venv/bin/lumix-sweep"])
    assert cli.main(["bench", "--sizes", "500x50", "--scenarios", "2000", "--n-jobs", "1", "2"]) == 0
    argv = ["--sizes", "500x50", "--scenarios", "2000", "--n-jobs", "1", "2"]
    assert calls == [(argv, "lumix-sweep bench")]


def test_bench_without_runner_bench_says_so(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    cli = cli_main_module()
    monkeypatch.setattr(cli, "_has_bench", lambda: False)
    assert cli.main(["bench"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "runner.bench" in err and "fix:" in err


# -- conventions: program name, version, progress bar, --scheduler ----------------------------------


def test_version_names_the_distribution(capsys: pytest.CaptureFixture) -> None:
    from importlib.metadata import version

    from runner.cli import main

    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out == f"lumix-runner {version('lumix-runner')}\n"


@pytest.mark.parametrize(
    ("argv0", "prog"),
    [
        ("/work/runner/__main__.py", "python -m runner"),
        ("/venv/bin/lumix-sweep", "lumix-sweep"),
    ],
)
def test_the_program_name_follows_how_it_was_called(
    argv0: str, prog: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    from runner.cli import main

    monkeypatch.setattr(sys, "argv", [argv0])
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    assert capsys.readouterr().out.startswith(f"usage: {prog} run ")


def test_help_of_the_module_and_of_the_script_name_themselves() -> None:
    proc = cli("--help")
    assert proc.returncode == 0 and proc.stdout.startswith("usage: python -m runner "), proc.stderr
    script = Path(sys.executable).with_name("lumix-sweep")
    if not script.is_file():
        pytest.skip("lumix-sweep is not installed next to this interpreter")
    proc = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0 and proc.stdout.startswith("usage: lumix-sweep "), proc.stderr


SMALL_GRID = GRID_SPEC.replace("values = [-1, 6, 12, 25]", "values = [6, 12]")


@pytest.mark.parametrize(("flags", "bar"), [([], False), (["--progress"], True), (["--no-progress"], False)])
def test_the_progress_bar_shows_on_a_terminal_or_when_asked(
    flags: list[str], bar: bool, in_process, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    spec = write_spec(tmp_path, SMALL_GRID)
    argv = ["run", spec.name, "--backend", "sequential", "--output", "out.csv", *flags]
    assert in_process(argv) == 0
    out, err = capsys.readouterr()  # stderr is not a terminal here
    assert "Baseline objective: 34" in out
    assert ("scenario/s" in err) is bar, err


def test_progress_and_no_progress_exclude_each_other(in_process, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as info:
        in_process(["run", "sweep.toml", "--progress", "--no-progress"])
    assert info.value.code == 2 and "not allowed with argument" in capsys.readouterr().err


def test_a_scheduler_implies_the_dask_backend(
    in_process, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    pytest.importorskip("distributed")
    spec = write_spec(tmp_path, GOOD)
    # No --backend: the dask client is asked for, and a malformed address fails at once.
    assert in_process(["run", spec.name, "--scheduler", "bogus://nowhere:1", "--output", "out.csv"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: cannot connect to the dask scheduler 'bogus://nowhere:1'")
    assert "; fix: " in lines[0] and "--scheduler" in lines[0]


def test_the_scheduler_flag_wins_over_the_spec_backend(
    in_process, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    pytest.importorskip("distributed")
    spec = write_spec(tmp_path, GOOD.replace("n_jobs = 2", 'backend = "threading"'))
    assert in_process(["run", spec.name, "--scheduler", "bogus://nowhere:1", "--output", "out.csv"]) == 2
    assert "error: cannot connect to the dask scheduler" in capsys.readouterr().err


def test_a_scheduler_with_another_backend_is_an_error(
    in_process, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    spec = write_spec(tmp_path, GOOD)
    argv = ["run", spec.name, "--backend", "loky", "--scheduler", "tcp://127.0.0.1:1"]
    assert in_process(argv) == 2
    assert_one_line_error(capsys.readouterr().err, spec.name, "--backend", "--scheduler implies dask")


def test_a_spec_scheduler_with_a_spec_backend_is_an_error(
    in_process, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    text = GOOD.replace("n_jobs = 2", 'backend = "threading"\nscheduler = "tcp://127.0.0.1:1"')
    spec = write_spec(tmp_path, text)
    assert in_process(["run", spec.name]) == 2
    assert_one_line_error(capsys.readouterr().err, spec.name, "[run].backend", "a scheduler implies dask")


def test_verbose_shows_the_library_log_records_on_stderr(tmp_path: Path) -> None:
    spec = write_spec(tmp_path, SMALL_GRID)
    proc = cli("-v", "run", str(spec), "--backend", "sequential", "--output", str(tmp_path / "out.csv"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "INFO: building the model with tiny_plan:build" in proc.stderr
    assert "INFO: wrote 3 rows to" in proc.stderr and "scenario/s" not in proc.stderr


def test_a_bad_n_flag_is_reported(in_process, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    spec = write_spec(tmp_path, GOOD)
    assert in_process(["run", spec.name, "--n", "0"]) == 2
    assert_one_line_error(capsys.readouterr().err, spec.name, "--n", "use --n 1 or more")


def test_the_public_names_have_their_homes() -> None:
    import runner.cli
    from runner.analysis import rank_correlations
    from runner.cli.report import summary_table
    from runner.cli.spec import load_spec
    from runner.errors import CommandError, SpecError
    from runner.results import read_results

    assert runner.cli.rank_correlations is rank_correlations and runner.cli.load_spec is load_spec
    assert runner.cli.SpecError is SpecError and runner.cli.CommandError is CommandError
    assert runner.cli.read_results is read_results is runner.read_results
    assert runner.cli.summary_table is summary_table


# -- outputs checked before solving (issue 9, item 11) ------------------------------------------------


def _folder(tmp_path: Path, name: str) -> str:
    (tmp_path / name).mkdir(parents=True)
    return name


def _file(tmp_path: Path, name: str) -> str:
    (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / name).write_text("not a folder\n")
    return name


# case -> (make the bad place in tmp_path, giving the output; flags or spec; key; words; fix words)
BAD_OUTPUTS = {
    "an existing directory": (
        lambda t: _folder(t, "out.parquet"),
        "--output",
        "is an existing directory",
        "give a file path",
    ),
    "a directory without suffix": (
        lambda t: _folder(t, "results.csv/"),
        "--output",
        "directory",
        "file path",
    ),
    "a file as its folder": (
        lambda t: _file(t, "taken") + "/out.csv",
        "--output",
        "taken is a file",
        "choose another folder",
    ),
    "a file deeper up": (
        lambda t: _file(t, "taken") + "/sub/out.sqlite",
        "--output",
        "taken is a file",
        "move that file away",
    ),
    "[run].output a directory": (
        lambda t: _folder(t, "spec_out.csv"),
        "[run].output",
        "is an existing directory",
        "give a file path",
    ),
}


@pytest.mark.parametrize("case", list(BAD_OUTPUTS))
def test_a_bad_output_place_is_reported_before_solving(
    case: str, in_process, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    make, key, words, fix = BAD_OUTPUTS[case]
    output = make(tmp_path)
    if key == "[run].output":
        spec = write_spec(
            tmp_path, SMALL_GRID.replace('keep = "summary"', f'keep = "summary"\noutput = "{output}"')
        )
        argv = ["run", spec.name, "--backend", "sequential"]
    else:
        spec = write_spec(tmp_path, SMALL_GRID)
        argv = ["run", spec.name, "--backend", "sequential", "--output", output]
    assert in_process(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err  # nothing ran
    assert_one_line_error(err, spec.name, key, words)
    assert fix in err.split("; fix: ")[1], err
    assert not list(tmp_path.rglob("*.journal.sqlite"))  # not even the journal was opened


# case -> (make the bad place in tmp_path, giving --plots or None for the default; words)
BAD_PLOTS = {
    "--plots an existing file": (lambda t: _file(t, "plots.png"), "--plots plots.png: is an existing file"),
    "--plots under a file": (lambda t: _file(t, "taken") + "/plots", "taken is a file"),
    "the default folder a file": (lambda t: _file(t, "plots") and None, "plots: is an existing file"),
}


@pytest.mark.parametrize("case", list(BAD_PLOTS))
def test_a_bad_plots_folder_is_reported_before_reading(
    case: str, in_process, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    make, words = BAD_PLOTS[case]
    plots = make(tmp_path)
    pd.DataFrame(
        {"name": ["baseline", "a"], "status": ["optimal"] * 2, "objective_value": [1.0, 2.0]}
    ).to_csv(tmp_path / "r.csv", index=False)
    assert in_process(["report", "r.csv", *(["--plots", plots] if plots else [])]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    assert err.startswith("error: ") and words in err and "; fix: " in err and err.count("\n") == 1, err
