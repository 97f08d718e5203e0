"""Expand an ``LXModel``'s data into instances, keys and numbers: the ``ExpandedModel``.

This is the only module that calls the model's callables (index keys, bounds, costs,
coefficients, filters, right-hand sides, join functions). Data comes from lists or from ORM
reads (through ``lumix.utils.orm``, once per session and type per expansion); each callable's
arity is resolved once per expansion; rows and columns are matched by index key, never by
object identity. Any failure names the family, the instance key and the callable.

Nothing from ``lumix.core`` is imported at run time: families are read by attribute, and the
core's ``get_instances()`` / ``index_key()`` come down here.
"""

from __future__ import annotations

import itertools
import logging
import math
import numbers
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from .errors import ModelError
from .utils import orm
from .utils.callables import VARIADIC, describe_callable, positional_arity

if TYPE_CHECKING:
    from .core.constraints import LXConstraint
    from .core.dimensions import LXIndexDimension
    from .core.enums import LXObjectiveSense
    from .core.expressions import LXLinearExpression, TermPart
    from .core.model import LXModel
    from .core.variables import LXVariable
    from .linearization.config import LXLinearizerConfig

__all__ = [
    "ColumnBlock",
    "RowBlock",
    "ObjectiveBlock",
    "ExpandedModel",
    "NonlinearTerm",
    "IndicatorTerm",
    "NonlinearPart",
    "Expander",
    "expand_model",
    "piecewise_table",
    "variable_columns",
    "variable_instances",
    "variable_key",
    "constraint_instances",
    "dimension_instances",
    "keyed_instances",
    "dimension_by_key",
]

ONE, WITH_ROW, SPREAD = "one", "with_row", "spread"  # how a term's callables are called
_SCALAR_TYPES = (int, float, complex, str, bytes, bool, type(None))

Terms = tuple[np.ndarray, np.ndarray]  # column positions, coefficients

logger = logging.getLogger(__name__)


# -- the expanded model ------------------------------------------------------------------------


def family_names(name: str, keys: list[Any], scalar: bool) -> list[str]:
    """The names of a family's columns or rows: ``name`` if scalar, else ``name[key]``."""
    return [name] if scalar else [f"{name}[{k}]" for k in keys]


@dataclass
class ColumnBlock:
    """The columns of one variable family, in instance order.

    The column of ``keys[j]`` is model column ``start + j`` (``positions[keys[j]]``), with
    bounds ``lower[j] .. upper[j]``; a scalar family has the single key ``None``.
    """

    name: str
    keys: list[Any]
    start: int
    positions: dict[Any, int]
    lower: np.ndarray
    upper: np.ndarray
    integer: bool
    scalar: bool
    #: Declared binary (``integer`` too); techniques that linearize products tell it apart.
    binary: bool = False

    @property
    def names(self) -> list[str]:
        """Column names: ``name`` for a scalar family, else ``name[key]``."""
        return family_names(self.name, self.keys, self.scalar)


@dataclass
class RowBlock:
    """The rows of one constraint family, in instance order.

    Row ``j`` (model row ``positions[keys[j]]``) reads
    ``vals[j] @ x[cols[j]] + constants[j] (sense) rhs[j]``; ``cols[j]`` are model column
    positions, duplicates not yet summed. ``sense`` is ``"<="``, ``">="`` or ``"=="``.
    """

    name: str
    sense: str
    scalar: bool
    keys: list[Any] = field(default_factory=list)
    positions: dict[Any, int] = field(default_factory=dict)
    cols: list[np.ndarray] = field(default_factory=list)
    vals: list[np.ndarray] = field(default_factory=list)
    rhs: list[float] = field(default_factory=list)
    constants: list[float] = field(default_factory=list)
    #: True when the linearization pass replaced non-linear terms of these rows (a goal on
    #: such rows is relaxed one-sided, see ``lumix.passes.goals``).
    was_nonlinear: bool = False
    #: Non-linear terms of the rows, for the linearization pass (which clears them), and the
    #: items each row takes: ``picks[j][t]`` for term ``t`` (``None``: every item).
    nonlinear: NonlinearPart | None = None
    picks: list[list[np.ndarray | None]] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        """Row names: ``name`` for a scalar family, else ``name[key]``."""
        return family_names(self.name, self.keys, self.scalar)


@dataclass
class ObjectiveBlock:
    """``vals @ x[cols] + constant``, to be optimized in ``sense`` (duplicates not summed)."""

    cols: np.ndarray
    vals: np.ndarray
    constant: float
    sense: LXObjectiveSense
    #: Non-linear terms and quadratic products ``(i, j, c)``, ``i <= j`` (summed, no zeros):
    #: the linearization pass replaces the first, and turns the second into products or
    #: ``ExpandedModel.objective_quadratic``.
    nonlinear: NonlinearPart | None = None
    quadratic: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None


@dataclass
class ExpandedModel:
    """A model as numbers, family by family: what passes rewrite and ``lumix.compile`` turns
    into arrays. ``reads`` holds the ORM rows read, ``{(id(session), Type): rows}``."""

    name: str
    columns: list[ColumnBlock]
    rows: list[RowBlock]
    objective: ObjectiveBlock | None
    reads: dict[tuple[int, type], list[Any]]
    #: Set by passes, carried to the ``LXCanonicalModel`` (see its fields of the same names).
    goal_deviations: tuple[Any, ...] = ()
    goal_stages: tuple[Any, ...] = ()
    objective_quadratic: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    relaxation_terms: tuple[str, ...] = ()


@dataclass
class NonlinearTerm:
    """One non-linear term of an expression, expanded per instance of its families.

    Item ``i`` (key ``keys[i]``, ``None`` when every family of the term is a single variable)
    applies the term to columns ``cols[i]``, one per variable of the term (``families``) in
    order. ``kind`` is ``"abs"``, ``"min"``, ``"max"``, ``"product"`` or ``"piecewise"``;
    ``coeff`` multiplies each item's value; ``coefficients`` are min / max's. A piecewise item
    interpolates ``values[i]`` at ``breakpoints[i]`` by ``method`` (both ``None`` when the
    compile has no linearization), and ``notes`` are the warnings its domain calls for.
    ``owners`` are the term's families with more than one instance: in an indexed constraint
    a row that is one of their instances takes only its own item.
    """

    kind: str
    index: int
    families: tuple[str, ...]
    keys: list[Any]
    cols: np.ndarray
    owners: tuple[str, ...] = ()
    coeff: float = 1.0
    coefficients: tuple[float, ...] = ()
    breakpoints: np.ndarray | None = None
    values: np.ndarray | None = None
    method: str = ""
    notes: tuple[str, ...] = ()

    @cached_property
    def item_index(self) -> dict[Any, int]:
        """``{key: item}``."""
        return {key: i for i, key in enumerate(self.keys)}


@dataclass
class IndicatorTerm:
    """``binary == condition`` implies ``vals @ x[cols] + constant (sense) rhs``: rows only.

    ``binary`` is the column of the single binary variable ``family``; ``index`` the term's
    position in its expression."""

    index: int
    family: str
    binary: int
    cols: np.ndarray
    vals: np.ndarray
    constant: float
    sense: str
    rhs: float
    condition: bool


