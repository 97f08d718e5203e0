"""The report of the command line: the summary table, the sensitivity table and the plots of a
``ScenarioResults`` (as ``runner.read_results`` loads it from any results file; the files
themselves are ``runner.files``).

The summary and every plot describe one value column, ``outcome`` (the objective or an outcome
column), over the same rows: the feasible scenarios other than the baseline that have a value
(``runner.analysis.sample_rows``); the summary says how many it left out and why. The plots
follow the sweep's kind (``results.meta.kind``): a tornado for ``one_at_a_time``, the indices'
bars for ``sobol`` and ``morris``, the distribution (and rank correlations) for sampled sweeps,
the distribution for the others; a one-parameter sweep also gets its response curve.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..analysis import feasible_status, left_out, rank_correlations, sample_rows
from ..columns import BASELINE
from ..errors import CommandError
from ..files import OUTPUT_SUFFIXES, is_store

if TYPE_CHECKING:
    import pandas as pd

    from ..results import ScenarioResult, ScenarioResults

__all__ = [
    "OUTPUT_SUFFIXES",
    "OBJECTIVE",
    "SAMPLED_KINDS",
    "INDEX_KINDS",
    "is_store",
    "summary_table",
    "sensitivity",
    "sensitivity_lines",
    "write_plots",
    "folder_problem",
    "check_plots_folder",
    "check_outcome",
]

logger = logging.getLogger(__name__)

OBJECTIVE = "objective_value"
PERCENTILES = (0, 5, 25, 50, 75, 95, 100)
#: Sweeps of random or quasi-random samples: a distribution and rank correlations.
SAMPLED_KINDS = ("monte_carlo", "latin_hypercube", "quasi_random")
#: Sweeps analysed by their indices (``ScenarioResults.sobol()`` / ``.morris()``).
INDEX_KINDS = ("sobol", "morris")
PLOTS_FIX = "pip install 'lumix-runner[plots]'"


def folder_problem(folder: Path) -> tuple[str, str] | None:
    """``(problem, fix)`` when files cannot be written in ``folder`` (created if missing)."""
    existing = folder.expanduser().absolute()
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return (
            f"cannot create the folder {folder}: {existing} is a file",
            "choose another folder, or move that file away",
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        return f"the folder {existing} is not writable", "choose a folder you can write to"
    return None


def check_plots_folder(directory: Path, key: str) -> None:
    """The report's plots folder: a folder (or none yet) where files can be written."""
    if directory.exists() and not directory.is_dir():
        raise CommandError(
            f"{key} {directory}: is an existing file, not a folder",
            "give a folder for the PNG plots (a new or existing one), or --no-plots",
        )
    problem = folder_problem(directory)
    if problem is not None:
        raise CommandError(f"{key} {directory}: {problem[0]}", problem[1])


def _label(outcome: str) -> str:
    return "objective" if outcome == OBJECTIVE else outcome


# -- the summary --------------------------------------------------------------------------------


def summary_table(results: ScenarioResults, *, outcome: str = OBJECTIVE) -> str:
    """Counts by status; the baseline's ``outcome``; the best scenario (for the objective, in
    the model's sense); percentiles of ``outcome`` over the feasible scenarios other than the
    baseline (the rows of the plots), with how many were left out and why."""
    df = results.to_dataframe()
    lines = _status_lines(df)
    base = _baseline_value(df, outcome)
    if base is not None:
        lines.append(f"Baseline {_label(outcome)}: {base:,.6g}")
    best = results.best() if outcome == OBJECTIVE else None
    if best is not None:
        lines.append(_best_line(results, best, base))
    sample = df.loc[sample_rows(df, outcome), outcome].to_numpy(dtype=float)
    lines += _percentile_lines(sample, outcome, left_out(df, outcome))
    lines += _failure_lines(df)
    return "\n".join(lines)


