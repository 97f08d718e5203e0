"""The checked spec (``SweepSpec``, ``RunOptions``) and what needs the model: building it with
the factory, checking the parameters, fragments and outcomes against it, and the scenarios."""

from __future__ import annotations

import copy
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lumix import DetachError, LXModel, ScenarioError
from lumix.outcomes import Outcome
from lumix.scenario import Keep
from lumix.utils.naming import did_you_mean

from ...errors import SpecError
from ...meta import Sweep
from ...sweeps.parameters import shown
from .callables import TRACEBACK_FIX, add_import_paths, callable_name, describe, resolve_callable
from .designs import ChangeSpec, FragmentSpec, ParameterSpec, generate_scenarios
from .outcomes import OutcomeSpec, check_outcomes
from .schema import FACTORY_WHAT

logger = logging.getLogger(__name__)

#: ``on`` values that change a variable (column side); the others name a constraint.
_COLUMN_SIDE = ("lower", "upper", "objective")


@dataclass
class RunOptions:
    """``[run]`` merged with command-line flags (flags win)."""

    n_jobs: int | None = None
    backend: str | None = None
    scheduler: str | None = None
    timeout: float | None = None
    retries: int = 1
    keep: Keep = "summary"
    output: str | None = None
    store: str | None = None
    seed: int = 0


