"""PNG plots of sweep results (the ``plots`` extra: matplotlib).

Each plot has a builder that returns a matplotlib ``Figure`` (``tornado_figure``, ...) and a
writer that saves it as a PNG and returns the path (``tornado``, ...). Results are a
``ScenarioResults`` or the ``pandas.DataFrame`` of ``ScenarioResults.to_dataframe()`` (as read
back from Parquet or CSV): columns ``name``, ``status``, ``objective_value``, the outcomes and
the parameters. A ``ScenarioResults`` knows which columns are parameters (its ``meta``); for a
table they are ``parameters=``, else its numeric columns other than the result columns.

Every plot of values draws ``outcome`` (``"objective_value"`` by default, or an outcome
column) over the same rows as the report's percentiles (``runner.analysis.sample_rows``:
feasible scenarios other than the baseline with a value). Scenarios without a value
(infeasible, failed) are never drawn on the value axis: they are marked on a separate band or
axis, labelled by status. ``indices_figure`` draws Sobol or Morris indices (the tables of
``ScenarioResults.sobol()`` / ``.morris()``), ``correlation_figure`` the rank correlations of
``runner.analysis.rank_correlations``.

Figures are made with ``matplotlib.figure.Figure`` and its Agg canvas, never through
``pyplot``: no global backend is switched, no window opens and nothing is left in pyplot's
figure list, so plotting is safe on headless machines and from threads.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from lumix import LXSolution

from .analysis import feasible_status, left_out, parameter_columns, sample_rows
from .columns import BASELINE

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .results import ScenarioResult, ScenarioResults

__all__ = [
    "OBJECTIVE",
    "tornado",
    "tornado_figure",
    "response_curve",
    "response_figure",
    "distribution",
    "distribution_figure",
    "indices",
    "indices_figure",
    "shadow_prices",
    "shadow_prices_figure",
    "correlations",
    "correlation_figure",
]

logger = logging.getLogger(__name__)

#: The default value plotted: the objective's column.
OBJECTIVE = "objective_value"
#: The colour and marker of scenarios without a value, on their own band.
_UNSOLVED: dict[str, Any] = {"marker": "x", "color": "tab:red", "linestyle": "none"}


def _figure(width: float = 8.0, height: float = 5.0) -> Figure:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(
            "runner plots need matplotlib; install it with: pip install 'lumix-runner[plots]'"
        ) from exc
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, path: str | Path) -> Path:
    path = Path(path)
    if not path.suffix:
        path = path.with_suffix(".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    logger.debug("wrote %s", path)
    return path


def _table(
    results: ScenarioResults | pd.DataFrame, outcome: str, parameters: Sequence[str] | None
) -> tuple[pd.DataFrame, list[str]]:
    """The results as a dataframe and its parameter columns (in order), ``outcome`` checked."""
    import pandas as pd

    if isinstance(results, pd.DataFrame):
        df = results
        names = parameter_columns(df, parameters) if parameters is not None else parameter_columns(df)
    elif hasattr(results, "to_dataframe"):
        df = results.to_dataframe()
        names = list(parameters) if parameters is not None else results.parameter_names
    else:
        raise TypeError(
            f"expected ScenarioResults or the DataFrame of ScenarioResults.to_dataframe(), "
            f"got {type(results).__name__}"
        )
    missing = {"name", "status", "objective_value"} - set(df.columns)
    if missing:
        raise ValueError(
            f"the results table has no column(s) {sorted(missing)}; expected to_dataframe() output"
        )
    if outcome not in df.columns or df[outcome].dtype.kind not in "fiu":
        raise ValueError(
            f"outcome {outcome!r} is not a numeric column of the results; columns: {list(df.columns)}"
        )
    return df, [p for p in names if p in df.columns and p != outcome]


def _label(outcome: str) -> str:
    """How axes and titles name ``outcome``."""
    return "objective value" if outcome == OBJECTIVE else outcome


def _title(outcome: str) -> str:
    """``_label(outcome)`` at the start of a title."""
    label = _label(outcome)
    return label[0].upper() + label[1:] if outcome == OBJECTIVE else label


def _has_value(df: pd.DataFrame, outcome: str) -> np.ndarray:
    """Rows with a solution and a value of ``outcome`` (the baseline included)."""
    return (feasible_status(df) & df[outcome].notna()).to_numpy()


def _why(df: pd.DataFrame, i: int) -> str:
    """Why row ``i`` has no value: its status, or ``"no value"`` when feasible."""
    status = str(df["status"].iloc[i])
    return "no value" if bool(feasible_status(df).iloc[i]) else status


def _left_out_text(reasons: pd.Series) -> str:
    """``"3 infeasible, 1 error"`` (or ``"none"``)."""
    counts = reasons.value_counts()
    return ", ".join(f"{n} {why}" for why, n in counts.items()) or "none"


# -- tornado -------------------------------------------------------------------------------------


def _base_position(names: list[str], base_name: str | None) -> int:
    """Position of the reference row: ``base_name``, else ``"<prefix>-base"``, else the baseline."""
    if base_name is not None:
        if base_name not in names:
            raise ValueError(f"tornado: no scenario named base_name={base_name!r} in the results")
        return names.index(base_name)
    bases = [i for i, n in enumerate(names) if n.endswith("-base")]
    if bases:
        return bases[0]
    if BASELINE in names:
        return names.index(BASELINE)
    raise ValueError(
        "tornado: no base scenario (a name ending in '-base', as one_at_a_time() makes, "
        f"or {BASELINE!r}); pass base_name="
    )


def _base_row(df: pd.DataFrame, params: list[str], base_name: str | None) -> tuple[int, dict[str, float]]:
    """Position of the reference row and the parameters' base values (a parameter missing in
    that row takes its most frequent value)."""
    position = _base_position(df["name"].astype(str).tolist(), base_name)
    values = {}
    for p in params:
        value = df[p].iloc[position]
        if value is None or not np.isfinite(value):
            column = df[p].dropna()
            if column.empty:
                continue
            value = column.mode().iloc[0]
        values[p] = float(value)
    return position, values


#: One end of a tornado bar: the parameter's value, the outcome's value (``None`` without
#: one) and, without one, why (the status).
End = tuple[float, float | None, str]
Bar = tuple[str, float, list[End]]  # (parameter, span, its lowest and highest ends)


def _moves(df: pd.DataFrame, p: str, base: dict[str, float], position: int) -> np.ndarray:
    """Rows that move ``p`` away from its base value, the other parameters at theirs."""
    mask = ~np.isclose(df[p].to_numpy(dtype=float), base[p])
    for q, value in base.items():
        if q != p:
            mask &= np.isclose(df[q].to_numpy(dtype=float), value)
    mask[position] = False
    return np.flatnonzero(mask)


def _tornado_bar(df: pd.DataFrame, p: str, rows: np.ndarray, outcome: str, base_value: float) -> Bar:
    """The bar of ``p``: its lowest and highest value among ``rows`` and their outcomes."""
    ok = _has_value(df, outcome)
    values = df[p].to_numpy(dtype=float)
    ends = sorted(
        {int(rows[np.argmin(values[rows])]), int(rows[np.argmax(values[rows])])}, key=lambda i: values[i]
    )
    points = [
        (float(values[i]), float(df[outcome].iloc[i]) if ok[i] else None, "" if ok[i] else _why(df, i))
        for i in ends
    ]
    reached = [base_value] + [v for _, v, _ in points if v is not None]
    return p, max(reached) - min(reached), points


def _tornado_bars(
    df: pd.DataFrame, base: dict[str, float], position: int, outcome: str, base_value: float
) -> list[Bar]:
    """One bar per parameter that some scenario moves alone, the largest span last."""
    bars = []
    for p in base:
        rows = _moves(df, p, base, position)
        if rows.size:
            bars.append(_tornado_bar(df, p, rows, outcome, base_value))
    if not bars:
        raise ValueError(
            "tornado: no scenario moves one parameter away from the base with the others at "
            "their base values; build the sweep with runner.sweeps.one_at_a_time()"
        )
    bars.sort(key=lambda b: b[1])  # barh draws bottom-up: largest span on top
    return bars


_TORNADO_COLORS = {"low": "tab:blue", "high": "tab:orange"}
_TORNADO_LEGEND = {"low": "value below base", "high": "value above base"}


def _draw_tornado(ax: Axes, bars: list[Bar], base: dict[str, float], base_value: float) -> None:
    """The bars of the ends with a value (the others go on the band of ``_draw_unsolved_ends``)."""
    labelled: set[str] = set()
    for y, (p, _, points) in enumerate(bars):
        for value, reached, _ in points:
            if reached is None:
                continue
            side = "low" if value < base[p] else "high"
            label = None if side in labelled else _TORNADO_LEGEND[side]
            labelled.add(side)
            ax.barh(
                y, reached - base_value, left=base_value, height=0.6, color=_TORNADO_COLORS[side], label=label
            )


def _draw_unsolved_ends(band: Axes, bars: list[Bar], base: dict[str, float]) -> None:
    """A band beside the bars: a cross (and its status) where an end of a bar has no value."""
    for y, (p, _, points) in enumerate(bars):
        for value, reached, why in points:
            if reached is None:
                side = 0 if value < base[p] else 1
                band.plot(side, y, markersize=9, **_UNSOLVED)
                band.annotate(
                    why, (side, y), xytext=(0, -11), textcoords="offset points", ha="center", fontsize=7
                )
    band.set_xticks([0, 1], ["below\nbase", "above\nbase"], fontsize=8)
    band.set_xlim(-0.7, 1.7)
    band.tick_params(labelleft=False, left=False)
    band.set_title("no value", fontsize=9)
    band.set_xlabel("infeasible /\nfailed", fontsize=8)


def tornado_figure(
    results: ScenarioResults | pd.DataFrame,
    *,
    base_name: str | None = None,
    outcome: str = OBJECTIVE,
    parameters: Sequence[str] | None = None,
) -> Figure:
    """A tornado chart of ``outcome`` over a one-at-a-time sweep (``runner.sweeps.one_at_a_time``).

    For each parameter, two bars start at the base value and end at the value of the
    parameter's lowest and highest setting (the other parameters at their base); parameters are
    sorted by span, the largest on top. An end without a value (infeasible, failed) has no bar:
    it is a cross on a band beside the bars, with its status. The base is ``base_name``, else
    the ``"<prefix>-base"`` scenario of ``one_at_a_time``, else ``"baseline"``.
    """
    df, params = _table(results, outcome, parameters)
    if not params:
        raise ValueError("tornado: the results have no parameter columns; run a one_at_a_time() sweep")
    position, base = _base_row(df, params, base_name)
    base_label = df["name"].iloc[position]
    if not _has_value(df, outcome)[position]:
        raise ValueError(
            f"tornado: the base scenario {base_label!r} is {df['status'].iloc[position]!r} without a "
            f"value of {outcome!r}; a tornado needs a base with one"
        )
    base_value = float(df[outcome].iloc[position])
    bars = _tornado_bars(df, base, position, outcome, base_value)
    unsolved = any(reached is None for _, _, points in bars for _, reached, _ in points)
    fig = _figure(8.0, max(2.5, 0.55 * len(bars) + 1.5))
    grid = fig.add_gridspec(1, 2, width_ratios=[6, 1]) if unsolved else fig.add_gridspec(1, 1)
    ax = fig.add_subplot(grid[0])
    _draw_tornado(ax, bars, base, base_value)
    ax.axvline(base_value, color="black", linewidth=1)
    ax.margins(x=0.08)
    ax.set_yticks(range(len(bars)))
    ax.set_yticklabels([f"{p}\n[{points[0][0]:g} .. {points[-1][0]:g}]" for p, _, points in bars], fontsize=8)
    ax.set_ylim(-0.6, len(bars) - 0.4)
    ax.set_xlabel(_label(outcome))
    ax.set_title(f"Tornado: {_label(outcome)} vs base {base_value:,.6g} ({base_label})")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best", fontsize=8)
    if unsolved:
        _draw_unsolved_ends(fig.add_subplot(grid[1], sharey=ax), bars, base)
    return fig


def tornado(
    results: ScenarioResults | pd.DataFrame,
    path: str | Path,
    *,
    base_name: str | None = None,
    outcome: str = OBJECTIVE,
    parameters: Sequence[str] | None = None,
) -> Path:
    """Write ``tornado_figure(results, ...)`` as a PNG; returns the path written."""
    return _save(tornado_figure(results, base_name=base_name, outcome=outcome, parameters=parameters), path)


# -- response curve --------------------------------------------------------------------------------


def _draw_response(ax: Axes, x: np.ndarray, y: np.ndarray) -> None:
    """Points joined in parameter order, or the scenarios and their mean per value."""
    order = np.argsort(x, kind="stable")
    gx, gy = x[order], y[order]
    ux = np.unique(gx)
    if ux.size == gx.size:
        ax.plot(gx, gy, marker="o", color="tab:blue", label="scenarios")
    else:
        ax.scatter(gx, gy, color="tab:blue", alpha=0.4, s=14, label="scenarios")
        ax.plot(ux, [gy[gx == v].mean() for v in ux], color="tab:blue", label="mean")


def _draw_unsolved_band(band: Axes, x: np.ndarray, reasons: list[str], axis_label: str) -> None:
    """One row per reason (status) with a cross at each scenario's ``x``."""
    rows = sorted(set(reasons))
    band.plot(x, [rows.index(r) for r in reasons], markersize=8, **_UNSOLVED)
    band.set_yticks(range(len(rows)), rows, fontsize=8)
    band.set_ylim(-0.6, len(rows) - 0.4)
    band.set_ylabel("no value", fontsize=8)
    band.set_xlabel(axis_label)
    band.grid(True, axis="x", alpha=0.3)


