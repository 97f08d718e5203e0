"""The spec's schema: the keys of each table, their types and allowed values (``TOP``, ``MODEL``,
``RUN``, ``SWEEP``, ``SWEEP_OPTIONS``, ``PARAMETER``, ``BY_KIND``, ``TYPE_KEYS``,
``DISTRIBUTIONS``, ``FRAGMENT``, ``CHANGE``, ``CORRELATION``, ``OUTCOME``) and the one checker
that reads a table by them (``Checker.fields``), with its typed getters and messages."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lumix.outcomes import GOAL_SIDES, OUTCOME_KINDS
from lumix.scenario import KEEP_VALUES
from lumix.utils.naming import did_you_mean

from ...backends import BACKEND_NAMES
from ...columns import check_column_name, column_name
from ...errors import SpecError
from ...sweeps import HOW_VALUES, ON_VALUES, QMC_METHODS
from ..report import OUTPUT_SUFFIXES, folder_problem

#: Kinds whose size is ``n`` (sampled), not the parameters' values.
SAMPLED = ("latin_hypercube", "monte_carlo", "quasi_random", "sobol", "morris")
KINDS = ("grid", "one_at_a_time", *SAMPLED)
#: Kinds that take rank correlations between parameters (Iman-Conover).
CORRELATED = ("latin_hypercube", "monte_carlo", "quasi_random")
#: ``distribution`` -> the numbers it takes.
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "normal": ("mean", "std"),
    "uniform": ("low", "high"),
    "lognormal": ("mu", "sigma"),
    "triangular": ("low", "mode", "high"),
}
#: A parameter's ``type``: the type of its values.
TYPES = ("float", "integer", "boolean", "categorical")


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
DISTRIBUTION_KEYS = frozenset({"distribution", *(k for ks in DISTRIBUTIONS.values() for k in ks)})
_TYPED = frozenset({"type", "levels", "fragments"})
BY_KIND: dict[str, frozenset[str]] = {
    "grid": frozenset({"values", "low", "high", "points", *_TYPED}),
    "one_at_a_time": frozenset({"base", "values", "low", "high", "points", *_TYPED}),
    **dict.fromkeys(SAMPLED, frozenset({*DISTRIBUTION_KEYS, "weights", "probability", *_TYPED})),
}
#: The keys each ``type`` takes (besides ``COMMON`` ones, ``type`` and ``fragments``).
TYPE_KEYS: dict[str, frozenset[str]] = {
    "float": frozenset({"values", "base", "points", *DISTRIBUTION_KEYS}),
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


class Checker:
    """Checks parsed tables against the schema; ``error`` builds the ``SpecError`` of the spec
    file (``shown`` as given, at ``path``)."""

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

    # -- typed getters -------------------------------------------------------------------------
    def get_string(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.error(key, f"expected a non-empty string, got {excerpt(value)}", "quote it")
        return value

    def get_integer(self, value: Any, key: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"expected an integer, got {excerpt(value)}", "write a whole number")
        return value

    def get_number(self, value: Any, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise self.error(key, f"expected a finite number, got {excerpt(value)}", "write a number")
        return float(value)

    def get_numbers(self, value: Any, key: str) -> list[float]:
        if not isinstance(value, list) or not value:
            raise self.error(
                key,
                f"expected a non-empty list of numbers, got {excerpt(value)}",
                "write values = [0.8, 1.0, 1.2]",
            )
        return [self.get_number(v, f"{key}[{i}]") for i, v in enumerate(value)]

    def get_scalar(self, value: Any, key: str) -> Any:
        if isinstance(value, str | bool) or (isinstance(value, numbers.Real) and math.isfinite(value)):
            return value
        raise self.error(
            key, f"expected a number, a string or a boolean, got {excerpt(value)}", "write one value"
        )

    def get_scalars(self, value: Any, key: str) -> list[Any]:
        if not isinstance(value, list) or not value:
            raise self.error(
                key, f"expected a non-empty list, got {excerpt(value)}", 'write levels = ["A", "B", "C"]'
            )
        return [self.get_scalar(v, f"{key}[{i}]") for i, v in enumerate(value)]

    def get_matrix(self, value: Any, key: str) -> list[list[float]]:
        if not isinstance(value, list) or not all(isinstance(row, list) for row in value) or not value:
            raise self.error(
                key, f"expected a matrix (a list of rows), got {excerpt(value)}", "write [[1, 0.5], [0.5, 1]]"
            )
        return [
            [self.get_number(x, f"{key}[{i}][{j}]") for j, x in enumerate(row)] for i, row in enumerate(value)
        ]

    def get_table(self, value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(key, f"expected a table, got {excerpt(value)}", f"write it as a {key} table")
        return value

    def get_any(self, value: Any, key: str) -> Any:
        return value

    def table_list(self, value: Any, key: str, fix: str = "write a list of tables") -> list[dict[str, Any]]:
        """A non-empty array of tables (``[[...]]`` or a list of inline tables)."""
        if not isinstance(value, list) or not all(isinstance(e, dict) for e in value) or not value:
            raise self.error(key, f"expected an array of tables, got {excerpt(value)}", fix)
        return value


def excerpt(value: Any) -> str:
    """``repr(value)``, cut to 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
