"""Preparing a sweep: scenarios as given -> checked, keyed tasks; the model compiled, detached
and serialized once; the resume plan from the journal.
"""

from __future__ import annotations

import copy
import hashlib
import uuid
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from lumix import LXModel, LXOptimizer
from lumix.analysis import LXScenario
from lumix.compile import LXCanonicalModel
from lumix.outcomes import Outcome, ResolvedOutcomes
from lumix.scenario import Keep, Resolver
from lumix.solvers.registry import DEFAULT_SOLVER, SOLVER_KEY, backend_class
from lumix.status import Status
from lumix.utils.keys import ContentKeyer, Unkeyable, digest
from lumix.utils.pickling import dumps

from .columns import BASELINE, RESULT_COLUMNS
from .journal import Journal, result_from_row
from .results import ScenarioResult
from .worker import Payload, ScenarioTask

__all__ = ["ScenarioSpec", "SweepPlan", "normalize", "prepare", "scenario_keys"]


@dataclass
class ScenarioSpec:
    """One scenario as given: a declarative ``LXScenario`` or a callable ``fn(model)``."""

    name: str
    declarative: LXScenario | None = None
    function: Callable[[LXModel], Any] | None = None

    @property
    def parameters(self) -> dict[str, Any]:
        if self.declarative is not None:
            return self.declarative.parameter_values()
        return dict(getattr(self.function, "parameters", {}) or {})

    def key(self, keyer: ContentKeyer) -> str:
        """The scenario's journal key: its name, its declarative changes and its callables by
        value (code, captured values, the globals they read); raises ``Unkeyable``."""
        if self.declarative is not None:
            return self.declarative.content_key(keyer, self.name)
        return digest((self.name, (), [keyer.key(self.function)]))

    @property
    def changes(self) -> tuple[tuple[Any, ...], ...]:
        return self.declarative.spec if self.declarative is not None else ()

    @property
    def functions(self) -> tuple[Callable[[LXModel], Any], ...]:
        """Callables that change the scenario's copy of the model, in order."""
        if self.declarative is not None:
            return tuple(self.declarative.model_changes)
        assert self.function is not None
        return (self.function,)


def _spec(position: int, item: Any) -> ScenarioSpec:
    if isinstance(item, LXScenario):
        return ScenarioSpec(item.name, declarative=item)
    if isinstance(item, tuple) and len(item) == 2:
        name, what = item
        if not isinstance(name, str):
            raise TypeError(
                f"scenario #{position} is named {name!r} ({type(name).__name__}): its name must be a "
                "str; expected an LXScenario, a (name, fn(model)) pair, or a mapping {name: fn(model)}"
            )
        if not name.strip():
            raise ValueError(f"scenario #{position} is named {name!r}: its name must not be empty")
        if isinstance(what, LXScenario):
            return ScenarioSpec(name, declarative=what)
        if callable(what):
            return ScenarioSpec(name, function=what)
        raise TypeError(
            f"scenario #{position} is ({name!r}, {type(what).__name__}); expected an LXScenario "
            "or a callable fn(model) beside the name"
        )
    raise TypeError(
        f"scenario #{position} is {type(item).__name__}; expected an LXScenario, a "
        "(name, fn(model)) pair, or a mapping {name: fn(model)}"
    )


def normalize(scenarios: Any, include_baseline: bool) -> list[ScenarioSpec]:
    """The scenarios as ``ScenarioSpec`` objects, the baseline first when asked for.

    Raises ``TypeError`` for an item that is not a scenario or a name that is not a ``str``,
    ``ValueError`` for an empty or a repeated name.
    """
    if isinstance(scenarios, LXScenario):
        scenarios = [scenarios]
    items: Iterable[Any] = scenarios.items() if isinstance(scenarios, Mapping) else scenarios
    specs = [_spec(position, item) for position, item in enumerate(items)]
    seen: set[str] = set()
    for s in specs:
        if s.name in seen:
            raise ValueError(f"two scenarios are named {s.name!r}; names must be unique")
        seen.add(s.name)
    if include_baseline:
        if BASELINE in seen:
            raise ValueError(f"a scenario is named {BASELINE!r}; pass include_baseline=False or rename it")
        specs.insert(0, ScenarioSpec(BASELINE, declarative=LXScenario(BASELINE)))
    return specs


def solver_options(optimizer: LXOptimizer | None, timeout: float | None) -> dict[str, Any]:
    """The optimizer's options (backend, parameters, linearization), with the time limit capped
    at ``timeout``; ``ValueError`` / ``ImportError`` for an unknown or missing backend."""
    options = {} if optimizer is None else optimizer.options
    backend_class(options.get(SOLVER_KEY, DEFAULT_SOLVER))
    if timeout is not None:
        limit = options.get("time_limit")
        options["time_limit"] = timeout if limit is None else min(limit, timeout)
    return options