@dataclass
class NonlinearPart:
    """The non-linear terms of one expression (the objective's, or a constraint family's,
    expanded once for all its rows); ``where`` names the expression in messages."""

    where: str
    terms: list[NonlinearTerm]
    indicators: list[IndicatorTerm]


def expand_model(model: LXModel, linearization: LXLinearizerConfig | None = None) -> ExpandedModel:
    """Expand ``model``: every family's instances, keys, bounds and coefficients.

    Non-linear terms are expanded per instance (``NonlinearPart``); ``linearization`` gives
    the settings piecewise terms leave open (without it their breakpoints are not computed:
    the linearization pass refuses such a model).

    Raises:
        ModelError: bad data, a callable that raises or returns a non-number, duplicate or
            unhashable keys, a family without data, expression or right-hand side.
    """
    return _ModelExpander(model, linearization).run()


# -- behind get_instances() / index_key() ----------------------------------------------------


def variable_instances(var: LXVariable) -> list[Any]:
    """The instances of a variable family after filters."""
    return Expander().instances(var)


def variable_key(var: LXVariable, instance: Any) -> Any:
    """The index key of one instance of a variable family."""
    return Expander().key_func(var)(instance)


def keyed_instances(var: LXVariable, instances: Iterable[Any]) -> list[tuple[Any, Any]]:
    """``(index key, instance)`` of given instances of a variable family (``LXSolutionMapper``)."""
    key_of = Expander().key_func(var)
    found = []
    for inst in instances:
        try:
            found.append((key_of(inst), inst))
        except Exception as exc:
            raise _call_error(f"variable '{var.name}' (instance {inst!r})", "index key", key_of, exc) from exc
    return found


def dimension_by_key(dim: LXIndexDimension) -> dict[Any, Any]:
    """``{key: instance}`` of an index dimension's instances (after its filter)."""
    found = {}
    for inst in dimension_instances(dim):
        try:
            found[dim.key_func(inst)] = inst
        except Exception as exc:
            where = f"dimension {dim!r} (instance {inst!r})"
            raise _call_error(where, "index key", dim.key_func, exc) from exc
    return found


def constraint_instances(constraint: LXConstraint) -> list[Any]:
    """The row instances of a constraint family (``[None]`` for a single constraint)."""
    return Expander().row_instances(constraint)


def dimension_instances(dim: LXIndexDimension) -> list[Any]:
    """The instances of an index dimension after its filter."""
    if dim._data is None and dim._session is None and not orm.reads_without_session(dim.model_type):
        type_name = getattr(dim.model_type, "__name__", dim.model_type)
        raise ModelError(
            f"LXIndexDimension for {type_name} has no data source. "
            "Use .from_data(data) or .from_model(session)"
        )
    return Expander().dimension_instances(dim)


# -- helpers ---------------------------------------------------------------------------------


def _where(owner: str, key: Any = None, scalar: bool = False) -> str:
    return owner if scalar else f"{owner}[{key}]"


def _empty_source(family: Any) -> str:
    """Where an empty family's data came from, for the ``has no data`` message."""
    model_type = getattr(family, "model_type", None)
    type_name = getattr(model_type, "__name__", None)
    if family._data is None:
        return f"the {type_name} table is empty"
    if type_name is None:
        return "from_data got an empty list"
    return f"its {type_name} data is an empty list"  # a dimension's from_data, or a detached copy


def _call_error(where: str, what: str, func: Any, exc: Exception) -> ModelError:
    return ModelError(f"{where}: {what} ({describe_callable(func)}) raised {type(exc).__name__}: {exc}")


def _call_all(
    func: Callable[..., Any],
    instances: list[Any],
    idx: Sequence[int],
    mode: str,
    row: Any,
    fail: Callable[[int, Exception], ModelError],
) -> list[Any]:
    """``func`` on ``instances[i]`` for each ``i`` in ``idx``.

    ``mode`` says how: ``ONE`` ``f(inst)``, ``WITH_ROW`` ``f(inst, row)``, ``SPREAD``
    ``f(*inst)`` (one argument per dimension). A call that raises raises ``fail(i, exc)``.
    """
    i = -1
    try:
        if mode == ONE:
            return [func(instances[(i := j)]) for j in idx]
        if mode == WITH_ROW:
            return [func(instances[(i := j)], row) for j in idx]
        return [func(*instances[(i := j)]) for j in idx]
    except Exception as exc:
        raise fail(i, exc) from exc


def _not_a_number(value: Any) -> bool:
    """Strings, booleans and ``None``: values ``float()`` would take (or that are never
    numbers) which lumix refuses as numbers, since ``"3"`` or ``True`` is a bug in the data."""
    return value is None or isinstance(value, str | bytes | bool | np.bool_)


def _numbers(values: list[Any], where: str, what: str, func: Any, label: Callable[[int], Any]) -> np.ndarray:
    """``values`` as floats; ``label(j)`` names entry ``j`` in an error (built only then).

    Strings, booleans and ``None`` are refused, not converted: a coefficient ``"3"`` or
    ``True`` is a bug in the data, not the number 3 or 1.
    """
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError):
        arr = np.asarray(values, dtype=object)
    if arr.dtype.kind in "iuf" and arr.shape == (len(values),):
        return arr.astype(float, copy=False)
    for j, v in enumerate(values):
        bad = _not_a_number(v)
        if not bad:
            try:
                float(v)
            except (TypeError, ValueError):
                bad = True
        if bad:
            raise ModelError(
                f"{where}: {what} of {label(j)} is {v!r}, not a number ({describe_callable(func)})"
            ) from None
    return np.asarray(values, dtype=float)


def _place(positions: dict[Any, int], key: Any, position: int, owner: str, hint: str = "") -> None:
    """Add ``key -> position``; raises ``ModelError`` on an unhashable or duplicate key."""
    try:
        duplicate = key in positions
    except TypeError:
        raise ModelError(f"{owner}: index key {key!r} is not hashable{hint}") from None
    if duplicate:
        raise ModelError(f"{owner}: duplicate index key {key!r}; keys must be unique")
    positions[key] = position


def _positions(keys: list[Any], start: int, owner: str, hint: str) -> dict[Any, int]:
    """``{key: start + j}``; raises ``ModelError`` naming the first unhashable or duplicate key."""
    try:
        positions = dict(zip(keys, range(start, start + len(keys)), strict=True))
    except TypeError:
        positions = {}
    if len(positions) != len(keys):
        positions = {}
        for j, key in enumerate(keys):
            _place(positions, key, start + j, owner, hint)
    return positions


def _integral(lower: np.ndarray, upper: np.ndarray, var_type: str) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of a binary column intersected with [0, 1]; of an integer one, rounded inwards."""
    if var_type == "binary":
        lower, upper = np.maximum(lower, 0.0), np.minimum(upper, 1.0)
    if var_type != "continuous":
        lower, upper = np.ceil(lower - 1e-9), np.floor(upper + 1e-9)
    return lower, upper


def _same_data_type(row: Any, sample: Any) -> bool:
    """True when ``row`` is an instance of the same data type as a family's instances."""
    if isinstance(row, _SCALAR_TYPES):
        return False
    if isinstance(row, tuple):
        return (
            isinstance(sample, tuple)
            and len(row) == len(sample)
            and all(type(a) is type(b) for a, b in zip(row, sample, strict=True))
            and not any(isinstance(a, _SCALAR_TYPES) for a in row)
        )
    return type(row) is type(sample)


