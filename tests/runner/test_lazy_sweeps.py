"""Lazy sweeps (issue 12, item 1): the generators return a ``Sweep`` that makes its scenarios a
chunk at a time. Iteration, indexing and slicing give the same scenarios whatever the chunk
size; they equal the scenarios ``Parameter.add_to`` builds one by one (``scenario_for``) at the
design's values, which equal the eager samplers of ``runner.sensitivity`` and scipy row for
row; a larger ``n`` keeps the first scenarios; a sweep of millions costs a few MB to build and
start; a lazy sweep solves to the same objectives as its scenarios given as a list.
"""

from __future__ import annotations

import copy
import gc
import itertools
import pickle
import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.stats as st
from scipy.stats import qmc

from lumix.analysis import LXScenario, LXScenarioModification
from runner import run_scenarios
from runner.meta import Sweep, SweepMeta
from runner.sensitivity import morris_sample, saltelli_sample
from runner.sweeps import (
    boolean,
    categorical,
    choice_param,
    data_param,
    grid,
    integer,
    latin_hypercube,
    lognormal,
    monte_carlo,
    morris,
    normal,
    one_at_a_time,
    param,
    quasi_random,
    scenario_for,
    sobol,
    triangular,
    truncated,
    uniform,
)
from runner.sweeps.designs import _check_steps
from runner.sweeps.rows import MorrisRows, QmcRows, SaltelliRows, StreamRows, stream

from .test_sweeps import plan_model, scale_capacity

CAP = param("capacity[assembly]", "rhs", "set", name="hours")
PAINT = param("capacity[paint]", "rhs", "multiply", name="paint")
PROFIT = param("production", "objective", "multiply", name="profit")
LOW = param("production", "lower", "set", name="low")
COEF = param("capacity", "coefficient", "multiply", variable="production", name="coef")
DATA = data_param("level", scale_capacity)
DOWN = choice_param("down", {True: {param("capacity[paint]", "rhs", "set"): 14.0}, False: None})
SUPPLIER = choice_param(
    "supplier",
    {
        "A": None,
        "B": lambda model: None,
        "C": [LXScenarioModification("constraint", "capacity", "rhs_multiply", 1.1, "more")],
    },
)

NUMBERS = {
    CAP: (8.0, 12.0),
    PAINT: normal(1, 0.1, low=0.5, high=1.5),
    PROFIT: lognormal(0, 0.2),
    LOW: integer(0, 2),
    COEF: triangular(0.5, 1, 2),
}
MIXED = {CAP: (8.0, 12.0), DATA: categorical([0.5, 1.0, 2.0]), DOWN: boolean(0.3), SUPPLIER: categorical()}
BOUNDED = {**MIXED, PAINT: normal(1, 0.1, low=0.5, high=1.5), LOW: truncated(st.poisson(2), high=6)}
MORRIS = {**BOUNDED, DOWN: boolean()}  # each step of a 4-level grid changes every value