def response_figure(
    results: ScenarioResults | pd.DataFrame,
    parameter: Any,
    *,
    outcome: str = OBJECTIVE,
    parameters: Sequence[str] | None = None,
) -> Figure:
    """``outcome`` against one parameter (a column name or a ``Parameter``).

    The scenarios other than the baseline with a value are points joined in parameter order
    (the mean per value where several share it); those without one (infeasible, failed) are
    crosses on a band below the plot, one row per status, never on the value axis. The
    ``"baseline"`` is a dashed line when it has a value.
    """
    column = getattr(parameter, "name", parameter)
    df, params = _table(results, outcome, parameters)
    if column not in df.columns:
        raise ValueError(f"response curve: no parameter column {column!r}; parameters: {params}")
    x = df[column].to_numpy(dtype=float)
    has_x = np.isfinite(x)
    if not has_x.any():
        raise ValueError(f"response curve: parameter {column!r} has no values")
    good = has_x & sample_rows(df, outcome).to_numpy()
    why = left_out(df, outcome)
    reasons = why[np.isfinite(df.loc[why.index, column].to_numpy(dtype=float))]
    fig = _figure(8.0, 5.5 if len(reasons) else 5.0)
    grid = fig.add_gridspec(2, 1, height_ratios=[5, 1]) if len(reasons) else fig.add_gridspec(1, 1)
    ax = fig.add_subplot(grid[0])
    if good.any():
        _draw_response(ax, x[good], df[outcome].to_numpy(dtype=float)[good])
    names = df["name"].astype(str).tolist()
    if BASELINE in names and _has_value(df, outcome)[names.index(BASELINE)]:
        ax.axhline(
            float(df[outcome].iloc[names.index(BASELINE)]), color="gray", linestyle="--", label="baseline"
        )
    ax.set_ylabel(_label(outcome))
    ax.set_title(
        f"{_title(outcome)} vs {column} ({int(good.sum())} with a value; no value: {_left_out_text(reasons)})"
    )
    ax.grid(True, alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="best", fontsize=8)
    if len(reasons):
        ax.tick_params(labelbottom=False)
        band = fig.add_subplot(grid[1], sharex=ax)
        _draw_unsolved_band(
            band, df.loc[reasons.index, column].to_numpy(dtype=float), reasons.tolist(), column
        )
    else:
        ax.set_xlabel(column)
    return fig


