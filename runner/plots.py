"""PNG plots of sweep results (the ``plots`` extra: matplotlib).

Each plot has a builder that returns a matplotlib ``Figure`` (``tornado_figure``, ...) and a
writer that saves it as a PNG and returns the path (``tornado``, ...). Results are a
``ScenarioResults`` or the ``pandas.DataFrame`` of ``ScenarioResults.to_dataframe()`` (as read
back from Parquet or CSV): columns ``name``, ``status``, ``objective_value`` and one column per
parameter. ``correlation_figure`` / ``correlations`` draw the rank correlations of
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

from .analysis import feasible, parameter_columns
from .columns import BASELINE

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from .results import ScenarioResult, ScenarioResults

__all__ = [
    "tornado",
    "tornado_figure",
    "response_curve",
    "response_figure",
    "distribution",
    "distribution_figure",
    "shadow_prices",
    "shadow_prices_figure",
    "correlations",
    "correlation_figure",
]

logger = logging.getLogger(__name__)


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


def _table(results: ScenarioResults | pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The results as a dataframe and its parameter columns (in order)."""
    import pandas as pd

    if isinstance(results, pd.DataFrame):
        df = results
        params = parameter_columns(df)
    elif hasattr(results, "to_dataframe"):
        df = results.to_dataframe()
        params = list(dict.fromkeys(k for r in results.values() for k in r.parameters))
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
    return df, params


def _ok(df: pd.DataFrame) -> np.ndarray:
    return feasible(df).to_numpy()


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


Bar = tuple[str, float, list[tuple[float, float | None]]]  # (parameter, span, [(value, objective)])


def _moves(df: pd.DataFrame, p: str, base: dict[str, float], position: int) -> np.ndarray:
    """Rows that move ``p`` away from its base value, the other parameters at theirs."""
    mask = ~np.isclose(df[p].to_numpy(dtype=float), base[p])
    for q, value in base.items():
        if q != p:
            mask &= np.isclose(df[q].to_numpy(dtype=float), value)
    mask[position] = False
    return np.flatnonzero(mask)


def _tornado_bar(df: pd.DataFrame, p: str, rows: np.ndarray, ok: np.ndarray, base_obj: float) -> Bar:
    """The bar of ``p``: its lowest and highest value among ``rows`` and their objectives."""
    objective = df["objective_value"].to_numpy(dtype=float)
    values = df[p].to_numpy(dtype=float)[rows]
    ends = sorted({int(rows[np.argmin(values)]), int(rows[np.argmax(values)])})
    ends.sort(key=lambda i: df[p].iloc[i])
    points = [(float(df[p].iloc[i]), float(objective[i]) if ok[i] else None) for i in ends]
    reached = [base_obj] + [o for _, o in points if o is not None]
    return p, max(reached) - min(reached), points


def _tornado_bars(df: pd.DataFrame, base: dict[str, float], position: int, base_obj: float) -> list[Bar]:
    """One bar per parameter that some scenario moves alone, the largest span last."""
    ok = _ok(df)
    bars = []
    for p in base:
        rows = _moves(df, p, base, position)
        if rows.size:
            bars.append(_tornado_bar(df, p, rows, ok, base_obj))
    if not bars:
        raise ValueError(
            "tornado: no scenario moves one parameter away from the base with the others at "
            "their base values; build the sweep with runner.sweeps.one_at_a_time()"
        )
    bars.sort(key=lambda b: b[1])  # barh draws bottom-up: largest span on top
    return bars


_TORNADO_COLORS = {"low": "tab:blue", "high": "tab:orange"}
_TORNADO_LEGEND = {"low": "value below base", "high": "value above base", "failed": "infeasible / failed"}


