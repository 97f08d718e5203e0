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
    seed = 42                           # latin_hypercube / monte_carlo (default 0)

    [sweep]
    kind = "latin_hypercube"            # grid | one_at_a_time | latin_hypercube | monte_carlo
    n = 5000                            # latin_hypercube / monte_carlo ($LUMIX_SWEEP_N wins)

    [[sweep.parameters]]
    name = "machine"                    # the results column (default: target.on_how)
    target = "capacity[1]"              # constraint (on = rhs, coefficient) or variable
    on = "rhs"                          # rhs | lower | upper | objective | coefficient | data
    how = "multiply"                    # set | multiply | add
    low = 0.8                           # latin_hypercube; grid / one_at_a_time with points
    high = 1.2

Per kind, a parameter takes: ``grid``: ``values = [...]`` or ``low``, ``high``, ``points``;
``one_at_a_time``: ``base`` and ``values`` (or ``low``, ``high``, ``points``);
``latin_hypercube``: ``low``, ``high``; ``monte_carlo``: ``distribution`` = ``"normal"``
(``mean``, ``std``), ``"uniform"`` (``low``, ``high``), ``"lognormal"`` (``mu``, ``sigma``
of the logarithm) or ``"triangular"`` (``low``, ``mode``, ``high``). ``on = "data"`` takes
``apply = "module:function"``, called as ``function(model, value)`` on each scenario's copy.

The keys of each table, their types and allowed values are data (``TOP``, ``MODEL``, ``RUN``,
``SWEEP``, ``PARAMETER``, ``BY_KIND``, ``DISTRIBUTIONS``) read by one checker
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

from lumix import DetachError, LXModel, ScenarioError
from lumix.scenario import KEEP_VALUES, Keep
from lumix.utils.naming import close_matches, did_you_mean

from ..backends import BACKEND_NAMES
from ..errors import SpecError
from ..sweeps import (
    ALLOWED_HOW,
    HOW_VALUES,
    ON_VALUES,
    How,
    On,
    Parameter,
    data_param,
    grid,
    latin_hypercube,
    monte_carlo,
    one_at_a_time,
    param,
)
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