def response_curve(
    results: ScenarioResults | pd.DataFrame,
    parameter: Any,
    path: str | Path,
    *,
    outcome: str = OBJECTIVE,
    parameters: Sequence[str] | None = None,
) -> Path:
    """Write ``response_figure(results, parameter, ...)`` as a PNG; returns the path written."""
    return _save(response_figure(results, parameter, outcome=outcome, parameters=parameters), path)


# -- distribution -----------------------------------------------------------------------------------


def _draw_left_out(side: Axes, reasons: pd.Series) -> None:
    """Bars of the scenarios left out of the histogram, by status."""
    counts = reasons.value_counts()
    bars = side.bar(range(len(counts)), counts.to_numpy(), width=0.6, color="tab:red", alpha=0.8)
    side.bar_label(bars, fontsize=8)
    side.set_xticks(range(len(counts)), [str(i) for i in counts.index], rotation=45, ha="right", fontsize=8)
    side.set_xlim(-0.7, len(counts) - 0.3)
    side.set_title("no value", fontsize=9)
    side.set_ylabel("scenarios left out", fontsize=8)


def distribution_figure(
    results: ScenarioResults | pd.DataFrame,
    *,
    outcome: str = OBJECTIVE,
    percentiles: Sequence[float] = (5, 50, 95),
) -> Figure:
    """A histogram of ``outcome`` over a sampled sweep (Monte Carlo, Latin hypercube,
    quasi-random): the scenarios other than the baseline with a value (``sample_rows``), with
    the mean and ``percentiles`` as vertical lines and the baseline as a dotted one. Scenarios
    left out (infeasible, failed) are counted by status on bars beside the histogram."""
    df, _ = _table(results, outcome, ())
    values = df.loc[sample_rows(df, outcome), outcome].to_numpy(dtype=float)
    if values.size == 0:
        raise ValueError(f"distribution: no feasible scenario with a value of {outcome!r} to plot")
    reasons = left_out(df, outcome)
    fig = _figure(9.0 if len(reasons) else 8.0, 5.0)
    grid = fig.add_gridspec(1, 2, width_ratios=[5, 1]) if len(reasons) else fig.add_gridspec(1, 1)
    ax = fig.add_subplot(grid[0])
    bins = min(50, max(5, int(np.ceil(np.sqrt(values.size)))))
    ax.hist(values, bins=bins, color="tab:blue", alpha=0.75, edgecolor="white")
    mean = float(values.mean())
    ax.axvline(mean, color="black", linewidth=1.5, label=f"mean {mean:,.6g}")
    styles = ["--", "-.", ":"]
    for k, q in enumerate(percentiles):
        value = float(np.percentile(values, q))
        ax.axvline(value, color="tab:red", linestyle=styles[k % 3], linewidth=1, label=f"P{q:g} {value:,.6g}")
    names = df["name"].astype(str).tolist()
    if BASELINE in names and _has_value(df, outcome)[names.index(BASELINE)]:
        base = float(df[outcome].iloc[names.index(BASELINE)])
        ax.axvline(base, color="gray", linestyle=":", linewidth=1.5, label=f"baseline {base:,.6g}")
    ax.set_xlabel(_label(outcome))
    ax.set_ylabel("scenarios")
    ax.set_title(
        f"Distribution of {_label(outcome)}: {values.size} feasible scenarios (baseline excluded); "
        f"left out: {_left_out_text(reasons)}",
        fontsize=10,
    )
    ax.legend(loc="best", fontsize=8)
    if len(reasons):
        _draw_left_out(fig.add_subplot(grid[1]), reasons)
    return fig


