"""How the analyzers reach the scenario runner without ``lumix`` importing it.

The runner registers ``run_scenarios`` under the entry point group
``lumix.scenario_runners`` (see ``pyproject.toml``); the analyzers look it up here. This keeps
the layering of DESIGN.md (``lumix`` never imports ``runner``) while every analyzer call goes
through the runner.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib.metadata import entry_points
from typing import Any

__all__ = ["scenario_runner", "solve_scenarios", "ENTRY_POINT_GROUP"]

ENTRY_POINT_GROUP = "lumix.scenario_runners"


@cache
def scenario_runner() -> Callable[..., Any]:
    """The registered ``run_scenarios`` implementation."""
    found = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)
    if not found:
        raise ImportError(
            "the analyzers run scenarios through the scenario runner, but none is registered "
            f"under the entry point group {ENTRY_POINT_GROUP!r}; install this project "
            "(pip install -e .) so that its runner package is registered"
        )
    return found[0].load()


def solve_scenarios(
    model: Any, scenarios: list[Any], optimizer: Any, n_jobs: int | None, include_baseline: bool
) -> dict[str, Any]:
    """``{name: LXSolution}`` of ``scenarios`` through the runner; ``n_jobs`` 1 or ``None``
    solves serially in this process, as LumiX does."""
    from ..solvers.solution import LXSolution

    serial = n_jobs in (None, 1)
    results = scenario_runner()(
        model,
        scenarios,
        optimizer=optimizer,
        n_jobs=1 if serial else n_jobs,
        backend="sequential" if serial else None,
        include_baseline=include_baseline,
        keep="full",
        progress=False,
    )
    return {
        name: r.solution or LXSolution(r.objective_value, r.status, r.solve_time)
        for name, r in results.items()
    }
