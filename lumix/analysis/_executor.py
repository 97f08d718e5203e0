"""How the analyzers solve their scenarios: in this process, or through an executor.

Serial (the default, as in LumiX): one ``lumix.scenario.ScenarioSession`` in this process,
no copy or pickle of the model. Parallel: an *executor*, a function with the signature of
``runner.run_scenarios`` (``executor=runner.run_scenarios``); ``n_jobs > 1`` without one
looks up the runner registered under the entry point group ``lumix.scenario_runners``
(installed with this project). ``lumix`` itself never imports the runner.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any

from ..scenario import BASELINE, ScenarioSession
from ..solvers.solution import LXSolution
from ..status import Status

if TYPE_CHECKING:
    from ..core.model import LXModel
    from ..solvers.base import LXOptimizer
    from .scenario import LXScenario

__all__ = ["Executor", "scenario_runner", "solve_scenarios", "ENTRY_POINT_GROUP"]

ENTRY_POINT_GROUP = "lumix.scenario_runners"

#: ``run_scenarios(model, scenarios, *, optimizer, n_jobs, include_baseline, keep, progress)``
Executor = Callable[..., Any]

logger = logging.getLogger(__name__)


@cache
def scenario_runner() -> Executor:
    """The registered ``run_scenarios`` implementation."""
    found = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)
    if not found:
        raise ImportError(
            "n_jobs > 1 runs the scenarios through the scenario runner, but none is registered "
            f"under the entry point group {ENTRY_POINT_GROUP!r}; install this project "
            "(pip install -e .) or pass executor=runner.run_scenarios"
        )
    runner: Executor = found[0].load()
    return runner


def solve_scenarios(
    model: LXModel,
    scenarios: Sequence[LXScenario],
    optimizer: LXOptimizer,
    n_jobs: int | None,
    include_baseline: bool,
    executor: Executor | None = None,
) -> dict[str, LXSolution]:
    """``{name: LXSolution}`` of ``scenarios`` (and the baseline first, when asked)."""
    if executor is None and n_jobs in (None, 1):
        return _solve_here(model, scenarios, optimizer, include_baseline)
    run = executor or scenario_runner()
    results = run(
        model,
        list(scenarios),
        optimizer=optimizer,
        n_jobs=n_jobs,
        include_baseline=include_baseline,
        keep="full",
        progress=False,
    )
    return {
        name: r.solution or LXSolution(r.objective_value, str(r.status), r.solve_time)
        for name, r in results.items()
    }


def _solve_here(
    model: LXModel, scenarios: Sequence[LXScenario], optimizer: LXOptimizer, include_baseline: bool
) -> dict[str, LXSolution]:
    canon = optimizer.compile(model)
    session = ScenarioSession(canon, model, optimizer.options, keep="full")
    try:
        for scenario in scenarios:  # every target is checked before anything is solved
            session.resolver.check_scenario(scenario)
        solved = {BASELINE: _solution(session, BASELINE)} if include_baseline else {}
        solved.update((scenario.name, _solution(session, scenario.name, scenario)) for scenario in scenarios)
        return solved
    finally:
        session.close()


def _solution(session: ScenarioSession, name: str, scenario: LXScenario | None = None) -> LXSolution:
    """The scenario's solution (the base model's without a scenario); a scenario whose
    callable raises gets status ``"error"``."""
    try:
        outcome = session.solve() if scenario is None else session.solve_scenario(scenario)
    except Exception:
        logger.warning("scenario %r failed", name, exc_info=True)
        return LXSolution(None, Status.ERROR, 0.0)
    return outcome.solution or LXSolution(outcome.objective_value, str(outcome.status), outcome.solve_time)
