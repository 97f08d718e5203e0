"""Compile an ``LXModel`` into numbers only: the ``LXCanonicalModel``.

This is the only module that calls user callables (index keys, bounds, coefficients, filters,
right-hand sides). Each callable's arity is resolved once per compile; rows and columns are
matched by index key, never by object identity. Any failure names the family, the instance
key and the callable.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import numbers
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from .core.enums import LXConstraintSense, LXObjectiveSense, LXVarType
from .core.expressions import LXLinearExpression, LXMultiTerm, LXTerm
from .errors import ModelError
from .utils import orm
from .utils.callables import describe_callable, positional_arity

if TYPE_CHECKING:
    from .core.constraints import LXConstraint
    from .core.dimensions import LXIndexDimension
    from .core.model import LXModel
    from .core.variables import LXVariable

__all__ = [
    "LXCanonicalModel",
    "compile_model",
    "variable_instances",
    "variable_key",
    "constraint_instances",
    "dimension_instances",
]

ONE, WITH_ROW, SPREAD = "one", "with_row", "spread"  # how _evaluate calls a term's callables
SENSE_CODES = {LXConstraintSense.LE: "<=", LXConstraintSense.GE: ">=", LXConstraintSense.EQ: "=="}


@dataclass(frozen=True, eq=False)
class LXCanonicalModel:
    """A model as arrays.

    Invariants: column ``j`` is ``col_names[j]`` with bounds ``col_lower[j] .. col_upper[j]``
    (``±inf`` when unbounded), integrality ``col_integer[j]`` and objective coefficient
    ``objective[j]``; row ``i`` of ``matrix`` (CSR, explicit zeros removed once, here) is
    ``row_names[i]`` with ``row_lower[i] <= A[i] @ x <= row_upper[i]`` and original sense
    ``row_sense[i]`` (``"<="``, ``">="``, ``"=="``); the row's right-hand side as written is
    its bound plus ``row_constant[i]``, the constant of its expression. ``col_index[family][key]`` and
    ``row_index[family][key]`` give positions; a scalar family has the single key ``None``.
    ``sense`` is ``None`` for a model without an objective.
    """

    name: str
    col_names: tuple[str, ...]
    col_lower: np.ndarray
    col_upper: np.ndarray
    col_integer: np.ndarray
    objective: np.ndarray
    objective_constant: float
    sense: LXObjectiveSense | None
    matrix: sp.csr_matrix
    row_names: tuple[str, ...]
    row_lower: np.ndarray
    row_upper: np.ndarray
    row_sense: np.ndarray
    row_constant: np.ndarray
    col_index: dict[str, dict[Any, int]]
    row_index: dict[str, dict[Any, int]]
    scalar_variables: frozenset[str] = field(default_factory=frozenset)
    scalar_constraints: frozenset[str] = field(default_factory=frozenset)

    @property
    def scalar_families(self) -> frozenset[str]:
        """Names of scalar variable and constraint families (one column / row each)."""
        return self.scalar_variables | self.scalar_constraints

    @property
    def n_cols(self) -> int:
        return len(self.col_names)

    @property
    def n_rows(self) -> int:
        return len(self.row_names)

    @property
    def is_mip(self) -> bool:
        return bool(self.col_integer.any())

    @cached_property
    def _col_by_name(self) -> dict[str, int]:
        return {name: j for j, name in enumerate(self.col_names)}

    @cached_property
    def _row_by_name(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.row_names)}

    def column(self, name: str) -> int:
        """Position of the column named ``name`` (``"production[3]"``)."""
        try:
            return self._col_by_name[name]
        except KeyError:
            raise KeyError(f"model '{self.name}' has no column {name!r}") from None

    def row(self, name: str) -> int:
        """Position of the row named ``name`` (``"capacity[2]"``)."""
        try:
            return self._row_by_name[name]
        except KeyError:
            raise KeyError(f"model '{self.name}' has no row {name!r}") from None

    @cached_property
    def content_hash(self) -> str:
        """SHA-256 of every number and name: equal models compile to equal hashes."""
        digest = hashlib.sha256()
        arrays = (
            self.col_lower,
            self.col_upper,
            self.col_integer,
            self.objective,
            self.matrix.indptr.astype(np.int64),
            self.matrix.indices.astype(np.int64),
            self.matrix.data,
            self.row_lower,
            self.row_upper,
            self.row_constant,
        )
        for arr in arrays:
            digest.update(np.ascontiguousarray(arr).tobytes())
        sense = None if self.sense is None else self.sense.value
        names = (self.name, self.col_names, self.row_names, self.row_sense.tolist())
        digest.update(repr((names, self.objective_constant, sense)).encode())
        return digest.hexdigest()

    def family_columns(self, family: str) -> np.ndarray:
        return np.fromiter(self.col_index[family].values(), dtype=np.int64)

    def family_rows(self, family: str) -> np.ndarray:
        return np.fromiter(self.row_index[family].values(), dtype=np.int64)


def compile_model(model: LXModel, *, with_reads: bool = False) -> Any:
    """Expand ``model`` into an ``LXCanonicalModel``; raises ``ModelError`` on bad input.

    With ``with_reads=True`` also return the ORM rows read, ``{(id(session), Type): rows}``.
    """
    compiler = _Compiler(model)
    canon = compiler.run()
    return (canon, compiler._reads) if with_reads else canon


# -- public helpers behind get_instances() / index_key() ---------------------------------------


def variable_instances(var: LXVariable) -> list[Any]:
    return _Compiler(None).instances(var)


def variable_key(var: LXVariable, instance: Any) -> Any:
    return _Compiler(None).key_func(var)(instance)


def constraint_instances(constraint: LXConstraint) -> list[Any]:
    return _Compiler(None).row_instances(constraint)


def dimension_instances(dim: LXIndexDimension) -> list[Any]:
    return _Compiler(None).dimension_instances(dim)


# -- the compiler ----------------------------------------------------------------------------

_SCALAR_TYPES = (int, float, complex, str, bytes, bool, type(None))


def _where(owner: str, key: Any = None, scalar: bool = False) -> str:
    return owner if scalar else f"{owner}[{key}]"


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


class _Compiler:
    """One compile: caches instances, keys, arities and row-independent term values."""

    def __init__(self, model: LXModel | None) -> None:
        self.model = model
        self._arity: dict[int, tuple[Callable[..., Any], int]] = {}
        self._reads: dict[tuple[int, type], list[Any]] = {}
        self._instances: dict[int, list[Any]] = {}
        self._keys: dict[int, list[Any]] = {}
        self._positions: dict[str, dict[Any, int]] = {}
        self._offsets: dict[str, int] = {}
        self._term_cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._families: dict[str, LXVariable] = {}

    # -- callables --------------------------------------------------------------------------
    def arity(self, func: Callable[..., Any]) -> int:
        hit = self._arity.get(id(func))
        if hit is None:
            hit = self._arity[id(func)] = (func, positional_arity(func))
        return hit[1]

    @staticmethod
    def _call_error(where: str, what: str, func: Any, exc: Exception) -> ModelError:
        return ModelError(f"{where}: {what} ({describe_callable(func)}) raised {type(exc).__name__}: {exc}")

    # -- data -------------------------------------------------------------------------------
    def _read(self, owner: str, model_type: type | None, session: Any) -> list[Any]:
        if model_type is None:
            raise ModelError(
                f"{owner} has no data source; use .from_data(list) or .from_model(Type, session)"
            )
        cache_key = (id(session), model_type)
        rows = self._reads.get(cache_key)
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
            self._reads[cache_key] = rows
        return rows

    def _source(self, owner: str, family: Any) -> list[Any]:
        if family._data is not None:
            return list(family._data)
        return list(self._read(owner, family.model_type, family._session))

    def _filtered(self, owner: str, items: list[Any], pred: Any, spread: bool) -> list[Any]:
        if pred is None:
            return items
        spread = spread and self.arity(pred) != 1
        kept = []
        for inst in items:
            try:
                keep = pred(*inst) if spread else pred(inst)
            except Exception as exc:
                raise self._call_error(f"{owner} (instance {inst!r})", "filter", pred, exc) from exc
            if keep:
                kept.append(inst)
        return kept

    def dimension_instances(self, dim: LXIndexDimension, family: str = "") -> list[Any]:
        owner = f"{family}dimension {getattr(dim.model_type, '__name__', dim.model_type)}"
        return self._filtered(owner, self._source(owner, dim), dim.filter_func, False)

    def instances(self, var: LXVariable) -> list[Any]:
        """The instances of a variable family (``[None]`` for a scalar variable)."""
        found = self._instances.get(id(var))
        if found is not None:
            return found
        owner = f"variable '{var.name}'"
        if var.is_scalar:
            found = [None]
        elif var._cartesian is not None:
            dims = [self.dimension_instances(d, f"{owner}: ") for d in var._cartesian.dimensions]
            found = list(itertools.product(*dims))
        else:
            found = self._source(owner, var)
            if var._join_config is not None:
                found = self._filtered(owner, found, var._filter, False)
                join = var._join_config["join_func"]
                pairs = []
                for primary in found:
                    try:
                        related = join(primary)
                    except Exception as exc:
                        raise self._call_error(
                            f"{owner} (primary {primary!r})", "join function", join, exc
                        ) from exc
                    pairs.extend((primary, r) for r in related)
                found = pairs
        found = self._filtered(owner, found, var._multi_filter, True)
        if var._join_config is None:
            found = self._filtered(owner, found, var._filter, False)
        self._instances[id(var)] = found
        return found

    def key_func(self, var: LXVariable) -> Callable[[Any], Any]:
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
        found = self._keys.get(id(var))
        if found is None:
            instances = self.instances(var)
            if var.is_scalar:
                found = [None]
            else:
                func = self.key_func(var)
                found = []
                for inst in instances:
                    try:
                        found.append(func(inst))
                    except Exception as exc:
                        raise self._call_error(
                            f"variable '{var.name}' (instance {inst!r})",
                            "index key",
                            self._key_callable(var, inst),
                            exc,
                        ) from exc
            self._keys[id(var)] = found
        return found

    def row_instances(self, constraint: LXConstraint) -> list[Any]:
        owner = f"constraint '{constraint.name}'"
        if not constraint.is_indexed:
            return [None]
        if constraint.index_func is None:
            raise ModelError(f"{owner} has data but no indexed_by(...); add .indexed_by(lambda row: row.id)")
        return self._source(owner, constraint)

    # -- columns ----------------------------------------------------------------------------
    def _bound(self, var: LXVariable, value: Any, which: str, default: float) -> np.ndarray | float:
        n = len(self.instances(var))
        if value is None:
            return default
        if callable(value):
            keys = self.keys(var)
            values = []
            for k, inst in zip(keys, self.instances(var), strict=True):
                try:
                    values.append(value(inst))
                except Exception as exc:
                    raise self._call_error(
                        f"variable '{_where(var.name, k, var.is_scalar)}'",
                        f"{which} bound",
                        value,
                        exc,
                    ) from exc
            keys = self.keys(var)
            arr = self._numbers(
                values, f"variable '{var.name}'", f"{which} bound", value, lambda j: keys[j]
            )
            if np.isnan(arr).any():
                k = self.keys(var)[int(np.flatnonzero(np.isnan(arr))[0])]
                raise ModelError(
                    f"variable '{var.name}[{k}]': {which} bound is nan ({describe_callable(value)})"
                )
            return arr
        if not isinstance(value, numbers.Real) or math.isnan(value):
            raise ModelError(f"variable '{var.name}': {which} bound must be a number, got {value!r}")
        return np.full(n, float(value)) if n else float(value)

    def _columns(self) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
        names: list[str] = []
        lowers, uppers, integers = [], [], []
        for var in self.model.variables:
            if var.name in self._positions:
                raise ModelError(f"two variable families are named '{var.name}'")
            self._families[var.name] = var
            keys = self.keys(var)
            start = len(names)
            positions: dict[Any, int] = {}
            for k in keys:
                try:
                    duplicate = k in positions
                except TypeError:
                    raise ModelError(
                        f"variable '{var.name}': index key {k!r} is not hashable; "
                        "use indexed_by(lambda item: item.id) with a hashable key"
                    ) from None
                if duplicate:
                    raise ModelError(f"variable '{var.name}': duplicate index key {k!r}; keys must be unique")
                positions[k] = start + len(positions)
            self._positions[var.name] = positions
            self._offsets[var.name] = start
            names.extend([var.name] if var.is_scalar else [f"{var.name}[{k}]" for k in keys])
            n = len(keys)
            lo = np.broadcast_to(self._bound(var, var.lower_bound, "lower", -np.inf), (n,))
            up = np.broadcast_to(self._bound(var, var.upper_bound, "upper", np.inf), (n,))
            lo, up = np.array(lo, dtype=float), np.array(up, dtype=float)
            if var.var_type is LXVarType.BINARY:
                lo, up = np.maximum(lo, 0.0), np.minimum(up, 1.0)
            if var.var_type is not LXVarType.CONTINUOUS:
                lo, up = np.ceil(lo - 1e-9), np.floor(up + 1e-9)
            bad = np.flatnonzero(lo > up)
            if bad.size:
                k = keys[int(bad[0])]
                raise ModelError(
                    f"variable '{_where(var.name, k, var.is_scalar)}': lower bound {lo[bad[0]]} "
                    f"is above upper bound {up[bad[0]]}"
                )
            lowers.append(lo)
            uppers.append(up)
            integers.append(np.full(n, var.var_type is not LXVarType.CONTINUOUS))
        cat = lambda parts, dt: np.concatenate(parts).astype(dt) if parts else np.zeros(0, dt)
        return names, cat(lowers, float), cat(uppers, float), cat(integers, bool)

    # -- expressions ------------------------------------------------------------------------
    def _numbers(
        self, values: list[Any], where: str, what: str, func: Any, label: Callable[[int], Any]
    ) -> np.ndarray:
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
            bad = v is None or isinstance(v, str | bytes | bool | np.bool_)
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
        coeff_mode: str = ONE,
        pred_mode: str = ONE,
        subset: list[int] | None = None,
        row: Any = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Column positions and coefficients of one term over (a subset of) the instances.

        A mode says how a callable is called: ``ONE`` ``f(inst)``, ``WITH_ROW`` ``f(inst, row)``,
        ``SPREAD`` ``f(*inst)`` (one argument per dimension).
        """
        instances = self.instances(var)
        keys = self.keys(var)
        idx: Iterable[int] = range(len(instances)) if subset is None else subset
        cur = -1
        if pred is not None:
            try:
                if pred_mode == ONE:
                    idx = [i for i in idx if pred(instances[(cur := i)])]
                elif pred_mode == WITH_ROW:
                    idx = [i for i in idx if pred(instances[(cur := i)], row)]
                else:
                    idx = [i for i in idx if pred(*instances[(cur := i)])]
            except Exception as exc:
                raise self._call_error(
                    f"{where} (term {_where(var.name, keys[cur], var.is_scalar)})",
                    "where filter",
                    pred,
                    exc,
                ) from exc
        idx = list(idx)
        if callable(coeff):
            try:
                if coeff_mode == ONE:
                    values = [coeff(instances[(cur := i)]) for i in idx]
                elif coeff_mode == WITH_ROW:
                    values = [coeff(instances[(cur := i)], row) for i in idx]
                else:
                    values = [coeff(*instances[(cur := i)]) for i in idx]
            except Exception as exc:
                raise self._call_error(
                    where,
                    f"coefficient of {_where(var.name, keys[cur], var.is_scalar)}",
                    coeff,
                    exc,
                ) from exc
            label = lambda j: _where(var.name, keys[idx[j]], var.is_scalar)  # noqa: E731
            vals = self._numbers(values, where, "coefficient", coeff, label)
            if vals.size and not np.isfinite(vals).all():
                j = int(np.flatnonzero(~np.isfinite(vals))[0])
                raise ModelError(
                    f"{where}: coefficient of {label(j)} is {vals[j]} (from {describe_callable(coeff)})"
                )
        else:
            if not math.isfinite(float(coeff)):
                raise ModelError(f"{where}: coefficient of {var.name} is {coeff}")
            vals = np.full(len(idx), float(coeff))
        return np.asarray(idx, dtype=np.int64) + self._offsets[var.name], vals

    def _row_aware(self, func: Any) -> bool:
        return callable(func) and self.arity(func) >= 2

    def _term(self, term: LXTerm, row: Any, indexed_row: bool, where: str) -> tuple[np.ndarray, np.ndarray]:
        var = self._family(term.var, where)
        aware_c, aware_w = self._row_aware(term.coeff), self._row_aware(term.where)
        if aware_c or aware_w:
            if not indexed_row:
                func = term.coeff if aware_c else term.where
                raise ModelError(
                    f"{where}: {describe_callable(func)} takes (instance, row) but {where} has "
                    "no rows; use a one-argument callable here"
                )
            return self._evaluate(
                var,
                term.coeff,
                term.where,
                where,
                WITH_ROW if aware_c else ONE,
                WITH_ROW if aware_w else ONE,
                row=row,
            )
        if indexed_row:
            instances = self.instances(var)
            if instances and _same_data_type(row, instances[0]):
                # The row's own column only, matched by index key.
                try:
                    k = self.key_func(var)(row)
                    pos = self._positions[var.name].get(k)
                except Exception as exc:
                    raise self._call_error(
                        where, f"index key of {var.name} for the row", var.index_func, exc
                    ) from exc
                if pos is None:
                    return np.zeros(0, np.int64), np.zeros(0)
                sub = [pos - self._offsets[var.name]]
                return self._evaluate(var, term.coeff, term.where, where, subset=sub)
        cached = self._term_cache.get(id(term))
        if cached is None:
            cached = self._evaluate(var, term.coeff, term.where, where)
            self._term_cache[id(term)] = cached
        return cached

    def _multi(self, term: LXMultiTerm, where: str) -> tuple[np.ndarray, np.ndarray]:
        cached = self._term_cache.get(id(term))
        if cached is None:
            var = self._family(term.var, where)

            def mode(func: Any) -> str:
                if var.is_multi_indexed and not (callable(func) and self.arity(func) == 1):
                    return SPREAD
                return ONE

            cached = self._evaluate(var, term.coeff, term.where, where, mode(term.coeff), mode(term.where))
            self._term_cache[id(term)] = cached
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
    def _rows(self, n_cols: int):
        names: list[str] = []
        row_ids, col_ids, values = [], [], []
        lower, upper, senses, constants = [], [], [], []
        row_index: dict[str, dict[Any, int]] = {}
        scalars: set[str] = set()
        for constraint in self.model.constraints:
            owner = f"constraint '{constraint.name}'"
            if constraint.name in row_index:
                raise ModelError(f"two constraints are named '{constraint.name}'")
            if constraint.lhs is None:
                raise ModelError(f"{owner} has no expression; call .expression(...)")
            indexed = constraint.is_indexed
            if not indexed:
                scalars.add(constraint.name)
            rows = self.row_instances(constraint)
            if constraint.rhs_value is None and constraint.rhs_func is None:
                raise ModelError(f"{owner} has no right-hand side; call .rhs(value or f(row))")
            if constraint.rhs_value is None and constraint.rhs_func is not None and not indexed:
                raise ModelError(
                    f"{owner}: rhs is a callable but the constraint has no data; "
                    "give a number or add from_data/from_model and indexed_by"
                )
            positions: dict[Any, int] = {}
            row_index[constraint.name] = positions
            sense = SENSE_CODES[constraint.sense]
            for inst in rows:
                if indexed:
                    try:
                        key = constraint.index_func(inst)
                    except Exception as exc:
                        raise self._call_error(
                            f"{owner} (row {inst!r})", "index key", constraint.index_func, exc
                        ) from exc
                    try:
                        duplicate = key in positions
                    except TypeError:
                        raise ModelError(f"{owner}: index key {key!r} is not hashable") from None
                    if duplicate:
                        raise ModelError(f"{owner}: duplicate index key {key!r}; keys must be unique")
                else:
                    key = None
                where = f"constraint '{_where(constraint.name, key, not indexed)}'"
                i = len(names)
                positions[key] = i
                names.append(where[len("constraint '") : -1])
                c, v, const = self.expression(constraint.lhs, inst, indexed, where)
                rhs = self._rhs(constraint, inst, where)
                if math.isnan(rhs):
                    raise ModelError(f"{where}: right-hand side is nan")
                bound = rhs - const
                lower.append(bound if sense != "<=" else -np.inf)
                upper.append(bound if sense != ">=" else np.inf)
                senses.append(sense)
                constants.append(const)
                row_ids.append(np.full(len(c), i, dtype=np.int64))
                col_ids.append(c)
                values.append(v)
        n_rows = len(names)
        if row_ids:
            matrix = sp.csr_matrix(
                (np.concatenate(values), (np.concatenate(row_ids), np.concatenate(col_ids))),
                shape=(n_rows, n_cols),
            )
        else:
            matrix = sp.csr_matrix((n_rows, n_cols))
        matrix.sum_duplicates()
        matrix.eliminate_zeros()
        return (
            names,
            matrix,
            np.asarray(lower, float),
            np.asarray(upper, float),
            np.asarray(senses, dtype="<U2"),
            np.asarray(constants, float),
            row_index,
            scalars,
        )

    def _rhs(self, constraint: LXConstraint, inst: Any, where: str) -> float:
        """``rhs_value`` when set (it wins, as in LumiX: ``copy.rhs_value = 1500``),
        else ``rhs_func(row)``."""
        func = None
        if constraint.rhs_value is not None:
            value = constraint.rhs_value
        else:
            func = constraint.rhs_func
            try:
                value = func(inst)
            except Exception as exc:
                raise self._call_error(where, "right-hand side", func, exc) from exc
        try:
            return float(value)
        except (TypeError, ValueError):
            src = f" ({describe_callable(func)})" if func else ""
            raise ModelError(f"{where}: right-hand side {value!r} is not a number{src}") from None

    # -- objective --------------------------------------------------------------------------
    def _objective(self, n_cols: int) -> tuple[np.ndarray, float, LXObjectiveSense | None]:
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
            return np.zeros(n_cols), 0.0, None
        cols, vals, const = self.expression(expr, None, False, "the objective")
        objective = np.bincount(cols, weights=vals, minlength=n_cols).astype(float)
        if not math.isfinite(const):
            raise ModelError(f"the objective: constant is {const}")
        return objective, const, model.objective_sense

    def run(self) -> LXCanonicalModel:
        col_names, col_lower, col_upper, col_integer = self._columns()
        n_cols = len(col_names)
        names, matrix, lower, upper, senses, constants, row_index, scalar_rows = self._rows(n_cols)
        objective, constant, sense = self._objective(n_cols)
        scalar_vars = {v.name for v in self.model.variables if v.is_scalar}
        return LXCanonicalModel(
            name=self.model.name,
            col_names=tuple(col_names),
            col_lower=col_lower,
            col_upper=col_upper,
            col_integer=col_integer,
            objective=objective,
            objective_constant=constant,
            sense=sense,
            matrix=matrix,
            row_names=tuple(names),
            row_lower=lower,
            row_upper=upper,
            row_sense=senses,
            row_constant=constants,
            col_index=dict(self._positions),
            row_index=row_index,
            scalar_variables=frozenset(scalar_vars),
            scalar_constraints=frozenset(scalar_rows),
        )