def _draw_tornado(ax: Any, bars: list[Bar], base: dict[str, float], base_obj: float) -> None:
    labelled: set[str] = set()
    for y, (p, _, points) in enumerate(bars):
        for value, obj in points:
            side = "failed" if obj is None else "low" if value < base[p] else "high"
            label = None if side in labelled else _TORNADO_LEGEND[side]
            labelled.add(side)
            if obj is None:
                ax.plot(base_obj, y, marker="x", color="red", markersize=9, linestyle="none", label=label)
            else:
                color = _TORNADO_COLORS[side]
                ax.barh(y, obj - base_obj, left=base_obj, height=0.6, color=color, label=label)


def tornado_figure(results: ScenarioResults | pd.DataFrame, *, base_name: str | None = None) -> Figure:
    """A tornado chart of a one-at-a-time sweep (``runner.sweeps.one_at_a_time``).

    For each parameter, two bars start at the base objective and end at the objective of the
    parameter's lowest and highest value (the other parameters at their base); parameters are
    sorted by span, the largest on top. The base is ``base_name``, else the ``"<prefix>-base"``
    scenario of ``one_at_a_time``, else ``"baseline"``.
    """
    df, params = _table(results)
    if not params:
        raise ValueError("tornado: the results have no parameter columns; run a one_at_a_time() sweep")
    position, base = _base_row(df, params, base_name)
    base_label = df["name"].iloc[position]
    if not _ok(df)[position]:
        raise ValueError(
            f"tornado: the base scenario {base_label!r} is {df['status'].iloc[position]!r}; "
            "a tornado needs a feasible base"
        )
    base_obj = float(df["objective_value"].iloc[position])
    bars = _tornado_bars(df, base, position, base_obj)
    fig = _figure(8.0, max(2.5, 0.55 * len(bars) + 1.5))
    ax = fig.add_subplot()
    _draw_tornado(ax, bars, base, base_obj)
    ax.axvline(base_obj, color="black", linewidth=1)
    ax.set_yticks(range(len(bars)))
    ax.set_yticklabels([f"{p}\n[{points[0][0]:g} .. {points[-1][0]:g}]" for p, _, points in bars], fontsize=8)
    ax.set_xlabel("objective value")
    ax.set_title(f"Tornado: objective vs base {base_obj:,.6g} ({base_label})")
    ax.legend(loc="best", fontsize=8)
    return fig


def tornado(
    results: ScenarioResults | pd.DataFrame, path: str | Path, *, base_name: str | None = None
) -> Path:
    """Write ``tornado_figure(results)`` as a PNG; returns the path written."""
    return _save(tornado_figure(results, base_name=base_name), path)


# -- response curve --------------------------------------------------------------------------------


def response_figure(results: ScenarioResults | pd.DataFrame, parameter: Any) -> Figure:
    """The objective against one parameter (a column name or a ``Parameter``).

    Feasible scenarios are drawn as points joined in parameter order (the mean per value
    where several scenarios share it); infeasible and failed scenarios are red crosses at the
    bottom of the plot. The unmodified ``"baseline"`` is a dashed line when present.
    """
    column = getattr(parameter, "name", parameter)
    df, params = _table(results)
    if column not in df.columns:
        raise ValueError(f"response curve: no parameter column {column!r}; parameters: {params}")
    ok = _ok(df)
    x = df[column].to_numpy(dtype=float)
    y = df["objective_value"].to_numpy(dtype=float)
    has_x = np.isfinite(x)
    good, bad = has_x & ok, has_x & ~ok
    if not has_x.any():
        raise ValueError(f"response curve: parameter {column!r} has no values")
    fig = _figure()
    ax = fig.add_subplot()
    if good.any():
        order = np.argsort(x[good], kind="stable")
        gx, gy = x[good][order], y[good][order]
        ux = np.unique(gx)
        if ux.size == gx.size:
            ax.plot(gx, gy, marker="o", color="tab:blue", label="objective")
        else:
            ax.scatter(gx, gy, color="tab:blue", alpha=0.4, s=14, label="scenarios")
            ax.plot(ux, [gy[gx == v].mean() for v in ux], color="tab:blue", label="mean")
        low, high = float(gy.min()), float(gy.max())
    else:
        low = high = 0.0
    names = df["name"].astype(str).tolist()
    if BASELINE in names and ok[names.index(BASELINE)]:
        base_obj = float(y[names.index(BASELINE)])
        ax.axhline(base_obj, color="gray", linestyle="--", linewidth=1, label="baseline")
        low, high = min(low, base_obj), max(high, base_obj)
    if bad.any():
        pad = 0.08 * (high - low) if high > low else max(1.0, 0.08 * abs(low))
        bottom = low - pad
        ax.scatter(
            x[bad],
            np.full(int(bad.sum()), bottom),
            marker="x",
            color="red",
            s=40,
            zorder=3,
            label="infeasible / failed",
        )
        ax.set_ylim(bottom - pad, high + pad)
    ax.set_xlabel(column)
    ax.set_ylabel("objective value")
    ax.set_title(f"Objective vs {column} ({int(good.sum())} feasible, {int(bad.sum())} not)")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return fig


