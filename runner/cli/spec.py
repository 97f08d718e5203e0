"""Sweep spec files (TOML) for ``python -m runner run``: reading, checking, building.

A spec has three tables::

    [model]
    factory = "sweep_model:factory"     # module:function returning an LXModel
    args = { products = 40 }            # keyword arguments of the factory (optional)

    [run]                               # all optional; command-line flags win
    n_jobs = 2                          # joblib's meaning (-1: every core)
    backend = "loky"                    # loky | threading | sequential | dask
    scheduler = "tcp://host:8786"       # dask (a scheduler implies the dask backend)
    timeout = 30.0                      # seconds per scenario
    retries = 1
    keep = "summary"                    # summary | values | full
    output = "results/sweep.parquet"    # .parquet, .csv, .sqlite/.db or a SQLAlchemy URL
    store = "results/sweep.journal.sqlite"  # the journal (default: next to the output)
    seed = 42                           # the sampled kinds (default 0)

    [sweep]
    kind = "latin_hypercube"            # grid | one_at_a_time | latin_hypercube | monte_carlo |
                                        # quasi_random | sobol | morris
    n = 5000                            # sampled kinds ($LUMIX_SWEEP_N wins); sobol: base samples
                                        # (n (d + 2) scenarios); morris: trajectories (n (d + 1))
    method = "sobol"                    # quasi_random: sobol | halton
    levels = 4                          # morris: the grid's levels (even)
    correlation = [[1, 0.6], [0.6, 1]]  # latin_hypercube, monte_carlo, quasi_random: rank
                                        # correlations over the parameters in order, or pairs:
                                        # [[sweep.correlations]] parameters = ["a", "b"], rank = 0.6

    [[sweep.parameters]]
    name = "machine"                    # the results column, an identifier (default: target_on_how)
    target = "capacity[1]"              # constraint (on = rhs, coefficient) or variable
    on = "rhs"                          # rhs | lower | upper | objective | coefficient | data | choice
    how = "multiply"                    # set | multiply | add
    type = "float"                      # float | integer | boolean | categorical
    low = 0.8                           # sampled kinds: uniform on [low, high];
    high = 1.2                          # grid / one_at_a_time: with points

    [sweep.fragments.plant3_down]       # a named scenario fragment (selected by a choice):
    apply = "sweep_model:close_plant"   # fn(model) on the scenario's copy, and/or changes
    changes = [{ target = "capacity[plant3]", on = "rhs", how = "set", value = 0 }]

    [[outcomes]]                        # optional: KPIs read from each solution, one column each
    name = "chairs"                     # the column (default: derived, see lumix.outcomes)
    kind = "value"                      # value | sum | max | min | mean | activity | slack |
                                        # shadow_price | goal_deviation | objective
    target = "production[1]"            # a variable (family or column), a row, or a goal
    weights = { "1" = 2.5, "2" = 1.0 }  # kind = "sum" only: weight per key (others weigh 0)
    side = "neg"                        # kind = "goal_deviation" only: pos | neg | total

Per kind, a (float) parameter takes: ``grid``: ``values = [...]`` or ``low``, ``high``,
``points``; ``one_at_a_time``: ``base`` and ``values`` (or ``low``, ``high``, ``points``); the
sampled kinds (``SAMPLED``): ``low`` and ``high`` (uniform), or ``distribution`` =
``"uniform"`` (``low``, ``high``), ``"normal"`` (``mean``, ``std``) or ``"lognormal"`` (``mu``,
``sigma`` of the logarithm), both truncated to ``low`` / ``high`` when given, or
``"triangular"`` (``low``, ``mode``, ``high``); ``morris`` needs bounded values.
``type = "integer"``: whole ``low`` and ``high`` (every integer between, equally likely) or
``values``; ``"boolean"``: ``probability`` of true (default 0.5); ``"categorical"``:
``levels = ["A", "B", "C"]`` and optional ``weights``. A grid takes every level of a boolean or
categorical parameter; one_at_a_time moves it from ``base`` to each other level. A boolean or
categorical parameter selects fragments (``on = "choice"``, implied by ``fragments = { true =
"plant3_down" }``: level -> fragment name; a level without one changes nothing), or its value
goes to ``apply`` (``on = "data"``); numeric levels may also change a target. ``on = "data"``
takes ``apply = "module:function"``, called as ``function(model, value)`` on each scenario's
copy. The results column holds the value: a float, an int, a bool or the level's name.

The keys of each table, their types and allowed values are data (``TOP``, ``MODEL``, ``RUN``,
``SWEEP``, ``SWEEP_OPTIONS``, ``PARAMETER``, ``BY_KIND``, ``TYPE_KEYS``, ``DISTRIBUTIONS``,
``FRAGMENT``, ``CHANGE``, ``CORRELATION``) read by one checker
(``_Reader.fields``). Every problem is a ``SpecError`` naming the file, the key
(``[sweep.parameters][1].high``; parameters count from 0) and the fix. Relative paths in
``[run]`` are relative to the current directory.
"""

from __future__ import annotations

import copy
import importlib
import logging
import math
import numbers
import os
import sys
import tomllib
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np

from lumix import DetachError, LXModel, ScenarioError
from lumix.outcomes import GOAL_SIDES, OUTCOME_KINDS, Outcome, ResolvedOutcomes
from lumix.scenario import KEEP_VALUES, Keep
from lumix.utils.naming import close_matches, did_you_mean

from ..backends import BACKEND_NAMES
from ..columns import RESULT_COLUMNS, check_column_name, column_name
from ..errors import SpecError
from ..sweeps import (
    ALLOWED_HOW,
    HOW_VALUES,
    ON_VALUES,
    QMC_METHODS,
    Distribution,
    Fragment,
    How,
    On,
    Parameter,
    boolean,
    categorical,
    choice_param,
    data_param,
    fragment,
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
    sobol,
    triangular,
    uniform,
)
from ..sweeps.correlation import correlation_matrix
from ..sweeps.parameters import shown
from .report import OUTPUT_SUFFIXES, folder_problem

__all__ = [
    "SpecError",
    "SweepSpec",
    "ParameterSpec",
    "RunOptions",
    "load_spec",
    "check_output",
    "KINDS",
    "SAMPLED",
    "N_ENV",
]

logger = logging.getLogger(__name__)

#: Kinds whose size is ``n`` (sampled), not the parameters' values.
SAMPLED = ("latin_hypercube", "monte_carlo", "quasi_random", "sobol", "morris")
KINDS = ("grid", "one_at_a_time", *SAMPLED)
#: What ``n`` counts where it is not the number of scenarios (``d`` parameters).
N_MEANS = {
    "sobol": "the base samples (n (d + 2) scenarios)",
    "morris": "the trajectories (n (d + 1) scenarios)",
}
#: Kinds that take rank correlations between parameters (Iman-Conover).
CORRELATED = ("latin_hypercube", "monte_carlo", "quasi_random")
#: ``distribution`` -> the numbers it takes.
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "normal": ("mean", "std"),
    "uniform": ("low", "high"),
    "lognormal": ("mu", "sigma"),
    "triangular": ("low", "mode", "high"),
}
#: Distributions that ``low`` / ``high`` truncate.
TRUNCATED = ("normal", "lognormal")
#: A parameter's ``type``: the type of its values.
TYPES = ("float", "integer", "boolean", "categorical")
N_ENV = "LUMIX_SWEEP_N"
DEFAULT_POINTS = 5
#: ``on`` values that change a variable (column side); the others name a constraint.
_COLUMN_SIDE = ("lower", "upper", "objective")


