"""Sensitivity measures on sweep results (a ``ScenarioResults`` or its ``to_dataframe()``).

- ``feasible(df)``: which rows have a feasible status and an objective;
- ``parameter_columns(df)``: the columns of the table that are swept parameters;
- ``rank_correlations(df, params, outcome=)``: Spearman rank correlation of each parameter with
  the objective or an outcome over the sampled scenarios, largest magnitude first;
- ``sobol_indices(results, outcome=)``: first-order and total Sobol indices with confidence
  intervals, one row per parameter, of a ``sobol`` sweep (``runner.sensitivity.sobol_analyze``);
- ``morris_indices(results, outcome=)``: Morris ``mu``, ``mu_star``, ``sigma`` and the interval of
  ``mu_star``, one row per parameter, of a ``morris`` sweep (``runner.sensitivity.morris_analyze``).

Sobol and Morris read the design from the sweep's metadata (``results.meta``, a ``SweepMeta``):
its kind, its ``design`` (``base_samples``; ``trajectories`` and ``levels``) and its parameters,
and take the scenarios other than the baseline in table order as the design's rows.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from lumix.status import Status

from .columns import BASELINE, RESULT_COLUMNS
from .meta import META_KEY, SweepMeta
from .sensitivity import NanPolicy, morris_analyze, sobol_analyze

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FEASIBLE",
    "SOBOL_COLUMNS",
    "MORRIS_COLUMNS",
    "feasible",
    "feasible_status",
    "sample_rows",
    "left_out",
    "parameter_columns",
    "rank_correlations",
    "sobol_indices",
    "morris_indices",
]

logger = logging.getLogger(__name__)

#: The statuses with a solution (``Status.is_feasible``), as the plain strings of a table.
FEASIBLE: tuple[str, ...] = tuple(str(s) for s in Status if s.is_feasible)

#: The columns of ``sobol_indices()`` and ``morris_indices()`` (indexed by parameter name).
SOBOL_COLUMNS = ("S1", "S1_conf", "ST", "ST_conf")
MORRIS_COLUMNS = ("mu", "mu_star", "sigma", "mu_star_conf")


def _frame(results: Any) -> pd.DataFrame:
    """The results table of a ``ScenarioResults`` (or the table itself)."""
    return results.to_dataframe() if hasattr(results, "to_dataframe") else results


def feasible_status(df: pd.DataFrame) -> pd.Series:
    """Rows whose status found a solution (``optimal`` or ``feasible``)."""
    return df["status"].isin(FEASIBLE)


def feasible(df: pd.DataFrame) -> pd.Series:
    """Rows with a feasible status and an objective value."""
    return feasible_status(df) & df["objective_value"].notna()


def sample_rows(df: pd.DataFrame, outcome: str = "objective_value") -> pd.Series:
    """The rows that plots and the report's percentiles describe: feasible scenarios other than
    the baseline that have a value of ``outcome``."""
    return feasible_status(df) & df[outcome].notna() & (df["name"] != BASELINE)


def left_out(df: pd.DataFrame, outcome: str = "objective_value") -> pd.Series:
    """Why each scenario other than the baseline is not among ``sample_rows``: its status
    (``"infeasible"``, ``"error"``, ...), or ``"no value"`` for a feasible one without
    ``outcome``; indexed like ``df``, the rows kept left out."""
    rest = ~sample_rows(df, outcome) & (df["name"] != BASELINE)
    status = df.loc[rest, "status"].astype(str)
    return status.where(~feasible_status(df)[rest], "no value")


def parameter_columns(df: pd.DataFrame, parameters: Sequence[str] | None = None) -> list[str]:
    """The swept parameters among the columns of ``df``: ``parameters`` where given (those
    present), else every numeric column that is not one of ``runner.results.RESULT_COLUMNS``."""
    if parameters:
        return [p for p in parameters if p in df.columns]
    return [c for c in df.columns if c not in RESULT_COLUMNS and df[c].dtype.kind in "fiu"]


def rank_correlations(
    results: Any, params: Sequence[str] | None = None, *, outcome: str = "objective_value"
) -> pd.Series:
    """Spearman rank correlation of each parameter with ``outcome`` (the objective or an outcome
    column) over the feasible scenarios other than the baseline that have it, largest magnitude
    first (a tornado for sampled sweeps).

    ``results`` is a ``ScenarioResults`` or its table; ``params`` defaults to the sweep's
    numeric and boolean parameters where the results carry its metadata (``results.meta`` or
    the table's ``attrs[META_KEY]``), else to ``parameter_columns(table)``; outcome columns are
    left out. Fewer than three such scenarios give an empty series.

    Raises
    ------
    ValueError : ``outcome`` is not a column of the table.
    """
    df = _frame(results)
    _check_outcome(df, outcome, "rank_correlations()")
    sweep = _attached_meta(results)
    if params is None:
        named = parameter_columns(df, sweep.parameter_names if sweep is not None else None)
        params = [p for p in named if df[p].dtype.kind in "fiub"]
    outcomes = {outcome, *(sweep.outcomes if sweep is not None else ())}
    params = [p for p in params if p not in outcomes]
    rows = feasible_status(df) & df[outcome].notna() & (df["name"] != BASELINE)
    ranks = df.loc[rows, [*params, outcome]].astype(float).rank()
    if len(ranks) < 3 or not params:
        logger.debug("rank correlations: %d feasible scenarios, %d parameters", len(ranks), len(params))
        return ranks[outcome].iloc[0:0].rename(None)
    correlations = ranks[params].corrwith(ranks[outcome]).dropna()
    return correlations.reindex(correlations.abs().sort_values(ascending=False).index)


def sobol_indices(
    results: Any,
    outcome: str = "objective_value",
    *,
    conf_level: float = 0.95,
    resamples: int = 100,
    seed: int | None = 0,
    nan_policy: NanPolicy = "raise",
    meta: SweepMeta | Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Sobol indices of ``outcome`` over a ``sobol`` sweep: one row per parameter (in the
    sweep's order, indexed by name) with the ``SOBOL_COLUMNS`` ``S1``, ``S1_conf``, ``ST``,
    ``ST_conf`` (half-widths of the ``conf_level`` bootstrap intervals, seeded with ``seed``).

    ``results`` is a ``ScenarioResults`` or its table; ``meta`` defaults to ``results.meta``
    (or the table's ``attrs[META_KEY]``). Scenarios without a solution have no outcome: they
    raise unless ``nan_policy="omit"``, which drops their base samples (see
    ``runner.sensitivity``).

    Raises
    ------
    ValueError : no sweep metadata, not a ``sobol`` sweep, no ``base_samples`` in its design,
        an ``outcome`` or parameter column missing, rows that do not follow the design.
    """
    where = "sobol_indices()"
    df, sweep = _frame(results), _sweep_meta(results, meta, "sobol", ("base_samples",), where)
    n, d = int(sweep.design["base_samples"]), len(sweep.parameters)
    rows = _design_rows(df, n * (d + 2), f"{n} base samples x ({d} parameters + 2)", where)
    _check_sobol_layout(rows, sweep, n, where)
    y = _outcome_values(rows, outcome, where)
    indices = sobol_analyze(
        y, d, n, conf_level=conf_level, resamples=resamples, seed=seed, nan_policy=nan_policy
    )
    return _table(sweep, {c: getattr(indices, c) for c in SOBOL_COLUMNS})


def morris_indices(
    results: Any,
    outcome: str = "objective_value",
    *,
    conf_level: float = 0.95,
    resamples: int = 100,
    seed: int | None = 0,
    nan_policy: NanPolicy = "raise",
    meta: SweepMeta | Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Morris measures of ``outcome`` over a ``morris`` sweep: one row per parameter (in the
    sweep's order, indexed by name) with the ``MORRIS_COLUMNS`` ``mu``, ``mu_star``, ``sigma``,
    ``mu_star_conf``; effects are output changes per unit-cube step (SALib's convention).

    The parameter values tell which parameter each step moved and in which direction
    (categorical values by their position in the parameter's ``levels``). ``results``, ``meta``
    and ``nan_policy`` (which drops whole trajectories) are as for ``sobol_indices``.

    Raises
    ------
    ValueError : no sweep metadata, not a ``morris`` sweep, no ``trajectories`` / ``levels`` in
        its design, an ``outcome`` or parameter column missing, rows that do not follow the design.
    """
    where = "morris_indices()"
    df, sweep = _frame(results), _sweep_meta(results, meta, "morris", ("trajectories", "levels"), where)
    r, levels, d = int(sweep.design["trajectories"]), int(sweep.design["levels"]), len(sweep.parameters)
    rows = _design_rows(df, r * (d + 1), f"{r} trajectories x ({d} parameters + 1)", where)
    x = _numeric_design(_parameter_values(rows, sweep, where), sweep, where)
    y = _outcome_values(rows, outcome, where)
    indices = morris_analyze(
        x,
        y,
        d,
        r,
        levels=levels,
        conf_level=conf_level,
        resamples=resamples,
        seed=seed,
        nan_policy=nan_policy,
    )
    return _table(sweep, {c: getattr(indices, c) for c in MORRIS_COLUMNS})


# -- helpers of the Sobol and Morris analyses -----------------------------------------------------


def _check_outcome(df: pd.DataFrame, outcome: str, where: str) -> None:
    if outcome not in df.columns:
        numeric = [c for c in df.columns if df[c].dtype.kind in "fiu" and c not in RESULT_COLUMNS]
        raise ValueError(
            f"{where}: outcome {outcome!r} is not a column of the results; expected 'objective_value' "
            f"or an outcome column ({', '.join(map(repr, numeric)) or 'none'})"
        )


def _attached_meta(results: Any) -> SweepMeta | None:
    """The sweep metadata that ``results`` carry: ``results.meta``, else a table's ``attrs``."""
    meta = getattr(results, "meta", None)
    if meta is None and hasattr(results, "attrs"):
        meta = results.attrs.get(META_KEY)
    return SweepMeta.from_dict(dict(meta)) if isinstance(meta, Mapping) else meta


def _sweep_meta(
    results: Any, meta: SweepMeta | Mapping[str, Any] | None, kind: str, keys: tuple[str, ...], where: str
) -> SweepMeta:
    """The sweep's metadata (``meta``, else ``results.meta``, else the table's ``attrs``), checked
    to be of ``kind`` with ``keys`` in its design and at least one parameter."""
    if meta is None:
        meta = _attached_meta(results)
    elif isinstance(meta, Mapping):
        meta = SweepMeta.from_dict(dict(meta))
    if not isinstance(meta, SweepMeta):
        raise ValueError(
            f"{where}: the results carry no sweep metadata (results.meta); run a runner.sweeps.{kind}() "
            "sweep through run_scenarios, load a saved table with read_results(), or pass meta="
        )
    if meta.kind != kind:
        raise ValueError(
            f"{where}: the results are of a {meta.kind!r} sweep; {kind} indices need a {kind!r} sweep "
            f"(runner.sweeps.{kind}), or its metadata given as meta="
        )
    missing = [k for k in keys if k not in meta.design]
    if missing or not meta.parameters:
        lacking = [f"design[{k!r}]" for k in missing] + ([] if meta.parameters else ["parameters"])
        raise ValueError(f"{where}: the {kind} sweep's metadata lacks {', '.join(lacking)}")
    return meta


def _design_rows(df: pd.DataFrame, expected: int, layout: str, where: str) -> pd.DataFrame:
    """The rows of the design (every scenario but the baseline, in table order)."""
    rows = df[df["name"] != BASELINE]
    if len(rows) != expected:
        raise ValueError(
            f"{where}: the results have {len(rows)} scenarios besides the baseline; the design of "
            f"{layout} has {expected}; analyse the whole sweep, in its order"
        )
    return rows


def _parameter_values(rows: pd.DataFrame, sweep: SweepMeta, where: str) -> pd.DataFrame:
    missing = [name for name in sweep.parameter_names if name not in rows.columns]
    if missing:
        raise ValueError(
            f"{where}: parameter column(s) {', '.join(map(repr, missing))} of the sweep's metadata are "
            f"not in the results (columns: {list(rows.columns)})"
        )
    return rows[sweep.parameter_names]


def _outcome_values(rows: pd.DataFrame, outcome: str, where: str) -> np.ndarray:
    """``outcome`` of each row as floats, NaN where the scenario has no solution."""
    _check_outcome(rows, outcome, where)
    values = rows[outcome].to_numpy(dtype=float, na_value=np.nan)
    return np.where(feasible_status(rows).to_numpy(), values, np.nan)


def _check_sobol_layout(rows: pd.DataFrame, sweep: SweepMeta, n: int, where: str) -> None:
    """Refuse rows that do not follow ``A, AB^1 .. AB^d, B`` per base sample (e.g. a sorted table)."""
    names = sweep.parameter_names
    d = len(names)
    blocks = _parameter_values(rows, sweep, where).to_numpy(dtype=object).reshape(n, d + 2, d)
    for i in range(d):
        expected = blocks[:, 0, :].copy()
        expected[:, i] = blocks[:, d + 1, i]
        wrong = np.flatnonzero((blocks[:, i + 1, :] != expected).any(axis=1))
        if wrong.size:
            scenario = rows["name"].iloc[wrong[0] * (d + 2) + i + 1]
            raise ValueError(
                f"{where}: scenario {scenario!r} should be the first row of its base sample with "
                f"{names[i]!r} from the last (the Sobol layout); the rows are not in the sweep's order"
            )


def _numeric_design(values: pd.DataFrame, sweep: SweepMeta, where: str) -> np.ndarray:
    """The parameter values as floats: numbers and booleans as they are, categorical values by
    their position in the parameter's ``levels`` (increasing with the unit-cube coordinate)."""
    columns = []
    for p in sweep.parameters:
        column = values[p.name]
        if column.dtype.kind in "fiub":
            columns.append(column.to_numpy(dtype=float))
            continue
        if not p.levels:
            raise ValueError(f"{where}: parameter {p.name!r} is not numeric and its metadata has no levels")
        position = {level: k for k, level in enumerate(p.levels)}
        unknown = sorted({str(v) for v in column if v not in position})
        if unknown:
            raise ValueError(
                f"{where}: parameter {p.name!r} has values {unknown} not among its levels {p.levels}"
            )
        columns.append(column.map(position).to_numpy(dtype=float))
    return np.column_stack(columns)


def _table(sweep: SweepMeta, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    import pandas as pd

    index = pd.Index(sweep.parameter_names, name="parameter")
    return pd.DataFrame(columns, index=index)