#: name -> a sweep of about 1,000 - 3,000 scenarios (several chunks of 1,024).
DESIGNS = {
    "monte_carlo": lambda n: monte_carlo({**NUMBERS, **MIXED}, n, seed=3),
    "monte_carlo callable": lambda n: monte_carlo(
        {CAP: lambda rng, k: rng.uniform(8, 12, k), DOWN: boolean()}, n, 4
    ),
    "monte_carlo correlated": lambda n: monte_carlo(NUMBERS, n, 5, correlation={(CAP, PAINT): 0.5}),
    "latin_hypercube": lambda n: latin_hypercube({**NUMBERS, **MIXED}, n, seed=6),
    "quasi_random sobol": lambda n: quasi_random({**NUMBERS, **MIXED}, n, seed=7),
    "quasi_random halton": lambda n: quasi_random(BOUNDED, n, seed=8, method="halton"),
    "quasi_random correlated": lambda n: quasi_random(NUMBERS, n, 9, correlation={(CAP, COEF): -0.4}),
    "sobol": lambda n: sobol(BOUNDED, 2 ** (n // 8).bit_length() // 2, seed=10),
    "morris": lambda n: morris(MORRIS, max(1, n // 8), seed=11),
    "grid": lambda n: grid(
        {
            CAP: [8.0 + k for k in range(max(1, n // 24))],
            DATA: [0.5, 2.0],
            DOWN: boolean(),
            SUPPLIER: categorical(),
            LOW: [0, 1],
        }
    ),
    "one_at_a_time": lambda n: one_at_a_time(
        {CAP: 10.0, DATA: 1.0, DOWN: False, SUPPLIER: "A"},
        {CAP: [8.0 + k / n for k in range(n - 6)], DOWN: boolean(), SUPPLIER: categorical()},
    ),
}


def record(s: LXScenario) -> tuple:
    """What a scenario is: its name, changes (by value), parameters (with their types)."""
    return (
        s.name,
        s.spec,
        [m.description for m in s.modifications],
        s.model_changes,
        s.parameters,
        [type(v) for v in s.parameters.values()],
    )


def records(scenarios) -> list[tuple]:
    return [record(s) for s in scenarios]


@pytest.fixture
def chunk(monkeypatch):
    """Set ``Sweep.chunk`` for the test."""

    def set_chunk(size: int) -> None:
        monkeypatch.setattr(Sweep, "chunk", size)

    return set_chunk


@pytest.mark.parametrize("design", DESIGNS)
def test_iteration_indexing_and_slicing_agree_at_any_chunk_size(design, chunk):
    sweep = DESIGNS[design](2100)
    n = len(sweep)
    assert n == sweep.meta.n > 1024
    listed = records(sweep)
    assert len(listed) == n and len({r[0] for r in listed}) == n
    for size in (1, 7, 1000):
        chunk(size)
        assert records(sweep) == listed
    for i in (0, 1, 1023, 1024, 1025, n // 2, n - 1):
        assert record(sweep[i]) == listed[i]
        assert record(sweep[i - n]) == listed[i]
    for part in (
        slice(0, 5),
        slice(1020, 1030),
        slice(n - 3, None),
        slice(3, 2000, 97),
        slice(None, None, -500),
    ):
        assert records(sweep[part]) == listed[part]


@pytest.mark.parametrize("design", DESIGNS)
def test_the_fast_builder_makes_what_add_to_makes(design):
    """Each scenario equals the one ``scenario_for`` builds from its name and values."""
    sweep = DESIGNS[design](300)
    parameters = {p.name: p for p in sweep._source.builder.parameters}
    for s in itertools.islice(sweep, 0, None, 7):
        one = scenario_for(s.name, {parameters[name]: value for name, value in s.parameters.items()})
        assert s == one and record(s) == record(one)


def test_a_larger_n_keeps_the_first_scenarios():
    for make in (
        lambda n: monte_carlo({**NUMBERS, **MIXED}, n, seed=1),
        lambda n: quasi_random(NUMBERS, n, seed=2),
        lambda n: quasi_random(BOUNDED, n, seed=2, method="halton"),
        lambda n: sobol(BOUNDED, 2 ** (n // 8).bit_length() // 2, seed=3),
        lambda n: morris(MORRIS, n // 8, seed=4),
    ):
        small, large = make(1096), make(3000)
        assert records(large[: len(small)]) == records(small)


def test_design_rows_equal_the_eager_samplers_at_any_offset():
    to_values = [np.ndarray.tolist] * 3
    rows = {
        "saltelli": (SaltelliRows(100, 5, to_values), saltelli_sample(3, 100, 5)),
        "morris": (MorrisRows(100, 4, 5, to_values), morris_sample(3, 100, 4, 5)),
        "sobol": (
            QmcRows(500, "sobol", 5, to_values),
            qmc.Sobol(3, rng=np.random.default_rng(5)).random(500),
        ),
        "halton": (
            QmcRows(500, "halton", 5, to_values),
            qmc.Halton(3, rng=np.random.default_rng(5)).random(500),
        ),
        "streams": (
            StreamRows(500, 5, ["a", "b", "c"], to_values),
            np.column_stack([stream(5, name).random(500) for name in "abc"]),
        ),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, (lazy, eager) in rows.items():
            assert lazy.n == len(eager), name
            for start, stop in ((0, lazy.n), (0, 1), (1, 2), (17, 301), (lazy.n - 5, lazy.n)):
                assert np.array_equal(lazy.numbers(start, stop), eager[start:stop]), (name, start, stop)


def test_length_meta_repr_and_bad_indices():
    sweep = monte_carlo(NUMBERS, 1_000_000, seed=1)
    assert len(sweep) == sweep.meta.n == 1_000_000 and sweep.meta.kind == "monte_carlo"
    assert repr(sweep) == "<Sweep monte_carlo: 1,000,000 scenarios>"
    assert sweep[-1].name == "mc-999999" and sweep[0].name == "mc-00000"
    part = sweep[10:20]
    assert isinstance(part, Sweep) and len(part) == part.meta.n == 10
    assert part.meta.kind == "custom" and part.meta.parameters == sweep.meta.parameters
    assert sweep.meta.kind == "monte_carlo"  # the slice's meta is a copy
    with pytest.raises(IndexError, match="index 1000000 is out of range for 1000000 scenarios"):
        sweep[1_000_000]
    with pytest.raises(IndexError):
        sweep[-1_000_001]
    with pytest.raises(TypeError, match="must be integers or slices, not str"):
        sweep["mc-00001"]


def test_a_sweep_of_a_list_and_equality():
    made = grid({CAP: [8.0, 9.0, 10.0]})
    listed = Sweep(list(made), SweepMeta("custom"))
    assert listed == made == list(made) and made == listed
    assert listed[1] is listed._source.items[1] and listed[-1].name == "grid-00002"
    assert made != list(made)[:2] and made != grid({CAP: [8.0, 9.0, 11.0]})
    assert Sweep() == [] and len(Sweep()) == 0 and Sweep().meta == SweepMeta()
    assert Sweep(s for s in made).meta.kind == "custom"
    with pytest.raises(TypeError):
        hash(made)
    assert not hasattr(made, "append")


def test_a_lazy_sweep_copies_and_pickles_as_its_design():
    sweep = quasi_random(NUMBERS, 3000, seed=12)
    assert records(copy.deepcopy(sweep)) == records(sweep)
    again = pickle.loads(pickle.dumps(sweep))
    assert again == sweep and again.meta == sweep.meta
    larger = quasi_random(NUMBERS, 3_000_000, seed=12)  # the design, not the scenarios, is pickled
    assert abs(len(pickle.dumps(larger)) - len(pickle.dumps(sweep))) < 100


@pytest.mark.parametrize("design", ["monte_carlo", "quasi_random"])
def test_five_million_scenarios_start_in_a_few_megabytes(design):
    make = {"monte_carlo": monte_carlo, "quasi_random": quasi_random}[design]
    make(NUMBERS, 2, seed=1)[1]  # the modules it imports on first use are not the sweep's memory
    tracemalloc.start()
    try:
        sweep = make(NUMBERS, 5_000_000, seed=1)
        first = list(itertools.islice(sweep, 1000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(sweep) == 5_000_000 and len(first) == 1000
    assert peak < 4 * 2**20, f"{peak / 2**20:.1f} MiB"


def test_ten_million_scenarios_of_every_lazy_design_hold_no_scenario():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quasi_random(NUMBERS, 2, 1)[1], sobol(NUMBERS, 2, 1)[1], morris(MORRIS, 1, 1)[1]  # imports
        tracemalloc.start()
        try:
            sweeps = [
                monte_carlo(NUMBERS, 10_000_000, 1),
                quasi_random(NUMBERS, 10_000_000, 1, method="halton"),
                sobol(NUMBERS, 10_000_000 // 7, 1),
                morris({CAP: (8, 12), LOW: integer(0, 3)}, 10_000_000 // 3, 1),
                grid({CAP: [float(k) for k in range(1000)], PAINT: [1.0 + k for k in range(10_000)]}),
            ]
            ends = [(s[0].name, s[-1].name) for s in sweeps]
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert all(len(s) >= 9_999_990 for s in sweeps), [len(s) for s in sweeps]
    assert ends[0] == ("mc-00000", "mc-9999999") and ends[-1] == ("grid-0000000", "grid-9999999")
    assert peak < 4 * 2**20, f"{peak / 2**20:.1f} MiB"


def test_morris_checks_its_steps_as_the_whole_sample_would():
    """A parameter whose grid maps a step's two ends to one value: the lazy check raises the
    error of ``_check_steps`` over the whole sample."""
    spec = {CAP: (8.0, 12.0), SUPPLIER: categorical(weights=[10, 1, 1])}
    with pytest.raises(ValueError) as lazy:
        morris(spec, 600, seed=3)
    unit = morris_sample(2, 600, 4, 3)
    dists = [uniform(8, 12), categorical(["A", "B", "C"], [10, 1, 1])]
    rows = list(zip(*[dist.values(unit[:, j]) for j, dist in enumerate(dists)], strict=True))
    with pytest.raises(ValueError) as eager:
        _check_steps(unit, rows, [CAP, SUPPLIER], 3)
    assert str(lazy.value) == str(eager.value)
    assert "parameter 'supplier'" in str(lazy.value)


def test_sobol_warns_once_for_n_not_a_power_of_two():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sweep = sobol(NUMBERS, 12, seed=1)
        list(sweep)
        sobol(NUMBERS, 16, seed=1)
    assert [str(w.message) for w in caught] == [
        "The balance properties of Sobol' points require n to be a power of 2."
    ]


def test_the_collector_is_paused_only_while_a_chunk_is_made():
    sweep = monte_carlo(NUMBERS, 3000, seed=1)
    assert gc.isenabled()
    for _ in sweep:
        assert gc.isenabled()
    gc.disable()
    try:
        list(sweep)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_lazy_sweep_solves_as_its_scenarios_listed():
    sweep = monte_carlo({CAP: (8.0, 12.0), DATA: categorical([0.5, 1.0]), DOWN: boolean()}, 40, seed=2)
    kw = dict(backend="sequential", progress=False)
    lazy = run_scenarios(plan_model(), sweep, **kw).to_dataframe().set_index("name")
    listed = run_scenarios(plan_model(), list(sweep), **kw).to_dataframe().set_index("name")
    assert list(lazy.index) == list(listed.index) and len(lazy) == 41
    assert np.allclose(lazy["objective_value"], listed["objective_value"])
    assert lazy["hours"].equals(listed["hours"]) and lazy["down"].equals(listed["down"])


#: Declarative designs (every parameter a ``param``): the runner takes their rows without
#: ``LXScenario`` objects (``Sweep.rows``).
DECLARATIVE = {
    "monte_carlo": lambda n: monte_carlo(NUMBERS, n, seed=3),
    "latin_hypercube": lambda n: latin_hypercube(NUMBERS, n, seed=6),
    "quasi_random": lambda n: quasi_random(NUMBERS, n, seed=7),
    "sobol": lambda n: sobol(NUMBERS, 64, seed=10),
    "morris": lambda n: morris({CAP: (8.0, 12.0), PAINT: (0.5, 1.5), LOW: integer(0, 2)}, 30, seed=11),
    "grid": lambda n: grid({CAP: [8.0, 9.0, 10.0], LOW: [0, 1], PROFIT: [0.9, 1.1]}),
    "one_at_a_time": lambda n: one_at_a_time({CAP: 10.0, PAINT: 1.0}, {CAP: [8.0, 12.0], PAINT: [0.9]}),
    "a slice": lambda n: monte_carlo(NUMBERS, n, seed=3)[100:1500],
}


def specs(items) -> list[tuple]:
    """What the runner takes of each scenario: name, changes, parameters, key, callables."""
    from runner.plan import ScenarioKeys, Scenarios

    keys = ScenarioKeys()
    return [(s.name, s.changes, s.parameters, keys.key(s), s.functions) for s in Scenarios(items, True)]


@pytest.mark.parametrize("design", DECLARATIVE)
def test_the_runner_takes_a_declarative_design_as_rows_equal_to_its_scenarios(design, chunk):
    from runner.plan import Scenarios

    chunk(500)
    sweep = DECLARATIVE[design](1200)
    taken = list(Scenarios(sweep, True))
    assert all(s.design is not None and s.declarative is None for s in taken[1:])
    assert specs(sweep) == specs(list(sweep))


def test_designs_with_data_or_choice_parameters_and_stepped_slices_are_taken_as_scenarios():
    from runner.plan import Scenarios

    for sweep in (monte_carlo({**NUMBERS, DATA: (0.5, 2.0)}, 50, 1), monte_carlo(NUMBERS, 50, 1)[::3]):
        assert sweep.rows() is None
        taken = list(Scenarios(sweep, True))
        assert all(s.design is None and s.declarative is not None for s in taken)
        assert specs(sweep) == specs(list(sweep))


def test_a_design_row_target_the_model_lacks_is_an_error_before_anything_runs():
    from lumix.errors import ScenarioError

    sweep = monte_carlo({CAP: (8.0, 12.0), param("capacity[nope]", "rhs", "multiply"): (0.9, 1.1)}, 20, 1)
    with pytest.raises(ScenarioError, match=r"scenario 'mc-0+': unknown constraint 'capacity\[nope\]'"):
        run_scenarios(plan_model(), sweep, backend="sequential", progress=False)


def test_a_design_resumes_from_the_journal_of_its_scenarios_listed(tmp_path):
    sweep = latin_hypercube(NUMBERS, 300, seed=4)
    store = tmp_path / "journal.sqlite"
    kw = dict(backend="sequential", progress=False, store=store)
    first = run_scenarios(plan_model(), list(sweep), **kw)
    again = run_scenarios(plan_model(), sweep, **kw)
    assert again.resumed == len(first) == 301
    assert [(n, r.objective_value) for n, r in again.items()] == [
        (n, r.objective_value) for n, r in first.items()
    ]


def test_a_batch_of_design_rows_ships_as_one_array():
    from runner.plan import Scenarios
    from runner.worker import ScenarioTask, TaskBatch

    def shipped(tasks) -> list[tuple]:
        return [(t.index, t.name, t.changes, t.function) for t in tasks]

    taken = list(Scenarios(monte_carlo(NUMBERS, 256, seed=3), False))
    tasks = [ScenarioTask(i, s.name, s.changes, None, s.design.targets) for i, s in enumerate(taken)]
    compact = pickle.dumps(TaskBatch(tasks), pickle.HIGHEST_PROTOCOL)
    assert len(compact) < len(pickle.dumps(tasks, pickle.HIGHEST_PROTOCOL)) / 2
    back = pickle.loads(compact)
    assert type(back) is TaskBatch and shipped(back) == shipped(tasks)  # the values exactly
    # a batch with a task of another kind (a callable, or no design) ships task by task
    for other in (ScenarioTask(999, "f", (), b"callable"), ScenarioTask(999, "g", tasks[0].changes)):
        mixed = TaskBatch([*tasks[:3], other])
        assert shipped(pickle.loads(pickle.dumps(mixed))) == shipped(mixed)