# -- the schema ---------------------------------------------------------------------------------

Check = Callable[[str, Any], "tuple[str, str] | None"]


@dataclass(frozen=True)
class Field:
    """One key of a spec table: its type (``string``, ``integer``, ``number``, ``numbers``,
    ``table``, ``any``), whether it is required, its default, allowed values, a minimum, and
    an extra ``check(name, value)`` returning ``(problem, fix)`` or ``None``. A table's
    ``key`` is how messages name it (``[model.args]``)."""

    kind: str
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    check: Check | None = None
    key: str = ""


def _column_name(name: str, value: str) -> tuple[str, str] | None:
    """A results column's name: an identifier (``runner.columns.check_column_name``)."""
    try:
        check_column_name(value, name)
    except ValueError:
        example = column_name(value) if column_name(value).isidentifier() else "x_1"
        problem = f"{value!r} is not an identifier (letters, digits and _, no dots or brackets)"
        return problem, f'use name = "{example}"'
    return None


def _positive(name: str, value: float) -> tuple[str, str] | None:
    return None if value > 0 else (f"{name} = {value:g} is not positive", f"use {name} > 0")


def _some_jobs(name: str, value: int) -> tuple[str, str] | None:
    if value != 0:
        return None
    return f"{name} = 0 runs nothing", "use a positive number, or -1 for every core"


def _function_form(what: str) -> Check:
    def check(_name: str, text: str) -> tuple[str, str] | None:
        if text.count(":") == 1 and all(part.strip() for part in text.split(":")):
            return None
        return f"{text!r} is not of the form 'module:function'", f"name {what} as module:function"

    return check


def _output_form(_name: str, output: str) -> tuple[str, str] | None:
    suffix = Path(output).suffix.lower()
    if "://" in output or suffix in OUTPUT_SUFFIXES:
        return None
    return (
        f"cannot tell the format of {output!r} from its suffix {suffix or '(none)'!r}",
        "end the path in .parquet or .csv, .sqlite/.db for a SQLite store, or give a SQLAlchemy URL",
    )


FACTORY_WHAT = "a function that returns an LXModel"
APPLY_WHAT = "a function fn(model, value)"

TOP: dict[str, Field] = {
    "model": Field("table", required=True, key="[model]"),
    "run": Field("table", key="[run]"),
    "sweep": Field("table", required=True, key="[sweep]"),
    "outcomes": Field("any"),
}
MODEL: dict[str, Field] = {
    "factory": Field("string", required=True, check=_function_form(FACTORY_WHAT)),
    "args": Field("table", key="[model.args]"),
}
#: ``[run]``: the fields of ``RunOptions``.
RUN: dict[str, Field] = {
    "n_jobs": Field("integer", check=_some_jobs),
    "backend": Field("string", choices=BACKEND_NAMES),
    "scheduler": Field("string"),
    "timeout": Field("number", check=_positive),
    "retries": Field("integer", default=1, minimum=0),
    "keep": Field("string", default="summary", choices=KEEP_VALUES),
    "output": Field("string", check=_output_form),
    "store": Field("string"),
    "seed": Field("integer", default=0, minimum=0),
}
SWEEP: dict[str, Field] = {
    "kind": Field("string", required=True, choices=KINDS),
    "n": Field("integer", minimum=1),
    "prefix": Field("string"),
    "method": Field("string", choices=QMC_METHODS),
    "levels": Field("integer", minimum=2),
    "correlation": Field("matrix"),
    "correlations": Field("any"),
    "fragments": Field("table", key="[sweep.fragments]"),
    "parameters": Field("any"),
}
#: ``[sweep]`` keys that only some kinds take.
SWEEP_OPTIONS: dict[str, tuple[str, ...]] = {
    "method": ("quasi_random",),
    "levels": ("morris",),
    "correlation": CORRELATED,
    "correlations": CORRELATED,
}
#: ``[sweep.fragments.NAME]``: a named scenario fragment.
FRAGMENT: dict[str, Field] = {
    "apply": Field("string", check=_function_form("a function fn(model)")),
    "changes": Field("any"),
}
#: One change of a fragment (``[sweep.fragments.NAME].changes``).
CHANGE: dict[str, Field] = {
    "target": Field("string", required=True),
    "on": Field("string", default="rhs", choices=tuple(o for o in ON_VALUES if o not in ("data", "choice"))),
    "how": Field("string", default="multiply", choices=HOW_VALUES),
    "variable": Field("string"),
    "value": Field("number", required=True),
}
#: ``[[sweep.correlations]]``: the rank correlation of two parameters.
CORRELATION: dict[str, Field] = {
    "parameters": Field("any", required=True),
    "rank": Field("number", required=True),
}
#: ``[[sweep.parameters]]``: every key a parameter may have (``BY_KIND`` says which per kind).
PARAMETER: dict[str, Field] = {
    "name": Field("string", check=_column_name),
    "target": Field("string"),
    "on": Field("string", choices=ON_VALUES),
    "how": Field("string", choices=HOW_VALUES),
    "variable": Field("string"),
    "apply": Field("string", check=_function_form(APPLY_WHAT)),
    "type": Field("string", default="float", choices=TYPES),
    "fragments": Field("table"),
    "values": Field("numbers"),
    "base": Field("scalar"),
    "levels": Field("scalars"),
    "weights": Field("numbers"),
    "probability": Field("number"),
    "low": Field("number"),
    "high": Field("number"),
    "points": Field("integer", minimum=1),
    "distribution": Field("string", choices=tuple(DISTRIBUTIONS)),
    "mean": Field("number"),
    "std": Field("number", check=_positive),
    "mu": Field("number"),
    "sigma": Field("number", check=_positive),
    "mode": Field("number"),
}
COMMON = frozenset({"name", "target", "on", "how", "variable", "apply"})
#: ``[[outcomes]]``: one outcome each (``lumix.outcomes.Outcome``).
OUTCOME: dict[str, Field] = {
    "name": Field("string"),
    "kind": Field("string", required=True, choices=OUTCOME_KINDS),
    "target": Field("string"),
    "weights": Field("table"),
    "side": Field("string", choices=GOAL_SIDES),
}
#: An outcome kind's example target (the fix of a missing one).
_OUTCOME_TARGETS = {
    **dict.fromkeys(("sum", "max", "min", "mean"), "'production' or 'production[7]'"),
    "value": "'production[7]'",
    **dict.fromkeys(("activity", "slack", "shadow_price"), "'capacity[1]'"),
    "goal_deviation": "'volume' (a goal's name)",
}
_DISTRIBUTION_KEYS = frozenset({"distribution", *(k for ks in DISTRIBUTIONS.values() for k in ks)})
_TYPED = frozenset({"type", "levels", "fragments"})
BY_KIND: dict[str, frozenset[str]] = {
    "grid": frozenset({"values", "low", "high", "points", *_TYPED}),
    "one_at_a_time": frozenset({"base", "values", "low", "high", "points", *_TYPED}),
    **dict.fromkeys(SAMPLED, frozenset({*_DISTRIBUTION_KEYS, "weights", "probability", *_TYPED})),
}
#: The keys each ``type`` takes (besides ``COMMON`` ones, ``type`` and ``fragments``).
TYPE_KEYS: dict[str, frozenset[str]] = {
    "float": frozenset({"values", "base", "points", *_DISTRIBUTION_KEYS}),
    "integer": frozenset({"values", "base", "low", "high"}),
    "boolean": frozenset({"base", "probability"}),
    "categorical": frozenset({"levels", "base", "weights"}),
}
#: How a missing required key is fixed, by its type.
MISSING_FIX = {
    "string": 'add {name} = "..." to {table}',
    "number": "add {name} = <number> to {table}",
    "integer": "add {name} = <whole number> to {table}",
    "numbers": "add {name} = [...] to {table}",
    "scalar": "add {name} = <value> to {table}",
    "scalars": "add {name} = [...] to {table}",
}