@dataclass
class SweepPlan:
    """A sweep ready to run: the specs, the compiled model, the serialized payload and keys."""

    specs: list[ScenarioSpec]
    canon: LXCanonicalModel
    payload: bytes
    run_key: str
    options: dict[str, Any]
    timeout: float | None
    shipped: dict[int, bytes] = field(default_factory=dict)
    #: The outcomes read from every solve, ``{name: Outcome}`` (the results' outcome columns).
    outcomes: dict[str, Outcome] = field(default_factory=dict)

    @property
    def solver_stops_at_timeout(self) -> bool:
        """The solver's own time limit is the scenario timeout (``time_limit`` means timeout)."""
        return self.timeout is not None and self.options.get("time_limit") == self.timeout

    @cached_property
    def keys(self) -> list[str]:
        """The scenarios' journal keys (computed when a journal needs them)."""
        return scenario_keys(self.specs)

    def tasks(self, skip: Iterable[int] = ()) -> list[ScenarioTask]:
        skipped = set(skip)
        return [
            ScenarioTask(i, s.name, s.changes, self.shipped.get(i))
            for i, s in enumerate(self.specs)
            if i not in skipped
        ]

    def resume(self, journal: Journal) -> dict[int, ScenarioResult]:
        """Results of this sweep already in ``journal``; failed ones are forgotten there, so
        that they run again."""
        keys = self.keys
        stored = journal.load(self.run_key, keys)
        retry = [k for k, row in stored.items() if Status(row["status"]).is_failure]
        journal.forget(self.run_key, retry)
        return {
            index: result_from_row(index, stored[key], self.specs[index].parameters)
            for index, key in enumerate(keys)
            if key in stored and key not in retry
        }


def prepare(
    model: LXModel,
    specs: list[ScenarioSpec],
    *,
    optimizer: LXOptimizer | None,
    timeout: float | None,
    keep: Keep,
    outcomes: dict[str, Outcome] | None = None,
) -> SweepPlan:
    """Compile the model (under its live session), check every declarative target and outcome,
    detach and serialize the model once, and serialize each scenario's callables.

    Raises ``ScenarioError`` for a target or an outcome's name the model lacks, ``ValueError``
    for an outcome named like a results or parameter column, and ``DetachError`` for a model
    or a callable that holds a database handle, before any worker starts.
    """
    canon = model.to_canonical() if optimizer is None else optimizer.compile(model)
    resolver = Resolver(canon)
    for spec in specs:
        if spec.declarative is not None:
            resolver.check_scenario(spec.declarative)
    outcomes = dict(outcomes or {})
    ResolvedOutcomes(outcomes, resolver)  # unknown names raise here, in the parent
    _check_outcome_names(outcomes, specs)
    options = solver_options(optimizer, timeout)
    callables = any(s.functions for s in specs)
    detached = copy.deepcopy(model) if callables else None
    payload = dumps(Payload(canon, detached, options, keep, outcomes))
    run_key = _run_key(canon, detached, options, keep, outcomes)
    shipped = {i: dumps(s.functions) for i, s in enumerate(specs) if s.functions}
    return SweepPlan(specs, canon, payload, run_key, options, timeout, shipped, outcomes)


def _check_outcome_names(outcomes: dict[str, Outcome], specs: list[ScenarioSpec]) -> None:
    """An outcome's column must not be a results column or a parameter's."""
    if not outcomes:
        return
    for name in outcomes:
        if name in RESULT_COLUMNS:
            raise ValueError(f"outcome {name!r} is named like a results column; rename it (e.g. {name}_kpi)")
    parameters = {key: spec.name for spec in specs for key in spec.parameters}
    for name in outcomes:
        if name in parameters:
            raise ValueError(
                f"outcome {name!r} is named like a parameter of scenario {parameters[name]!r}; "
                "rename one of them (both are columns of the results)"
            )


def _one_off_key() -> str:
    """A key no later run matches: what it keys is solved again on resume."""
    return f"unkeyed-{uuid.uuid4().hex}"


def _run_key(
    canon: LXCanonicalModel,
    detached: LXModel | None,
    options: dict[str, Any],
    keep: str,
    outcomes: dict[str, Outcome],
) -> str:
    """The journal key of the run: the compiled model, solver options, ``keep``, when scenarios
    change the model the detached model by value (its data and callables), and the outcomes by
    value (a run without outcomes keeps the key it had before outcomes existed)."""
    try:
        model_key = None if detached is None else ContentKeyer().key(detached)
    except Unkeyable as exc:
        what = f"the model cannot be keyed by value (it holds {exc.what}); it is solved again on every resume"
        warnings.warn(what, RuntimeWarning, stacklevel=4)
        return _one_off_key()
    parts: tuple[Any, ...] = (canon.content_hash, sorted(options.items()), keep, model_key)
    if outcomes:
        try:
            parts += (ContentKeyer().key(outcomes),)
        except Unkeyable as exc:
            what = f"the outcomes cannot be keyed by value (they hold {exc.what})"
            warnings.warn(f"{what}; the sweep is solved again on every resume", RuntimeWarning, stacklevel=4)
            return _one_off_key()
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def scenario_keys(specs: list[ScenarioSpec]) -> list[str]:
    """Journal keys of ``specs``, by value. A scenario whose callables hold something that
    cannot be keyed by value gets a key of its own (with one warning for all of them), so it
    is never resumed from a stale result."""
    keyer = ContentKeyer()
    keys, unkeyed = [], []
    for spec in specs:
        try:
            keys.append(spec.key(keyer))
        except Unkeyable as exc:
            keys.append(_one_off_key())
            unkeyed.append(f"{spec.name!r} ({exc.what})")
    if unkeyed:
        shown = ", ".join(unkeyed[:3]) + (f" and {len(unkeyed) - 3} more" if len(unkeyed) > 3 else "")
        warnings.warn(
            f"{len(unkeyed)} scenario(s) cannot be keyed by value: {shown}; they are solved again "
            "on every resume",
            RuntimeWarning,
            stacklevel=3,
        )
    return keys
