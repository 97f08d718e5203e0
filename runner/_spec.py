"""Sweep spec files (TOML) for ``python -m runner run``: reading, checking, building.

A spec has three tables::

    [model]
    factory = "sweep_model:factory"     # module:function returning an LXModel
    args = { products = 40 }            # keyword arguments of the factory (optional)

    [run]                               # all optional; command-line flags win
    n_jobs = 2                          # joblib's meaning (-1: every core)
    backend = "loky"                    # loky | threading | sequential | dask
    scheduler = "tcp://host:8786"       # dask only
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

Every problem is a ``SpecError`` naming the file, the key (``[sweep.parameters][1].high``;
parameters count from 0) and the fix. Relative paths in ``[run]`` are relative to the
current directory.
"""

from __future__ import annotations

import copy
import difflib
import importlib
import math
import numbers
import os
import sys
import tomllib
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lumix import DetachError, LXModel, ScenarioError

from .pool import BACKENDS
from .sweeps import Parameter, data_param, grid, latin_hypercube, monte_carlo, one_at_a_time, param

__all__ = ["SpecError", "SweepSpec", "ParameterSpec", "RunOptions", "load_spec", "KINDS", "N_ENV"]

KINDS = ("grid", "one_at_a_time", "latin_hypercube", "monte_carlo")
DISTRIBUTIONS = {
    "normal": ("mean", "std"),
    "uniform": ("low", "high"),
    "lognormal": ("mu", "sigma"),
    "triangular": ("low", "mode", "high"),
}
N_ENV = "LUMIX_SWEEP_N"
KEEPS = ("summary", "values", "full")
ONS = ("rhs", "lower", "upper", "objective", "coefficient", "data")
HOWS = ("set", "multiply", "add")
STORE_SUFFIXES = (".sqlite", ".sqlite3", ".db")
OUTPUT_SUFFIXES = (".parquet", ".csv", *STORE_SUFFIXES)
DEFAULT_POINTS = 5

_TOP = {"model", "run", "sweep"}
_MODEL = {"factory", "args"}
_RUN = {"n_jobs", "backend", "scheduler", "timeout", "retries", "keep", "output", "store", "seed"}
_SWEEP = {"kind", "n", "prefix", "parameters"}
_COMMON = {"name", "target", "on", "how", "variable", "apply"}
_BY_KIND = {
    "grid": {"values", "low", "high", "points"},
    "one_at_a_time": {"base", "values", "low", "high", "points"},
    "latin_hypercube": {"low", "high"},
    "monte_carlo": {"distribution", "mean", "std", "low", "high", "mu", "sigma", "mode"},
}


class SpecError(ValueError):
    """A problem of a spec file: ``file``, ``key`` (where in the file), ``problem`` and ``fix``.

    ``str(error)`` is the one line the command line prints after ``error: ``.
    """

    def __init__(self, file: str | Path, key: str, problem: str, fix: str) -> None:
        self.file = str(file)
        self.key = key
        self.problem = problem
        self.fix = fix
        super().__init__(f"{self.file}: {key}: {problem}; fix: {fix}")

    def __reduce__(self) -> Any:
        return type(self), (self.file, self.key, self.problem, self.fix)


