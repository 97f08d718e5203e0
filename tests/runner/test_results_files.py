"""Results files (``runner.files``, ``ScenarioResults.save`` / ``to_parquet`` / ``to_csv``,
``runner.read_results``): round trips, dtypes, the metadata other tools read, files written
before, the command line's files, and the ``compare`` / ``failed`` tables.

Results come from the tiny plan of ``test_sweeps.plan_model`` (``conftest.py`` works it out:
optimum 34 at x0 = 10, x1 = 2; assembly hours 16 -> 42, 6 (capacity * 0.5) -> 18, capacity
* 1.5 -> 46; assembly set to -1 is infeasible; the shadow price of assembly is 2, and 3 once
x0 leaves its bound).
"""

from __future__ import annotations

import json
import sqlite3

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lumix import LXObjectiveSense, LXScenario
from lumix.outcomes import Outcome
from runner import CommandError, ScenarioResults, read_results, run_scenarios
from runner.analysis import sobol_indices
from runner.columns import STATUS_VALUES, TEXT_COLUMNS
from runner.meta import META_KEY
from runner.sweeps import one_at_a_time, param, sobol

from .test_cli import OAT_SPEC, cli, write_spec
from .test_sweeps import plan_model

CAP = param("capacity", name="cap")
ASSEMBLY = param("capacity[assembly]", "rhs", "set", name="assembly")
OUTCOMES = {"x0": "production[0]", "assembly_price": Outcome.shadow_price("capacity[assembly]")}
FORMATS = ["parquet", "csv", "sqlite"]


def run(scenarios, **kw):
    return run_scenarios(plan_model(), scenarios, backend="sequential", progress=False, **kw)


@pytest.fixture(scope="module")
def oat():
    """A one-at-a-time sweep with an infeasible end and two outcomes."""
    sweep = one_at_a_time({ASSEMBLY: 12.0, CAP: 1.0}, {ASSEMBLY: [-1.0, 16.0], CAP: [0.5, 1.5]})
    return run(sweep, outcomes=OUTCOMES)


def assert_result_dtypes(df: pd.DataFrame) -> None:
    assert isinstance(df["status"].dtype, pd.CategoricalDtype)
    assert list(df["status"].cat.categories) == list(STATUS_VALUES)
    for column in TEXT_COLUMNS:
        assert df[column].dtype == "string", column
    assert df["attempts"].dtype == "int64"
    for column in ("objective_value", "delta", "solve_time", "wall_time"):
        assert df[column].dtype == "float64", column


# -- round trips --------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_saved_sweep_reads_back_the_same(oat, tmp_path, fmt):
    path = tmp_path / f"oat.{fmt}"
    written = {"parquet": oat.to_parquet, "csv": oat.to_csv, "sqlite": oat.save}[fmt](path)
    assert written is None or str(path) in written

    back = read_results(path)

    pd.testing.assert_frame_equal(back.to_dataframe(), oat.to_dataframe())
    assert back.meta == oat.meta
    assert back.meta.kind == "one_at_a_time" and back.meta.outcomes == ["x0", "assembly_price"]
    assert back.meta.model_hash == oat.meta.model_hash and len(back.meta.model_hash) == 64
    assert [p.name for p in back.meta.parameters] == ["assembly", "cap"]
    assert back.sense is LXObjectiveSense.MAXIMIZE
    assert list(back) == list(oat)
    infeasible = back["oat-00000"]
    assert infeasible.status == "infeasible" and infeasible.objective_value is None
    assert infeasible.error == oat["oat-00000"].error and "infeasible" in infeasible.error
    assert infeasible.parameters == {"assembly": -1.0, "cap": 1.0}
    assert back["oat-00002"].outcomes == {"x0": 6.0, "assembly_price": 3.0}  # capacity * 0.5
    assert back["baseline"].parameters == {}  # the baseline sets no parameter


