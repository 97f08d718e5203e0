"""Preparing a sweep: scenarios as given -> checked specs (a list whole, a lazy source as it
comes); the model compiled, detached and serialized once; the run's and the scenarios' journal
keys. ``runner.stream`` turns the specs into tasks, resuming from the journal on the way.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import uuid
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sized
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from lumix import LXModel, LXOptimizer
from lumix.analysis import LXScenario
from lumix.compile import LXCanonicalModel
from lumix.outcomes import Outcome, ResolvedOutcomes
from lumix.scenario import Keep, Resolver
from lumix.solvers.registry import DEFAULT_SOLVER, SOLVER_KEY, backend_class
from lumix.utils.keys import ContentKeyer, Unkeyable, digest
from lumix.utils.pickling import dumps

from .columns import BASELINE, RESULT_COLUMNS
from .meta import Sweep
from .worker import Payload

__all__ = ["ScenarioSpec", "Scenarios", "SweepPlan", "normalize", "prepare", "scenario_keys"]


@dataclass
class ScenarioSpec:
    """One scenario as given: a declarative ``LXScenario``, a callable ``fn(model)``, or a row of
    a declarative design (``design``: its changes, parameters and their targets, made without
    an ``LXScenario``; equal to the spec of the scenario the sweep would give)."""

    name: str
    declarative: LXScenario | None = None
    function: Callable[[LXModel], Any] | None = None
    design: DesignRow | None = None

    @property
    def parameters(self) -> dict[str, Any]:
        if self.design is not None:
            return self.design.parameters
        if self.declarative is not None:
            return self.declarative.parameter_values()
        return dict(getattr(self.function, "parameters", {}) or {})

    def key(self, keyer: ContentKeyer, changes: tuple[tuple[Any, ...], ...] | None = None) -> str:
        """The scenario's journal key: its name, its declarative changes (``changes``, when the
        caller has them already) and its callables by value (code, captured values, the globals
        they read); raises ``Unkeyable``. Equal to ``LXScenario.content_key``."""
        if self.design is not None:
            return digest((self.name, self.design.changes if changes is None else changes, []))
        if self.declarative is not None:
            return self.declarative.content_key(keyer, self.name, changes)
        return digest((self.name, (), [keyer.key(self.function)]))

    @property
    def changes(self) -> tuple[tuple[Any, ...], ...]:
        if self.design is not None:
            return self.design.changes
        return self.declarative.spec if self.declarative is not None else ()

    @property
    def functions(self) -> tuple[Callable[[LXModel], Any], ...]:
        """Callables that change the scenario's copy of the model, in order."""
        if self.declarative is not None:
            return tuple(self.declarative.model_changes)
        if self.function is not None:
            return (self.function,)
        return ()

    def check(self, resolver: Resolver) -> None:
        """Raise ``ScenarioError`` for a declarative target the model lacks (a design's targets
        are checked once: they are every row's)."""
        if self.declarative is not None:
            resolver.check_scenario(self.declarative)
        elif self.design is not None:
            resolver.check_group(self.design.targets, self.name)


class DesignRow(NamedTuple):
    """A declarative design's row (``Sweep.rows``): its changes (``LXScenarioModification.spec``
    tuples), its parameters, and the targets of its changes (the same object in every row)."""

    changes: tuple[tuple[Any, ...], ...]
    parameters: dict[str, Any]
    targets: tuple[tuple[Any, ...], ...]


def _spec(position: int, item: Any) -> ScenarioSpec:
    if isinstance(item, ScenarioSpec):  # a design's row (Sweep.rows)
        return item
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


#: A lazy source is checked for callable scenarios on its first ``PEEK`` scenarios (the model is
#: detached and shipped with its data only when one changes the model).
PEEK = 1000


def _items(scenarios: Any) -> Iterable[Any]:
    """The scenarios one by one: a mapping's ``(name, fn)`` items, a declarative design's rows
    as specs (``Sweep.rows``: no ``LXScenario`` made), any other iterable as it is."""
    if isinstance(scenarios, Mapping):
        return scenarios.items()
    if isinstance(scenarios, Sweep) and (rows := scenarios.rows()) is not None:
        return (
            ScenarioSpec(name, design=DesignRow(changes, parameters, targets))
            for targets, name, changes, parameters in rows
        )
    return scenarios


