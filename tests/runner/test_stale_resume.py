"""No stale resume: the journal key covers what determines a result, by value.

Each case runs a sweep with a journal, changes something a scenario depends on, and runs the
same call again: the changed scenario must be solved again (the tiny model: assembly + k gives
34 + 2k up to k = 8), the unchanged ones come from the journal. What cannot be keyed by value
is solved again with a warning, never resumed.
"""

from __future__ import annotations

import collections
import functools

import pytest

from runner import run_scenarios

from .conftest import TINY_OPTIMUM, close

AMOUNTS = {"assembly": 1.0}  # a module global that a scenario reads


def add_to_assembly(model, amounts=None):
    """The scenario: assembly's capacity + amounts["assembly"] (the module's dict by default)."""
    amount = (AMOUNTS if amounts is None else amounts)["assembly"]
    con = model.get_constraint("capacity")
    rhs = con.rhs_func
    con.rhs(lambda r: rhs(r) + amount if r.name == "assembly" else rhs(r))


def reads_the_global(model):
    add_to_assembly(model)


def expected(amount: float) -> float:
    return TINY_OPTIMUM + 2 * amount


def _global_case():
    def change():
        AMOUNTS["assembly"] = 3.0

    def restore():
        AMOUNTS["assembly"] = 1.0

    return reads_the_global, change, restore


def _partial_case():
    amounts = {"assembly": 1.0}
    return functools.partial(add_to_assembly, amounts=amounts), lambda: amounts.update(assembly=3.0), None


def _closure_case():
    amounts = {"assembly": 1.0}

    def scenario(model):
        add_to_assembly(model, amounts)

    return scenario, lambda: amounts.update(assembly=3.0), None


CASES = {
    "module global": _global_case,
    "dict in a partial": _partial_case,
    "dict in a closure": _closure_case,
}


@pytest.mark.parametrize("make", list(CASES.values()), ids=list(CASES))
def test_a_change_of_what_a_scenario_reads_is_solved_again(tiny_model, tmp_path, make):
    scenario, change, restore = make()
    store = tmp_path / "journal.sqlite"
    try:
        first = run_scenarios(tiny_model, {"more": scenario}, store=store, backend="sequential")
        assert close(first["more"].objective_value, expected(1.0))
        change()
        second = run_scenarios(tiny_model, {"more": scenario}, store=store, backend="sequential")
        assert close(second["more"].objective_value, expected(3.0)), second["more"]
        assert second.resumed == 1  # the baseline, unchanged, from the journal
        third = run_scenarios(tiny_model, {"more": scenario}, store=store, backend="sequential")
        assert third.resumed == 2 and close(third["more"].objective_value, expected(3.0))
    finally:
        if restore is not None:
            restore()


def test_a_change_of_the_model_data_that_only_a_scenario_reads_is_solved_again(tiny_model, tmp_path):
    """The compiled model is the same, but the data a callable scenario reads changed."""

    def from_data(model):
        product = model.get_variable("production")._data[0]
        add_to_assembly(model, {"assembly": getattr(product, "extra", 1.0)})

    store = tmp_path / "journal.sqlite"
    first = run_scenarios(tiny_model, {"data": from_data}, store=store, backend="sequential")
    assert close(first["data"].objective_value, expected(1.0))
    tiny_model.get_variable("production")._data[0].extra = 3.0
    second = run_scenarios(tiny_model, {"data": from_data}, store=store, backend="sequential")
    assert close(second["data"].objective_value, expected(3.0)), second["data"]


def test_what_cannot_be_keyed_is_solved_again_with_a_warning(tiny_model, tmp_path):
    """A deque holding a lambda ships (cloudpickle) but has no content key: no attributes,
    and the standard pickle refuses the lambda."""
    amounts = {"assembly": 1.0}
    holder = collections.deque([lambda: amounts["assembly"]])

    def locked(model):
        add_to_assembly(model, {"assembly": holder[0]()})

    store = tmp_path / "journal.sqlite"
    with pytest.warns(RuntimeWarning, match=r"1 scenario\(s\) cannot be keyed by value: 'locked'"):
        first = run_scenarios(tiny_model, {"locked": locked}, store=store, backend="sequential")
    assert close(first["locked"].objective_value, expected(1.0))
    amounts["assembly"] = 3.0
    with pytest.warns(RuntimeWarning, match="solved again on every resume"):
        second = run_scenarios(tiny_model, {"locked": locked}, store=store, backend="sequential")
    assert second.resumed == 1  # only the baseline
    assert close(second["locked"].objective_value, expected(3.0))