def distribution(
    results: ScenarioResults | pd.DataFrame, path: str | Path, *, outcome: str = OBJECTIVE
) -> Path:
    """Write ``distribution_figure(results, outcome=outcome)`` as a PNG; returns the path written."""
    return _save(distribution_figure(results, outcome=outcome), path)


# -- Sobol and Morris indices -----------------------------------------------------------------------


def _indices_table(table: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The table with a ``parameter`` column, and its kind (``"sobol"`` or ``"morris"``)."""
    if "parameter" not in table.columns:
        table = table.rename_axis("parameter").reset_index()
    if {"S1", "ST"} <= set(table.columns):
        return table, "sobol"
    if {"mu_star", "sigma"} <= set(table.columns):
        return table, "morris"
    raise ValueError(
        "indices: expected a Sobol table (parameter, S1, S1_conf, ST, ST_conf) or a Morris table "
        f"(parameter, mu_star, mu_star_conf, sigma); got columns {list(table.columns)}"
    )


#: A bar of ``indices_figure``: its column, its interval's column (or ``None``), label and colour.
BarSpec = tuple[str, str | None, str, str]


def _paired_bars(ax: Axes, table: pd.DataFrame, pairs: Sequence[BarSpec]) -> None:
    """Two horizontal bars per parameter (bottom-up as given): ``(column, interval column,
    label, colour)``, each with its confidence interval where there is one."""
    y = np.arange(len(table))
    for k, (column, conf, label, color) in enumerate(pairs):
        error = None
        if conf is not None and conf in table.columns:
            error = np.nan_to_num(table[conf].to_numpy(dtype=float), nan=0.0)
        offset = 0.2 if k == 0 else -0.2
        ax.barh(y + offset, table[column].to_numpy(dtype=float), height=0.38, color=color, label=label)
        if error is not None:
            values = table[column].to_numpy(dtype=float)
            ax.errorbar(values, y + offset, xerr=error, fmt="none", ecolor="black", capsize=3, linewidth=1)
    ax.set_yticks(y, table["parameter"].astype(str).tolist(), fontsize=9)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.legend(loc="lower right", fontsize=8)


def indices_figure(table: pd.DataFrame, *, outcome: str = OBJECTIVE) -> Figure:
    """Bars of Sobol or Morris indices of ``outcome``, one pair per parameter, the largest on top.

    ``table`` is ``ScenarioResults.sobol()`` (columns ``S1``, ``S1_conf``, ``ST``, ``ST_conf``:
    first-order and total indices with the half-widths of their confidence intervals) or
    ``.morris()`` (``mu_star``, ``mu_star_conf``, ``sigma``), indexed by parameter or with a
    ``parameter`` column. Confidence intervals are error bars."""
    table, kind = _indices_table(table)
    if table.empty:
        raise ValueError("indices: the table has no parameter")
    key = "ST" if kind == "sobol" else "mu_star"
    table = table.sort_values(key, kind="stable")  # barh draws bottom-up: the largest on top
    fig = _figure(8.0, max(3.0, 0.6 * len(table) + 1.8))
    ax = fig.add_subplot()
    if kind == "sobol":
        pairs: list[BarSpec] = [
            ("S1", "S1_conf", "first order S1", "tab:blue"),
            ("ST", "ST_conf", "total ST", "tab:orange"),
        ]
        _paired_bars(ax, table, pairs)
        ax.set_xlabel(f"Sobol index (share of the variance of {_label(outcome)})")
        ax.set_title(f"Sobol indices of {_label(outcome)} (error bars: confidence intervals)")
    else:
        pairs = [
            ("mu_star", "mu_star_conf", "mu* (mean |effect|)", "tab:blue"),
            ("sigma", None, "sigma (spread of effects)", "tab:gray"),
        ]
        _paired_bars(ax, table, pairs)
        ax.set_xlabel(f"elementary effect on {_label(outcome)} (per unit-cube step)")
        ax.set_title(f"Morris screening of {_label(outcome)} (error bars: confidence interval of mu*)")
    return fig


def indices(table: pd.DataFrame, path: str | Path, *, outcome: str = OBJECTIVE) -> Path:
    """Write ``indices_figure(table, outcome=outcome)`` as a PNG; returns the path written."""
    return _save(indices_figure(table, outcome=outcome), path)


# -- shadow prices ----------------------------------------------------------------------------------


def _solution_of(solution: LXSolution | ScenarioResult) -> Any:
    """The ``LXSolution`` of a ``ScenarioResult`` (run with ``keep="full"``), or ``solution``."""
    if isinstance(solution, LXSolution):
        return solution
    if solution.solution is None:
        raise ValueError(
            f"shadow prices: scenario {solution.name!r} kept no solution; run run_scenarios(..., keep='full')"
        )
    return solution.solution


def _signed_bars(ax: Any, labels: Sequence[str], values: Sequence[float], height: float) -> None:
    """Horizontal bars, green for positive values and red for negative ones, bottom-up."""
    ax.barh(
        range(len(values)),
        list(values),
        color=["tab:green" if v >= 0 else "tab:red" for v in values],
        height=height,
    )
    ax.set_yticks(range(len(values)))
    ax.set_yticklabels(list(labels), fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)


def shadow_prices_figure(solution: LXSolution | ScenarioResult, *, top: int = 20) -> Figure:
    """Horizontal bars of the ``top`` largest ``|shadow price|`` of an ``LXSolution`` (or of
    a ``ScenarioResult`` run with ``keep="full"``), the largest on top."""
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ValueError(f"shadow prices: top={top!r} must be an integer >= 1")
    solution = _solution_of(solution)
    prices = getattr(solution, "shadow_prices", None)
    if not prices:
        raise ValueError(
            "shadow prices: the solution has none (status "
            f"{getattr(solution, 'status', '?')!r}); they need an LP solved to optimality "
            "and keep='full' in run_scenarios"
        )
    ranked = sorted(prices.items(), key=lambda kv: (-abs(kv[1]), kv[0]))[:top]
    ranked.reverse()  # barh draws bottom-up
    fig = _figure(8.0, max(2.5, 0.3 * len(ranked) + 1.5))
    ax = fig.add_subplot()
    _signed_bars(ax, [n for n, _ in ranked], [v for _, v in ranked], height=0.7)
    ax.set_xlabel("shadow price (objective change per unit of right-hand side)")
    shown = f"top {len(ranked)} of {len(prices)}" if len(prices) > len(ranked) else f"{len(prices)}"
    ax.set_title(f"Shadow prices ({shown} constraints by |value|)")
    return fig


def shadow_prices(solution: LXSolution | ScenarioResult, path: str | Path, top: int = 20) -> Path:
    """Write ``shadow_prices_figure(solution, top=top)`` as a PNG; returns the path written."""
    return _save(shadow_prices_figure(solution, top=top), path)


# -- rank correlations ------------------------------------------------------------------------------


def correlation_figure(values: pd.Series, *, outcome: str = OBJECTIVE) -> Figure:
    """Horizontal bars of each parameter's rank correlation with ``outcome``, the strongest on
    top: ``values`` is ``runner.analysis.rank_correlations(results, outcome=outcome)``
    (parameter -> rho)."""
    if len(values) == 0:
        raise ValueError(
            "correlations: nothing to plot; rank correlations need at least three feasible "
            "sampled scenarios (runner.analysis.rank_correlations)"
        )
    fig = _figure(8.0, max(2.5, 0.45 * len(values) + 1.5))
    ax = fig.add_subplot()
    shown = values.iloc[::-1]  # barh draws bottom-up: the strongest on top
    _signed_bars(ax, [str(i) for i in shown.index], shown.to_numpy(dtype=float).tolist(), height=0.6)
    ax.set_xlim(-1, 1)
    what = "the objective" if outcome == OBJECTIVE else outcome
    ax.set_xlabel(f"rank correlation with {what} (Spearman)")
    ax.set_title(f"Sensitivity: which parameters move {what}")
    return fig


def correlations(values: pd.Series, path: str | Path, *, outcome: str = OBJECTIVE) -> Path:
    """Write ``correlation_figure(values, outcome=outcome)`` as a PNG; returns the path written."""
    return _save(correlation_figure(values, outcome=outcome), path)