class Scenarios:
    """The scenarios of a sweep as ``ScenarioSpec`` objects, the baseline first when asked for.

    A list, tuple or mapping is checked whole before anything runs (its specs are kept, as the
    caller holds the scenarios anyway); any other iterable (a generator, a ``Sweep``) is read
    once, lazily, and each scenario is checked as it comes: a bad one stops the sweep there,
    the results before it kept. ``total`` is the number of scenarios when known.
    """

    def __init__(self, scenarios: Any, include_baseline: bool) -> None:
        if isinstance(scenarios, LXScenario):
            scenarios = [scenarios]
        items = _items(scenarios)
        baseline = [ScenarioSpec(BASELINE, declarative=LXScenario(BASELINE))] if include_baseline else []
        self.reserved = {BASELINE} if include_baseline else set()
        size = len(scenarios) if isinstance(scenarios, Sized) else None
        self.total = None if size is None else size + len(baseline)
        self.materialized = isinstance(scenarios, list | tuple | Mapping)
        self._names = _SeenNames()
        if self.materialized:
            self.head = baseline + [self._checked(i, item) for i, item in enumerate(items)]
            self._rest: Iterator[ScenarioSpec] = iter(())
        else:
            lazy = (self._checked(i, item) for i, item in enumerate(items))
            self.head = baseline + list(itertools.islice(lazy, PEEK))
            self._rest = lazy

    def _checked(self, position: int, item: Any) -> ScenarioSpec:
        spec = _spec(position, item)
        if spec.name in self.reserved:
            raise ValueError(f"a scenario is named {BASELINE!r}; pass include_baseline=False or rename it")
        if not self._names.add(spec.name):
            raise ValueError(f"two scenarios are named {spec.name!r}; names must be unique")
        return spec

    def __iter__(self) -> Iterator[ScenarioSpec]:
        """Every spec, in order; a lazy source can be iterated once."""
        yield from self.head
        yield from self._rest


class _SeenNames:
    """The names met so far, for the uniqueness check: a set for the first ``EXACT``, then
    64-bit hashes in sorted numpy arrays (8 bytes a name, so memory stays flat-ish over millions
    of scenarios; a hash collision would report a false repeat with odds ~n^2 / 2^65)."""

    EXACT = 100_000
    MERGE = 65_536

    def __init__(self) -> None:
        self.exact: set[str] = set()
        self.recent: set[int] = set()
        self.older = np.empty(0, dtype=np.int64)

    def add(self, name: str) -> bool:
        """Record ``name``; False if it was met before."""
        if len(self.exact) < self.EXACT:
            if name in self.exact:
                return False
            self.exact.add(name)
            return True
        if name in self.exact:
            return False
        code = hash(name)
        if code in self.recent or self._in_older(code):
            return False
        self.recent.add(code)
        if len(self.recent) >= self.MERGE:
            merged = np.concatenate([self.older, np.fromiter(self.recent, np.int64, len(self.recent))])
            merged.sort()  # in place: the old array and the merged one, never a third
            self.older, self.recent = merged, set()
        return True

    def _in_older(self, code: int) -> bool:
        at = int(np.searchsorted(self.older, code))
        return at < len(self.older) and int(self.older[at]) == code