def _on_rules(on: str) -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]]]:
    """The keys a parameter with this ``on`` needs and the keys it must not have:
    ``{key: (problem, fix)}`` each."""
    if on == "data":
        needs = {
            "apply": (
                "on = 'data' needs the function that changes the model's data",
                'add apply = "module:function" (called as function(model, value))',
            ),
            "name": ("a data parameter needs a name", 'add name = "..." (its results column)'),
        }
        forbids = {
            k: (f"on = 'data' does not use {k}", f"remove {k}") for k in ("target", "variable", "fragments")
        }
        return needs, forbids
    if on == "choice":
        needs = {
            "fragments": (
                "on = 'choice' needs its fragments",
                'add fragments = { <level> = "<fragment name>" }',
            ),
            "name": ("a choice needs a name", 'add name = "..." (its results column)'),
        }
        forbids = {
            k: (f"on = 'choice' does not use {k}", f"remove {k}") for k in ("target", "variable", "apply")
        }
        return needs, forbids
    example = "'capacity' or 'capacity[2]'" if on in ("rhs", "coefficient") else "'production'"
    needs = {"target": (f"on = {on!r} needs a target", f"add target = {example}")}
    forbids = {
        "apply": (f"apply is only used with on = 'data', not {on!r}", "remove apply"),
        "fragments": (f"fragments are only used with on = 'choice', not {on!r}", "remove fragments"),
    }
    return needs, forbids


def _float_distribution(name: str, v: Mapping[str, Any]) -> Distribution:
    """The distribution of ``distribution = name`` with the checked numbers ``v`` (``low`` /
    ``high`` truncate a normal or lognormal)."""
    if name == "normal":
        return normal(v["mean"], v["std"], low=v["low"], high=v["high"])
    if name == "lognormal":
        return lognormal(v["mu"], v["sigma"], low=v["low"], high=v["high"])
    if name == "uniform":
        return uniform(v["low"], v["high"])
    return triangular(v["low"], v["mode"], v["high"])


# -- the checked spec ---------------------------------------------------------------------------


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
class ParameterSpec:
    """One ``[[sweep.parameters]]`` entry: where it is, the ``Parameter``, and its values."""

    index: int
    parameter: Parameter
    values: list[Any] | None = None  # grid, one_at_a_time
    base: Any = None  # one_at_a_time
    marginal: Distribution | None = None  # the sampled kinds

    @property
    def key(self) -> str:
        return f"[sweep.parameters][{self.index}]"

    def probe(self) -> Any:
        """A representative value, used to check the parameter before the sweep runs."""
        if self.base is not None:
            return self.base
        if self.values:
            return self.values[0]
        assert self.marginal is not None, "a sampled parameter has its distribution"
        return self.marginal.values(np.array([0.5]))[0]

    def all_values(self) -> list[Any]:
        """Every value it may take that is known before sampling (a discrete one's levels)."""
        levels = list(self.marginal.levels or ()) if self.marginal is not None else []
        return [*([] if self.base is None else [self.base]), *(self.values or []), *levels]


@dataclass
class ChangeSpec:
    """One change of a fragment: where it is, the ``Parameter`` and its value."""

    key: str
    parameter: Parameter
    value: float


@dataclass
class FragmentSpec:
    """One ``[sweep.fragments.NAME]`` table: its changes, its ``apply`` and the ``Fragment``."""

    name: str
    changes: list[ChangeSpec]
    apply: Callable[[LXModel], Any] | None
    fragment: Fragment

    @property
    def key(self) -> str:
        return f"[sweep.fragments.{self.name}]"


@dataclass
class OutcomeSpec:
    """One ``[[outcomes]]`` entry: where it is, its column name and the ``Outcome``."""

    index: int
    name: str
    outcome: Outcome

    @property
    def key(self) -> str:
        return f"[outcomes][{self.index}]"


def _sampled(generator: Callable[..., list[Any]]) -> Callable[..., list[Any]]:
    return lambda specs, n, seed, kw: generator({s.parameter: s.marginal for s in specs}, n, seed, **kw)


#: ``kind -> generator(parameter specs, n, seed, {"prefix": ..., design options})``.
_GENERATORS: dict[str, Callable[..., list[Any]]] = {
    "grid": lambda specs, n, seed, kw: grid({s.parameter: s.values for s in specs}, **kw),
    "one_at_a_time": lambda specs, n, seed, kw: one_at_a_time(
        {s.parameter: s.base for s in specs}, {s.parameter: s.values for s in specs}, **kw
    ),
    "latin_hypercube": _sampled(latin_hypercube),
    "monte_carlo": _sampled(monte_carlo),
    "quasi_random": _sampled(quasi_random),
    "sobol": _sampled(sobol),
    "morris": _sampled(morris),
}