@dataclass
class RunOptions:
    """``[run]`` merged with command-line flags (flags win)."""

    n_jobs: int | None = None
    backend: str | None = None
    scheduler: str | None = None
    timeout: float | None = None
    retries: int = 1
    keep: str = "summary"
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
        fn = resolve_callable(self, "[model].factory", self.factory, "a function that returns an LXModel")
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
        from lumix.analysis import LXScenario, Resolver

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
        p = spec.parameter
        variable_side = p.on in ("lower", "upper", "objective")
        name = p.target
        if p.on == "coefficient" and f"variable {p.variable!r}" in str(exc):
            variable_side, name = True, p.variable or ""
        key = f"{spec.key}.{'variable' if p.on == 'coefficient' and variable_side else 'target'}"
        families = list(canon.col_index if variable_side else canon.row_index)
        names = families + list(canon.col_names if variable_side else canon.row_names)
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
        what = "variable" if variable_side else "constraint"
        suggestion = f"did you mean {' or '.join(map(repr, close))}? " if close else ""
        return self.error(
            key,
            f"the model has no {what} {name!r}",
            f"{suggestion}name a {what} family or one of its instances; the model's {what} families "
            f"are {', '.join(map(repr, families)) or 'none'}",
        )

    def _check_data(self, model: LXModel, spec: ParameterSpec) -> None:
        p = spec.parameter
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
        specs = self.parameters
        try:
            if self.kind == "grid":
                return grid({s.parameter: s.values for s in specs}, **prefix)
            if self.kind == "one_at_a_time":
                return one_at_a_time(
                    {s.parameter: s.base for s in specs}, {s.parameter: s.values for s in specs}, **prefix
                )
            if self.kind == "latin_hypercube":
                return latin_hypercube(
                    {s.parameter: (s.low, s.high) for s in specs}, self.n, self.run.seed, **prefix
                )
            return monte_carlo({s.parameter: s.distribution for s in specs}, self.n, self.run.seed, **prefix)
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


