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
import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import ModelError
from .utils import orm
from .utils.callables import VARIADIC, describe_callable, positional_arity

if TYPE_CHECKING:
    from .core.constraints import LXConstraint
    from .core.dimensions import LXIndexDimension
    from .core.enums import LXObjectiveSense
    from .core.expressions import LXLinearExpression, LXMultiTerm, LXTerm
    from .core.model import LXModel
    from .core.variables import LXVariable

__all__ = [
    "ColumnBlock",
    "RowBlock",
    "ObjectiveBlock",
    "ExpandedModel",
    "Expander",
    "expand_model",
    "variable_instances",
    "variable_key",
    "constraint_instances",
    "dimension_instances",
]

ONE, WITH_ROW, SPREAD = "one", "with_row", "spread"  # how a term's callables are called
_SCALAR_TYPES = (int, float, complex, str, bytes, bool, type(None))

Terms = tuple[np.ndarray, np.ndarray]  # column positions, coefficients


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


def expand_model(model: LXModel) -> ExpandedModel:
    """Expand ``model``: every family's instances, keys, bounds and coefficients.

    Raises:
        ModelError: bad data, a callable that raises or returns a non-number, duplicate or
            unhashable keys, a family without data, expression or right-hand side.
    """
    return _ModelExpander(model).run()


# -- behind get_instances() / index_key() ----------------------------------------------------


def variable_instances(var: LXVariable) -> list[Any]:
    """The instances of a variable family after filters."""
    return Expander().instances(var)


def variable_key(var: LXVariable, instance: Any) -> Any:
    """The index key of one instance of a variable family."""
    return Expander().key_func(var)(instance)


def constraint_instances(constraint: LXConstraint) -> list[Any]:
    """The row instances of a constraint family (``[None]`` for a single constraint)."""
    return Expander().row_instances(constraint)