def normalize(scenarios: Any, include_baseline: bool) -> Scenarios:
    """The scenarios as ``ScenarioSpec`` objects (``Scenarios``), the baseline first when asked.

    Raises ``TypeError`` for an item that is not a scenario or a name that is not a ``str``,
    ``ValueError`` for an empty or a repeated name (a lazy source: when the scenario comes).
    """
    return Scenarios(scenarios, include_baseline)


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
    """A sweep ready to run: its scenarios, the compiled model, the serialized payload and keys."""

    scenarios: Scenarios
    canon: LXCanonicalModel
    payload: bytes
    run_key: str
    options: dict[str, Any]
    timeout: float | None
    resolver: Resolver
    detached: bool
    #: The outcomes read from every solve, ``{name: Outcome}`` (the results' outcome columns).
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    shipped: dict[int, bytes] = field(default_factory=dict)

    @property
    def solver_stops_at_timeout(self) -> bool:
        """The solver's own time limit is the scenario timeout (``time_limit`` means timeout)."""
        return self.timeout is not None and self.options.get("time_limit") == self.timeout

    def specs(self) -> Iterator[tuple[int, ScenarioSpec, bytes | None]]:
        """``(index, spec, serialized callables)`` of every scenario, in order; a lazy source's
        scenarios are checked here as they come (targets, callables)."""
        for index, spec in enumerate(self.scenarios):
            if index < len(self.scenarios.head):
                yield index, spec, self.shipped.get(index)
                continue
            spec.check(self.resolver)
            functions = spec.functions
            if functions and not self.detached:
                raise ValueError(
                    f"scenario {spec.name!r} (#{index}) changes the model with a callable, but the "
                    f"first {PEEK} scenarios of this lazy source did not, so the model was shipped "
                    "without its data; put a callable scenario among the first ones, or pass a list"
                )
            yield index, spec, dumps(functions) if functions else None


def prepare(
    model: LXModel,
    scenarios: Scenarios,
    *,
    optimizer: LXOptimizer | None,
    timeout: float | None,
    keep: Keep,
    outcomes: dict[str, Outcome] | None = None,
) -> SweepPlan:
    """Compile the model (under its live session), check every declarative target and outcome,
    detach and serialize the model once, and serialize each scenario's callables (a lazy
    source: its first scenarios here, the others as they come).

    Raises ``ScenarioError`` for a target or an outcome's name the model lacks, ``ValueError``
    for an outcome named like a results or parameter column, and ``DetachError`` for a model
    or a callable that holds a database handle, before any worker starts.
    """
    canon = model.to_canonical() if optimizer is None else optimizer.compile(model)
    resolver = Resolver(canon)
    head = scenarios.head
    for spec in head:
        spec.check(resolver)
    outcomes = dict(outcomes or {})
    ResolvedOutcomes(outcomes, resolver)  # unknown names raise here, in the parent
    _check_outcome_names(outcomes, head)
    options = solver_options(optimizer, timeout)
    callables = any(s.functions for s in head)
    detached = copy.deepcopy(model) if callables else None
    payload = dumps(Payload(canon, detached, options, keep, outcomes))
    run_key = _run_key(canon, detached, options, keep, outcomes)
    shipped = {i: dumps(s.functions) for i, s in enumerate(head) if s.functions}
    return SweepPlan(
        scenarios, canon, payload, run_key, options, timeout, resolver, callables, outcomes, shipped
    )


def _check_outcome_names(outcomes: dict[str, Outcome], specs: Iterable[ScenarioSpec]) -> None:
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
    """A key no later run matches: what it keys is solved again on resume (32 hex characters,
    like every scenario key)."""
    return uuid.uuid4().hex


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


class ScenarioKeys:
    """Journal keys of scenarios, by value. A scenario whose callables hold something that
    cannot be keyed by value gets a key of its own (with one warning for all of them, from
    ``warn``), so it is never resumed from a stale result."""

    def __init__(self) -> None:
        self.keyer = ContentKeyer()
        self.unkeyed: list[str] = []

    def key(self, spec: ScenarioSpec, changes: tuple[tuple[Any, ...], ...] | None = None) -> str:
        try:
            return spec.key(self.keyer, changes)
        except Unkeyable as exc:
            self.unkeyed.append(f"{spec.name!r} ({exc.what})")
            return _one_off_key()

    def warn(self) -> None:
        unkeyed = self.unkeyed
        if not unkeyed:
            return
        shown = ", ".join(unkeyed[:3]) + (f" and {len(unkeyed) - 3} more" if len(unkeyed) > 3 else "")
        warnings.warn(
            f"{len(unkeyed)} scenario(s) cannot be keyed by value: {shown}; they are solved again "
            "on every resume",
            RuntimeWarning,
            stacklevel=4,
        )
        self.unkeyed = []


def scenario_keys(specs: Iterable[ScenarioSpec]) -> Iterator[str]:
    """Journal keys of ``specs``, by value (see ``ScenarioKeys``), made lazily."""
    keys = ScenarioKeys()
    for spec in specs:
        yield keys.key(spec)
    keys.warn()