def test_the_table_has_the_documented_dtypes(oat):
    df = oat.to_dataframe()
    assert_result_dtypes(df)
    # outcomes after the result columns, then the parameters; no dots in any name
    assert list(df.columns[10:]) == ["x0", "assembly_price", "assembly", "cap"]
    assert not [c for c in df.columns if "." in c]
    assert df["error"].isna().tolist() == [True, True, False, True, True, True]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_error_column_without_errors_stays_text(tmp_path, fmt):
    results = run([LXScenario("more").modify_constraint_rhs("capacity[assembly]", add=4)])
    path = tmp_path / f"ok.{fmt}"
    results.save(path)
    if fmt == "parquet":
        assert pa.types.is_large_string(pq.read_schema(path).field("error").type)
    back = read_results(path).to_dataframe()
    assert back["error"].dtype == "string" and back["error"].isna().all()
    assert_result_dtypes(back)


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_empty_results_keep_their_columns_and_dtypes(tmp_path, fmt):
    path = tmp_path / f"empty.{fmt}"
    ScenarioResults([], LXObjectiveSense.MINIMIZE).save(path)
    back = read_results(path)
    assert len(back) == 0 and back.sense is LXObjectiveSense.MINIMIZE and back.meta.kind == "custom"
    assert_result_dtypes(back.to_dataframe())


def test_text_that_looks_like_numbers_stays_text(tmp_path):
    results = run([LXScenario("0012").modify_constraint_rhs("capacity[assembly]", add=4)])
    results.to_csv(tmp_path / "r.csv")
    assert read_results(tmp_path / "r.csv").to_dataframe()["name"].tolist() == ["baseline", "0012"]


def test_a_store_with_only_a_journal_reads_the_journal(tmp_path):
    journal = tmp_path / "journal.sqlite"
    sweep = one_at_a_time({CAP: 1.0}, {CAP: [0.5, 1.5]})
    results = run(sweep, store=journal, outcomes={"x0": "production[0]"})
    back = read_results(journal)
    assert back.meta.kind == "one_at_a_time"  # guessed from the scenario names (no metadata)
    assert back.meta.outcomes == ["x0"] and back.parameter_names == ["cap"]
    assert back["oat-00000"].outcomes == {"x0": 6.0}  # capacity * 0.5
    df, again = results.to_dataframe(), back.to_dataframe()
    assert again["name"].tolist() == df["name"].tolist()
    for column in ("objective_value", "x0", "cap"):
        pd.testing.assert_series_equal(again[column], df[column])


# -- what other tools read --------------------------------------------------------------------------


def test_parquet_metadata_is_json_under_the_projects_key(oat, tmp_path):
    path = tmp_path / "oat.parquet"
    oat.to_parquet(path)
    meta = json.loads(pq.read_schema(path).metadata[META_KEY.encode()])
    assert meta["kind"] == "one_at_a_time" and meta["sense"] == "maximize"
    assert meta["outcomes"] == ["x0", "assembly_price"]
    assembly = meta["parameters"][0]
    assert (assembly["name"], assembly["target"], assembly["on"], assembly["how"]) == (
        "assembly",
        "capacity[assembly]",
        "rhs",
        "set",
    )
    assert (assembly["low"], assembly["high"]) == (-1.0, 16.0)
    # pandas alone reads the table with its dtypes, and the metadata in its attrs
    table = pd.read_parquet(path)
    assert_result_dtypes(table)
    assert table.attrs[META_KEY] == meta


def test_a_sobol_table_read_by_pandas_is_analysed_as_the_results(tmp_path):
    ranges = {ASSEMBLY: (6.0, 18.0), CAP: (0.8, 1.2)}
    results = run(sobol(ranges, 16, seed=3))
    results.to_parquet(tmp_path / "sobol.parquet")
    table = pd.read_parquet(tmp_path / "sobol.parquet")
    pd.testing.assert_frame_equal(sobol_indices(table), results.sobol())
    pd.testing.assert_frame_equal(read_results(tmp_path / "sobol.parquet").sobol(), results.sobol())


def test_polars_reads_the_metadata(oat, tmp_path):
    polars = pytest.importorskip("polars")
    path = tmp_path / "oat.parquet"
    oat.to_parquet(path)
    assert json.loads(polars.read_parquet_metadata(path)[META_KEY])["kind"] == "one_at_a_time"
    assert polars.read_parquet(path).height == len(oat)