def response_curve(results: ScenarioResults | pd.DataFrame, parameter: Any, path: str | Path) -> Path:
    """Write ``response_figure(results, parameter)`` as a PNG; returns the path written."""
    return _save(response_figure(results, parameter), path)


# -- distribution -----------------------------------------------------------------------------------


def distribution_figure(
    results: ScenarioResults | pd.DataFrame, *, percentiles: Sequence[float] = (5, 50, 95)
) -> Figure:
    """A histogram of the feasible objectives of a Monte Carlo or Latin hypercube sweep
    (the ``"baseline"`` row left out of the histogram, drawn as a dotted line), with the mean
    and ``percentiles`` as vertical lines."""
    df, _ = _table(results)
    names = df["name"].astype(str).to_numpy()
    ok = _ok(df)
    sample = ok & (names != BASELINE)
    values = df["objective_value"].to_numpy(dtype=float)[sample]
    if values.size == 0:
        raise ValueError("distribution: no feasible scenario to plot")
    others = int(((names != BASELINE) & ~ok).sum())
    fig = _figure()
    ax = fig.add_subplot()
    bins = min(50, max(5, int(np.ceil(np.sqrt(values.size)))))
    ax.hist(values, bins=bins, color="tab:blue", alpha=0.75, edgecolor="white")
    mean = float(values.mean())
    ax.axvline(mean, color="black", linewidth=1.5, label=f"mean {mean:,.6g}")
    styles = ["--", "-.", ":"]
    for k, q in enumerate(percentiles):
        value = float(np.percentile(values, q))
        ax.axvline(value, color="tab:red", linestyle=styles[k % 3], linewidth=1, label=f"P{q:g} {value:,.6g}")
    if BASELINE in names.tolist() and ok[names.tolist().index(BASELINE)]:
        base_obj = float(df["objective_value"].iloc[names.tolist().index(BASELINE)])
        ax.axvline(base_obj, color="gray", linestyle=":", linewidth=1.5, label=f"baseline {base_obj:,.6g}")
    ax.set_xlabel("objective value")
    ax.set_ylabel("scenarios")
    ax.set_title(f"Objective distribution ({values.size} feasible, {others} infeasible or failed)")
    ax.legend(loc="best", fontsize=8)
    return fig


def distribution(results: ScenarioResults | pd.DataFrame, path: str | Path) -> Path:
    """Write ``distribution_figure(results)`` as a PNG; returns the path written."""
    return _save(distribution_figure(results), path)


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


def correlation_figure(values: pd.Series) -> Figure:
    """Horizontal bars of each parameter's rank correlation with the objective, the strongest
    on top: ``values`` is ``runner.analysis.rank_correlations(results)`` (parameter -> rho)."""
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
    ax.set_xlabel("rank correlation with the objective (Spearman)")
    ax.set_title("Sensitivity: which parameters move the objective")
    return fig


def correlations(values: pd.Series, path: str | Path) -> Path:
    """Write ``correlation_figure(values)`` as a PNG; returns the path written."""
    return _save(correlation_figure(values), path)
