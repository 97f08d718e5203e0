"""Tests of runner/plots.py: each plot's figure (axes, labels, bars) and its PNG file.

Results come from the tiny plan of ``test_sweeps.plan_model`` (optimum 34; every capacity
* 0.5 -> 18, * 1.5 -> 46 (x0 = 10, x1 = 8); every profit * 0.8 -> 27.2, * 1.2 -> 40.8; assembly capacity
set to -1 is infeasible). Shadow prices at the optimum: assembly 2, paint 0.
"""

from __future__ import annotations

import sys

import pytest
import scipy.stats

pytest.importorskip("matplotlib")

from runner import plots, run_scenarios  # noqa: E402
from runner.sweeps import grid, latin_hypercube, monte_carlo, one_at_a_time, param  # noqa: E402

from .test_sweeps import plan_model  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"
CAP = param("capacity", name="cap")
PRICE = param("production", "objective", name="price")
ASSEMBLY = param("capacity[assembly]", "rhs", "set", name="assembly")


def run(scenarios, **kw):
    return run_scenarios(plan_model(), scenarios, backend="sequential", progress=False, **kw)


def assert_png(path, written):
    assert written == path
    data = path.read_bytes()
    assert data[:8] == PNG
    assert len(data) > 2_000


def tick_labels(ax, axis="y"):
    ticks = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    return [t.get_text() for t in ticks]


@pytest.fixture(scope="module")
def oat_results():
    return run(one_at_a_time({CAP: 1.0, PRICE: 1.0}, {CAP: [0.5, 1.5], PRICE: [0.8, 1.2]}))


# -- tornado -----------------------------------------------------------------------------------------


def test_tornado_bars_sorted_by_span(oat_results, tmp_path):
    fig = plots.tornado_figure(oat_results)
    (ax,) = fig.axes
    # two bars per parameter from the base 34: cap 18 .. 46 (span 28), price 27.2 .. 40.8 (13.6)
    assert len(ax.patches) == 4
    labels = tick_labels(ax)
    assert [label.split("\n")[0] for label in labels] == ["price", "cap"]  # largest span on top
    assert labels[1] == "cap\n[0.5 .. 1.5]"
    assert ax.get_xlabel() == "objective value"
    assert "34" in ax.get_title() and "oat-base" in ax.get_title()
    lefts = {round(p.get_x(), 9) for p in ax.patches}
    assert lefts == {34.0}
    ends = sorted(round(p.get_x() + p.get_width(), 6) for p in ax.patches)
    assert ends == [18.0, 27.2, 40.8, 46.0]

    path = tmp_path / "tornado.png"
    assert_png(path, plots.tornado(oat_results, path))
    assert_png(tmp_path / "m.png", oat_results.plot_tornado(tmp_path / "m.png"))


def test_tornado_from_a_parquet_table(oat_results, tmp_path):
    oat_results.to_parquet(tmp_path / "r.parquet")
    import pandas as pd

    df = pd.read_parquet(tmp_path / "r.parquet")
    (ax,) = plots.tornado_figure(df).axes
    assert len(ax.patches) == 4
    assert_png(tmp_path / "out" / "t.png", plots.tornado(df, tmp_path / "out" / "t.png"))


def test_tornado_marks_an_infeasible_end_and_takes_base_name(tmp_path):
    results = run(one_at_a_time({ASSEMBLY: 12.0, CAP: 1.0}, {ASSEMBLY: [-1.0, 16.0], CAP: [0.5]}, prefix="t"))
    assert results["t-00000"].status == "infeasible"
    ax, band = plots.tornado_figure(results, base_name="t-base").axes
    # assembly 16 -> 42, cap 0.5 -> 18: two bars; assembly -1 has no value, so no bar and
    # nothing on the value axis: a cross on the band beside it, in the assembly row
    assert sorted(round(p.get_x() + p.get_width(), 6) for p in ax.patches) == [18.0, 42.0]
    assert not [line for line in ax.lines if line.get_marker() == "x"]
    (cross,) = [line for line in band.lines if line.get_marker() == "x"]
    rows = [label.get_text().split("\n")[0] for label in ax.get_yticklabels()]
    assert (cross.get_xdata()[0], cross.get_ydata()[0]) == (0, rows.index("assembly"))  # 0: below base
    assert [t.get_text() for t in band.texts] == ["infeasible"]
    assert band.get_title() == "no value"


def test_tornado_errors(oat_results):
    with pytest.raises(ValueError, match=r"no scenario named base_name='nope'"):
        plots.tornado_figure(oat_results, base_name="nope")
    plain = run(grid({CAP: [0.5]}), include_baseline=False)
    with pytest.raises(ValueError, match=r"no base scenario"):
        plots.tornado_figure(plain)
    bare = run([], include_baseline=True)
    with pytest.raises(ValueError, match=r"no parameter columns"):
        plots.tornado_figure(bare)
    with pytest.raises(TypeError, match=r"expected ScenarioResults or the DataFrame"):
        plots.tornado_figure([1, 2])


# -- response curve ----------------------------------------------------------------------------------