class _Reader:
    def __init__(self, shown: str, path: Path) -> None:
        self.shown = shown
        self.path = path

    def error(self, key: str, problem: str, fix: str) -> SpecError:
        return SpecError(self.shown, key, problem, fix)

    # -- typed getters ---------------------------------------------------------------------
    def table(self, data: dict[str, Any], name: str, key: str, required: bool) -> dict[str, Any]:
        value = data.get(name)
        if value is None:
            if required:
                raise self.error(key, f"the table {key} is missing", f"add a {key} table")
            return {}
        if not isinstance(value, dict):
            raise self.error(key, f"expected a table, got {_shown(value)}", f"write it as a {key} table")
        return value

    def unknown_keys(self, table: dict[str, Any], allowed: set[str], key: str, why: str = "") -> None:
        for name in table:
            if name not in allowed:
                close = difflib.get_close_matches(name, sorted(allowed), n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise self.error(
                    f"{key}.{name}" if key else name,
                    f"unknown key {name!r}{why}",
                    f"{hint}use one of {', '.join(sorted(allowed))}",
                )

    def string(self, table: dict[str, Any], name: str, key: str, *, required: bool = False) -> str | None:
        value = table.get(name)
        if value is None:
            if required:
                raise self.error(f"{key}.{name}", "missing", f'add {name} = "..." to {key}')
            return None
        if not isinstance(value, str) or not value:
            raise self.error(f"{key}.{name}", f"expected a non-empty string, got {_shown(value)}", "quote it")
        return value

    def integer(
        self, table: dict[str, Any], name: str, key: str, *, minimum: int | None = None
    ) -> int | None:
        value = table.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(
                f"{key}.{name}", f"expected an integer, got {_shown(value)}", "write a whole number"
            )
        if minimum is not None and value < minimum:
            raise self.error(f"{key}.{name}", f"{value} is less than {minimum}", f"use a number >= {minimum}")
        return value

    def number(self, table: dict[str, Any], name: str, key: str, *, required: bool = False) -> float | None:
        value = table.get(name)
        if value is None:
            if required:
                raise self.error(f"{key}.{name}", "missing", f"add {name} = <number> to {key}")
            return None
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise self.error(
                f"{key}.{name}", f"expected a finite number, got {_shown(value)}", "write a number"
            )
        return float(value)

    # -- the tables ------------------------------------------------------------------------
    def read(self, data: dict[str, Any], n_override: int | None) -> SweepSpec:
        self.unknown_keys(data, _TOP, "", " at the top level")
        model = self.table(data, "model", "[model]", required=True)
        self.unknown_keys(model, _MODEL, "[model]")
        factory = self.string(model, "factory", "[model]", required=True)
        self.module_function(factory, "[model].factory", "a function that returns an LXModel")
        args = self.table(model, "args", "[model.args]", required=False)
        run = self.run_options(self.table(data, "run", "[run]", required=False))

        sweep = self.table(data, "sweep", "[sweep]", required=True)
        self.unknown_keys(sweep, _SWEEP, "[sweep]")
        kind = self.string(sweep, "kind", "[sweep]", required=True)
        if kind not in KINDS:
            close = difflib.get_close_matches(kind, KINDS, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise self.error("[sweep].kind", f"unknown kind {kind!r}", f"{hint}use one of {', '.join(KINDS)}")
        n = self.sweep_size(sweep, kind, n_override)
        prefix = self.string(sweep, "prefix", "[sweep]")

        entries = sweep.get("parameters")
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
        parameters = [self.parameter(i, entry, kind) for i, entry in enumerate(entries)]
        seen: dict[str, int] = {}
        for spec in parameters:
            name = spec.parameter.name
            if name in seen:
                raise self.error(
                    f"{spec.key}.name",
                    f"the name {name!r} is also used by [sweep.parameters][{seen[name]}]",
                    "give each parameter its own name (it is a column of the results)",
                )
            seen[name] = spec.index
        return SweepSpec(self.path, self.shown, factory, dict(args), run, kind, n, prefix, parameters)

    def run_options(self, table: dict[str, Any]) -> RunOptions:
        self.unknown_keys(table, _RUN, "[run]")
        key = "[run]"
        options = RunOptions()
        n_jobs = self.integer(table, "n_jobs", key)
        if n_jobs == 0:
            raise self.error(
                "[run].n_jobs", "n_jobs = 0 runs nothing", "use a positive number, or -1 for every core"
            )
        options.n_jobs = n_jobs
        backend = self.string(table, "backend", key)
        if backend is not None and backend not in BACKENDS:
            raise self.error(
                "[run].backend", f"unknown backend {backend!r}", f"use one of {', '.join(BACKENDS)}"
            )
        options.backend = backend
        options.scheduler = self.string(table, "scheduler", key)
        timeout = self.number(table, "timeout", key)
        if timeout is not None and timeout <= 0:
            raise self.error(
                "[run].timeout", f"{timeout:g} is not a positive number of seconds", "use a number > 0"
            )
        options.timeout = timeout
        retries = self.integer(table, "retries", key, minimum=0)
        options.retries = 1 if retries is None else retries
        keep = self.string(table, "keep", key) or "summary"
        if keep not in KEEPS:
            raise self.error("[run].keep", f"unknown keep {keep!r}", f"use one of {', '.join(KEEPS)}")
        options.keep = keep
        options.output = self.string(table, "output", key)
        if options.output is not None:
            check_output(options.output, self.shown, "[run].output")
        options.store = self.string(table, "store", key)
        seed = self.integer(table, "seed", key, minimum=0)
        options.seed = 0 if seed is None else seed
        return options

    def sweep_size(self, sweep: dict[str, Any], kind: str, n_override: int | None) -> int | None:
        sampled = kind in ("latin_hypercube", "monte_carlo")
        n = self.integer(sweep, "n", "[sweep]", minimum=1)
        if not sampled:
            if n is not None:
                raise self.error(
                    "[sweep].n",
                    f"kind = {kind!r} does not take n (its size is set by the parameters' values)",
                    "remove n, or use kind = 'latin_hypercube' or 'monte_carlo'",
                )
            return None
        env = os.environ.get(N_ENV, "").strip()
        if n_override is not None:
            n = n_override
        elif env:
            try:
                n = int(env)
            except ValueError:
                n = 0
            if n < 1:
                raise self.error(
                    f"${N_ENV}",
                    f"{N_ENV}={env!r} is not a positive integer",
                    f"unset it or set e.g. {N_ENV}=200",
                ) from None
        if n is None:
            raise self.error(
                "[sweep].n", f"kind = {kind!r} needs the number of scenarios", "add n = <count> to [sweep]"
            )
        return n

    def parameter(self, index: int, entry: dict[str, Any], kind: str) -> ParameterSpec:
        key = f"[sweep.parameters][{index}]"
        allowed = _COMMON | _BY_KIND[kind]
        for name in entry:
            if name not in allowed:
                known = _COMMON.union(*_BY_KIND.values())
                if name in known:
                    raise self.error(
                        f"{key}.{name}",
                        f"{name} is not used by kind = {kind!r}",
                        f"remove it; kind = {kind!r} takes {', '.join(sorted(_BY_KIND[kind]))}",
                    )
                self.unknown_keys({name: None}, allowed, key)
        on = self.string(entry, "on", key) or "rhs"
        if on not in ONS:
            raise self.error(f"{key}.on", f"unknown on {on!r}", f"use one of {', '.join(ONS)}")
        how = self.string(entry, "how", key) or ("set" if on == "data" else "multiply")
        if how not in HOWS:
            raise self.error(f"{key}.how", f"unknown how {how!r}", f"use one of {', '.join(HOWS)}")
        name = self.string(entry, "name", key)
        target = self.string(entry, "target", key)
        variable = self.string(entry, "variable", key)
        apply = self.string(entry, "apply", key)
        if on == "data":
            if apply is None:
                raise self.error(
                    f"{key}.apply",
                    "on = 'data' needs the function that changes the model's data",
                    'add apply = "module:function" (called as function(model, value))',
                )
            if name is None:
                raise self.error(
                    f"{key}.name", "a data parameter needs a name", 'add name = "..." (its results column)'
                )
            for extra in ("target", "variable"):
                if entry.get(extra) is not None:
                    raise self.error(f"{key}.{extra}", f"on = 'data' does not use {extra}", f"remove {extra}")
            fn = self.module_function(apply, f"{key}.apply", "a function fn(model, value)", load=True)
            parameter = data_param(name, fn)
        else:
            if target is None:
                example = "'capacity' or 'capacity[2]'" if on in ("rhs", "coefficient") else "'production'"
                raise self.error(f"{key}.target", f"on = {on!r} needs a target", f"add target = {example}")
            if apply is not None:
                raise self.error(
                    f"{key}.apply", f"apply is only used with on = 'data', not {on!r}", "remove apply"
                )
            try:
                parameter = param(target, on, how, name=name, variable=variable)  # type: ignore[arg-type]
            except ValueError as exc:
                field_ = "variable" if "variable" in str(exc) else "how"
                raise self.error(
                    f"{key}.{field_}", str(exc).split(": ", 1)[-1], _param_fix(on, field_)
                ) from exc
        spec = ParameterSpec(index, parameter)
        getattr(self, f"values_{kind}")(spec, entry, key)
        return spec

    # -- values per kind --------------------------------------------------------------------
    def value_list(self, entry: dict[str, Any], key: str) -> list[float]:
        values = entry.get("values")
        if values is not None:
            if not isinstance(values, list) or not values:
                raise self.error(
                    f"{key}.values",
                    f"expected a non-empty list of numbers, got {_shown(values)}",
                    "write values = [0.8, 1.0, 1.2]",
                )
            out = []
            for i, v in enumerate(values):
                if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
                    raise self.error(
                        f"{key}.values[{i}]", f"expected a finite number, got {_shown(v)}", "write a number"
                    )
                out.append(float(v))
            return out
        if "low" not in entry and "high" not in entry:
            raise self.error(f"{key}.values", "missing", "add values = [...] (or low, high and points)")
        low, high = self.range(entry, key)
        points = self.integer(entry, "points", key, minimum=1) or DEFAULT_POINTS
        if points == 1:
            return [low]
        return [low + (high - low) * i / (points - 1) for i in range(points)]

    def range(self, entry: dict[str, Any], key: str) -> tuple[float, float]:
        low = self.number(entry, "low", key, required=True)
        high = self.number(entry, "high", key, required=True)
        assert low is not None and high is not None
        if low > high:
            raise self.error(
                f"{key}.high", f"high = {high:g} is below low = {low:g}", "swap low and high (low <= high)"
            )
        return low, high

    def values_grid(self, spec: ParameterSpec, entry: dict[str, Any], key: str) -> None:
        spec.values = self.value_list(entry, key)

    def values_one_at_a_time(self, spec: ParameterSpec, entry: dict[str, Any], key: str) -> None:
        spec.base = self.number(entry, "base", key, required=True)
        spec.values = self.value_list(entry, key)

    def values_latin_hypercube(self, spec: ParameterSpec, entry: dict[str, Any], key: str) -> None:
        spec.low, spec.high = self.range(entry, key)

    def values_monte_carlo(self, spec: ParameterSpec, entry: dict[str, Any], key: str) -> None:
        from scipy import stats

        name = self.string(entry, "distribution", key, required=True)
        if name not in DISTRIBUTIONS:
            raise self.error(
                f"{key}.distribution",
                f"unknown distribution {name!r}",
                f"use one of {', '.join(DISTRIBUTIONS)}",
            )
        needed = DISTRIBUTIONS[name]
        for extra in sorted(_BY_KIND["monte_carlo"] - {"distribution", *needed}):
            if extra in entry:
                raise self.error(
                    f"{key}.{extra}",
                    f"distribution = {name!r} does not use {extra}",
                    f"remove it; {name} takes {', '.join(needed)}",
                )
        v = {k: self.number(entry, k, key, required=True) for k in needed}
        if name == "normal":
            if v["std"] <= 0:
                raise self.error(f"{key}.std", f"std = {v['std']:g} is not positive", "use std > 0")
            spec.distribution = stats.norm(v["mean"], v["std"])
        elif name == "uniform":
            low, high = self.range(entry, key)
            if low == high:
                raise self.error(f"{key}.high", "high equals low", "use low < high")
            spec.distribution = stats.uniform(low, high - low)
        elif name == "lognormal":
            if v["sigma"] <= 0:
                raise self.error(f"{key}.sigma", f"sigma = {v['sigma']:g} is not positive", "use sigma > 0")
            spec.distribution = stats.lognorm(s=v["sigma"], scale=math.exp(v["mu"]))
        else:
            low, high = self.range(entry, key)
            if low == high:
                raise self.error(f"{key}.high", "high equals low", "use low < high")
            if not low <= v["mode"] <= high:
                raise self.error(
                    f"{key}.mode",
                    f"mode = {v['mode']:g} is outside [{low:g}, {high:g}]",
                    "put mode between low and high",
                )
            spec.distribution = stats.triang((v["mode"] - low) / (high - low), loc=low, scale=high - low)

    # -- imports -----------------------------------------------------------------------------
    def module_function(self, text: str, key: str, what: str, *, load: bool = False) -> Any:
        if text.count(":") != 1 or not all(part.strip() for part in text.split(":")):
            raise self.error(
                key, f"{text!r} is not of the form 'module:function'", f"name {what} as module:function"
            )
        if not load:
            return None
        add_import_paths(self.path.parent)
        return resolve_callable(self, key, text, what)


def resolve_callable(owner: Any, key: str, text: str, what: str) -> Callable[..., Any]:
    """Import ``module:function`` for ``key``; ``owner.error`` builds the ``SpecError``."""
    module_name, _, attr = text.partition(":")
    try:
        module = importlib.import_module(module_name)
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
    fn: Any = module
    for part in attr.split("."):
        fn = getattr(fn, part, None)
        if fn is None:
            public = [n for n in dir(module) if not n.startswith("_") and callable(getattr(module, n, None))]
            close = difflib.get_close_matches(attr, public, n=1)
            hint = f"did you mean {module_name}:{close[0]}? " if close else ""
            raise owner.error(
                key, f"module {module_name!r} has no {attr!r}", f"{hint}name {what} defined in {module_name}"
            )
    if not callable(fn):
        raise owner.error(key, f"{text} is a {type(fn).__name__}, not a function", f"name {what}")
    return fn


def check_output(output: str, shown: str, key: str) -> None:
    """An output is a path ending in .parquet, .csv, .sqlite, .sqlite3 or .db, or a URL."""
    if "://" in output:
        return
    suffix = Path(output).suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise SpecError(
            shown,
            key,
            f"cannot tell the format of {output!r} from its suffix {suffix or '(none)'!r}",
            "end the path in .parquet or .csv, .sqlite/.db for a SQLite store, or give a SQLAlchemy URL",
        )


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
    allowed = {
        "lower": "set, multiply",
        "upper": "set, multiply",
        "objective": "set, multiply",
        "coefficient": "set, multiply",
    }.get(on, ", ".join(HOWS))
    return f"use how = one of {allowed} for on = {on!r}"
