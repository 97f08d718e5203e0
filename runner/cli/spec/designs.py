"""The ``[sweep]`` design: its parameters (keys per ``on``, ``type`` and kind, values and
distributions), the ``[sweep.fragments.NAME]`` tables, the design options (``method``,
``levels``, rank correlations) and the scenarios of each kind."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from lumix import LXModel
from lumix.utils.naming import did_you_mean

from ... import sweeps
from ...meta import Sweep
from ...sweeps import ALLOWED_HOW, HOW_VALUES, QMC_METHODS, Distribution, Fragment, How, On, Parameter
from ...sweeps.correlation import correlation_matrix
from ...sweeps.parameters import shown
from .callables import add_import_paths, resolve_callable
from .schema import (
    APPLY_WHAT,
    BY_KIND,
    CHANGE,
    COMMON,
    CORRELATION,
    DISTRIBUTION_KEYS,
    DISTRIBUTIONS,
    FRAGMENT,
    PARAMETER,
    SWEEP_OPTIONS,
    TYPE_KEYS,
    Checker,
    excerpt,
)

#: Distributions that ``low`` / ``high`` truncate.
TRUNCATED = ("normal", "lognormal")
DEFAULT_POINTS = 5


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


#: ``on = 'data'`` and ``on = 'choice'``: the keys each needs (``{key: (problem, fix)}``) and
#: the keys it does not use.
_LEVEL_ON_RULES: dict[str, tuple[dict[str, tuple[str, str]], tuple[str, ...]]] = {
    "data": (
        {
            "apply": (
                "on = 'data' needs the function that changes the model's data",
                'add apply = "module:function" (called as function(model, value))',
            ),
            "name": ("a data parameter needs a name", 'add name = "..." (its results column)'),
        },
        ("target", "variable", "fragments"),
    ),
    "choice": (
        {
            "fragments": (
                "on = 'choice' needs its fragments",
                'add fragments = { <level> = "<fragment name>" }',
            ),
            "name": ("a choice needs a name", 'add name = "..." (its results column)'),
        },
        ("target", "variable", "apply"),
    ),
}


def _on_rules(on: str) -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]]]:
    """The keys a parameter with this ``on`` needs and the keys it must not have:
    ``{key: (problem, fix)}`` each."""
    if on in _LEVEL_ON_RULES:
        needs, unused = _LEVEL_ON_RULES[on]
        return needs, {k: (f"on = {on!r} does not use {k}", f"remove {k}") for k in unused}
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
        return sweeps.normal(v["mean"], v["std"], low=v["low"], high=v["high"])
    if name == "lognormal":
        return sweeps.lognormal(v["mu"], v["sigma"], low=v["low"], high=v["high"])
    if name == "uniform":
        return sweeps.uniform(v["low"], v["high"])
    return sweeps.triangular(v["low"], v["mode"], v["high"])


def _param_fix(on: str, field_: str) -> str:
    if field_ == "variable":
        return (
            "give variable = 'production' (the column side) with on = 'coefficient'"
            if on == "coefficient"
            else "remove variable (only on = 'coefficient' uses it)"
        )
    allowed = ", ".join(h for h in HOW_VALUES if h in ALLOWED_HOW[on])
    return f"use how = one of {allowed} for on = {on!r}"


def _sampled(generator: Callable[..., Sweep]) -> Callable[..., Sweep]:
    return lambda specs, n, seed, kw: generator({s.parameter: s.marginal for s in specs}, n, seed, **kw)


#: ``kind -> generator(parameter specs, n, seed, {"prefix": ..., design options})``.
_GENERATORS: dict[str, Callable[..., Sweep]] = {
    "grid": lambda specs, n, seed, kw: sweeps.grid({s.parameter: s.values for s in specs}, **kw),
    "one_at_a_time": lambda specs, n, seed, kw: sweeps.one_at_a_time(
        {s.parameter: s.base for s in specs}, {s.parameter: s.values for s in specs}, **kw
    ),
    "latin_hypercube": _sampled(sweeps.latin_hypercube),
    "monte_carlo": _sampled(sweeps.monte_carlo),
    "quasi_random": _sampled(sweeps.quasi_random),
    "sobol": _sampled(sweeps.sobol),
    "morris": _sampled(sweeps.morris),
}


def generate_scenarios(
    kind: str, parameters: list[ParameterSpec], n: int | None, seed: int, options: dict[str, Any]
) -> Sweep:
    """The lazy ``Sweep`` of ``LXScenario`` objects of a ``kind`` sweep over ``parameters``
    (``options``: the ``prefix`` and the design options)."""
    return _GENERATORS[kind](parameters, n, seed, options)


class DesignReader(Checker):
    """Reads ``[[sweep.parameters]]``, ``[sweep.fragments.NAME]`` and the design options."""

    def require(self, values: Mapping[str, Any], name: str, table: str) -> Any:
        """``values[name]``, which a checked table holds (``None`` when absent): required here."""
        value = values[name]
        if value is None:
            raise self.missing(name, PARAMETER[name].kind, f"{table}.{name}", table)
        return value

    def parameters(self, entries: Any, kind: str, fragments: dict[str, FragmentSpec]) -> list[ParameterSpec]:
        if entries is None:
            raise self.error(
                "[sweep.parameters]",
                "the sweep has no parameters",
                "add at least one [[sweep.parameters]] table",
            )
        tables = self.table_list(
            entries, "[sweep.parameters]", "write each parameter as a [[sweep.parameters]] table"
        )
        specs = [self.parameter(i, entry, kind, fragments) for i, entry in enumerate(tables)]
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
        return sweeps.data_param(v["name"], fn)

    def model_parameter(self, v: Mapping[str, Any], how: str, key: str) -> Parameter:
        """A parameter on a model element (``v``: its checked keys, ``on`` among them)."""
        on = v["on"]
        try:
            return sweeps.param(
                v["target"], cast(On, on), cast(How, how), name=v["name"], variable=v["variable"]
            )
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
                f"{key}.base", f"expected true or false, got {excerpt(base)}", "write base = true or false"
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
            return sweeps.boolean(probability)
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
            return sweeps.categorical(v["levels"], weights)
        if type_ == "integer":
            return sweeps.integer(*self.whole_range(v, key))
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
        for extra in sorted(DISTRIBUTION_KEYS - {"distribution", *takes}):
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
        return sweeps.choice_param(v["name"], {level: chosen.get(level) for level in levels})

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
        return FragmentSpec(name, changes, fn, sweeps.fragment(name, scenario))

    def change(self, key: str, entry: dict[str, Any]) -> ChangeSpec:
        v = self.fields(entry, CHANGE, key)
        return ChangeSpec(key, self.model_parameter({**v, "name": None}, v["how"], key), v["value"])

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
                    f"expected two parameter names, got {excerpt(two)}",
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
