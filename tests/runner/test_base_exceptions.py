"""A scenario's ``SystemExit``, ``KeyboardInterrupt`` or other ``BaseException`` is that
scenario's ``error``, on every backend: the sweep goes on, the parent neither exits nor reports
itself interrupted, and a resumed sweep is not blocked by it. (A real Ctrl-C of the parent is
tested in ``test_faults.py``: it still stops the sweep.)"""

from __future__ import annotations

import sys

import pytest

from runner import run_scenarios

from .test_faults import EXPECTED, GOOD

pytestmark = pytest.mark.timeout(120)


class Custom(BaseException):
    """A BaseException of the user's own, outside the Exception tree."""


def exits(model):
    sys.exit(3)


def interrupts(model):
    raise KeyboardInterrupt("from the scenario")


def raises_custom(model):
    raise Custom("user's own")


def exits_with_message(model):
    raise SystemExit("a scenario called exit")


FAULTS = [
    (exits, "SystemExit: 3"),
    (interrupts, "KeyboardInterrupt: from the scenario"),
    (raises_custom, "Custom: user's own"),
    (exits_with_message, "SystemExit: a scenario called exit"),
]
BACKENDS = [
    {"backend": "sequential"},
    {"backend": "threading", "n_jobs": 2},
    {"backend": "loky", "n_jobs": 2},
]


@pytest.mark.parametrize("options", BACKENDS, ids=[o["backend"] for o in BACKENDS])
@pytest.mark.parametrize("fault, message", FAULTS, ids=[f.__name__ for f, _ in FAULTS])
def test_a_scenarios_base_exception_is_its_error(tiny_model, tmp_path, options, fault, message):
    scenarios = [*((n, s) for n, (s, _) in list(GOOD.items())[:2]), ("bad", fault)]
    scenarios += [(n, s) for n, (s, _) in list(GOOD.items())[2:]]
    store = tmp_path / "journal.sqlite"
    results = run_scenarios(tiny_model, scenarios, store=store, batch_size=2, progress=False, **options)
    assert not results.interrupted
    assert results["bad"].status == "error"
    assert message in results["bad"].error, results["bad"].error
    assert "in scenario 'bad'" in results["bad"].error
    for name, objective in EXPECTED.items():
        assert results[name].status == "optimal", (name, results[name].error)
        assert results[name].objective_value == pytest.approx(objective, rel=1e-9), name
    again = run_scenarios(tiny_model, scenarios, store=store, batch_size=2, progress=False, **options)
    assert again.resumed == len(EXPECTED)  # the innocent ones come from the journal
    assert again["bad"].status == "error"  # the faulty one is tried again, and fails again