def _status_lines(df: pd.DataFrame) -> list[str]:
    total = len(df)
    lines = [f"{'status':<12} {'count':>8} {'share':>7}"]
    for status, count in df["status"].astype(str).value_counts().items():
        lines.append(f"{status:<12} {count:>8} {count / total:>7.1%}")
    lines.append(f"{'total':<12} {total:>8}")
    return lines


def _baseline_value(df: pd.DataFrame, outcome: str) -> float | None:
    base = df.index[df["name"] == BASELINE]
    if len(base) and bool(feasible_status(df)[base[0]]) and not math.isnan(df.at[base[0], outcome]):
        return float(df.at[base[0], outcome])
    return None


def _best_line(results: ScenarioResults, best: ScenarioResult, base: float | None) -> str:
    """The best feasible scenario (``results.best()``, in the model's sense)."""
    from lumix import LXObjectiveSense

    maximize = results.sense is not LXObjectiveSense.MINIMIZE
    value = best.objective_value or 0.0  # best() has an objective
    change = f" ({(value - base) / abs(base):+.2%} vs baseline)" if base else ""
    values = ", ".join(
        f"{p}={v:.4g}"
        for p, v in best.parameters.items()
        if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    )
    where = f" at {values}" if values else ""
    return f"Best ({'max' if maximize else 'min'}): {best.name} objective {value:,.6g}{change}{where}"


def _left_out_text(reasons: pd.Series) -> str:
    counts = reasons.value_counts()
    return ", ".join(f"{n} {why}" for why, n in counts.items()) or "none"


def _percentile_lines(sample: Any, outcome: str, reasons: pd.Series) -> list[str]:
    import numpy as np

    left = f"left out: {_left_out_text(reasons)}"
    if not len(sample):
        return [f"No feasible scenario with a value of {outcome} besides the baseline ({left})."]
    heads = [{0: "min", 100: "max"}.get(q, f"p{q}") for q in PERCENTILES]
    cells = [f"{v + 0.0:,.6g}" for v in np.percentile(sample, PERCENTILES)]  # + 0.0: no "-0"
    width = max(10, *(len(c) for c in cells))
    what = "Objective" if outcome == OBJECTIVE else outcome
    return [
        f"{what} percentiles over {len(sample)} feasible scenarios (baseline excluded; {left}):",
        "  " + " ".join(f"{h:>{width}}" for h in heads),
        "  " + " ".join(f"{c:>{width}}" for c in cells),
    ]


def _failure_lines(df: pd.DataFrame) -> list[str]:
    failed = df[~feasible_status(df) & df["error"].notna()]
    if not len(failed):
        return []
    first = failed.iloc[0]
    return [f"First failure: {first['name']}: {str(first['error']).splitlines()[0]}"]


# -- sensitivity --------------------------------------------------------------------------------


def sensitivity(results: ScenarioResults, outcome: str = OBJECTIVE) -> pd.Series | pd.DataFrame | None:
    """The sensitivity measure the sweep's kind calls for: the Sobol or Morris table of a
    ``sobol`` / ``morris`` sweep, the rank correlations of a sampled sweep with more than one
    parameter, else ``None``. Indices that cannot be computed (e.g. scenarios without a value)
    are ``None`` with a warning saying why."""
    kind = results.meta.kind
    if kind in INDEX_KINDS:
        analyse = results.sobol if kind == "sobol" else results.morris
        try:
            return analyse(outcome)
        except ValueError as exc:
            logger.warning("no %s indices of %s: %s", kind, outcome, exc)
            return None
    params = results.parameter_names
    if kind in SAMPLED_KINDS and len(params) > 1:
        return rank_correlations(results.to_dataframe(), params, outcome=outcome)
    return None