def dimension_instances(dim: LXIndexDimension) -> list[Any]:
    """The instances of an index dimension after its filter."""
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
            found = list(itertools.product(*dims))
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

    def __init__(self, model: LXModel) -> None:
        super().__init__()
        self.model = model
        self._families: dict[str, LXVariable] = {}
        self._blocks: dict[str, ColumnBlock] = {}
        self._term_cache: dict[int, Terms] = {}

    def run(self) -> ExpandedModel:
        columns = self._columns()
        rows = self._rows()
        return ExpandedModel(self.model.name, columns, rows, self._objective(), self.reads)

    # -- columns ----------------------------------------------------------------------------
    def _columns(self) -> list[ColumnBlock]:
        start = 0
        for var in self.model.variables:
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
        return ColumnBlock(var.name, keys, start, positions, lo, up, integer, var.is_scalar)

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
        coeff: Any,
        pred: Any,
        where: str,
        modes: tuple[str, str] = (ONE, ONE),
        subset: list[int] | None = None,
        row: Any = None,
    ) -> Terms:
        """Column positions and coefficients of one term over (a subset of) the instances;
        ``modes`` says how the coefficient and the filter are called (see ``_call_all``)."""
        instances, keys = self.instances(var), self.keys(var)
        label = lambda i: _where(var.name, keys[i], var.is_scalar)
        idx: Sequence[int] = range(len(instances)) if subset is None else subset
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

    def _row_aware(self, func: Any, indexed_row: bool) -> bool:
        """Whether ``func`` is called ``f(instance, row)``: it needs two arguments, or takes
        ``*args`` and there is a row to give it (outside rows, ``f(*args)`` gets ``f(instance)``)."""
        if not callable(func):
            return False
        arity = self.arity(func)
        return arity >= 2 and (indexed_row or arity != VARIADIC)

    def _term(self, term: LXTerm, row: Any, indexed_row: bool, where: str) -> Terms:
        var = self._family(term.var, where)
        aware = (self._row_aware(term.coeff, indexed_row), self._row_aware(term.where, indexed_row))
        if any(aware):
            return self._row_term(var, term, row, indexed_row, where, aware)
        if indexed_row:
            own = self._own_column(var, term, row, where)
            if own is not None:
                return own
        cached = self._term_cache.get(id(term))
        if cached is None:
            cached = self._term_cache[id(term)] = self._evaluate(var, term.coeff, term.where, where)
        return cached

    def _row_term(
        self, var: LXVariable, term: LXTerm, row: Any, indexed_row: bool, where: str, aware: tuple[bool, bool]
    ) -> Terms:
        """A term whose coefficient or filter takes ``(instance, row)``."""
        if not indexed_row:
            func = term.coeff if aware[0] else term.where
            raise ModelError(
                f"{where}: {describe_callable(func)} takes (instance, row) but {where} has "
                "no rows; use a one-argument callable here"
            )
        modes = (WITH_ROW if aware[0] else ONE, WITH_ROW if aware[1] else ONE)
        return self._evaluate(var, term.coeff, term.where, where, modes, row=row)

    def _own_column(self, var: LXVariable, term: LXTerm, row: Any, where: str) -> Terms | None:
        """The row's own column of ``var``, matched by index key, when the rows are instances
        of the family's data type; ``None`` when they are not."""
        instances = self.instances(var)
        if not instances or not _same_data_type(row, instances[0]):
            return None
        block = self._blocks[var.name]
        try:
            pos = block.positions.get(self.key_func(var)(row))
        except Exception as exc:
            raise _call_error(where, f"index key of {var.name} for the row", var.index_func, exc) from exc
        if pos is None:
            return np.zeros(0, np.int64), np.zeros(0)
        return self._evaluate(var, term.coeff, term.where, where, subset=[pos - block.start])

    def _multi(self, term: LXMultiTerm, where: str) -> Terms:
        cached = self._term_cache.get(id(term))
        if cached is None:
            var = self._family(term.var, where)

            def mode(func: Any) -> str:
                if var.is_multi_indexed and not (callable(func) and self.arity(func) == 1):
                    return SPREAD
                return ONE

            modes = (mode(term.coeff), mode(term.where))
            cached = self._term_cache[id(term)] = self._evaluate(var, term.coeff, term.where, where, modes)
        return cached

    def expression(
        self, expr: LXLinearExpression, row: Any, indexed_row: bool, where: str
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """Columns, coefficients (duplicates not yet summed) and constant of ``expr``."""
        cols: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        for term in expr.terms:
            c, v = self._term(term, row, indexed_row, where)
            cols.append(c)
            vals.append(v * term.scale if term.scale != 1.0 else v)
        for mterm in expr.multi_terms:
            c, v = self._multi(mterm, where)
            cols.append(c)
            vals.append(v * mterm.scale if mterm.scale != 1.0 else v)
        if not cols:
            return np.zeros(0, np.int64), np.zeros(0), float(expr.constant)
        return np.concatenate(cols), np.concatenate(vals), float(expr.constant)

    # -- rows -------------------------------------------------------------------------------
    def _rows(self) -> list[RowBlock]:
        blocks: dict[str, RowBlock] = {}
        start = 0
        for constraint in self.model.constraints:
            if constraint.name in blocks:
                raise ModelError(f"two constraints are named '{constraint.name}'")
            block = blocks[constraint.name] = self._row_block(constraint, start)
            start += len(block.keys)
        return list(blocks.values())

    def _checked(self, constraint: LXConstraint, owner: str) -> tuple[LXLinearExpression, list[Any]]:
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
        key_func, indexed = constraint.index_func, constraint.is_indexed
        block = RowBlock(constraint.name, constraint.sense.value, scalar=not indexed)
        for inst in rows:
            key = None if key_func is None else self._row_key(key_func, inst, owner)
            _place(block.positions, key, start + len(block.keys), owner)
            where = f"constraint '{_where(constraint.name, key, not indexed)}'"
            cols, vals, const = self.expression(lhs, inst, indexed, where)
            rhs = self._rhs(constraint, inst, where)
            block.keys.append(key)
            block.cols.append(cols)
            block.vals.append(vals)
            block.rhs.append(rhs)
            block.constants.append(const)
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
        cols, vals, const = self.expression(expr, None, False, "the objective")
        if not math.isfinite(const):
            raise ModelError(f"the objective: constant is {const}")
        return ObjectiveBlock(cols, vals, const, model.objective_sense)