@dataclass
class SweepSpec:
    """A checked spec: the factory, run options and the sweep (see the module docstring)."""

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

    def check_outcomes(self, canon: Any) -> None:
        """Resolve each outcome against the compiled model: a ``SpecError`` at its ``target``
        (or ``weights``) for a name the model lacks."""
        from lumix.scenario import Resolver

        resolver = Resolver(canon)
        for spec in self.outcomes:
            try:
                ResolvedOutcomes({spec.name: spec.outcome}, resolver)
            except ScenarioError as exc:
                problem = str(exc).removeprefix(f"outcome {spec.name!r}: ")
                field_ = "weights" if "weight" in problem else "target"
                what = "goal" if spec.outcome.kind == "goal_deviation" else "name"
                raise self.error(
                    f"{spec.key}.{field_}",
                    problem,
                    f"name a {what} the model has" if field_ == "target" else "weigh keys the family has",
                ) from exc

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
                "[model].factory", f"{self.factory}() raised {_describe(exc)}", _traceback_fix()
            ) from exc
        except Exception as exc:
            raise self.error(
                "[model].factory", f"{self.factory}() raised {_describe(exc)}", _traceback_fix()
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
                f"the model from {self.factory}() does not compile: {_describe(exc)}",
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
        self.check_outcomes(canon)
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
            f"{_callable_name(apply)}(model, {shown(value)})",
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
                f"{call} failed on a copy of the model: {_describe(exc)}",
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
                    model, f"{piece.key}.apply", piece.apply, f"{_callable_name(piece.apply)}(model)"
                )

    # -- the scenarios ------------------------------------------------------------------------
    def scenarios(self) -> list[Any]:
        """The sweep's ``LXScenario`` objects (deterministic for the spec and seed)."""
        options = {**({} if self.prefix is None else {"prefix": self.prefix}), **self.design}
        try:
            return _GENERATORS[self.kind](self.parameters, self.n, self.run.seed, options)
        except (TypeError, ValueError) as exc:
            raise self.error(
                "[sweep]", f"cannot generate the {self.kind} sweep: {exc}", "correct the sweep"
            ) from exc


# -- reading ------------------------------------------------------------------------------------


def load_spec(path: str | Path, *, n: int | None = None) -> SweepSpec:
    """Read and check the spec at ``path``; ``n`` (or ``$LUMIX_SWEEP_N``) overrides ``[sweep].n``.

    Raises ``SpecError`` for any problem of the file (nothing is imported or run here except
    ``apply`` functions of data parameters, which are imported).
    """
    shown = str(path)
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(
            shown, "(file)", f"cannot read the spec: {exc.strerror or exc}", "check the path"
        ) from exc
    except UnicodeDecodeError as exc:
        raise SpecError(shown, "(file)", f"the spec is not UTF-8 text: {exc}", "save it as UTF-8") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(
            shown, "(toml)", f"not valid TOML: {exc}", "correct the TOML syntax at that line"
        ) from exc
    return _Reader(shown, path).read(data, n)


def check_output(output: str, shown: str, key: str) -> None:
    """An output is a path ending in .parquet, .csv, .sqlite, .sqlite3 or .db, or a URL; a
    path must not be a directory, and its folder must be creatable and writable (checked
    before any worker starts)."""
    problem = _output_form(key, output) or _output_place(output)
    if problem is not None:
        raise SpecError(shown, key, *problem)


def _output_place(output: str) -> tuple[str, str] | None:
    """Whether the results can be written at the path ``output`` (a URL: at the end)."""
    if "://" in output:
        return None
    path = Path(output).expanduser()
    if path.is_dir():
        return (
            f"{output!r} is an existing directory, not a results file",
            f"give a file path, e.g. {str(path / ('sweep' + (path.suffix or '.parquet')))!r}",
        )
    return folder_problem(path.parent)