def _coefficients(
    func: Callable[..., Any],
    instances: list[Any],
    idx: list[int],
    mode: str,
    row: Any,
    where: str,
    label: Callable[[int], str],
    cost: bool = False,
) -> np.ndarray:
    """A callable coefficient on ``instances[i]`` for ``i`` in ``idx``, checked finite;
    ``cost`` when it is the variable's own ``cost()``, so a raise names the variable."""
    if cost:
        fail = lambda i, exc: _call_error(f"variable '{label(i)}'", "cost", func, exc)
    else:
        fail = lambda i, exc: _call_error(where, f"coefficient of {label(i)}", func, exc)
    values = _call_all(func, instances, idx, mode, row, fail)
    vals = _numbers(values, where, "coefficient", func, lambda j: label(idx[j]))
    if vals.size and not np.isfinite(vals).all():
        j = int(np.flatnonzero(~np.isfinite(vals))[0])
        raise ModelError(
            f"{where}: coefficient of {label(idx[j])} is {vals[j]} (from {describe_callable(func)})"
        )
    return vals


# -- data: one cache per expansion -----------------------------------------------------------


class Expander:
    """One expansion's data: ORM reads, instances, keys and arities, each computed once."""

    def __init__(self) -> None:
        self.reads: dict[tuple[int, type], list[Any]] = {}
        self._arity: dict[int, tuple[Callable[..., Any], int]] = {}
        self._instances: dict[int, list[Any]] = {}
        self._keys: dict[int, list[Any]] = {}

    def arity(self, func: Callable[..., Any]) -> int:
        """Required positional parameters of ``func`` (kept alive with it, keyed by id)."""
        hit = self._arity.get(id(func))
        if hit is None:
            hit = self._arity[id(func)] = (func, positional_arity(func))
        return hit[1]

    def read(self, owner: str, model_type: type | None, session: Any) -> list[Any]:
        """All rows of ``model_type`` in ``session``, read once per expansion."""
        if model_type is None:
            raise ModelError(
                f"{owner} has no data source; use .from_data(list) or .from_model(Type, session)"
            )
        cache_key = (id(session), model_type)
        rows = self.reads.get(cache_key)
        if rows is None:
            try:
                rows = orm.read_all(model_type, session)
            except Exception as exc:
                if session is None and isinstance(exc, ValueError):
                    # Neither data nor a session (and not a Django model): say so plainly.
                    raise ModelError(
                        f"{owner} has no data source; use .from_data(list) or .from_model(session) ({exc})"
                    ) from exc
                raise ModelError(
                    f"{owner}: reading {model_type.__name__} from the database failed: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            self.reads[cache_key] = rows
        return rows

    def source(self, owner: str, family: Any) -> list[Any]:
        """A family's data: its list, or its ORM rows. Empty data is a ``ModelError`` unless
        the family was given ``allow_empty=True`` (a ``where`` filter that keeps nothing is
        not checked: that is the data's logic, not a missing source)."""
        if family._data is not None:
            data = list(family._data)
        else:
            data = list(self.read(owner, family.model_type, family._session))
        if not data and not getattr(family, "_allow_empty", False):
            raise ModelError(
                f"{owner} has no data ({_empty_source(family)}); pass allow_empty=True to "
                "from_data/from_model if an empty family is meant"
            )
        return data

    def filtered(self, owner: str, items: list[Any], pred: Any, spread: bool) -> list[Any]:
        """``items`` passing ``pred`` (called ``pred(*item)`` when ``spread`` and it takes more
        than one argument)."""
        if pred is None:
            return items
        spread = spread and self.arity(pred) != 1
        kept = []
        for inst in items:
            try:
                keep = pred(*inst) if spread else pred(inst)
            except Exception as exc:
                raise _call_error(f"{owner} (instance {inst!r})", "filter", pred, exc) from exc
            if keep:
                kept.append(inst)
        return kept

    def dimension_instances(self, dim: LXIndexDimension, family: str = "") -> list[Any]:
        """A dimension's instances after its filter; ``family`` prefixes error messages."""
        owner = f"{family}dimension {getattr(dim.model_type, '__name__', dim.model_type)}"
        return self.filtered(owner, self.source(owner, dim), dim.filter_func, False)

    def instances(self, var: LXVariable) -> list[Any]:
        """The instances of a variable family (``[None]`` for a scalar variable)."""
        found = self._instances.get(id(var))
        if found is None:
            found = self._instances[id(var)] = self._expand(var)
        return found

    def _expand(self, var: LXVariable) -> list[Any]:
        owner = f"variable '{var.name}'"
        found: list[Any]
        if var.is_scalar:
            found = [None]
        elif var._cartesian is not None:
            dims = [self.dimension_instances(d, f"{owner}: ") for d in var._cartesian.dimensions]
            found = self.filtered(owner, list(itertools.product(*dims)), var._cartesian._cross_filter, True)
        elif var._join_config is not None:
            found = self._joined(owner, var, var._join_config["join_func"])
        else:
            found = self.source(owner, var)
        found = self.filtered(owner, found, var._multi_filter, True)
        if var._join_config is None:
            found = self.filtered(owner, found, var._filter, False)
        return found

    def _joined(self, owner: str, var: LXVariable, join: Callable[[Any], Any]) -> list[Any]:
        """``(primary, related)`` pairs of a join family; ``where`` filters the primaries."""
        pairs: list[tuple[Any, Any]] = []
        for primary in self.filtered(owner, self.source(owner, var), var._filter, False):
            try:
                related = join(primary)
            except Exception as exc:
                raise _call_error(f"{owner} (primary {primary!r})", "join function", join, exc) from exc
            pairs.extend((primary, r) for r in related)
        return pairs

    def key_func(self, var: LXVariable) -> Callable[[Any], Any]:
        """The function from an instance of ``var`` to its index key."""
        if var.index_func is not None:
            return var.index_func
        if var._join_config is not None:
            key = var._join_config["key_func"]
            return (lambda inst: key(*inst)) if key is not None else (lambda inst: inst)
        if var._cartesian is not None:
            funcs = [d.key_func for d in var._cartesian.dimensions]
            return lambda inst: tuple(f(part) for f, part in zip(funcs, inst, strict=True))
        return lambda inst: inst

    def _key_callable(self, var: LXVariable, inst: Any) -> Any:
        """The user callable behind a failing index key (a dimension's key function...)."""
        if var.index_func is not None:
            return var.index_func
        if var._join_config is not None:
            return var._join_config["key_func"]
        if var._cartesian is not None:
            for dim, part in zip(var._cartesian.dimensions, inst, strict=False):
                try:
                    dim.key_func(part)
                except Exception:
                    return dim.key_func
        return None

    def keys(self, var: LXVariable) -> list[Any]:
        """The index keys of a family's instances, in order (``[None]`` for a scalar)."""
        found = self._keys.get(id(var))
        if found is None:
            found = self._keys[id(var)] = [None] if var.is_scalar else self._compute_keys(var)
        return found

    def _compute_keys(self, var: LXVariable) -> list[Any]:
        func, found = self.key_func(var), []
        for inst in self.instances(var):
            try:
                found.append(func(inst))
            except Exception as exc:
                where = f"variable '{var.name}' (instance {inst!r})"
                raise _call_error(where, "index key", self._key_callable(var, inst), exc) from exc
        return found

    def row_instances(self, constraint: LXConstraint) -> list[Any]:
        """The row instances of a constraint family (``[None]`` for a single constraint)."""
        owner = f"constraint '{constraint.name}'"
        if not constraint.is_indexed:
            return [None]
        if constraint.index_func is None:
            raise ModelError(f"{owner} has data but no indexed_by(...); add .indexed_by(lambda row: row.id)")
        return self.source(owner, constraint)


# -- the model -------------------------------------------------------------------------------


class _ModelExpander(Expander):
    """One model's expansion: columns, then rows, then the objective."""

    def __init__(self, model: LXModel, linearization: LXLinearizerConfig | None = None) -> None:
        super().__init__()
        self.model = model
        self.linearization = linearization
        self.warned: set[tuple[str, str]] = set()
        self._families: dict[str, LXVariable] = {}
        self._blocks: dict[str, ColumnBlock] = {}
        self._term_cache: dict[int, Terms] = {}
        self._by_value: dict[int, dict[Any, int]] = {}
        self._parts: dict[int, tuple[Any, LXVariable, tuple[TermPart, ...]]] = {}

    def run(self) -> ExpandedModel:
        columns = self._columns()
        rows = self._rows()
        return ExpandedModel(self.model.name, columns, rows, self._objective(), self.reads)

    # -- columns ----------------------------------------------------------------------------
    def _columns(self) -> list[ColumnBlock]:
        start = 0
        for var in [v for v in self.model.variables if not getattr(v, "_pass_made", False)]:
            if var.name in self._blocks:
                raise ModelError(f"two variable families are named '{var.name}'")
            self._families[var.name] = var
            block = self._blocks[var.name] = self._column_block(var, start)
            start += len(block.keys)
        return list(self._blocks.values())

    def _column_block(self, var: LXVariable, start: int) -> ColumnBlock:
        keys = self.keys(var)
        hint = "; use indexed_by(lambda item: item.id) with a hashable key"
        positions = _positions(keys, start, f"variable '{var.name}'", hint)
        n = len(keys)
        lo = np.broadcast_to(self._bound(var, var.lower_bound, "lower", -np.inf), (n,))
        up = np.broadcast_to(self._bound(var, var.upper_bound, "upper", np.inf), (n,))
        lo, up = _integral(np.array(lo, dtype=float), np.array(up, dtype=float), var.var_type.value)
        bad = np.flatnonzero(lo > up)
        if bad.size:
            raise ModelError(
                f"variable '{_where(var.name, keys[int(bad[0])], var.is_scalar)}': lower bound "
                f"{lo[bad[0]]} is above upper bound {up[bad[0]]}"
            )
        integer = var.var_type.value != "continuous"
        binary = var.var_type.value == "binary"
        return ColumnBlock(var.name, keys, start, positions, lo, up, integer, var.is_scalar, binary)

    def _bound(self, var: LXVariable, value: Any, which: str, default: float) -> np.ndarray | float:
        """A family's bounds: ``default`` when unset, else per instance or one number."""
        if value is None:
            return default
        if callable(value):
            return self._bound_values(var, value, which)
        if not isinstance(value, numbers.Real) or _not_a_number(value) or math.isnan(value):
            raise ModelError(f"variable '{var.name}': {which} bound must be a number, got {value!r}")
        n = len(self.instances(var))
        return np.full(n, float(value)) if n else float(value)

    def _bound_values(self, var: LXVariable, func: Callable[[Any], Any], which: str) -> np.ndarray:
        keys, instances = self.keys(var), self.instances(var)
        fail = lambda i, exc: _call_error(
            f"variable '{_where(var.name, keys[i], var.is_scalar)}'", f"{which} bound", func, exc
        )
        values = _call_all(func, instances, range(len(instances)), ONE, None, fail)
        arr = _numbers(values, f"variable '{var.name}'", f"{which} bound", func, lambda j: keys[j])
        if np.isnan(arr).any():
            k = keys[int(np.flatnonzero(np.isnan(arr))[0])]
            raise ModelError(f"variable '{var.name}[{k}]': {which} bound is nan ({describe_callable(func)})")
        return arr

    # -- terms ------------------------------------------------------------------------------
    def _family(self, var: LXVariable, where: str) -> LXVariable:
        """The model's family of that name (terms match families by name, not identity)."""
        known = self._families.get(var.name)
        if known is None:
            raise ModelError(
                f"{where}: variable '{var.name}' is not part of the model; add it with model.add_variable()"
            )
        return known

    def _evaluate(
        self,
        var: LXVariable,
        part: TermPart,
        where: str,
        modes: tuple[str, str] = (ONE, ONE),
        subset: list[int] | None = None,
        row: Any = None,
    ) -> Terms:
        """Column positions and coefficients of one term part over (a subset of) the instances;
        ``modes`` says how the coefficient and the filter are called (see ``_call_all``)."""
        instances, keys = self.instances(var), self.keys(var)
        label = lambda i: _where(var.name, keys[i], var.is_scalar)
        if part.keys is None:
            idx: Sequence[int] = range(len(instances)) if subset is None else subset
        else:
            idx = self._keyed(var, part.keys, subset)
        pred, coeff = part.where, part.coeff
        if pred is not None:
            fail = lambda i, exc: _call_error(f"{where} (term {label(i)})", "where filter", pred, exc)
            flags = _call_all(pred, instances, idx, modes[1], row, fail)
            idx = [i for i, keep in zip(idx, flags, strict=True) if keep]
        idx = list(idx)
        if callable(coeff):
            cost = where == "the objective" and (coeff is var.cost_func or coeff is var._multi_cost_func)
            vals = _coefficients(coeff, instances, idx, modes[0], row, where, label, cost)
        elif math.isfinite(float(coeff)):
            vals = np.full(len(idx), float(coeff))
        else:
            raise ModelError(f"{where}: coefficient of {var.name} is {coeff}")
        return np.asarray(idx, dtype=np.int64) + self._blocks[var.name].start, vals

    def _keyed(self, var: LXVariable, wanted: frozenset[Any], subset: list[int] | None) -> list[int]:
        """Instance indices of ``subset`` (default: all) whose key is in ``wanted`` (``keys=``),
        looked up by key, in instance order."""
        if subset is not None:
            keys = self.keys(var)
            return [i for i in subset if keys[i] in wanted]
        block = self._blocks[var.name]
        return sorted(block.positions[k] - block.start for k in wanted if k in block.positions)

    def _row_aware(self, func: Any, indexed_row: bool) -> bool:
        """Whether ``func`` is called ``f(instance, row)``: it needs two arguments, or takes
        ``*args`` and there is a row to give it (outside rows, ``f(*args)`` gets ``f(instance)``)."""
        if not callable(func):
            return False
        arity = self.arity(func)
        return arity >= 2 and (indexed_row or arity != VARIADIC)

    def _read_term(
        self, expr: LXLinearExpression, term: Any, name: str | None, where: str
    ) -> tuple[Any, LXVariable, tuple[TermPart, ...]]:
        """``(term, the model's family, parts)`` of a ``terms`` / ``_multi_terms`` entry, kept
        in ``_parts`` by ``id(term)`` for the expansion (``name``: the key in ``terms``)."""
        try:
            var, parts = expr.term_parts(term)
        except TypeError as exc:
            entry = "a _multi_terms entry" if name is None else f"terms[{name!r}]"
            raise ModelError(f"{where}: {entry}: {exc}") from exc
        read = self._parts[id(term)] = (term, self._family(var, where), parts)
        return read

    def _term(self, var: LXVariable, part: TermPart, row: Any, indexed_row: bool, where: str) -> Terms:
        if part.row_key is not None and indexed_row:
            return self._row_key_term(var, part, row, where)
        aware = (self._row_aware(part.coeff, indexed_row), self._row_aware(part.where, indexed_row))
        if any(aware):
            return self._row_term(var, part, row, indexed_row, where, aware)
        if indexed_row:
            own = self._own_column(var, part, row, where)
            if own is not None:
                return own
        cached = self._term_cache.get(id(part))
        if cached is None:
            cached = self._term_cache[id(part)] = self._evaluate(var, part, where)
        return cached

    def _row_term(
        self,
        var: LXVariable,
        part: TermPart,
        row: Any,
        indexed_row: bool,
        where: str,
        aware: tuple[bool, bool],
    ) -> Terms:
        """A term whose coefficient or filter takes ``(instance, row)``."""
        if not indexed_row:
            func = part.coeff if aware[0] else part.where
            raise ModelError(
                f"{where}: {describe_callable(func)} takes (instance, row) but {where} has "
                "no rows; use a one-argument callable here"
            )
        modes = (WITH_ROW if aware[0] else ONE, WITH_ROW if aware[1] else ONE)
        return self._evaluate(var, part, where, modes, row=row)

    def _row_key_term(self, var: LXVariable, part: TermPart, row: Any, where: str) -> Terms:
        """An ``LXRowKeyFilter`` term: the instance whose key is ``row_key(row)``, by key."""
        assert part.row_key is not None
        try:
            key = part.row_key(row)
        except Exception as exc:
            raise _call_error(where, f"row key of {var.name}", part.row_key, exc) from exc
        block = self._blocks[var.name]
        try:
            pos = block.positions.get(key)
        except TypeError:
            raise ModelError(f"{where}: row key {key!r} of {var.name} is not hashable") from None
        if pos is None:
            return np.zeros(0, np.int64), np.zeros(0)
        mode = WITH_ROW if self._row_aware(part.coeff, True) else ONE
        return self._evaluate(var, part, where, (mode, ONE), subset=[pos - block.start], row=row)

    def _own_column(self, var: LXVariable, part: TermPart, row: Any, where: str) -> Terms | None:
        """The row's own column of ``var``, matched by index key, when the rows are instances
        of the family's data type; ``None`` when they are not."""
        instances = self.instances(var)
        if not instances:
            return None
        if not _same_data_type(row, instances[0]):
            own = self._value_position(var, row)
            return None if own is None else self._evaluate(var, part, where, subset=[own])
        block = self._blocks[var.name]
        try:
            pos = block.positions.get(self.key_func(var)(row))
        except Exception as exc:
            raise _call_error(where, f"index key of {var.name} for the row", var.index_func, exc) from exc
        if pos is None:
            return np.zeros(0, np.int64), np.zeros(0)
        return self._evaluate(var, part, where, subset=[pos - block.start])

    def _value_position(self, var: LXVariable, row: Any) -> int | None:
        """Where ``row`` is among ``var``'s instances when it is a plain value (a number, a
        string, a tuple of them) equal to one of them, as LumiX compares such rows; else None."""
        if row is None or not isinstance(row, (*_SCALAR_TYPES, tuple)):
            return None
        table = self._by_value.get(id(var))
        if table is None:
            table = {}
            try:
                for j, inst in enumerate(self.instances(var)):
                    table.setdefault(inst, j)
            except TypeError:  # unhashable instances: rows cannot be among them by value
                table = {}
            self._by_value[id(var)] = table
        try:
            return table.get(row)
        except TypeError:
            return None

    def _multi(self, var: LXVariable, part: TermPart, where: str) -> Terms:
        cached = self._term_cache.get(id(part))
        if cached is None:

            def mode(func: Any) -> str:
                if var.is_multi_indexed and not (callable(func) and self.arity(func) == 1):
                    return SPREAD
                return ONE

            modes = (mode(part.coeff), mode(part.where))
            cached = self._term_cache[id(part)] = self._evaluate(var, part, where, modes)
        return cached

    def expression(
        self, expr: LXLinearExpression, row: Any, indexed_row: bool, where: str
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """Columns, coefficients (duplicates not yet summed) and constant of ``expr``."""
        cols: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        known = self._parts
        for name, term in expr.terms.items():
            _, var, parts = known.get(id(term)) or self._read_term(expr, term, name, where)
            for part in parts:
                c, v = self._term(var, part, row, indexed_row, where)
                cols.append(c)
                vals.append(v * part.scale if part.scale != 1.0 else v)
        for mterm in expr._multi_terms:
            _, var, parts = known.get(id(mterm)) or self._read_term(expr, mterm, None, where)
            for part in parts:
                c, v = self._multi(var, part, where)
                cols.append(c)
                vals.append(v * part.scale if part.scale != 1.0 else v)
        if not cols:
            return np.zeros(0, np.int64), np.zeros(0), float(expr.constant)
        return np.concatenate(cols), np.concatenate(vals), float(expr.constant)

    # -- rows -------------------------------------------------------------------------------
    def _rows(self) -> list[RowBlock]:
        blocks: dict[str, RowBlock] = {}
        start = 0
        for constraint in [c for c in self.model.constraints if not getattr(c, "_pass_made", False)]:
            if constraint.name in blocks:
                raise ModelError(f"two constraints are named '{constraint.name}'")
            block = blocks[constraint.name] = self._row_block(constraint, start)
            start += len(block.keys)
        return list(blocks.values())

    def _checked(self, constraint: LXConstraint, owner: str) -> tuple[Any, list[Any]]:
        """A constraint's expression and row instances, once it is known to be complete."""
        if constraint.lhs is None:
            raise ModelError(f"{owner} has no expression; call .expression(...)")
        rows = self.row_instances(constraint)
        if constraint.rhs_value is None and constraint.rhs_func is None:
            raise ModelError(f"{owner} has no right-hand side; call .rhs(value or f(row))")
        if constraint.rhs_value is None and not constraint.is_indexed:
            raise ModelError(
                f"{owner}: rhs is a callable but the constraint has no data; "
                "give a number or add from_data/from_model and indexed_by"
            )
        return constraint.lhs, rows

    def _row_block(self, constraint: LXConstraint, start: int) -> RowBlock:
        owner = f"constraint '{constraint.name}'"
        lhs, rows = self._checked(constraint, owner)
        linear, extra, part = _split(self, lhs, owner)
        key_func, indexed = constraint.index_func, constraint.is_indexed
        block = RowBlock(constraint.name, constraint.sense.value, scalar=not indexed, nonlinear=part)
        for inst in rows:
            key = None if key_func is None else self._row_key(key_func, inst, owner)
            _place(block.positions, key, start + len(block.keys), owner)
            where = f"constraint '{_where(constraint.name, key, not indexed)}'"
            cols, vals, const = self.expression(linear, inst, indexed, where)
            rhs = self._rhs(constraint, inst, where)
            block.keys.append(key)
            block.cols.append(cols)
            block.vals.append(vals)
            block.rhs.append(rhs)
            block.constants.append(const + extra)
            if part is not None:
                block.picks.append(_picks(self, part, inst, indexed, where))
        return block

    @staticmethod
    def _row_key(func: Callable[[Any], Any], inst: Any, owner: str) -> Any:
        try:
            return func(inst)
        except Exception as exc:
            raise _call_error(f"{owner} (row {inst!r})", "index key", func, exc) from exc

    @staticmethod
    def _rhs(constraint: LXConstraint, inst: Any, where: str) -> float:
        """``rhs_value`` when set (it wins, as in LumiX: ``copy.rhs_value = 1500``),
        else ``rhs_func(row)``."""
        value: Any = constraint.rhs_value
        func = constraint.rhs_func if value is None else None
        if func is not None:
            try:
                value = func(inst)
            except Exception as exc:
                raise _call_error(where, "right-hand side", func, exc) from exc
        src = f" ({describe_callable(func)})" if func else ""
        try:
            if _not_a_number(value):
                raise TypeError
            rhs = float(value)
        except (TypeError, ValueError):
            raise ModelError(f"{where}: right-hand side {value!r} is not a number{src}") from None
        if not math.isfinite(rhs):
            raise ModelError(
                f"{where}: right-hand side is {rhs}{src}; right-hand sides must be finite numbers"
            )
        return rhs

    # -- objective --------------------------------------------------------------------------
    def _objective(self) -> ObjectiveBlock | None:
        model = self.model
        expr: Any
        if model._objective_from_costs:
            expr = model.cost_objective()
            if expr is None:
                raise ModelError(
                    f"model '{model.name}': {model.objective_sense.name.lower()}() was called "
                    "without an expression, but no variable has a cost(); give an expression"
                )
        else:
            expr = model._objective_expr
        if expr is None:
            return None
        linear, extra, part, quadratic = _objective_parts(self, expr)
        cols, vals, const = self.expression(linear, None, False, "the objective")
        const += extra
        if not math.isfinite(const):
            raise ModelError(f"the objective: constant is {const}")
        return ObjectiveBlock(cols, vals, const, model.objective_sense, part, quadratic)


# -- non-linear terms (LXNonLinearExpression, LXQuadraticExpression) -------------------------

_NO_ITEMS = np.zeros(0, np.int64)
#: The variables of each kind of non-linear term, by attribute (min / max read ``vars``).
_TERM_VARIABLES = {"abs": ("var",), "product": ("var1", "var2"), "piecewise": ("var",)}
_TERM_COEFFICIENT = {"abs": "abs()", "product": "product"}


def _capital(where: str) -> str:
    return where[:1].upper() + where[1:]


def _split(ex: _ModelExpander, expr: Any, where: str) -> tuple[Any, float, NonlinearPart | None]:
    """The linear part of a constraint's ``expr``, the constant beside it, and its non-linear
    terms (``None`` when there are none)."""
    if hasattr(expr, "quadratic_terms"):
        raise ModelError(
            f"{_capital(where)} is quadratic; quadratic expressions are supported only in the objective"
        )
    if not hasattr(expr, "nonlinear_terms"):
        return expr, 0.0, None
    part = _nonlinear_part(ex, expr.nonlinear_terms, where) if expr.nonlinear_terms else None
    return expr.linear_terms, float(expr.constant), part


def _objective_parts(
    ex: _ModelExpander, expr: Any
) -> tuple[Any, float, NonlinearPart | None, tuple[np.ndarray, np.ndarray, np.ndarray] | None]:
    """The objective's linear part, the constant beside it, its non-linear terms and its
    quadratic products."""
    if hasattr(expr, "quadratic_terms"):
        return expr.linear_terms, float(expr.constant), None, _quadratic(ex, expr)
    if hasattr(expr, "nonlinear_terms"):
        part = _nonlinear_part(ex, expr.nonlinear_terms, "the objective") if expr.nonlinear_terms else None
        return expr.linear_terms, float(expr.constant), part, None
    return expr, 0.0, None, None


def _nonlinear_part(ex: _ModelExpander, terms: list[Any], where: str) -> NonlinearPart:
    part = NonlinearPart(where, [], [])
    for index, term in enumerate(terms):
        kind = getattr(term, "kind", None)
        if kind == "indicator":
            part.indicators.append(_indicator(ex, term, index, where))
        elif kind in ("abs", "product", "piecewise", "minmax"):
            part.terms.append(_nonlinear_term(ex, term, kind, index, where))
        else:
            raise ModelError(f"{_capital(where)}: unsupported nonlinear term type {type(term).__name__}")
    return part


def _nonlinear_term(ex: _ModelExpander, term: Any, kind: str, index: int, where: str) -> NonlinearTerm:
    """A term's items: one per instance key of its families (single variables broadcast)."""
    if kind == "minmax":
        variables, op = list(term.vars), term.operation
        if op not in ("min", "max") or not variables:
            raise ModelError(
                f"{_capital(where)}: a min/max term needs operation 'min' or 'max' and variables"
            )
    else:
        variables, op = [getattr(term, name) for name in _TERM_VARIABLES[kind]], kind
    families = [ex._family(v, where) for v in variables]
    keys, cols = _aligned(ex, families, where)
    owners = tuple(dict.fromkeys(v.name for v in families if len(ex.keys(v)) != 1))
    item = NonlinearTerm(op, index, tuple(v.name for v in families), keys, cols, owners)
    if kind in _TERM_COEFFICIENT:
        item.coeff = _term_coefficient(term.coefficient, _TERM_COEFFICIENT[kind], where)
    elif kind == "minmax":
        item.coefficients = _minmax_coefficients(term, op, len(variables), where)
    else:
        _piecewise_items(ex, item, term, families[0])
    return item


def _minmax_coefficients(term: Any, op: str, n: int, where: str) -> tuple[float, ...]:
    coefficients = list(term.coefficients or [1.0] * n)
    if len(coefficients) != n:
        raise ModelError(f"{_capital(where)}: {op}() has {n} variables but {len(coefficients)} coefficients")
    return tuple(_term_coefficient(c, f"{op}()", where) for c in coefficients)


def _term_coefficient(value: Any, what: str, where: str) -> float:
    try:
        if _not_a_number(value):
            raise TypeError
        number = float(value)
    except (TypeError, ValueError):
        raise ModelError(f"{_capital(where)}: {what} coefficient {value!r} is not a number") from None
    if not math.isfinite(number):
        raise ModelError(f"{_capital(where)}: {what} coefficient is {number}")
    return number


def _aligned(ex: _ModelExpander, families: list[LXVariable], where: str) -> tuple[list[Any], np.ndarray]:
    """Item keys and ``(items, variables)`` columns of a term: the families with more than one
    instance must share their keys; single variables are used for every item."""
    blocks = [ex._blocks[v.name] for v in families]
    multi = [b for b in blocks if len(b.keys) != 1]
    if not multi:
        return [None], np.array([[b.start for b in blocks]], dtype=np.int64)
    keys = multi[0].keys
    if any(b.keys != keys and set(b.positions) != set(keys) for b in multi[1:]):
        names = ", ".join(sorted({b.name for b in blocks}))
        raise ModelError(
            f"{_capital(where)}: a nonlinear term combines variable families with different index "
            f"keys ({names}); use families over the same keys, or single variables"
        )
    return list(keys), np.column_stack([_item_columns(b, keys) for b in blocks])


def _item_columns(block: ColumnBlock, keys: list[Any]) -> np.ndarray:
    """The column of ``block`` for each item key (its only column when it has one)."""
    if len(block.keys) == 1:
        return np.full(len(keys), block.start, np.int64)
    return np.fromiter((block.positions[k] for k in keys), np.int64, len(keys))


def _piecewise_items(ex: _ModelExpander, item: NonlinearTerm, term: Any, var: LXVariable) -> None:
    """Breakpoints and ``func`` at them for each item, from its column's bounds (one table per
    distinct pair of bounds). Left empty without a linearization, which refuses the term."""
    config = ex.linearization
    if config is None:
        return
    item.method = term.method or config.pwl_method
    block = ex._blocks[var.name]
    rows = item.cols[:, 0] - block.start
    tables: dict[tuple[float, float], tuple[list[float], list[float]]] = {}
    notes: dict[str, None] = {}
    for lo, up in zip(block.lower[rows].tolist(), block.upper[rows].tolist(), strict=True):
        if (lo, up) not in tables:
            points, values, note = piecewise_table(
                term.func, lo, up, config, name=var.name, num_segments=term.num_segments,
                x_min=term.x_min, x_max=term.x_max, adaptive=term.adaptive, breakpoints=term.breakpoints,
            )  # fmt: skip
            tables[(lo, up)] = (points, values)
            if note:
                notes[note] = None
    pairs = zip(block.lower[rows].tolist(), block.upper[rows].tolist(), strict=True)
    chosen = [tables[pair] for pair in pairs]
    item.breakpoints = np.array([t[0] for t in chosen], dtype=float).reshape(len(chosen), -1)
    item.values = np.array([t[1] for t in chosen], dtype=float).reshape(len(chosen), -1)
    item.notes = tuple(notes)


def _indicator(ex: _ModelExpander, term: Any, index: int, where: str) -> IndicatorTerm:
    """An indicator: its binary column and its linear expression (no row context)."""
    var = ex._family(term.binary_var, where)
    keys = ex.keys(var)
    if len(keys) != 1:
        raise ModelError(
            f"An indicator's binary_var takes a single variable; '{var.name}' has {len(keys)} "
            "instances. LXNonLinearExpression terms apply to every instance of a family"
        )
    if var.var_type.value != "binary":
        raise ModelError(f"An indicator needs a binary variable; '{var.name}' is {var.var_type.value}")
    cols, vals, constant = ex.expression(
        term.linear_expr, None, False, f"{where} (indicator on '{var.name}')"
    )
    rhs = _term_coefficient(term.rhs, "indicator right-hand side", where)
    binary = ex._blocks[var.name].start
    return IndicatorTerm(index, var.name, binary, cols, vals, constant, term.sense, rhs, bool(term.condition))


def _picks(
    ex: _ModelExpander, part: NonlinearPart, row: Any, indexed: bool, where: str
) -> list[np.ndarray | None]:
    """The items each term gives one row: all (``None``) unless the constraint is indexed."""
    if not indexed:
        return [None] * len(part.terms)
    return [_pick(ex, term, row, where, part.where) for term in part.terms]


def _pick(ex: _ModelExpander, term: NonlinearTerm, row: Any, where: str, family: str) -> np.ndarray | None:
    """A row (``where``) that is an instance of one of the term's multi-instance families (by
    key) takes that item; a row of such a family's data type that is not one of its instances
    takes nothing (logged once per constraint ``family``); any other row takes every item."""
    outside = None
    for name in term.owners:
        var = ex._families[name]
        instances = ex.instances(var)
        if not instances or not _same_data_type(row, instances[0]):
            continue
        try:
            key = ex.key_func(var)(row)
        except Exception as exc:
            raise _call_error(where, f"index key of {var.name} for the row", var.index_func, exc) from exc
        try:
            item = term.item_index.get(key)
        except TypeError:
            item = None
        if item is not None:
            return np.array([item], dtype=np.int64)
        outside = outside or name
    if outside is None:
        return None
    if (family, outside) not in ex.warned:
        ex.warned.add((family, outside))
        logger.warning(
            "Rows of %s are of the same type as variable '%s' but not among the instances of '%s'; "
            "its nonlinear terms contribute nothing there",
            family, outside, outside,
        )  # fmt: skip
    return _NO_ITEMS


def _quadratic(ex: _ModelExpander, expr: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The objective's products ``(i, j, c)``: ``i <= j``, summed, zeros dropped, sorted."""
    found = [_quadratic_term(ex, term) for term in expr.quadratic_terms]
    if not found:
        return None
    first = np.concatenate([f[0] for f in found])
    second = np.concatenate([f[1] for f in found])
    coeffs = np.concatenate([f[2] for f in found])
    n = sum(len(b.keys) for b in ex._blocks.values()) or 1
    pairs = np.minimum(first, second) * n + np.maximum(first, second)
    unique, inverse = np.unique(pairs, return_inverse=True)
    sums = np.bincount(inverse.ravel(), weights=coeffs, minlength=len(unique))
    keep = sums != 0
    if not keep.any():
        return None
    return unique[keep] // n, unique[keep] % n, sums[keep]


def _quadratic_term(ex: _ModelExpander, term: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Columns and coefficients of one ``LXQuadraticTerm``: every pair of instances, or one
    square per instance (``diagonal``)."""
    where = "the objective"
    v1, v2 = ex._family(term.var1, where), ex._family(term.var2, where)
    b1, b2 = ex._blocks[v1.name], ex._blocks[v2.name]
    first = b1.start + np.arange(len(b1.keys))
    if term.diagonal:
        missing = [k for k in b1.keys if k not in b2.positions]
        if missing:
            raise ModelError(f"{where}: squared term of '{v1.name}': '{v2.name}' has no key {missing[0]!r}")
        second = np.fromiter((b2.positions[k] for k in b1.keys), np.int64, len(b1.keys))
        sides: tuple[LXVariable, ...] = (v1,)
    else:
        n2 = len(b2.keys)
        first, second = np.repeat(first, n2), np.tile(b2.start + np.arange(n2), len(b1.keys))
        sides = (v1, v2)
    label = f"quadratic coefficient of '{v1.name}' x '{v2.name}'"
    if callable(term.coefficient):
        pairs = list(itertools.product(*(ex.instances(v) for v in sides)))
        coeffs = _quadratic_coefficients(ex, term.coefficient, sides, pairs, label)
    else:
        coeffs = np.full(len(first), _term_coefficient(term.coefficient, "quadratic", where))
    return first, second, coeffs


def _quadratic_coefficients(
    ex: _ModelExpander,
    coeff: Callable[..., Any],
    sides: tuple[LXVariable, ...],
    pairs: list[tuple[Any, ...]],
    label: str,
) -> np.ndarray:
    """A callable quadratic coefficient per pair of instances (one instance for a square): it
    gets the instances, or their parts on multi-indexed families when it takes one argument
    per part."""
    where = "the objective"
    multi = [v.is_multi_indexed for v in sides]
    n_parts = sum(len(p) if m else 1 for m, p in zip(multi, pairs[0], strict=True)) if pairs else 0
    args = pairs
    if n_parts != len(sides) and ex.arity(coeff) == n_parts:
        args = [
            tuple(x for m, p in zip(multi, pair, strict=True) for x in (p if m else (p,))) for pair in pairs
        ]
    fail = lambda i, exc: _call_error(where, f"{label} for {args[i]!r}", coeff, exc)
    raw = _call_all(coeff, args, range(len(args)), SPREAD, None, fail)
    values = _numbers(raw, where, label, coeff, lambda j: args[j])
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise ModelError(f"The objective: {label} is {values[bad[0]]}")
    return values


def piecewise_table(
    func: Callable[[float], float],
    lower: float,
    upper: float,
    config: LXLinearizerConfig,
    *,
    name: str,
    num_segments: int | None = None,
    x_min: float | None = None,
    x_max: float | None = None,
    adaptive: bool | None = None,
    breakpoints: Sequence[float] | None = None,
) -> tuple[list[float], list[float], str | None]:
    """Breakpoints of a piecewise-linear term on ``name`` (bounds ``lower .. upper``, ``±inf``
    when open), ``func`` at them, and the warning to give when the domain is narrower than the
    bounds. Settings left ``None`` come from ``config``.

    Raises:
        ModelError (a ``ValueError``): bad breakpoints or segments, no domain, or ``func``
            raising or not finite at a point.
    """
    lo = None if math.isinf(lower) else lower
    up = None if math.isinf(upper) else upper
    if breakpoints is not None:
        if x_min is not None or x_max is not None:
            raise ModelError(f"Give either breakpoints or x_min/x_max for {name}, not both")
        points = _given_breakpoints(breakpoints, name)
        x_min, x_max = points[0], points[-1]
    else:
        segments = _segments(config.pwl_num_segments if num_segments is None else num_segments, name)
        x_min, x_max = _domain(name, lo if x_min is None else x_min, up if x_max is None else x_max)
        use_adaptive = config.adaptive_breakpoints if adaptive is None else adaptive
        points = _breakpoints(func, float(x_min), float(x_max), segments, bool(use_adaptive))
    return points, _finite_values(func, points, (x_min, x_max), name), _narrower(name, lo, up, x_min, x_max)


def _narrower(name: str, lo: float | None, up: float | None, x_min: float, x_max: float) -> str | None:
    """The warning for a domain narrower than the variable's bounds (it constrains the variable)."""
    if lo is None or lo < x_min or up is None or up > x_max:
        return (
            f"The piecewise-linear term restricts {name} to [{x_min}, {x_max}], narrower than its "
            f"bounds [{lo}, {up}]"
        )
    return None


def _segments(segments: Any, name: str) -> int:
    if not isinstance(segments, int) or isinstance(segments, bool) or segments < 1:
        raise ModelError(f"num_segments must be an integer >= 1 for {name}, got {segments!r}")
    return segments


def _given_breakpoints(breakpoints: Sequence[float], name: str) -> list[float]:
    points = [float(b) for b in breakpoints]
    if len(points) < 2 or any(b <= a for a, b in itertools.pairwise(points)):
        raise ModelError(
            f"breakpoints for {name} must contain at least two strictly increasing values, got {points}"
        )
    return points


def _domain(name: str, x_min: float | None, x_max: float | None) -> tuple[float, float]:
    if x_min is None or x_max is None:
        raise ModelError(
            f"Cannot determine domain for piecewise-linear approximation of {name}. Detected: "
            f"[{x_min}, {x_max}]. Please specify x_min/x_max or set bounds on the variable."
        )
    return x_min, x_max


def _finite_values(
    func: Callable[[float], float], points: list[float], domain: tuple[float, float], name: str
) -> list[float]:
    values = _function_values(func, points, domain)
    bad = [(p, v) for p, v in zip(points, values, strict=True) if not math.isfinite(v)]
    if bad:
        raise ModelError(
            f"The function of {name} at breakpoint {bad[0][0]} is not finite ({bad[0][1]}); restrict "
            "the domain to where it is finite"
        )
    return values


def _function_values(
    func: Callable[[float], float], points: Sequence[float], domain: tuple[Any, Any]
) -> list[float]:
    try:
        return [float(func(p)) for p in points]
    except Exception as exc:
        raise ModelError(
            f"Failed to evaluate function at breakpoints: {exc}. Ensure function is defined over "
            f"domain [{domain[0]}, {domain[1]}]."
        ) from exc


def _breakpoints(
    func: Callable[[float], float], x_min: float, x_max: float, n: int, adaptive: bool
) -> list[float]:
    """``n + 1`` strictly increasing points on ``[x_min, x_max]``: uniform, or, ``adaptive``,
    denser where ``|f''|`` is large (quantiles of a density mixing the curvature of ``10 n + 1``
    samples with a uniform floor); uniform when the curvature is negligible or the result is
    not strictly increasing."""
    uniform = [float(b) for b in np.linspace(x_min, x_max, n + 1)]
    if not adaptive or n == 1:
        return uniform
    xs = np.linspace(x_min, x_max, 10 * n + 1)
    ys = np.array(_function_values(func, xs.tolist(), (x_min, x_max)))
    density = np.concatenate([[0.0], np.abs(np.diff(ys, 2)), [0.0]])
    total = float(density.sum())
    if not math.isfinite(total) or total <= 1e-9 * (float(np.max(np.abs(ys))) + 1.0):
        return uniform
    density = 0.5 * density / total + 0.5 / len(xs)
    cdf = np.concatenate([[0.0], np.cumsum((density[1:] + density[:-1]) / 2)])
    cdf /= cdf[-1]
    inner = np.interp(np.arange(1, n) / n, cdf, xs)
    points = [float(x_min), *(float(v) for v in inner), float(x_max)]
    if any(b <= a for a, b in itertools.pairwise(points)):
        return uniform
    return points


def variable_columns(var: LXVariable) -> ColumnBlock:
    """The columns of one variable family on its own: keys, bounds (its callables evaluated)
    and integrality, starting at position 0."""
    return _ModelExpander(cast("LXModel", None))._column_block(var, 0)