def test_duckdb_reads_the_metadata(oat, tmp_path):
    duckdb = pytest.importorskip("duckdb")
    path = tmp_path / "oat.parquet"
    oat.to_parquet(path)
    rows = duckdb.sql(f"SELECT key, value FROM parquet_kv_metadata('{path}')").fetchall()
    values = {bytes(k).decode(): bytes(v).decode() for k, v in rows}
    assert json.loads(values[META_KEY])["kind"] == "one_at_a_time"


def test_a_csv_keeps_its_metadata_beside_it(oat, tmp_path):
    oat.to_csv(tmp_path / "oat.csv")
    meta = json.loads((tmp_path / "oat.csv.meta.json").read_text())
    assert meta["kind"] == "one_at_a_time" and meta["model_hash"] == oat.meta.model_hash


# -- files written before this version ----------------------------------------------------------------


def old_table(results: ScenarioResults) -> pd.DataFrame:
    """The table as it was written before: plain strings, ``None`` errors, no outcomes."""
    df = results.to_dataframe().drop(columns=["x0", "assembly_price"])
    return df.astype({"status": str}).astype({c: object for c in ("name", "method", "worker", "error")})


OLD_META = {
    "spec": "sweep.toml",
    "kind": "one_at_a_time",
    "sense": "minimize",
    "model": "tiny",
    "parameters": ["assembly", "cap"],
    "n": 4,
    "seed": None,
}


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_files_written_before_still_read(oat, tmp_path, fmt):
    df = old_table(oat)
    path = tmp_path / f"old.{fmt}"
    if fmt == "parquet":
        df.attrs[META_KEY] = OLD_META  # pandas kept it in its own schema metadata
        df.to_parquet(path, index=False)
    else:
        df.to_csv(path, index=False)
        (tmp_path / "old.csv.meta.json").write_text(json.dumps(OLD_META))
    back = read_results(path)
    assert back.meta.kind == "one_at_a_time" and back.meta.parameter_names == ["assembly", "cap"]
    assert back.sense is LXObjectiveSense.MINIMIZE
    table = back.to_dataframe()
    assert_result_dtypes(table)
    assert table["objective_value"].tolist()[:2] == [34.0, 34.0]
    assert table["error"].notna().tolist() == [False, False, True, False, False, False]


def test_a_file_without_metadata_gets_the_kind_of_its_names(oat, tmp_path):
    old_table(oat).to_parquet(tmp_path / "bare.parquet", index=False)
    back = read_results(tmp_path / "bare.parquet")
    assert back.meta.kind == "one_at_a_time" and back.meta.parameters == []
    assert back.parameter_names == ["assembly", "cap"]  # the columns that are not results


def test_reading_errors_name_the_file(tmp_path):
    with pytest.raises(CommandError, match=r"nothing\.parquet: no such results file"):
        read_results(tmp_path / "nothing.parquet")
    (tmp_path / "r.txt").write_text("name\n")
    with pytest.raises(CommandError, match=r"cannot tell the format from its suffix '\.txt'"):
        read_results(tmp_path / "r.txt")
    pd.DataFrame({"a": [1]}).to_csv(tmp_path / "other.csv", index=False)
    with pytest.raises(
        CommandError, match=r"other\.csv: not a results table \(no column name, objective_value"
    ):
        read_results(tmp_path / "other.csv")