def test_response_curve_marks_infeasible_points(tmp_path):
    results = run(grid({ASSEMBLY: [-1.0, 6.0, 12.0, 25.0]}))
    fig = plots.response_figure(results, ASSEMBLY)  # a Parameter or its column name
    ax, band = fig.axes
    assert band.get_xlabel() == "assembly"
    assert ax.get_ylabel() == "objective value"
    curve = ax.lines[0]
    assert list(curve.get_xdata()) == [6.0, 12.0, 25.0]
    assert list(curve.get_ydata()) == pytest.approx([18.0, 34.0, 50.0])
    # the infeasible point is on the band below, labelled by its status, not on the value axis
    assert not ax.collections and all(-1.0 not in line.get_xdata() for line in ax.lines)
    (cross,) = band.lines
    assert (list(cross.get_xdata()), list(cross.get_ydata())) == ([-1.0], [0])
    assert [t.get_text() for t in band.get_yticklabels()] == ["infeasible"]
    assert band.get_ylabel() == "no value"
    assert "3 with a value; no value: 1 infeasible" in ax.get_title()

    path = tmp_path / "response.png"
    assert_png(path, plots.response_curve(results, "assembly", path))
    assert_png(tmp_path / "r2.png", results.plot_response("assembly", tmp_path / "r2.png"))


def test_response_curve_with_repeated_values_draws_the_mean():
    results = run(grid({CAP: [0.5, 1.0], PRICE: [1.0, 2.0]}))
    (ax,) = plots.response_figure(results, "cap").axes
    mean = [line for line in ax.lines if line.get_label() == "mean"][0]
    assert list(mean.get_xdata()) == [0.5, 1.0]
    assert list(mean.get_ydata()) == pytest.approx([(18.0 + 36.0) / 2, (34.0 + 68.0) / 2])


def test_response_curve_unknown_parameter():
    results = run(grid({CAP: [1.0]}))
    with pytest.raises(ValueError, match=r"no parameter column 'bogus'; parameters: \['cap'\]"):
        plots.response_figure(results, "bogus")


# -- distribution ------------------------------------------------------------------------------------


def test_distribution_histogram_with_mean_and_percentiles(tmp_path):
    results = run(monte_carlo({CAP: scipy.stats.uniform(0.5, 1.0)}, 25, seed=2))
    fig = plots.distribution_figure(results)
    (ax,) = fig.axes
    assert len(ax.patches) == 5  # ceil(sqrt(25)) bins
    assert sum(p.get_height() for p in ax.patches) == 25  # the baseline is not in the histogram
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert [text.split()[0] for text in legend] == ["mean", "P5", "P50", "P95", "baseline"]
    assert ax.get_xlabel() == "objective value" and ax.get_ylabel() == "scenarios"
    assert "25 feasible scenarios (baseline excluded); left out: none" in ax.get_title()

    path = tmp_path / "dist.png"
    assert_png(path, plots.distribution(results, path))
    assert_png(tmp_path / "d2.png", results.plot_distribution(tmp_path / "d2.png"))


def test_distribution_of_a_latin_hypercube_without_suffix(tmp_path):
    results = run(latin_hypercube({CAP: (0.5, 1.5)}, 9, seed=1), include_baseline=False)
    written = plots.distribution(results, tmp_path / "lhs")
    assert_png(tmp_path / "lhs.png", written)


def test_distribution_needs_a_feasible_scenario():
    results = run(grid({ASSEMBLY: [-1.0, -2.0]}), include_baseline=False)
    with pytest.raises(ValueError, match=r"no feasible scenario with a value of 'objective_value' to plot"):
        plots.distribution_figure(results)


# -- shadow prices -----------------------------------------------------------------------------------


def test_shadow_prices_largest_first(tmp_path):
    results = run([], keep="full")
    solution = results["baseline"].solution
    assert solution.shadow_prices["capacity[assembly]"] == pytest.approx(2.0)
    (ax,) = plots.shadow_prices_figure(solution).axes
    assert len(ax.patches) == 2
    assert tick_labels(ax) == ["capacity[paint]", "capacity[assembly]"]  # largest on top
    assert ax.patches[1].get_width() == pytest.approx(2.0)
    assert ax.get_xlabel().startswith("shadow price")
    (ax,) = plots.shadow_prices_figure(results["baseline"], top=1).axes
    assert tick_labels(ax) == ["capacity[assembly]"]
    assert "top 1 of 2" in ax.get_title()

    path = tmp_path / "sp.png"
    assert_png(path, plots.shadow_prices(solution, path, top=5))
    assert_png(tmp_path / "s2.png", results.plot_shadow_prices(tmp_path / "s2.png"))


def test_shadow_prices_errors(tmp_path):
    summary = run([])
    with pytest.raises(ValueError, match=r"scenario 'baseline' kept no solution; run .*keep='full'"):
        summary.plot_shadow_prices(tmp_path / "x.png")
    with pytest.raises(KeyError):
        summary.plot_shadow_prices(tmp_path / "x.png", scenario="nope")
    infeasible = run(grid({ASSEMBLY: [-1.0]}), keep="full")
    with pytest.raises(ValueError, match=r"has none \(status 'infeasible'\)"):
        plots.shadow_prices_figure(infeasible["grid-00000"])
    with pytest.raises(ValueError, match=r"top=0 must be an integer >= 1"):
        plots.shadow_prices_figure(infeasible["baseline"], top=0)


# -- the extra ---------------------------------------------------------------------------------------


def test_missing_matplotlib_names_the_extra(monkeypatch, oat_results, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"pip install 'lumix-runner\[plots\]'"):
        plots.tornado(oat_results, tmp_path / "t.png")
    assert not (tmp_path / "t.png").exists()