@dataclass
class SweepSpec:
    """A checked spec: the factory, run options and the sweep (the format: ``runner.cli.spec``)."""

    path: Path
    shown: str
    factory: str
    factory_args: dict[str, Any]
    run: RunOptions
    kind: str
    n: int | None
    prefix: str | None
    parameters: list[ParameterSpec] = field(default_factory=list)
    outcomes: list[OutcomeSpec] = field(default_factory=list)
    #: The generator's design options (``method``, ``levels``, ``correlation``).
    design: dict[str, Any] = field(default_factory=dict)
    fragments: dict[str, FragmentSpec] = field(default_factory=dict)

    def error(self, key: str, problem: str, fix: str) -> SpecError:
        return SpecError(self.shown, key, problem, fix)

    @property
    def named_outcomes(self) -> dict[str, Outcome]:
        """``run_scenarios(outcomes=...)`` of the spec's ``[[outcomes]]``."""
        return {o.name: o.outcome for o in self.outcomes}

    # -- the model ----------------------------------------------------------------------------
    def build_model(self) -> LXModel:
        """Import and call the factory; the spec's directory and the CWD go on ``sys.path``
        (and on ``PYTHONPATH``, so that worker processes can import the same modules)."""
        add_import_paths(self.path.parent)
        fn = resolve_callable(self, "[model].factory", self.factory, FACTORY_WHAT)
        logger.info("building the model with %s(**%r)", self.factory, self.factory_args)
        try:
            model = fn(**self.factory_args)
        except TypeError as exc:
            if _raised_here(exc):
                raise self.error(
                    "[model.args]",
                    f"{self.factory}() does not take these arguments: {exc}",
                    "give only keyword arguments the factory accepts in [model.args]",
                ) from exc
            raise self.error(
                "[model].factory", f"{self.factory}() raised {describe(exc)}", TRACEBACK_FIX
            ) from exc
        except Exception as exc:
            raise self.error(
                "[model].factory", f"{self.factory}() raised {describe(exc)}", TRACEBACK_FIX
            ) from exc
        if not isinstance(model, LXModel):
            raise self.error(
                "[model].factory",
                f"{self.factory}() returned {type(model).__name__}, not an LXModel",
                "return the LXModel itself (for example `return model.maximize()`)",
            )
        return model

    def check_against(self, model: LXModel) -> Any:
        """Compile ``model`` and check every parameter against it; returns the compiled model.

        Declarative targets are resolved against the compiled names; a data parameter's
        ``apply`` runs once on a copy of the model with a representative value.
        """
        from lumix.analysis import LXScenario
        from lumix.scenario import Resolver

        try:
            canon = model.to_canonical()
        except Exception as exc:
            raise self.error(
                "[model].factory",
                f"the model from {self.factory}() does not compile: {describe(exc)}",
                "fix the model so that LXOptimizer().solve(model) works",
            ) from exc
        resolver = Resolver(canon)
        self.check_fragments(model, canon, resolver)
        for spec in self.parameters:
            p = spec.parameter
            if p.on == "data":
                self._check_data(model, spec)
                continue
            if p.on == "choice":
                continue  # its fragments are checked above, once each
            scenario = LXScenario(f"check {p.name}")
            p.add_to(scenario, spec.probe())
            try:
                resolver.resolve_scenario(scenario)
            except ScenarioError as exc:
                raise self.unknown_target(spec, canon, exc) from exc
        check_outcomes(self.outcomes, canon, self.shown)
        return canon

    def unknown_target(self, spec: ParameterSpec | ChangeSpec, canon: Any, exc: Exception) -> SpecError:
        """The ``SpecError`` of a target (or coefficient variable) the model does not have."""
        p = spec.parameter
        in_variable = p.on == "coefficient" and f"variable {p.variable!r}" in str(exc)
        field_, name = ("variable", p.variable or "") if in_variable else ("target", p.target)
        column_side = in_variable or p.on in _COLUMN_SIDE
        what = "variable" if column_side else "constraint"
        families = list(canon.col_index if column_side else canon.row_index)
        names = families + list(canon.col_names if column_side else canon.row_names)
        hint = did_you_mean(name, names, n=3, cutoff=0.5)
        return self.error(
            f"{spec.key}.{field_}",
            f"the model has no {what} {name!r}",
            f"{hint + ' ' if hint else ''}name a {what} family or one of its instances; the "
            f"model's {what} families are {', '.join(map(repr, families)) or 'none'}",
        )

    def _check_data(self, model: LXModel, spec: ParameterSpec) -> None:
        p = spec.parameter
        assert p.apply is not None  # Parameter(on="data") checked it
        apply, value = p.apply, spec.probe()
        self._try_on_a_copy(
            model,
            f"{spec.key}.apply",
            lambda trial: apply(trial, value),
            f"{callable_name(apply)}(model, {shown(value)})",
        )

    def _try_on_a_copy(self, model: LXModel, key: str, change: Callable[[LXModel], Any], call: str) -> None:
        """Run ``change`` on a copy of ``model`` and compile it: a ``SpecError`` at ``key``
        when it fails."""
        try:
            trial = copy.deepcopy(model)
        except DetachError as exc:
            raise self.error(
                "[model].factory",
                f"the model cannot be copied for data parameters and fragments: {exc}",
                "let the model's callables capture plain values, not sessions, engines or connections",
            ) from exc
        try:
            returned = change(trial)
            trial = returned if isinstance(returned, LXModel) else trial
            trial.to_canonical()
        except Exception as exc:
            raise self.error(
                key,
                f"{call} failed on a copy of the model: {describe(exc)}",
                "make the function change the data of the model it is given "
                "(for example the instances of model.get_variable(...).get_instances())",
            ) from exc

    def check_fragments(self, model: LXModel, canon: Any, resolver: Any) -> None:
        """Each fragment's changes name elements the model has; its ``apply`` runs on a copy."""
        from lumix.analysis import LXScenario

        for piece in self.fragments.values():
            for change in piece.changes:
                scenario = LXScenario(f"check {change.key}")
                change.parameter.add_to(scenario, change.value)
                try:
                    resolver.resolve_scenario(scenario)
                except ScenarioError as exc:
                    raise self.unknown_target(change, canon, exc) from exc
            if piece.apply is not None:
                self._try_on_a_copy(
                    model, f"{piece.key}.apply", piece.apply, f"{callable_name(piece.apply)}(model)"
                )

    # -- the scenarios ------------------------------------------------------------------------
    def scenarios(self) -> Sweep:
        """The sweep's ``LXScenario`` objects, a lazy ``Sweep`` (deterministic for the spec and seed)."""
        options = {**({} if self.prefix is None else {"prefix": self.prefix}), **self.design}
        try:
            return generate_scenarios(self.kind, self.parameters, self.n, self.run.seed, options)
        except (TypeError, ValueError) as exc:
            raise self.error(
                "[sweep]", f"cannot generate the {self.kind} sweep: {exc}", "correct the sweep"
            ) from exc


def _raised_here(exc: TypeError) -> bool:
    """Whether a ``TypeError`` comes from calling the factory itself (bad arguments)."""
    return len(traceback.extract_tb(exc.__traceback__)) <= 1