# -- the command line's files and the report of a script's file ---------------------------------------


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_a_file_the_command_line_wrote_reads_back(tmp_path, fmt):
    spec = write_spec(tmp_path, OAT_SPEC)
    output = tmp_path / f"oat.{fmt}"
    proc = cli("run", str(spec), "--output", str(output), "--backend", "sequential", "--no-progress")
    assert proc.returncode == 0, proc.stdout + proc.stderr

    back = read_results(output)

    assert back.meta.kind == "one_at_a_time" and back.meta.parameter_names == ["assembly", "paint"]
    assert back.sense is LXObjectiveSense.MAXIMIZE and back.meta.model_hash
    table = back.to_dataframe()
    assert_result_dtypes(table)
    # baseline, oat-base, assembly 0.5 and 1.5, paint 0.5, 1.0, 1.5 (test_cli's module docstring)
    objective = dict(zip(table["name"], table["objective_value"], strict=True))
    assert objective["baseline"] == pytest.approx(34.0) and len(objective) == 7
    assert table.loc[table["assembly"] == 0.5, "objective_value"].tolist() == [pytest.approx(18.0)]


def test_the_report_of_a_scripts_file_follows_its_kind(oat, tmp_path):
    oat.to_parquet(tmp_path / "oat.parquet")
    plots = tmp_path / "plots"
    proc = cli("report", str(tmp_path / "oat.parquet"), "--plots", str(plots))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "(one_at_a_time, parameters assembly, cap)" in proc.stdout
    assert "left out: 1 infeasible" in proc.stdout
    assert (plots / "tornado.png").stat().st_size > 2000
    assert not (plots / "distribution.png").exists()

    proc = cli("report", str(tmp_path / "oat.parquet"), "--plots", str(plots), "--outcome", "assembly_price")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Baseline assembly_price: 2" in proc.stdout
    assert (plots / "tornado_assembly_price.png").stat().st_size > 2000

    proc = cli("report", str(tmp_path / "oat.parquet"), "--no-plots", "--outcome", "bogus")
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: ") and "--outcome 'bogus' is not a numeric column" in proc.stderr
    assert "give one of: objective_value, x0, assembly_price" in proc.stderr


# -- compare() and failed -----------------------------------------------------------------------------


def test_failed_is_a_table_of_the_failed_scenarios():
    def broken(model):
        raise RuntimeError("no such supplier")

    infeasible = LXScenario("infeasible").modify_constraint_rhs("capacity[assembly]", set_value=-1)
    results = run([("broken", broken), infeasible])

    failed = results.failed
    assert list(failed.columns) == ["name", "status", "error", "attempts"]
    assert failed["name"].tolist() == ["broken"]  # infeasible is a solver's answer, not a failure
    assert failed["status"].tolist() == ["error"] and failed["attempts"].tolist() == [1]
    assert "RuntimeError: no such supplier" in failed["error"].iloc[0]
    assert isinstance(failed["status"].dtype, pd.CategoricalDtype) and failed["error"].dtype == "string"
    assert repr(results) == "ScenarioResults(3 scenarios, 1 failed)"


def test_sqlite_store_holds_the_table_and_the_metadata(oat, tmp_path):
    store = tmp_path / "r.sqlite"
    assert oat.save(store) == f"{store} (table sweep_results)"
    with sqlite3.connect(store) as db:
        meta = dict(db.execute("SELECT key, value FROM sweep_meta"))
        statuses = [row[0] for row in db.execute("SELECT status FROM sweep_results")]
    assert json.loads(meta["kind"]) == "one_at_a_time" and json.loads(meta["sense"]) == "maximize"
    assert statuses[2] == "infeasible"


def test_save_refuses_an_unknown_suffix(oat, tmp_path):
    with pytest.raises(ValueError, match=r"r\.txt: cannot tell the format from its suffix '\.txt'"):
        oat.save(tmp_path / "r.txt")
    oat.to_csv(tmp_path / "r.txt")  # to_csv writes CSV whatever the name
    assert (tmp_path / "r.txt").read_text().startswith("name,status,")


def test_parameter_names_are_identifiers():
    with pytest.raises(
        ValueError, match=r"parameter 'cap\.x': the column name 'cap\.x' is not an identifier"
    ):
        param("capacity", name="cap.x")
    assert param("capacity[assembly]", "rhs", "add").name == "capacity_assembly_rhs_add"
    scenario = LXScenario("s").modify_coefficient("capacity[paint]", "production[1]", multiply=2)
    assert list(scenario.parameter_values()) == ["capacity_paint_production_1_coef_multiply"]