def sensitivity_lines(measure: pd.Series | pd.DataFrame, outcome: str = OBJECTIVE) -> list[str]:
    """The report's text of ``sensitivity()``: one line per parameter."""
    import pandas as pd

    what = "the objective" if outcome == OBJECTIVE else outcome
    if isinstance(measure, pd.Series):
        width = max(len(str(p)) for p in measure.index)
        head = f"Sensitivity (rank correlation of each parameter with {what}):"
        return [head] + [f"  {name:<{width}} {value:+.3f}" for name, value in measure.items()]
    title = "Sobol indices" if "S1" in measure.columns else "Morris measures"
    text = measure.to_string(float_format=lambda v: f"{round(v, 4) + 0.0:.4f}")  # no "-0.0000"
    return [f"{title} of {what} (conf: half-width of the confidence interval):"] + [
        f"  {line}" for line in text.splitlines()
    ]


# -- plots --------------------------------------------------------------------------------------


def write_plots(
    results: ScenarioResults,
    directory: Path,
    *,
    outcome: str = OBJECTIVE,
    measure: pd.Series | pd.DataFrame | None = None,
) -> list[Path]:
    """The report's PNGs of ``outcome`` in ``directory``, by the sweep's kind:
    ``tornado.png`` (one_at_a_time), ``indices.png`` (sobol, morris: ``measure``),
    ``distribution.png`` and ``sensitivity.png`` (rank correlations: ``measure``) for sampled
    sweeps, ``distribution.png`` for the others, and ``response_<parameter>.png`` for a
    one-parameter sweep. Plots of an outcome other than the objective end in ``_<outcome>``.
    Returns the paths written; a plot that does not apply is skipped with a warning."""
    jobs = _plot_jobs(results, outcome, measure)
    suffix = "" if outcome == OBJECTIVE else f"_{_file_safe(outcome)}"
    written = (_plot(f"{name}{suffix}.png", make, directory) for name, make in jobs)
    return [path for path in written if path is not None]


def _plot_jobs(
    results: ScenarioResults, outcome: str, measure: pd.Series | pd.DataFrame | None
) -> list[tuple[str, Callable[[Path], Path]]]:
    """``(file stem, writer)`` of each plot that applies to these results."""
    import pandas as pd

    plots = _plots_module()
    kind, params = results.meta.kind, results.parameter_names
    df = results.to_dataframe()
    jobs: list[tuple[str, Callable[[Path], Path]]] = []
    if kind == "one_at_a_time" and params:
        jobs.append(("tornado", lambda p: plots.tornado(results, p, outcome=outcome)))
    elif kind in INDEX_KINDS:
        if isinstance(measure, pd.DataFrame):
            jobs.append(("indices", lambda p: plots.indices(measure, p, outcome=outcome)))
    elif sample_rows(df, outcome).any():
        jobs.append(("distribution", lambda p: plots.distribution(results, p, outcome=outcome)))
    if isinstance(measure, pd.Series) and len(measure):
        jobs.append(("sensitivity", lambda p: plots.correlations(measure, p, outcome=outcome)))
    if len(params) == 1 and kind not in INDEX_KINDS:
        name = f"response_{_file_safe(params[0])}"
        jobs.append((name, lambda p: plots.response_curve(results, params[0], p, outcome=outcome)))
    return jobs


def _plots_module() -> Any:
    try:
        from .. import plots
    except ImportError as exc:  # pragma: no cover - plots.py imports matplotlib lazily
        raise CommandError(f"plots are not available: {exc}", PLOTS_FIX) from exc
    return plots


def _plot(name: str, make: Callable[[Path], Path], directory: Path) -> Path | None:
    try:
        return make(directory / name)
    except ImportError as exc:
        raise CommandError(str(exc), PLOTS_FIX) from exc
    except ValueError as exc:
        logger.warning("no %s: %s", name, exc)
        return None


def _file_safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def check_outcome(results: ScenarioResults, outcome: str, source: str) -> None:
    """Refuse a ``--outcome`` that is not a numeric column of the results read from ``source``."""
    df = results.to_dataframe()
    if outcome in df.columns and df[outcome].dtype.kind in "fiu":
        return
    choices = ", ".join([OBJECTIVE, *results.outcome_names])
    raise CommandError(
        f"{source}: --outcome {outcome!r} is not a numeric column of the results",
        f"give one of: {choices}",
    )