KINDS = ("grid", "one_at_a_time", "latin_hypercube", "monte_carlo")
#: Kinds whose size is ``n`` (sampled), not the parameters' values.
SAMPLED = ("latin_hypercube", "monte_carlo")
#: ``distribution`` -> the numbers it takes.
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "normal": ("mean", "std"),
    "uniform": ("low", "high"),
    "lognormal": ("mu", "sigma"),
    "triangular": ("low", "mode", "high"),
}
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
    "parameters": Field("any"),
}
#: ``[[sweep.parameters]]``: every key a parameter may have (``BY_KIND`` says which per kind).
PARAMETER: dict[str, Field] = {
    "name": Field("string"),
    "target": Field("string"),
    "on": Field("string", default="rhs", choices=ON_VALUES),
    "how": Field("string", choices=HOW_VALUES),
    "variable": Field("string"),
    "apply": Field("string", check=_function_form(APPLY_WHAT)),
    "values": Field("numbers"),
    "base": Field("number"),
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
BY_KIND: dict[str, frozenset[str]] = {
    "grid": frozenset({"values", "low", "high", "points"}),
    "one_at_a_time": frozenset({"base", "values", "low", "high", "points"}),
    "latin_hypercube": frozenset({"low", "high"}),
    "monte_carlo": frozenset({"distribution", *(k for ks in DISTRIBUTIONS.values() for k in ks)}),
}
#: How a missing required key is fixed, by its type.
MISSING_FIX = {
    "string": 'add {name} = "..." to {table}',
    "number": "add {name} = <number> to {table}",
    "integer": "add {name} = <whole number> to {table}",
    "numbers": "add {name} = [...] to {table}",
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
        forbids = {k: (f"on = 'data' does not use {k}", f"remove {k}") for k in ("target", "variable")}
        return needs, forbids
    example = "'capacity' or 'capacity[2]'" if on in ("rhs", "coefficient") else "'production'"
    needs = {"target": (f"on = {on!r} needs a target", f"add target = {example}")}
    forbids = {"apply": (f"apply is only used with on = 'data', not {on!r}", "remove apply")}
    return needs, forbids


def _frozen_distribution(name: str, v: Mapping[str, float]) -> Any:
    """The frozen ``scipy.stats`` distribution of ``distribution = name`` with numbers ``v``."""
    from scipy import stats

    if name == "normal":
        return stats.norm(v["mean"], v["std"])
    if name == "lognormal":
        return stats.lognorm(s=v["sigma"], scale=math.exp(v["mu"]))
    low, width = v["low"], v["high"] - v["low"]
    if name == "uniform":
        return stats.uniform(low, width)
    return stats.triang((v["mode"] - low) / width, loc=low, scale=width)


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
    values: list[float] | None = None  # grid, one_at_a_time
    base: float | None = None  # one_at_a_time
    low: float | None = None  # latin_hypercube
    high: float | None = None
    distribution: Any = None  # monte_carlo: a frozen scipy.stats distribution

    @property
    def key(self) -> str:
        return f"[sweep.parameters][{self.index}]"

    def probe(self) -> float:
        """A representative value, used to check the parameter before the sweep runs."""
        if self.base is not None:
            return self.base
        if self.values:
            return self.values[0]
        if self.low is not None and self.high is not None:
            return (self.low + self.high) / 2
        return float(self.distribution.median())


#: ``kind -> generator(parameter specs, n, seed, {"prefix": ...})``.
_GENERATORS: dict[str, Callable[..., list[Any]]] = {
    "grid": lambda specs, n, seed, kw: grid({s.parameter: s.values for s in specs}, **kw),
    "one_at_a_time": lambda specs, n, seed, kw: one_at_a_time(
        {s.parameter: s.base for s in specs}, {s.parameter: s.values for s in specs}, **kw
    ),
    "latin_hypercube": lambda specs, n, seed, kw: latin_hypercube(
        {s.parameter: (s.low, s.high) for s in specs}, n, seed, **kw
    ),
    "monte_carlo": lambda specs, n, seed, kw: monte_carlo(
        {s.parameter: s.distribution for s in specs}, n, seed, **kw
    ),
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

    def error(self, key: str, problem: str, fix: str) -> SpecError:
        return SpecError(self.shown, key, problem, fix)

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
        for spec in self.parameters:
            p = spec.parameter
            if p.on == "data":
                self._check_data(model, spec)
                continue
            scenario = LXScenario(f"check {p.name}")
            p.add_to(scenario, spec.probe())
            try:
                resolver.resolve_scenario(scenario)
            except ScenarioError as exc:
                raise self.unknown_target(spec, canon, exc) from exc
        return canon

    def unknown_target(self, spec: ParameterSpec, canon: Any, exc: Exception) -> SpecError:
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
        try:
            trial = copy.deepcopy(model)
        except DetachError as exc:
            raise self.error(
                "[model].factory",
                f"the model cannot be copied for data parameters: {exc}",
                "let the model's callables capture plain values, not sessions, engines or connections",
            ) from exc
        try:
            returned = p.apply(trial, spec.probe())
            trial = returned if isinstance(returned, LXModel) else trial
            trial.to_canonical()
        except Exception as exc:
            raise self.error(
                f"{spec.key}.apply",
                f"{_callable_name(p.apply)}(model, {spec.probe():g}) failed on a copy of the "
                f"model: {_describe(exc)}",
                "make apply(model, value) change the data of the model it is given "
                "(for example the instances of model.get_variable(...).get_instances())",
            ) from exc

    # -- the scenarios ------------------------------------------------------------------------
    def scenarios(self) -> list[Any]:
        """The sweep's ``LXScenario`` objects (deterministic for the spec and seed)."""
        prefix = {} if self.prefix is None else {"prefix": self.prefix}
        try:
            return _GENERATORS[self.kind](self.parameters, self.n, self.run.seed, prefix)
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
        parameters = self.parameters(sweep["parameters"], kind)
        factory, args = model["factory"], dict(model["args"] or {})
        return SweepSpec(self.path, self.shown, factory, args, run, kind, n, sweep["prefix"], parameters)

    def sweep_size(self, n: int | None, kind: str, n_override: int | None) -> int | None:
        if kind not in SAMPLED:
            if n is not None:
                raise self.error(
                    "[sweep].n",
                    f"kind = {kind!r} does not take n (its size is set by the parameters' values)",
                    "remove n, or use kind = 'latin_hypercube' or 'monte_carlo'",
                )
            return None
        if n_override is not None and n_override < 1:
            raise self.error("--n", f"--n {n_override} is not a positive count", "use --n 1 or more")
        n = n_override or self.env_size() or n
        if n is None:
            raise self.error(
                "[sweep].n", f"kind = {kind!r} needs the number of scenarios", "add n = <count> to [sweep]"
            )
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

    def parameters(self, entries: Any, kind: str) -> list[ParameterSpec]:
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
        specs = [self.parameter(i, entry, kind) for i, entry in enumerate(entries)]
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

    def parameter(self, index: int, entry: dict[str, Any], kind: str) -> ParameterSpec:
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
        on = v["on"]
        how = v["how"] or ("set" if on == "data" else "multiply")
        self.check_on(v, on, key)
        parameter = self.data_parameter(v, key) if on == "data" else self.model_parameter(v, how, key)
        spec = ParameterSpec(index, parameter)
        getattr(self, f"values_{kind}")(spec, v, key)
        return spec

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

    def values_grid(self, spec: ParameterSpec, v: Mapping[str, Any], key: str) -> None:
        spec.values = self.value_list(v, key)

    def values_one_at_a_time(self, spec: ParameterSpec, v: Mapping[str, Any], key: str) -> None:
        spec.base = self.require(v, "base", key)
        spec.values = self.value_list(v, key)

    def values_latin_hypercube(self, spec: ParameterSpec, v: Mapping[str, Any], key: str) -> None:
        spec.low, spec.high = self.range(v, key)

    def values_monte_carlo(self, spec: ParameterSpec, v: Mapping[str, Any], key: str) -> None:
        name = self.require(v, "distribution", key)
        needed = DISTRIBUTIONS[name]
        for extra in sorted(BY_KIND["monte_carlo"] - {"distribution", *needed}):
            if v[extra] is not None:
                raise self.error(
                    f"{key}.{extra}",
                    f"distribution = {name!r} does not use {extra}",
                    f"remove it; {name} takes {', '.join(needed)}",
                )
        numbers_ = {k: self.require(v, k, key) for k in needed}
        if "low" in needed:
            low, high = self.range(v, key, strict=True)
            if "mode" in needed and not low <= numbers_["mode"] <= high:
                raise self.error(
                    f"{key}.mode",
                    f"mode = {numbers_['mode']:g} is outside [{low:g}, {high:g}]",
                    "put mode between low and high",
                )
        spec.distribution = _frozen_distribution(name, numbers_)


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
