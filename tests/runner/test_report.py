"""The report (``runner.cli.report``) and the plots it picks: the plot follows the sweep's kind,
the summary and the plots describe the same rows (feasible scenarios other than the baseline),
scenarios without a value stay off the value axis, any outcome can be reported, and the indices'
bars show the tables of ``sobol()`` / ``morris()``.

The tiny plan of ``test_sweeps.plan_model`` (``conftest.py``): optimum 34; with assembly hours
A (paint 30 never binding for A <= 20) the objective is 3 A for A <= 10 and 30 + 2 (A - 10)
up to A = 20, 50 beyond; A < 0 is infeasible. ``price`` multiplies every profit.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import scipy.stats

pytest.importorskip("matplotlib")

from runner import plots, run_scenarios  # noqa: E402
from runner.cli.report import sensitivity, sensitivity_lines, summary_table, write_plots  # noqa: E402
from runner.sweeps import grid, monte_carlo, morris, one_at_a_time, param, sobol  # noqa: E402

from .test_sweeps import plan_model  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"
CAP = param("capacity", name="cap")
PRICE = param("production", "objective", name="price")
ASSEMBLY = param("capacity[assembly]", "rhs", "set", name="assembly")
PAINT = param("capacity[paint]", "rhs", "set", name="paint")


def run(scenarios, **kw):
    return run_scenarios(plan_model(), scenarios, backend="sequential", progress=False, **kw)


@pytest.fixture(scope="module")
def sampled():
    """Monte Carlo over assembly hours in [-3, 27]: about a tenth of the draws are infeasible."""
    return run(monte_carlo({ASSEMBLY: scipy.stats.uniform(-3, 30), PRICE: (0.8, 1.2)}, 60, seed=3))


def pngs(paths):
    for path in paths:
        data = path.read_bytes()
        assert data[:8] == PNG and len(data) > 2000, path
    return sorted(path.name for path in paths)


# -- the plot follows the kind ------------------------------------------------------------------------


def test_each_kind_gets_its_plots(sampled, tmp_path):
    oat = run(one_at_a_time({CAP: 1.0, PRICE: 1.0}, {CAP: [0.5, 1.5], PRICE: [0.8, 1.2]}))
    assert pngs(write_plots(oat, tmp_path / "oat", measure=sensitivity(oat))) == ["tornado.png"]

    measure = sensitivity(sampled)
    assert isinstance(measure, pd.Series) and list(measure.index) == ["assembly", "price"]
    assert pngs(write_plots(sampled, tmp_path / "mc", measure=measure)) == [
        "distribution.png",
        "sensitivity.png",
    ]

    line = run(grid({ASSEMBLY: [-1.0, 6.0, 25.0]}))
    assert sensitivity(line) is None
    assert pngs(write_plots(line, tmp_path / "grid")) == ["distribution.png", "response_assembly.png"]

    ranges = {ASSEMBLY: (6.0, 18.0), PAINT: (20.0, 40.0), PRICE: (0.8, 1.2)}
    for kind, sweep in (("sobol", sobol(ranges, 16, seed=1)), ("morris", morris(ranges, 6, seed=1))):
        results = run(sweep)
        measure = sensitivity(results)
        assert isinstance(measure, pd.DataFrame) and list(measure.index) == ["assembly", "paint", "price"]
        assert pngs(write_plots(results, tmp_path / kind, measure=measure)) == ["indices.png"], kind


# -- the same rows in the summary and the plots -------------------------------------------------------


def test_summary_and_distribution_count_the_same_scenarios(sampled):
    df = sampled.to_dataframe()
    sample = df[(df["name"] != "baseline") & (df["status"] == "optimal")]
    infeasible = int((df["status"] == "infeasible").sum())
    assert 0 < infeasible < 60 and len(sample) + infeasible == 60  # the baseline is neither

    text = summary_table(sampled).splitlines()
    header = f"Objective percentiles over {len(sample)} feasible scenarios (baseline excluded; "
    assert f"{header}left out: {infeasible} infeasible):" in text
    cells = text[text.index(f"{header}left out: {infeasible} infeasible):") + 2].split()
    low, high = float(cells[0].replace(",", "")), float(cells[-1].replace(",", ""))
    assert (low, high) == pytest.approx(
        (sample["objective_value"].min(), sample["objective_value"].max()), rel=1e-5
    )

    ax, side = plots.distribution_figure(sampled).axes
    heights = [p.get_height() for p in ax.patches]
    assert sum(heights) == len(sample)  # the histogram holds the summary's rows, no more
    assert ax.patches[0].get_x() == pytest.approx(low, rel=1e-5)
    assert ax.patches[-1].get_x() + ax.patches[-1].get_width() == pytest.approx(high, rel=1e-5)
    assert (
        f"{len(sample)} feasible scenarios (baseline excluded); left out: {infeasible} infeasible"
        in ax.get_title()
    )
    # the infeasible ones are counted on their own axis, not on the value axis
    assert [t.get_text() for t in side.get_xticklabels()] == ["infeasible"]
    assert [p.get_height() for p in side.patches] == [infeasible]


def test_no_scenario_without_a_value_lands_on_the_value_axis(sampled):
    df = sampled.to_dataframe()
    infeasible = df.loc[df["status"] == "infeasible", "assembly"].to_numpy()
    ax, band = plots.response_figure(sampled, "assembly").axes
    on_axis = np.concatenate([np.asarray(c.get_offsets())[:, 0] for c in ax.collections] or [np.empty(0)])
    assert not set(infeasible) & set(on_axis)
    (crosses,) = band.lines
    assert sorted(crosses.get_xdata()) == sorted(infeasible)
    assert [t.get_text() for t in band.get_yticklabels()] == ["infeasible"]


# -- any outcome ----------------------------------------------------------------------------------------


def test_plots_and_summary_of_an_outcome(tmp_path):
    sweep = one_at_a_time({ASSEMBLY: 12.0, CAP: 1.0}, {ASSEMBLY: [-1.0, 16.0], CAP: [0.5, 1.5]})
    results = run(sweep, outcomes={"x0": "production[0]"})
    # x0 is at its bound 10 except with capacity * 0.5 (assembly 6): x0 = 6; assembly -1: none
    fig = plots.tornado_figure(results, outcome="x0")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "x0" and "x0 vs base 10" in ax.get_title()
    assert sorted(round(p.get_x() + p.get_width(), 9) for p in ax.patches) == [6.0, 10.0, 10.0]
    text = summary_table(results, outcome="x0")
    assert "Baseline x0: 10" in text and "Best" not in text  # the sense is the objective's
    assert (
        "X0 percentiles" not in text
        and "x0 percentiles over 4 feasible scenarios (baseline excluded; left out: 1 infeasible)" in text
    )
    written = write_plots(results, tmp_path, outcome="x0")
    assert pngs(written) == ["tornado_x0.png"]
    with pytest.raises(ValueError, match=r"outcome 'bogus' is not a numeric column"):
        plots.distribution_figure(results, outcome="bogus")


# -- indices --------------------------------------------------------------------------------------------


SOBOL = pd.DataFrame(
    {
        "S1": [0.3, 0.6, 0.0],
        "S1_conf": [0.05, 0.1, 0.02],
        "ST": [0.35, 0.62, 0.04],
        "ST_conf": [0.06, 0.1, 0.03],
    },
    index=pd.Index(["a", "b", "c"], name="parameter"),
)


def test_sobol_bars_show_the_table_largest_on_top(tmp_path):
    (ax,) = plots.indices_figure(SOBOL).axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["c", "a", "b"]  # by ST, bottom-up
    widths = [round(p.get_width(), 9) for p in ax.patches]
    assert widths == [0.0, 0.3, 0.6, 0.04, 0.35, 0.62]  # S1 bars, then ST bars
    intervals = [c for c in ax.collections if c.get_segments()]
    s1_segments = intervals[0].get_segments()
    assert [(round(s[0][0], 9), round(s[1][0], 9)) for s in s1_segments] == [
        (-0.02, 0.02),
        (0.25, 0.35),
        (0.5, 0.7),
    ]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["first order S1", "total ST"]
    assert "Sobol indices of objective value" in ax.get_title()
    path = tmp_path / "sobol.png"
    assert plots.indices(SOBOL.reset_index(), path, outcome="profit") == path and pngs([path])


def test_morris_bars_show_mu_star_and_sigma():
    table = pd.DataFrame(
        {
            "parameter": ["a", "b"],
            "mu": [1.0, -4.0],
            "mu_star": [1.0, 4.0],
            "sigma": [0.5, 2.0],
            "mu_star_conf": [0.2, 0.5],
        }
    )
    (ax,) = plots.indices_figure(table, outcome="x0").axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
    assert [p.get_width() for p in ax.patches] == [1.0, 4.0, 0.5, 2.0]
    assert "Morris screening of x0" in ax.get_title() and "x0" in ax.get_xlabel()
    with pytest.raises(ValueError, match=r"expected a Sobol table .* or a Morris table"):
        plots.indices_figure(pd.DataFrame({"parameter": ["a"], "rho": [0.1]}))


def test_sobol_sweep_report_prints_its_indices(tmp_path):
    ranges = {ASSEMBLY: (6.0, 18.0), PRICE: (0.8, 1.2)}
    results = run(sobol(ranges, 32, seed=2))
    table = sensitivity(results)
    assert table is not None
    lines = sensitivity_lines(table)
    assert lines[0].startswith("Sobol indices of the objective")
    assert re.match(r"^\s+assembly\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+$", lines[-2])
    # over these ranges assembly moves the objective from 18 to 46, price by +-20 % of it
    assert table.loc["assembly", "ST"] > table.loc["price", "ST"]


def test_summary_prints_no_negative_zero():
    """A shadow price that is -0.0 in some scenarios prints as 0, not -0."""
    from runner.cli.report import _percentile_lines

    lines = _percentile_lines(np.array([-0.0, -0.0, 0.0, 2.5]), "price", pd.Series(dtype=int))
    assert lines[-1].split()[:3] == ["0", "0", "0"]  # min, p5, p25 (numpy gives -0.0 there)
