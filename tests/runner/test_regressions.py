"""Regressions found in review: crash attribution on reused workers, lhs constants in callable
scenarios, defaults in scenario keys, and resumed runs retrying failed scenarios."""

from __future__ import annotations

import os

from lumix import LXLinearExpression, LXScenario
from runner import run_scenarios
from tests.runner.conftest import (
    TINY_OPTIMUM,
    close,
    production_model,
    tiny_products,
    tiny_resources,
    wait_for,
    write_atomically,
)


def add_to(resource: str, amount: float):
    def apply(model):
        con = model.get_constraint("capacity")
        rhs = con.rhs_func
        con.rhs(lambda r: rhs(r) + amount if r.name == resource else rhs(r))

    return apply


def _gone(pid_file: str) -> bool:
    """The process whose pid ``pid_file`` holds has died (reaped, or a zombie not yet reaped)."""
    try:
        with open(pid_file) as fh:
            pid = int(fh.read())
    except FileNotFoundError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def die_beside(folder: str):
    """``A``: announces itself, waits until ``B`` runs beside it (in the other worker), then
    kills its worker."""

    def apply(model):
        write_atomically(os.path.join(folder, "A"), str(os.getpid()))
        wait_for(
            lambda: os.path.exists(os.path.join(folder, "B")),
            "B to run beside A",
            seen=lambda: os.listdir(folder),
        )
        os._exit(7)

    return apply


def running_beside(folder: str):
    """``B``: announces itself and goes on only once A's worker is dead, so its first attempt is
    surely running when A crashes (a later one, alone, goes on at once); changes nothing."""

    def apply(model):
        write_atomically(os.path.join(folder, "B"), str(os.getpid()))
        wait_for(lambda: _gone(os.path.join(folder, "A")), "A's worker to die")

    return apply


def test_crash_after_a_normal_round_blames_the_right_scenario(tiny_model, tmp_path):
    """Workers outlive a finished call; in the next call a crash still names its scenario,
    and the scenario that was merely running beside it is not reported crashed."""
    warm = run_scenarios(tiny_model, {"warm": add_to("assembly", 1)}, backend="loky", n_jobs=2)
    assert warm["warm"].status == "optimal"
    scenarios = {"A": die_beside(str(tmp_path)), "B": running_beside(str(tmp_path))}
    scenarios |= {f"q{k}": add_to("assembly", k) for k in range(4)}
    results = run_scenarios(tiny_model, scenarios, backend="loky", n_jobs=2, batch_size=1, retries=0)
    assert results["A"].status == "crashed", results["A"].error
    assert "before any scenario started" not in results["A"].error
    assert results["B"].status == "optimal", results["B"].error
    assert close(results["B"].objective_value, TINY_OPTIMUM)
    for k in range(4):  # assembly 12 + k -> 34 + 2k
        assert close(results[f"q{k}"].objective_value, TINY_OPTIMUM + 2 * k)


def test_callable_changing_a_row_constant_with_a_declarative_rhs():
    """``assembly`` gets a constant 4 in its expression (x0 + x1 + 4 <= rhs), then its rhs is
    set to 12: x0 + x1 <= 8 -> x0 = 8, x1 = 0 -> 24 (not 34, the base model's constant 0)."""
    model = production_model(tiny_products(), tiny_resources(), name="tiny")

    def add_constant(m):
        con = m.get_constraint("capacity")
        con.expression(con.lhs + LXLinearExpression().add_constant(4.0))

    scenario = LXScenario("shifted").modify_model(add_constant)
    scenario.modify_constraint_rhs("capacity[assembly]", set_value=12)
    result = run_scenarios(model, [scenario], backend="sequential", include_baseline=False)["shifted"]
    assert result.status == "optimal"
    assert close(result.objective_value, 24.0)
    assert result.method == "rebuilt"


def test_callables_differing_only_in_a_default_have_different_keys(tiny_model, tmp_path):
    def make(amount=1.0):
        def apply(model, amount=amount):
            add_to("assembly", amount)(model)

        return apply

    store = tmp_path / "journal.sqlite"
    first = run_scenarios(tiny_model, {"more": make(1.0)}, store=store, backend="sequential")
    second = run_scenarios(tiny_model, {"more": make(3.0)}, store=store, backend="sequential")
    assert close(first["more"].objective_value, TINY_OPTIMUM + 2)
    assert close(second["more"].objective_value, TINY_OPTIMUM + 6)


def test_resume_retries_failed_scenarios(tiny_model, tmp_path):
    flag = tmp_path / "broken"
    flag.write_text("yes")

    def flaky(model):
        if flag.exists():
            raise RuntimeError("data not ready")
        add_to("assembly", 2)(model)

    store = tmp_path / "journal.sqlite"
    first = run_scenarios(tiny_model, {"flaky": flaky}, store=store, backend="sequential")
    assert first["flaky"].status == "error" and "data not ready" in first["flaky"].error
    flag.unlink()
    second = run_scenarios(tiny_model, {"flaky": flaky}, store=store, backend="sequential")
    assert second["flaky"].status == "optimal"
    assert close(second["flaky"].objective_value, TINY_OPTIMUM + 4)
    third = run_scenarios(tiny_model, {"flaky": flaky}, store=store, backend="sequential")
    assert third.to_dataframe().equals(second.to_dataframe())  # done now: taken from the journal