class _Reader:
    """Checks a parsed spec against the schema above and builds the ``SweepSpec``."""

    def __init__(self, shown: str, path: Path) -> None:
        self.shown = shown
        self.path = path

    def error(self, key: str, problem: str, fix: str) -> SpecError:
        return SpecError(self.shown, key, problem, fix)

    # -- the checker --------------------------------------------------------------------------
    def fields(
        self, table: Mapping[str, Any], schema: Mapping[str, Field], key: str, why: str = ""
    ) -> dict[str, Any]:
        """``table``'s values by the ``schema`` (unknown keys, types, choices, checks)."""
        for name in table:
            if name not in schema:
                raise self.unknown_key(name, schema, key, why)
        return {name: self.value(table.get(name), name, spec, key) for name, spec in schema.items()}

    def unknown_key(self, name: str, allowed: Mapping[str, Any], key: str, why: str = "") -> SpecError:
        hint = did_you_mean(name, sorted(allowed), n=1)
        return self.error(
            f"{key}.{name}" if key else name,
            f"unknown key {name!r}{why}",
            f"{hint + ' ' if hint else ''}use one of {', '.join(sorted(allowed))}",
        )

    def value(self, value: Any, name: str, spec: Field, table: str) -> Any:
        """One checked value (``spec.default`` when absent and not required)."""
        key = spec.key or (f"{table}.{name}" if table else name)
        if value is None:
            if spec.required:
                raise self.missing(name, spec.kind, key, table)
            return spec.default
        value = getattr(self, f"get_{spec.kind}")(value, key)
        self.check(value, name, spec, key)
        return value

    def check(self, value: Any, name: str, spec: Field, key: str) -> None:
        """``value`` is one of ``spec.choices``, at least ``spec.minimum``, and passes ``spec.check``."""
        if spec.choices and value not in spec.choices:
            hint = did_you_mean(value, spec.choices, n=1)
            raise self.error(
                key,
                f"unknown {name} {value!r}",
                f"{hint + ' ' if hint else ''}use one of {', '.join(spec.choices)}",
            )
        if spec.minimum is not None and value < spec.minimum:
            raise self.error(key, f"{value} is less than {spec.minimum}", f"use a number >= {spec.minimum}")
        problem = spec.check(name, value) if spec.check else None
        if problem is not None:
            raise self.error(key, *problem)

    def missing(self, name: str, kind: str, key: str, table: str) -> SpecError:
        if kind == "table":
            return self.error(key, f"the table {key} is missing", f"add a {key} table")
        return self.error(key, "missing", MISSING_FIX[kind].format(name=name, table=table))

    def require(self, values: Mapping[str, Any], name: str, table: str) -> Any:
        """``values[name]``, which a checked table holds (``None`` when absent): required here."""
        value = values[name]
        if value is None:
            raise self.missing(name, PARAMETER[name].kind, f"{table}.{name}", table)
        return value

    # -- typed getters -------------------------------------------------------------------------
    def get_string(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.error(key, f"expected a non-empty string, got {_shown(value)}", "quote it")
        return value

    def get_integer(self, value: Any, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"expected an integer, got {_shown(value)}", "write a whole number")
        return value

    def get_number(self, value: Any, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise self.error(key, f"expected a finite number, got {_shown(value)}", "write a number")
        return float(value)

    def get_numbers(self, value: Any, key: str) -> list[float]:
        if not isinstance(value, list) or not value:
            raise self.error(
                key,
                f"expected a non-empty list of numbers, got {_shown(value)}",
                "write values = [0.8, 1.0, 1.2]",
            )
        return [self.get_number(v, f"{key}[{i}]") for i, v in enumerate(value)]

    def get_scalar(self, value: Any, key: str) -> Any:
        if isinstance(value, str | bool) or (isinstance(value, numbers.Real) and math.isfinite(value)):
            return value
        raise self.error(
            key, f"expected a number, a string or a boolean, got {_shown(value)}", "write one value"
        )

    def get_scalars(self, value: Any, key: str) -> list[Any]:
        if not isinstance(value, list) or not value:
            raise self.error(
                key, f"expected a non-empty list, got {_shown(value)}", 'write levels = ["A", "B", "C"]'
            )
        return [self.get_scalar(v, f"{key}[{i}]") for i, v in enumerate(value)]

    def get_matrix(self, value: Any, key: str) -> list[list[float]]:
        if not isinstance(value, list) or not all(isinstance(row, list) for row in value) or not value:
            raise self.error(
                key, f"expected a matrix (a list of rows), got {_shown(value)}", "write [[1, 0.5], [0.5, 1]]"
            )
        return [
            [self.get_number(x, f"{key}[{i}][{j}]") for j, x in enumerate(row)] for i, row in enumerate(value)
        ]

    def get_table(self, value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(key, f"expected a table, got {_shown(value)}", f"write it as a {key} table")
        return value

    def get_any(self, value: Any, key: str) -> Any:
        return value

    # -- the tables ----------------------------------------------------------------------------
    def read(self, data: dict[str, Any], n_override: int | None) -> SweepSpec:
        top = self.fields(data, TOP, "", " at the top level")
        model = self.fields(top["model"], MODEL, "[model]")
        run = RunOptions(**self.fields(top["run"] or {}, RUN, "[run]"))
        sweep = self.fields(top["sweep"], SWEEP, "[sweep]")
        kind = sweep["kind"]
        n = self.sweep_size(sweep["n"], kind, n_override)
        fragments = self.fragments(sweep["fragments"])
        parameters = self.parameters(sweep["parameters"], kind, fragments)
        factory, args = model["factory"], dict(model["args"] or {})
        spec = SweepSpec(self.path, self.shown, factory, args, run, kind, n, sweep["prefix"], parameters)
        spec.design, spec.fragments = self.design(sweep, kind, parameters), fragments
        spec.outcomes = self.outcomes(top["outcomes"], parameters)
        return spec

    def sweep_size(self, n: int | None, kind: str, n_override: int | None) -> int | None:
        if kind not in SAMPLED:
            if n is not None:
                raise self.error(
                    "[sweep].n",
                    f"kind = {kind!r} does not take n (its size is set by the parameters' values)",
                    f"remove n, or use a sampled kind ({', '.join(SAMPLED)})",
                )
            return None
        if n_override is not None and n_override < 1:
            raise self.error("--n", f"--n {n_override} is not a positive count", "use --n 1 or more")
        n = n_override or self.env_size() or n
        if n is None:
            what = N_MEANS.get(kind, "the number of scenarios")
            raise self.error("[sweep].n", f"kind = {kind!r} needs n, {what}", "add n = <count> to [sweep]")
        return n

    def env_size(self) -> int | None:
        """``$LUMIX_SWEEP_N`` as a count, ``None`` when unset."""
        env = os.environ.get(N_ENV, "").strip()
        if not env:
            return None
        n = int(env) if env.lstrip("+").isdigit() else 0
        if n < 1:
            raise self.error(
                f"${N_ENV}", f"{N_ENV}={env!r} is not a positive integer", f"unset it or set e.g. {N_ENV}=200"
            )
        return n

    def parameters(self, entries: Any, kind: str, fragments: dict[str, FragmentSpec]) -> list[ParameterSpec]:
        if entries is None:
            raise self.error(
                "[sweep.parameters]",
                "the sweep has no parameters",
                "add at least one [[sweep.parameters]] table",
            )
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries) or not entries:
            raise self.error(
                "[sweep.parameters]",
                f"expected an array of tables, got {_shown(entries)}",
                "write each parameter as a [[sweep.parameters]] table",
            )
        specs = [self.parameter(i, entry, kind, fragments) for i, entry in enumerate(entries)]
        seen: dict[str, int] = {}
        for spec in specs:
            name = spec.parameter.name
            if name in seen:
                raise self.error(
                    f"{spec.key}.name",
                    f"the name {name!r} is also used by [sweep.parameters][{seen[name]}]",
                    "give each parameter its own name (it is a column of the results)",
                )
            seen[name] = spec.index
        return specs

    def parameter(
        self, index: int, entry: dict[str, Any], kind: str, fragments: dict[str, FragmentSpec]
    ) -> ParameterSpec:
        key = f"[sweep.parameters][{index}]"
        allowed = COMMON | BY_KIND[kind]
        for name in entry:
            if name in PARAMETER and name not in allowed:
                raise self.error(
                    f"{key}.{name}",
                    f"{name} is not used by kind = {kind!r}",
                    f"remove it; kind = {kind!r} takes {', '.join(sorted(BY_KIND[kind]))}",
                )
        v = self.fields(entry, {k: PARAMETER[k] for k in PARAMETER if k in allowed}, key)
        self.check_type(v, key)
        on = v["on"] or ("choice" if v["fragments"] is not None else "rhs")
        how = v["how"] or ("set" if on in ("data", "choice") else "multiply")
        self.check_on(v, on, key)
        if on == "data":
            parameter = self.data_parameter(v, key)
        elif on == "choice":
            parameter = self.choice_parameter(v, key, fragments)
        else:
            parameter = self.model_parameter({**v, "on": on}, how, key)
        spec = ParameterSpec(index, parameter)
        self.fill_values(spec, v, key, kind)
        return spec

    def fill_values(self, spec: ParameterSpec, v: Mapping[str, Any], key: str, kind: str) -> None:
        """The parameter's values for ``kind``: a grid's list, one_at_a_time's base and list, or
        a sampled kind's distribution; each suits what the parameter changes."""
        if kind == "grid":
            spec.values = self.level_list(v, key)
        elif kind == "one_at_a_time":
            spec.base = self.base_value(v, key)
            spec.values = self.level_list(v, key, spec.base)
        else:
            spec.marginal = self.marginal(v, key, kind)
        self.check_values(spec, v, key)

    # -- outcomes -----------------------------------------------------------------------------
    def outcomes(self, entries: Any, parameters: list[ParameterSpec]) -> list[OutcomeSpec]:
        """The ``[[outcomes]]`` tables (none: ``[]``), names unique and apart from the results'
        and the parameters' columns."""
        if entries is None:
            return []
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries) or not entries:
            raise self.error(
                "[outcomes]",
                f"expected an array of tables, got {_shown(entries)}",
                "write each outcome as an [[outcomes]] table",
            )
        specs = [self.outcome(i, entry) for i, entry in enumerate(entries)]
        taken = {c: "a results column" for c in RESULT_COLUMNS}
        taken |= {p.parameter.name: f"the name of {p.key}" for p in parameters}
        for spec in specs:
            if spec.name in taken:
                raise self.error(
                    f"{spec.key}.name",
                    f"the name {spec.name!r} is also {taken[spec.name]}",
                    "give each outcome its own name (it is a column of the results)",
                )
            taken[spec.name] = f"the name of {spec.key}"
        return specs

    def outcome(self, index: int, entry: dict[str, Any]) -> OutcomeSpec:
        key = f"[outcomes][{index}]"
        v = self.fields(entry, OUTCOME, key)
        kind = v["kind"]
        self.check_outcome_keys(v, kind, key)
        weights = None
        if v["weights"] is not None:
            weights = {k: self.get_number(w, f"{key}.weights.{k}") for k, w in v["weights"].items()}
        outcome = Outcome(kind, v["target"] or "", weights=weights, side=v["side"] or "total")
        name = v["name"]
        if name is None:
            try:
                name = outcome.default_name()
            except ValueError as exc:
                raise self.error(f"{key}.name", str(exc).split(";")[0], 'add name = "..."') from exc
        elif not name.isidentifier():
            raise self.error(
                f"{key}.name",
                f"{name!r} is not an identifier (letters, digits and _; no dots or brackets)",
                f"use e.g. name = {column_name(name) or 'kpi'!r}",
            )
        return OutcomeSpec(index, name, outcome)

    def check_outcome_keys(self, v: Mapping[str, Any], kind: str, key: str) -> None:
        """``target`` for every kind but ``objective``; ``weights`` only with ``sum``, ``side``
        only with ``goal_deviation``."""
        if kind == "objective" and v["target"] is not None:
            raise self.error(f"{key}.target", "kind = 'objective' takes no target", "remove target")
        if kind != "objective" and v["target"] is None:
            example = _OUTCOME_TARGETS[kind]
            raise self.error(f"{key}.target", f"kind = {kind!r} needs a target", f"add target = {example}")
        for name, only in (("weights", "sum"), ("side", "goal_deviation")):
            if v[name] is not None and kind != only:
                raise self.error(
                    f"{key}.{name}",
                    f"{name} is only used with kind = {only!r}, not {kind!r}",
                    f"remove {name}",
                )

    def check_on(self, v: Mapping[str, Any], on: str, key: str) -> None:
        """The keys this ``on`` needs are there, those it does not use are not (``_on_rules``)."""
        needs, forbids = _on_rules(on)
        for name, (problem, fix) in needs.items():
            if v[name] is None:
                raise self.error(f"{key}.{name}", problem, fix)
        for name, (problem, fix) in forbids.items():
            if v[name] is not None:
                raise self.error(f"{key}.{name}", problem, fix)

    def data_parameter(self, v: Mapping[str, Any], key: str) -> Parameter:
        add_import_paths(self.path.parent)
        fn = resolve_callable(self, f"{key}.apply", v["apply"], APPLY_WHAT)
        return data_param(v["name"], fn)

    def model_parameter(self, v: Mapping[str, Any], how: str, key: str) -> Parameter:
        """A parameter on a model element (``v``: its checked keys, ``on`` among them)."""
        on = v["on"]
        try:
            return param(v["target"], cast(On, on), cast(How, how), name=v["name"], variable=v["variable"])
        except ValueError as exc:
            field_ = "variable" if "variable" in str(exc) else "how"
            raise self.error(f"{key}.{field_}", str(exc).split(": ", 1)[-1], _param_fix(on, field_)) from exc

    # -- values per kind ----------------------------------------------------------------------
    def value_list(self, v: Mapping[str, Any], key: str) -> list[float]:
        if v["values"] is not None:
            return list(v["values"])
        if v["low"] is None and v["high"] is None:
            raise self.error(f"{key}.values", "missing", "add values = [...] (or low, high and points)")
        low, high = self.range(v, key)
        points = v["points"] or DEFAULT_POINTS
        if points == 1:
            return [low]
        return [low + (high - low) * i / (points - 1) for i in range(points)]

    def range(self, v: Mapping[str, Any], key: str, *, strict: bool = False) -> tuple[float, float]:
        low, high = self.require(v, "low", key), self.require(v, "high", key)
        if low > high:
            raise self.error(
                f"{key}.high", f"high = {high:g} is below low = {low:g}", "swap low and high (low <= high)"
            )
        if strict and low == high:
            raise self.error(f"{key}.high", "high equals low", "use low < high")
        return low, high

    # -- types and values -----------------------------------------------------------------------
    def check_type(self, v: Mapping[str, Any], key: str) -> None:
        """The keys the parameter's ``type`` does not take are absent (``TYPE_KEYS``); a
        categorical one lists its levels, each once."""
        type_ = v["type"]
        allowed = TYPE_KEYS[type_] | COMMON | {"type", "fragments"}
        for name, value in v.items():
            if value is not None and name not in allowed:
                raise self.error(
                    f"{key}.{name}",
                    f"{name} is not used by type = {type_!r}",
                    f"remove it; type = {type_!r} takes {', '.join(sorted(TYPE_KEYS[type_]))}",
                )
        if v.get("fragments") is not None and type_ not in ("boolean", "categorical"):
            raise self.error(
                f"{key}.fragments",
                f"a {type_} parameter has no levels to select fragments by",
                "use type = 'boolean' or 'categorical'",
            )
        if type_ == "categorical":
            levels = self.require(v, "levels", key)
            for i, level in enumerate(levels):
                if any(type(other) is type(level) and other == level for other in levels[:i]):
                    raise self.error(
                        f"{key}.levels[{i}]", f"the level {level!r} is listed twice", "list each level once"
                    )

    def level_list(self, v: Mapping[str, Any], key: str, base: Any = None) -> list[Any]:
        """A grid's values, or one_at_a_time's besides ``base``: every level of a boolean or
        categorical parameter, ``values`` (or ``low``, ``high`` and ``points``) of a number."""
        type_ = v["type"]
        if type_ in ("boolean", "categorical"):
            levels = [False, True] if type_ == "boolean" else v["levels"]
            return [level for level in levels if not (type(level) is type(base) and level == base)]
        if type_ == "integer":
            return self.whole_values(v, key)
        return self.value_list(v, key)

    def whole_values(self, v: Mapping[str, Any], key: str) -> list[int]:
        """An integer parameter's ``values``, or every integer from ``low`` to ``high``."""
        if v["values"] is not None:
            return [self.whole(x, f"{key}.values[{i}]") for i, x in enumerate(v["values"])]
        if v["low"] is None and v["high"] is None:
            raise self.error(f"{key}.values", "missing", "add values = [...] (or low and high)")
        low, high = self.whole_range(v, key)
        return list(range(low, high + 1))

    def whole_range(self, v: Mapping[str, Any], key: str) -> tuple[int, int]:
        low, high = self.range(v, key)
        return self.whole(low, f"{key}.low"), self.whole(high, f"{key}.high")

    def whole(self, value: float, key: str) -> int:
        if not float(value).is_integer():
            raise self.error(key, f"{value:g} is not a whole number", "type = 'integer' takes whole numbers")
        return int(value)

    def base_value(self, v: Mapping[str, Any], key: str) -> Any:
        """one_at_a_time's ``base``: of the parameter's type (a level of a categorical one)."""
        base, type_ = self.require(v, "base", key), v["type"]
        if type_ == "boolean" and not isinstance(base, bool):
            raise self.error(
                f"{key}.base", f"expected true or false, got {_shown(base)}", "write base = true or false"
            )
        if type_ == "categorical":
            if not any(type(level) is type(base) and level == base for level in v["levels"]):
                raise self.error(
                    f"{key}.base",
                    f"{base!r} is not one of the levels {v['levels']!r}",
                    "make base one of the levels",
                )
            return base
        if type_ in ("float", "integer"):
            base = self.get_number(base, f"{key}.base")
            return self.whole(base, f"{key}.base") if type_ == "integer" else base
        return base

    def marginal(self, v: Mapping[str, Any], key: str, kind: str) -> Distribution:
        """A sampled parameter's distribution, of its type; bounded for ``morris``."""
        type_ = v["type"]
        if type_ == "boolean":
            probability = 0.5 if v["probability"] is None else v["probability"]
            if not 0 <= probability <= 1:
                raise self.error(
                    f"{key}.probability",
                    f"probability = {probability:g} is outside [0, 1]",
                    "use 0 <= probability <= 1",
                )
            return boolean(probability)
        if type_ == "categorical":
            weights = v["weights"]
            if weights is not None and (
                len(weights) != len(v["levels"]) or min(weights) < 0 or sum(weights) <= 0
            ):
                raise self.error(
                    f"{key}.weights",
                    f"expected {len(v['levels'])} weights >= 0 with a positive sum, got {weights!r}",
                    "give one weight per level",
                )
            return categorical(v["levels"], weights)
        if type_ == "integer":
            return integer(*self.whole_range(v, key))
        dist = self.float_distribution(v, key)
        if kind == "morris" and not dist.bounded:
            raise self.error(
                f"{key}.distribution",
                f"kind = 'morris' needs bounded values, but {dist!r} is unbounded",
                "add low and high (a truncated distribution)",
            )
        return dist

    def float_distribution(self, v: Mapping[str, Any], key: str) -> Distribution:
        """``distribution`` (uniform by default) with its numbers, truncated by ``low`` / ``high``."""
        name = v["distribution"] or "uniform"
        takes = DISTRIBUTIONS[name] + (("low", "high") if name in TRUNCATED else ())
        for extra in sorted(_DISTRIBUTION_KEYS - {"distribution", *takes}):
            if v[extra] is not None:
                raise self.error(
                    f"{key}.{extra}",
                    f"distribution = {name!r} does not use {extra}",
                    f"remove it; {name} takes {', '.join(takes)}",
                )
        numbers_ = {k: self.require(v, k, key) for k in DISTRIBUTIONS[name]} | {k: v[k] for k in takes}
        if v["low"] is not None and v["high"] is not None:
            self.check_interval(v, key, name)
        try:
            return _float_distribution(name, numbers_)
        except ValueError as exc:
            raise self.error(
                f"{key}.{'low' if v['low'] is not None else 'high'}",
                str(exc),
                "truncate to an interval where the distribution has probability",
            ) from exc

    def check_interval(self, v: Mapping[str, Any], key: str, name: str) -> None:
        """``low <= high`` (``<`` but for a uniform), and a triangular's ``mode`` between them."""
        low, high = self.range(v, key, strict=name != "uniform")
        if name == "triangular" and not low <= v["mode"] <= high:
            raise self.error(
                f"{key}.mode",
                f"mode = {v['mode']:g} is outside [{low:g}, {high:g}]",
                "put mode between low and high",
            )

    def check_values(self, spec: ParameterSpec, v: Mapping[str, Any], key: str) -> None:
        """Every known value suits what the parameter changes (numbers for a model element)."""
        p = spec.parameter
        for value in spec.all_values():
            try:
                p.check_value(value, key)
            except (TypeError, ValueError) as exc:
                raise self.error(
                    f"{key}.{'levels' if v['type'] == 'categorical' else 'type'}",
                    f"on = {p.on!r} changes the model by a number, but the parameter takes {value!r}",
                    "select fragments by the value (fragments = {...}), or give it to apply (on = 'data')",
                ) from exc

    # -- fragments ----------------------------------------------------------------------------
    def choice_parameter(
        self, v: Mapping[str, Any], key: str, fragments: dict[str, FragmentSpec]
    ) -> Parameter:
        """``on = 'choice'``: each level's fragment, by the names in ``fragments``."""
        if v["type"] not in ("boolean", "categorical"):
            raise self.error(f"{key}.type", "a choice needs levels", "use type = 'boolean' or 'categorical'")
        levels = [False, True] if v["type"] == "boolean" else list(v["levels"])
        chosen: dict[Any, Fragment] = {}
        for text, name in v["fragments"].items():
            where = f"{key}.fragments.{text}"
            level = self.level_named(text, levels, where)
            chosen[level] = self.fragment_named(name, fragments, where).fragment
        return choice_param(v["name"], {level: chosen.get(level) for level in levels})

    def level_named(self, text: str, levels: list[Any], where: str) -> Any:
        """The level a ``fragments`` key names (``true``, ``A``, ``2``)."""
        for level in levels:
            if text in (str(level), str(level).lower(), shown(level)):
                return level
        shown_levels = ", ".join(
            str(level).lower() if isinstance(level, bool) else shown(level) for level in levels
        )
        raise self.error(where, f"{text!r} is not a level of this parameter", f"use one of {shown_levels}")

    def fragment_named(self, name: Any, fragments: dict[str, FragmentSpec], where: str) -> FragmentSpec:
        name = self.get_string(name, where)
        if name not in fragments:
            hint = did_you_mean(name, list(fragments), n=1)
            raise self.error(
                where,
                f"there is no fragment {name!r}",
                f"{hint + ' ' if hint else ''}define it as a [sweep.fragments.{name}] table",
            )
        return fragments[name]

    def fragments(self, table: dict[str, Any] | None) -> dict[str, FragmentSpec]:
        """The ``[sweep.fragments.NAME]`` tables."""
        return {name: self.fragment_table(name, entry) for name, entry in (table or {}).items()}

    def fragment_table(self, name: str, entry: Any) -> FragmentSpec:
        from lumix.analysis import LXScenario

        key = f"[sweep.fragments.{name}]"
        v = self.fields(self.get_table(entry, key), FRAGMENT, key)
        if v["changes"] is None and v["apply"] is None:
            raise self.error(
                key,
                "the fragment changes nothing",
                'add changes = [{ target = "...", how = "set", value = ... }] or apply = "module:function"',
            )
        entries = [] if v["changes"] is None else self.table_list(v["changes"], f"{key}.changes")
        changes = [self.change(f"{key}.changes[{i}]", e) for i, e in enumerate(entries)]
        fn = None
        if v["apply"] is not None:
            add_import_paths(self.path.parent)
            fn = resolve_callable(self, f"{key}.apply", v["apply"], "a function fn(model)")
        scenario = LXScenario(name)
        for change in changes:
            change.parameter.add_to(scenario, change.value)
        if fn is not None:
            scenario.modify_model(fn)
        return FragmentSpec(name, changes, fn, fragment(name, scenario))

    def change(self, key: str, entry: dict[str, Any]) -> ChangeSpec:
        v = self.fields(entry, CHANGE, key)
        return ChangeSpec(key, self.model_parameter({**v, "name": None}, v["how"], key), v["value"])

    def table_list(self, value: Any, key: str) -> list[dict[str, Any]]:
        if not isinstance(value, list) or not all(isinstance(e, dict) for e in value) or not value:
            raise self.error(
                key, f"expected an array of tables, got {_shown(value)}", "write a list of tables"
            )
        return value

    # -- design options -----------------------------------------------------------------------
    def design(self, sweep: Mapping[str, Any], kind: str, parameters: list[ParameterSpec]) -> dict[str, Any]:
        """The generator's options: ``method`` (quasi_random), ``levels`` (morris), ``correlation``."""
        for name, kinds in SWEEP_OPTIONS.items():
            if sweep[name] is not None and kind not in kinds:
                raise self.error(
                    "[sweep.correlations]" if name == "correlations" else f"[sweep].{name}",
                    f"{name} is not used by kind = {kind!r}",
                    f"remove it; {name} is for kind = {' or '.join(kinds)}",
                )
        design: dict[str, Any] = {}
        if kind == "quasi_random":
            design["method"] = sweep["method"] or QMC_METHODS[0]
        if kind == "morris":
            design["levels"] = sweep["levels"] or 4
            if design["levels"] % 2:
                raise self.error(
                    "[sweep].levels",
                    f"levels = {design['levels']} is odd",
                    "use an even number of levels (4 is usual)",
                )
        correlation = self.correlation(sweep, parameters)
        if correlation is not None:
            design["correlation"] = correlation
        return design

    def correlation(self, sweep: Mapping[str, Any], parameters: list[ParameterSpec]) -> Any:
        """The checked rank-correlation matrix of ``correlation`` or ``[[sweep.correlations]]``."""
        matrix, pairs = sweep["correlation"], sweep["correlations"]
        if matrix is None and pairs is None:
            return None
        if matrix is not None and pairs is not None:
            raise self.error(
                "[sweep.correlations]",
                "the correlations are given twice (correlation and [[sweep.correlations]])",
                "keep one of them",
            )
        key = "[sweep].correlation" if matrix is not None else "[sweep.correlations]"
        given = matrix if matrix is not None else self.correlation_pairs(pairs, parameters)
        try:
            return correlation_matrix(given, [p.parameter for p in parameters], "correlation")
        except (TypeError, ValueError) as exc:
            raise self.error(
                key,
                str(exc).removeprefix("correlation: "),
                "give rank correlations in [-1, 1] that fit together, one row per parameter in order",
            ) from exc

    def correlation_pairs(
        self, entries: Any, parameters: list[ParameterSpec]
    ) -> dict[tuple[str, str], float]:
        names = [p.parameter.name for p in parameters]
        pairs = {}
        for i, entry in enumerate(self.table_list(entries, "[sweep.correlations]")):
            key = f"[sweep.correlations][{i}]"
            v = self.fields(entry, CORRELATION, key)
            two = v["parameters"]
            if not isinstance(two, list) or len(two) != 2 or not all(isinstance(x, str) for x in two):
                raise self.error(
                    f"{key}.parameters",
                    f"expected two parameter names, got {_shown(two)}",
                    'write parameters = ["a", "b"]',
                )
            for name in two:
                if name not in names:
                    hint = did_you_mean(name, names, n=1)
                    raise self.error(
                        f"{key}.parameters",
                        f"there is no parameter {name!r}",
                        f"{hint + ' ' if hint else ''}name parameters of the sweep ({', '.join(names)})",
                    )
            if not -1 <= v["rank"] <= 1:
                raise self.error(
                    f"{key}.rank", f"rank = {v['rank']:g} is outside [-1, 1]", "use -1 <= rank <= 1"
                )
            pairs[two[0], two[1]] = v["rank"]
        return pairs


# -- imports ------------------------------------------------------------------------------------


def _import_module(owner: Any, key: str, module_name: str) -> Any:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise owner.error(
                key,
                f"cannot import module {module_name!r}",
                "put the module next to the spec file or in the current directory, or install it",
            ) from exc
        raise owner.error(
            key, f"importing {module_name!r} failed: {_describe(exc)}", "install the missing package"
        ) from exc
    except Exception as exc:
        raise owner.error(
            key, f"importing {module_name!r} failed: {_describe(exc)}", _traceback_fix()
        ) from exc


def resolve_callable(owner: Any, key: str, text: str, what: str) -> Callable[..., Any]:
    """Import ``module:function`` for ``key``; ``owner.error`` builds the ``SpecError``."""
    module_name, _, attr = text.partition(":")
    logger.debug("importing %s for %s", text, key)
    module = _import_module(owner, key, module_name)
    fn: Any = module
    for part in attr.split("."):
        fn = getattr(fn, part, None)
        if fn is None:
            public = [n for n in dir(module) if not n.startswith("_") and callable(getattr(module, n, None))]
            close = close_matches(attr, public, n=1)
            hint = f"did you mean {module_name}:{close[0]}? " if close else ""
            raise owner.error(
                key, f"module {module_name!r} has no {attr!r}", f"{hint}name {what} defined in {module_name}"
            )
    if not callable(fn):
        raise owner.error(key, f"{text} is a {type(fn).__name__}, not a function", f"name {what}")
    return fn


def add_import_paths(spec_dir: Path) -> None:
    """Put the spec's directory and the CWD first on ``sys.path`` and ``PYTHONPATH``."""
    paths = [str(spec_dir.resolve()), os.getcwd()]
    for p in reversed(paths):
        if p in sys.path:
            sys.path.remove(p)
        sys.path.insert(0, p)
    current = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    os.environ["PYTHONPATH"] = os.pathsep.join(paths + [p for p in current if p not in paths])


# -- small helpers -----------------------------------------------------------------------------


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _describe(exc: BaseException) -> str:
    """``ValueError: message (at file.py:42)``: the innermost frame of ``exc``."""
    where = ""
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        last = frames[-1]
        where = f" (at {os.path.basename(last.filename)}:{last.lineno})"
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}{where}" if message else f"{type(exc).__name__}{where}"


def _raised_here(exc: TypeError) -> bool:
    """Whether a ``TypeError`` comes from calling the factory itself (bad arguments)."""
    return len(traceback.extract_tb(exc.__traceback__)) <= 1


def _traceback_fix() -> str:
    return "run the function in Python to see the full traceback, or run with --traceback"


def _callable_name(fn: Any) -> str:
    module = getattr(fn, "__module__", None)
    name = getattr(fn, "__qualname__", None) or repr(fn)
    return f"{module}:{name}" if module else name


def _param_fix(on: str, field_: str) -> str:
    if field_ == "variable":
        return (
            "give variable = 'production' (the column side) with on = 'coefficient'"
            if on == "coefficient"
            else "remove variable (only on = 'coefficient' uses it)"
        )
    allowed = ", ".join(h for h in HOW_VALUES if h in ALLOWED_HOW[on])
    return f"use how = one of {allowed} for on = {on!r}"
